/*
 * test_fmt_cn.c - the DingTalk, WeCom and Feishu channel drivers: the
 * signers against the vectors of issue 4 (computed from the platforms'
 * documented algorithms), the requests for one event, a summary and the
 * digest (parsed back and checked field by field), the size limits with
 * notes far too long (never a character cut in half), and each judge on
 * the platform's own answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "chan.h"
#include "fmt_dingtalk.h"
#include "fmt_feishu.h"
#include "note.h"
#include "paced.h"

/* Issue 4's vectors. */
#define DING_SECRET "this is secret"
#define DING_TS 1599360473000LL
#define DING_SIGN "hXZTWifRGHclNuZSKxoXc//sh51SWfVfRIhcdeKs63I="
#define FEISHU_SECRET "demo"
#define FEISHU_TS 1599360473LL
#define FEISHU_SIGN "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8="

#define PUBLIC_URL "https://paced.example.gov.cn"
#define PARKING_LINK PUBLIC_URL "/projects/parking-2022"
#define DING_URL "https://oapi.dingtalk.com/robot/send?access_token=6a8c1f"
#define WECOM_URL "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a"
#define FEISHU_URL "https://open.feishu.cn/open-apis/bot/v2/hook/5d1e6c0f"

/* The platforms' limits, as documented. */
#define DING_LIMIT 20000
#define WECOM_LIMIT 4096
#define FEISHU_LIMIT 20000

static char *mobiles[] = {(char *)"13800000000", (char *)"13900000001"};

/* ---- helpers ------------------------------------------------------------ */

static json_t *project(const char *id, const char *title, const char *owner)
{
	/* 120 of 350 while the curve expects 291.67. */
	return json_pack("{s:s,s:s,s:s,s:i,s:i,s:f,s:f,s:f,s:f,s:s,s:s,"
			 "s:{s:f,s:f,s:s,s:f}}",
			 "id", id, "title", title, "unit", "个", "current",
			 120, "target", 350, "expected", 291.6666667,
			 "progress", 120.0 / 350, "expected_progress",
			 291.6666667 / 350, "gap", (291.6666667 - 120) / 350,
			 "due", "2022-12-31", "owner", owner, "forecast",
			 "rate_per_day", 0.9, "projected_at_due", 200.0, "eta",
			 "2023-04-12", "required_rate_per_day", 1.2345);
}

static void event_note(struct note *n, const char *type, const char *id,
		       const char *title, const char *owner, const char *lang)
{
	json_t *p = project(id, title, owner);

	assert_non_null(p);
	assert_int_equal(note_event(n, type, p, lang, PUBLIC_URL), 0);
	json_decref(p);
}

static const struct chan_driver *driver(const char *type)
{
	const struct chan_driver *d = chan_driver_find(type);

	assert_non_null(d);
	assert_string_equal(d->type, type);
	return d;
}

static int render(const char *type, const struct conf_channel *ch,
		  enum chan_kind kind, const struct note *n, size_t n_events,
		  const char *lang, paced_ms now, struct chan_request *r,
		  char *err, size_t errlen)
{
	static const struct chan_event ev[1];
	struct chan_msg m = {
		.kind = kind,
		.ch = ch,
		.language = lang,
		.public_url = PUBLIC_URL,
		.events = kind == CHAN_DIGEST ? NULL : ev,
		.n_events = n_events,
		.note = n,
		.now = now,
		.id = "evt_0000abcd",
	};

	memset(r, 0, sizeof(*r));
	err[0] = '\0';
	return driver(type)->render(&m, r, err, errlen);
}

/* Renders, expects success, and returns the parsed body (a JSON object:
 * jansson refuses a body that is not UTF-8). */
static json_t *render_ok(const char *type, const struct conf_channel *ch,
			 enum chan_kind kind, const struct note *n,
			 const char *lang, paced_ms now, struct chan_request *r)
{
	char err[256];
	json_error_t je;
	json_t *o;

	assert_int_equal(render(type, ch, kind, n, kind == CHAN_ONE ? 1 : 2,
				lang, now, r, err, sizeof(err)),
			 0);
	assert_non_null(r->url);
	assert_non_null(r->body);
	assert_int_equal(strlen(r->body), r->len);
	assert_int_equal(r->n_headers, 1);
	/* DingTalk asks for the charset to be named. */
	assert_string_equal(r->headers[0],
			    strcmp(type, "dingtalk") == 0
				    ? "Content-Type: application/json; "
				      "charset=utf-8"
				    : "Content-Type: application/json");
	o = json_loadb(r->body, r->len, 0, &je);
	if (!o)
		fail_msg("body is not JSON: %s", je.text);
	assert_true(json_is_object(o));
	return o;
}

static const char *str_at(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	o = json_object_get(o, path);
	if (!json_is_string(o))
		fail_msg("%s is not a string", path);
	return json_string_value(o);
}

/* Strict UTF-8: no truncated, overlong or surrogate sequences. */
static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n;
		uint32_t c;

		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xE0) == 0xC0) {
			n = 1, c = *p & 0x1F;
		} else if ((*p & 0xF0) == 0xE0) {
			n = 2, c = *p & 0x0F;
		} else if ((*p & 0xF8) == 0xF0) {
			n = 3, c = *p & 0x07;
		} else {
			return false;
		}
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			c = c << 6 | (p[i] & 0x3F);
		}
		if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) ||
		    (n == 3 && (c < 0x10000 || c > 0x10FFFF)) ||
		    (c >= 0xD800 && c <= 0xDFFF))
			return false;
		p += n + 1;
	}
	return true;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The value of query parameter `name` in url, still encoded, or NULL. */
static char *query_param(const char *url, const char *name)
{
	const char *q = strchr(url, '?'), *end;
	size_t nl = strlen(name);

	for (; q; q = strchr(q + 1, '&')) {
		if (strncmp(q + 1, name, nl) == 0 && q[1 + nl] == '=') {
			q += nl + 2;
			end = q + strcspn(q, "&#");
			return strndup(q, (size_t)(end - q));
		}
	}
	return NULL;
}

