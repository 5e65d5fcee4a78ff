/*
 * test_fmt_dingtalk.c - the DingTalk channel driver: the signer and its
 * URL encoding against the vectors of issue 4 (computed from DingTalk's
 * documented algorithm), the request for one event, a summary and the
 * digest (parsed back and checked field by field), the 20 000-byte limit
 * with notes far too long (never a character cut in half), and the judge
 * on DingTalk's own answers.
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

#include "fmt_dingtalk.h"
#include "fmt_testutil.h"

/* Issue 4's vector. */
#define DING_SECRET "this is secret"
#define DING_TS 1599360473000LL
#define DING_SIGN "hXZTWifRGHclNuZSKxoXc//sh51SWfVfRIhcdeKs63I="

#define DING_URL "https://oapi.dingtalk.com/robot/send?access_token=6a8c1f"
/* DingTalk's limit on a message, as documented. */
#define DING_LIMIT 20000

static char *mobiles[] = {(char *)"13800000000", (char *)"13900000001"};

static struct conf_channel ding_ch(void)
{
	return (struct conf_channel){
		.name = (char *)"ding",
		.type = (char *)"dingtalk",
		.url = (char *)DING_URL,
	};
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

static void test_dingtalk_registered(void **state)
{
	(void)state;
	ftu_check_driver("dingtalk", 20, 60000, true);
}

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
	ftu_event_note(&n, "project.behind", "新增公共停车泊位", "区建设局",
		       "zh-CN");
	o = ftu_render_json(&ch, CHAN_ONE, &n, "zh-CN", DING_TS, &r);

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

	assert_string_equal(ftu_str(o, "msgtype"), "markdown");
	assert_string_equal(ftu_str(o, "markdown.title"), n.title);
	text = ftu_str(o, "markdown.text");
	assert_true(ftu_starts_with(text, "### 【落后】新增公共停车泊位\n\n"));
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
	assert_non_null(strstr(text, "[查看详情](" FTU_LINK ")"));
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
	ftu_event_note(&n, "project.behind", "新增公共停车泊位", "区建设局",
		       "zh-CN");
	ch.secret = (char *)"SECabc";
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++) {
		size_t ul, sl = strlen(t[i].want_suffix);
		char *ts;

		ch.url = (char *)t[i].url;
		o = ftu_render_json(&ch, CHAN_ONE, &n, "zh-CN", DING_TS, &r);
		assert_true(ftu_starts_with(r.url, t[i].want_prefix));
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
	o = ftu_render_json(&ch, CHAN_ONE, &n, "zh-CN", DING_TS, &r);
	assert_string_equal(r.url, DING_URL);
	assert_null(json_object_get(o, "at"));
	assert_null(strchr(ftu_str(o, "markdown.text"), '@'));
	json_decref(o);
	chan_request_clear(&r);

	/* An empty secret is a configuration error, said so. */
	ch.secret = (char *)"";
	assert_int_equal(ftu_render(&ch, CHAN_ONE, &n, "zh-CN", DING_TS, &r,
				    err, sizeof(err)),
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
	ftu_event_note(&n, "project.recovered", "New public parking spaces",
		       "District works", "en");
	o = ftu_render_json(&ch, CHAN_ONE, &n, "en", DING_TS, &r);
	at = json_object_get(o, "at");
	assert_true(json_is_true(json_object_get(at, "isAtAll")));
	assert_int_equal(json_array_size(json_object_get(at, "atMobiles")), 0);
	assert_true(ftu_starts_with(ftu_str(o, "markdown.text"),
				    "### [Recovered]"));
	assert_non_null(strstr(ftu_str(o, "markdown.text"),
			       "[View details](" FTU_LINK ")"));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&n);
}

static void test_dingtalk_summary_and_digest(void **state)
{
	struct conf_channel ch = ding_ch();
	struct chan_request r;
	struct note sum, dig;
	const char *text;
	json_t *o;

	(void)state;
	ch.mention_mobiles = mobiles;
	ch.n_mention_mobiles = 1;
	ftu_summary_note(&sum, 5, "拆违点位", 0);
	o = ftu_render_json(&ch, CHAN_SUMMARY, &sum, "zh-CN", DING_TS, &r);
	assert_string_equal(ftu_str(o, "markdown.title"),
			    "【汇总】5 条项目动态");
	text = ftu_str(o, "markdown.text");
	ftu_check_summary_titles(text, 5, "拆违点位", 0);
	assert_non_null(strstr(text, "@13800000000"));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&sum);

	/* A summary too long is not shortened (its lines are events): the
	 * caller is told to merge fewer. */
	ftu_summary_note(&sum, 300, FTU_LONG_TITLE, 0);
	ftu_check_too_big(&ch, CHAN_SUMMARY, &sum, "zh-CN", DING_TS);
	note_clear(&sum);

	ftu_digest_behind(&dig, 4);
	o = ftu_render_json(&ch, CHAN_DIGEST, &dig, "zh-CN", DING_TS, &r);
	assert_string_equal(ftu_str(o, "markdown.title"), dig.title);
	text = ftu_str(o, "markdown.text");
	for (size_t i = 0; i < dig.n_lines; i++)
		assert_non_null(strstr(text, dig.lines[i]));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&dig);
}

