/*
 * fmt_feishu.c - the Feishu / Lark custom bot channel (飞书自定义机器人).
 *
 * Request: POST the configured URL (…/open-apis/bot/v2/hook/<id>) with an
 * interactive card:
 *   {"msg_type":"interactive",
 *    "card":{"config":{"wide_screen_mode":true},
 *            "header":{"title":{"tag":"plain_text","content":<title>},
 *                      "template":<colour of the tone>},
 *            "elements":[{"tag":"div","text":{"tag":"lark_md",
 *                                             "content":<lines, link>}}]}}
 * the whole body at most 20 KB. The lines are escaped for lark_md ('&',
 * '<', '>' as entities) so a title cannot open a tag such as <at id=all>.
 *
 * With a secret (the "签名校验" security setting) the body also carries
 * "timestamp" (seconds, a string) and "sign", the base64 of
 * HMAC-SHA256(key = "<timestamp>\n<secret>", msg = ""); Feishu refuses a
 * timestamp more than an hour away from its clock.
 *
 * The answer is HTTP 200 even for a refusal; "code": 0 means the message
 * was taken (older deployments answer "StatusCode" / "StatusMessage"
 * instead of "code" / "msg"). 11232 is the rate limit (a bot may send 100
 * messages a minute and 5 a second); 19021 a signature that does not
 * match (wrong secret or a clock off by more than an hour), 19022 an
 * address outside the IP allow-list, 19024 a message without the
 * configured keywords: configuration errors no retry will mend.
 */
#include "fmt_feishu.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chan.h"
#include "fmt_text.h"
#include "jsonutil.h"
#include "message.h"
#include "paced.h"

/* "请求体大小不能超过 20 K": held to 20000 bytes, under either reading
 * of "K". */
#define FEISHU_BODY_MAX 20000

#define FEISHU_ERR_FREQ 11232
#define FEISHU_ERR_SIGN 19021
#define FEISHU_ERR_IP 19022
#define FEISHU_ERR_KEYWORD 19024
/* The documentation gives no waiting time for 11232; the per-minute limit
 * (100) is the longer one, so a minute always clears it. */
#define FEISHU_PAUSE_S 60

/* n bytes of s as lark_md text: the characters that would start a tag or
 * an entity become entities. */
static void fb_md(struct fmt_text *b, const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		const char *e = s[i] == '&'   ? "&amp;"
				: s[i] == '<' ? "&lt;"
				: s[i] == '>' ? "&gt;"
					      : NULL;

		if (!e)
			continue;
		fmt_text_add(b, s + run, i - run);
		fmt_text_str(b, e);
		run = i + 1;
	}
	fmt_text_add(b, s + run, n - run);
}

int fmt_feishu_sign(const char *secret, int64_t timestamp_s, char *out,
		    size_t n)
{
	return chan_sign_timestamp(secret, timestamp_s, CHAN_SIGN_KEY, out, n);
}

static const char *feishu_template(enum note_tone t)
{
	switch (t) {
	case NOTE_BAD: return "red";
	case NOTE_WARN: return "orange";
	case NOTE_GOOD: return "green";
	case NOTE_INFO: break;
	}
	return "blue";
}

/*
 * The lark_md content with lines [0, keep) and, when keep is short of all
 * of them, up to `cut` bytes of line `keep` (on a character boundary,
 * before escaping, so no entity is split) and a note that the rest was
 * left out; the link always. NULL on ENOMEM.
 */
static char *feishu_content(const struct chan_msg *m, size_t keep,
			    size_t cut)
{
	const struct note *n = m->note;
	enum message_lang lang = message_lang_parse(m->language);
	struct fmt_text b = {0};
	bool any = false;

	for (size_t i = 0; i < keep && i < n->n_lines; i++) {
		if (any)
			fmt_text_str(&b, "\n");
		fb_md(&b, n->lines[i], strlen(n->lines[i]));
		any = true;
	}
	if (keep < n->n_lines) {
		const char *line = n->lines[keep];
		size_t k = fmt_text_prefix(line, strlen(line), cut);

		if (k) {
			if (any)
				fmt_text_str(&b, "\n");
			fb_md(&b, line, k);
			fmt_text_str(&b, FMT_TEXT_ELLIPSIS);
			any = true;
		}
		if (any)
			fmt_text_str(&b, "\n");
		fmt_text_str(&b, message_left_out(lang));
		any = true;
	}
	if (n->link) {
		if (any)
			fmt_text_str(&b, "\n");
		fmt_text_str(&b, "[");
		fmt_text_str(&b, message_link_label(lang));
		fmt_text_str(&b, "](");
		fmt_text_str(&b, n->link);
		fmt_text_str(&b, ")");
		any = true;
	}
	/* A card needs an element with something in it. */
	if (!any)
		fb_md(&b, n->title, strlen(n->title));
	return fmt_text_finish(&b, NULL);
}

