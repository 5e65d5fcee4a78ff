/*
 * test_fmt_slack.c - the Slack channel driver: the Block Kit JSON Slack
 * documents for one event, a summary and the digest; escaping of a title
 * and a link with markup characters in them; the block and text limits
 * with a huge note (never a UTF-8 character cut in two, never an event
 * dropped from a summary); and how it reads Slack's answers.
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

static const struct conf_channel ch = {
	.name = (char *)"s",
	.type = (char *)"slack",
	.url = (char *)"https://hooks.slack.com/services/T000/B000/XXXX",
};

/* The documented shape: header (plain_text <= 150), sections (mrkdwn <=
 * 3000), optional context, at most 50 blocks; "text" set. */
static void slack_check(const json_t *o)
{
	const json_t *blocks = json_object_get(o, "blocks"), *b;
	size_t i;

	assert_true(strlen(ftu_str(o, "text")) > 0);
	assert_true(json_is_array(blocks));
	assert_true(json_array_size(blocks) >= 1);
	assert_true(json_array_size(blocks) <= 50);
	json_array_foreach(blocks, i, b)
	{
		const char *t = ftu_str(b, "type");

		if (i == 0) {
			assert_string_equal(t, "header");
			assert_string_equal(ftu_str(b, "text.type"),
					    "plain_text");
			assert_true(ftu_u16_len(ftu_str(b, "text.text")) <=
				    150);
		} else if (strcmp(t, "section") == 0) {
			assert_string_equal(ftu_str(b, "text.type"), "mrkdwn");
			assert_true(ftu_u16_len(ftu_str(b, "text.text")) <=
				    3000);
			assert_true(strlen(ftu_str(b, "text.text")) > 0);
		} else {
			assert_string_equal(t, "context");
			assert_int_equal(i, json_array_size(blocks) - 1);
		}
	}
}

/* All section texts joined by newlines. */
static char *slack_sections(const json_t *o)
{
	const json_t *b;
	size_t i, len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_array_foreach(json_object_get(o, "blocks"), i, b)
	if (strcmp(ftu_str(b, "type"), "section") == 0)
		fprintf(f, "%s\n", ftu_str(b, "text.text"));
	fclose(f);
	return buf;
}

/* The text of the last block, the context with the link. */
static const char *slack_context(const json_t *o)
{
	const json_t *blocks = json_object_get(o, "blocks");
	const json_t *last =
		json_array_get(blocks, json_array_size(blocks) - 1);

	assert_string_equal(ftu_str(last, "type"), "context");
	return ftu_str(json_array_get(json_object_get(last, "elements"), 0),
		       "text");
}

static void test_slack_registered(void **state)
{
	(void)state;
	/* One message per second. */
	ftu_check_driver("slack", 1, 1000, true);
}

static void test_slack_transport_error(void **state)
{
	(void)state;
	ftu_check_transport_error("slack");
}

static void test_slack_one(void **state)
{
	struct note n;
	json_t *o;
	char *sec;

	(void)state;
	ftu_nasty_note(&n, "zh-CN");
	o = ftu_render_body(&ch, CHAN_ONE, &n, "zh-CN", NULL);
	slack_check(o);
	/* plain_text is never parsed: the title as it is. */
	assert_string_equal(
		ftu_str(json_array_get(json_object_get(o, "blocks"), 0),
			"text.text"),
		n.title);
	/* mrkdwn and the fallback: &, <, > as entities, nothing else. */
	assert_true(ftu_has(ftu_str(o, "text"), "停车&lt;b&gt;&amp;\"泊位"));
	assert_false(ftu_has(ftu_str(o, "text"), "<b>"));
	sec = slack_sections(o);
	assert_true(ftu_has(sec, n.lines[0]));
	assert_true(ftu_has(sec, n.lines[n.n_lines - 1]));
	free(sec);
	assert_string_equal(slack_context(o), "<" FTU_LINK "|查看详情>");
	json_decref(o);
	note_clear(&n);

	ftu_nasty_note(&n, "en");
	o = ftu_render_body(&ch, CHAN_ONE, &n, "en", NULL);
	assert_string_equal(slack_context(o), "<" FTU_LINK "|View details>");
	json_decref(o);
	note_clear(&n);
}

/* A link cannot break out of <url|text>. */
static void test_slack_link_escaped(void **state)
{
	char *lines[] = {(char *)"a"};
	struct note n = {.title = (char *)"t", .lines = lines, .n_lines = 1,
			 .link = (char *)"https://x.example/?a=1&b=<2>|3",
			 .text = (char *)"t"};
	json_t *o;

	(void)state;
	o = ftu_render_body(&ch, CHAN_ONE, &n, "en", NULL);
	assert_string_equal(
		slack_context(o),
		"<https://x.example/?a=1&amp;b=&lt;2&gt;%7C3|View details>");
	json_decref(o);
}

