/*
 * test_fmt_telegram.c - the Telegram channel driver: the Bot API
 * sendMessage JSON (HTML parse mode) for one event, a summary and the
 * digest; escaping of a title and a link with markup characters in them;
 * the 4096-character limit with a huge note (never a UTF-8 character cut
 * in two, never an event dropped from a summary); a channel without
 * chat_id; and how it reads the Bot API's answers.
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
	.name = (char *)"g",
	.type = (char *)"telegram",
	.url = (char *)"https://api.telegram.org/bot123456:ABC-DEF/sendMessage",
	.chat_id = (char *)"-1001234567890",
};

/*
 * What a Telegram user sees of an HTML-mode text: tags removed, the four
 * entities decoded; counted in UTF-16 units. Fails on anything Telegram
 * would refuse (an unknown tag or entity, a bare < or >, unclosed tags).
 */
static size_t tg_visible(const char *s, char *out, size_t outlen)
{
	size_t n = 0, k = 0;
	int depth = 0;

	while (*s) {
		if (*s == '<') {
			const char *e = strchr(s, '>');

			assert_non_null(e);
			if (strncmp(s, "<b>", 3) == 0 ||
			    strncmp(s, "<a href=\"", 9) == 0)
				depth++;
			else if (strncmp(s, "</b>", 4) == 0 ||
				 strncmp(s, "</a>", 4) == 0)
				depth--;
			else
				fail_msg("tag %.20s", s);
			if (strncmp(s, "<a ", 3) == 0)
				assert_null(memchr(s + 9, '"',
						   (size_t)(e - s - 10)));
			s = e + 1;
			continue;
		}
		assert_true(*s != '>');
		if (*s == '&') {
			static const char *const ent[] = {"&lt;", "&gt;",
							  "&amp;", "&quot;"};
			static const char dec[] = "<>&\"";
			size_t i;

			for (i = 0; i < 4; i++)
				if (strncmp(s, ent[i], strlen(ent[i])) == 0)
					break;
			if (i == 4)
				fail_msg("entity %.10s", s);
			if (k + 1 < outlen)
				out[k++] = dec[i];
			s += strlen(ent[i]);
			n++;
			continue;
		}
		if (((unsigned char)*s & 0xC0) != 0x80)
			n += (unsigned char)*s >= 0xF0 ? 2 : 1;
		if (k + 1 < outlen)
			out[k++] = *s;
		s++;
	}
	assert_int_equal(depth, 0);
	out[k] = '\0';
	return n;
}

static void test_telegram_registered(void **state)
{
	(void)state;
	/* Telegram bot FAQ: 20 messages per minute to one group. */
	ftu_check_driver("telegram", 20, 60000, true);
}

static void test_telegram_transport_error(void **state)
{
	(void)state;
	ftu_check_transport_error("telegram");
}

static void test_telegram_one(void **state)
{
	struct note n;
	json_t *o;
	const char *t;
	char want[256], vis[4096];

	(void)state;
	ftu_nasty_note(&n, "zh-CN");
	o = ftu_render_body(&ch, CHAN_ONE, &n, "zh-CN", NULL);
	assert_string_equal(ftu_str(o, "chat_id"), "-1001234567890");
	assert_string_equal(ftu_str(o, "parse_mode"), "HTML");
	assert_true(json_is_true(json_object_get(o,
						 "disable_web_page_preview")));
	t = ftu_str(o, "text");
	snprintf(want, sizeof(want),
		 "<b>【落后】停车&lt;b&gt;&amp;\"泊位</b>\n%s\n", n.lines[0]);
	assert_true(ftu_starts_with(t, want));
	snprintf(want, sizeof(want), "\n<a href=\"%s\">查看详情</a>",
		 FTU_LINK);
	assert_string_equal(t + strlen(t) - strlen(want), want);
	tg_visible(t, vis, sizeof(vis));
	assert_true(ftu_has(vis, n.title));
	json_decref(o);
	note_clear(&n);
}

static void test_telegram_href(void **state)
{
	struct note n = {.title = (char *)"t", .text = (char *)"t",
			 .link = (char *)"https://x.example/?a=\"1\"&b=<2>"};
	json_t *o;
	char vis[256];

	(void)state;
	o = ftu_render_body(&ch, CHAN_ONE, &n, "en", NULL);
	assert_string_equal(ftu_str(o, "text"),
			    "<b>t</b>\n<a href=\"https://x.example/?a=&quot;1"
			    "&quot;&amp;b=&lt;2&gt;\">View details</a>");
	assert_int_equal(tg_visible(ftu_str(o, "text"), vis, sizeof(vis)),
			 strlen("t\nView details"));
	json_decref(o);
}

static void test_telegram_summary_digest(void **state)
{
	struct note n;
	json_t *o;
	char vis[8192];

	(void)state;
	ftu_summary_note(&n, 25, "项目", 1);
	o = ftu_render_body(&ch, CHAN_SUMMARY, &n, "zh-CN", NULL);
	assert_true(tg_visible(ftu_str(o, "text"), vis, sizeof(vis)) <= 4096);
	ftu_check_summary_titles(vis, 25, "项目", 1);
	json_decref(o);
	note_clear(&n);

	ftu_digest_mixed(&n);
	o = ftu_render_body(&ch, CHAN_DIGEST, &n, "zh-CN", NULL);
	tg_visible(ftu_str(o, "text"), vis, sizeof(vis));
	assert_true(ftu_has(vis, "道路<改造>"));
	assert_true(ftu_has(ftu_str(o, "text"), "道路&lt;改造&gt;"));
	json_decref(o);
	note_clear(&n);
}

