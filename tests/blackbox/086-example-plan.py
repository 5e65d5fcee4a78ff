"""086-example-plan: config/examples/shangcheng-2022.conf, the district's
2022 plan, holds one project per target of the work report and loads;
tools/demo.py moves it in time and feeds a history that shows every
status at once."""

import datetime as dt
import os
import re
import subprocess
import sys

from harness import REPO, Daemon, Skip, run_paced

PLAN = os.path.join(REPO, "config", "examples", "shangcheng-2022.conf")
DEMO = os.path.join(REPO, "tools", "demo.py")
# The seed data lives beside the repository, not in it: when it is there,
# the table below is checked against it.
SEED = "/work/shared/seed/TARGETS.md"

# The targets of TARGETS.md: row, the report's words, baseline, target.
TARGETS = [
    (1, "新增公共停车泊位350个", 0, 350),
    (2, "实现清零495处", 495, 0),
    (3, "征迁项目37个", 37, 0),
    (4, "新增国家高新技术企业120家以上", 0, 120),
    (5, "省级科技型中小企业160家以上", 0, 160),
    (6, "招引持牌金融机构省级总部6家以上", 0, 6),
    (7, "金融业增加值650亿元以上", 0, 650),
    (8, "全球销冠、全国首店、品牌旗舰店等70家以上", 0, 70),
    (9, "数字经济核心产业增加值增长10%以上", 0, 10),
    (10, "全年引进数字文化企业100家以上", 0, 100),
    (11, "完成老旧小区改造项目63个以上", 0, 63),
    (12, "建筑面积180万平方米以上", 0, 180),
    (13, "新增认知症照护专区床位165张以上", 0, 165),
    (14, "新开办中小学、幼儿园14所", 0, 14),
    (15, "\"一场两馆\"建设", 0, 3),
    (16, "10件、38项、1459个民生实事工程", 0, 1459),
]
STATUSES = {"on_track", "at_risk", "behind", "overdue", "done"}


def _plan_text():
    with open(PLAN, encoding="utf-8") as f:
        return f.read()


def _row_of_project():
    """{project id: TARGETS row} from the "; TARGETS #N" line above each
    [project.ID] of the plan."""
    rows, pending = {}, None
    for line in _plan_text().splitlines():
        m = re.match(r"^; TARGETS #(\d+)\b", line)
        if m:
            pending = int(m.group(1))
        m = re.match(r"^\[project\.([^\]]+)\]", line)
        if m:
            assert pending is not None, f"{m.group(1)} names no target"
            rows[m.group(1)] = pending
            pending = None
    return rows


def _loaded(text):
    """A daemon running `text` (its listen and path replaced)."""
    d = Daemon(start=False, config_text="")
    text = re.sub(r"(?m)^listen = .*$", f"listen = 127.0.0.1:{d.port}", text)
    text = re.sub(r"(?m)^path = .*$", f"path = {d.db}", text)
    d.write_config_text(text)
    return d.start()


def test_targets_table_matches_the_seed():
    if not os.path.exists(SEED):
        raise Skip(f"{SEED} is not here (it lives beside the repository)")
    with open(SEED, encoding="utf-8") as f:
        seed = re.findall(r"^\| (\d+) \| ([^|]+?) \|", f.read(), re.M)
    assert [(int(n), t) for n, t in seed] == \
        [(n, t) for n, t, _, _ in TARGETS], seed


def test_plan_passes_check_config():
    r = run_paced(["check-config", "-c", PLAN])
    assert r.returncode == 0, r.stderr
    assert "16 projects" in r.stdout + r.stderr, r


def test_one_project_per_target():
    rows = _row_of_project()
    assert sorted(rows.values()) == [n for n, _, _, _ in TARGETS], rows
    d = _loaded(_plan_text())
    projects = {p["id"]: p for p in d.projects()}
    assert set(projects) == set(rows), sorted(projects)
    for pid, row in rows.items():
        _, words, base, target = TARGETS[row - 1]
        p = projects[pid]
        assert (p["baseline"], p["target"]) == (base, target), \
            f"{pid} (target #{row} {words}): {p['baseline']} -> " \
            f"{p['target']}, expected {base} -> {target}"
        assert re.search(r"[\u4e00-\u9fff]", p["title"]), p["title"]
        assert p["unit"] and p["tags"] and p["owner"], p
        assert p["report_every"], f"{pid} has no report_every"
        assert p["declared"] is True
        assert p["start"] == "2022-01-01", p
        assert p["due"] == ("2022-09-10" if row == 15 else "2022-12-31"), p
    schools = projects[next(k for k, v in rows.items() if v == 14)]
    # Most schools open for the autumn term: 10 or more by 1 September.
    by_term = [m["value"] for m in schools["milestones"]
               if m["at"] <= "2022-09-01"]
    assert schools["curve"] == "milestones" and max(by_term) >= 10, schools
    for p in projects.values():
        assert p["status"] == "overdue", "2022 is over: nothing reported"


def _demo(*args):
    r = subprocess.run([sys.executable, DEMO] + list(args),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"demo.py {args}: {r.stderr}{r.stdout}"
    return r.stdout


def test_demo_config_moves_by_whole_years():
    d = Daemon(start=False, config_text="")
    _demo("config", "--year", "2031", "--port", str(d.port), "--db", d.db,
          "-o", d.conf_path)
    with open(d.conf_path, encoding="utf-8") as f:
        text = f.read()
    assert "2022-" not in text.split("\n", 1)[1], "every date moved"
    assert "[project.parking-2031]" in text
    assert re.search(r"^milestones = .*2031-08-31 12", text, re.M), \
        "the autumn term stays"
    r = run_paced(["check-config", "-c", d.conf_path])
    assert r.returncode == 0, r.stderr


def test_demo_history_shows_every_status():
    # Mid-November of the plan: the venues' due date (10 September) is
    # past, the year's end is not.
    d = Daemon(start=False, config_text="")
    _demo("config", "--as-of", "2022-11-15", "--port", str(d.port), "--db",
          d.db, "-o", d.conf_path)
    with open(d.conf_path, encoding="utf-8") as f:
        start = re.search(r"^start = (\S+)$", f.read(), re.M).group(1)
    # Moved by whole weeks: 1 January 2022 was a Saturday.
    assert dt.date.fromisoformat(start).weekday() == 5, start
    d.start()
    out = _demo("feed", "--url", f"http://127.0.0.1:{d.port}")
    assert "not possible" not in out, out
    projects = d.projects()
    assert len(projects) == 16
    seen = {p["status"] for p in projects}
    assert seen >= STATUSES, f"statuses {seen}, missing {STATUSES - seen}"
    assert any(p["stale"] for p in projects), "one project never reports"
    assert any(not p["stale"] and p["status"] == "on_track"
               for p in projects)
    # A history, not one value: several reports, backdated, in order.
    ups = d.updates(next(p["id"] for p in projects
                         if p["id"].startswith("parking-")))
    assert len(ups) >= 6, ups
    ats = [u["at"] for u in ups]
    assert ats == sorted(ats, reverse=True) and ats[-1] < ats[0], ats
    assert all(u["note"] for u in ups), ups
    # Feeding again stores nothing new (idempotency ids).
    before = sum(len(d.updates(p["id"])) for p in projects)
    _demo("feed", "--url", f"http://127.0.0.1:{d.port}")
    assert sum(len(d.updates(p["id"])) for p in d.projects()) == before
