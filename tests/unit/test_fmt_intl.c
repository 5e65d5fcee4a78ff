/*
 * test_fmt_intl.c - the slack, discord, teams and telegram channel
 * drivers: the JSON each platform documents for one event, a summary and
 * the digest; escaping of a title with markup characters in it; size
 * limits with a huge note (never a UTF-8 character cut in two, never an
 * event dropped from a summary); and how each reads its platform's
 * answers (success shapes, rate limits with a pause, dead 4xx, retried
 * 5xx).
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
#include "note.h"
#include "paced.h"

#define T_NOW 1651370400000LL
#define PUBLIC_URL "https://paced.example.gov.cn/"
#define LINK PUBLIC_URL "projects/parking-2022"
/* Markup of every platform at once. */
#define NASTY "停车<b>&\"泊位"
#define ELLIPSIS "\xe2\x80\xa6"

static struct conf_channel ch_slack = {
	.name = (char *)"s",
	.type = (char *)"slack",
	.url = (char *)"https://hooks.slack.com/services/T000/B000/XXXX",
};
static struct conf_channel ch_discord = {
	.name = (char *)"d",
	.type = (char *)"discord",
	.url = (char *)"https://discord.com/api/webhooks/1234/abcd",
};
static struct conf_channel ch_teams = {
	.name = (char *)"t",
	.type = (char *)"teams",
	.url = (char *)"https://prod.westus.logic.azure.com/workflows/4f2e/"
		       "triggers/manual/paths/invoke?sig=x",
};
static struct conf_channel ch_telegram = {
	.name = (char *)"g",
	.type = (char *)"telegram",
	.url = (char *)"https://api.telegram.org/bot123456:ABC-DEF/sendMessage",
	.chat_id = (char *)"-1001234567890",
};

/* ---- helpers ------------------------------------------------------------ */

static const struct chan_driver *driver(const char *type)
{
	const struct chan_driver *d = chan_driver_find(type);

	assert_non_null(d);
	assert_string_equal(d->type, type);
	assert_true(d->digest);
	return d;
}

static const struct conf_channel *channel(const char *type)
{
	if (strcmp(type, "slack") == 0)
		return &ch_slack;
	if (strcmp(type, "discord") == 0)
		return &ch_discord;
	if (strcmp(type, "teams") == 0)
		return &ch_teams;
	return &ch_telegram;
}

/* Renders n as kind for type; the return code, and in *r the request. */
static int render(const char *type, enum chan_kind kind, const struct note *n,
		  const char *lang, struct chan_request *r)
{
	static const struct note_digest digest = {.date = "2022-05-01"};
	struct chan_msg m = {
		.kind = kind,
		.ch = channel(type),
		.language = lang,
		.public_url = PUBLIC_URL,
		.note = n,
		.digest = kind == CHAN_DIGEST ? &digest : NULL,
		.now = T_NOW,
		.id = "evt_0000abcd",
	};
	char err[128] = "";

	memset(r, 0, sizeof(*r));
	return driver(type)->render(&m, r, err, sizeof(err));
}

/* Renders successfully and returns the body parsed - which also proves it
 * is valid UTF-8: jansson refuses anything else. */
static json_t *render_json(const char *type, enum chan_kind kind,
			   const struct note *n, const char *lang)
{
	struct chan_request r;
	json_error_t e;
	json_t *o;
	bool ct = false;

	assert_int_equal(render(type, kind, n, lang, &r), 0);
	assert_non_null(r.body);
	assert_int_equal(strlen(r.body), r.len);
	assert_string_equal(r.url, channel(type)->url);
	for (size_t i = 0; i < r.n_headers; i++)
		ct |= strncmp(r.headers[i], "Content-Type: application/json",
			      30) == 0;
	assert_true(ct);
	o = json_loadb(r.body, r.len, 0, &e);
	if (!o)
		fail_msg("%s: %s in %.200s", type, e.text, r.body);
	if (strcmp(type, "teams") == 0)
		assert_true(r.len <= 28000);
	chan_request_clear(&r);
	assert_true(json_is_object(o));
	return o;
}

/* UTF-16 code units of a valid UTF-8 string. */
static size_t u16(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xC0) != 0x80)
			n += c >= 0xF0 ? 2 : 1;
	}
	return n;
}

static const char *sget(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s)
		fail_msg("no string \"%s\"", key);
	return s;
}

static bool has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* s without a trailing ellipsis is a byte prefix of orig: a cut on a
 * character boundary of the original text. */
static void assert_prefix_cut(const char *s, size_t len, const char *orig)
{
	const size_t el = strlen(ELLIPSIS);

	if (len >= el && memcmp(s + len - el, ELLIPSIS, el) == 0)
		len -= el;
	assert_true(len <= strlen(orig));
	assert_memory_equal(s, orig, len);
}

/* ---- notes -------------------------------------------------------------- */