/* Checks a shortened DingTalk message: within the limit, close to it,
 * title, link and mentions kept, the first line whole, said shortened. */
static void check_ding_short(const struct chan_request *r, json_t *o,
			     const struct note *n)
{
	const char *text = ftu_str(o, "markdown.text");
	char link[256];

	snprintf(link, sizeof(link), "[查看详情](%s)", n->link);
	assert_true(r->len <= DING_LIMIT);
	assert_true(r->len >= DING_LIMIT - 1000);
	assert_true(ftu_utf8_valid(text, strlen(text)));
	assert_string_equal(ftu_str(o, "markdown.title"), n->title);
	assert_true(ftu_starts_with(text, "### "));
	assert_non_null(strstr(text, n->title));
	assert_non_null(strstr(text, link));
	assert_non_null(strstr(text, "@13800000000"));
	assert_non_null(strstr(text, "@13900000001"));
	assert_non_null(strstr(text, "已省略"));
}

static void test_dingtalk_size_limit(void **state)
{
	struct conf_channel ch = ding_ch();
	struct chan_request r;
	struct ftu_note b;
	struct note dig;
	char *title;
	json_t *o;

	(void)state;
	ch.secret = (char *)DING_SECRET;
	ch.mention_mobiles = mobiles;
	ch.n_mention_mobiles = 2;

	/* Many lines: the last ones go. */
	ftu_note_repeat(&b, "【落后】新增公共停车泊位",
			"按计划此时应达 291.67 个（83.33%），落后 49.05 个百分点",
			2000, NOTE_BAD);
	o = ftu_render_json(&ch, CHAN_ONE, &b.n, "zh-CN", DING_TS, &r);
	check_ding_short(&r, o, &b.n);
	assert_non_null(strstr(ftu_str(o, "markdown.text"), b.lines[0]));
	json_decref(o);
	chan_request_clear(&r);
	ftu_note_free(&b);

	/* One line too long: it is cut, on a character boundary wherever
	 * the limit falls. */
	for (size_t lead = 0; lead < 4; lead++) {
		char *line = ftu_mixed_line(lead, 40000);

		ftu_note_repeat(&b, "【逾期】新增公共停车泊位", line, 1,
				NOTE_BAD);
		o = ftu_render_json(&ch, CHAN_ONE, &b.n, "zh-CN", DING_TS, &r);
		check_ding_short(&r, o, &b.n);
		assert_non_null(strstr(ftu_str(o, "markdown.text"), "…"));
		json_decref(o);
		chan_request_clear(&r);
		ftu_note_free(&b);
		free(line);
	}

	/* A digest of many projects is shortened the same way. */
	ftu_digest_behind(&dig, 400);
	o = ftu_render_json(&ch, CHAN_DIGEST, &dig, "zh-CN", DING_TS, &r);
	check_ding_short(&r, o, &dig);
	assert_non_null(strstr(ftu_str(o, "markdown.text"), dig.lines[0]));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&dig);

	/* Only when not even the title fits is it too big. */
	title = ftu_mixed_line(0, 30000);
	ftu_note_repeat(&b, title, "x", 1, NOTE_BAD);
	ftu_check_too_big(&ch, CHAN_ONE, &b.n, "zh-CN", DING_TS);
	ftu_note_free(&b);
	free(title);
}

static void test_dingtalk_judge(void **state)
{
	static const struct ftu_judge_case c[] = {
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
	ftu_run_judge_cases("dingtalk", "Connection refused", c,
			    PACED_ARRAY_LEN(c));
}

/* A long errmsg is cut to fit, on a character boundary. */
static void test_dingtalk_judge_long_errmsg(void **state)
{
	(void)state;
	ftu_check_long_why("dingtalk",
			   "{\"errcode\":310000,\"errmsg\":\"%s\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dingtalk_registered),
		cmocka_unit_test(test_dingtalk_sign),
		cmocka_unit_test(test_dingtalk_urlencode),
		cmocka_unit_test(test_dingtalk_one_signed_with_mentions),
		cmocka_unit_test(test_dingtalk_url_forms),
		cmocka_unit_test(test_dingtalk_mention_all_en),
		cmocka_unit_test(test_dingtalk_summary_and_digest),
		cmocka_unit_test(test_dingtalk_size_limit),
		cmocka_unit_test(test_dingtalk_judge),
		cmocka_unit_test(test_dingtalk_judge_long_errmsg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
