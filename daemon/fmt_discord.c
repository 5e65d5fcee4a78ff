/*
 * fmt_discord.c - the discord channel: an Execute Webhook call
 * (https://discord.com/developers/docs/resources/webhook#execute-webhook)
 * to the channel's url as given:
 *   {"content": title and link, "allowed_mentions": {"parse": []},
 *    "embeds": [{"title", "description", "url", "color"}]}
 * The embed carries the message; content repeats the title because push
 * notifications and clients with embeds turned off show only content.
 *
 * Facts used (Discord developer documentation):
 *  - A message needs content, embeds (or files); both may be given.
 *    content is at most 2000 characters; an embed's title at most 256,
 *    its description at most 4096, all embeds together at most 6000.
 *    Characters are counted here as UTF-16 code units, which is never
 *    fewer than what Discord counts.
 *  - allowed_mentions with an empty parse list: no @everyone, role or
 *    user ping, whatever a project's title says.
 *  - Markdown in content and embeds: a backslash before a markdown
 *    character shows it as itself.
 *  - Success is 204 No Content, or 200 with the message when the url has
 *    ?wait=true. Errors are JSON {"code", "message"}; 429 carries
 *    "retry_after" (seconds, a float) and a Retry-After header.
 *  - Rate limits "should not be hard coded": Discord documents no fixed
 *    per-webhook number, only the 429 answer and X-RateLimit-* headers,
 *    so there is no default rate here; 429 pauses the channel.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "fmt_text.h"
#include "paced.h"

#define DC_CONTENT_MAX 2000
#define DC_TITLE_MAX 256
#define DC_DESC_MAX 4096
#define DC_MIN_CAP 24 /* shortest a detail line is cut to */

/* Embed colours (0xRRGGBB) by tone. */
#define DC_RED 0xE74C3C
#define DC_ORANGE 0xF39C12
#define DC_GREEN 0x2ECC71
#define DC_BLUE 0x3498DB

/* Whether c at the start of a line (bol) needs a backslash: inline
 * markup anywhere (bold, italic, strike, code, spoiler, masked links,
 * mentions and timestamps), block markup (headings, lists, quotes) only
 * where a line starts. */
static bool dc_special(char c, bool bol)
{
	if (strchr("\\*_~`|[]<", c))
		return true;
	return bol && strchr("#->+", c);
}

/* UTF-16 units of one character once escaped: a backslash is one more. */
static size_t dc_char_cost(const char *s, size_t k, bool bol)
{
	return fmt_text_utf16(s, k, bol) + (k == 1 && dc_special(*s, bol));
}

static size_t dc_cost(const char *s)
{
	return fmt_text_cost(s, dc_char_cost);
}

/* s cut on a character boundary so that, escaped and with an ellipsis
 * when cut, it counts at most cap units. malloc'd, unescaped. */
static char *dc_cut(const char *s, size_t cap)
{
	return fmt_text_cut(s, cap, dc_char_cost);
}

/* Appends s escaped for Discord's markdown to f. */
static void dc_escape(FILE *f, const char *s)
{
	bool bol = true;

	for (; *s; s++) {
		if (dc_special(*s, bol))
			fputc('\\', f);
		fputc(*s, f);
		bol = *s == '\n';
	}
}

/* Detail lines are joined by newlines: each costs one unit more. */
static const struct fmt_text_fit dc_fit = {
	.cost = dc_char_cost,
	.min_cap = DC_MIN_CAP,
	.per_line = 1,
};

static int dc_color(enum note_tone t)
{
	switch (t) {
	case NOTE_BAD: return DC_RED;
	case NOTE_WARN: return DC_ORANGE;
	case NOTE_GOOD: return DC_GREEN;
	default: return DC_BLUE;
	}
}