static json_t *project(const char *id, const char *title)
{
	return json_pack("{s:s,s:s,s:s,s:i,s:i,s:f,s:f,s:f,s:f,s:s,s:s,"
			 "s:{s:f,s:f,s:s,s:f}}",
			 "id", id, "title", title, "unit", "个", "current",
			 120, "target", 350, "expected", 291.6666667,
			 "progress", 120.0 / 350, "expected_progress",
			 291.6666667 / 350, "gap", (291.6666667 - 120) / 350,
			 "due", "2022-12-31", "owner", "区建设局", "forecast",
			 "rate_per_day", 0.9, "projected_at_due", 200.0, "eta",
			 "2023-04-12", "required_rate_per_day", 1.2345);
}

static void event_note(struct note *n, const char *lang)
{
	json_t *p = project("parking-2022", NASTY);

	assert_int_equal(note_event(n, "project.behind", p, lang,
				    PUBLIC_URL),
			 0);
	json_decref(p);
	assert_non_null(strstr(n->title, NASTY));
	assert_true(n->n_lines >= 3);
	assert_string_equal(n->link, LINK);
}

/* A summary of k events about projects "项目001" ... */
static void summary_note(struct note *n, size_t k)
{
	struct note *ev = calloc(k, sizeof(*ev));
	const struct note **ptr = calloc(k, sizeof(*ptr));
	char id[32], title[32];

	assert_non_null(ev);
	assert_non_null(ptr);
	for (size_t i = 0; i < k; i++) {
		json_t *p;

		snprintf(id, sizeof(id), "p%03zu", i + 1);
		snprintf(title, sizeof(title), "项目%03zu", i + 1);
		p = project(id, title);
		assert_int_equal(note_event(&ev[i], "project.behind", p,
					    "zh-CN", PUBLIC_URL),
				 0);
		json_decref(p);
		ptr[i] = &ev[i];
	}
	assert_int_equal(note_summary(n, ptr, k, "zh-CN", PUBLIC_URL), 0);
	assert_int_equal(n->n_lines, k);
	for (size_t i = 0; i < k; i++)
		note_clear(&ev[i]);
	free(ev);
	free(ptr);
}

static void digest_note(struct note *n)
{
	static const struct note_digest_item items[] = {
		{.id = "a", .title = "道路<改造>", .unit = "公里",
		 .status = "behind", .current = 3, .target = 10, .gap = 0.2},
		{.id = "b", .title = "污水管网", .unit = "公里",
		 .status = "overdue", .current = 8, .target = 12, .gap = 0.33},
		{.id = "c", .title = "学校扩建", .unit = "所",
		 .status = "on_track", .stale = true, .current = 1,
		 .target = 2},
	};
	static const struct note_digest d = {
		.date = "2022-05-01",
		.n_projects = 3,
		.n_behind = 1,
		.n_overdue = 1,
		.n_on_track = 1,
		.n_stale = 1,
		.items = items,
		.n_items = 3,
	};

	assert_int_equal(note_digest(n, &d, "zh-CN", PUBLIC_URL), 0);
	assert_int_equal(n->tone, NOTE_BAD);
}

/*
 * A note far over every limit: a 600-character title and a line of
 * 300 000 characters mixing 1-, 2-, 3- and 4-byte UTF-8 and markup
 * characters, between two ordinary lines.
 */
struct huge {
	struct note n;
	char *lines[3];
};

static void huge_note(struct huge *h)
{
	static const char unit[] = "进😀é&<*_"; /* 3+4+2+1+1+1+1 bytes */
	const size_t reps = 300000 / 7;
	char *title = malloc(600 * 3 + 1), *big;

	assert_non_null(title);
	for (size_t i = 0; i < 600; i++)
		memcpy(title + 3 * i, "超", 3);
	title[600 * 3] = '\0';
	big = malloc(reps * (sizeof(unit) - 1) + 1);
	assert_non_null(big);
	for (size_t i = 0; i < reps; i++)
		memcpy(big + i * (sizeof(unit) - 1), unit, sizeof(unit) - 1);
	big[reps * (sizeof(unit) - 1)] = '\0';
	memset(h, 0, sizeof(*h));
	h->lines[0] = strdup("当前 120 / 350 个（34.29%）");
	h->lines[1] = big;
	h->lines[2] = strdup("责任单位：区建设局");
	h->n.title = title;
	h->n.lines = h->lines;
	h->n.n_lines = 3;
	h->n.link = (char *)LINK;
	h->n.text = big;
	h->n.tone = NOTE_WARN;
}

static void huge_free(struct huge *h)
{
	free(h->n.title);
	for (size_t i = 0; i < 3; i++)
		free(h->lines[i]);
}

/* A hand-made note of n equal lines of len ASCII characters each. */
struct many {
	struct note n;
	char **lines;
};

static void many_note(struct many *m, size_t n, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->lines = calloc(n, sizeof(*m->lines));
	assert_non_null(m->lines);
	for (size_t i = 0; i < n; i++) {
		m->lines[i] = malloc(len + 1);
		assert_non_null(m->lines[i]);
		snprintf(m->lines[i], len + 1, "L%04zu ", i);
		memset(m->lines[i] + 6, 'x', len - 6);
		m->lines[i][len] = '\0';
	}
	m->n.title = (char *)"Many lines";
	m->n.lines = m->lines;
	m->n.n_lines = n;
	m->n.text = (char *)"Many lines";
	m->n.tone = NOTE_INFO;
}

