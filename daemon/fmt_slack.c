/*
 * fmt_slack.c - the slack channel: a message POSTed to an incoming
 * webhook (https://api.slack.com/messaging/webhooks), url as given:
 *   {"text": the plain text (notifications and old clients),
 *    "blocks": [header (the title), section (the details, mrkdwn) ...,
 *               context (the link as <url|text>)]}
 *
 * Facts used (Slack API documentation):
 *  - &, < and > are control characters in text objects and in "text";
 *    where they are not markup they must be &amp; &lt; &gt;, and only
 *    those three are decoded. A plain_text object is never parsed for
 *    markup, so the header carries the title as it is.
 *  - Block Kit: a header's plain_text is at most 150 characters, any
 *    text object at most 3000, a message at most 50 blocks. Characters
 *    are counted here as UTF-16 code units (never fewer than Slack's).
 *  - Incoming webhooks answer 200 "ok"; errors are 400 invalid_payload
 *    or user_not_found, 403 action_prohibited, 404 channel_not_found,
 *    410 channel_is_archived, 500 rollup_error ("interpret a HTTP 200
 *    response as success and any other response code as a failure"),
 *    and a revoked webhook answers 403/404 no_service.
 *  - Rate limits: "no more than one message per second" (with short
 *    bursts); over it 429 with a Retry-After header in seconds. Hence
 *    the default rate 1 per second.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "fmt_text.h"
#include "message.h"
#include "paced.h"

#define SL_HEADER_MAX 150
#define SL_TEXT_MAX 3000 /* per text object */
#define SL_FALLBACK_MAX 3000
#define SL_BLOCKS_MAX 50

/* The entity Slack wants for c, or NULL. */
static const char *sl_entity(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	default: return NULL;
	}
}

/* UTF-16 units of the character of k bytes at s once escaped: an entity
 * counts as its own length. */
static size_t sl_escaped_units(const char *s, size_t k, bool bol)
{
	const char *e = k == 1 ? sl_entity(*s) : NULL;

	return e ? strlen(e) : fmt_text_utf16(s, k, bol);
}

static size_t sl_cost(const char *s, bool escaped)
{
	return fmt_text_cost(s, escaped ? sl_escaped_units : fmt_text_utf16);
}

/* s cut on a character boundary so that (escaped, if so) with an
 * ellipsis when cut it counts at most cap units; then escaped if so.
 * malloc'd. */
static char *sl_cut(const char *s, size_t cap, bool escaped)
{
	fmt_text_cost_fn units = escaped ? sl_escaped_units : fmt_text_utf16;
	bool ellipsis;
	size_t i = fmt_text_cut_len(s, cap, units, &ellipsis);
	size_t len = escaped ? 5 * i : i;
	char *out = malloc(len + sizeof(FMT_TEXT_ELLIPSIS)), *p = out;

	if (!out)
		return NULL;
	for (size_t j = 0; j < i; j++) {
		const char *e = escaped ? sl_entity(s[j]) : NULL;

		if (e) {
			memcpy(p, e, strlen(e));
			p += strlen(e);
		} else {
			*p++ = s[j];
		}
	}
	*p = '\0';
	if (ellipsis)
		memcpy(p, FMT_TEXT_ELLIPSIS, sizeof(FMT_TEXT_ELLIPSIS));
	return out;
}

static json_t *sl_section(const char *mrkdwn)
{
	return json_pack("{s:s,s:{s:s,s:s}}", "type", "section", "text",
			 "type", "mrkdwn", "text", mrkdwn);
}

/* Closes the section being written to f and appends it to blocks. */
static int sl_flush(json_t *blocks, FILE *f, char **buf)
{
	int err = 0;

	if (fclose(f) != 0 || !*buf)
		err = PACED_ENOMEM;
	/* Slack refuses an empty text object; empty lines are no loss. */
	else if (**buf && json_array_append_new(blocks, sl_section(*buf)) < 0)
		err = PACED_ENOMEM;
	free(*buf);
	*buf = NULL;
	return err;
}

/* Appends section blocks with the lines of n, packed up to SL_TEXT_MAX
 * units each, at most max of them. Every line stays in a summary (or
 * PACED_E2BIG); elsewhere what does not fit ends as an ellipsis. */
