"""platforms.py - stand-ins for the chat platforms paced posts to.

A real DingTalk, WeCom, Feishu, Slack, Discord, Teams or Telegram server
cannot run on a test machine, so each PlatformReceiver checks a request the
way the platform's documentation says the platform does (URL, query,
headers, JSON shape, signature, size limit) and answers the way the
platform answers, error codes included. What it found wrong is kept in
rx.problems (the request is then answered with the platform's error), so a
test can both see paced's request rejected and say exactly why.

    rx = PlatformReceiver("dingtalk", secret="SEC…")
    Daemon(channels=[rx.channel("ding")])
    rx.requests   every request: .path, .query (dict), .headers, .json, .raw
    rx.problems   what the platform would have refused, as text
    rx.script     answers to give first (status, body dict) overriding the
                  platform's own, e.g. [(200, {"errcode": 130101, ...})]

Facts used (from the platforms' documentation):
  DingTalk custom robot: POST /robot/send?access_token=…; with a secret,
    &timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256(secret,
    "<ms>\\n<secret>")>, timestamp within one hour; markdown message
    {"msgtype":"markdown","markdown":{"title","text"}}, optional "at"
    {"atMobiles","isAtAll"}; HTTP 200 with {"errcode":0,"errmsg":"ok"};
    310000 for a failed security check (sign, keyword, IP); 130101 when a
    robot sends more than 20 messages a minute.
  WeCom group robot: POST /cgi-bin/webhook/send?key=…;
    {"msgtype":"markdown","markdown":{"content"}}, content at most 4096
    bytes of UTF-8; {"errcode":0,"errmsg":"ok"}; 45009 over the rate limit
    (20 a minute); 93000 bad key; 40058 content too long.
  Feishu custom bot: POST /open-apis/bot/v2/hook/<id>; {"msg_type":
    "interactive","card":…} or "text"; body at most 20 KB; with a secret,
    "timestamp" (seconds, a string) and "sign" = base64 HMAC-SHA256 with
    key "<timestamp>\\n<secret>" over an empty message, timestamp within
    one hour; {"code":0,"msg":"success","data":{}}; 19021 sign mismatch;
    11232 frequency limited; 9499 bad request.
  Slack incoming webhook: {"text", "blocks"}; 200 with body "ok";
    400 "invalid_payload"; header block text at most 150 characters,
    section text at most 3000, at most 50 blocks.
  Discord webhook: {"content"} (at most 2000 characters) and/or
    {"embeds"} (at most 10; title 256, description 4096); 204 No Content.
  Teams (Workflows "when a webhook request is received"): {"type":
    "message","attachments":[{"contentType":
    "application/vnd.microsoft.card.adaptive","content":{"type":
    "AdaptiveCard",…}}]}; 202 Accepted.
  Telegram Bot API: POST /bot<token>/sendMessage {"chat_id","text",
    "parse_mode":"HTML"}; text 1..4096 characters after entity parsing;
    {"ok":true,"result":{…}}; errors {"ok":false,"error_code":400,
    "description":"Bad Request: can't parse entities: …"}.
"""

import base64
import hashlib
import hmac
import html.parser
import json
import threading
import time
import urllib.parse

from harness import LoopbackReceiver, QuietHandler, json_or_none

HOUR = 3600

PATHS = {
    "dingtalk": "/robot/send",
    "wecom": "/cgi-bin/webhook/send",
    "feishu": "/open-apis/bot/v2/hook/5d1e6c0f",
    "slack": "/services/T000/B000/XXXX",
    "discord": "/api/webhooks/1234/abcd",
    "teams": "/workflows/4f2e/triggers/manual/paths/invoke",
    "telegram": "/bot123456:ABC-DEF/sendMessage",
}
QUERIES = {"dingtalk": "access_token=6a8c1f", "wecom": "key=693a91f6"}


class Request:
    def __init__(self, method, path, query, headers, raw):
        self.method = method
        self.path = path
        self.query = query        # name -> value (last one)
        self.headers = headers    # lower-case name -> value
        self.raw = raw
        self.received = time.time()
        self.json = json_or_none(raw)

    def __repr__(self):
        return f"<{self.method} {self.path} {self.raw[:120]!r}>"