static void many_free(struct many *m)
{
	for (size_t i = 0; i < m->n.n_lines; i++)
		free(m->lines[i]);
	free(m->lines);
}

/* ---- judging ------------------------------------------------------------ */

static struct chan_judgement judge(const char *type, long status,
				   const char *body, long retry_after)
{
	struct httpc_response res = {
		.status = status,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.retry_after_s = retry_after,
	};
	struct chan_judgement j;

	memset(&j, 0x55, sizeof(j));
	driver(type)->judge(&res, &j);
	if (j.verdict == CHAN_SENT)
		assert_string_equal(j.why, "");
	else
		assert_true(j.why[0] != '\0');
	return j;
}

static void assert_verdict(const char *type, long status, const char *body,
			   long retry_after, enum chan_verdict v, long pause,
			   const char *why)
{
	struct chan_judgement j = judge(type, status, body, retry_after);

	if (j.verdict != v || j.pause_s != pause ||
	    (why && !strstr(j.why, why)))
		fail_msg("%s %ld %s: verdict %d pause %ld why \"%s\"", type,
			 status, body ? body : "", j.verdict, j.pause_s,
			 j.why);
}

/* A transfer that never got an answer is retried on every platform. */
static void test_transport_errors_retry(void **state)
{
	static const char *const types[] = {"slack", "discord", "teams",
					    "telegram"};
	struct httpc_response res = {.curl_code = 28,
				     .error = "Operation timed out",
				     .retry_after_s = -1};

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(types); i++) {
		struct chan_judgement j;

		driver(types[i])->judge(&res, &j);
		assert_int_equal(j.verdict, CHAN_RETRY);
		assert_non_null(strstr(j.why, "timed out"));
	}
}

static void test_rates(void **state)
{
	(void)state;
	/* Slack: one message per second. */
	assert_int_equal(driver("slack")->rate_n, 1);
	assert_int_equal(driver("slack")->rate_period_ms, 1000);
	/* Telegram bot FAQ: 20 messages per minute to one group. */
	assert_int_equal(driver("telegram")->rate_n, 20);
	assert_int_equal(driver("telegram")->rate_period_ms, 60000);
	/* Discord and Teams document no fixed number: 429 decides. */
	assert_int_equal(driver("discord")->rate_n, 0);
	assert_int_equal(driver("teams")->rate_n, 0);
}

/* ---- slack -------------------------------------------------------------- */

/* The documented shape: header (plain_text <= 150), sections (mrkdwn <=
 * 3000), optional context, at most 50 blocks; "text" set. */