/* Percent-decoding as a server does ('+' is a space). */
static void url_decode(const char *s, char *out, size_t n)
{
	size_t k = 0;
	unsigned v;

	for (; *s && k + 1 < n; s++) {
		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1) {
			out[k++] = (char)v;
			s += 2;
		} else {
			out[k++] = *s == '+' ? ' ' : *s;
		}
	}
	out[k] = '\0';
}

/* A note of `n` lines, each `line`, title and link set. */
struct big_note {
	struct note n;
	char **lines;
};

static void big_note_init(struct big_note *b, const char *title,
			  const char *line, size_t n, enum note_tone tone)
{
	memset(b, 0, sizeof(*b));
	b->lines = calloc(n, sizeof(char *));
	assert_non_null(b->lines);
	for (size_t i = 0; i < n; i++) {
		b->lines[i] = strdup(line);
		assert_non_null(b->lines[i]);
	}
	b->n.title = (char *)title;
	b->n.lines = b->lines;
	b->n.n_lines = n;
	b->n.link = (char *)PARKING_LINK;
	b->n.text = (char *)"";
	b->n.tone = tone;
}

static void big_note_free(struct big_note *b)
{
	for (size_t i = 0; i < b->n.n_lines; i++)
		free(b->lines[i]);
	free(b->lines);
}

/* A line of `bytes` bytes or a little less: `lead` ASCII letters, then
 * 3-byte and 4-byte characters in turn, so a cut at any offset would land
 * inside a character sooner or later. */
static char *mixed_line(size_t lead, size_t bytes)
{
	char *s = malloc(bytes + 1);
	size_t k = 0;

	assert_non_null(s);
	for (; k < lead; k++)
		s[k] = 'a';
	for (int i = 0; k + 4 <= bytes; i++) {
		const char *c = i % 2 ? "\xF0\x9F\x9A\xA7" /* U+1F6A7 */
				      : "\xE6\xB3\x8A";   /* 泊 */

		memcpy(s + k, c, strlen(c));
		k += strlen(c);
	}
	s[k] = '\0';
	return s;
}

/* A digest of `n` behind projects. */
struct digest_fixture {
	struct note_digest d;
	struct note_digest_item *items;
	char (*ids)[32];
	char (*titles)[128];
};

static void digest_init(struct digest_fixture *f, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->items = calloc(n ? n : 1, sizeof(*f->items));
	f->ids = calloc(n ? n : 1, sizeof(*f->ids));
	f->titles = calloc(n ? n : 1, sizeof(*f->titles));
	assert_true(f->items && f->ids && f->titles);
	for (size_t i = 0; i < n; i++) {
		snprintf(f->ids[i], sizeof(f->ids[i]), "site-%03zu", i);
		snprintf(f->titles[i], sizeof(f->titles[i]),
			 "上城区老旧小区综合改造提升工程%03zu", i);
		f->items[i] = (struct note_digest_item){
			.id = f->ids[i],
			.title = f->titles[i],
			.unit = "个",
			.status = "behind",
			.current = 10,
			.target = 63,
			.gap = 0.2 + (double)i / 10000,
		};
	}
	f->d = (struct note_digest){
		.at = DING_TS,
		.date = "2022-05-01",
		.n_projects = n + 3,
		.n_on_track = 3,
		.n_behind = n,
		.items = f->items,
		.n_items = n,
	};
}

static void digest_free(struct digest_fixture *f)
{
	free(f->items);
	free(f->ids);
	free(f->titles);
}

/* A summary note of n events with distinct titles. */
static void summary_note(struct note *out, size_t n, const char *long_title)
{
	struct note *ev = calloc(n, sizeof(*ev));
	const struct note **p = calloc(n, sizeof(*p));
	char id[32], title[512];

	assert_true(ev && p);
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "p%03zu", i);
		snprintf(title, sizeof(title), "%s%03zu", long_title, i);
		event_note(&ev[i], "project.behind", id, title, "区建设局",
			   "zh-CN");
		p[i] = &ev[i];
	}
	assert_int_equal(note_summary(out, p, n, "zh-CN", PUBLIC_URL), 0);
	for (size_t i = 0; i < n; i++)
		note_clear(&ev[i]);
	free(ev);
	free(p);
}

struct judge_case {
	long status;
	int curl_code;
	const char *body;
	long retry_after_s;
	enum chan_verdict verdict;
	long pause_s;
	const char *why_has; /* NULL: why must be "" */
	const char *why_has2;
};

static void run_judge_cases(const char *type, const struct judge_case *c,
			    size_t n)
{
	const struct chan_driver *d = driver(type);

	for (size_t i = 0; i < n; i++) {
		struct httpc_response res = {
			.status = c[i].status,
			.curl_code = c[i].curl_code,
			.error = c[i].curl_code ? "Connection refused" : NULL,
			.body = c[i].body,
			.body_len = c[i].body ? strlen(c[i].body) : 0,
			.retry_after_s = c[i].retry_after_s,
		};
		struct chan_judgement j;

		memset(&j, 0x55, sizeof(j));
		d->judge(&res, &j);
		if (j.verdict != c[i].verdict || j.pause_s != c[i].pause_s)
			fail_msg("%s case %zu (%ld %s): verdict %d pause %ld, "
				 "want %d pause %ld (why %s)",
				 type, i, c[i].status,
				 c[i].body ? c[i].body : "", j.verdict,
				 j.pause_s, c[i].verdict, c[i].pause_s,
				 j.why);
		if (!c[i].why_has)
			assert_string_equal(j.why, "");
		else if (!strstr(j.why, c[i].why_has) ||
			 (c[i].why_has2 && !strstr(j.why, c[i].why_has2)))
			fail_msg("%s case %zu: why \"%s\" lacks \"%s\" / "
				 "\"%s\"",
				 type, i, j.why, c[i].why_has,
				 c[i].why_has2 ? c[i].why_has2 : "");
		assert_true(strlen(j.why) < sizeof(j.why));
		assert_true(utf8_valid(j.why));
		assert_null(strchr(j.why, '\n'));
	}
}

/* ---- registry ------------------------------------------------------------ */