static int sl_sections(json_t *blocks, const struct note *n, size_t max,
		       bool keep_all)
{
	/* Room for "\n…" in every section, should the next one not fit. */
	const size_t room = SL_TEXT_MAX - 2;
	char *buf = NULL, *l;
	size_t len = 0, cost = 0, used = 0, in = 0;
	FILE *f = NULL;
	int err = 0;

	for (size_t i = 0; i < n->n_lines; i++) {
		/* A cut line costs at most room, ellipsis included. */
		size_t c = sl_cost(n->lines[i], true);

		if (c > room)
			c = room;
		if (f && cost + 1 + c > room) {
			if (used == max) {
				if (keep_all)
					err = PACED_E2BIG;
				else
					fputs("\n" FMT_TEXT_ELLIPSIS, f);
				break;
			}
			err = sl_flush(blocks, f, &buf);
			f = NULL;
			if (err)
				break;
		}
		if (!f) {
			f = open_memstream(&buf, &len);
			if (!f) {
				err = PACED_ENOMEM;
				break;
			}
			cost = 0;
			in = 0;
			used++;
		}
		l = sl_cut(n->lines[i], room, true);
		if (!l) {
			err = PACED_ENOMEM;
			break;
		}
		fprintf(f, in ? "\n%s" : "%s", l);
		cost += (in++ ? 1 : 0) + c;
		free(l);
	}
	if (f) {
		int e = sl_flush(blocks, f, &buf);

		err = err ? err : e;
	}
	return err;
}

/* "<url|label>" with the url's &, < and > as entities and | (which would
 * end the url) percent-encoded. malloc'd. */
static char *sl_link(const char *url, const char *label)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputc('<', f);
	for (const char *s = url; *s; s++) {
		const char *e = *s == '|' ? "%7C" : sl_entity(*s);

		if (e)
			fputs(e, f);
		else
			fputc(*s, f);
	}
	fprintf(f, "|%s>", label);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return NULL;
	}
	return buf;
}

static json_t *sl_blocks(const struct chan_msg *m, int *err)
{
	const struct note *n = m->note;
	const char *label = message_link_label(message_lang_parse(m->language));
	char *title = sl_cut(n->title ? n->title : "", SL_HEADER_MAX, false);
	char *link = n->link ? sl_link(n->link, label) : NULL;
	json_t *blocks = json_array();
	/* A link longer than a text object may be is left out rather than
	 * cut into a wrong one. */
	bool with_link = link && strlen(link) <= SL_TEXT_MAX;

	*err = PACED_ENOMEM;
	if (!title || !blocks || (n->link && !link))
		goto fail;
	if (json_array_append_new(
		    blocks,
		    json_pack("{s:s,s:{s:s,s:s,s:b}}", "type", "header", "text",
			      "type", "plain_text", "text", title, "emoji",
			      1)) < 0)
		goto fail;
	*err = sl_sections(blocks, n, SL_BLOCKS_MAX - 1 - with_link,
			   m->kind == CHAN_SUMMARY);
	if (*err)
		goto fail;
	if (with_link &&
	    json_array_append_new(blocks,
				  json_pack("{s:s,s:[{s:s,s:s}]}", "type",
					    "context", "elements", "type",
					    "mrkdwn", "text", link)) < 0) {
		*err = PACED_ENOMEM;
		goto fail;
	}
	free(title);
	free(link);
	return blocks;
fail:
	json_decref(blocks);
	free(title);
	free(link);
	return NULL;
}

static int sl_render(const struct chan_msg *m, struct chan_request *r,
		     char *err, size_t errlen)
{
	const struct note *n = m->note;
	char *text = sl_cut(n->text ? n->text : n->title ? n->title : "",
			    SL_FALLBACK_MAX, true);
	json_t *body = NULL, *blocks;
	int e;

	(void)err;
	(void)errlen;
	if (!text)
		return PACED_ENOMEM;
	blocks = sl_blocks(m, &e);
	if (blocks)
		body = json_pack("{s:s,s:o}", "text", text, "blocks", blocks);
	free(text);
	if (!blocks)
		return e;
	return chan_request_json(r, m->ch->url, body, "application/json");
}

/* Slack's reason: the body's first word-like run ("channel_not_found"),
 * printable ASCII only, so a log line stays one line. */
static void sl_reason(const struct httpc_response *res, char *out,
		      size_t n)
{
	size_t k = 0;

	for (size_t i = 0; res->body && i < res->body_len && k + 1 < n &&
			   k < 80;
	     i++) {
		char c = res->body[i];

		if (c < 0x20 || c > 0x7E)
			break;
		out[k++] = c;
	}
	out[k] = '\0';
}

static void sl_judge(const struct httpc_response *res,
		     struct chan_judgement *j)
{
	char reason[96];

	chan_judge_http(res, j);
	if (j->verdict == CHAN_SENT || res->curl_code != 0)
		return;
	sl_reason(res, reason, sizeof(reason));
	if (reason[0])
		snprintf(j->why, sizeof(j->why), "slack HTTP %ld: %s",
			 res->status, reason);
}

const struct chan_driver chan_slack = {
	.type = "slack",
	.rate_n = 1,
	.rate_period_ms = 1000,
	.digest = true,
	.render = sl_render,
	.judge = sl_judge,
};
