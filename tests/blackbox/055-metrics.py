"""055-metrics: GET /metrics in the Prometheus text format (SPEC section
4): the project series, counters and process metrics; `promtool check
metrics` on a real scrape; a real Prometheus scraping paced."""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

from harness import (Daemon, Receiver, free_port, make_tmpdir, on_cleanup,
                     project, wait_for)

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def test_metrics_format(d):
    d.create(project("parking"))
    d.update("parking", {"value": 120})
    r = d.get("/metrics")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("text/plain"), r.headers
    text = r.raw.decode()

    def sample(name, **labels):
        for ln in text.splitlines():
            m = re.match(r"^(\w+)(?:\{(.*)\})?\s+(\S+)", ln)
            if not m or m.group(1) != name:
                continue
            got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
            if all(got.get(k) == v for k, v in labels.items()):
                return float(m.group(3))
        raise AssertionError(f"no sample {name}{labels} in /metrics:\n"
                             f"{text[:3000]}")
    assert sample("paced_project_current", project="parking") == 120
    assert sample("paced_project_target", project="parking") == 350
    assert abs(sample("paced_project_expected", project="parking") - 175) < 1
    assert abs(sample("paced_project_gap_ratio", project="parking") -
               (0.5 - 120 / 350)) < 0.01
    assert sample("paced_project_status", project="parking",
                  status="behind") == 1
    assert sample("paced_updates_total") >= 1


CTYPE = "text/plain; version=0.0.4; charset=utf-8"
SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(d):
    r = d.get("/metrics")
    assert r.status == 200, r
    assert r.headers["content-type"] == CTYPE, r.headers
    return r.raw.decode("utf-8")


