#!/usr/bin/env python3
"""demo.py - the district's 2022 plan moved to this year, with a history.

    python3 tools/demo.py run [--port 8080] [--year Y | --as-of DAY] [--dir D]
    python3 tools/demo.py config [--port P] [--db PATH] [--year Y | --as-of DAY]
                                 [-o FILE]
    python3 tools/demo.py feed [--url URL] [--token TOKEN]

config  writes config/examples/shangcheng-2022.conf moved in time: every
        2022 date moves by whole years to --year (default: this year, so
        terms and holidays fall on the same days) or, with --as-of DAY, by
        whole weeks (weekdays kept) so that plan day DAY (2022-11-15) is
        about today; ids ending -2022 end with the new year; paced listens
        on 127.0.0.1:PORT and keeps its database in PATH.
feed    reads the projects of a running paced and posts, for each, a
        made-up history of reports from its start to now (backdated with
        "at", one batch per project, idempotency ids so that feeding twice
        stores nothing new), chosen so that the projects show every
        status at once: on_track, at_risk, behind, overdue, done, and one
        that never reports and is stale. A status the date makes
        impossible (overdue before any due date has passed) is left out
        and said so.
run     config into a temporary directory (or --dir), starts build/paced on
        it, feeds it, prints the projects with build/pacectl and keeps
        paced running in the foreground until Ctrl-C.

Python 3 standard library only.
"""

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PLAN = os.path.join(REPO, "config", "examples", "shangcheng-2022.conf")
PLAN_YEAR = 2022
# The plan's days are days in Asia/Shanghai, UTC+8 without summer time.
TZ = dt.timezone(dt.timedelta(hours=8))
DAY = 86400.0
DATE_RE = re.compile(r"\b%d-(\d\d)-(\d\d)\b" % PLAN_YEAR)
ID_RE = re.compile(r"^(\[project\.[a-z0-9._-]*?)-%d\]" % PLAN_YEAR, re.M)

# What each target of the plan shows after the feed. Targets the table
# does not know (a changed plan) take the statuses in turn.
SCENARIOS = {
    "parking": "on_track",
    "demolition-sites": "on_track",
    "demolition-projects": "at_risk",
    "asian-games-venues": "overdue",
    "hightech": "behind",
    "tech-sme": "on_track",
    "finance-hq": "done",
    "finance-value": "on_track",
    "flagship-stores": "at_risk",
    "digital-economy": "on_track",
    "digital-culture": "silent",
    "old-compounds": "behind",
    "old-compounds-area": "at_risk",
    "dementia-beds": "done",
    "new-schools": "done",
    "livelihood-works": "on_track",
}
ROTATION = ("on_track", "at_risk", "behind", "done")
# Count units take whole numbers; the others one decimal.
WHOLE_UNITS = {"个", "家", "处", "座", "张", "所"}


# --------------------------------------------------------------------------
# config: the plan moved in time

def this_year():
    return dt.datetime.now(TZ).year


def week_shift(as_of):
    """Days, a multiple of 7, that bring plan day as_of nearest today."""
    day = dt.date.fromisoformat(as_of)
    days = (dt.datetime.now(TZ).date() - day).days
    return 7 * round(days / 7)


def moved_config(text, port, db, year=None, days=None):
    """The plan with its dates moved (to `year`, or by `days`), listening
    on 127.0.0.1:port with its database at db."""
    if days is not None:
        def move(m):
            d = dt.date(PLAN_YEAR, int(m.group(1)), int(m.group(2)))
            return (d + dt.timedelta(days=days)).isoformat()
        new_year = (dt.date(PLAN_YEAR, 7, 1) + dt.timedelta(days=days)).year
    else:
        new_year = year

        def move(m):
            return f"{year:04d}-{m.group(1)}-{m.group(2)}"
    text = DATE_RE.sub(move, text)
    text = ID_RE.sub(lambda m: f"{m.group(1)}-{new_year}]", text)
    out, section = [], None
    for line in text.splitlines():
        head = re.match(r"^\[([^\]]+)\]", line)
        if head:
            section = head.group(1)
        key = line.split("=", 1)[0].strip()
        if section == "server" and key == "listen":
            line = f"listen = 127.0.0.1:{port}"
        elif section == "storage" and key == "path":
            line = f"path = {db}"
        out.append(line)
    how = (f"by {days} days" if days is not None
           else f"from {PLAN_YEAR} to {year}")
    return (f"; Made by tools/demo.py from {os.path.relpath(PLAN, REPO)}, "
            f"dates moved {how}.\n" + "\n".join(out) + "\n")