static void slack_check(const json_t *o)
{
	const json_t *blocks = json_object_get(o, "blocks"), *b;
	size_t i;

	assert_true(strlen(sget(o, "text")) > 0);
	assert_true(json_is_array(blocks));
	assert_true(json_array_size(blocks) >= 1);
	assert_true(json_array_size(blocks) <= 50);
	json_array_foreach(blocks, i, b)
	{
		const char *t = sget(b, "type");
		const json_t *txt = json_object_get(b, "text");

		if (i == 0) {
			assert_string_equal(t, "header");
			assert_string_equal(sget(txt, "type"), "plain_text");
			assert_true(u16(sget(txt, "text")) <= 150);
		} else if (strcmp(t, "section") == 0) {
			assert_string_equal(sget(txt, "type"), "mrkdwn");
			assert_true(u16(sget(txt, "text")) <= 3000);
			assert_true(strlen(sget(txt, "text")) > 0);
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
	if (strcmp(sget(b, "type"), "section") == 0)
		fprintf(f, "%s\n", sget(json_object_get(b, "text"), "text"));
	fclose(f);
	return buf;
}

static void test_slack_one(void **state)
{
	struct note n;
	json_t *o, *blocks, *last;
	char *sec;

	(void)state;
	event_note(&n, "zh-CN");
	o = render_json("slack", CHAN_ONE, &n, "zh-CN");
	slack_check(o);
	blocks = json_object_get(o, "blocks");
	/* plain_text is never parsed: the title as it is. */
	assert_string_equal(
		sget(json_object_get(json_array_get(blocks, 0), "text"),
		     "text"),
		n.title);
	/* mrkdwn and the fallback: &, <, > as entities, nothing else. */
	assert_true(has(sget(o, "text"), "停车&lt;b&gt;&amp;\"泊位"));
	assert_false(has(sget(o, "text"), "<b>"));
	sec = slack_sections(o);
	assert_true(has(sec, n.lines[0]));
	assert_true(has(sec, n.lines[n.n_lines - 1]));
	free(sec);
	last = json_array_get(blocks, json_array_size(blocks) - 1);
	assert_string_equal(sget(last, "type"), "context");
	assert_string_equal(
		sget(json_array_get(json_object_get(last, "elements"), 0),
		     "text"),
		"<" LINK "|查看详情>");
	json_decref(o);
	note_clear(&n);

	event_note(&n, "en");
	o = render_json("slack", CHAN_ONE, &n, "en");
	blocks = json_object_get(o, "blocks");
	last = json_array_get(blocks, json_array_size(blocks) - 1);
	assert_string_equal(
		sget(json_array_get(json_object_get(last, "elements"), 0),
		     "text"),
		"<" LINK "|View details>");
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
	json_t *o, *blocks, *last;

	(void)state;
	o = render_json("slack", CHAN_ONE, &n, "en");
	blocks = json_object_get(o, "blocks");
	last = json_array_get(blocks, json_array_size(blocks) - 1);
	assert_string_equal(
		sget(json_array_get(json_object_get(last, "elements"), 0),
		     "text"),
		"<https://x.example/?a=1&amp;b=&lt;2&gt;%7C3|View details>");
	json_decref(o);
}

static void test_slack_summary_digest(void **state)
{
	struct note n;
	json_t *o;
	char *sec, want[32];

	(void)state;
	summary_note(&n, 25);
	o = render_json("slack", CHAN_SUMMARY, &n, "zh-CN");
	slack_check(o);
	sec = slack_sections(o);
	for (int i = 1; i <= 25; i++) {
		snprintf(want, sizeof(want), "项目%03d", i);
		assert_true(has(sec, want));
	}
	free(sec);
	json_decref(o);
	note_clear(&n);

	digest_note(&n);
	o = render_json("slack", CHAN_DIGEST, &n, "zh-CN");
	slack_check(o);
	sec = slack_sections(o);
	assert_true(has(sec, "道路&lt;改造&gt;"));
	assert_true(has(sec, "污水管网"));
	free(sec);
	json_decref(o);
	note_clear(&n);
}

static void test_slack_huge(void **state)
{
	struct huge h;
	struct many m;
	struct chan_request r;
	json_t *o, *b;
	size_t i;

	(void)state;
	huge_note(&h);
	o = render_json("slack", CHAN_ONE, &h.n, "zh-CN");
	slack_check(o);
	b = json_object_get(json_array_get(json_object_get(o, "blocks"), 0),
			    "text");
	assert_prefix_cut(sget(b, "text"), strlen(sget(b, "text")),
			  h.n.title);
	assert_true(u16(sget(o, "text")) <= 3000 * 5);
	/* The big line is cut, the last line still there. */
	json_array_foreach(json_object_get(o, "blocks"), i, b)
	if (i == 2) {
		const char *t = sget(json_object_get(b, "text"), "text");

		assert_true(has(t, ELLIPSIS));
	}
	b = json_object_get(o, "blocks");
	assert_true(has(sget(json_object_get(json_array_get(b, 3), "text"),
			     "text"),
			"责任单位"));
	json_decref(o);
	huge_free(&h);

	/* 60 lines of 2990 characters need 60 sections: one event cut off
	 * makes a summary refuse... */
	many_note(&m, 60, 2990);
	assert_int_equal(render("slack", CHAN_SUMMARY, &m.n, "en", &r),
			 PACED_E2BIG);
	chan_request_clear(&r);
	/* ... while one message ends with an ellipsis. */
	o = render_json("slack", CHAN_ONE, &m.n, "en");
	slack_check(o);
	b = json_object_get(o, "blocks");
	/* Header and 49 sections (no link here), the last one ending so. */
	assert_int_equal(json_array_size(b), 50);
	assert_true(has(sget(json_object_get(json_array_get(b, 49), "text"),
			     "text"),
			"\n" ELLIPSIS));
	json_decref(o);
	many_free(&m);
}

static void test_slack_judge(void **state)
{
	(void)state;
	assert_verdict("slack", 200, "ok", -1, CHAN_SENT, -1, NULL);
	assert_verdict("slack", 400, "invalid_payload", -1, CHAN_DEAD, -1,
		       "invalid_payload");
	assert_verdict("slack", 403, "action_prohibited", -1, CHAN_DEAD, -1,
		       "action_prohibited");
	assert_verdict("slack", 404, "channel_not_found", -1, CHAN_DEAD, -1,
		       "slack HTTP 404: channel_not_found");
	assert_verdict("slack", 404, "no_service", -1, CHAN_DEAD, -1,
		       "no_service");
	assert_verdict("slack", 410, "channel_is_archived", -1, CHAN_DEAD,
		       -1, "channel_is_archived");
	assert_verdict("slack", 500, "rollup_error", -1, CHAN_RETRY, -1,
		       "rollup_error");
	assert_verdict("slack", 503, NULL, 7, CHAN_RETRY, 7, "HTTP 503");
	assert_verdict("slack", 429, "{\"ok\":false}", 30, CHAN_RETRY, 30,
		       "429");
	/* One line in the log whatever the body holds. */
	assert_verdict("slack", 400, "invalid_payload\nsecond line", -1,
		       CHAN_DEAD, -1, NULL);
	assert_null(strchr(judge("slack", 400, "a\nb", -1).why, '\n'));
}

/* ---- discord ------------------------------------------------------------ */

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

	assert_true(u16(sget(o, "content")) <= 2000);
	assert_true(u16(sget(e, "title")) <= 256);
	assert_true(!desc || u16(desc) <= 4096);
	total = u16(sget(e, "title")) + (desc ? u16(desc) : 0);
	assert_true(total <= 6000);
	assert_true(json_is_integer(json_object_get(e, "color")));
	am = json_object_get(json_object_get(o, "allowed_mentions"), "parse");
	assert_true(json_is_array(am));
	assert_int_equal(json_array_size(am), 0);
}

static void test_discord_one(void **state)
{
	struct note n;
	json_t *o;
	const json_t *e;

	(void)state;
	event_note(&n, "zh-CN");
	o = render_json("discord", CHAN_ONE, &n, "zh-CN");
	discord_check(o);
	e = discord_embed(o);
	/* < would start a mention or timestamp: backslash-escaped. */
	assert_true(has(sget(e, "title"), "停车\\<b>&\"泊位"));
	assert_true(has(sget(o, "content"), "停车\\<b>&\"泊位"));
	/* The link in content, in angle brackets (no unfurl), and on the
	 * embed's title. */
	assert_true(has(sget(o, "content"), "\n<" LINK ">"));
	assert_string_equal(sget(e, "url"), LINK);
	assert_int_equal(json_integer_value(json_object_get(e, "color")),
			 0xE74C3C);
	assert_true(has(sget(e, "description"), n.lines[0]));
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
	o = render_json("discord", CHAN_ONE, &n, "en");
	discord_check(o);
	e = discord_embed(o);
	assert_string_equal(sget(e, "title"), "\\*\\*A\\*\\* @everyone");
	assert_string_equal(sget(e, "description"),
			    "\\# not a heading \\*bold\\* \\_it\\_ \\`c\\` "
			    "\\~s\\~ \\|x\\|\n\\- not a list \\[a\\](b)\n"
			    "a - b");
	/* No link: no url, content is the title alone. */
	assert_null(json_object_get(e, "url"));
	assert_string_equal(sget(o, "content"), "\\*\\*A\\*\\* @everyone");
	assert_int_equal(json_integer_value(json_object_get(e, "color")),
			 0x2ECC71);
	json_decref(o);
}

static void test_discord_summary_digest(void **state)
{
	struct note n;
	json_t *o;
	char want[32];

	(void)state;
	summary_note(&n, 25);
	o = render_json("discord", CHAN_SUMMARY, &n, "zh-CN");
	discord_check(o);
	for (int i = 1; i <= 25; i++) {
		snprintf(want, sizeof(want), "项目%03d", i);
		assert_true(has(sget(discord_embed(o), "description"), want));
	}
	json_decref(o);
	note_clear(&n);

	digest_note(&n);
	o = render_json("discord", CHAN_DIGEST, &n, "zh-CN");
	discord_check(o);
	assert_true(has(sget(discord_embed(o), "description"),
			"道路\\<改造>"));
	json_decref(o);
	note_clear(&n);
}

static void test_discord_huge(void **state)
{
	struct huge h;
	struct many m;
	struct chan_request r;
	json_t *o;
	const json_t *e;
	const char *d;

	(void)state;
	huge_note(&h);
	o = render_json("discord", CHAN_ONE, &h.n, "zh-CN");
	discord_check(o);
	e = discord_embed(o);
	assert_prefix_cut(sget(e, "title"), strlen(sget(e, "title")),
			  h.n.title);
	d = sget(e, "description");
	/* Fair shares: the short lines whole, the big one cut. */
	assert_true(has(d, h.lines[0]));
	assert_true(has(d, h.lines[2]));
	assert_true(has(d, ELLIPSIS "\n"));
	assert_true(u16(d) > 4000);
	json_decref(o);
	huge_free(&h);

	/* 400 lines cannot all stay even at 24 characters each. */
	many_note(&m, 400, 40);
	assert_int_equal(render("discord", CHAN_SUMMARY, &m.n, "en", &r),
			 PACED_E2BIG);
	chan_request_clear(&r);
	o = render_json("discord", CHAN_ONE, &m.n, "en");
	discord_check(o);
	d = sget(discord_embed(o), "description");
	assert_true(has(d, "L0000 "));
	assert_true(strcmp(d + strlen(d) - strlen("\n" ELLIPSIS),
			   "\n" ELLIPSIS) == 0);
	json_decref(o);
	many_free(&m);

	/* 100 lines of 80: every line stays, cut to the same length. */
	many_note(&m, 100, 80);
	o = render_json("discord", CHAN_SUMMARY, &m.n, "en");
	discord_check(o);
	d = sget(discord_embed(o), "description");
	assert_true(has(d, "L0000 "));
	assert_true(has(d, "L0099 "));
	assert_true(u16(d) > 3900);
	json_decref(o);
	many_free(&m);
}

static void test_discord_judge(void **state)
{
	(void)state;
	assert_verdict("discord", 204, NULL, -1, CHAN_SENT, -1, NULL);
	assert_verdict("discord", 200, "{\"id\":\"1\"}", -1, CHAN_SENT, -1,
		       NULL);
	/* retry_after is in seconds, a float: never resume early. */
	assert_verdict("discord", 429,
		       "{\"message\":\"You are being rate limited.\","
		       "\"retry_after\":1.5,\"global\":false}",
		       -1, CHAN_RETRY, 2, "rate limited");
	assert_verdict("discord", 429,
		       "{\"message\":\"You are being rate limited.\","
		       "\"retry_after\":0.2,\"global\":false}",
		       5, CHAN_RETRY, 5, NULL);
	assert_verdict("discord", 429, NULL, 3, CHAN_RETRY, 3, "429");
	assert_verdict("discord", 400,
		       "{\"message\":\"Cannot send an empty message\","
		       "\"code\":50006}",
		       -1, CHAN_DEAD, -1,
		       "discord HTTP 400: 50006 Cannot send an empty message");
	assert_verdict("discord", 404,
		       "{\"message\":\"Unknown Webhook\",\"code\":10015}", -1,
		       CHAN_DEAD, -1, "10015 Unknown Webhook");
	assert_verdict("discord", 401, NULL, -1, CHAN_DEAD, -1, "401");
	assert_verdict("discord", 500, "{\"message\":\"500: Internal\"}", -1,
		       CHAN_RETRY, -1, "500: Internal");
	assert_verdict("discord", 502, "<html>bad gateway</html>", -1,
		       CHAN_RETRY, -1, "HTTP 502");
}

/* ---- teams -------------------------------------------------------------- */

/* The Workflows message and its card; returns the card (borrowed). */
static const json_t *teams_card(const json_t *o)
{
	const json_t *att = json_object_get(o, "attachments"), *a, *c;

	assert_string_equal(sget(o, "type"), "message");
	assert_int_equal(json_array_size(att), 1);
	a = json_array_get(att, 0);
	assert_string_equal(sget(a, "contentType"),
			    "application/vnd.microsoft.card.adaptive");
	assert_true(json_is_null(json_object_get(a, "contentUrl")));
	c = json_object_get(a, "content");
	assert_string_equal(sget(c, "$schema"),
			    "http://adaptivecards.io/schemas/"
			    "adaptive-card.json");
	assert_string_equal(sget(c, "type"), "AdaptiveCard");
	assert_string_equal(sget(c, "version"), "1.4");
	return c;
}

static void teams_check(const json_t *o, const char *color)
{
	const json_t *body = json_object_get(teams_card(o), "body"), *b;
	size_t i;

	assert_true(json_array_size(body) >= 1);
	json_array_foreach(body, i, b)
	{
		assert_string_equal(sget(b, "type"), "TextBlock");
		assert_true(json_is_true(json_object_get(b, "wrap")));
		if (i == 0) {
			assert_string_equal(sget(b, "weight"), "bolder");
			assert_string_equal(sget(b, "size"), "medium");
			assert_string_equal(sget(b, "color"), color);
		}
	}
}

static const char *teams_text(const json_t *o, size_t i)
{
	return sget(json_array_get(json_object_get(teams_card(o), "body"), i),
		    "text");
}

static void test_teams_one(void **state)
{
	struct note n;
	json_t *o;
	const json_t *act;

	(void)state;
	event_note(&n, "zh-CN");
	o = render_json("teams", CHAN_ONE, &n, "zh-CN");
	teams_check(o, "attention");
	/* JSON carries <, & and " as they are; none is card markdown. */
	assert_true(has(teams_text(o, 0), NASTY));
	for (size_t i = 0; i < n.n_lines; i++)
		assert_string_equal(teams_text(o, i + 1), n.lines[i]);
	act = json_object_get(teams_card(o), "actions");
	assert_int_equal(json_array_size(act), 1);
	assert_string_equal(sget(json_array_get(act, 0), "type"),
			    "Action.OpenUrl");
	assert_string_equal(sget(json_array_get(act, 0), "url"), LINK);
	assert_string_equal(sget(json_array_get(act, 0), "title"), "查看详情");
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
		o = render_json("teams", CHAN_ONE, &n, "en");
		teams_check(o, tones[i].color);
		json_decref(o);
	}
	o = render_json("teams", CHAN_ONE, &n, "en");
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
	summary_note(&n, 25);
	o = render_json("teams", CHAN_SUMMARY, &n, "zh-CN");
	teams_check(o, "attention");
	for (int i = 1; i <= 25; i++) {
		snprintf(want, sizeof(want), "项目%03d", i);
		assert_true(has(teams_text(o, (size_t)i), want));
	}
	json_decref(o);
	note_clear(&n);

	digest_note(&n);
	o = render_json("teams", CHAN_DIGEST, &n, "zh-CN");
	teams_check(o, "attention");
	assert_int_equal(json_array_size(json_object_get(teams_card(o),
							 "body")),
			 n.n_lines + 1);
	json_decref(o);
	note_clear(&n);
}