def samples(text, name, **labels):
    """[(labels, value)] of the samples of `name` whose labels include
    `labels`."""
    out = []
    for ln in text.splitlines():
        if ln.startswith("#"):
            continue
        m = SAMPLE_RE.match(ln)
        assert m, f"not a sample line: {ln!r}"
        if m.group(1) != name:
            continue
        got = dict(LABEL_RE.findall(m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            out.append((got, float(m.group(3))))
    return out


def value(text, name, **labels):
    got = samples(text, name, **labels)
    assert len(got) == 1, f"{len(got)} samples {name}{labels}:\n{text}"
    return got[0][1]


def missing(path, what):
    if not os.access(path, os.X_OK):
        print(f"    skipped: {path} is missing ({what}; apt-get install "
              "prometheus)")
        return True
    return False


def promtool_check(text):
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and not r.stdout.strip() and \
        not r.stderr.strip(), \
        f"promtool check metrics: status {r.returncode}\n{r.stdout}" \
        f"{r.stderr}\n--- the scrape ---\n{text}"


def test_promtool_passes_a_busy_scrape():
    if missing(PROMTOOL, "promtool"):
        return
    ok, flaky, gone = Receiver(), Receiver(default=503), Receiver(default=400)
    d = Daemon(channels=[ok.channel("ops"), flaky.channel("flaky"),
                         gone.channel("gone")])
    t0 = time.time()
    # Behind from the start (0 of 350 at half time): one event each,
    # delivered to all three channels.
    for pid in ("parking", "schools", "roads", "old"):
        d.create(project(pid))
    d.update("parking", {"value": 120})
    assert d.delete("/v1/projects/old").status == 204
    assert d.get("/v1/nope").status == 404

    def settled():
        text = scrape(d)
        if value(text, "paced_deliveries_total", channel="ops",
                 result="sent") >= 4 and \
            value(text, "paced_deliveries_total", channel="flaky",
                  result="retry") >= 4 and \
            value(text, "paced_deliveries_total", channel="gone",
                  result="dead") >= 4 and \
                value(text, "paced_deliveries_pending", channel="ops") == 0:
            return text
        return None
    text = wait_for(settled, 20, msg="every channel's first outcome")
    promtool_check(text)

    # The project series: live projects only, one status of six set.
    assert 'project="old"' not in text, "an archived project in /metrics"
    assert "新增公共停车泊位" not in text, "a title became a label"
    assert value(text, "paced_projects") == 3
    for pid in ("parking", "schools", "roads"):
        st = samples(text, "paced_project_status", project=pid)
        assert sorted(lb["status"] for lb, _ in st) == sorted(
            ["done", "overdue", "not_started", "behind", "at_risk",
             "on_track"]), st
        assert [lb["status"] for lb, v in st if v == 1] == ["behind"], st
        assert value(text, "paced_project_stale", project=pid) == 0
    assert value(text, "paced_project_current", project="schools") == 0
    assert value(text, "paced_project_current", project="parking") == 120
    assert value(text, "paced_updates_total") == 1
    assert value(text, "paced_events_total") == 4
    # The one update went through a group commit: one write, one commit.
    assert value(text, "paced_group_writes_total") == 1
    assert value(text, "paced_group_commits_total") == 1
    # Every COMMIT's time on the loop: the group's and the projects'.
    n = value(text, "paced_commit_duration_seconds_count")
    assert n >= 1 + 3, n
    assert value(text, "paced_commit_duration_seconds_bucket",
                 le="+Inf") == n
    assert 0 < value(text, "paced_commit_duration_seconds_sum") < 10 * n
    buckets = [v for _, v in samples(
        text, "paced_commit_duration_seconds_bucket")]
    assert len(buckets) == 11 and buckets == sorted(buckets), buckets

    # Deliveries: outcomes, the queue, the latency histogram.
    assert value(text, "paced_deliveries_total", channel="ops",
                 result="sent") == 4
    assert value(text, "paced_deliveries_total", channel="gone",
                 result="dead") == 4
    assert value(text, "paced_deliveries_total", channel="gone",
                 result="sent") == 0
    # 503 is retried after 5 s of backoff: still in the outbox.
    assert value(text, "paced_deliveries_pending", channel="flaky") == 4
    assert value(text, "paced_deliveries_pending", channel="gone") == 0
    for ch in ("ops", "flaky", "gone"):
        n = value(text, "paced_delivery_duration_seconds_count", channel=ch)
        assert n >= 1, ch
        assert value(text, "paced_delivery_duration_seconds_bucket",
                     channel=ch, le="+Inf") == n
        assert 0 < value(text, "paced_delivery_duration_seconds_sum",
                         channel=ch) < 10 * n
        buckets = [v for _, v in samples(
            text, "paced_delivery_duration_seconds_bucket", channel=ch)]
        assert buckets == sorted(buckets), buckets

    # HTTP, by method and code only: never the raw path.
    assert value(text, "paced_http_requests_total", method="POST",
                 code="201") == 5
    assert value(text, "paced_http_requests_total", method="DELETE",
                 code="204") == 1
    assert value(text, "paced_http_requests_total", method="GET",
                 code="404") == 1
    assert "/v1/nope" not in text

    [(labels, one)] = samples(text, "paced_build_info")
    assert one == 1 and re.match(r"^\d+\.\d+", labels["version"]), labels
    assert value(text, "process_open_fds") > 3
    assert value(text, "process_resident_memory_bytes") > 1e6
    assert value(text, "process_cpu_seconds_total") >= 0
    assert t0 - 15 < value(text, "process_start_time_seconds") <= \
        time.time() + 1


test_promtool_passes_a_busy_scrape.timeout = 60


class Prometheus:
    """A real Prometheus on a free loopback port, with its own TSDB in a
    temporary directory, scraping `target` every second as job "paced"."""

    def __init__(self, target):
        self.tmp = make_tmpdir()
        self.port = free_port()
        conf = os.path.join(self.tmp, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n"
                    "  scrape_interval: 1s\n"
                    "  scrape_timeout: 1s\n"
                    "scrape_configs:\n"
                    "  - job_name: paced\n"
                    "    static_configs:\n"
                    f"      - targets: ['{target}']\n")
        self.log_path = os.path.join(self.tmp, "prometheus.log")
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={conf}",
             f"--storage.tsdb.path={os.path.join(self.tmp, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}",
             "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.tmp)
        log.close()
        on_cleanup(self.stop)
        wait_for(self.ready, 30, msg="prometheus ready")

    def stop(self, failed=False):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if failed:
            print("    | prometheus log:\n    | " +
                  self.log()[-3000:].replace("\n", "\n    | "))

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def get(self, path):
        with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
            return r.status, r.read()

    def ready(self):
        assert self.proc.poll() is None, "prometheus exited:\n" + self.log()
        try:
            return self.get("/-/ready")[0] == 200
        except OSError:
            return False

    def query(self, q):
        """The result vector of an instant query."""
        status, body = self.get("/api/v1/query?" +
                                urllib.parse.urlencode({"query": q}))
        j = json.loads(body)
        assert status == 200 and j["status"] == "success", j
        return j["data"]["result"]


def test_real_prometheus_scrapes_paced(d):
    if missing(PROMETHEUS, "prometheus"):
        return
    d.create(project("parking"))
    d.update("parking", {"value": 120})
    prom = Prometheus(f"127.0.0.1:{d.port}")

    def up():
        r = prom.query('up{job="paced"}')
        return r and r[0]["value"][1] == "1" and r
    got = wait_for(up, 30, interval=0.5, msg="up == 1 for job paced")
    assert got[0]["metric"]["instance"] == f"127.0.0.1:{d.port}", got

    got = wait_for(lambda: prom.query("paced_project_current"), 30,
                   interval=0.5, msg="a paced_project_current series")
    assert [(s["metric"]["project"], s["metric"]["job"], s["value"][1])
            for s in got] == [("parking", "paced", "120")], got
    # What Prometheus says about the scrape itself: no error, and the
    # status series it stored select the current status.
    [st] = prom.query('paced_project_status{project="parking"} == 1')
    assert st["metric"]["status"] == "behind", st
    _, body = prom.get("/api/v1/targets")
    [t] = [t for t in json.loads(body)["data"]["activeTargets"]
           if t["labels"]["job"] == "paced"]
    assert t["health"] == "up" and t["lastError"] == "", t
    prom.stop()
    assert prom.proc.returncode == 0, prom.log()


test_real_prometheus_scrapes_paced.timeout = 90
