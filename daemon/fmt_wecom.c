/*
 * fmt_wecom.c - the WeCom group robot channel (企业微信群机器人).
 *
 * Request: POST the configured URL (…/cgi-bin/webhook/send?key=…) with
 *   {"msgtype":"markdown","markdown":{"content":…}}
 * content being at most 4096 bytes of UTF-8: a heading with the note's
 * title in the colour of its tone (WeCom's markdown knows three:
 * <font color="info"> green, "comment" grey, "warning" orange-red), the
 * lines, and the link. No signing: the key in the URL is the credential.
 *
 * The answer is HTTP 200 even for a refusal; only "errcode": 0 means the
 * message was taken. 45009 ("api freq out of limit") is the rate limit of
 * 20 messages a minute per robot; 93000 an invalid webhook URL (key).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chan.h"
#include "fmt_text.h"
#include "message.h"
#include "paced.h"

/* "markdown内容，最长不超过4096个字节，必须是utf8编码" */
#define WECOM_CONTENT_MAX 4096

#define WECOM_ERR_FREQ 45009
#define WECOM_ERR_BAD_URL 93000
/* The limit is per minute: a minute's pause always clears it. */
#define WECOM_PAUSE_S 60

static const char *wecom_colour(enum note_tone t)
{
	switch (t) {
	case NOTE_BAD:
	case NOTE_WARN: return "warning";
	case NOTE_GOOD: return "info";
	case NOTE_INFO: break;
	}
	return "comment";
}

/*
 * The content with lines [0, keep) and, when keep is short of all of
 * them, up to `cut` bytes of line `keep` (on a character boundary) and a
 * note that the rest was left out; the title and the link always. NULL
 * on ENOMEM. A fmt_text_render_fn; ctx is the message.
 */
static char *wecom_content(const void *ctx, size_t keep, size_t cut,
			   size_t *len)
{
	const struct chan_msg *m = ctx;
	const struct note *n = m->note;
	enum message_lang lang = message_lang_parse(m->language);
	struct fmt_text b = {0};

	fmt_text_str(&b, "### <font color=\"");
	fmt_text_str(&b, wecom_colour(n->tone));
	fmt_text_str(&b, "\">");
	fmt_text_str(&b, n->title);
	fmt_text_str(&b, "</font>");
	for (size_t i = 0; i < keep && i < n->n_lines; i++) {
		fmt_text_str(&b, "\n");
		fmt_text_str(&b, n->lines[i]);
	}
	if (keep < n->n_lines) {
		const char *line = n->lines[keep];
		size_t k = fmt_text_prefix(line, strlen(line), cut);

		if (k) {
			fmt_text_str(&b, "\n");
			fmt_text_add(&b, line, k);
			fmt_text_str(&b, FMT_TEXT_ELLIPSIS);
		}
		fmt_text_str(&b, "\n<font color=\"comment\">");
		fmt_text_str(&b, message_left_out(lang));
		fmt_text_str(&b, "</font>");
	}
	if (n->link) {
		fmt_text_str(&b, "\n[");
		fmt_text_str(&b, message_link_label(lang));
		fmt_text_str(&b, "](");
		fmt_text_str(&b, n->link);
		fmt_text_str(&b, ")");
	}
	return fmt_text_finish(&b, len);
}

static int wecom_render(const struct chan_msg *m, struct chan_request *r,
			char *err, size_t errlen)
{
	char *content = NULL;
	size_t len = 0;
	json_t *o;
	int rc;

	/* A single event or a digest that is too long loses its last lines;
	 * a summary's lines are its events, none of which may be lost, so
	 * the caller merges fewer events instead. */
	rc = fmt_text_fit_head(m->note->lines, m->note->n_lines,
			       WECOM_CONTENT_MAX, m->kind == CHAN_SUMMARY,
			       wecom_content, m, &content, &len);
	if (rc < 0) {
		if (rc == PACED_E2BIG)
			snprintf(err, errlen,
				 "over WeCom's %d bytes even shortened",
				 WECOM_CONTENT_MAX);
		return rc;
	}
	o = json_pack("{s:s,s:{s:s}}", "msgtype", "markdown", "markdown",
		      "content", content);
	free(content);
	return chan_request_json(r, m->ch->url, o, "application/json");
}

static const struct chan_code wecom_codes[] = {
	{WECOM_ERR_FREQ, CHAN_RETRY, WECOM_PAUSE_S, NULL},
	{WECOM_ERR_BAD_URL, CHAN_DEAD, -1,
	 " (configuration error: the webhook URL or its key is not valid)"},
};

static const struct chan_answer wecom_answer = {
	.what = "wecom errcode",
	.code = "errcode",
	.msg = "errmsg",
	.codes = wecom_codes,
	.n_codes = PACED_ARRAY_LEN(wecom_codes),
};

static void wecom_judge(const struct httpc_response *res,
			struct chan_judgement *j)
{
	chan_judge_code(res, j, &wecom_answer);
}

const struct chan_driver chan_wecom = {
	.type = "wecom",
	.rate_n = 20,
	.rate_period_ms = 60 * 1000,
	.digest = true,
	.render = wecom_render,
	.judge = wecom_judge,
};
