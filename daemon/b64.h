/*
 * b64.h - standard base64 (RFC 4648 section 4: "+/" alphabet, "=" padding)
 * for the channel signers: Standard Webhooks keys and signatures, DingTalk
 * and Feishu signatures. It owns nothing; callers pass every buffer.
 */
#ifndef PACED_B64_H
#define PACED_B64_H

#include <stddef.h>

/* Bytes b64_encode() writes for n input bytes, the NUL included. */
#define B64_ENCODED_SIZE(n) (((n) + 2) / 3 * 4 + 1)

/* Most bytes b64_decode() can produce from n characters of input. */
#define B64_DECODED_MAX(n) ((n) / 4 * 3)

/*
 * Encodes len bytes of `in` (borrowed; may be NULL when len is 0) into
 * `out` (borrowed, out_size bytes) as padded base64 followed by a NUL.
 * 0, PACED_ERANGE when out_size < B64_ENCODED_SIZE(len) (out is then left
 * as an empty string if it has room for one), or PACED_EINVAL.
 */
int b64_encode(const void *in, size_t len, char *out, size_t out_size);

/*
 * Decodes len characters of `in` (borrowed, need not be NUL-terminated)
 * into `out` (borrowed, out_size bytes) and stores the number of bytes
 * produced in *out_len. The input must be strict base64: a multiple of 4
 * characters from the standard alphabet, "=" only as the last one or two
 * characters, no whitespace, and zero in the bits the padding leaves over
 * (so every byte string has exactly one accepted encoding). Empty input
 * decodes to 0 bytes. out_size >= B64_DECODED_MAX(len) is always enough.
 * 0, PACED_EINVAL for input that is not strict base64, or PACED_ERANGE when
 * the decoded bytes do not fit in out_size (out's content is then
 * unspecified).
 */
int b64_decode(const char *in, size_t len, void *out, size_t out_size,
	       size_t *out_len);

#endif
