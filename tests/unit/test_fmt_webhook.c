/* test_fmt_webhook.c - Standard Webhooks signatures and the base64 helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "b64.h"
#include "fmt_webhook.h"
#include "paced.h"

/*
 * The Standard Webhooks test vector, as published by the specification's
 * reference libraries: TestWebhookSign in
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/libraries/go/webhook_test.go
 * (the same values appear in the other libraries' tests). It was also
 * checked independently with
 *   printf 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
 *   openssl dgst -sha256 -mac HMAC -macopt hexkey:<hex of the key> -binary |
 *   base64
 */
#define VEC_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define VEC_MSG_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define VEC_TIMESTAMP 1614265330
#define VEC_PAYLOAD "{\"test\": 2432232314}"
#define VEC_SIGNATURE "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static void test_sign_vector(void **state)
{
	char sig[FMT_WEBHOOK_SIG_MAX];

	(void)state;
	assert_int_equal(fmt_webhook_sign(VEC_SECRET, VEC_MSG_ID,
					  VEC_TIMESTAMP, VEC_PAYLOAD,
					  strlen(VEC_PAYLOAD), sig),
			 0);
	assert_string_equal(sig, VEC_SIGNATURE);
}

/* The header documents that a secret without "whsec_" is the base64 key
 * itself, as the reference libraries accept it. */
static void test_sign_without_prefix(void **state)
{
	char sig[FMT_WEBHOOK_SIG_MAX];
	const char *bare = &VEC_SECRET[strlen("whsec_")];

	(void)state;
	assert_int_equal(fmt_webhook_sign(bare, VEC_MSG_ID, VEC_TIMESTAMP,
					  VEC_PAYLOAD, strlen(VEC_PAYLOAD),
					  sig),
			 0);
	assert_string_equal(sig, VEC_SIGNATURE);
}

/* Every signed part matters, and the body is taken by length, not NUL. */
static void test_sign_inputs_matter(void **state)
{
	char sig[FMT_WEBHOOK_SIG_MAX];
	const char body[] = "{\"test\": 2432232314}\0trailing";

	(void)state;
	assert_int_equal(fmt_webhook_sign(VEC_SECRET, VEC_MSG_ID,
					  VEC_TIMESTAMP + 1, VEC_PAYLOAD,
					  strlen(VEC_PAYLOAD), sig),
			 0);
	assert_string_not_equal(sig, VEC_SIGNATURE);
	assert_int_equal(fmt_webhook_sign(VEC_SECRET, "msg_other",
					  VEC_TIMESTAMP, VEC_PAYLOAD,
					  strlen(VEC_PAYLOAD), sig),
			 0);
	assert_string_not_equal(sig, VEC_SIGNATURE);
	assert_int_equal(fmt_webhook_sign(VEC_SECRET, VEC_MSG_ID,
					  VEC_TIMESTAMP, body, sizeof(body) - 1,
					  sig),
			 0);
	assert_string_not_equal(sig, VEC_SIGNATURE);
	assert_int_equal(fmt_webhook_sign(VEC_SECRET, VEC_MSG_ID,
					  VEC_TIMESTAMP, body,
					  strlen(VEC_PAYLOAD), sig),
			 0);
	assert_string_equal(sig, VEC_SIGNATURE);
}

static void test_sign_empty_body(void **state)
{
	char a[FMT_WEBHOOK_SIG_MAX], b[FMT_WEBHOOK_SIG_MAX];

	(void)state;
	assert_int_equal(fmt_webhook_sign(VEC_SECRET, VEC_MSG_ID,
					  VEC_TIMESTAMP, NULL, 0, a),
			 0);
	assert_int_equal(fmt_webhook_sign(VEC_SECRET, VEC_MSG_ID,
					  VEC_TIMESTAMP, "", 0, b),
			 0);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), strlen(VEC_SIGNATURE));
	assert_memory_equal(a, "v1,", 3);
}

static void test_sign_bad_secret(void **state)
{
	static const char *const bad[] = {
		"whsec_",                                 /* empty key */
		"",                                       /* empty key */
		"whsec_not base64!",                      /* alphabet */
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",  /* length */
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", /* whitespace */
		" whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", /* whitespace */
		"whsec_MfKQ=r8GKYqrTwjUPD8ILPZIo2LaLaSw", /* inner padding */
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa==", /* pad bits set */
		"whsec_MfKQ9r8G-YqrTwjUPD8ILPZIo2LaLaSw", /* URL alphabet */
		"whsec_====",
	};
	char sig[FMT_WEBHOOK_SIG_MAX];
	char longer[1024];

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(bad); i++) {
		memcpy(sig, "junk", 5);
		assert_int_equal(fmt_webhook_sign(bad[i], VEC_MSG_ID,
						  VEC_TIMESTAMP, VEC_PAYLOAD,
						  strlen(VEC_PAYLOAD), sig),
				 PACED_EINVAL);
		/* Never a stale or partial signature after a failure. */
		assert_string_equal(sig, "");
	}
	/* Far beyond any real key. */
	memset(longer, 'A', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(fmt_webhook_sign(longer, VEC_MSG_ID, VEC_TIMESTAMP,
					  VEC_PAYLOAD, strlen(VEC_PAYLOAD),
					  sig),
			 PACED_EINVAL);
	assert_int_equal(fmt_webhook_sign(NULL, VEC_MSG_ID, VEC_TIMESTAMP,
					  VEC_PAYLOAD, strlen(VEC_PAYLOAD),
					  sig),
			 PACED_EINVAL);
	assert_int_equal(fmt_webhook_sign(VEC_SECRET, NULL, VEC_TIMESTAMP,
					  VEC_PAYLOAD, strlen(VEC_PAYLOAD),
					  sig),
			 PACED_EINVAL);
}