static void test_teams_huge(void **state)
{
	struct huge h;
	struct many m;
	struct chan_request r;
	json_t *o;
	const char *t;

	(void)state;
	huge_note(&h);
	o = render_json("teams", CHAN_ONE, &h.n, "zh-CN"); /* <= 28000 */
	teams_check(o, "warning");
	assert_string_equal(teams_text(o, 1), h.lines[0]);
	assert_string_equal(teams_text(o, 3), h.lines[2]);
	t = teams_text(o, 2);
	assert_true(has(t, ELLIPSIS));
	assert_true(strlen(t) > 20000);
	/* Only card markdown is escaped: & and < are not markup there. */
	assert_true(strncmp(t, "进😀é&<\\*\\_进",
			    strlen("进😀é&<\\*\\_进")) == 0);
	json_decref(o);
	huge_free(&h);

	many_note(&m, 1000, 40);
	assert_int_equal(render("teams", CHAN_SUMMARY, &m.n, "en", &r),
			 PACED_E2BIG);
	chan_request_clear(&r);
	o = render_json("teams", CHAN_ONE, &m.n, "en");
	t = json_string_value(json_object_get(
		json_array_get(json_object_get(teams_card(o), "body"),
			       json_array_size(json_object_get(
				       teams_card(o), "body")) -
				       1),
		"text"));
	assert_string_equal(t, ELLIPSIS);
	json_decref(o);
	many_free(&m);
}

