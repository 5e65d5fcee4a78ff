/*
 * test_fmt_teams.c - the Teams channel driver: the Workflows message with
 * an Adaptive Card for one event, a summary and the digest; card markdown
 * escaped, the colour of each tone; the 28 KB limit with a huge note
 * (never a UTF-8 character cut in two, never an event dropped from a
 * summary); and how it reads the Workflows' answers.
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

/* What a Workflows trigger takes in one request. */
#define TEAMS_LIMIT 28000

static const struct conf_channel ch = {
	.name = (char *)"t",
	.type = (char *)"teams",
	.url = (char *)"https://prod.westus.logic.azure.com/workflows/4f2e/"
		       "triggers/manual/paths/invoke?sig=x",
};

/* ftu_render_body, within the limit. */
static json_t *teams_render(enum chan_kind kind, const struct note *n,
			    const char *lang)
{
	size_t len;
	json_t *o = ftu_render_body(&ch, kind, n, lang, &len);

	assert_true(len <= TEAMS_LIMIT);
	return o;
}

/* The Workflows message and its card; returns the card (borrowed). */
static const json_t *teams_card(const json_t *o)
{
	const json_t *att = json_object_get(o, "attachments"), *a, *c;

	assert_string_equal(ftu_str(o, "type"), "message");
	assert_int_equal(json_array_size(att), 1);
	a = json_array_get(att, 0);
	assert_string_equal(ftu_str(a, "contentType"),
			    "application/vnd.microsoft.card.adaptive");
	assert_true(json_is_null(json_object_get(a, "contentUrl")));
	c = json_object_get(a, "content");
	assert_string_equal(ftu_str(c, "$schema"),
			    "http://adaptivecards.io/schemas/"
			    "adaptive-card.json");
	assert_string_equal(ftu_str(c, "type"), "AdaptiveCard");
	assert_string_equal(ftu_str(c, "version"), "1.4");
	return c;
}

static void teams_check(const json_t *o, const char *color)
{
	const json_t *body = json_object_get(teams_card(o), "body"), *b;
	size_t i;

	assert_true(json_array_size(body) >= 1);
	json_array_foreach(body, i, b)
	{
		assert_string_equal(ftu_str(b, "type"), "TextBlock");
		assert_true(json_is_true(json_object_get(b, "wrap")));
		if (i == 0) {
			assert_string_equal(ftu_str(b, "weight"), "bolder");
			assert_string_equal(ftu_str(b, "size"), "medium");
			assert_string_equal(ftu_str(b, "color"), color);
		}
	}
}

static const char *teams_text(const json_t *o, size_t i)
{
	return ftu_str(
		json_array_get(json_object_get(teams_card(o), "body"), i),
		"text");
}

static void test_teams_registered(void **state)
{
	(void)state;
	/* Teams documents no fixed number: 429 decides. */
	ftu_check_driver("teams", 0, 0, true);
}

static void test_teams_transport_error(void **state)
{
	(void)state;
	ftu_check_transport_error("teams");
}

static void test_teams_one(void **state)
{
	struct note n;
	json_t *o;
	const json_t *act;

	(void)state;
	ftu_nasty_note(&n, "zh-CN");
	o = teams_render(CHAN_ONE, &n, "zh-CN");
	teams_check(o, "attention");
	/* JSON carries <, & and " as they are; none is card markdown. */
	assert_true(ftu_has(teams_text(o, 0), FTU_NASTY));
	for (size_t i = 0; i < n.n_lines; i++)
		assert_string_equal(teams_text(o, i + 1), n.lines[i]);
	act = json_object_get(teams_card(o), "actions");
	assert_int_equal(json_array_size(act), 1);
	assert_string_equal(ftu_str(json_array_get(act, 0), "type"),
			    "Action.OpenUrl");
	assert_string_equal(ftu_str(json_array_get(act, 0), "url"), FTU_LINK);
	assert_string_equal(ftu_str(json_array_get(act, 0), "title"),
			    "查看详情");
	json_decref(o);
	note_clear(&n);
}

