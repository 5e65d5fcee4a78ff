"""pauses.py [-d SECONDS] [-g MS] - when this machine stops running
processes, seen by one that asks for almost no CPU.

Sleeps 1 ms at a time for SECONDS (default 10) and records every wake
that came more than MS (default 5) after it was due: a gap. A sleeper
that wakes is put ahead of processes that have been running, so on an
idle or merely busy machine it sees few gaps; many mean that the
machine itself was held (on a virtual machine, its host not running
it). Prints the gaps' count, their sum over the run's time (the share
of the time held), their median, and where they fell in a 100 ms cycle
(ten 10 ms bins counted from the run's start): a host that limits its
guest's CPU time per 100 ms period (Linux's CFS bandwidth control uses
100 ms by default) holds the guest at the same point of every period,
so its gaps pile up in one or two bins; gaps from anything else spread.

Run it next to a load: sh -c 'yes > /dev/null & yes > /dev/null &
python3 bench/pauses.py; kill %1 %2'. bench/sync-tail.py -p runs it next
to its syncs and counts the stalls that fell in a gap."""
import getopt
import sys
import time

PERIOD = 0.1


def probe(start_at, seconds, limit):
    """[(due, late)] of the 1 ms sleeps from start_at (a time.monotonic()
    value) for seconds that woke more than limit late."""
    if start_at > time.monotonic():
        time.sleep(start_at - time.monotonic())
    gaps = []
    while True:
        due = time.monotonic() + 0.001
        if due - start_at >= seconds:
            return gaps
        time.sleep(0.001)
        late = time.monotonic() - due
        if late > limit:
            gaps.append((due, late))


def phases(gaps, start_at):
    """How many gaps began in each tenth of the 100 ms cycle."""
    bins = [0] * 10
    for t, _ in gaps:
        bins[int((t - start_at) % PERIOD / PERIOD * 10) % 10] += 1
    return bins


def summary(gaps, start_at, seconds):
    """One line: count, share of the time, median, the cycle's bins."""
    lates = sorted(late for _, late in gaps)
    median = lates[len(lates) // 2] * 1000 if lates else 0.0
    bins = phases(gaps, start_at)
    top = max(bins[i] + bins[(i + 1) % 10] for i in range(10))
    return (f"gaps={len(gaps)} held_share={sum(lates) / seconds:.4f} "
            f"median_ms={median:.2f} "
            f"phase_bins={'/'.join(map(str, bins))} "
            f"in_two_bins={top / len(gaps) if gaps else 0:.2f}")


def main():
    opts, _ = getopt.getopt(sys.argv[1:], "d:g:")
    o = dict(opts)
    seconds = float(o.get("-d", 10))
    limit = float(o.get("-g", 5)) / 1000
    start_at = time.monotonic()
    gaps = probe(start_at, seconds, limit)
    print(f"pauses {summary(gaps, start_at, seconds)}")


if __name__ == "__main__":
    main()