static void test_teams_judge(void **state)
{
	(void)state;
	assert_verdict("teams", 202, NULL, -1, CHAN_SENT, -1, NULL);
	assert_verdict("teams", 200, "1", -1, CHAN_SENT, -1, NULL);
	assert_verdict("teams", 400,
		       "{\"error\":{\"code\":\"InvalidRequestContent\","
		       "\"message\":\"The input body is not valid\"}}",
		       -1, CHAN_DEAD, -1,
		       "teams HTTP 400: The input body is not valid");
	assert_verdict("teams", 413, NULL, -1, CHAN_DEAD, -1, "413");
	assert_verdict("teams", 404, NULL, -1, CHAN_DEAD, -1, "404");
	assert_verdict("teams", 429, NULL, 12, CHAN_RETRY, 12, "429");
	assert_verdict("teams", 502, NULL, -1, CHAN_RETRY, -1, "502");
}

/* ---- telegram ----------------------------------------------------------- */

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

static void test_telegram_one(void **state)
{
	struct note n;
	json_t *o;
	const char *t;
	char want[256], vis[4096];

	(void)state;
	event_note(&n, "zh-CN");
	o = render_json("telegram", CHAN_ONE, &n, "zh-CN");
	assert_string_equal(sget(o, "chat_id"), "-1001234567890");
	assert_string_equal(sget(o, "parse_mode"), "HTML");
	assert_true(json_is_true(json_object_get(o,
						 "disable_web_page_preview")));
	t = sget(o, "text");
	snprintf(want, sizeof(want),
		 "<b>【落后】停车&lt;b&gt;&amp;\"泊位</b>\n%s\n", n.lines[0]);
	assert_true(strncmp(t, want, strlen(want)) == 0);
	snprintf(want, sizeof(want), "\n<a href=\"%s\">查看详情</a>", LINK);
	assert_string_equal(t + strlen(t) - strlen(want), want);
	tg_visible(t, vis, sizeof(vis));
	assert_true(has(vis, n.title));
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
	o = render_json("telegram", CHAN_ONE, &n, "en");
	assert_string_equal(sget(o, "text"),
			    "<b>t</b>\n<a href=\"https://x.example/?a=&quot;1"
			    "&quot;&amp;b=&lt;2&gt;\">View details</a>");
	assert_int_equal(tg_visible(sget(o, "text"), vis, sizeof(vis)),
			 strlen("t\nView details"));
	json_decref(o);
}