static void test_teams_markdown_and_tones(void **state)
{
	char *lines[] = {(char *)"- a *b* _c_ [d](e) \\ `f`", (char *)"x - y"};
	struct note n = {.title = (char *)"**T**", .lines = lines,
			 .n_lines = 2, .text = (char *)"x"};
	static const struct {
		enum note_tone tone;
		const char *color;
	} tones[] = {{NOTE_BAD, "attention"},
		     {NOTE_WARN, "warning"},
		     {NOTE_GOOD, "good"},
		     {NOTE_INFO, "default"}};
	json_t *o;

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(tones); i++) {
		n.tone = tones[i].tone;
		o = teams_render(CHAN_ONE, &n, "en");
		teams_check(o, tones[i].color);
		json_decref(o);
	}
	o = teams_render(CHAN_ONE, &n, "en");
	assert_string_equal(teams_text(o, 0), "\\*\\*T\\*\\*");
	assert_string_equal(teams_text(o, 1),
			    "\\- a \\*b\\* \\_c\\_ \\[d\\](e) \\\\ \\`f\\`");
	assert_string_equal(teams_text(o, 2), "x - y");
	/* No link, no action. */
	assert_null(json_object_get(teams_card(o), "actions"));
	json_decref(o);
}

static void test_teams_summary_digest(void **state)
{
	struct note n;
	json_t *o;
	char want[32];

	(void)state;
	ftu_summary_note(&n, 25, "项目", 1);
	o = teams_render(CHAN_SUMMARY, &n, "zh-CN");
	teams_check(o, "attention");
	for (int i = 1; i <= 25; i++) {
		snprintf(want, sizeof(want), "项目%03d", i);
		assert_true(ftu_has(teams_text(o, (size_t)i), want));
	}
	json_decref(o);
	note_clear(&n);

	ftu_digest_mixed(&n);
	o = teams_render(CHAN_DIGEST, &n, "zh-CN");
	teams_check(o, "attention");
	assert_int_equal(json_array_size(json_object_get(teams_card(o),
							 "body")),
			 n.n_lines + 1);
	json_decref(o);
	note_clear(&n);
}

static void test_teams_huge(void **state)
{
	struct ftu_note h, m;
	const json_t *body;
	json_t *o;
	const char *t;

	(void)state;
	ftu_note_huge(&h);
	o = teams_render(CHAN_ONE, &h.n, "zh-CN");
	teams_check(o, "warning");
	assert_string_equal(teams_text(o, 1), h.lines[0]);
	assert_string_equal(teams_text(o, 3), h.lines[2]);
	t = teams_text(o, 2);
	assert_true(ftu_has(t, FTU_ELLIPSIS));
	assert_true(strlen(t) > 20000);
	/* Only card markdown is escaped: & and < are not markup there. */
	assert_true(ftu_starts_with(t, "进😀é&<\\*\\_进"));
	json_decref(o);
	ftu_note_free(&h);

	ftu_note_numbered(&m, 1000, 40);
	ftu_check_too_big(&ch, CHAN_SUMMARY, &m.n, "en", FTU_NOW);
	o = teams_render(CHAN_ONE, &m.n, "en");
	body = json_object_get(teams_card(o), "body");
	assert_string_equal(
		ftu_str(json_array_get(body, json_array_size(body) - 1),
			"text"),
		FTU_ELLIPSIS);
	json_decref(o);
	ftu_note_free(&m);
}

static void test_teams_judge(void **state)
{
	static const struct ftu_judge_case c[] = {
		{202, 0, NULL, -1, CHAN_SENT, -1, NULL, NULL},
		{200, 0, "1", -1, CHAN_SENT, -1, NULL, NULL},
		{400, 0,
		 "{\"error\":{\"code\":\"InvalidRequestContent\","
		 "\"message\":\"The input body is not valid\"}}",
		 -1, CHAN_DEAD, -1,
		 "teams HTTP 400: The input body is not valid", NULL},
		{413, 0, NULL, -1, CHAN_DEAD, -1, "413", NULL},
		{404, 0, NULL, -1, CHAN_DEAD, -1, "404", NULL},
		{429, 0, NULL, 12, CHAN_RETRY, 12, "429", NULL},
		{502, 0, NULL, -1, CHAN_RETRY, -1, "502", NULL},
	};

	(void)state;
	ftu_run_judge_cases("teams", NULL, c, PACED_ARRAY_LEN(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_teams_registered),
		cmocka_unit_test(test_teams_transport_error),
		cmocka_unit_test(test_teams_one),
		cmocka_unit_test(test_teams_markdown_and_tones),
		cmocka_unit_test(test_teams_summary_digest),
		cmocka_unit_test(test_teams_huge),
		cmocka_unit_test(test_teams_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
