/*
 * test_fmt_wecom.c - the WeCom channel driver: the markdown request for
 * each kind of event, a summary and the digest (parsed back and checked
 * field by field), the 4096-byte limit on the content with notes far too
 * long (never a character cut in half), and the judge on WeCom's own
 * answers.
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

#include "fmt_testutil.h"

#define WECOM_URL "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a"
/* WeCom's limit on markdown.content, as documented. */
#define WECOM_LIMIT 4096

static const struct conf_channel ch = {
	.name = (char *)"wx",
	.type = (char *)"wecom",
	.url = (char *)WECOM_URL,
};

static void test_wecom_registered(void **state)
{
	(void)state;
	ftu_check_driver("wecom", 20, 60000, true);
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
	struct chan_request r;
	struct note n;
	const char *content;
	char want[256];
	json_t *o;

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++) {
		ftu_event_note(&n, t[i].type, "新增公共停车泊位", "区建设局",
			       "zh-CN");
		o = ftu_render_json(&ch, CHAN_ONE, &n, "zh-CN", FTU_NOW, &r);
		assert_string_equal(r.url, WECOM_URL);
		assert_string_equal(ftu_str(o, "msgtype"), "markdown");
		content = ftu_str(o, "markdown.content");
		snprintf(want, sizeof(want),
			 "### <font color=\"%s\">%s</font>\n", t[i].colour,
			 n.title);
		if (!ftu_starts_with(content, want))
			fail_msg("%s: %s", t[i].type, content);
		for (size_t k = 0; k < n.n_lines; k++) {
			snprintf(want, sizeof(want), "\n%s\n", n.lines[k]);
			assert_non_null(strstr(content, want));
		}
		assert_non_null(strstr(content, "\n[查看详情](" FTU_LINK ")"));
		assert_true(strlen(content) <= WECOM_LIMIT);
		json_decref(o);
		chan_request_clear(&r);
		note_clear(&n);
	}
}

static void test_wecom_summary_digest_and_limit(void **state)
{
	struct chan_request r;
	struct note sum, dig;
	struct ftu_note b;
	const char *content;
	json_t *o;

	(void)state;
	ftu_summary_note(&sum, 8, "老旧小区", 0);
	o = ftu_render_json(&ch, CHAN_SUMMARY, &sum, "zh-CN", FTU_NOW, &r);
	content = ftu_str(o, "markdown.content");
	assert_non_null(strstr(content, "【汇总】8 条项目动态"));
	ftu_check_summary_titles(content, 8, "老旧小区", 0);
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&sum);

	/* 60 long titles do not fit in 4096 bytes: merge fewer. */
	ftu_summary_note(&sum, 60, FTU_LONG_TITLE, 0);
	ftu_check_too_big(&ch, CHAN_SUMMARY, &sum, "zh-CN", FTU_NOW);
	note_clear(&sum);

	/* A digest of many projects, and one event with a line far too
	 * long, are shortened within 4096 bytes of content. */
	ftu_digest_behind(&dig, 200);
	o = ftu_render_json(&ch, CHAN_DIGEST, &dig, "zh-CN", FTU_NOW, &r);
	content = ftu_str(o, "markdown.content");
	assert_true(strlen(content) <= WECOM_LIMIT);
	assert_true(strlen(content) >= WECOM_LIMIT - 200);
	assert_non_null(strstr(content, dig.title));
	assert_non_null(strstr(content, dig.lines[0]));
	assert_non_null(strstr(content, "已省略"));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&dig);

	for (size_t lead = 0; lead < 4; lead++) {
		char *line = ftu_mixed_line(lead, 9000);

		ftu_note_repeat(&b, "【落后】新增公共停车泊位", line, 3,
				NOTE_BAD);
		o = ftu_render_json(&ch, CHAN_ONE, &b.n, "zh-CN", FTU_NOW, &r);
		content = ftu_str(o, "markdown.content");
		assert_true(strlen(content) <= WECOM_LIMIT);
		assert_true(strlen(content) >= WECOM_LIMIT - 8);
		assert_true(ftu_utf8_valid(content, strlen(content)));
		assert_true(ftu_starts_with(content,
					    "### <font color=\"warning\">"
					    "【落后】新增公共停车泊位"
					    "</font>\n"));
		assert_non_null(strstr(content, "…"));
		assert_non_null(strstr(content, "[查看详情](" FTU_LINK ")"));
		json_decref(o);
		chan_request_clear(&r);
		ftu_note_free(&b);
		free(line);
	}

	/* English, for an English channel. */
	ftu_note_repeat(&b, "[Behind] Parking", "a line", 1, NOTE_BAD);
	o = ftu_render_json(&ch, CHAN_ONE, &b.n, "en", FTU_NOW, &r);
	assert_non_null(strstr(ftu_str(o, "markdown.content"),
			       "[View details](" FTU_LINK ")"));
	json_decref(o);
	chan_request_clear(&r);
	ftu_note_free(&b);
}

static void test_wecom_judge(void **state)
{
	static const struct ftu_judge_case c[] = {
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
	ftu_run_judge_cases("wecom", "Connection refused", c,
			    PACED_ARRAY_LEN(c));
}

/* A long errmsg is cut to fit, on a character boundary. */
static void test_wecom_judge_long_errmsg(void **state)
{
	(void)state;
	ftu_check_long_why("wecom", "{\"errcode\":93000,\"errmsg\":\"%s\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wecom_registered),
		cmocka_unit_test(test_wecom_one),
		cmocka_unit_test(test_wecom_summary_digest_and_limit),
		cmocka_unit_test(test_wecom_judge),
		cmocka_unit_test(test_wecom_judge_long_errmsg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
