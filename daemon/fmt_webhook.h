/*
 * fmt_webhook.h - the generic webhook channel: its JSON body and its
 * Standard Webhooks signature (HMAC-SHA256 over "{id}.{timestamp}.{body}").
 */
#ifndef PACED_FMT_WEBHOOK_H
#define PACED_FMT_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest "v1,<base64 of 32 bytes>" plus NUL. */
#define FMT_WEBHOOK_SIG_MAX 64

/*
 * Writes "v1,<base64 signature>" into out. `secret` is "whsec_<base64 key>"
 * (a secret without the prefix is taken as the base64 key itself).
 * 0, or PACED_EINVAL if the secret is not valid base64.
 */
int fmt_webhook_sign(const char *secret, const char *msg_id,
		     int64_t timestamp_s, const char *body, size_t len,
		     char out[FMT_WEBHOOK_SIG_MAX]);

/* Whether fmt_webhook_sign() can sign with secret: for check-config, so
 * that a key that can never sign is refused before any event needs it. */
bool fmt_webhook_secret_ok(const char *secret);

#endif