static void test_telegram_summary_digest(void **state)
{
	struct note n;
	json_t *o;
	char want[32], vis[8192];

	(void)state;
	summary_note(&n, 25);
	o = render_json("telegram", CHAN_SUMMARY, &n, "zh-CN");
	assert_true(tg_visible(sget(o, "text"), vis, sizeof(vis)) <= 4096);
	for (int i = 1; i <= 25; i++) {
		snprintf(want, sizeof(want), "项目%03d", i);
		assert_true(has(vis, want));
	}
	json_decref(o);
	note_clear(&n);

	digest_note(&n);
	o = render_json("telegram", CHAN_DIGEST, &n, "zh-CN");
	tg_visible(sget(o, "text"), vis, sizeof(vis));
	assert_true(has(vis, "道路<改造>"));
	assert_true(has(sget(o, "text"), "道路&lt;改造&gt;"));
	json_decref(o);
	note_clear(&n);
}

static void test_telegram_huge(void **state)
{
	struct huge h;
	struct many m;
	struct chan_request r;
	json_t *o;
	static char vis[64 * 1024];
	const char *t;
	size_t nvis;
	struct conf_channel saved = ch_telegram;

	(void)state;
	huge_note(&h);
	o = render_json("telegram", CHAN_ONE, &h.n, "zh-CN");
	t = sget(o, "text");
	nvis = tg_visible(t, vis, sizeof(vis));
	assert_true(nvis <= 4096);
	assert_true(nvis > 4000);
	assert_true(has(vis, h.lines[0]));
	assert_true(has(vis, h.lines[2]));
	/* The title is cut too, on a character boundary. */
	assert_true(strncmp(vis, "超超", 6) == 0);
	json_decref(o);
	huge_free(&h);

	many_note(&m, 300, 40);
	assert_int_equal(render("telegram", CHAN_SUMMARY, &m.n, "en", &r),
			 PACED_E2BIG);
	chan_request_clear(&r);
	o = render_json("telegram", CHAN_ONE, &m.n, "en");
	nvis = tg_visible(sget(o, "text"), vis, sizeof(vis));
	assert_true(nvis <= 4096);
	assert_true(has(vis, "\n" ELLIPSIS));
	json_decref(o);
	many_free(&m);

	/* Without chat_id the channel cannot work. */
	ch_telegram.chat_id = NULL;
	{
		struct note n = {.title = (char *)"t", .text = (char *)"t"};
		struct chan_msg msg = {.kind = CHAN_ONE,
				       .ch = &ch_telegram,
				       .language = "en",
				       .note = &n,
				       .id = "x"};
		char err[128] = "";

		memset(&r, 0, sizeof(r));
		assert_int_equal(driver("telegram")->render(&msg, &r, err,
							    sizeof(err)),
				 PACED_EINVAL);
		assert_non_null(strstr(err, "chat_id"));
		chan_request_clear(&r);
	}
	ch_telegram = saved;
}

