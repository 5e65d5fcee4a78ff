"""091-dashboard-browser: the dashboard in a real browser (Debian's
chromium, headless): every project is in the rendered DOM, the project
page's chart is an <svg> in it, and a phone-sized screenshot shows the
chart's and the status chips' colours - so the inline style and SVG pass
the Content-Security-Policy.

tools/deps.sh (run by make test) installs chromium; run on its own, this
file installs it with apt-get when it is missing and it runs as root, else
it fails saying what to install."""

import hashlib
import html
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

from harness import Daemon, make_tmpdir, project

PROJECTS = {
    "parking": dict(title="新增公共停车泊位", tags=["亚运"]),
    "schools": dict(title="新建学校", unit="所", target=14, tags=["民生实事"]),
    "demolish": dict(title="拆除违法建筑", unit="处", baseline=495, target=0),
}
# svg_chart.c and the status chips: the actual steps' blue, the behind
# chip's red-orange.
ACTUAL_BLUE = (0x15, 0x65, 0xc0)
BEHIND = (0xd8, 0x43, 0x15)


def chromium():
    """The chromium binary, installed first when it is missing."""
    exe = shutil.which("chromium")
    if exe:
        return exe
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env,
                       capture_output=True, timeout=600)
        r = subprocess.run(["apt-get", "install", "-y", "-qq",
                            "--no-install-recommends", "chromium"], env=env,
                           capture_output=True, text=True, timeout=1200)
        assert r.returncode == 0, f"apt-get install chromium: {r.stderr}"
        exe = shutil.which("chromium")
    assert exe, "chromium is not installed: apt-get install chromium"
    return exe


def browse(url, *args):
    """Runs headless chromium on url with args; returns stdout."""
    profile = make_tmpdir()
    r = subprocess.run([chromium(), "--headless", "--disable-gpu",
                        "--no-sandbox", "--no-first-run",
                        "--disable-dev-shm-usage", "--hide-scrollbars",
                        f"--user-data-dir={profile}", *args, url],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"chromium on {url}: {r.stderr[-2000:]}"
    return r.stdout


def png_pixels(path):
    """The (r, g, b) of every pixel of an 8-bit RGB or RGBA PNG, as a
    set - enough to ask whether a colour is on screen."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB",
                                                               chunk)
            assert depth == 8 and ctype in (2, 6) and not interlace, \
                (depth, ctype, interlace)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    raw, stride = zlib.decompress(idat), w * bpp
    prev, seen = bytearray(stride), set()
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        for i in range(0, stride, bpp):
            seen.add(tuple(line[i:i + 3]))
        prev = line
    return seen


def _daemon():
    d = Daemon()
    for pid, kw in PROJECTS.items():
        d.create(project(pid, **kw))
    d.update("parking", {"value": 120})
    d.update("schools", {"value": 8})
    return d


def test_every_project_in_the_dom():
    d = _daemon()
    dom = browse(f"http://127.0.0.1:{d.port}/", "--dump-dom")
    for pid, kw in PROJECTS.items():
        assert f'data-project="{pid}"' in dom, (pid, dom[:3000])
        assert kw["title"] in dom, (pid, dom[:3000])
    assert 'data-tag="亚运"' in dom and 'data-tag="民生实事"' in dom
    # A filter is a plain link the browser follows like any page.
    dom = browse(f"http://127.0.0.1:{d.port}/?status=behind", "--dump-dom")
    assert 'data-project="parking"' in dom
    assert 'data-project="schools"' not in dom


test_every_project_in_the_dom.timeout = 1500  # may install chromium


def test_chart_renders_on_a_phone():
    d = _daemon()
    url = f"http://127.0.0.1:{d.port}/projects/parking"
    dom = browse(url, "--dump-dom")
    assert re.search(r'<svg [^>]*class="chart"', dom), dom[:3000]
    assert 'class="actual"' in dom and 'class="expected"' in dom and \
        'class="due"' in dom
    shot = os.path.join(make_tmpdir(), "parking.png")
    browse(url, f"--screenshot={shot}", "--window-size=390,1200")
    assert os.path.getsize(shot) > 10000, os.path.getsize(shot)
    colours = png_pixels(shot)
    assert ACTUAL_BLUE in colours, "the chart's actual line is not drawn"
    assert BEHIND in colours, "the status chip's colour is not drawn"
    assert len(colours) > 50, len(colours)


test_chart_renders_on_a_phone.timeout = 300


def test_login_page_in_the_browser():
    token = "pcd_" + "ab" * 32
    d = Daemon(extra="[token.viewer]\nsha256 = "
               f"{hashlib.sha256(token.encode()).hexdigest()}\n"
               "role = reader\n")
    dom = browse(f"http://127.0.0.1:{d.port}/", "--dump-dom")
    assert 'action="/login"' in dom and 'name="token"' in dom, dom[:2000]


test_login_page_in_the_browser.timeout = 300


def test_the_demo_plan_in_the_browser():
    """make demo's plan and history: every project on the dashboard, every
    status among them, and each project page's chart drawn."""
    demo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "..", "tools", "demo.py")
    d = Daemon(start=False, config_text="")

    def run_demo(*args):
        r = subprocess.run([sys.executable, demo, *args], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, f"demo.py {args}: {r.stderr}{r.stdout}"
    # Mid-November of the plan, when every status can be shown.
    run_demo("config", "--as-of", "2022-11-15", "--port", str(d.port),
             "--db", d.db, "-o", d.conf_path)
    d.start()
    run_demo("feed", "--url", f"http://127.0.0.1:{d.port}")
    projects = d.projects()
    assert len(projects) == 16, len(projects)
    dom = browse(f"http://127.0.0.1:{d.port}/", "--dump-dom")
    for p in projects:
        assert f'data-project="{p["id"]}"' in dom, p["id"]
        assert html.escape(p["title"], quote=False) in dom, p["title"]
    statuses = {p["status"] for p in projects}
    assert statuses >= {"on_track", "at_risk", "behind", "overdue", "done"}, \
        statuses
    for p in projects:
        page = browse(f"http://127.0.0.1:{d.port}/projects/{p['id']}",
                      "--dump-dom")
        assert re.search(r'<svg [^>]*class="chart"', page), p["id"]
        assert 'class="actual"' in page and 'class="expected"' in page, \
            p["id"]


test_the_demo_plan_in_the_browser.timeout = 300
