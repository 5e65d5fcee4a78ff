#!/bin/sh
# Idle cost of the scheduler: paced holding N projects (default 100 000)
# with nothing to do, measured as the CPU time it uses over S seconds
# (default 60) after start-up. Also prints the start-up time and RSS.
#   sh bench/idle.sh [N] [S]
set -eu
N=${1:-100000}
S=${2:-60}
. "$(dirname "$0")/common.sh"

# Create the schema, then N projects in one transaction: linear burn-ups
# spread over the coming years, a tenth of them with a weekly reporting
# cadence, so every project has a wake-up instant in the heap.
bench_schema
python3 - "$tmp/paced.db" "$N" <<'PY'
import json, sqlite3, sys, time
db, n = sys.argv[1], int(sys.argv[2])
now = int(time.time() * 1000)
con = sqlite3.connect(db)
with con:
    for i in range(n):
        d = {"title": f"项目 {i}", "unit": "个", "target": 100 + i % 500,
             "start": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                    time.gmtime(now / 1000 - 86400 * (i % 300))),
             "due": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                  time.gmtime(now / 1000 + 86400 * (30 + i % 900)))}
        if i % 10 == 0:
            d["report_every"] = "7d"
        con.execute("INSERT INTO projects (id, definition, created_at, "
                    "defined_at, status, status_since) VALUES "
                    "(?, ?, ?, ?, 'on_track', ?)",
                    (f"p{i}", json.dumps(d, ensure_ascii=False), now, now, now))
PY

# The first start evaluates every project and records an event for each
# one that is behind or at risk (most of them: nothing was reported); a
# restart finds nothing new to record.
# start sets pid (paced runs in this shell, not in a $(...) subshell, which
# would also wait for paced to close the pipe) and took (seconds).
start() {
	t0=$(date +%s.%N)
	"$bin" -c "$tmp/paced.conf" >/dev/null 2>>"$tmp/log" & pid=$!
	until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
		sleep 0.02
	done
	t1=$(date +%s.%N)
	took=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
}
start
first=$took
kill "$pid"; wait "$pid" || true
events=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from events').fetchone()[0])" "$tmp/paced.db")
start
again=$took
c0=$(cpu "$pid")
sleep "$S"
c1=$(cpu "$pid")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "projects: $N"
echo "first start (evaluate, schedule, record $events events): $first s"
echo "restart (evaluate and schedule all, until /healthz): $again s"
echo "CPU time over ${S} s idle: $(awk "BEGIN { printf \"%.3f\", ($c1 - $c0) / $hz }") s"
echo "RSS: $((rss / 1024)) MiB"
