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

static size_t tm_cost(const char *s)
{
	return fmt_text_cost(s, tm_char_cost);
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

static size_t tm_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

static void tm_free_lines(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/*
 * The detail lines that fit in budget bytes, each line costing `per`
 * more (its TextBlock around it): all of them whole when they fit; else
 * all cut to the largest common length that fits; else - unless every
 * line must stay (a summary: each line is an event) - as many as fit at
 * the shortest length, then an ellipsis line. 0, PACED_E2BIG or
 * PACED_ENOMEM.
 */
static int tm_fit(char *const *lines, size_t n, size_t budget, size_t per,
		  bool keep_all, char ***out, size_t *n_out)
{
	size_t *cost = calloc(n ? n : 1, sizeof(*cost));
	size_t cap = SIZE_MAX, keep = n, total = 0, max = 0;
	bool ellipsis = false;
	char **l = NULL;
	int err = PACED_ENOMEM;

	*out = NULL;
	*n_out = 0;
	if (!cost)
		return err;
	for (size_t i = 0; i < n; i++) {
		cost[i] = tm_cost(lines[i]);
		total += cost[i] + per;
		if (cost[i] > max)
			max = cost[i];
	}
	if (total > budget) {
		size_t lo = TM_MIN_CAP, hi = max, sum = 0;

		for (size_t i = 0; i < n; i++)
			sum += tm_min(cost[i], lo) + per;
		if (sum <= budget) {
			/* The largest cap that fits: sum(min(cost, cap)) grows
			 * with cap. */
			while (lo < hi) {
				size_t mid = lo + (hi - lo + 1) / 2;

				sum = 0;
				for (size_t i = 0; i < n; i++)
					sum += tm_min(cost[i], mid) + per;
				if (sum <= budget)
					lo = mid;
				else
					hi = mid - 1;
			}
			cap = lo;
		} else if (keep_all) {
			err = PACED_E2BIG;
			goto fail;
		} else {
			size_t used = per + tm_cost(FMT_TEXT_ELLIPSIS);

			cap = TM_MIN_CAP;
			ellipsis = used <= budget;
			for (keep = 0; keep < n && ellipsis; keep++) {
				size_t c = tm_min(cost[keep], cap) + per;

				if (used + c > budget)
					break;
				used += c;
			}
		}
	}
	l = calloc(keep + 1, sizeof(*l));
	if (!l)
		goto fail;
	for (size_t i = 0; i < keep; i++)
		if (!(l[i] = tm_cut(lines[i], cap)))
			goto fail;
	if (ellipsis && !(l[keep++] = strdup(FMT_TEXT_ELLIPSIS)))
		goto fail;
	*out = l;
	*n_out = keep;
	free(cost);
	return 0;
fail:
	if (l)
		tm_free_lines(l, keep + 1);
	free(cost);
	return err;
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
	const char *label = m->language && strncmp(m->language, "en", 2) == 0
				    ? "View details"
				    : "查看详情";
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
	e = tm_fit(n->lines, n->n_lines, TM_BODY_MAX - base_len, per,
		   m->kind == CHAN_SUMMARY, &lines, &n_lines);
	if (e)
		goto fail;
	e = PACED_ENOMEM;
	for (size_t i = 0; i < n_lines; i++)
		if (json_array_append_new(body, tm_block(lines[i])) < 0)
			goto fail;
	r->body = jsonutil_dump(msg, &r->len);
	r->url = strdup(m->ch->url);
	if (!r->body || !r->url)
		goto fail;
	e = chan_request_header(r,
				"Content-Type: application/json; "
				"charset=utf-8");
fail:
	tm_free_lines(lines, n_lines);
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
