/*
 * fmt_telegram.c - the telegram channel: a Bot API sendMessage call
 * (https://core.telegram.org/bots/api#sendmessage). The channel's url is
 * used as given (operators write https://api.telegram.org/bot<token>/
 * sendMessage; a local Bot API server or a proxy works the same) and the
 * body is
 *   {"chat_id", "text", "parse_mode": "HTML",
 *    "disable_web_page_preview": true}
 * with the title in <b>, one detail per line and the link as <a href>.
 *
 * Facts used (Bot API documentation):
 *  - text is 1-4096 characters after entities parsing: only what is
 *    visible counts, tags and entities do not. Telegram counts UTF-16
 *    code units, so a character outside the BMP counts twice here too.
 *  - HTML mode: every <, > and & that is not markup must be &lt; &gt;
 *    &amp;; inside an attribute " must be &quot;.
 *  - Every answer is a JSON object with a Boolean "ok"; on failure
 *    "error_code", "description" and optionally "parameters" with
 *    "retry_after" (seconds of flood control left) or
 *    "migrate_to_chat_id" (the group became a supergroup). The HTTP
 *    status is the error_code, so the JSON is read on any status.
 *  - Bot FAQ: a bot cannot send more than 20 messages per minute to the
 *    same group - the default rate below.
 *  - disable_web_page_preview is the pre-7.0 name of
 *    link_preview_options.is_disabled, still accepted by the Bot API.
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

#define TG_TEXT_MAX 4096  /* visible UTF-16 units */
#define TG_TITLE_MAX 1024 /* so a long title leaves room for the details */
#define TG_MIN_CAP 24     /* shortest a detail line is cut to */

/* What Telegram counts of visible text: UTF-16 code units. */
static size_t tg_cost(const char *s)
{
	return fmt_text_cost(s, fmt_text_utf16);
}

/* s cut on a character boundary so that, with an ellipsis when cut, it
 * counts at most cap units. malloc'd; NULL on ENOMEM. */
static char *tg_cut(const char *s, size_t cap)
{
	return fmt_text_cut(s, cap, fmt_text_utf16);
}

/* Detail lines follow the title, each after a newline (one unit). */
static const struct fmt_text_fit tg_fit = {
	.cost = fmt_text_utf16,
	.min_cap = TG_MIN_CAP,
	.per_line = 1,
};

/* Appends s with HTML's special characters as entities; " too when it is
 * an attribute value. */
static void tg_escape(FILE *f, const char *s, bool attr)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"':
			fputs(attr ? "&quot;" : "\"", f);
			break;
		default: fputc(*s, f);
		}
	}
}

/* The HTML text of m, at most TG_TEXT_MAX visible units. malloc'd. */
static int tg_text(const struct chan_msg *m, char **out)
{
	const struct note *n = m->note;
	const char *label = message_link_label(message_lang_parse(m->language));
	char *title = tg_cut(n->title ? n->title : "", TG_TITLE_MAX);
	char **lines = NULL, *buf = NULL;
	size_t n_lines = 0, len = 0, fixed;
	FILE *f;
	int err;

	*out = NULL;
	if (!title)
		return PACED_ENOMEM;
	fixed = tg_cost(title) + (n->link ? 1 + tg_cost(label) : 0);
	if (fixed > TG_TEXT_MAX) {
		free(title);
		return PACED_E2BIG;
	}
	err = fmt_text_fit_lines(n->lines, n->n_lines, TG_TEXT_MAX - fixed,
				 m->kind == CHAN_SUMMARY, &tg_fit, &lines,
				 &n_lines);
	if (err) {
		free(title);
		return err;
	}
	f = open_memstream(&buf, &len);
	if (!f) {
		err = PACED_ENOMEM;
		goto done;
	}
	fputs("<b>", f);
	tg_escape(f, title, false);
	fputs("</b>", f);
	for (size_t i = 0; i < n_lines; i++) {
		fputc('\n', f);
		tg_escape(f, lines[i], false);
	}
	if (n->link) {
		fputs("\n<a href=\"", f);
		tg_escape(f, n->link, true);
		fputs("\">", f);
		tg_escape(f, label, false);
		fputs("</a>", f);
	}
	if (fclose(f) != 0 || !buf) {
		free(buf);
		err = PACED_ENOMEM;
		goto done;
	}
	*out = buf;
	err = 0;
done:
	fmt_text_free_lines(lines, n_lines);
	free(title);
	return err;
}

static int tg_render(const struct chan_msg *m, struct chan_request *r,
		     char *err, size_t errlen)
{
	json_t *body;
	char *text;
	int e;

	if (!m->ch->chat_id || !*m->ch->chat_id) {
		snprintf(err, errlen, "a telegram channel needs chat_id");
		return PACED_EINVAL;
	}
	e = tg_text(m, &text);
	if (e)
		return e;
	body = json_pack("{s:s,s:s,s:s,s:b}", "chat_id", m->ch->chat_id,
			 "text", text, "parse_mode", "HTML",
			 "disable_web_page_preview", 1);
	free(text);
	return chan_request_json(r, m->ch->url, body, "application/json");
}

static void tg_judge(const struct httpc_response *res,
		     struct chan_judgement *j)
{
	json_t *o, *ok, *params;
	const char *desc;
	long code;
	json_int_t retry, migrate;

	chan_judge_http(res, j);
	if (res->curl_code != 0)
		return;
	o = chan_response_json(res);
	ok = o ? json_object_get(o, "ok") : NULL;
	if (json_is_true(ok)) {
		j->verdict = CHAN_SENT;
		j->pause_s = -1;
		j->why[0] = '\0';
		json_decref(o);
		return;
	}
	if (!json_is_false(ok)) {
		/* Not a Bot API answer: the url points elsewhere, and no
		 * retry will change that. */
		if (j->verdict == CHAN_SENT) {
			j->verdict = CHAN_DEAD;
			snprintf(j->why, sizeof(j->why),
				 "HTTP %ld without a Bot API answer "
				 "(no \"ok\")",
				 res->status);
		}
		json_decref(o);
		return;
	}
	code = (long)json_integer_value(json_object_get(o, "error_code"));
	if (code <= 0)
		code = res->status;
	desc = json_string_value(json_object_get(o, "description"));
	params = json_object_get(o, "parameters");
	retry = json_integer_value(json_object_get(params, "retry_after"));
	migrate = json_integer_value(
		json_object_get(params, "migrate_to_chat_id"));

	j->pause_s = -1;
	if (code == 429) {
		j->verdict = CHAN_RETRY;
		j->pause_s = retry > 0 ? (long)retry : res->retry_after_s;
	} else {
		j->verdict = code == 408 || code >= 500 ? CHAN_RETRY
							: CHAN_DEAD;
	}
	if (migrate)
		snprintf(j->why, sizeof(j->why),
			 "telegram error_code %ld: %s; the group is now the "
			 "supergroup %lld: set chat_id to it",
			 code, desc ? desc : "", (long long)migrate);
	else
		snprintf(j->why, sizeof(j->why), "telegram error_code %ld: %s",
			 code, desc ? desc : "(no description)");
	json_decref(o);
}

const struct chan_driver chan_telegram = {
	.type = "telegram",
	.rate_n = 20,
	.rate_period_ms = 60 * 1000,
	.digest = true,
	.render = tg_render,
	.judge = tg_judge,
};
