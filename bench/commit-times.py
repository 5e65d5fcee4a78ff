"""commit-times.py BEFORE AFTER [SECONDS] - paced's COMMIT times between two
/metrics scrapes: how many commits, how many took longer than 5 ms (the
half-rate p99 goal), the buckets the median and the 99th percentile fall
in, from the histogram paced_commit_duration_seconds, and the time spent
in them (with SECONDS, the time between the scrapes: its share of it).
Prints commits=0 when a scrape is missing or has no such histogram. With durability = full and
sync = loop each COMMIT holds the group's fdatasync, during which the
loop answers nothing: what the disk adds to the answers' tail."""
import re
import sys

NAME = "paced_commit_duration_seconds"


def read(path):
    buckets, count, total = {}, 0.0, 0.0
    with open(path, encoding="utf-8") as f:
        for ln in f:
            m = re.match(NAME + r'_bucket\{le="([^"]+)"\} (\S+)', ln)
            if m:
                le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
                buckets[le] = float(m.group(2))
            elif ln.startswith(NAME + "_count "):
                count = float(ln.split()[1])
            elif ln.startswith(NAME + "_sum "):
                total = float(ln.split()[1])
    return buckets, count, total


def main():
    try:
        (b0, c0, s0), (b1, c1, s1) = read(sys.argv[1]), read(sys.argv[2])
    except OSError as e:
        print(f"commit-times commits=0 error={e.strerror.replace(' ', '_')}")
        return
    n = c1 - c0
    if not b1 or n <= 0:
        # No scrape, or a paced without the histogram: nothing to say.
        print("commit-times commits=0")
        return
    les = sorted(b1)
    cum = {le: b1[le] - b0.get(le, 0) for le in les}
    over5 = n - cum[0.005]
    p99 = next(le for le in les if cum[le] >= 0.99 * n)
    p50 = next(le for le in les if cum[le] >= 0.5 * n)
    fmt = lambda le: "inf" if le == float("inf") else f"{le * 1000:g}"
    share = ""
    if len(sys.argv) > 3:
        window = float(sys.argv[3])
        share = (f" window_s={window:.1f}"
                 f" loop_share={(s1 - s0) / window:.3f}")
    print(f"commit-times commits={n:.0f} over_5ms={over5:.0f} "
          f"over_5ms_share={over5 / n:.4f} p50_le_ms={fmt(p50)} "
          f"p99_le_ms={fmt(p99)} seconds={s1 - s0:.3f} "
          f"mean_ms={(s1 - s0) / n * 1000:.3f}{share}")


main()
