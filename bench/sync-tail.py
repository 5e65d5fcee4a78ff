"""sync-tail.py [-r RATE] [-d SECONDS] [-b BYTES] [-j JOBS] [-p] [DIR] - the
disk's own fdatasync tail, with no paced in the way.

Writes BYTES (default 8192: a WAL frame's page and header round up to
two pages) at the end of a file in DIR (default: a fresh temporary
directory), wrapping at 4 MiB as a WAL does after a checkpoint, then
fdatasyncs it; RATE syncs a second (default 0: back to back, like a
loop that always has a group waiting), for SECONDS (default 10).

Prints the syncs' count, p50 / p99 / p99.9 / max, how many took over
5 ms, and stall_share: the sum over the syncs of their time beyond 5 ms,
over the run's time. A request that arrives t into a sync of D cannot be
in that sync's group (it had begun): it waits D - t for it and then its
own sync, so requests arriving evenly wait over 5 ms at least
stall_share of the time. For a server that makes one fdatasync at a time
at this rate, an answers' p99 under 5 ms needs stall_share well under
0.01. The file is written in full and synced before the timed syncs, so
that none of them carries a change of its size, as a WAL in use does
not. After a stall the syncs run back to back until they are on time
again (a server would put the requests that waited in one group), so the
share is a little high for a server that groups.

With -j JOBS (default 1), JOBS processes do the same at once, each on a
file of its own at RATE, over one common window of SECONDS that opens
2 s after the processes start (each job writes its file first, then
waits for the window, taken from CLOCK_MONOTONIC, which all processes
share; a load meant to cover the window must run 2 s longer). Each
prints a line (job=N); then how many of job 0's syncs over 5 ms
overlapped in time a sync over 5 ms of another job, against two counts
by chance: "uniform" (job 0's stalls placed anywhere in the window) and
"shifted" (job 0's stalls moved along it as they came), as
bench/intervals.py defines them. Nearly all against few says that a
stall holds every file at once, not one: then more files synced side by
side (a WAL each) would not get past it.

With -p, bench/pauses.py's probe runs over the same window in a process
of its own, and its line (pauses) is printed with how many of job 0's
stalls overlapped one of its gaps, against the same two counts by
chance: nearly all says that when a sync stalls, a process that was not
syncing was not run either (see bench/pauses.py for what can do that)."""
import getopt
import multiprocessing
import os
import sys
import tempfile
import time

import pauses
from intervals import coincide
from ranks import percentile

WRAP = 4 << 20
LIMIT = 0.005


def sync_loop(path, rate, seconds, page, start_at):
    """Syncs from start_at (a time.monotonic() value; 0: at once) for
    seconds; returns ([(start, duration) of each fdatasync], elapsed)."""
    size = len(page)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.pwrite(fd, bytes(WRAP), 0)
    os.fsync(fd)
    if start_at > time.monotonic():
        time.sleep(start_at - time.monotonic())
    elif start_at:
        print(f"sync-tail: a job started {time.monotonic() - start_at:.3f}"
              " s late; its window is short", file=sys.stderr)
    syncs = []
    offset = 0
    start = start_at or time.monotonic()
    # a late job starts on time from now, not with a burst to catch up
    due = max(start, time.monotonic())
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        if rate > 0:
            if now < due:
                time.sleep(due - now)
            due += 1 / rate
        os.pwrite(fd, page, offset)
        offset = (offset + size) % WRAP
        t0 = time.monotonic()
        os.fdatasync(fd)
        syncs.append((t0, time.monotonic() - t0))
    os.close(fd)
    return syncs, time.monotonic() - start


def report(rate, syncs, elapsed, label):
    durations = sorted(d for _, d in syncs)
    stall = sum(x - LIMIT for x in durations if x > LIMIT)
    ms = lambda x: f"{x * 1000:.3f}"
    print(f"sync-tail {label}rate={rate:g} syncs={len(durations)} "
          f"per_s={len(durations) / elapsed:.0f} "
          f"p50_ms={ms(percentile(durations, 0.5))} "
          f"p99_ms={ms(percentile(durations, 0.99))} "
          f"p999_ms={ms(percentile(durations, 0.999))} "
          f"max_ms={ms(durations[-1])} "
          f"over_5ms={sum(1 for x in durations if x > LIMIT)} "
          f"stall_share={stall / elapsed:.4f}")


def stalls(syncs, begin, window):
    return [(t, d) for t, d in syncs
            if d > LIMIT and begin <= t < begin + window]


def coincidence(runs, begin, window):
    """Job 0's stalls that overlap another job's."""
    mine = stalls(runs[0], begin, window)
    theirs = [s for syncs in runs[1:] for s in stalls(syncs, begin, window)]
    seen, uniform, shifted = coincide(mine, theirs, begin, window)
    print(f"sync-tail coincide: {seen} of job 0's {len(mine)} stalls "
          f"overlapped another job's ({len(theirs)} in all); "
          f"expected by chance: {uniform:.1f} uniform, {shifted:.1f} "
          f"shifted")


def held(syncs, gaps, begin, window):
    """Job 0's stalls that overlap a gap of the pause probe."""
    mine = stalls(syncs, begin, window)
    seen, uniform, shifted = coincide(mine, gaps, begin, window)
    print(f"sync-tail pauses {pauses.summary(gaps, begin, window)}")
    print(f"sync-tail held: {seen} of job 0's {len(mine)} stalls "
          f"overlapped a pause; expected by chance: {uniform:.1f} "
          f"uniform, {shifted:.1f} shifted")


def main():
    opts, args = getopt.getopt(sys.argv[1:], "r:d:b:j:p")
    o = dict(opts)
    rate = float(o.get("-r", 0))
    seconds = float(o.get("-d", 10))
    size = int(o.get("-b", 8192))
    jobs = int(o.get("-j", 1))
    probe = int("-p" in o)
    if jobs < 1:
        sys.exit("sync-tail: -j needs 1 or more")
    where = args[0] if args else None
    page = os.urandom(size)
    with tempfile.TemporaryDirectory(dir=where) as d:
        paths = [os.path.join(d, f"wal{i}") for i in range(jobs)]
        gaps = None
        if jobs == 1 and not probe:
            done = [sync_loop(paths[0], rate, seconds, page, 0)]
        else:
            # Processes, not threads: a thread waiting for Python's lock
            # after its sync would be timed as a stall of the disk.
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(jobs + probe) as pool:
                # time for each job to write and sync its 4 MiB first
                start_at = time.monotonic() + 2
                if probe:
                    gaps = pool.apply_async(pauses.probe,
                                            (start_at, seconds, LIMIT))
                done = pool.starmap(sync_loop,
                                    [(p, rate, seconds, page, start_at)
                                     for p in paths])
                if probe:
                    gaps = gaps.get()
    runs = [syncs for syncs, _ in done]
    elapsed = [e for _, e in done]
    if not all(runs):
        sys.exit("sync-tail: no sync in the time given (-d)")
    for i in range(jobs):
        report(rate, runs[i], elapsed[i], f"job={i} " if jobs > 1 else "")
    if jobs > 1:
        coincidence(runs, start_at, seconds)
    if probe:
        held(runs[0], gaps, start_at, seconds)


main()
