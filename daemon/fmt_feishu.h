/*
 * fmt_feishu.h - the Feishu / Lark custom bot channel: its signer (the
 * "签名校验" security setting), exposed for the unit tests.
 */
#ifndef PACED_FMT_FEISHU_H
#define PACED_FMT_FEISHU_H

#include <stddef.h>
#include <stdint.h>

/* base64 of an HMAC-SHA256 (44 characters) plus NUL. */
#define FMT_FEISHU_SIGN_MAX 45

/*
 * base64(HMAC-SHA256(key = "<timestamp_s>\n<secret>", msg = "")) into out
 * (at least FMT_FEISHU_SIGN_MAX bytes), as Feishu checks it: the key is
 * the string to sign and the message empty. 0; PACED_EINVAL for a NULL or
 * empty secret; PACED_ERANGE when out is too small; PACED_EIO when
 * OpenSSL fails. out is "" on failure.
 */
int fmt_feishu_sign(const char *secret, int64_t timestamp_s, char *out,
		    size_t n);

#endif
