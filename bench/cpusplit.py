"""cpusplit.py - bench/cpusplit's table: each turn's CPU per request,
split by where perf's samples fell.

    python3 bench/cpusplit.py HZ DIR < TURNS

TURNS has a line "NAME ROUND TICKS LOOP_TICKS REQUESTS EXE" per turn
(LOOP_TICKS: the first thread's, the event loop's; EXE: the name perf
gives the server's own code), its samples in DIR/NAME-ROUND.data. The
kernel's share is split by the system calls' call graphs (children: a
send's loopback delivery of the answer to the client is in the send),
the user share by the library the sample fell in.
"""
import re
import subprocess
import sys

# (row, kernel functions whose call graphs make it up; none nests in
# another's)
KERNEL_ROWS = [
    ("kernel: answer sent (tcp_sendmsg, with loopback delivery)",
     ["tcp_sendmsg"]),
    ("kernel: request read (tcp_recvmsg)", ["tcp_recvmsg"]),
    ("kernel: waiting for readiness (epoll_wait)", ["do_epoll_wait"]),
    ("kernel: storage (fdatasync, fsync, pwrite64, pread64, fcntl)",
     ["__x64_sys_fdatasync", "__x64_sys_fsync", "__x64_sys_pwrite64",
      "__x64_sys_pread64", "__x64_sys_fcntl"]),
]
USER_ROWS = ["user: the server's own code", "user: SQLite", "user: libc",
             "user: other libraries"]
LINE = re.compile(r"^\s*([\d.]+)%\s+(?:([\d.]+)%\s+)?(\S.*?)\s*$")


def report(data, *args):
    """perf report's rows as (first percentage, name) pairs."""
    out = subprocess.run(
        ["perf", "report", "-i", data, "--stdio", "-g", "none", *args],
        capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        m = LINE.match(line)
        if m and not line.lstrip().startswith("#"):
            rows.append((float(m.group(1)), m.group(3)))
    return rows


def is_kernel(dso):
    """The kernel and its modules ([ext4], [virtio_blk]): perf brackets
    them; [vdso] and [unknown] are user space's."""
    return dso.startswith("[") and dso not in ("[vdso]", "[unknown]")


def split(data, exe):
    """{row: share of the samples, 0..1} for one turn."""
    children = {}
    for pct, name in report(data, "--children", "--sort", "sym"):
        if name.startswith("[k] "):
            children.setdefault(name[4:], pct / 100)
    dsos = report(data, "--no-children", "--sort", "dso")
    kernel = sum(p for p, d in dsos if is_kernel(d)) / 100
    shares = {}
    named = 0.0
    for row, funcs in KERNEL_ROWS:
        shares[row] = sum(children.get(f, 0.0) for f in funcs)
        named += shares[row]
    if named > kernel + 0.005:
        print(f"warning: {data}: the named kernel rows ({named:.1%}) "
              f"exceed the kernel's samples ({kernel:.1%})", file=sys.stderr)
    shares["kernel: everything else"] = max(kernel - named, 0.0)
    for row in USER_ROWS:
        shares[row] = 0.0
    for pct, dso in dsos:
        if is_kernel(dso):
            continue
        if dso == exe:
            row = USER_ROWS[0]
        elif dso.startswith("libsqlite3"):
            row = USER_ROWS[1]
        elif dso.startswith("libc.so"):
            row = USER_ROWS[2]
        else:
            row = USER_ROWS[3]
        shares[row] += pct / 100
    return shares


def main():
    hz, where = float(sys.argv[1]), sys.argv[2]
    turns = [line.split() for line in sys.stdin if line.strip()]
    columns = []
    for name, rnd, ticks, loop_ticks, requests, exe in turns:
        per = int(ticks) / hz / int(requests) * 1e6
        loop = int(loop_ticks) / hz / int(requests) * 1e6
        columns.append((f"{name} {rnd}", per, loop, int(requests),
                        split(f"{where}/{name}-{rnd}.data", exe)))
    rows = [r for r, _ in KERNEL_ROWS] + ["kernel: everything else"] + \
        USER_ROWS
    first = ["CPU per request, all threads", "of it the event loop's thread",
             "requests in the 8 s"]
    width = max(len(r) for r in rows + first)
    print("µs of the server's CPU per request, under perf (its own cost "
          "included)")
    print(f"{'':{width}}" + "".join(f"{c[0]:>11}" for c in columns))
    print(f"{first[0]:{width}}" + "".join(f"{c[1]:>11.2f}" for c in columns))
    print(f"{first[1]:{width}}" + "".join(f"{c[2]:>11.2f}" for c in columns))
    print(f"{first[2]:{width}}" + "".join(f"{c[3]:>11}" for c in columns))
    print("split, all threads:")
    for row in rows:
        print(f"{row:{width}}" +
              "".join(f"{c[4][row] * c[1]:>11.2f}" for c in columns))


if __name__ == "__main__":
    main()