static void test_registered_with_defaults(void **state)
{
	const struct chan_driver *d;

	(void)state;
	d = driver("dingtalk");
	assert_int_equal(d->rate_n, 20);
	assert_int_equal(d->rate_period_ms, 60000);
	assert_true(d->digest);
	d = driver("wecom");
	assert_int_equal(d->rate_n, 20);
	assert_int_equal(d->rate_period_ms, 60000);
	assert_true(d->digest);
	d = driver("feishu");
	assert_int_equal(d->rate_n, 5);
	assert_int_equal(d->rate_period_ms, 1000);
	assert_true(d->digest);
}

/* ---- signers ------------------------------------------------------------- */

static void test_dingtalk_sign(void **state)
{
	char sig[FMT_DINGTALK_SIGN_MAX];

	(void)state;
	assert_int_equal(fmt_dingtalk_sign(DING_SECRET, DING_TS, sig,
					   sizeof(sig)),
			 0);
	assert_string_equal(sig, DING_SIGN);
	/* Both inputs are signed. */
	assert_int_equal(fmt_dingtalk_sign(DING_SECRET, DING_TS + 1, sig,
					   sizeof(sig)),
			 0);
	assert_string_not_equal(sig, DING_SIGN);
	assert_int_equal(strlen(sig), strlen(DING_SIGN));
	assert_int_equal(fmt_dingtalk_sign("this is secreT", DING_TS, sig,
					   sizeof(sig)),
			 0);
	assert_string_not_equal(sig, DING_SIGN);
	/* No signature from nothing, nor a partial one. */
	assert_int_equal(fmt_dingtalk_sign("", DING_TS, sig, sizeof(sig)),
			 PACED_EINVAL);
	assert_string_equal(sig, "");
	assert_int_equal(fmt_dingtalk_sign(NULL, DING_TS, sig, sizeof(sig)),
			 PACED_EINVAL);
	assert_int_equal(fmt_dingtalk_sign(DING_SECRET, DING_TS, sig, 44),
			 PACED_ERANGE);
	assert_string_equal(sig, "");
}

static void test_feishu_sign(void **state)
{
	char sig[FMT_FEISHU_SIGN_MAX];

	(void)state;
	assert_int_equal(fmt_feishu_sign(FEISHU_SECRET, FEISHU_TS, sig,
					 sizeof(sig)),
			 0);
	assert_string_equal(sig, FEISHU_SIGN);
	assert_int_equal(fmt_feishu_sign(FEISHU_SECRET, FEISHU_TS + 1, sig,
					 sizeof(sig)),
			 0);
	assert_string_not_equal(sig, FEISHU_SIGN);
	assert_int_equal(fmt_feishu_sign("demO", FEISHU_TS, sig, sizeof(sig)),
			 0);
	assert_string_not_equal(sig, FEISHU_SIGN);
	assert_int_equal(fmt_feishu_sign("", FEISHU_TS, sig, sizeof(sig)),
			 PACED_EINVAL);
	assert_string_equal(sig, "");
	assert_int_equal(fmt_feishu_sign(FEISHU_SECRET, FEISHU_TS, sig, 44),
			 PACED_ERANGE);
	assert_string_equal(sig, "");
}

static void test_dingtalk_urlencode(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{DING_SIGN,
		 "hXZTWifRGHclNuZSKxoXc%2F%2Fsh51SWfVfRIhcdeKs63I%3D"},
		{"a+b/c=", "a%2Bb%2Fc%3D"},
		{"AZaz09-._~", "AZaz09-._~"},
		{"a b&c?d#e%", "a%20b%26c%3Fd%23e%25"},
		{"泊", "%E6%B3%8A"},
		{"", ""},
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++) {
		assert_int_equal(fmt_dingtalk_urlencode(t[i].in, out,
							sizeof(out)),
				 0);
		assert_string_equal(out, t[i].out);
	}
	/* "a%2B" needs 5 bytes with the NUL. */
	assert_int_equal(fmt_dingtalk_urlencode("a+", out, 5), 0);
	assert_string_equal(out, "a%2B");
	assert_int_equal(fmt_dingtalk_urlencode("a+", out, 4), PACED_ERANGE);
	assert_string_equal(out, "");
}

/* ---- DingTalk ------------------------------------------------------------ */

static struct conf_channel ding_ch(void)
{
	return (struct conf_channel){
		.name = (char *)"ding",
		.type = (char *)"dingtalk",
		.url = (char *)DING_URL,
	};
}

static void test_dingtalk_one_signed_with_mentions(void **state)
{
	struct conf_channel ch = ding_ch();
	struct chan_request r;
	struct note n;
	const char *text;
	const char *prev;
	json_t *o, *at;
	char *sign, decoded[128];

	(void)state;
	ch.secret = (char *)DING_SECRET;
	ch.mention_mobiles = mobiles;
	ch.n_mention_mobiles = 2;
	event_note(&n, "project.behind", "parking-2022", "新增公共停车泊位",
		   "区建设局", "zh-CN");
	o = render_ok("dingtalk", &ch, CHAN_ONE, &n, "zh-CN", DING_TS, &r);

	/* The signature of issue 4's vector, URL-encoded, after the
	 * configured query. */
	assert_string_equal(r.url, DING_URL "&timestamp=1599360473000&sign="
				   "hXZTWifRGHclNuZSKxoXc%2F%2Fsh51SWfVfRIhcd"
				   "eKs63I%3D");
	sign = query_param(r.url, "sign");
	assert_non_null(sign);
	assert_null(strpbrk(sign, "+/="));
	url_decode(sign, decoded, sizeof(decoded));
	assert_string_equal(decoded, DING_SIGN);
	free(sign);

	assert_string_equal(str_at(o, "msgtype"), "markdown");
	assert_string_equal(str_at(o, "markdown.title"), n.title);
	text = str_at(o, "markdown.text");
	assert_true(starts_with(text, "### 【落后】新增公共停车泊位\n\n"));
	/* Every line, in order, each on its own line. */
	prev = text;
	for (size_t i = 0; i < n.n_lines; i++) {
		const char *at_line = strstr(prev, n.lines[i]);

		assert_non_null(at_line);
		assert_true(at_line > prev);
		assert_true(at_line[-1] == '\n');
		prev = at_line;
	}
	assert_non_null(strstr(text, "区建设局"));
	assert_non_null(strstr(text, "[查看详情](" PARKING_LINK ")"));
	/* The mentions are visible in the text and listed. */
	assert_non_null(strstr(text, "@13800000000"));
	assert_non_null(strstr(text, "@13900000001"));
	at = json_object_get(o, "at");
	assert_true(json_is_object(at));
	assert_int_equal(json_array_size(json_object_get(at, "atMobiles")), 2);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(at, "atMobiles"), 0)),
			    "13800000000");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(at, "atMobiles"), 1)),
			    "13900000001");
	assert_true(json_is_false(json_object_get(at, "isAtAll")));
	assert_null(strstr(r.body, "0.000000"));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&n);
}

