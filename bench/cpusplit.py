"""cpusplit.py - bench/cpusplit's table: each turn's CPU per request,
split by where perf's samples fell.

    python3 bench/cpusplit.py HZ DIR < TURNS

TURNS has a line "NAME ROUND TICKS REQUESTS" per turn, its samples in
DIR/NAME-ROUND.data. The kernel's share is split by the system calls'
call graphs (children: a send's loopback delivery of the answer to the
client is in the send), the user share by the library the sample fell in.
"""
import re
import subprocess
import sys

# (row, kernel functions whose call graphs make it up)
KERNEL_ROWS = [
    ("kernel: answer sent (tcp_sendmsg, with loopback delivery)",
     ["tcp_sendmsg"]),
    ("kernel: request read (tcp_recvmsg)", ["tcp_recvmsg"]),
    ("kernel: waiting for readiness (epoll_wait)", ["do_epoll_wait"]),
    ("kernel: storage (fdatasync, fsync, pwrite64, pread64, fcntl)",
     ["__x64_sys_fdatasync", "__x64_sys_fsync", "__x64_sys_pwrite64",
      "__x64_sys_pread64", "__x64_sys_fcntl"]),
]
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


def split(data, server):
    """{row: share of the samples, 0..1} for one turn."""
    children = {}
    for pct, name in report(data, "--children", "--sort", "sym"):
        children.setdefault(name.split("] ", 1)[-1], pct / 100)
    dsos = report(data, "--no-children", "--sort", "dso")
    kernel = sum(p for p, d in dsos if d.startswith("[kernel")) / 100
    shares = {}
    named = 0.0
    for row, funcs in KERNEL_ROWS:
        shares[row] = sum(children.get(f, 0.0) for f in funcs)
        named += shares[row]
    shares["kernel: everything else"] = max(kernel - named, 0.0)
    user = {}
    for pct, dso in dsos:
        if dso.startswith("[kernel"):
            continue
        if dso == server:
            key = f"user: {server}'s own code"
        elif dso.startswith("libsqlite3"):
            key = "user: SQLite"
        elif dso.startswith("libc.so"):
            key = "user: libc"
        else:
            key = "user: other libraries"
        user[key] = user.get(key, 0.0) + pct / 100
    for key in (f"user: {server}'s own code", "user: SQLite", "user: libc",
                "user: other libraries"):
        shares[key] = user.get(key, 0.0)
    return shares


def main():
    hz, where = float(sys.argv[1]), sys.argv[2]
    turns = [line.split() for line in sys.stdin if line.strip()]
    columns = []
    for name, rnd, ticks, requests in turns:
        per = int(ticks) / hz / int(requests) * 1e6
        columns.append((f"{name} {rnd}", per,
                        split(f"{where}/{name}-{rnd}.data", name)))
    rows = []
    for _, _, shares in columns:
        for row in shares:
            generic = row.replace("nginx's", "the server's").replace(
                "paced's", "the server's")
            if generic not in rows:
                rows.append(generic)
    width = max(len(r) for r in rows + ["CPU per request, µs"])
    print("µs of the server's CPU per request (perf's own cost included)")
    print(f"{'':{width}}" + "".join(f"{c[0]:>11}" for c in columns))
    print(f"{'CPU per request, µs':{width}}" +
          "".join(f"{c[1]:>11.2f}" for c in columns))
    print(f"{'requests in the 8 s':{width}}" +
          "".join(f"{int(t[3]):>11}" for t in turns))
    for row in rows:
        cells = []
        for name, per, shares in columns:
            server = name.split()[0]
            key = row.replace("the server's", f"{server}'s")
            cells.append(f"{shares.get(key, 0.0) * per:>11.2f}")
        print(f"{row:{width}}" + "".join(cells))


if __name__ == "__main__":
    main()
