/*
 * fmt_webhook.c - the Standard Webhooks signature of the generic webhook
 * channel (SPEC.md section 3): "v1," followed by the base64 of
 * HMAC-SHA256(key, "{msg_id}.{timestamp}.{body}"), key being the base64
 * decoded secret after its "whsec_" prefix.
 */
#include "fmt_webhook.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "b64.h"
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