static void test_dingtalk_url_forms(void **state)
{
	static const struct {
		const char *url, *want_prefix, *want_suffix;
	} t[] = {
		{"https://oapi.dingtalk.com/robot/send",
		 "https://oapi.dingtalk.com/robot/send?timestamp=", ""},
		{"http://127.0.0.1:8080/robot/send?",
		 "http://127.0.0.1:8080/robot/send?timestamp=", ""},
		{"http://ding.example.gov.cn/send?access_token=x&",
		 "http://ding.example.gov.cn/send?access_token=x&timestamp=",
		 ""},
		{"http://ding.example.gov.cn/send?access_token=x#frag",
		 "http://ding.example.gov.cn/send?access_token=x&timestamp=",
		 "#frag"},
	};
	struct conf_channel ch = ding_ch();
	struct chan_request r;
	struct note n;
	char err[256];
	json_t *o;

	(void)state;
	event_note(&n, "project.behind", "parking-2022", "新增公共停车泊位",
		   "区建设局", "zh-CN");
	ch.secret = (char *)"SECabc";
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++) {
		size_t ul, sl = strlen(t[i].want_suffix);
		char *ts;

		ch.url = (char *)t[i].url;
		o = render_ok("dingtalk", &ch, CHAN_ONE, &n, "zh-CN", DING_TS,
			      &r);
		assert_true(starts_with(r.url, t[i].want_prefix));
		ul = strlen(r.url);
		assert_true(ul > sl &&
			    strcmp(r.url + ul - sl, t[i].want_suffix) == 0);
		ts = query_param(r.url, "timestamp");
		assert_string_equal(ts, "1599360473000");
		free(ts);
		json_decref(o);
		chan_request_clear(&r);
	}

	/* Without a secret the URL is as configured; with nobody to
	 * mention there is no "at". */
	ch.secret = NULL;
	ch.url = (char *)DING_URL;
	o = render_ok("dingtalk", &ch, CHAN_ONE, &n, "zh-CN", DING_TS, &r);
	assert_string_equal(r.url, DING_URL);
	assert_null(json_object_get(o, "at"));
	assert_null(strchr(str_at(o, "markdown.text"), '@'));
	json_decref(o);
	chan_request_clear(&r);

	/* An empty secret is a configuration error, said so. */
	ch.secret = (char *)"";
	assert_int_equal(render("dingtalk", &ch, CHAN_ONE, &n, 1, "zh-CN",
				DING_TS, &r, err, sizeof(err)),
			 PACED_EINVAL);
	assert_non_null(strstr(err, "secret"));
	chan_request_clear(&r);
	note_clear(&n);
}

static void test_dingtalk_mention_all_en(void **state)
{
	struct conf_channel ch = ding_ch();
	struct chan_request r;
	struct note n;
	json_t *o, *at;

	(void)state;
	ch.mention_all = true;
	event_note(&n, "project.recovered", "parking-2022",
		   "New public parking spaces", "District works", "en");
	o = render_ok("dingtalk", &ch, CHAN_ONE, &n, "en", DING_TS, &r);
	at = json_object_get(o, "at");
	assert_true(json_is_true(json_object_get(at, "isAtAll")));
	assert_int_equal(json_array_size(json_object_get(at, "atMobiles")), 0);
	assert_true(starts_with(str_at(o, "markdown.text"), "### [Recovered]"));
	assert_non_null(strstr(str_at(o, "markdown.text"),
			       "[View details](" PARKING_LINK ")"));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&n);
}

static void test_dingtalk_summary_and_digest(void **state)
{
	struct conf_channel ch = ding_ch();
	struct digest_fixture f;
	struct chan_request r;
	struct note sum, dig;
	char err[256], want[128];
	const char *text;
	json_t *o;

	(void)state;
	ch.mention_mobiles = mobiles;
	ch.n_mention_mobiles = 1;
	summary_note(&sum, 5, "拆违点位");
	o = render_ok("dingtalk", &ch, CHAN_SUMMARY, &sum, "zh-CN", DING_TS,
		      &r);
	assert_string_equal(str_at(o, "markdown.title"), "【汇总】5 条项目动态");
	text = str_at(o, "markdown.text");
	for (int i = 0; i < 5; i++) {
		snprintf(want, sizeof(want), "拆违点位%03d", i);
		assert_non_null(strstr(text, want));
	}
	assert_non_null(strstr(text, "@13800000000"));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&sum);

	/* A summary too long is not shortened (its lines are events): the
	 * caller is told to merge fewer. */
	summary_note(&sum, 300, "上城区老旧小区综合改造提升工程上城区老旧小区");
	assert_int_equal(render("dingtalk", &ch, CHAN_SUMMARY, &sum,
				sum.n_lines, "zh-CN", DING_TS, &r, err,
				sizeof(err)),
			 PACED_E2BIG);
	chan_request_clear(&r);
	note_clear(&sum);

	digest_init(&f, 4);
	assert_int_equal(note_digest(&dig, &f.d, "zh-CN", PUBLIC_URL), 0);
	o = render_ok("dingtalk", &ch, CHAN_DIGEST, &dig, "zh-CN", DING_TS,
		      &r);
	assert_string_equal(str_at(o, "markdown.title"), dig.title);
	text = str_at(o, "markdown.text");
	for (size_t i = 0; i < dig.n_lines; i++)
		assert_non_null(strstr(text, dig.lines[i]));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&dig);
	digest_free(&f);
}

/* Checks a shortened DingTalk message: within the limit, close to it,
 * title, link and mentions kept, the first line whole, said shortened. */
