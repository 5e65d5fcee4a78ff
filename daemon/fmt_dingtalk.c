/*
 * fmt_dingtalk.c - the DingTalk custom robot channel (钉钉自定义机器人).
 *
 * Request: POST the configured URL (…/robot/send?access_token=…; any URL,
 * so private deployments work) with
 *   {"msgtype":"markdown","markdown":{"title":…,"text":…},
 *    "at":{"atMobiles":[…],"isAtAll":bool}}
 * "title" is what the chat list shows; "text" is the message: a heading
 * with the note's title, the lines, the link, then "@<mobile>" for each
 * member to mention (DingTalk only makes an @ visible when it is in the
 * text; "atMobiles" is what notifies them). "at" is left out when nobody
 * is mentioned.
 *
 * With a secret (the "加签" security setting), "&timestamp=<ms>&sign=<s>"
 * is appended to the URL, s being the URL-encoded base64 of
 * HMAC-SHA256(key = secret, msg = "<ms>\n<secret>"); DingTalk refuses a
 * timestamp more than an hour away from its clock.
 *
 * The answer is HTTP 200 even for a refusal; only "errcode": 0 means the
 * message was taken. 130101 is the rate limit (20 messages a minute per
 * robot; a robot that exceeds it is throttled for 10 minutes), 310000 a
 * failed security check (keyword, signature or IP allow-list): the
 * channel is misconfigured and no retry will help.
 */
#include "fmt_dingtalk.h"

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

/* DingTalk refuses a message over 20000 bytes (errcode 460101 "message
 * too long, exceed 20000 bytes") without saying how it counts them. The
 * whole body is held to that, which bounds the text whatever is counted;
 * the margin covers a receiver that re-serialises the JSON with spaces
 * after its separators. */
#define DING_MAX_BYTES 20000
#define DING_MARGIN 64
#define DING_BODY_MAX (DING_MAX_BYTES - DING_MARGIN)

#define DING_ERR_TOO_FAST 130101
#define DING_ERR_SECURITY 310000
/* "每个机器人每分钟最多发送20条。如果超过20条，会限流10分钟。" */
#define DING_THROTTLE_S 600

/* A markdown hard line break: DingTalk's documentation asks for two
 * spaces around "\n" to break a line inside a paragraph. */
#define DING_BR "  \n"

int fmt_dingtalk_sign(const char *secret, int64_t timestamp_ms, char *out,
		      size_t n)
{
	return chan_sign_timestamp(secret, timestamp_ms, CHAN_SIGN_MSG, out, n);
}

int fmt_dingtalk_urlencode(const char *s, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;

	if (!n)
		return PACED_ERANGE;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '.' ||
			     c == '_' || c == '~';

		if (k + (plain ? 1 : 3) >= n) {
			out[0] = '\0';
			return PACED_ERANGE;
		}
		if (plain) {
			out[k++] = (char)c;
		} else {
			out[k++] = '%';
			out[k++] = hex[c >> 4];
			out[k++] = hex[c & 15];
		}
	}
	out[k] = '\0';
	return 0;
}

/* The URL to post to: the configured one, signed when there is a secret.
 * The signature goes into the query, before any fragment. */
static int ding_url(const struct chan_msg *m, char **out, char *err,
		    size_t errlen)
{
	const char *url = m->ch->url, *secret = m->ch->secret, *frag, *sep;
	char sig[FMT_DINGTALK_SIGN_MAX], enc[3 * FMT_DINGTALK_SIGN_MAX];
	size_t base;
	int rc;

	if (!secret) {
		*out = strdup(url);
		return *out ? 0 : PACED_ENOMEM;
	}
	if (!*secret) {
		snprintf(err, errlen, "the channel's secret is empty");
		return PACED_EINVAL;
	}
	rc = fmt_dingtalk_sign(secret, m->now, sig, sizeof(sig));
	if (rc < 0) {
		snprintf(err, errlen, "cannot sign the request: %s",
			 paced_strerror(rc));
		return rc;
	}
	if (fmt_dingtalk_urlencode(sig, enc, sizeof(enc)) < 0)
		return PACED_ERANGE; /* cannot happen: enc holds 3x */
	frag = strchr(url, '#');
	base = frag ? (size_t)(frag - url) : strlen(url);
	if (!memchr(url, '?', base))
		sep = "?";
	else if (url[base - 1] == '?' || url[base - 1] == '&')
		sep = "";
	else
		sep = "&";
	if (asprintf(out, "%.*s%stimestamp=%lld&sign=%s%s", (int)base, url,
		     sep, (long long)m->now, enc, frag ? frag : "") < 0) {
		*out = NULL;
		return PACED_ENOMEM;
	}
	return 0;
}

/*
 * The markdown text with lines [0, keep) of the note and, when keep is
 * short of all of them, up to `cut` bytes of line `keep` (cut on a
 * character boundary) and a note that the rest was left out. The title,
 * the link and the mentions are always there. NULL on ENOMEM.
 */
