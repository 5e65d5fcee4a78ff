"""036-channels-email-alertmanager: alerts by mail to a real SMTP server
(aiosmtpd, Debian python3-aiosmtpd) and into a real Prometheus Alertmanager
(Debian prometheus-alertmanager), both on loopback.

Email: the message a project falling behind produces is checked as a mail
reader would see it (headers, the Chinese subject decoded from RFC 2047,
the base64 body) and as the wire carries it (CRLF, line lengths, 7-bit),
with the envelope from/to of the channel; a login the server refuses makes
the delivery dead at once.

Alertmanager: the alert shows at GET /api/v2/alerts with its labels while
the project is behind, moves to at_risk, and is resolved when the project
recovers - seen both in the API and in the notifications Alertmanager
itself sends to a webhook receiver (send_resolved)."""

import datetime as _dt
import email
import email.policy
import email.utils
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import warnings

from harness import (Daemon, Receiver, free_port, make_tmpdir, on_cleanup,
                     project, wait_for)

AM_BIN = "/usr/bin/prometheus-alertmanager"
FROM = "paced@example.gov.cn"
TO = ["a@example.gov.cn", "b@example.gov.cn"]
TITLE = "新增公共停车泊位"


def _aiosmtpd():
    """aiosmtpd's Controller and AuthResult, or None. Debian installs it
    for the system python3; a python3 from elsewhere (pyenv) finds it
    there too."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult
    except ImportError:
        if "/usr/lib/python3/dist-packages" in sys.path:
            return None
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            from aiosmtpd.controller import Controller
            from aiosmtpd.smtp import AuthResult
        except ImportError:
            return None
    return Controller, AuthResult


# --------------------------------------------------------------------------
# a real SMTP server

class Mailbox:
    """aiosmtpd on 127.0.0.1: every message taken, with its envelope and
    the bytes as received. With login=(user, password) it offers AUTH
    (without TLS: loopback) and requires it."""

    def __init__(self, login=None):
        Controller, AuthResult = _aiosmtpd()
        self.messages = []
        self.auth_attempts = []
        self.lock = threading.Lock()
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with box.lock:
                    box.messages.append({
                        "mail_from": envelope.mail_from,
                        "rcpt_tos": list(envelope.rcpt_tos),
                        "raw": envelope.original_content,
                        "authenticated": session.authenticated,
                    })
                return "250 2.0.0 Message accepted"

        kw = {}
        if login:
            def authenticator(server, session, envelope, mechanism, data):
                user = data.login.decode()
                password = data.password.decode()
                with box.lock:
                    box.auth_attempts.append((mechanism, user))
                # handled=False: aiosmtpd answers a failure with 535.
                return AuthResult(success=(user, password) == login,
                                  handled=False)
            kw = {"authenticator": authenticator, "auth_required": True,
                  "auth_require_tls": False}
        self.port = free_port()
        # AUTH without TLS is what loopback allows; aiosmtpd warns about
        # it on every connection.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message="Requiring AUTH while "
                                "not requiring TLS")
        self.controller = Controller(Handler(), hostname="127.0.0.1",
                                     port=self.port, **kw)
        self.controller.start()
        on_cleanup(lambda failed: self.controller.stop())

    def channel(self, name="mail", **kw):
        ch = {"name": name, "type": "email",
              "url": f"smtp://127.0.0.1:{self.port}", "from": FROM,
              "to": TO}
        ch.update(kw)
        return ch

    def all(self):
        with self.lock:
            return list(self.messages)


def smtp_missing():
    if _aiosmtpd() is None:
        print("    skipped: aiosmtpd is not installed "
              "(apt-get install python3-aiosmtpd)")
        return True
    return False


def delivery(d, pid, typ, channel):
    evs = [e for e in d.events(project=pid) if e["type"] == typ]
    if not evs:
        return None
    return {x["channel"]: x for x in evs[0]["deliveries"]}.get(channel)


def settled(d, pid, typ, channel):
    """The delivery of the first `typ` event of pid on channel once it is no
    longer pending."""
    def done():
        x = delivery(d, pid, typ, channel)
        return x if x and x["state"] != "pending" else None
    return wait_for(done, 15, msg=f"{typ} to {channel} settled")


def assert_wire_form(raw):
    """RFC 5322 on the wire: CRLF only, no line over 998, header lines
    within 78, 7-bit (base64 body, encoded-word subject)."""
    assert raw.endswith(b"\r\n"), raw[-20:]
    assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF in the message"
    assert b"\r" not in raw.replace(b"\r\n", b""), "bare CR in the message"
    assert all(c < 0x80 for c in raw), "8-bit bytes in the message"
    head, sep, _ = raw.partition(b"\r\n\r\n")
    assert sep, "no blank line between header and body"
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998, f"line of {len(line)} characters"
    for line in head.split(b"\r\n"):
        assert len(line) <= 78, f"header line over 78: {line!r}"
        assert line[:1] in (b" ", b"\t") or re.match(rb"^[!-9;-~]+: ",
                                                     line), line
    return head.decode("ascii")


def test_email_reaches_smtp_server():
    if smtp_missing():
        return
    box = Mailbox()
    d = Daemon(channels=[box.channel()])
    t0 = time.time()
    d.create(project("parking", start=-50, due=50, title=TITLE, unit="个",
                     owner="区建设局"))
    wait_for(box.all, 15, msg="a mail at the SMTP server")
    x = settled(d, "parking", "project.behind", "mail")
    assert x["state"] == "sent", x
    [m] = box.all()

    # The envelope is the channel's from and to.
    assert m["mail_from"] == FROM, m["mail_from"]
    assert m["rcpt_tos"] == TO, m["rcpt_tos"]

    head = assert_wire_form(m["raw"])
    # Not ASCII, so the subject travels as RFC 2047 encoded-words.
    subj_raw = re.search(r"^Subject: (.*(?:\r\n[ \t].*)*)", head,
                         re.M).group(1)
    assert "=?UTF-8?B?" in subj_raw.upper(), subj_raw

    msg = email.message_from_bytes(m["raw"], policy=email.policy.default)
    assert msg.defects == [], msg.defects
    for k in ("Date", "From", "To", "Subject", "Message-ID",
              "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
              "Auto-Submitted"):
        assert len(msg.get_all(k) or []) == 1, f"{k}: {msg.get_all(k)}"
        assert not msg[k].defects, (k, msg[k].defects)
    assert str(msg["Subject"]) == f"【落后】{TITLE}", str(msg["Subject"])
    assert msg["From"].addresses[0].addr_spec == FROM
    assert [a.addr_spec for a in msg["To"].addresses] == TO
    when = email.utils.parsedate_to_datetime(str(msg["Date"]))
    assert when.tzinfo is not None
    assert abs(when.timestamp() - t0) < 60, str(msg["Date"])
    [ev] = d.events(project="parking")
    assert str(msg["Message-ID"]) == f"<{ev['id']}@example.gov.cn>", \
        (str(msg["Message-ID"]), ev["id"])
    assert str(msg["MIME-Version"]) == "1.0"
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert str(msg["Content-Transfer-Encoding"]).lower() in (
        "base64", "quoted-printable")
    assert str(msg["Auto-Submitted"]) == "auto-generated"

    # The body: the note's lines (the title is the subject) and the link.
    text = msg.get_content()
    for words in ("350", "个", "175", "区建设局"):
        assert words in text, f"{words!r} not in the body {text!r}"
    assert "0.000000" not in text, text


def test_email_login():
    if smtp_missing():
        return
    box = Mailbox(login=("paced", "s3cret"))
    bad = Mailbox(login=("paced", "s3cret"))
    d = Daemon(channels=[
        box.channel("mail", username="paced", password="s3cret"),
        bad.channel("wrong", username="paced", password="nope"),
    ])
    d.create(project("parking", start=-50, due=50))
    wait_for(box.all, 15, msg="a mail at the SMTP server")
    [m] = box.all()
    assert m["authenticated"], m
    assert [u for _, u in box.auth_attempts] == ["paced"]
    assert settled(d, "parking", "project.behind", "mail")["state"] == \
        "sent"
    # A refused login is not going to get better by waiting.
    x = settled(d, "parking", "project.behind", "wrong")
    assert x["state"] == "dead", x
    assert x["attempts"] == 1, x
    assert "535" in (x["last_error"] or ""), x
    assert bad.all() == []


# --------------------------------------------------------------------------
# a real Alertmanager

class Alertmanager:
    """prometheus-alertmanager on a free loopback port, with its own
    storage, no clustering, and one receiver: a webhook to `hook_url` that
    also gets resolved notifications."""

    def __init__(self, hook_url):
        self.tmp = make_tmpdir()
        self.port = free_port()
        conf = os.path.join(self.tmp, "alertmanager.yml")
        with open(conf, "w") as f:
            f.write(
                "route:\n"
                "  receiver: hook\n"
                "  group_by: [alertname, project, status]\n"
                "  group_wait: 1s\n"
                "  group_interval: 1s\n"
                "  repeat_interval: 1h\n"
                "receivers:\n"
                "  - name: hook\n"
                "    webhook_configs:\n"
                f"      - url: {hook_url}\n"
                "        send_resolved: true\n")
        self.log_path = os.path.join(self.tmp, "alertmanager.log")
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [AM_BIN, f"--config.file={conf}",
             f"--storage.path={os.path.join(self.tmp, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}",
             "--cluster.listen-address=", "--log.level=info"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        on_cleanup(self.stop)
        try:
            wait_for(self.ready, 20, msg="alertmanager ready")
        except AssertionError:
            raise AssertionError("alertmanager did not start:\n" +
                                 self.log())

    def stop(self, failed=False):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if failed:
            print("    | alertmanager log:\n    | " +
                  self.log()[-3000:].replace("\n", "\n    | "))

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def ready(self):
        assert self.proc.poll() is None, \
            "alertmanager exited:\n" + self.log()
        try:
            with urllib.request.urlopen(self.url + "/-/ready",
                                        timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def alerts(self, **params):
        q = urllib.parse.urlencode(
            [("filter", 'alertname="PacedProject"')] +
            [(k, v) for k, v in params.items()])
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts?{q}",
                                    timeout=5) as r:
            assert r.status == 200
            return json.loads(r.read())

    def firing(self, pid):
        """{status label: alert} of the active alerts of project pid."""
        return {a["labels"]["status"]: a for a in self.alerts()
                if a["labels"].get("project") == pid}


def rfc3339(s):
    return _dt.datetime.fromisoformat(
        re.sub(r"\.(\d{6})\d*", r".\1", s).replace("Z", "+00:00")
    ).timestamp()


def notifications(rx, status_label, state):
    """Alerts in Alertmanager's webhook notifications with that status
    label and state ("firing" or "resolved")."""
    out = []
    for h in rx.all():
        for a in (h.json or {}).get("alerts", []):
            if a["labels"].get("status") == status_label and \
                    a["status"] == state:
                out.append(a)
    return out


def am_missing():
    if not os.access(AM_BIN, os.X_OK):
        print(f"    skipped: {AM_BIN} is missing "
              "(apt-get install prometheus-alertmanager)")
        return True
    return False


def test_alertmanager_fires_and_resolves():
    if am_missing():
        return
    rx = Receiver(path="/am")
    am = Alertmanager(rx.url)
    d = Daemon(channels=[{"name": "am", "type": "alertmanager",
                          "url": am.url + "/"}],
               alerts={"public_url": "https://paced.example.gov.cn"})
    d.create(project("parking", start=-50, due=50, title=TITLE, unit="个"))

    # Behind: one active alert with exactly the three labels.
    got = wait_for(lambda: am.firing("parking").get("behind"), 15,
                   msg="the behind alert in Alertmanager")
    assert got["labels"] == {"alertname": "PacedProject",
                             "project": "parking", "status": "behind"}, got
    assert got["status"]["state"] == "active", got
    assert got["annotations"]["summary"] == f"【落后】{TITLE}", got
    assert "350" in got["annotations"]["description"], got
    assert got["generatorURL"].startswith("https://paced.example.gov.cn"), \
        got
    [ev] = d.events(project="parking")
    assert abs(rfc3339(got["startsAt"]) - rfc3339(ev["at"])) < 1, \
        (got["startsAt"], ev["at"])
    # Firing for a day and an hour: the daily reminder keeps it so.
    assert abs(rfc3339(got["endsAt"]) - (time.time() + 25 * 3600)) < 120, \
        got["endsAt"]
    assert settled(d, "parking", "project.behind", "am")["state"] == "sent"
    wait_for(lambda: notifications(rx, "behind", "firing"), 15,
             msg="Alertmanager notifying the behind alert")

    # Behind -> at_risk (150 of 350 at half time; hysteresis needs the gap
    # 0.01 under the behind threshold): two alerts, one resolved.
    d.update("parking", {"value": 150})
    wait_for(lambda: set(am.firing("parking")) == {"at_risk"}, 15,
             msg=f"only at_risk firing; got {am.firing('parking')}")
    assert settled(d, "parking", "project.at_risk", "am")["state"] == "sent"
    r = wait_for(lambda: notifications(rx, "behind", "resolved"), 15,
                 msg="Alertmanager notifying behind resolved")
    [at_risk] = [e for e in d.events(project="parking")
                 if e["type"] == "project.at_risk"]
    assert abs(rfc3339(r[0]["endsAt"]) - rfc3339(at_risk["at"])) < 1, \
        (r[0]["endsAt"], at_risk["at"])
    # Alertmanager tells of a resolved alert only if it told of it firing
    # (after group_wait): a recovery before then would never be notified.
    wait_for(lambda: notifications(rx, "at_risk", "firing"), 15,
             msg="Alertmanager notifying the at_risk alert")

    # Recovered: nothing is active any more, and Alertmanager says the
    # at_risk alert is resolved at the instant of the recovery.
    d.update("parking", {"value": 200})
    wait_for(lambda: am.firing("parking") == {}, 15,
             msg=f"no alert active; got {am.firing('parking')}")
    # Resolved alerts are not active ones either way of asking.
    assert [a for a in am.alerts(active="false")
            if a["labels"].get("project") == "parking" and
            a["status"]["state"] == "active"] == []
    assert settled(d, "parking", "project.recovered", "am")["state"] == \
        "sent"
    r = wait_for(lambda: notifications(rx, "at_risk", "resolved"), 15,
                 msg="Alertmanager notifying at_risk resolved")
    [rec] = [e for e in d.events(project="parking")
             if e["type"] == "project.recovered"]
    assert abs(rfc3339(r[0]["endsAt"]) - rfc3339(rec["at"])) < 1, \
        (r[0]["endsAt"], rec["at"])
    assert rfc3339(r[0]["endsAt"]) <= time.time()
    assert r[0]["labels"] == {"alertname": "PacedProject",
                              "project": "parking", "status": "at_risk"}


test_alertmanager_fires_and_resolves.timeout = 90


def test_alertmanager_wrong_url_is_dead():
    # A URL where Alertmanager has no API (404) will not start working by
    # itself: dead at once, with the status in last_error.
    if am_missing():
        return
    rx = Receiver(path="/am")
    am = Alertmanager(rx.url)
    d = Daemon(channels=[{"name": "am", "type": "alertmanager",
                          "url": am.url + "/nowhere"}])
    d.create(project("parking", start=-50, due=50))
    x = settled(d, "parking", "project.behind", "am")
    assert x["state"] == "dead", x
    assert "404" in (x["last_error"] or ""), x