static void check_ding_short(const struct chan_request *r, json_t *o,
			     const struct note *n)
{
	const char *text = str_at(o, "markdown.text");
	char link[256];

	snprintf(link, sizeof(link), "[查看详情](%s)", n->link);
	assert_true(r->len <= DING_LIMIT);
	assert_true(r->len >= DING_LIMIT - 1000);
	assert_true(utf8_valid(text));
	assert_string_equal(str_at(o, "markdown.title"), n->title);
	assert_true(starts_with(text, "### "));
	assert_non_null(strstr(text, n->title));
	assert_non_null(strstr(text, link));
	assert_non_null(strstr(text, "@13800000000"));
	assert_non_null(strstr(text, "@13900000001"));
	assert_non_null(strstr(text, "已省略"));
}

static void test_dingtalk_size_limit(void **state)
{
	struct conf_channel ch = ding_ch();
	struct digest_fixture f;
	struct chan_request r;
	struct big_note b;
	struct note dig;
	char err[256], *title;
	json_t *o;

	(void)state;
	ch.secret = (char *)DING_SECRET;
	ch.mention_mobiles = mobiles;
	ch.n_mention_mobiles = 2;

	/* Many lines: the last ones go. */
	big_note_init(&b, "【落后】新增公共停车泊位",
		      "按计划此时应达 291.67 个（83.33%），落后 49.05 个百分点",
		      2000, NOTE_BAD);
	o = render_ok("dingtalk", &ch, CHAN_ONE, &b.n, "zh-CN", DING_TS, &r);
	check_ding_short(&r, o, &b.n);
	assert_non_null(strstr(str_at(o, "markdown.text"), b.lines[0]));
	json_decref(o);
	chan_request_clear(&r);
	big_note_free(&b);

	/* One line too long: it is cut, on a character boundary wherever
	 * the limit falls. */
	for (size_t lead = 0; lead < 4; lead++) {
		char *line = mixed_line(lead, 40000);

		big_note_init(&b, "【逾期】新增公共停车泊位", line, 1, NOTE_BAD);
		o = render_ok("dingtalk", &ch, CHAN_ONE, &b.n, "zh-CN",
			      DING_TS, &r);
		check_ding_short(&r, o, &b.n);
		assert_non_null(strstr(str_at(o, "markdown.text"), "…"));
		json_decref(o);
		chan_request_clear(&r);
		big_note_free(&b);
		free(line);
	}

	/* A digest of many projects is shortened the same way. */
	digest_init(&f, 400);
	assert_int_equal(note_digest(&dig, &f.d, "zh-CN", PUBLIC_URL), 0);
	o = render_ok("dingtalk", &ch, CHAN_DIGEST, &dig, "zh-CN", DING_TS,
		      &r);
	check_ding_short(&r, o, &dig);
	assert_non_null(strstr(str_at(o, "markdown.text"), dig.lines[0]));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&dig);
	digest_free(&f);

	/* Only when not even the title fits is it too big. */
	title = mixed_line(0, 30000);
	big_note_init(&b, title, "x", 1, NOTE_BAD);
	assert_int_equal(render("dingtalk", &ch, CHAN_ONE, &b.n, 1, "zh-CN",
				DING_TS, &r, err, sizeof(err)),
			 PACED_E2BIG);
	chan_request_clear(&r);
	big_note_free(&b);
	free(title);
}

static void test_dingtalk_judge(void **state)
{
	static const struct judge_case c[] = {
		{200, 0, "{\"errcode\":0,\"errmsg\":\"ok\"}", -1, CHAN_SENT, -1,
		 NULL, NULL},
		{200, 0,
		 "{\"errcode\":130101,\"errmsg\":\"send too fast, exceed 20 "
		 "times per minute\"}",
		 -1, CHAN_RETRY, 600, "dingtalk errcode 130101",
		 "send too fast"},
		{200, 0, "{\"errcode\":310000,\"errmsg\":\"sign not match\"}",
		 -1, CHAN_DEAD, -1, "310000", "configuration error"},
		{200, 0,
		 "{\"errcode\":310000,\"errmsg\":\"keywords not in content\"}",
		 -1, CHAN_DEAD, -1, "configuration error",
		 "keywords not in content"},
		{200, 0,
		 "{\"errcode\":300001,\"errmsg\":\"token is not exist\"}", -1,
		 CHAN_DEAD, -1, "dingtalk errcode 300001: token is not exist",
		 NULL},
		{200, 0,
		 "{\"errcode\":460101,\"errmsg\":\"message too long, exceed "
		 "20000 bytes\"}",
		 -1, CHAN_DEAD, -1, "460101", NULL},
		/* 2xx without DingTalk's errcode is no proof. */
		{200, 0, "<html>portal</html>", -1, CHAN_RETRY, -1, "HTTP 200",
		 "errcode"},
		{200, 0, "{\"ok\":true}", -1, CHAN_RETRY, -1, "HTTP 200", NULL},
		{200, 0, "{\"errcode\":\"0\"}", -1, CHAN_RETRY, -1, "HTTP 200",
		 NULL},
		{200, 0, NULL, -1, CHAN_RETRY, -1, "HTTP 200", NULL},
		{204, 0, NULL, -1, CHAN_RETRY, -1, "HTTP 204", NULL},
		/* The HTTP verdict first. */
		{503, 0, NULL, -1, CHAN_RETRY, -1, "HTTP 503", NULL},
		{503, 0, NULL, 30, CHAN_RETRY, 30, "HTTP 503", NULL},
		{429, 0, NULL, 10, CHAN_RETRY, 10, "HTTP 429", NULL},
		{500, 0, "{\"errcode\":-1,\"errmsg\":\"系统繁忙\"}", -1,
		 CHAN_RETRY, -1, "HTTP 500", "errcode -1: 系统繁忙"},
		{404, 0, "not found", -1, CHAN_DEAD, -1, "HTTP 404", NULL},
		{0, 7, NULL, -1, CHAN_RETRY, -1, "Connection refused", NULL},
		/* An errmsg with a line break, as one log line. */
		{200, 0, "{\"errcode\":400,\"errmsg\":\"bad\\nrequest\"}", -1,
		 CHAN_DEAD, -1, "bad request", NULL},
	};

	(void)state;
	run_judge_cases("dingtalk", c, PACED_ARRAY_LEN(c));
}

