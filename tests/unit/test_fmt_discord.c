/*
 * test_fmt_discord.c - the Discord channel driver: the webhook JSON (one
 * embed, no mentions allowed) for one event, a summary and the digest;
 * escaping of markdown and of a title with markup characters in it; the
 * embed limits with a huge note (never a UTF-8 character cut in two, never
 * an event dropped from a summary); and how it reads Discord's answers.
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
	.name = (char *)"d",
	.type = (char *)"discord",
	.url = (char *)"https://discord.com/api/webhooks/1234/abcd",
};

static const json_t *discord_embed(const json_t *o)
{
	const json_t *embeds = json_object_get(o, "embeds");

	assert_int_equal(json_array_size(embeds), 1);
	return json_array_get(embeds, 0);
}

static void discord_check(const json_t *o)
{
	const json_t *e = discord_embed(o), *am;
	const char *desc = json_string_value(json_object_get(e, "description"));
	size_t total;

	assert_true(ftu_u16_len(ftu_str(o, "content")) <= 2000);
	assert_true(ftu_u16_len(ftu_str(e, "title")) <= 256);
	assert_true(!desc || ftu_u16_len(desc) <= 4096);
	total = ftu_u16_len(ftu_str(e, "title")) +
		(desc ? ftu_u16_len(desc) : 0);
	assert_true(total <= 6000);
	assert_true(json_is_integer(json_object_get(e, "color")));
	am = json_object_get(json_object_get(o, "allowed_mentions"), "parse");
	assert_true(json_is_array(am));
	assert_int_equal(json_array_size(am), 0);
}

static void test_discord_registered(void **state)
{
	(void)state;
	/* Discord documents no fixed number: 429 decides. */
	ftu_check_driver("discord", 0, 0, true);
}

static void test_discord_transport_error(void **state)
{
	(void)state;
	ftu_check_transport_error("discord");
}

static void test_discord_one(void **state)
{
	struct note n;
	json_t *o;
	const json_t *e;

	(void)state;
	ftu_nasty_note(&n, "zh-CN");
	o = ftu_render_body(&ch, CHAN_ONE, &n, "zh-CN", NULL);
	discord_check(o);
	e = discord_embed(o);
	/* < would start a mention or timestamp: backslash-escaped. */
	assert_true(ftu_has(ftu_str(e, "title"), "停车\\<b>&\"泊位"));
	assert_true(ftu_has(ftu_str(o, "content"), "停车\\<b>&\"泊位"));
	/* The link in content, in angle brackets (no unfurl), and on the
	 * embed's title. */
	assert_true(ftu_has(ftu_str(o, "content"), "\n<" FTU_LINK ">"));
	assert_string_equal(ftu_str(e, "url"), FTU_LINK);
	assert_int_equal(json_integer_value(json_object_get(e, "color")),
			 0xE74C3C);
	assert_true(ftu_has(ftu_str(e, "description"), n.lines[0]));
	json_decref(o);
	note_clear(&n);
}

static void test_discord_markdown(void **state)
{
	char *lines[] = {(char *)"# not a heading *bold* _it_ `c` ~s~ |x|",
			 (char *)"- not a list [a](b)", (char *)"a - b"};
	struct note n = {.title = (char *)"**A** @everyone",
			 .lines = lines,
			 .n_lines = 3,
			 .text = (char *)"x",
			 .tone = NOTE_GOOD};
	json_t *o;
	const json_t *e;

	(void)state;
	o = ftu_render_body(&ch, CHAN_ONE, &n, "en", NULL);
	discord_check(o);
	e = discord_embed(o);
	assert_string_equal(ftu_str(e, "title"), "\\*\\*A\\*\\* @everyone");
	assert_string_equal(ftu_str(e, "description"),
			    "\\# not a heading \\*bold\\* \\_it\\_ \\`c\\` "
			    "\\~s\\~ \\|x\\|\n\\- not a list \\[a\\](b)\n"
			    "a - b");
	/* No link: no url, content is the title alone. */
	assert_null(json_object_get(e, "url"));
	assert_string_equal(ftu_str(o, "content"), "\\*\\*A\\*\\* @everyone");
	assert_int_equal(json_integer_value(json_object_get(e, "color")),
			 0x2ECC71);
	json_decref(o);
}

