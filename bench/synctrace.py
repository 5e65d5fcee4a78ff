"""synctrace.py TRACE SYNCS PID: bench/synctrace's report.

TRACE is bench/openloop.c's -t file (a "# t0 SECONDS" line on
CLOCK_MONOTONIC, then "due latency_ms" per answer as it came, due
counted from t0; answers come out of their order of falling due);
SYNCS is `perf script -F tid,time,event,trace` of the sync system calls'
entries and exits, on the same clock. PID is paced's: its own thread is
the event loop, every other one a worker."""

import collections
import re
import sys

SLOW_MS = 4.0     # an answer slower than this is in an episode
MERGE_S = 0.02    # slow answers this close together are one episode


def answers(path):
    t0 = None
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("# t0"):
                t0 = float(line.split()[2])
            elif not line.startswith("#"):
                due, lat = line.split()
                out.append((t0 + float(due), float(lat)))
    out.sort()
    return out


def syncs(path, loop_tid):
    pat = re.compile(r"\s*(\d+)\s+([\d.]+):\s+syscalls:sys_(enter|exit)_"
                     r"(\w+):\s*(.*)")
    began = {}
    out = []
    with open(path) as f:
        for line in f:
            m = pat.match(line)
            if not m:
                continue
            tid, t, edge, name, rest = m.groups()
            if edge == "enter":
                fd = int(rest.split("fd:")[1].split(",")[0], 16)
                began[tid] = (float(t), name, fd)
            elif tid in began:
                t1, name, fd = began.pop(tid)
                who = "loop" if tid == loop_tid else "worker"
                out.append((t1, float(t) - t1, who, name, fd))
    return out


def episodes(ans):
    """[start, end, worst, n]: slow answers by due instant, one episode
    while each falls due within MERGE_S of the last one's leaving, so
    that episodes never overlap; end is when its last answer left."""
    eps = []
    for t, lat in ans:
        if lat <= SLOW_MS:
            continue
        left = t + lat / 1e3
        if eps and t - eps[-1][1] < MERGE_S:
            e = eps[-1]
            e[1] = max(e[1], left)
            e[2] = max(e[2], lat)
            e[3] += 1
        else:
            eps.append([t, left, lat, 1])
    return eps


def main():
    ans = answers(sys.argv[1])
    calls = syncs(sys.argv[2], sys.argv[3])
    eps = episodes(ans)
    print("answers %d, over %.0f ms %d, in %d episodes"
          % (len(ans), SLOW_MS, sum(1 for _, lat in ans if lat > SLOW_MS),
             len(eps)))
    kinds = collections.defaultdict(list)
    for _, dur, who, name, fd in calls:
        kinds[(who, name, fd)].append(dur * 1e3)
    print("syncs by thread kind, call and descriptor (ms):")
    for (who, name, fd), v in sorted(kinds.items()):
        v.sort()
        n = len(v)
        print("  %-6s %-9s fd %-3d n=%-6d p50 %.2f p90 %.2f p99 %.2f "
              "max %.2f over 1 ms %d"
              % (who, name, fd, n, v[n // 2], v[int(n * .9)],
                 v[int(n * .99)], v[-1], sum(1 for x in v if x > 1)))
    for start, end, worst, n in eps:
        print("episode %.3f s into the measured run, %.1f ms long: "
              "%d answers, worst %.1f ms"
              % (start - ans[0][0], (end - start) * 1e3, n, worst))
        # Every sync that overlapped it: the loop's only if slow (it
        # makes thousands), the workers' all.
        for t, dur, who, name, fd in calls:
            if t < end and t + dur > start and (dur > 0.0008 or
                                                 who != "loop"):
                print("    %+6.1f ms  %-6s %-9s fd %-3d %.2f ms"
                      % ((t - start) * 1e3, who, name, fd, dur * 1e3))


main()