/* A long errmsg is cut to fit, on a character boundary. */
static void test_judge_long_errmsg(void **state)
{
	static const char *const types[] = {"dingtalk", "wecom", "feishu"};
	static const char *const fmt[] = {
		"{\"errcode\":310000,\"errmsg\":\"%s\"}",
		"{\"errcode\":93000,\"errmsg\":\"%s\"}",
		"{\"code\":19021,\"msg\":\"%s\",\"data\":{}}",
	};

	(void)state;
	for (size_t t = 0; t < PACED_ARRAY_LEN(types); t++) {
		for (size_t lead = 0; lead < 4; lead++) {
			char *msg = mixed_line(lead, 900), *body;
			struct httpc_response res = {.status = 200,
						     .retry_after_s = -1};
			struct chan_judgement j;

			assert_true(asprintf(&body, fmt[t], msg) > 0);
			res.body = body;
			res.body_len = strlen(body);
			driver(types[t])->judge(&res, &j);
			assert_int_equal(j.verdict, CHAN_DEAD);
			assert_true(strlen(j.why) > 100);
			assert_true(utf8_valid(j.why));
			free(body);
			free(msg);
		}
	}
}

/* ---- WeCom --------------------------------------------------------------- */

static struct conf_channel wecom_ch(void)
{
	return (struct conf_channel){
		.name = (char *)"wx",
		.type = (char *)"wecom",
		.url = (char *)WECOM_URL,
	};
}

static void test_wecom_one(void **state)
{
	static const struct {
		const char *type, *colour;
	} t[] = {
		{"project.behind", "warning"},  {"project.overdue", "warning"},
		{"project.at_risk", "warning"}, {"project.recovered", "info"},
		{"project.done", "info"},       {"project.resumed", "comment"},
	};
	struct conf_channel ch = wecom_ch();
	struct chan_request r;
	struct note n;
	const char *content;
	char want[256];
	json_t *o;

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++) {
		event_note(&n, t[i].type, "parking-2022", "新增公共停车泊位",
			   "区建设局", "zh-CN");
		o = render_ok("wecom", &ch, CHAN_ONE, &n, "zh-CN", DING_TS,
			      &r);
		assert_string_equal(r.url, WECOM_URL);
		assert_string_equal(str_at(o, "msgtype"), "markdown");
		content = str_at(o, "markdown.content");
		snprintf(want, sizeof(want),
			 "### <font color=\"%s\">%s</font>\n", t[i].colour,
			 n.title);
		if (!starts_with(content, want))
			fail_msg("%s: %s", t[i].type, content);
		for (size_t k = 0; k < n.n_lines; k++) {
			snprintf(want, sizeof(want), "\n%s\n", n.lines[k]);
			assert_non_null(strstr(content, want));
		}
		assert_non_null(strstr(content, "\n[查看详情](" PARKING_LINK
						")"));
		assert_true(strlen(content) <= WECOM_LIMIT);
		json_decref(o);
		chan_request_clear(&r);
		note_clear(&n);
	}
}

static void test_wecom_summary_digest_and_limit(void **state)
{
	struct conf_channel ch = wecom_ch();
	struct digest_fixture f;
	struct chan_request r;
	struct note sum, dig;
	struct big_note b;
	const char *content;
	char err[256], want[128];
	json_t *o;

	(void)state;
	summary_note(&sum, 8, "老旧小区");
	o = render_ok("wecom", &ch, CHAN_SUMMARY, &sum, "zh-CN", DING_TS, &r);
	content = str_at(o, "markdown.content");
	assert_non_null(strstr(content, "【汇总】8 条项目动态"));
	for (int i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), "老旧小区%03d", i);
		assert_non_null(strstr(content, want));
	}
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&sum);

	/* 60 long titles do not fit in 4096 bytes: merge fewer. */
	summary_note(&sum, 60, "上城区老旧小区综合改造提升工程上城区老旧小区");
	assert_int_equal(render("wecom", &ch, CHAN_SUMMARY, &sum, 60, "zh-CN",
				DING_TS, &r, err, sizeof(err)),
			 PACED_E2BIG);
	chan_request_clear(&r);
	note_clear(&sum);

	/* A digest of many projects, and one event with a line far too
	 * long, are shortened within 4096 bytes of content. */
	digest_init(&f, 200);
	assert_int_equal(note_digest(&dig, &f.d, "zh-CN", PUBLIC_URL), 0);
	o = render_ok("wecom", &ch, CHAN_DIGEST, &dig, "zh-CN", DING_TS, &r);
	content = str_at(o, "markdown.content");
	assert_true(strlen(content) <= WECOM_LIMIT);
	assert_true(strlen(content) >= WECOM_LIMIT - 200);
	assert_non_null(strstr(content, dig.title));
	assert_non_null(strstr(content, dig.lines[0]));
	assert_non_null(strstr(content, "已省略"));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&dig);
	digest_free(&f);

	for (size_t lead = 0; lead < 4; lead++) {
		char *line = mixed_line(lead, 9000);

		big_note_init(&b, "【落后】新增公共停车泊位", line, 3, NOTE_BAD);
		o = render_ok("wecom", &ch, CHAN_ONE, &b.n, "zh-CN", DING_TS,
			      &r);
		content = str_at(o, "markdown.content");
		assert_true(strlen(content) <= WECOM_LIMIT);
		assert_true(strlen(content) >= WECOM_LIMIT - 8);
		assert_true(utf8_valid(content));
		assert_true(starts_with(content, "### <font color=\"warning\">"
						 "【落后】新增公共停车泊位"
						 "</font>\n"));
		assert_non_null(strstr(content, "…"));
		assert_non_null(strstr(content, "[查看详情](" PARKING_LINK
						")"));
		json_decref(o);
		chan_request_clear(&r);
		big_note_free(&b);
		free(line);
	}

	/* English, for an English channel. */
	b = (struct big_note){0};
	big_note_init(&b, "[Behind] Parking", "a line", 1, NOTE_BAD);
	o = render_ok("wecom", &ch, CHAN_ONE, &b.n, "en", DING_TS, &r);
	assert_non_null(strstr(str_at(o, "markdown.content"),
			       "[View details](" PARKING_LINK ")"));
	json_decref(o);
	chan_request_clear(&r);
	big_note_free(&b);
}

