#!/bin/sh
# Cost of a /metrics scrape with N projects (default 10 000): wall time
# per scrape seen by the client, paced's CPU time per scrape, and the size
# of the exposition. Every project is evaluated at each scrape.
#   sh bench/metrics.sh [N] [SCRAPES]
set -eu
N=${1:-10000}
K=${2:-20}
. "$(dirname "$0")/common.sh"

# The schema, then N linear burn-ups in one transaction, each with one
# update, so every series of every project is there.
bench_schema
python3 - "$tmp/paced.db" "$N" <<'PY'
import json, sqlite3, sys, time
db, n = sys.argv[1], int(sys.argv[2])
now = int(time.time() * 1000)
day = lambda d: time.strftime("%Y-%m-%dT%H:%M:%SZ",
                              time.gmtime(now / 1000 + 86400 * d))
con = sqlite3.connect(db)
with con:
    for i in range(n):
        d = {"title": f"项目 {i}", "unit": "个", "target": 100 + i % 500,
             "start": day(-(i % 300)), "due": day(30 + i % 900)}
        if i % 10 == 0:
            d["report_every"] = "7d"
        con.execute("INSERT INTO projects (id, definition, created_at, "
                    "defined_at, status, status_since) VALUES "
                    "(?, ?, ?, ?, 'on_track', ?)",
                    (f"p{i}", json.dumps(d, ensure_ascii=False), now, now, now))
        con.execute("INSERT INTO updates (project_id, at, value, "
                    "received_at) VALUES (?, ?, ?, ?)",
                    (f"p{i}", now - 3600000, i % 100, now))
PY
"$bin" -c "$tmp/paced.conf" 2>>"$tmp/log" & pid=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.05; done
curl -sf "http://127.0.0.1:$port/metrics" >"$tmp/m.txt"
c0=$(cpu "$pid")
t0=$(date +%s.%N)
i=0
while [ "$i" -lt "$K" ]; do
	curl -sf "http://127.0.0.1:$port/metrics" >/dev/null
	i=$((i + 1))
done
t1=$(date +%s.%N)
c1=$(cpu "$pid")
echo "projects: $N"
echo "exposition: $(wc -c <"$tmp/m.txt") bytes, $(grep -vc '^#' "$tmp/m.txt") samples"
echo "wall time per scrape (curl, $K scrapes): $(awk "BEGIN { printf \"%.1f\", ($t1 - $t0) * 1000 / $K }") ms"
echo "paced CPU per scrape: $(awk "BEGIN { printf \"%.1f\", ($c1 - $c0) * 1000 / $hz / $K }") ms"
if command -v promtool >/dev/null; then
	promtool check metrics <"$tmp/m.txt" && echo "promtool check metrics: ok"
fi