static void test_discord_summary_digest(void **state)
{
	struct note n;
	json_t *o;
	const char *d;

	(void)state;
	ftu_summary_note(&n, 25, "项目", 1);
	o = ftu_render_body(&ch, CHAN_SUMMARY, &n, "zh-CN", NULL);
	discord_check(o);
	d = ftu_str(discord_embed(o), "description");
	ftu_check_summary_titles(d, 25, "项目", 1);
	json_decref(o);
	note_clear(&n);

	ftu_digest_mixed(&n);
	o = ftu_render_body(&ch, CHAN_DIGEST, &n, "zh-CN", NULL);
	discord_check(o);
	assert_true(ftu_has(ftu_str(discord_embed(o), "description"),
			    "道路\\<改造>"));
	json_decref(o);
	note_clear(&n);
}

static void test_discord_huge(void **state)
{
	struct ftu_note h, m;
	json_t *o;
	const json_t *e;
	const char *d;

	(void)state;
	ftu_note_huge(&h);
	o = ftu_render_body(&ch, CHAN_ONE, &h.n, "zh-CN", NULL);
	discord_check(o);
	e = discord_embed(o);
	ftu_assert_prefix_cut(ftu_str(e, "title"), h.n.title);
	d = ftu_str(e, "description");
	/* Fair shares: the short lines whole, the big one cut. */
	assert_true(ftu_has(d, h.lines[0]));
	assert_true(ftu_has(d, h.lines[2]));
	assert_true(ftu_has(d, FTU_ELLIPSIS "\n"));
	assert_true(ftu_u16_len(d) > 4000);
	json_decref(o);
	ftu_note_free(&h);

	/* 400 lines cannot all stay even at 24 characters each. */
	ftu_note_numbered(&m, 400, 40);
	ftu_check_too_big(&ch, CHAN_SUMMARY, &m.n, "en", FTU_NOW);
	o = ftu_render_body(&ch, CHAN_ONE, &m.n, "en", NULL);
	discord_check(o);
	d = ftu_str(discord_embed(o), "description");
	assert_true(ftu_has(d, "L0000 "));
	assert_true(strcmp(d + strlen(d) - strlen("\n" FTU_ELLIPSIS),
			   "\n" FTU_ELLIPSIS) == 0);
	json_decref(o);
	ftu_note_free(&m);

	/* 100 lines of 80: every line stays, cut to the same length. */
	ftu_note_numbered(&m, 100, 80);
	o = ftu_render_body(&ch, CHAN_SUMMARY, &m.n, "en", NULL);
	discord_check(o);
	d = ftu_str(discord_embed(o), "description");
	assert_true(ftu_has(d, "L0000 "));
	assert_true(ftu_has(d, "L0099 "));
	assert_true(ftu_u16_len(d) > 3900);
	json_decref(o);
	ftu_note_free(&m);
}

static void test_discord_judge(void **state)
{
	static const struct ftu_judge_case c[] = {
		{204, 0, NULL, -1, CHAN_SENT, -1, NULL, NULL},
		{200, 0, "{\"id\":\"1\"}", -1, CHAN_SENT, -1, NULL, NULL},
		/* retry_after is in seconds, a float: never resume early. */
		{429, 0,
		 "{\"message\":\"You are being rate limited.\","
		 "\"retry_after\":1.5,\"global\":false}",
		 -1, CHAN_RETRY, 2, "rate limited", NULL},
		{429, 0,
		 "{\"message\":\"You are being rate limited.\","
		 "\"retry_after\":0.2,\"global\":false}",
		 5, CHAN_RETRY, 5, NULL, NULL},
		{429, 0, NULL, 3, CHAN_RETRY, 3, "429", NULL},
		{400, 0,
		 "{\"message\":\"Cannot send an empty message\","
		 "\"code\":50006}",
		 -1, CHAN_DEAD, -1,
		 "discord HTTP 400: 50006 Cannot send an empty message", NULL},
		{404, 0, "{\"message\":\"Unknown Webhook\",\"code\":10015}", -1,
		 CHAN_DEAD, -1, "10015 Unknown Webhook", NULL},
		{401, 0, NULL, -1, CHAN_DEAD, -1, "401", NULL},
		{500, 0, "{\"message\":\"500: Internal\"}", -1, CHAN_RETRY, -1,
		 "500: Internal", NULL},
		{502, 0, "<html>bad gateway</html>", -1, CHAN_RETRY, -1,
		 "HTTP 502", NULL},
	};

	(void)state;
	ftu_run_judge_cases("discord", NULL, c, PACED_ARRAY_LEN(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discord_registered),
		cmocka_unit_test(test_discord_transport_error),
		cmocka_unit_test(test_discord_one),
		cmocka_unit_test(test_discord_markdown),
		cmocka_unit_test(test_discord_summary_digest),
		cmocka_unit_test(test_discord_huge),
		cmocka_unit_test(test_discord_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