static void test_wecom_judge(void **state)
{
	static const struct judge_case c[] = {
		{200, 0, "{\"errcode\":0,\"errmsg\":\"ok\"}", -1, CHAN_SENT, -1,
		 NULL, NULL},
		{200, 0,
		 "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}", -1,
		 CHAN_RETRY, 60, "wecom errcode 45009", "api freq"},
		{200, 0,
		 "{\"errcode\":93000,\"errmsg\":\"invalid webhook url\"}", -1,
		 CHAN_DEAD, -1, "93000", "configuration error"},
		{200, 0,
		 "{\"errcode\":40058,\"errmsg\":\"markdown.content exceed max "
		 "length 4096\"}",
		 -1, CHAN_DEAD, -1, "wecom errcode 40058: markdown.content",
		 NULL},
		{200, 0, "ok", -1, CHAN_RETRY, -1, "HTTP 200", "errcode"},
		{200, 0, "{}", -1, CHAN_RETRY, -1, "HTTP 200", NULL},
		{502, 0, "<html>bad gateway</html>", -1, CHAN_RETRY, -1,
		 "HTTP 502", NULL},
		{429, 0, NULL, 20, CHAN_RETRY, 20, "HTTP 429", NULL},
		{403, 0, "{\"errcode\":60020,\"errmsg\":\"not allow\"}", -1,
		 CHAN_DEAD, -1, "HTTP 403", "60020"},
		{0, 28, NULL, -1, CHAN_RETRY, -1, "Connection refused", NULL},
	};

	(void)state;
	run_judge_cases("wecom", c, PACED_ARRAY_LEN(c));
}

/* ---- Feishu -------------------------------------------------------------- */

static struct conf_channel feishu_ch(void)
{
	return (struct conf_channel){
		.name = (char *)"fei",
		.type = (char *)"feishu",
		.url = (char *)FEISHU_URL,
	};
}

static const char *feishu_content(const json_t *o)
{
	const json_t *els = json_object_get(json_object_get(o, "card"),
					    "elements");
	const json_t *div = json_array_get(els, 0);

	assert_int_equal(json_array_size(els), 1);
	assert_string_equal(str_at(div, "tag"), "div");
	assert_string_equal(str_at(div, "text.tag"), "lark_md");
	return str_at(div, "text.content");
}

static void test_feishu_one_signed(void **state)
{
	static const struct {
		const char *type, *template;
	} t[] = {
		{"project.behind", "red"},     {"project.overdue", "red"},
		{"project.at_risk", "orange"}, {"project.recovered", "green"},
		{"project.done", "green"},     {"project.resumed", "blue"},
	};
	struct conf_channel ch = feishu_ch();
	struct chan_request r;
	struct note n;
	const char *content;
	json_t *o, *card;

	(void)state;
	ch.secret = (char *)FEISHU_SECRET;
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++) {
		event_note(&n, t[i].type, "parking-2022", "新增公共停车泊位",
			   "区建设局", "zh-CN");
		o = render_ok("feishu", &ch, CHAN_ONE, &n, "zh-CN",
			      FEISHU_TS * 1000 + 999, &r);
		assert_string_equal(r.url, FEISHU_URL);
		assert_string_equal(str_at(o, "msg_type"), "interactive");
		/* Issue 4's vector: seconds, as a string. */
		assert_string_equal(str_at(o, "timestamp"), "1599360473");
		assert_string_equal(str_at(o, "sign"), FEISHU_SIGN);
		card = json_object_get(o, "card");
		assert_string_equal(str_at(card, "header.title.tag"),
				    "plain_text");
		assert_string_equal(str_at(card, "header.title.content"),
				    n.title);
		assert_string_equal(str_at(card, "header.template"),
				    t[i].template);
		content = feishu_content(o);
		for (size_t k = 0; k < n.n_lines; k++)
			assert_non_null(strstr(content, n.lines[k]));
		assert_non_null(strstr(content, "[查看详情](" PARKING_LINK
						")"));
		assert_true(r.len <= FEISHU_LIMIT);
		json_decref(o);
		chan_request_clear(&r);
		note_clear(&n);
	}
}

static void test_feishu_unsigned_escaped_en(void **state)
{
	struct conf_channel ch = feishu_ch();
	struct chan_request r;
	struct note n;
	const char *content;
	char err[256];
	json_t *o;

	(void)state;
	/* A department name cannot @ everybody or open a tag. */
	event_note(&n, "project.behind", "parking-2022", "Parking <b>",
		   "<at id=all></at> R&D", "en");
	o = render_ok("feishu", &ch, CHAN_ONE, &n, "en", DING_TS, &r);
	assert_null(json_object_get(o, "timestamp"));
	assert_null(json_object_get(o, "sign"));
	/* The header is plain text: as it is. */
	assert_string_equal(str_at(o, "card.header.title.content"),
			    "[Behind] Parking <b>");
	content = feishu_content(o);
	assert_null(strchr(content, '<'));
	assert_non_null(
		strstr(content, "&lt;at id=all&gt;&lt;/at&gt; R&amp;D"));
	assert_non_null(strstr(content, "[View details](" PARKING_LINK ")"));
	json_decref(o);
	chan_request_clear(&r);

	ch.secret = (char *)"";
	assert_int_equal(render("feishu", &ch, CHAN_ONE, &n, 1, "en", DING_TS,
				&r, err, sizeof(err)),
			 PACED_EINVAL);
	assert_non_null(strstr(err, "secret"));
	chan_request_clear(&r);
	note_clear(&n);
}