static void test_telegram_huge(void **state)
{
	static char vis[64 * 1024];
	struct conf_channel no_chat = ch;
	struct note tiny = {.title = (char *)"t", .text = (char *)"t"};
	struct ftu_note h, m;
	struct chan_request r;
	char err[128];
	json_t *o;
	size_t nvis;

	(void)state;
	ftu_note_huge(&h);
	o = ftu_render_body(&ch, CHAN_ONE, &h.n, "zh-CN", NULL);
	nvis = tg_visible(ftu_str(o, "text"), vis, sizeof(vis));
	assert_true(nvis <= 4096);
	assert_true(nvis > 4000);
	assert_true(ftu_has(vis, h.lines[0]));
	assert_true(ftu_has(vis, h.lines[2]));
	/* The title is cut too, on a character boundary. */
	assert_true(ftu_starts_with(vis, "超超"));
	json_decref(o);
	ftu_note_free(&h);

	ftu_note_numbered(&m, 300, 40);
	ftu_check_too_big(&ch, CHAN_SUMMARY, &m.n, "en", FTU_NOW);
	o = ftu_render_body(&ch, CHAN_ONE, &m.n, "en", NULL);
	nvis = tg_visible(ftu_str(o, "text"), vis, sizeof(vis));
	assert_true(nvis <= 4096);
	assert_true(ftu_has(vis, "\n" FTU_ELLIPSIS));
	json_decref(o);
	ftu_note_free(&m);

	/* Without chat_id the channel cannot work. */
	no_chat.chat_id = NULL;
	assert_int_equal(ftu_render(&no_chat, CHAN_ONE, &tiny, "en", FTU_NOW,
				    &r, err, sizeof(err)),
			 PACED_EINVAL);
	assert_non_null(strstr(err, "chat_id"));
	chan_request_clear(&r);
}

static void test_telegram_judge(void **state)
{
	static const struct ftu_judge_case c[] = {
		{200, 0, "{\"ok\":true,\"result\":{\"message_id\":1}}", -1,
		 CHAN_SENT, -1, NULL, NULL},
		{429, 0,
		 "{\"ok\":false,\"error_code\":429,\"description\":"
		 "\"Too Many Requests: retry after 17\",\"parameters\":"
		 "{\"retry_after\":17}}",
		 17, CHAN_RETRY, 17, "retry after 17", NULL},
		/* parameters.retry_after wins; the header when it is
		 * missing. */
		{429, 0,
		 "{\"ok\":false,\"error_code\":429,\"description\":"
		 "\"Too Many Requests\",\"parameters\":"
		 "{\"retry_after\":35}}",
		 -1, CHAN_RETRY, 35, NULL, NULL},
		{429, 0,
		 "{\"ok\":false,\"error_code\":429,\"description\":"
		 "\"Too Many Requests\"}",
		 9, CHAN_RETRY, 9, NULL, NULL},
		{400, 0,
		 "{\"ok\":false,\"error_code\":400,\"description\":"
		 "\"Bad Request: chat not found\"}",
		 -1, CHAN_DEAD, -1,
		 "telegram error_code 400: Bad Request: chat not found", NULL},
		{401, 0,
		 "{\"ok\":false,\"error_code\":401,\"description\":"
		 "\"Unauthorized\"}",
		 -1, CHAN_DEAD, -1, "Unauthorized", NULL},
		{403, 0,
		 "{\"ok\":false,\"error_code\":403,\"description\":"
		 "\"Forbidden: bot was kicked from the supergroup "
		 "chat\"}",
		 -1, CHAN_DEAD, -1, "bot was kicked", NULL},
		{404, 0,
		 "{\"ok\":false,\"error_code\":404,\"description\":"
		 "\"Not Found\"}",
		 -1, CHAN_DEAD, -1, "Not Found", NULL},
		{400, 0,
		 "{\"ok\":false,\"error_code\":400,\"description\":"
		 "\"Bad Request: group chat was upgraded to a supergroup "
		 "chat\",\"parameters\":{\"migrate_to_chat_id\":"
		 "-1009876543210}}",
		 -1, CHAN_DEAD, -1, "-1009876543210", NULL},
		{500, 0,
		 "{\"ok\":false,\"error_code\":500,\"description\":"
		 "\"Internal Server Error\"}",
		 -1, CHAN_RETRY, -1, "Internal Server Error", NULL},
		{502, 0, "<html>Bad Gateway</html>", -1, CHAN_RETRY, -1, "502",
		 NULL},
		/* A 200 that is not the Bot API: the url is wrong, retrying
		 * will not help. */
		{200, 0, "<html>hello</html>", -1, CHAN_DEAD, -1, "ok", NULL},
		{200, 0, "{\"ok\":\"yes\"}", -1, CHAN_DEAD, -1, NULL, NULL},
	};

	(void)state;
	ftu_run_judge_cases("telegram", NULL, c, PACED_ARRAY_LEN(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_telegram_registered),
		cmocka_unit_test(test_telegram_transport_error),
		cmocka_unit_test(test_telegram_one),
		cmocka_unit_test(test_telegram_href),
		cmocka_unit_test(test_telegram_summary_digest),
		cmocka_unit_test(test_telegram_huge),
		cmocka_unit_test(test_telegram_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
