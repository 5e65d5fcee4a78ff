# common.sh - what the bench scripts share, sourced after set -eu: the
# binary, a temporary directory removed on exit (with the paced in $pid
# stopped, and every process in $others), a free loopback port and a
# config on them. Sets top, bin, tmp, port, pid and others; free_port
# prints another free port.
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/build/paced"
[ -x "$bin" ] || { echo "build paced first: make" >&2; exit 1; }
tmp=$(mktemp -d)
pid=
others=
# shellcheck disable=SC2086
trap 'kill $pid $others 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port=$(free_port)
cat > "$tmp/paced.conf" <<CONF
[server]
listen = 127.0.0.1:$port
[storage]
path = $tmp/paced.db
durability = normal
CONF

# Starts paced once so it creates the schema, then stops it.
bench_schema() {
	"$bin" -c "$tmp/paced.conf" >/dev/null 2>"$tmp/log" & pid=$!
	until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
		sleep 0.1
	done
	kill "$pid"; wait "$pid" || true
}