static void test_feishu_summary_digest_and_limit(void **state)
{
	struct conf_channel ch = feishu_ch();
	struct digest_fixture f;
	struct chan_request r;
	struct note sum, dig;
	struct big_note b;
	const char *content;
	char err[256], want[128];
	json_t *o;

	(void)state;
	ch.secret = (char *)FEISHU_SECRET;
	summary_note(&sum, 6, "拆违点位");
	o = render_ok("feishu", &ch, CHAN_SUMMARY, &sum, "zh-CN", DING_TS,
		      &r);
	assert_string_equal(str_at(o, "card.header.title.content"),
			    "【汇总】6 条项目动态");
	content = feishu_content(o);
	for (int i = 0; i < 6; i++) {
		snprintf(want, sizeof(want), "拆违点位%03d", i);
		assert_non_null(strstr(content, want));
	}
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&sum);

	summary_note(&sum, 300, "上城区老旧小区综合改造提升工程上城区老旧小区");
	assert_int_equal(render("feishu", &ch, CHAN_SUMMARY, &sum, 300,
				"zh-CN", DING_TS, &r, err, sizeof(err)),
			 PACED_E2BIG);
	chan_request_clear(&r);
	note_clear(&sum);

	digest_init(&f, 400);
	assert_int_equal(note_digest(&dig, &f.d, "zh-CN", PUBLIC_URL), 0);
	o = render_ok("feishu", &ch, CHAN_DIGEST, &dig, "zh-CN", DING_TS, &r);
	assert_true(r.len <= FEISHU_LIMIT);
	assert_true(r.len >= FEISHU_LIMIT - 1000);
	assert_string_equal(str_at(o, "card.header.title.content"), dig.title);
	assert_string_equal(str_at(o, "card.header.template"), "red");
	assert_non_null(strstr(feishu_content(o), dig.lines[0]));
	assert_non_null(strstr(feishu_content(o), "已省略"));
	/* Still signed. */
	assert_non_null(json_object_get(o, "sign"));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&dig);
	digest_free(&f);

	/* Escaping is counted: a line of '<' grows fourfold. */
	for (size_t lead = 0; lead < 4; lead++) {
		char *line = mixed_line(lead, 30000);

		/* The ASCII lead as '<', which lark_md gets as "&lt;". */
		memset(line, '<', lead);
		big_note_init(&b, "【逾期】新增公共停车泊位", line, 2, NOTE_BAD);
		o = render_ok("feishu", &ch, CHAN_ONE, &b.n, "zh-CN", DING_TS,
			      &r);
		content = feishu_content(o);
		assert_true(r.len <= FEISHU_LIMIT);
		assert_true(r.len >= FEISHU_LIMIT - 8);
		assert_true(utf8_valid(content));
		assert_non_null(strstr(content, "…"));
		assert_non_null(strstr(content, "[查看详情](" PARKING_LINK
						")"));
		json_decref(o);
		chan_request_clear(&r);
		big_note_free(&b);
		free(line);
	}
	b = (struct big_note){0};
	big_note_init(&b, "【逾期】新增公共停车泊位", "<<<<<<<<", 5000,
		      NOTE_BAD);
	o = render_ok("feishu", &ch, CHAN_ONE, &b.n, "zh-CN", DING_TS, &r);
	assert_true(r.len <= FEISHU_LIMIT);
	assert_null(strchr(feishu_content(o), '<'));
	json_decref(o);
	chan_request_clear(&r);
	big_note_free(&b);
}

static void test_feishu_judge(void **state)
{
	static const struct judge_case c[] = {
		{200, 0, "{\"code\":0,\"msg\":\"success\",\"data\":{}}", -1,
		 CHAN_SENT, -1, NULL, NULL},
		/* Older deployments. */
		{200, 0,
		 "{\"Extra\":null,\"StatusCode\":0,\"StatusMessage\":"
		 "\"success\"}",
		 -1, CHAN_SENT, -1, NULL, NULL},
		{200, 0,
		 "{\"code\":11232,\"msg\":\"frequency limited\",\"data\":{}}",
		 -1, CHAN_RETRY, 60, "feishu code 11232", "frequency limited"},
		{200, 0,
		 "{\"code\":19021,\"msg\":\"sign match fail or timestamp is "
		 "not within one hour from current time\",\"data\":{}}",
		 -1, CHAN_DEAD, -1, "19021", "configuration error"},
		{200, 0, "{\"StatusCode\":19021,\"StatusMessage\":\"sign "
			 "match fail\"}",
		 -1, CHAN_DEAD, -1, "feishu code 19021", "sign match fail"},
		{200, 0, "{\"code\":19022,\"msg\":\"Ip Not Allowed\"}", -1,
		 CHAN_DEAD, -1, "19022", "configuration error"},
		{200, 0, "{\"code\":19024,\"msg\":\"Key Words Not Found\"}", -1,
		 CHAN_DEAD, -1, "19024", "configuration error"},
		{200, 0, "{\"code\":9499,\"msg\":\"Bad Request\",\"data\":{}}",
		 -1, CHAN_DEAD, -1, "feishu code 9499: Bad Request", NULL},
		{200, 0, "<html></html>", -1, CHAN_RETRY, -1, "HTTP 200",
		 "code"},
		{200, 0, "[0]", -1, CHAN_RETRY, -1, "HTTP 200", NULL},
		{500, 0, NULL, -1, CHAN_RETRY, -1, "HTTP 500", NULL},
		{400, 0, "{\"code\":9499,\"msg\":\"Bad Request\"}", -1,
		 CHAN_DEAD, -1, "HTTP 400", "9499"},
		{0, 6, NULL, -1, CHAN_RETRY, -1, "Connection refused", NULL},
	};

	(void)state;
	run_judge_cases("feishu", c, PACED_ARRAY_LEN(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered_with_defaults),
		cmocka_unit_test(test_dingtalk_sign),
		cmocka_unit_test(test_feishu_sign),
		cmocka_unit_test(test_dingtalk_urlencode),
		cmocka_unit_test(test_dingtalk_one_signed_with_mentions),
		cmocka_unit_test(test_dingtalk_url_forms),
		cmocka_unit_test(test_dingtalk_mention_all_en),
		cmocka_unit_test(test_dingtalk_summary_and_digest),
		cmocka_unit_test(test_dingtalk_size_limit),
		cmocka_unit_test(test_dingtalk_judge),
		cmocka_unit_test(test_judge_long_errmsg),
		cmocka_unit_test(test_wecom_one),
		cmocka_unit_test(test_wecom_summary_digest_and_limit),
		cmocka_unit_test(test_wecom_judge),
		cmocka_unit_test(test_feishu_one_signed),
		cmocka_unit_test(test_feishu_unsigned_escaped_en),
		cmocka_unit_test(test_feishu_summary_digest_and_limit),
		cmocka_unit_test(test_feishu_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
