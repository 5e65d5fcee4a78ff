/*
 * fmt_webhook.c - the generic webhook channel: the event as JSON, and the
 * Standard Webhooks signature (SPEC.md section 3): "v1," followed by the base64 of
 * HMAC-SHA256(key, "{msg_id}.{timestamp}.{body}"), key being the base64
 * decoded secret after its "whsec_" prefix.
 */
#include "fmt_webhook.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "alert.h"
#include "b64.h"
#include "chan.h"
#include "jsonutil.h"
#include "paced.h"

#define FMT_WEBHOOK_PREFIX "whsec_"
#define FMT_WEBHOOK_VERSION "v1,"

/* Standard Webhooks keys are 24 to 64 bytes; anything far beyond that is
 * a configuration mistake rather than a key, so a fixed buffer does. */
#define FMT_WEBHOOK_KEY_MAX 256

#define FMT_WEBHOOK_HMAC_LEN 32

/*
 * HMAC-SHA256 over the three parts without building the concatenation, so
 * a large body is not copied. 0, or PACED_EIO if OpenSSL fails (no HMAC or
 * SHA-256 in the loaded providers, or out of memory inside OpenSSL).
 */
static int fmt_webhook_hmac(const unsigned char *key, size_t key_len,
			    const char *msg_id, const char *ts,
			    const char *body, size_t len,
			    unsigned char mac[FMT_WEBHOOK_HMAC_LEN])
{
	EVP_MAC *hmac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t mac_len = 0;
	int err = PACED_EIO;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();

	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!hmac)
		goto fail;
	ctx = EVP_MAC_CTX_new(hmac);
	if (!ctx)
		goto fail;
	if (!EVP_MAC_init(ctx, key, key_len, params))
		goto fail;
	if (!EVP_MAC_update(ctx, (const unsigned char *)msg_id,
			    strlen(msg_id)) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)".", 1) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)".", 1))
		goto fail;
	if (len && !EVP_MAC_update(ctx, (const unsigned char *)body, len))
		goto fail;
	if (!EVP_MAC_final(ctx, mac, &mac_len, FMT_WEBHOOK_HMAC_LEN) ||
	    mac_len != FMT_WEBHOOK_HMAC_LEN)
		goto fail;
	err = 0;
fail:
	/* The context holds a copy of the key. */
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	return err;
}

int fmt_webhook_sign(const char *secret, const char *msg_id,
		     int64_t timestamp_s, const char *body, size_t len,
		     char out[FMT_WEBHOOK_SIG_MAX])
{
	const size_t plen = sizeof(FMT_WEBHOOK_PREFIX) - 1;
	const size_t vlen = sizeof(FMT_WEBHOOK_VERSION) - 1;
	unsigned char key[FMT_WEBHOOK_KEY_MAX];
	unsigned char mac[FMT_WEBHOOK_HMAC_LEN];
	char ts[24];
	size_t key_len = 0, slen;
	int err;

	if (out)
		out[0] = '\0';
	if (!secret || !msg_id || !out || (!body && len))
		return PACED_EINVAL;
	if (strncmp(secret, FMT_WEBHOOK_PREFIX, plen) == 0)
		secret += plen;
	slen = strlen(secret);
	/* An empty key would "sign" with nothing a receiver could keep
	 * secret; treat it as the configuration error it is. */
	if (slen == 0 || B64_DECODED_MAX(slen) > sizeof(key))
		return PACED_EINVAL;
	err = b64_decode(secret, slen, key, sizeof(key), &key_len);
	if (err || key_len == 0) {
		err = PACED_EINVAL;
		goto fail;
	}

	snprintf(ts, sizeof(ts), "%" PRId64, timestamp_s);
	err = fmt_webhook_hmac(key, key_len, msg_id, ts, body, len, mac);
	if (err)
		goto fail;

	memcpy(out, FMT_WEBHOOK_VERSION, vlen);
	err = b64_encode(mac, sizeof(mac), out + vlen,
			 FMT_WEBHOOK_SIG_MAX - vlen);
	if (err)
		out[0] = '\0';
fail:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(mac, sizeof(mac));
	return err;
}

/* The body: the event of SPEC section 3; a summary lists its events; a
 * digest carries the counts. */
static json_t *webhook_json(const struct chan_msg *m)
{
	json_t *o, *list;
	const struct note_digest *d = m->digest;

	if (m->kind == CHAN_ONE) {
		return alert_event_json_from(m->events[0].e,
					     m->events[0].project,
					     m->note->text);
	}
	o = json_object();
	json_object_set_new(o, "id", json_string(m->id));
	json_object_set_new(o, "type", json_string(m->kind == CHAN_SUMMARY
							   ? "summary"
							   : "digest"));
	json_object_set_new(o, "at", jsonutil_instant(m->now));
	if (m->kind == CHAN_SUMMARY) {
		list = json_array();
		for (size_t i = 0; i < m->n_events; i++)
			json_array_append_new(
				list, alert_event_json_from(
					      m->events[i].e,
					      m->events[i].project,
					      m->events[i].note->text));
		json_object_set_new(o, "events", list);
	} else {
		json_object_set_new(
			o, "counts",
			json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
				  "projects", (json_int_t)d->n_projects,
				  "on_track", (json_int_t)d->n_on_track,
				  "at_risk", (json_int_t)d->n_at_risk,
				  "behind", (json_int_t)d->n_behind,
				  "overdue", (json_int_t)d->n_overdue,
				  "done", (json_int_t)d->n_done,
				  "not_started", (json_int_t)d->n_not_started,
				  "stale", (json_int_t)d->n_stale));
	}
	json_object_set_new(o, "text", json_string(m->note->text));
	return o;
}

bool fmt_webhook_secret_ok(const char *secret)
{
	char sig[FMT_WEBHOOK_SIG_MAX];

	return fmt_webhook_sign(secret, "msg_check", 0, "", 0, sig) == 0;
}

static int webhook_render(const struct chan_msg *m, struct chan_request *r,
			  char *err, size_t errlen)
{
	json_t *body = webhook_json(m);
	char sig[FMT_WEBHOOK_SIG_MAX];

	if (chan_request_json(r, m->ch->url, body, "application/json") < 0 ||
	    chan_request_header(r, "webhook-id: %s", m->id) < 0 ||
	    chan_request_header(r, "webhook-timestamp: %lld",
				(long long)(m->now / 1000)) < 0)
		return PACED_ENOMEM;
	if (!m->ch->secret)
		return 0;
	if (fmt_webhook_sign(m->ch->secret, m->id, m->now / 1000, r->body,
			     r->len, sig) < 0) {
		snprintf(err, errlen, "the channel's secret is not valid base64");
		return PACED_EINVAL;
	}
	return chan_request_header(r, "webhook-signature: %s", sig);
}

const struct chan_driver chan_webhook = {
	.type = "webhook",
	.digest = true,
	.render = webhook_render,
	.judge = chan_judge_http,
};