def dingtalk_sign(secret, ts_ms):
    mac = hmac.new(secret.encode(), f"{ts_ms}\n{secret}".encode(),
                   hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def feishu_sign(secret, ts_s):
    mac = hmac.new(f"{ts_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


class _TelegramHTML(html.parser.HTMLParser):
    """Telegram's HTML: only these tags, properly nested, and entities
    limited to &lt; &gt; &amp; &quot; and numeric ones."""
    ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
               "a", "code", "pre", "span", "tg-spoiler", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack, self.errors, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.ALLOWED:
            self.errors.append(f"unsupported start tag \"{tag}\"")
        if tag == "a" and not dict(attrs).get("href"):
            self.errors.append("<a> without href")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"can't find end tag corresponding to "
                               f"start tag \"{tag}\"")

    def handle_data(self, data):
        if "<" in data or ">" in data:
            self.errors.append("unescaped < or >")
        self.text.append(data)

    def handle_entityref(self, name):
        if name not in ("lt", "gt", "amp", "quot"):
            self.errors.append(f"unsupported entity &{name};")
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name):
        self.text.append("x")


def telegram_check(text):
    """(errors, visible text) of an HTML-mode message."""
    p = _TelegramHTML()
    p.feed(text)
    p.close()
    if p.stack:
        p.errors.append(f"unclosed tags {p.stack}")
    return p.errors, "".join(p.text)