/* What a body is made of: the message and its signature (NULL without a
 * secret), computed once for every body tried. */
struct feishu_req {
	const struct chan_msg *m;
	const char *sig;
};

/* The body with feishu_content(m, keep, cut), signed when there is a sig.
 * NULL on ENOMEM. A fmt_text_render_fn; ctx is a struct feishu_req. */
static char *feishu_body(const void *ctx, size_t keep, size_t cut,
			 size_t *len)
{
	const struct feishu_req *q = ctx;
	const struct chan_msg *m = q->m;
	const char *sig = q->sig;
	char *content = feishu_content(m, keep, cut), *body = NULL;
	char ts[24];
	json_t *o;

	if (!content)
		return NULL;
	o = json_pack("{s:s,s:{s:{s:b},s:{s:{s:s,s:s},s:s},s:[{s:s,s:{s:s,"
		      "s:s}}]}}",
		      "msg_type", "interactive", "card", "config",
		      "wide_screen_mode", 1, "header", "title", "tag",
		      "plain_text", "content", m->note->title, "template",
		      feishu_template(m->note->tone), "elements", "tag", "div",
		      "text", "tag", "lark_md", "content", content);
	free(content);
	if (!o)
		return NULL;
	if (sig) {
		snprintf(ts, sizeof(ts), "%lld", (long long)(m->now / 1000));
		if (json_object_set_new(o, "timestamp", json_string(ts)) < 0 ||
		    json_object_set_new(o, "sign", json_string(sig)) < 0)
			goto out;
	}
	body = jsonutil_dump(o, len);
out:
	json_decref(o);
	return body;
}

static int feishu_render(const struct chan_msg *m, struct chan_request *r,
			 char *err, size_t errlen)
{
	const char *secret = m->ch->secret;
	char sig[FMT_FEISHU_SIGN_MAX];
	const struct feishu_req q = {m, secret ? sig : NULL};
	int rc;

	if (secret) {
		if (!*secret) {
			snprintf(err, errlen, "the channel's secret is empty");
			return PACED_EINVAL;
		}
		rc = fmt_feishu_sign(secret, m->now / 1000, sig, sizeof(sig));
		if (rc < 0) {
			snprintf(err, errlen, "cannot sign the request: %s",
				 paced_strerror(rc));
			return rc;
		}
	}
	r->url = strdup(m->ch->url);
	if (!r->url)
		return PACED_ENOMEM;
	/* A single event or a digest that is too long loses its last lines;
	 * a summary's lines are its events, none of which may be lost, so
	 * the caller merges fewer events instead. */
	rc = fmt_text_fit_head(m->note->lines, m->note->n_lines,
			       FEISHU_BODY_MAX, m->kind == CHAN_SUMMARY,
			       feishu_body, &q, &r->body, &r->len);
	if (rc < 0) {
		if (rc == PACED_E2BIG)
			snprintf(err, errlen,
				 "over Feishu's %d bytes even shortened",
				 FEISHU_BODY_MAX);
		return rc;
	}
	return chan_request_header(r, "Content-Type: application/json");
}

static const struct chan_code feishu_codes[] = {
	{FEISHU_ERR_FREQ, CHAN_RETRY, FEISHU_PAUSE_S, NULL},
	{FEISHU_ERR_SIGN, CHAN_DEAD, -1,
	 " (configuration error: the signature does not match: check the "
	 "secret and the clock)"},
	{FEISHU_ERR_IP, CHAN_DEAD, -1,
	 " (configuration error: this address is not in the bot's IP "
	 "allow-list)"},
	{FEISHU_ERR_KEYWORD, CHAN_DEAD, -1,
	 " (configuration error: the message lacks the bot's keywords)"},
};

/* Older deployments answer "StatusCode" / "StatusMessage". */
static const struct chan_answer feishu_answer = {
	.what = "feishu code",
	.code = "code",
	.msg = "msg",
	.old_code = "StatusCode",
	.old_msg = "StatusMessage",
	.codes = feishu_codes,
	.n_codes = PACED_ARRAY_LEN(feishu_codes),
};

static void feishu_judge(const struct httpc_response *res,
			 struct chan_judgement *j)
{
	chan_judge_code(res, j, &feishu_answer);
}

const struct chan_driver chan_feishu = {
	.type = "feishu",
	.rate_n = 5,
	.rate_period_ms = 1000,
	.digest = true,
	.render = feishu_render,
	.judge = feishu_judge,
};