# --------------------------------------------------------------------------
# feed: a history of reports

def instant(s, end_of_day=False):
    """Unix seconds of a plan day (its start, or its end) or instant."""
    if len(s) == 10:
        t = dt.datetime.fromisoformat(s).replace(tzinfo=TZ).timestamp()
        return t + DAY if end_of_day else t
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def rfc3339(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def duration(s, default):
    if not s:
        return default
    n, unit = int(s[:-1]), s[-1]
    return n * {"s": 1, "m": 60, "h": 3600, "d": DAY, "w": 7 * DAY}[unit]


def plan_points(p):
    """(instant, value) corners of the project's curve (pauses aside)."""
    pts = [(instant(p["start"]), p["baseline"])]
    for m in p.get("milestones") or []:
        pts.append((instant(m["at"], True), m["value"]))
    pts.append((instant(p["due"], True), p["target"]))
    return pts


def plan_at(pts, t):
    if t <= pts[0][0]:
        return pts[0][1]
    for (t0, v0), (t1, v1) in zip(pts, pts[1:]):
        if t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else v1
    return pts[-1][1]


def gap_window(p, want):
    """The gaps (expected minus actual progress) at which a project that
    starts out behind ends in status `want` (hysteresis: leaving behind
    or at_risk needs 0.01 below the threshold)."""
    th = p.get("thresholds") or {}
    risk, behind = th.get("at_risk", 0.05), th.get("behind", 0.10)
    return {"on_track": (-1.0, risk - 0.011),
            "at_risk": (risk + 0.001, behind - 0.011),
            "behind": (behind + 0.001, 1.0)}[want]


def final_value(p, want, now):
    """The value the last report gives, or None if `want` cannot be had
    now."""
    base, target = p["baseline"], p["target"]
    span = target - base
    step = 1 if p.get("unit") in WHOLE_UNITS else 0.1
    due = instant(p["due"], True)
    if want == "done":
        return target
    if want == "overdue":
        if now < due:
            return None
        return base + round(0.67 * span / step) * step
    if now >= due:
        return None
    lo, hi = gap_window(p, want)
    ep = p["expected_progress"]
    # Aim inside the window (just ahead of plan for on_track), then walk
    # whole steps until the rounded value is inside it.
    aim = {"on_track": -0.02, "at_risk": (lo + hi) / 2,
           "behind": lo + 0.12}[want]
    for prog in (ep - aim, ep - lo, ep - hi):
        prog = min(max(prog, 0.0), 0.995)
        v = base + round(prog * span / step) * step
        for k in range(0, 40):
            for cand in (v + k * step * (1 if span > 0 else -1),
                         v - k * step * (1 if span > 0 else -1)):
                g = ep - (cand - base) / span
                if lo <= g <= hi and 0 <= (cand - base) / span < 1:
                    return round(cand, 1)
    return None


def report_times(p, now, until):
    """When reports came: every report_every from start (the quarterly
    ones on the days their figure is published, the curve's steps)."""
    start = instant(p["start"])
    every = duration(p.get("report_every"), 30 * DAY)
    ms = p.get("milestones") or []
    if every >= 60 * DAY and ms:
        times, last = [], p["baseline"]
        for m in ms:
            if m["value"] != last:  # the morning after the step
                times.append(instant(m["at"], True) + 10 * 3600)
            last = m["value"]
    else:
        times = [start + k * every + 17.5 * 3600
                 for k in range(1, int((until - start) // every) + 2)]
    return [t for t in times if t <= min(until, now - 3600)]


def note_for(p, t, k):
    d = dt.datetime.fromtimestamp(t, TZ)
    every = duration(p.get("report_every"), 30 * DAY)
    if every >= 60 * DAY:
        return f"{(d.month - 1) // 3 or 4}季度统计数据"
    if every <= 7 * DAY:
        return f"第{k}周进展（{d.month}月{d.day}日）"
    return f"{d.month}月报"


def history(p, want, now):
    """The reports of project p as batch items, oldest first; None when
    `want` cannot be had at this date."""
    final = final_value(p, want, now)
    start, due = instant(p["start"]), instant(p["due"], True)
    until = {"done": min(now, due) - 20 * DAY,
             "overdue": due - 2 * DAY}.get(want, now - 3600)
    if final is None or until < start + DAY:
        return None
    base, pts = p["baseline"], plan_points(p)
    whole = p.get("unit") in WHOLE_UNITS
    every = duration(p.get("report_every"), 30 * DAY)
    times = report_times(p, now, until)
    ref = plan_at(pts, until) - base
    items, prev = [], base
    for k, t in enumerate(times, 1):
        frac = (plan_at(pts, t) - base) / ref if ref else 1.0
        # A little unevenness, never backwards.
        frac *= 1 + 0.02 * ((k * 7) % 5 - 2)
        v = base + (final - base) * min(max(frac, 0.0), 1.0)
        v = round(v) if whole else round(v, 1)
        if (v - prev) * (final - base) < 0:
            v = prev
        items.append({"value": v, "at": rfc3339(t),
                      "note": note_for(p, t, k)})
        prev = v
    # The latest report gives the final value: the last regular one if it
    # is recent, else one more.
    if items and until - instant(items[-1]["at"]) < every:
        items[-1]["value"] = final
    else:
        items.append({"value": final, "at": rfc3339(until),
                      "note": "最新进展"})
    if want == "done":
        items[-1]["note"] = "全部完成，已验收"
    if want == "overdue":
        items.append({"value": final,
                      "at": rfc3339(min(due + 3 * DAY, now - 3600)),
                      "note": "剩余部分延期，正在加紧推进"})
    for k, it in enumerate(items):
        it["project"] = p["id"]
        it["id"] = f"demo-{p['id']}-{k}"[:64]
    return items


def api(url, method, path, body=None, token=None):
    data = None if body is None else json.dumps(
        body, ensure_ascii=False).encode()
    req = urllib.request.Request(url.rstrip("/") + path, data=data,
                                 method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def feed(url, token=None, out=sys.stdout):
    status, body = api(url, "GET", "/v1/projects", token=token)
    if status != 200:
        raise SystemExit(f"demo: GET /v1/projects: HTTP {status} {body}")
    now = time.time()
    turn = 0
    missing = []
    for p in body["projects"]:
        want = SCENARIOS.get(re.sub(r"-\d{4}$", "", p["id"]))
        if want is None:
            want = ROTATION[turn % len(ROTATION)]
            turn += 1
        if want == "silent":
            continue
        items = None
        for w in (want, "behind", "on_track", "done"):
            items = history(p, w, now)
            if items:
                break
            if w == want:
                missing.append(f"{p['id']} ({want})")
        # Each project its own batch: one department, one report, and
        # one status change for it.
        status, res = api(url, "POST", "/v1/updates", {"updates": items},
                          token)
        if status not in (200, 201):
            raise SystemExit(f"demo: posting {p['id']}: HTTP {status} "
                             f"{json.dumps(res, ensure_ascii=False)}")
    status, body = api(url, "GET", "/v1/projects", token=token)
    counts = {}
    for p in body["projects"]:
        counts[p["status"]] = counts.get(p["status"], 0) + 1
    stale = sum(1 for p in body["projects"] if p["stale"])
    print("demo: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
          + f"; stale {stale}", file=out)
    for m in missing:
        print(f"demo: not possible at this date: {m}", file=out)
    return counts


# --------------------------------------------------------------------------
# run: all of it, in the foreground

def wait_healthy(url, proc, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if api(url, "GET", "/healthz")[0] == 200:
                return True
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    return False


def run(args):
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
        return run_in(args, args.dir)
    # A directory of our own goes when we do, however that is (Ctrl-C,
    # SIGTERM, an error): like a shell's trap on EXIT INT TERM.
    work = tempfile.mkdtemp(prefix="paced-demo-")
    started = []

    def term(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, term)
    try:
        return run_in(args, work, started)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for proc in started:  # not left serving a removed directory
            if proc.poll() is None:
                proc.terminate()
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def run_in(args, work, started=None):
    conf = os.path.join(work, "paced.conf")
    log = os.path.join(work, "paced.log")
    with open(PLAN, encoding="utf-8") as f:
        text = moved_config(f.read(), args.port,
                            os.path.join(work, "paced.db"), **moved(args))
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text)
    url = f"http://127.0.0.1:{args.port}"
    with open(log, "ab") as err:
        proc = subprocess.Popen([os.path.join(REPO, "build", "paced"), "-c",
                                 conf], stdout=err, stderr=err,
                                stdin=subprocess.DEVNULL)
    if started is not None:
        started.append(proc)
    if not wait_healthy(url, proc):
        proc.terminate()
        proc.wait()
        with open(log, encoding="utf-8", errors="replace") as f:
            tail = f.read()[-2000:]
        raise SystemExit(f"demo: paced did not start on {url} (port taken? "
                         f"DEMO_PORT=8081 make demo):\n{tail}")
    feed(url)
    env = dict(os.environ, PACED_URL=url)
    subprocess.run([os.path.join(REPO, "build", "pacectl"), "--table",
                    "list"], env=env, check=False)
    first = re.search(r"^\[project\.([^\]]+)\]", text, re.M).group(1)
    print(f"\npaced is running on {url} (config {conf}, log {log}).\n"
          f"Open {url}/ in a browser for the dashboard, or\n"
          f"try: PACED_URL={url} build/pacectl show {first}\n"
          f"     PACED_URL={url} build/pacectl events\n"
          f"Ctrl-C stops it.", flush=True)

    def stop(signum, frame):
        proc.send_signal(signal.SIGTERM)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return proc.wait()


def moved(args):
    if args.as_of:
        return {"days": week_shift(args.as_of)}
    return {"year": args.year or this_year()}


def main(argv):
    ap = argparse.ArgumentParser(
        description="The 2022 plan moved to now, with a history.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("run", "config"):
        s = sub.add_parser(name)
        s.add_argument("--port", type=int, default=8080)
        when = s.add_mutually_exclusive_group()
        when.add_argument("--year", type=int)
        when.add_argument("--as-of", metavar="DAY",
                          help="a 2022 plan day that is to be about today")
        if name == "run":
            s.add_argument("--dir")
        else:
            s.add_argument("--db", default="./paced-demo.db")
            s.add_argument("-o", "--output")
    f = sub.add_parser("feed")
    f.add_argument("--url", default=os.environ.get("PACED_URL")
                   or "http://127.0.0.1:8080")
    f.add_argument("--token", default=os.environ.get("PACED_TOKEN"))
    args = ap.parse_args(argv[1:])
    if args.cmd == "config":
        with open(PLAN, encoding="utf-8") as fh:
            text = moved_config(fh.read(), args.port, args.db,
                                **moved(args))
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
        return 0
    if args.cmd == "feed":
        feed(args.url, args.token)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
