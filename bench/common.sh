# common.sh - what the bench scripts share, sourced after set -eu: the
# binary, a temporary directory removed on exit (with the paced in $pid
# stopped, and every process in $others), a free loopback port and a
# config on them; the trap also writes "on" back to every file named in
# $paused (a machine setting a benchmark turned off; unpause does it
# before). Sets top, bin, tmp, port, pid, others, paused, hz and
# as_nobody; free_port prints another free port, field and cpu read
# results and CPU time, group_counts paced's group commits; nginx_start
# and paced_fresh start
# the servers the write-path benchmarks compare; probe_ahead starts
# bench/pauses.py beside a load.
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/build/paced"
[ -x "$bin" ] || { echo "build paced first: make" >&2; exit 1; }
tmp=$(mktemp -d)
pid=
others=
paused=
# unpause: "on" written back to every file in $paused, which is emptied.
unpause() {
	for f in $paused; do echo on >"$f" || true; done
	paused=
}
# shellcheck disable=SC2086
trap 'unpause; kill $pid $others 2>/dev/null || true; rm -rf "$tmp"' \
	EXIT INT TERM
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

# field KEY [LINE]: the value of KEY in a line of key=value words (wrk's
# and openloop's result lines), LINE or else standard input.
field() {
	if [ $# -ge 2 ]; then printf '%s\n' "$2"; else cat; fi |
		tr ' ' '\n' | sed -n "s/^$1=//p"
}

# group_counts PORT: paced's group commits and the writes in them so far,
# "COMMITS WRITES " (nothing from a server without them: nginx).
group_counts() {
	curl -sf "http://127.0.0.1:$1/metrics" 2>/dev/null |
		awk '/^paced_group_(commits|writes)_total / { printf "%s ", $2 }'
}

# cpu PID: the process's user + system time so far, in clock ticks of hz.
hz=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Unprivileged when root: the peers need no rights, and get none. A prefix,
# not a function, so that $! is the peer's own pid (setpriv execs it).
as_nobody=
[ "$(id -u)" = 0 ] &&
	as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups --"

# nginx answering `return 204` to everything, with one worker like paced's
# one event loop; its prefix, temp directories and logs in $tmp. Sets
# ng_port, ng_pid (also added to others) and ng_worker.
nginx_start() {
	ng_port=$(free_port)
	mkdir -p "$tmp/nginx"
	cat >"$tmp/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	keepalive_requests 1000;
	server {
		listen 127.0.0.1:$ng_port;
		location / { return 204; }
	}
}
NGINX
	chmod 711 "$tmp"
	[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$tmp/nginx"
	# shellcheck disable=SC2086
	$as_nobody nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" \
		-c "$tmp/nginx/nginx.conf" & ng_pid=$!
	others="$others $ng_pid"
	until curl -s -o /dev/null "http://127.0.0.1:$ng_port/"; do
		sleep 0.05
	done
	ng_worker=$(ps -o pid= --ppid "$ng_pid" | tr -d ' ' | head -1)
}

# paced_fresh BIN DURABILITY [SYNC]: BIN started on a new database in
# $tmp/turn with the config's durability (and [storage] sync) set, and
# 1000 projects p0..p999 made over the API, due in 50 days; sets pid.
# $run_prefix, when set, is the command BIN runs under (bench/instr's
# valgrind); it must exec BIN in its own process, so that $pid is it.
paced_fresh() {
	dir="$tmp/turn"
	rm -rf "$dir" && mkdir "$dir"
	sed "s|^path = .*|path = $dir/paced.db|; s/^durability = .*/durability = $2/" \
		"$tmp/paced.conf" >"$dir/paced.conf"
	[ $# -ge 3 ] && printf 'sync = %s\n' "$3" >>"$dir/paced.conf"
	# shellcheck disable=SC2086
	${run_prefix:-} "$1" -c "$dir/paced.conf" >/dev/null 2>"$dir/log" &
	pid=$!
	until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do
		kill -0 "$pid" 2>/dev/null || { cat "$dir/log" >&2; exit 1; }
		sleep 0.05
	done
	python3 - "$port" <<'PY'
import http.client, json, sys, time
day = lambda d: time.strftime("%Y-%m-%dT%H:%M:%SZ",
                              time.gmtime(time.time() + 86400 * d))
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for i in range(1000):
    c.request("POST", "/v1/projects", json.dumps({
        "id": f"p{i}", "title": f"项目 {i}", "unit": "个", "target": 1000,
        "start": day(-50), "due": day(50)}),
        {"Content-Type": "application/json"})
    r = c.getresponse(); r.read(); assert r.status == 201, r.status
PY
}

# probe_ahead WARMUP SECONDS OUT [PREFIX...]: bench/pauses.py started
# (under PREFIX, say chrt) with its window of SECONDS opening WARMUP s
# after a load started when this returns, a second from now: the
# interpreter's start-up takes CPU that a probe started with the load
# would take from the server measured (pauses.py, -s). Sets probe.
probe_ahead() {
	# named apart: the callers' variables are global too
	probe_lead=$(awk "BEGIN { print $1 + 1 }")
	probe_secs=$2 probe_out=$3
	shift 3
	"$@" python3 "$top/bench/pauses.py" -s "$probe_lead" -d "$probe_secs" \
		>"$probe_out" &
	probe=$!
	sleep 1
}
