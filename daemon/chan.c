/*
 * chan.c - the list of channel types and what their drivers share: the
 * basic HTTP judgement and the one of platforms that answer with codes of
 * their own, JSON answers, HMAC for signers. (How they build and shorten
 * text is fmt_text.c.)
 */
#include "chan.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "b64.h"
#include "fmt_text.h"
#include "jsonutil.h"

extern const struct chan_driver chan_webhook;
extern const struct chan_driver chan_email;
extern const struct chan_driver chan_alertmanager;
extern const struct chan_driver chan_dingtalk;
extern const struct chan_driver chan_wecom;
extern const struct chan_driver chan_feishu;
extern const struct chan_driver chan_slack;
extern const struct chan_driver chan_discord;
extern const struct chan_driver chan_teams;
extern const struct chan_driver chan_telegram;

static const struct chan_driver *const chan_drivers[] = {
	&chan_webhook,
	&chan_email,
	&chan_alertmanager,
	&chan_dingtalk,
	&chan_wecom,
	&chan_feishu,
	&chan_slack,
	&chan_discord,
	&chan_teams,
	&chan_telegram,
};

const struct chan_driver *chan_driver_find(const char *type)
{
	for (size_t i = 0; type && i < PACED_ARRAY_LEN(chan_drivers); i++)
		if (strcmp(chan_drivers[i]->type, type) == 0)
			return chan_drivers[i];
	return NULL;
}

void chan_request_clear(struct chan_request *r)
{
	free(r->url);
	for (size_t i = 0; i < r->n_headers; i++)
		free(r->headers[i]);
	free(r->body);
	free(r->mail_from);
	for (size_t i = 0; i < r->n_rcpt; i++)
		free(r->rcpt[i]);
	free(r->rcpt);
	memset(r, 0, sizeof(*r));
}

int chan_request_header(struct chan_request *r, const char *fmt, ...)
{
	va_list ap;
	char *h = NULL;
	int n;

	if (r->n_headers >= CHAN_MAX_HEADERS)
		return PACED_EINVAL;
	va_start(ap, fmt);
	n = vasprintf(&h, fmt, ap);
	va_end(ap);
	if (n < 0)
		return PACED_ENOMEM;
	r->headers[r->n_headers++] = h;
	return 0;
}

int chan_request_json(struct chan_request *r, const char *url, json_t *body,
		      const char *content_type)
{
	r->body = body ? jsonutil_dump(body, &r->len) : NULL;
	json_decref(body);
	r->url = strdup(url);
	if (!r->body || !r->url)
		return PACED_ENOMEM;
	return chan_request_header(r, "Content-Type: %s", content_type);
}

void chan_judge_http(const struct httpc_response *res,
		     struct chan_judgement *j)
{
	j->pause_s = -1;
	j->why[0] = '\0';
	if (res->curl_code != 0) {
		j->verdict = CHAN_RETRY;
		snprintf(j->why, sizeof(j->why), "%s",
			 res->error ? res->error : "no response");
	} else if (res->status >= 200 && res->status < 300) {
		j->verdict = CHAN_SENT;
	} else {
		bool retry = res->status == 408 || res->status == 429 ||
			     res->status >= 500;

		j->verdict = retry ? CHAN_RETRY : CHAN_DEAD;
		snprintf(j->why, sizeof(j->why), "HTTP %ld", res->status);
		if (res->retry_after_s >= 0 &&
		    (res->status == 429 || res->status == 503))
			j->pause_s = res->retry_after_s;
	}
}

/* Appends s to why, cut on a character boundary, control characters made
 * spaces: a platform's message becomes part of one log line. */
