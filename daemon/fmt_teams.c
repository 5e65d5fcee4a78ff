/*
 * fmt_teams.c - the teams channel: an Adaptive Card POSTed to a Teams
 * Workflows webhook ("Post to a channel when a webhook request is
 * received"), url as given:
 *   {"type": "message", "attachments": [{
 *     "contentType": "application/vnd.microsoft.card.adaptive",
 *     "contentUrl": null,
 *     "content": {"$schema": "http://adaptivecards.io/schemas/
 *                 adaptive-card.json", "type": "AdaptiveCard",
 *                 "version": "1.4",
 *                 "body": [TextBlock title, TextBlock per line ...],
 *                 "actions": [Action.OpenUrl to the link]}}]}
 *
 * Facts used (Microsoft Teams and Adaptive Cards documentation):
 *  - Workflows take Adaptive Cards only (not the connectors' message
 *    cards) and answer 202 Accepted; any 2xx is success.
 *  - A message posted through a webhook is at most 28 KB; 28000 bytes of
 *    body are allowed here. The body is declared UTF-8 because a body
 *    without a charset has been measured by Teams as UTF-16.
 *  - TextBlock text takes a CommonMark subset (**bold**, _italic_,
 *    lists, [links](url)); a backslash before a markup character shows
 *    the character itself. TextBlock color is default, good, warning or
 *    attention; weight bolder; size medium.
 *  - Adaptive Card 1.4 is rendered by every Teams client.
 *  - There is no documented fixed rate for Workflows webhooks; a 429
 *    (with Retry-After) pauses the channel.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "fmt_text.h"
#include "message.h"
#include "jsonutil.h"
#include "paced.h"

#define TM_BODY_MAX 28000 /* bytes */
#define TM_TITLE_MAX 1024 /* bytes of the title's JSON string */
#define TM_MIN_CAP 72     /* shortest a detail line is cut to, bytes */

/* Whether c needs a backslash for the card's markdown: inline markup
 * anywhere, list, heading and quote markers where a line starts. */
static bool tm_special(char c, bool bol)
{
	if (strchr("\\*_[]`~", c))
		return true;
	return bol && strchr("-+#>", c);
}

/* Bytes that one character of k bytes at s takes in the serialised JSON
 * string once markdown-escaped (jansson writes UTF-8 as it is and
 * escapes ", \ and control characters). */
static size_t tm_char_cost(const char *s, size_t k, bool bol)
{
	unsigned char c = (unsigned char)*s;

	if (k > 1)
		return k;
	if (tm_special(*s, bol))
		return 2 + (c == '\\' ? 2 : 1); /* "\\" then the character */
	if (c == '"')
		return 2;
	if (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
		return 2;
	return c < 0x20 ? 6 : 1;
}

/* s cut on a character boundary so that, escaped and with an ellipsis
 * when cut, it costs at most cap bytes. malloc'd, unescaped. */
static char *tm_cut(const char *s, size_t cap)
{
	return fmt_text_cut(s, cap, tm_char_cost);
}

/* s with a backslash before each markdown character. malloc'd. */
static char *tm_escape(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *p = out;
	bool bol = true;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (tm_special(*s, bol))
			*p++ = '\\';
		*p++ = *s;
		bol = *s == '\n';
	}
	*p = '\0';
	return out;
}

static const char *tm_color(enum note_tone t)
{
	switch (t) {
	case NOTE_BAD: return "attention";
	case NOTE_WARN: return "warning";
	case NOTE_GOOD: return "good";
	default: return "default";
	}
}

/* A TextBlock with s markdown-escaped; NULL on ENOMEM. */
static json_t *tm_block(const char *s)
{
	char *e = tm_escape(s);
	json_t *b = e ? json_pack("{s:s,s:s,s:b}", "type", "TextBlock",
				  "text", e, "wrap", 1)
		      : NULL;

	free(e);
	return b;
}

/* The message with the title and no detail lines yet; body_out is the
 * card's body array (borrowed). */