static char *ding_text(const struct chan_msg *m, size_t keep, size_t cut)
{
	const struct note *n = m->note;
	const struct conf_channel *ch = m->ch;
	enum message_lang lang = message_lang_parse(m->language);
	struct fmt_text b = {0};
	bool any = false;

	fmt_text_str(&b, "### ");
	fmt_text_str(&b, n->title);
	fmt_text_str(&b, "\n\n");
	for (size_t i = 0; i < keep && i < n->n_lines; i++) {
		if (any)
			fmt_text_str(&b, DING_BR);
		fmt_text_str(&b, n->lines[i]);
		any = true;
	}
	if (keep < n->n_lines) {
		const char *line = n->lines[keep];
		size_t k = fmt_text_prefix(line, strlen(line), cut);

		if (k) {
			if (any)
				fmt_text_str(&b, DING_BR);
			fmt_text_add(&b, line, k);
			fmt_text_str(&b, FMT_TEXT_ELLIPSIS);
			any = true;
		}
		if (any)
			fmt_text_str(&b, DING_BR);
		fmt_text_str(&b, message_left_out(lang));
	}
	if (n->link) {
		fmt_text_str(&b, "\n\n[");
		fmt_text_str(&b, message_link_label(lang));
		fmt_text_str(&b, "](");
		fmt_text_str(&b, n->link);
		fmt_text_str(&b, ")");
	}
	if (ch->n_mention_mobiles) {
		fmt_text_str(&b, "\n\n");
		for (size_t i = 0; i < ch->n_mention_mobiles; i++) {
			fmt_text_str(&b, i ? " @" : "@");
			fmt_text_str(&b, ch->mention_mobiles[i]);
		}
	}
	return fmt_text_finish(&b, NULL);
}

/* The body for ding_text(m, keep, cut), or NULL on ENOMEM (or a string
 * jansson refuses: not UTF-8). A fmt_text_render_fn; ctx is the message. */
static char *ding_body(const void *ctx, size_t keep, size_t cut, size_t *len)
{
	const struct chan_msg *m = ctx;
	const struct conf_channel *ch = m->ch;
	char *text = ding_text(m, keep, cut), *body = NULL;
	json_t *o = NULL, *mobiles;

	if (!text)
		return NULL;
	o = json_pack("{s:s,s:{s:s,s:s}}", "msgtype", "markdown", "markdown",
		      "title", m->note->title, "text", text);
	free(text);
	if (!o)
		return NULL;
	if (ch->n_mention_mobiles || ch->mention_all) {
		mobiles = json_array();
		for (size_t i = 0; mobiles && i < ch->n_mention_mobiles; i++)
			if (json_array_append_new(
				    mobiles,
				    json_string(ch->mention_mobiles[i])) < 0) {
				json_decref(mobiles);
				mobiles = NULL;
			}
		if (!mobiles ||
		    json_object_set_new(o, "at",
					json_pack("{s:o,s:b}", "atMobiles",
						  mobiles, "isAtAll",
						  ch->mention_all)) < 0)
			goto out;
	}
	body = jsonutil_dump(o, len);
out:
	json_decref(o);
	return body;
}

static int ding_render(const struct chan_msg *m, struct chan_request *r,
		       char *err, size_t errlen)
{
	int rc = ding_url(m, &r->url, err, errlen);

	if (rc < 0)
		return rc;
	/* A single event or a digest that is too long loses its last lines;
	 * a summary's lines are its events, none of which may be lost, so
	 * the caller merges fewer events instead. */
	rc = fmt_text_fit_head(m->note->lines, m->note->n_lines, DING_BODY_MAX,
			       m->kind == CHAN_SUMMARY, ding_body, m, &r->body,
			       &r->len);
	if (rc < 0) {
		if (rc == PACED_E2BIG && !err[0])
			snprintf(err, errlen,
				 "over DingTalk's %d bytes even shortened",
				 DING_MAX_BYTES);
		return rc;
	}
	/* "发起POST请求时，必须将字符集编码设置成UTF-8" */
	return chan_request_header(r,
				   "Content-Type: application/json; "
				   "charset=utf-8");
}

static const struct chan_code ding_codes[] = {
	{DING_ERR_TOO_FAST, CHAN_RETRY, DING_THROTTLE_S, NULL},
	{DING_ERR_SECURITY, CHAN_DEAD, -1,
	 " (configuration error: the robot's security settings refused the "
	 "message: keyword, secret or IP allow-list)"},
};

static const struct chan_answer ding_answer = {
	.what = "dingtalk errcode",
	.code = "errcode",
	.msg = "errmsg",
	.codes = ding_codes,
	.n_codes = PACED_ARRAY_LEN(ding_codes),
};

static void ding_judge(const struct httpc_response *res,
		       struct chan_judgement *j)
{
	chan_judge_code(res, j, &ding_answer);
}

const struct chan_driver chan_dingtalk = {
	.type = "dingtalk",
	.rate_n = 20,
	.rate_period_ms = 60 * 1000,
	.digest = true,
	.render = ding_render,
	.judge = ding_judge,
};
