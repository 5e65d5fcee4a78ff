/*
 * fmt_dingtalk.h - the DingTalk custom robot channel: its signer (the
 * "加签" security setting) and the URL encoding the signature travels in,
 * exposed for the unit tests.
 */
#ifndef PACED_FMT_DINGTALK_H
#define PACED_FMT_DINGTALK_H

#include <stddef.h>
#include <stdint.h>

/* base64 of an HMAC-SHA256 (44 characters) plus NUL. */
#define FMT_DINGTALK_SIGN_MAX 45

/*
 * base64(HMAC-SHA256(key = secret, msg = "<timestamp_ms>\n<secret>")) into
 * out (at least FMT_DINGTALK_SIGN_MAX bytes), as DingTalk checks it; not
 * URL-encoded. 0; PACED_EINVAL for a NULL or empty secret; PACED_ERANGE
 * when out is too small; PACED_EIO when OpenSSL fails. out is "" on
 * failure.
 */
int fmt_dingtalk_sign(const char *secret, int64_t timestamp_ms, char *out,
		      size_t n);

/*
 * Percent-encodes s (RFC 3986: everything but A-Z a-z 0-9 - . _ ~, so the
 * '+', '/' and '=' of base64 become %2B, %2F, %3D) into out. 0, or
 * PACED_ERANGE (out "") when out cannot hold it; 3 * strlen(s) + 1 bytes
 * always can.
 */
int fmt_dingtalk_urlencode(const char *s, char *out, size_t n);

#endif
