/*
 * b64.c - strict base64 on top of OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock.
 *
 * EVP_DecodeBlock alone is too lenient for secrets typed into a config
 * file: it skips leading/trailing whitespace, ignores where "=" appears and
 * always returns a multiple of 3 bytes (padding decodes to zero bytes). So
 * the input is validated here first and the true length computed from the
 * padding; OpenSSL only does the arithmetic.
 */
#include "b64.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "paced.h"

/* Value of an alphabet character, or -1. Written out rather than looked up
 * with strchr() so that '\0' is never mistaken for a member. */
static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int b64_encode(const void *in, size_t len, char *out, size_t out_size)
{
	int n;

	if (!out || (!in && len))
		return PACED_EINVAL;
	/* EVP_EncodeBlock counts in int; 3/4 of INT_MAX keeps its output
	 * length representable too. */
	if (len > (size_t)INT_MAX / 4 * 3) {
		if (out_size)
			out[0] = '\0';
		return PACED_ERANGE;
	}
	if (out_size < B64_ENCODED_SIZE(len)) {
		if (out_size)
			out[0] = '\0';
		return PACED_ERANGE;
	}
	if (len == 0) {
		out[0] = '\0';
		return 0;
	}
	n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	if (n < 0 || (size_t)n + 1 != B64_ENCODED_SIZE(len))
		return PACED_EINVAL;
	return 0;
}

/* Checks strict base64 (see b64.h) and returns the number of "=" (0-2),
 * or -1. */
static int b64_validate(const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t pad = 0;
	int last;

	if (len % 4 != 0)
		return -1;
	if (len == 0)
		return 0;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < len - pad; i++) {
		if (b64_value(s[i]) < 0)
			return -1;
	}
	if (pad == 0)
		return 0;
	/* The character before the padding carries 4 (one "=") or 2 (two)
	 * bits that belong to no byte; a canonical encoder leaves them 0. */
	last = b64_value(s[len - pad - 1]);
	if ((pad == 1 && (last & 0x03)) || (pad == 2 && (last & 0x0f)))
		return -1;
	return (int)pad;
}

int b64_decode(const char *in, size_t len, void *out, size_t out_size,
	       size_t *out_len)
{
	unsigned char *dst = out;
	unsigned char tail[3];
	size_t head, total;
	int pad, n;

	if (!out_len || (!in && len) || (!out && out_size))
		return PACED_EINVAL;
	*out_len = 0;
	pad = b64_validate(in, len);
	if (pad < 0)
		return PACED_EINVAL;
	if (len == 0)
		return 0;
	if (len > INT_MAX)
		return PACED_ERANGE;
	total = B64_DECODED_MAX(len) - (size_t)pad;
	if (total > out_size)
		return PACED_ERANGE;

	/* Every quantum but the last decodes to exactly 3 bytes straight into
	 * out; the last goes through `tail` because EVP_DecodeBlock writes 3
	 * bytes even when padding makes only 1 or 2 of them real, and out
	 * may be sized to the true length. */
	head = len - 4;
	if (head > 0) {
		n = EVP_DecodeBlock(dst, (const unsigned char *)in, (int)head);
		if (n < 0 || (size_t)n != B64_DECODED_MAX(head))
			return PACED_EINVAL;
	}
	n = EVP_DecodeBlock(tail, (const unsigned char *)in + head, 4);
	if (n != 3)
		return PACED_EINVAL;
	memcpy(dst + B64_DECODED_MAX(head), tail, 3 - (size_t)pad);
	*out_len = total;
	return 0;
}