class PlatformReceiver(LoopbackReceiver):
    def __init__(self, kind, secret=None):
        assert kind in PATHS, kind
        self.kind = kind
        self.secret = secret
        self.requests = []
        self.problems = []
        self.script = []
        self.lock = threading.Lock()
        rx = self

        class Handler(QuietHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query,
                                                    keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                req = Request("POST", url.path, query, headers, raw)
                with rx.lock:
                    scripted = rx.script.pop(0) if rx.script else None
                problems = rx.check(req)
                status, body, ctype = rx.answer(req, problems)
                if scripted:
                    status, body = scripted
                    ctype = "application/json"
                with rx.lock:
                    rx.requests.append(req)
                    rx.problems.extend(f"{req!r}: {p}" for p in problems)
                out = body if isinstance(body, bytes) else (
                    body.encode() if isinstance(body, str)
                    else json.dumps(body).encode())
                self.send_response(status)
                if status != 204:
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                if status != 204:
                    self.wfile.write(out)

        self.serve(Handler)

    def _got(self):
        return self.requests

    @property
    def url(self):
        q = QUERIES.get(self.kind)
        return (f"http://127.0.0.1:{self.port}{PATHS[self.kind]}" +
                (f"?{q}" if q else ""))

    def channel(self, name, **kw):
        ch = {"name": name, "type": self.kind, "url": self.url}
        if self.secret:
            ch["secret"] = self.secret
        if self.kind == "telegram":
            ch["chat_id"] = "-1001234567890"
        ch.update(kw)
        return ch

    def texts(self):
        """The human text of every request, in order (platform-specific
        place of the message in the body)."""
        return [self.text_of(r) for r in self.all()]

    def text_of(self, r):
        j = r.json or {}
        k = self.kind
        if k == "dingtalk":
            return j.get("markdown", {}).get("title", "") + "\n" + \
                j.get("markdown", {}).get("text", "")
        if k == "wecom":
            return j.get("markdown", {}).get("content", "")
        if k == "feishu":
            return json.dumps(j.get("card") or j.get("content"),
                              ensure_ascii=False)
        if k == "slack":
            return j.get("text", "") + json.dumps(j.get("blocks"),
                                                  ensure_ascii=False)
        if k == "discord":
            return (j.get("content") or "") + json.dumps(
                j.get("embeds"), ensure_ascii=False)
        if k == "teams":
            return json.dumps(j.get("attachments"), ensure_ascii=False)
        if k == "telegram":
            return telegram_check(j.get("text", ""))[1]
        return ""

    # -- what the platform checks ------------------------------------------

    def check(self, r):
        p = []
        if r.path != PATHS[self.kind]:
            p.append(f"path {r.path}")
        for k, v in urllib.parse.parse_qsl(QUERIES.get(self.kind, "")):
            if r.query.get(k) != v:
                p.append(f"query {k}={r.query.get(k)!r}")
        if not r.headers.get("content-type", "").startswith(
                "application/json"):
            p.append(f"content-type {r.headers.get('content-type')!r}")
        if not isinstance(r.json, dict):
            return p + ["body is not a JSON object"]
        return p + getattr(self, "_check_" + self.kind)(r, r.json)

    def _fresh(self, ts, unit):
        try:
            t = int(ts) / unit
        except (TypeError, ValueError):
            return False
        return abs(t - time.time()) < HOUR

    def _check_dingtalk(self, r, j):
        p = []
        if self.secret:
            ts, sign = r.query.get("timestamp"), r.query.get("sign")
            if not self._fresh(ts, 1000):
                p.append(f"310000 timestamp {ts!r} not within an hour")
            elif sign != dingtalk_sign(self.secret, ts):
                # parse_qsl decodes the query as the platform does: a
                # sign sent without URL-encoding ('+' read as a space)
                # does not match.
                p.append(f"310000 sign not match: {sign!r}")
        if j.get("msgtype") != "markdown":
            p.append(f"msgtype {j.get('msgtype')!r}")
        md = j.get("markdown") or {}
        if not isinstance(md.get("title"), str) or not md.get("title"):
            p.append("markdown.title missing")
        if not isinstance(md.get("text"), str) or not md.get("text"):
            p.append("markdown.text missing")
        if len(json.dumps(j, ensure_ascii=False).encode()) > 20000:
            p.append("message over 20000 bytes")
        at = j.get("at")
        if at is not None:
            if not isinstance(at.get("atMobiles", []), list) or \
                    not isinstance(at.get("isAtAll", False), bool):
                p.append(f"at malformed: {at}")
            for m in at.get("atMobiles", []):
                if f"@{m}" not in md.get("text", ""):
                    p.append(f"@{m} not in the text (no visible mention)")
        return p

    def _check_wecom(self, r, j):
        p = []
        if j.get("msgtype") != "markdown":
            p.append(f"msgtype {j.get('msgtype')!r}")
        c = (j.get("markdown") or {}).get("content")
        if not isinstance(c, str) or not c:
            p.append("markdown.content missing")
        elif len(c.encode()) > 4096:
            p.append(f"40058 content is {len(c.encode())} bytes > 4096")
        return p

    def _check_feishu(self, r, j):
        p = []
        if len(r.raw) > 20 * 1024:
            p.append(f"9499 body {len(r.raw)} bytes > 20 KB")
        if self.secret:
            ts, sign = j.get("timestamp"), j.get("sign")
            if not isinstance(ts, str) or not self._fresh(ts, 1):
                p.append(f"19021 timestamp {ts!r} (a string of seconds "
                         f"within an hour)")
            elif sign != feishu_sign(self.secret, ts):
                p.append(f"19021 sign match fail: {sign!r}")
        mt = j.get("msg_type")
        if mt == "interactive":
            card = j.get("card")
            if not isinstance(card, dict) or not (
                    card.get("elements") or card.get("body") or
                    card.get("i18n_elements")):
                p.append(f"card without elements: {card}")
        elif mt == "text":
            if not (j.get("content") or {}).get("text"):
                p.append("content.text missing")
        else:
            p.append(f"msg_type {mt!r}")
        return p

    def _check_slack(self, r, j):
        p = []
        if not isinstance(j.get("text"), str) or not j["text"]:
            p.append("invalid_payload: text missing (the fallback)")
        blocks = j.get("blocks", [])
        if not isinstance(blocks, list) or len(blocks) > 50:
            p.append("invalid_blocks: not a list of at most 50")
            return p
        for b in blocks:
            t = b.get("type")
            if t == "header":
                txt = (b.get("text") or {})
                if txt.get("type") != "plain_text" or \
                        len(txt.get("text", "")) > 150:
                    p.append(f"invalid_blocks: header {txt}")
            elif t == "section":
                txt = b.get("text") or {}
                if txt and len(txt.get("text", "")) > 3000:
                    p.append("invalid_blocks: section text over 3000")
                if not txt and not b.get("fields"):
                    p.append("invalid_blocks: empty section")
            elif t not in ("context", "divider", "actions", "rich_text"):
                p.append(f"invalid_blocks: type {t!r}")
        return p

    def _check_discord(self, r, j):
        p = []
        content, embeds = j.get("content"), j.get("embeds")
        if not content and not embeds:
            p.append("50006 cannot send an empty message")
        if content and len(content) > 2000:
            p.append(f"content {len(content)} characters > 2000")
        for e in embeds or []:
            if len(e.get("title", "")) > 256 or \
                    len(e.get("description", "")) > 4096:
                p.append("embed title > 256 or description > 4096")
        if embeds and len(embeds) > 10:
            p.append("more than 10 embeds")
        return p

    def _check_teams(self, r, j):
        p = []
        if j.get("type") != "message":
            p.append(f"type {j.get('type')!r}")
        att = j.get("attachments")
        if not isinstance(att, list) or not att:
            return p + ["attachments missing"]
        a = att[0]
        if a.get("contentType") != "application/vnd.microsoft.card.adaptive":
            p.append(f"contentType {a.get('contentType')!r}")
        c = a.get("content") or {}
        if c.get("type") != "AdaptiveCard" or not c.get("version") or \
                not isinstance(c.get("body"), list) or not c["body"]:
            p.append(f"not an Adaptive Card: {c}")
        if len(r.raw) > 28 * 1024:
            p.append("body over 28 KB")
        return p

    def _check_telegram(self, r, j):
        p = []
        if str(j.get("chat_id")) != "-1001234567890":
            p.append(f"400 chat not found: {j.get('chat_id')!r}")
        if j.get("parse_mode") != "HTML":
            p.append(f"parse_mode {j.get('parse_mode')!r}")
        errors, visible = telegram_check(j.get("text") or "")
        if errors:
            p.append(f"400 can't parse entities: {errors}")
        if not 1 <= len(visible) <= 4096:
            p.append(f"400 message text is {len(visible)} characters")
        return p

    # -- what the platform answers -----------------------------------------

    def answer(self, r, problems):
        k = self.kind
        bad = problems[0] if problems else None
        code = None
        if bad and bad.split(" ")[0].isdigit():
            code = int(bad.split(" ")[0])
        if k == "dingtalk":
            return 200, {"errcode": code or (300001 if bad else 0),
                         "errmsg": bad or "ok"}, "application/json"
        if k == "wecom":
            return 200, {"errcode": code or (40008 if bad else 0),
                         "errmsg": bad or "ok"}, "application/json"
        if k == "feishu":
            if bad:
                return 200, {"code": code or 9499, "msg": bad,
                             "data": {}}, "application/json"
            return 200, {"code": 0, "msg": "success", "data": {}}, \
                "application/json"
        if k == "slack":
            return (400, "invalid_payload", "text/plain") if bad else \
                (200, "ok", "text/plain")
        if k == "discord":
            if bad:
                return 400, {"message": bad, "code": 50006}, \
                    "application/json"
            return 204, b"", "application/json"
        if k == "teams":
            return (400, {"error": {"message": bad}}, "application/json") \
                if bad else (202, b"", "text/plain")
        if k == "telegram":
            if bad:
                return 400, {"ok": False, "error_code": 400,
                             "description": "Bad Request: " + bad}, \
                    "application/json"
            return 200, {"ok": True, "result": {
                "message_id": len(self.requests) + 1,
                "chat": {"id": -1001234567890, "type": "supergroup"},
                "date": int(time.time()), "text": "…"}}, "application/json"
        raise AssertionError(k)