/* A memstream's text, or NULL (and nothing to free) when it failed. */
static char *dc_close(FILE *f, char **buf)
{
	/* *buf is only set by fclose(). */
	if (fclose(f) != 0 || !*buf) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

/* The escaped title (cut to max units), then "\n<link>" - angle brackets
 * keep Discord from unfurling it - when there is room. */
static char *dc_content(const char *title, const char *link, size_t max)
{
	char *buf = NULL, *t = dc_cut(title, max);
	size_t len = 0;
	FILE *f = t ? open_memstream(&buf, &len) : NULL;

	if (!f) {
		free(t);
		return NULL;
	}
	dc_escape(f, t);
	if (link && dc_cost(t) + strlen(link) + 3 <= DC_CONTENT_MAX)
		fprintf(f, "\n<%s>", link);
	free(t);
	return dc_close(f, &buf);
}

static char *dc_description(char *const *lines, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc('\n', f);
		dc_escape(f, lines[i]);
	}
	return dc_close(f, &buf);
}

static json_t *dc_embed(const struct note *n, char *const *lines,
			size_t n_lines)
{
	char *t = dc_cut(n->title ? n->title : "", DC_TITLE_MAX);
	char *title = t ? dc_description(&t, 1) : NULL;
	char *desc = n_lines ? dc_description(lines, n_lines) : NULL;
	json_t *e = title ? json_pack("{s:s,s:i}", "title", title, "color",
				      dc_color(n->tone))
			  : NULL;

	if (e && n_lines &&
	    (!desc || json_object_set_new(e, "description",
					  json_string(desc)) < 0)) {
		json_decref(e);
		e = NULL;
	}
	if (e && n->link &&
	    json_object_set_new(e, "url", json_string(n->link)) < 0) {
		json_decref(e);
		e = NULL;
	}
	free(t);
	free(title);
	free(desc);
	return e;
}

static int dc_render(const struct chan_msg *m, struct chan_request *r,
		     char *err, size_t errlen)
{
	const struct note *n = m->note;
	char **lines = NULL, *content;
	size_t n_lines = 0;
	json_t *body = NULL, *embed;
	int e;

	(void)err;
	(void)errlen;
	e = fmt_text_fit_lines(n->lines, n->n_lines, DC_DESC_MAX + 1,
			       m->kind == CHAN_SUMMARY, &dc_fit, &lines,
			       &n_lines);
	if (e)
		return e;
	content = dc_content(n->title ? n->title : "", n->link,
			     DC_TITLE_MAX);
	embed = dc_embed(n, lines, n_lines);
	if (content && embed)
		body = json_pack("{s:s,s:[O],s:{s:[]}}", "content", content,
				 "embeds", embed, "allowed_mentions", "parse");
	json_decref(embed);
	free(content);
	fmt_text_free_lines(lines, n_lines);
	return chan_request_json(r, m->ch->url, body, "application/json");
}

static void dc_judge(const struct httpc_response *res,
		     struct chan_judgement *j)
{
	json_t *o;
	const char *msg;
	json_int_t code;
	double after;

	chan_judge_http(res, j);
	if (j->verdict == CHAN_SENT || res->curl_code != 0)
		return;
	o = chan_response_json(res);
	if (!o)
		return;
	msg = json_string_value(json_object_get(o, "message"));
	code = json_integer_value(json_object_get(o, "code"));
	after = json_number_value(json_object_get(o, "retry_after"));
	if (res->status == 429 && after > 0 && after < 86400) {
		long s = (long)after;

		if (s < after)
			s++; /* whole seconds, never early */
		if (s > j->pause_s)
			j->pause_s = s;
	}
	if (code)
		snprintf(j->why, sizeof(j->why), "discord HTTP %ld: %lld %s",
			 res->status, (long long)code, msg ? msg : "");
	else if (msg)
		snprintf(j->why, sizeof(j->why), "discord HTTP %ld: %s",
			 res->status, msg);
	json_decref(o);
}

const struct chan_driver chan_discord = {
	.type = "discord",
	.digest = true,
	.render = dc_render,
	.judge = dc_judge,
};