static json_t *tm_message(const struct chan_msg *m, json_t **body_out)
{
	const struct note *n = m->note;
	const char *label = message_link_label(message_lang_parse(m->language));
	char *t = tm_cut(n->title ? n->title : "", TM_TITLE_MAX);
	char *title = t ? tm_escape(t) : NULL;
	json_t *card = NULL, *body;

	if (title)
		card = json_pack(
			"{s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:s,s:s,s:b}]}",
			"$schema",
			"http://adaptivecards.io/schemas/adaptive-card.json",
			"type", "AdaptiveCard", "version", "1.4", "body",
			"type", "TextBlock", "text", title, "weight", "bolder",
			"size", "medium", "color", tm_color(n->tone), "wrap",
			1);
	free(t);
	free(title);
	if (!card)
		return NULL;
	if (n->link &&
	    json_object_set_new(card, "actions",
				json_pack("[{s:s,s:s,s:s}]", "type",
					  "Action.OpenUrl", "title", label,
					  "url", n->link)) < 0) {
		json_decref(card);
		return NULL;
	}
	body = json_object_get(card, "body");
	*body_out = body;
	return json_pack("{s:s,s:[{s:s,s:n,s:o}]}", "type", "message",
			 "attachments", "contentType",
			 "application/vnd.microsoft.card.adaptive",
			 "contentUrl", "content", card);
}

/* Bytes a TextBlock with empty text adds to the body, with its comma. */
static size_t tm_block_overhead(void)
{
	json_t *b = tm_block("");
	size_t len = 0;
	char *s = b ? jsonutil_dump(b, &len) : NULL;

	free(s);
	json_decref(b);
	return s ? len + 1 : 0;
}

static int tm_render(const struct chan_msg *m, struct chan_request *r,
		     char *err, size_t errlen)
{
	const struct note *n = m->note;
	json_t *msg, *body = NULL;
	char **lines = NULL, *base;
	size_t base_len = 0, n_lines = 0, per = tm_block_overhead();
	/* Each line is a TextBlock of its own. */
	const struct fmt_text_fit fit = {
		.cost = tm_char_cost,
		.min_cap = TM_MIN_CAP,
		.per_line = per,
	};
	int e = PACED_ENOMEM;

	(void)err;
	(void)errlen;
	msg = tm_message(m, &body);
	base = msg ? jsonutil_dump(msg, &base_len) : NULL;
	free(base);
	if (!base || !per)
		goto fail;
	if (base_len > TM_BODY_MAX) {
		e = PACED_E2BIG;
		goto fail;
	}
	e = fmt_text_fit_lines(n->lines, n->n_lines, TM_BODY_MAX - base_len,
			       m->kind == CHAN_SUMMARY, &fit, &lines, &n_lines);
	if (e)
		goto fail;
	e = PACED_ENOMEM;
	for (size_t i = 0; i < n_lines; i++)
		if (json_array_append_new(body, tm_block(lines[i])) < 0)
			goto fail;
	e = chan_request_json(r, m->ch->url, json_incref(msg),
			      "application/json; charset=utf-8");
fail:
	fmt_text_free_lines(lines, n_lines);
	json_decref(msg);
	return e;
}

/* Workflows explain a refusal as {"error": {"code", "message"}}. */
static void tm_judge(const struct httpc_response *res,
		     struct chan_judgement *j)
{
	json_t *o;
	const char *msg;

	chan_judge_http(res, j);
	if (j->verdict == CHAN_SENT || res->curl_code != 0)
		return;
	o = chan_response_json(res);
	msg = json_string_value(
		json_object_get(json_object_get(o, "error"), "message"));
	if (msg)
		snprintf(j->why, sizeof(j->why), "teams HTTP %ld: %s",
			 res->status, msg);
	json_decref(o);
}

const struct chan_driver chan_teams = {
	.type = "teams",
	.digest = true,
	.render = tm_render,
	.judge = tm_judge,
};
