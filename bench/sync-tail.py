"""sync-tail.py [-r RATE] [-d SECONDS] [-b BYTES] [DIR] - the disk's own
fdatasync tail, with no paced in the way.

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
share is a little high for a server that groups."""
import getopt
import os
import sys
import tempfile
import time

from ranks import percentile

WRAP = 4 << 20
LIMIT = 0.005


def main():
    opts, args = getopt.getopt(sys.argv[1:], "r:d:b:")
    o = dict(opts)
    rate = float(o.get("-r", 0))
    seconds = float(o.get("-d", 10))
    size = int(o.get("-b", 8192))
    where = args[0] if args else None
    page = os.urandom(size)
    with tempfile.TemporaryDirectory(dir=where) as d:
        fd = os.open(os.path.join(d, "wal"), os.O_RDWR | os.O_CREAT, 0o600)
        os.pwrite(fd, bytes(WRAP), 0)
        os.fsync(fd)
        durations, offset = [], 0
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
            durations.append(time.monotonic() - t0)
        elapsed = time.monotonic() - start
        os.close(fd)
    if not durations:
        sys.exit("sync-tail: no sync in the time given (-d)")
    durations.sort()
    stall = sum(x - LIMIT for x in durations if x > LIMIT)
    ms = lambda x: f"{x * 1000:.3f}"
    print(f"sync-tail rate={rate:g} syncs={len(durations)} "
          f"per_s={len(durations) / elapsed:.0f} "
          f"p50_ms={ms(percentile(durations, 0.5))} "
          f"p99_ms={ms(percentile(durations, 0.99))} "
          f"p999_ms={ms(percentile(durations, 0.999))} "
          f"max_ms={ms(durations[-1])} "
          f"over_5ms={sum(1 for x in durations if x > LIMIT)} "
          f"stall_share={stall / elapsed:.4f}")


main()