/* RFC 4648 section 10 test vectors, both ways. */
static void test_b64_rfc4648(void **state)
{
	static const struct {
		const char *raw, *enc;
	} vec[] = {
		{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
		{"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
	};
	char enc[16];
	unsigned char dec[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(vec); i++) {
		size_t rl = strlen(vec[i].raw), el = strlen(vec[i].enc);

		assert_int_equal(B64_ENCODED_SIZE(rl), el + 1);
		assert_int_equal(b64_encode(vec[i].raw, rl, enc, sizeof(enc)),
				 0);
		assert_string_equal(enc, vec[i].enc);
		/* Decoding into a buffer of exactly the true length works:
		 * padding never spills past it. */
		memset(dec, 0xAA, sizeof(dec));
		assert_int_equal(b64_decode(vec[i].enc, el, dec, rl, &n), 0);
		assert_int_equal(n, rl);
		assert_memory_equal(dec, vec[i].raw, rl);
		assert_int_equal(dec[rl], 0xAA);
	}
}

/* Every length 0..300 and every byte value survive a round trip. */
static void test_b64_round_trip(void **state)
{
	unsigned char raw[300], dec[300];
	char enc[B64_ENCODED_SIZE(300)];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(raw); len++) {
		assert_int_equal(b64_encode(raw, len, enc, sizeof(enc)), 0);
		assert_int_equal(strlen(enc), B64_ENCODED_SIZE(len) - 1);
		assert_int_equal(b64_decode(enc, strlen(enc), dec, sizeof(dec),
					    &n),
				 0);
		assert_int_equal(n, len);
		assert_memory_equal(dec, raw, len);
	}
}

static void test_b64_limits(void **state)
{
	char enc[8];
	unsigned char dec[4];
	size_t n = 99;

	(void)state;
	/* "foob" needs 9 bytes with the NUL. */
	assert_int_equal(b64_encode("foob", 4, enc, 8), PACED_ERANGE);
	assert_string_equal(enc, "");
	assert_int_equal(b64_encode("foo", 3, enc, 5), 0);
	assert_string_equal(enc, "Zm9v");
	/* "foobar" decodes to 6 bytes. */
	assert_int_equal(b64_decode("Zm9vYmFy", 8, dec, sizeof(dec), &n),
			 PACED_ERANGE);
	assert_int_equal(n, 0);
	/* Only len characters are read: no NUL needed after them. */
	assert_int_equal(b64_decode("Zm9vYmFy", 4, dec, sizeof(dec), &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(dec, "foo", 3);
}

static void test_b64_rejects(void **state)
{
	static const char *const bad[] = {
		"Zg=",   "Zg",    "Z===",  "====",  "Zm9v\n", " Zm9v",
		"Zm 9v", "Zm9v=", "Zh==",  "Zm9=",  "Zg==Zg==", "Zm9_",
		"Zm9-",  "Zm\0v",
	};
	static const size_t bad_len[] = {
		3, 2, 4, 4, 5, 5, 5, 5, 4, 4, 8, 4, 4, 4,
	};
	unsigned char dec[16];
	size_t n = 99;

	(void)state;
	assert_int_equal(PACED_ARRAY_LEN(bad), PACED_ARRAY_LEN(bad_len));
	for (size_t i = 0; i < PACED_ARRAY_LEN(bad); i++) {
		n = 99;
		assert_int_equal(b64_decode(bad[i], bad_len[i], dec,
					    sizeof(dec), &n),
				 PACED_EINVAL);
		assert_int_equal(n, 0);
	}
	/* The canonical forms of the pad-bit cases above are accepted. */
	assert_int_equal(b64_decode("Zg==", 4, dec, sizeof(dec), &n), 0);
	assert_int_equal(b64_decode("Zm8=", 4, dec, sizeof(dec), &n), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_vector),
		cmocka_unit_test(test_sign_without_prefix),
		cmocka_unit_test(test_sign_inputs_matter),
		cmocka_unit_test(test_sign_empty_body),
		cmocka_unit_test(test_sign_bad_secret),
		cmocka_unit_test(test_b64_rfc4648),
		cmocka_unit_test(test_b64_round_trip),
		cmocka_unit_test(test_b64_limits),
		cmocka_unit_test(test_b64_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