static void chan_why_add(struct chan_judgement *j, const char *s)
{
	size_t used = strlen(j->why);

	if (used + 1 >= sizeof(j->why))
		return;
	fmt_text_copy_prefix(s, strlen(s), j->why + used,
			     sizeof(j->why) - used);
	for (char *p = j->why + used; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

__attribute__((format(printf, 2, 3))) static void
chan_why(struct chan_judgement *j, const char *fmt, ...)
{
	char part[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(part, sizeof(part), fmt, ap);
	va_end(ap);
	chan_why_add(j, part);
}

void chan_judge_code(const struct httpc_response *res,
		     struct chan_judgement *j, const struct chan_answer *a)
{
	json_t *o, *code;
	const char *msg;
	json_int_t c;

	chan_judge_http(res, j);
	if (res->curl_code != 0)
		return;
	o = chan_response_json(res);
	code = json_object_get(o, a->code);
	msg = json_string_value(json_object_get(o, a->msg));
	if (!json_is_integer(code) && a->old_code) {
		code = json_object_get(o, a->old_code);
		msg = json_string_value(json_object_get(o, a->old_msg));
	}
	if (!msg)
		msg = "";
	if (j->verdict != CHAN_SENT) {
		/* Keep the HTTP verdict; say what the platform added. */
		if (json_is_integer(code)) {
			chan_why(j, ", %s %" JSON_INTEGER_FORMAT ": ", a->what,
				 json_integer_value(code));
			chan_why_add(j, msg);
		}
		goto out;
	}
	if (!json_is_integer(code)) {
		j->verdict = CHAN_RETRY;
		chan_why(j, "HTTP %ld without a %s", res->status, a->what);
		goto out;
	}
	c = json_integer_value(code);
	if (c == 0)
		goto out;
	chan_why(j, "%s %" JSON_INTEGER_FORMAT, a->what, c);
	j->verdict = CHAN_DEAD;
	for (size_t i = 0; i < a->n_codes; i++) {
		if (a->codes[i].code != c)
			continue;
		j->verdict = a->codes[i].verdict;
		j->pause_s = a->codes[i].pause_s;
		if (a->codes[i].explain)
			chan_why_add(j, a->codes[i].explain);
		break;
	}
	if (*msg) {
		chan_why_add(j, ": ");
		chan_why_add(j, msg);
	}
out:
	json_decref(o);
}

json_t *chan_response_json(const struct httpc_response *res)
{
	json_t *o;

	if (!res->body || !res->body_len)
		return NULL;
	o = json_loadb(res->body, res->body_len, 0, NULL);
	if (o && !json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* base64(HMAC-SHA256(key, msg)) into out (at least 45 bytes). 0,
 * PACED_ERANGE when out is too small, or PACED_EIO. */
static int chan_hmac_sha256_b64(const void *key, size_t key_len,
				const void *msg, size_t msg_len, char *out,
				size_t out_len)
{
	unsigned char mac[32];
	size_t mac_len = 0;
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	OSSL_PARAM params[2];
	int err = PACED_EIO;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	/* OpenSSL refuses a NULL key even when it is empty (Feishu signs
	 * an empty message, not an empty key, but be exact anyway). */
	if (ctx && EVP_MAC_init(ctx, key_len ? key : (const void *)"",
				key_len, params) &&
	    (msg_len == 0 || EVP_MAC_update(ctx, msg, msg_len)) &&
	    EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) &&
	    mac_len == sizeof(mac))
		err = b64_encode(mac, sizeof(mac), out, out_len);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	return err;
}

int chan_sign_timestamp(const char *secret, int64_t timestamp,
			enum chan_sign_as as, char *out, size_t n)
{
	char *text = NULL;
	int len, err;

	if (out && n)
		out[0] = '\0';
	if (!secret || !*secret || !out || !n)
		return PACED_EINVAL;
	len = asprintf(&text, "%" PRId64 "\n%s", timestamp, secret);
	if (len < 0)
		return PACED_ENOMEM;
	if (as == CHAN_SIGN_MSG)
		err = chan_hmac_sha256_b64(secret, strlen(secret), text,
					   (size_t)len, out, n);
	else
		err = chan_hmac_sha256_b64(text, (size_t)len, NULL, 0, out, n);
	free(text);
	if (err)
		out[0] = '\0';
	return err;
}