static void test_slack_summary_digest(void **state)
{
	struct note n;
	json_t *o;
	char *sec;

	(void)state;
	ftu_summary_note(&n, 25, "项目", 1);
	o = ftu_render_body(&ch, CHAN_SUMMARY, &n, "zh-CN", NULL);
	slack_check(o);
	sec = slack_sections(o);
	ftu_check_summary_titles(sec, 25, "项目", 1);
	free(sec);
	json_decref(o);
	note_clear(&n);

	ftu_digest_mixed(&n);
	o = ftu_render_body(&ch, CHAN_DIGEST, &n, "zh-CN", NULL);
	slack_check(o);
	sec = slack_sections(o);
	assert_true(ftu_has(sec, "道路&lt;改造&gt;"));
	assert_true(ftu_has(sec, "污水管网"));
	free(sec);
	json_decref(o);
	note_clear(&n);
}

static void test_slack_huge(void **state)
{
	struct ftu_note h, m;
	json_t *o, *b;
	size_t i;

	(void)state;
	ftu_note_huge(&h);
	o = ftu_render_body(&ch, CHAN_ONE, &h.n, "zh-CN", NULL);
	slack_check(o);
	b = json_array_get(json_object_get(o, "blocks"), 0);
	ftu_assert_prefix_cut(ftu_str(b, "text.text"), h.n.title);
	assert_true(ftu_u16_len(ftu_str(o, "text")) <= 3000 * 5);
	/* The big line is cut, the last line still there. */
	json_array_foreach(json_object_get(o, "blocks"), i, b)
	if (i == 2)
		assert_true(ftu_has(ftu_str(b, "text.text"), FTU_ELLIPSIS));
	b = json_object_get(o, "blocks");
	assert_true(ftu_has(ftu_str(json_array_get(b, 3), "text.text"),
			    "责任单位"));
	json_decref(o);
	ftu_note_free(&h);

	/* 60 lines of 2990 characters need 60 sections: one event cut off
	 * makes a summary refuse... */
	ftu_note_numbered(&m, 60, 2990);
	ftu_check_too_big(&ch, CHAN_SUMMARY, &m.n, "en", FTU_NOW);
	/* ... while one message ends with an ellipsis. */
	o = ftu_render_body(&ch, CHAN_ONE, &m.n, "en", NULL);
	slack_check(o);
	b = json_object_get(o, "blocks");
	/* Header and 49 sections (no link here), the last one ending so. */
	assert_int_equal(json_array_size(b), 50);
	assert_true(ftu_has(ftu_str(json_array_get(b, 49), "text.text"),
			    "\n" FTU_ELLIPSIS));
	json_decref(o);
	ftu_note_free(&m);
}

static void test_slack_judge(void **state)
{
	static const struct ftu_judge_case c[] = {
		{200, 0, "ok", -1, CHAN_SENT, -1, NULL, NULL},
		{400, 0, "invalid_payload", -1, CHAN_DEAD, -1,
		 "invalid_payload", NULL},
		{403, 0, "action_prohibited", -1, CHAN_DEAD, -1,
		 "action_prohibited", NULL},
		{404, 0, "channel_not_found", -1, CHAN_DEAD, -1,
		 "slack HTTP 404: channel_not_found", NULL},
		{404, 0, "no_service", -1, CHAN_DEAD, -1, "no_service", NULL},
		{410, 0, "channel_is_archived", -1, CHAN_DEAD, -1,
		 "channel_is_archived", NULL},
		{500, 0, "rollup_error", -1, CHAN_RETRY, -1, "rollup_error",
		 NULL},
		{503, 0, NULL, 7, CHAN_RETRY, 7, "HTTP 503", NULL},
		{429, 0, "{\"ok\":false}", 30, CHAN_RETRY, 30, "429", NULL},
		/* One line in the log whatever the body holds. */
		{400, 0, "invalid_payload\nsecond line", -1, CHAN_DEAD, -1,
		 NULL, NULL},
		{400, 0, "a\nb", -1, CHAN_DEAD, -1, NULL, NULL},
	};

	(void)state;
	ftu_run_judge_cases("slack", NULL, c, PACED_ARRAY_LEN(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slack_registered),
		cmocka_unit_test(test_slack_transport_error),
		cmocka_unit_test(test_slack_one),
		cmocka_unit_test(test_slack_link_escaped),
		cmocka_unit_test(test_slack_summary_digest),
		cmocka_unit_test(test_slack_huge),
		cmocka_unit_test(test_slack_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
