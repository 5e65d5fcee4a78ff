"""pauses.py [-d SECS] [-g MS] [-s SECS] [-a] - when this machine stops running
processes, seen by one that asks for almost no CPU.

Sleeps 1 ms at a time for SECONDS (default 10) and records every wake
that came more than MS (default 5) after it was due: a gap. Against
processes at normal priority a sleeper that wakes is put ahead of those
that have been running, so on an idle or merely busy machine it sees
few gaps; many mean that its CPU was not running it (on a virtual
machine, possibly the host not running the guest; also a long stretch
in the guest's kernel, which here is built without kernel preemption).
Against real-time processes it waits like anything else: run it at a
higher real-time priority beside them (bench/run does).

Prints the gaps' count, held_share (their sum over the run's time: the
share of the time spent in gaps over MS, not all the time held), their
median, and where they began in a 100 ms cycle (ten 10 ms bins counted
from the run's start), with in_two_bins, the share of the gaps in the
busiest two neighbouring bins. A host that limits its guest's CPU time
per 100 ms period (Linux's CFS bandwidth control uses 100 ms by
default) stops the guest at the same point of the periods it stops it
in, so its gaps pile up in two bins; gaps from anything not periodic at
100 ms spread, and then in_two_bins is about 0.3 for 30 gaps. Under 10
gaps chance alone often puts most of them in two bins, so in_two_bins
is printed as "-".

With -s, the window opens SECONDS after the process began (its start
time in /proc, so the interpreter's start-up counts; default 0, and
with -a at least a second after the pool is up): start it that long
before the load to be watched. Starting the interpreter is not free
(about 0.35 s of CPU here, where `python3` is a pyenv shim), and a probe
started as a measured window opens takes that CPU from the server in
the window's first second or so: at 14 000 updates/s, its database on a
fast disk, it lifted paced's open-loop p99 from about 4 ms to 100-130
ms.

With -a, one probe runs on each CPU, pinned to it, over one window; a
line each (cpu=N), then how many of CPU 0's gaps overlapped a gap on
another CPU: nearly all says that every CPU was stopped at once.

Run it next to a load: sh -c 'yes > /dev/null & yes > /dev/null &
python3 bench/pauses.py; kill %1 %2'. bench/sync-tail.py -p runs it next
to its syncs and counts the stalls that fell in a gap."""
import getopt
import multiprocessing
import os
import sys
import time

from intervals import overlaps, union

PERIOD = 0.1
FEW = 10


def probe(start_at, seconds, limit, cpu=None):
    """[(due, late)] of the 1 ms sleeps from start_at (a time.monotonic()
    value) for seconds that woke more than limit late; on cpu alone if
    given."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
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


def process_age():
    """Seconds since this process began, exec()s before the interpreter
    included (a pyenv shim execs it): /proc/self/stat's start time
    against /proc/uptime, both counted from boot."""
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return max(0.0, uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"))


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
    two = f"{top / len(gaps):.2f}" if len(gaps) >= FEW else "-"
    return (f"gaps={len(gaps)} held_share={sum(lates) / seconds:.4f} "
            f"median_ms={median:.2f} "
            f"phase_bins={'/'.join(map(str, bins))} in_two_bins={two}")


def per_cpu(start_at, seconds, limit):
    """A probe pinned to each CPU over one window: a line each, then the
    gaps of CPU 0 that overlapped one of another CPU's."""
    cpus = sorted(os.sched_getaffinity(0))
    with multiprocessing.get_context("fork").Pool(len(cpus)) as pool:
        start_at = max(start_at, time.monotonic() + 1)
        runs = pool.starmap(probe, [(start_at, seconds, limit, c)
                                    for c in cpus])
    for cpu, gaps in zip(cpus, runs):
        print(f"pauses cpu={cpu} {summary(gaps, start_at, seconds)}")
    others = union((t, t + d) for gaps in runs[1:] for t, d in gaps)
    both = sum(1 for t, d in runs[0] if overlaps(t, d, others))
    print(f"pauses together: {both} of cpu={cpus[0]}'s {len(runs[0])} "
          f"gaps overlapped a gap on another CPU")


def main():
    opts, _ = getopt.getopt(sys.argv[1:], "d:g:s:a")
    o = dict(opts)
    seconds = float(o.get("-d", 10))
    limit = float(o.get("-g", 5)) / 1000
    start_at = time.monotonic()
    if "-s" in o:
        start_at += float(o["-s"]) - process_age()
    if "-a" in o:
        per_cpu(start_at, seconds, limit)
        return
    gaps = probe(start_at, seconds, limit)
    print(f"pauses {summary(gaps, start_at, seconds)}")


if __name__ == "__main__":
    main()