static void test_telegram_judge(void **state)
{
	(void)state;
	assert_verdict("telegram", 200,
		       "{\"ok\":true,\"result\":{\"message_id\":1}}", -1,
		       CHAN_SENT, -1, NULL);
	assert_verdict("telegram", 429,
		       "{\"ok\":false,\"error_code\":429,\"description\":"
		       "\"Too Many Requests: retry after 17\",\"parameters\":"
		       "{\"retry_after\":17}}",
		       17, CHAN_RETRY, 17, "retry after 17");
	/* parameters.retry_after wins; the header when it is missing. */
	assert_verdict("telegram", 429,
		       "{\"ok\":false,\"error_code\":429,\"description\":"
		       "\"Too Many Requests\",\"parameters\":"
		       "{\"retry_after\":35}}",
		       -1, CHAN_RETRY, 35, NULL);
	assert_verdict("telegram", 429,
		       "{\"ok\":false,\"error_code\":429,\"description\":"
		       "\"Too Many Requests\"}",
		       9, CHAN_RETRY, 9, NULL);
	assert_verdict("telegram", 400,
		       "{\"ok\":false,\"error_code\":400,\"description\":"
		       "\"Bad Request: chat not found\"}",
		       -1, CHAN_DEAD, -1,
		       "telegram error_code 400: Bad Request: chat not found");
	assert_verdict("telegram", 401,
		       "{\"ok\":false,\"error_code\":401,\"description\":"
		       "\"Unauthorized\"}",
		       -1, CHAN_DEAD, -1, "Unauthorized");
	assert_verdict("telegram", 403,
		       "{\"ok\":false,\"error_code\":403,\"description\":"
		       "\"Forbidden: bot was kicked from the supergroup "
		       "chat\"}",
		       -1, CHAN_DEAD, -1, "bot was kicked");
	assert_verdict("telegram", 404,
		       "{\"ok\":false,\"error_code\":404,\"description\":"
		       "\"Not Found\"}",
		       -1, CHAN_DEAD, -1, "Not Found");
	assert_verdict("telegram", 400,
		       "{\"ok\":false,\"error_code\":400,\"description\":"
		       "\"Bad Request: group chat was upgraded to a supergroup "
		       "chat\",\"parameters\":{\"migrate_to_chat_id\":"
		       "-1009876543210}}",
		       -1, CHAN_DEAD, -1, "-1009876543210");
	assert_verdict("telegram", 500,
		       "{\"ok\":false,\"error_code\":500,\"description\":"
		       "\"Internal Server Error\"}",
		       -1, CHAN_RETRY, -1, "Internal Server Error");
	assert_verdict("telegram", 502, "<html>Bad Gateway</html>", -1,
		       CHAN_RETRY, -1, "502");
	/* A 200 that is not the Bot API: the url is wrong, retrying will
	 * not help. */
	assert_verdict("telegram", 200, "<html>hello</html>", -1, CHAN_DEAD,
		       -1, "ok");
	assert_verdict("telegram", 200, "{\"ok\":\"yes\"}", -1, CHAN_DEAD,
		       -1, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_transport_errors_retry),
		cmocka_unit_test(test_slack_one),
		cmocka_unit_test(test_slack_link_escaped),
		cmocka_unit_test(test_slack_summary_digest),
		cmocka_unit_test(test_slack_huge),
		cmocka_unit_test(test_slack_judge),
		cmocka_unit_test(test_discord_one),
		cmocka_unit_test(test_discord_markdown),
		cmocka_unit_test(test_discord_summary_digest),
		cmocka_unit_test(test_discord_huge),
		cmocka_unit_test(test_discord_judge),
		cmocka_unit_test(test_teams_one),
		cmocka_unit_test(test_teams_markdown_and_tones),
		cmocka_unit_test(test_teams_summary_digest),
		cmocka_unit_test(test_teams_huge),
		cmocka_unit_test(test_teams_judge),
		cmocka_unit_test(test_telegram_one),
		cmocka_unit_test(test_telegram_href),
		cmocka_unit_test(test_telegram_summary_digest),
		cmocka_unit_test(test_telegram_huge),
		cmocka_unit_test(test_telegram_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
