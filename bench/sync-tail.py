"""sync-tail.py [-r RATE] [-d SECONDS] [-b BYTES] [-j JOBS] [DIR] - the
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
file of its own at RATE, and print a line each (job=N); then how many of
job 0's syncs over 5 ms overlapped in time a sync over 5 ms of another
job, against how many would by chance if the stalls fell independently
(each stall of job 0 overlaps a stall of length D of another job's with
probability (its length + D) / the run's time). Nearly all against few
says that a stall holds the disk (or the machine), not one file: then
more files synced side by side (a WAL each) would not get past it."""
import getopt
import multiprocessing
import os
import sys
import tempfile
import time

from ranks import percentile

WRAP = 4 << 20
LIMIT = 0.005


def sync_loop(path, rate, seconds, page, syncs):
    """Appends (start, duration) of each fdatasync to syncs; returns the
    run's elapsed time."""
    size = len(page)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.pwrite(fd, bytes(WRAP), 0)
    os.fsync(fd)
    offset = 0
    start = time.monotonic()
    due = start
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
    return time.monotonic() - start


def job(work):
    """One syncer's (syncs, elapsed): sync_loop on work's arguments."""
    syncs = []
    path, rate, seconds, page = work
    return syncs, sync_loop(path, rate, seconds, page, syncs)


def report(rate, syncs, elapsed, job):
    durations = sorted(d for _, d in syncs)
    stall = sum(x - LIMIT for x in durations if x > LIMIT)
    ms = lambda x: f"{x * 1000:.3f}"
    print(f"sync-tail {job}rate={rate:g} syncs={len(durations)} "
          f"per_s={len(durations) / elapsed:.0f} "
          f"p50_ms={ms(percentile(durations, 0.5))} "
          f"p99_ms={ms(percentile(durations, 0.99))} "
          f"p999_ms={ms(percentile(durations, 0.999))} "
          f"max_ms={ms(durations[-1])} "
          f"over_5ms={sum(1 for x in durations if x > LIMIT)} "
          f"stall_share={stall / elapsed:.4f}")


def coincidence(runs, elapsed):
    """Job 0's stalls that overlap another job's, and the number expected
    by chance."""
    stalls = [[(t, d) for t, d in syncs if d > LIMIT] for syncs in runs]
    mine, others = stalls[0], [s for job in stalls[1:] for s in job]
    seen = sum(1 for t, d in mine
               if any(u < t + d and t < u + e for u, e in others))
    chance = sum(min(1.0, sum(d + e for _, e in others) / elapsed)
                 for _, d in mine)
    print(f"sync-tail coincide: {seen} of job 0's {len(mine)} stalls "
          f"overlapped another job's ({len(others)} in all); "
          f"by chance about {chance:.1f}")


def main():
    opts, args = getopt.getopt(sys.argv[1:], "r:d:b:j:")
    o = dict(opts)
    rate = float(o.get("-r", 0))
    seconds = float(o.get("-d", 10))
    size = int(o.get("-b", 8192))
    jobs = int(o.get("-j", 1))
    if jobs < 1:
        sys.exit("sync-tail: -j needs 1 or more")
    where = args[0] if args else None
    page = os.urandom(size)
    with tempfile.TemporaryDirectory(dir=where) as d:
        work = [(os.path.join(d, f"wal{i}"), rate, seconds, page)
                for i in range(jobs)]
        if jobs == 1:
            done = [job(work[0])]
        else:
            # Processes, not threads: a thread waiting for Python's lock
            # after its sync would be timed as a stall of the disk.
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                done = pool.map(job, work)
    runs = [syncs for syncs, _ in done]
    elapsed = [e for _, e in done]
    if not all(runs):
        sys.exit("sync-tail: no sync in the time given (-d)")
    for i in range(jobs):
        report(rate, runs[i], elapsed[i], f"job={i} " if jobs > 1 else "")
    if jobs > 1:
        coincidence(runs, max(elapsed))


main()
