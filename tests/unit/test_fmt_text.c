/*
 * test_fmt_text.c - the text toolkit of the channel drivers: the growing
 * buffer, measuring and cutting UTF-8 so that no character is split, and
 * the two ways of fitting lines into a limit - each on the edges of 2-,
 * 3- and 4-byte characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt_text.h"
#include "paced.h"

/* ---- the buffer --------------------------------------------------------- */

static void test_buffer_grows(void **state)
{
	struct fmt_text b = {0};
	char *s;
	size_t len = 0;

	(void)state;
	/* Past the first allocation several times over. */
	for (int i = 0; i < 1000; i++)
		fmt_text_str(&b, "停车");
	fmt_text_add(&b, "a\0b", 3);
	s = fmt_text_finish(&b, &len);
	assert_non_null(s);
	assert_int_equal(len, 1000 * 6 + 3);
	assert_memory_equal(s, "停车停车", 12);
	assert_memory_equal(s + len - 3, "a\0b", 4); /* NUL-terminated too */
	free(s);
	/* finish leaves the buffer empty. */
	assert_null(b.p);
	assert_int_equal(b.len, 0);
}

static void test_buffer_empty(void **state)
{
	struct fmt_text b = {0};
	char *s;
	size_t len = 99;

	(void)state;
	/* Nothing appended is "", not a failure. */
	s = fmt_text_finish(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
}

static void test_buffer_nomem_sticks(void **state)
{
	struct fmt_text b = {0};
	size_t len = 99;

	(void)state;
	fmt_text_str(&b, "kept so far");
	b.nomem = true; /* as after a failed realloc */
	fmt_text_str(&b, " and this is dropped");
	assert_string_equal(b.p, "kept so far");
	assert_null(fmt_text_finish(&b, &len));
	assert_int_equal(len, 99);
	assert_null(b.p);
	assert_false(b.nomem);
}

/* ---- UTF-8 -------------------------------------------------------------- */

/* One of each width: é (2 bytes), 停 (3), 😀 (4, outside the BMP). */
#define E2 "\xc3\xa9"
#define E3 "\xe5\x81\x9c"
#define E4 "\xf0\x9f\x98\x80"

static void test_char_len(void **state)
{
	(void)state;
	assert_int_equal(fmt_text_char_len("a"), 1);
	assert_int_equal(fmt_text_char_len(E2), 2);
	assert_int_equal(fmt_text_char_len(E3), 3);
	assert_int_equal(fmt_text_char_len(E4), 4);
	/* Invalid input still moves forward, and never past the NUL or a
	 * byte that does not continue the character. */
	assert_int_equal(fmt_text_char_len("\x80"), 1);
	assert_int_equal(fmt_text_char_len("\xff"), 1);
	assert_int_equal(fmt_text_char_len("\xe5\x81"), 2);
	assert_int_equal(fmt_text_char_len("\xe5" "a"), 1);
	assert_int_equal(fmt_text_char_len("\xf0\x9f\x98" "a"), 3);
}

/* Strict UTF-8: the length of a valid character, 0 for anything else. */
static void test_utf8_len(void **state)
{
	static const struct {
		const char *s;
		size_t len, want;
	} cases[] = {
		{"a", 1, 1},
		{"\xc3\xa9", 2, 2},          /* é */
		{"\xe4\xb8\xad", 3, 3},      /* 中 */
		{"\xf0\x9f\x98\x80", 4, 4},  /* U+1F600 */
		{"\xf4\x8f\xbf\xbf", 4, 4},  /* U+10FFFF, the last */
		{"\x80", 1, 0},              /* a continuation byte alone */
		{"\xc0\x80", 2, 0},          /* overlong NUL */
		{"\xc1\xbf", 2, 0},          /* overlong */
		{"\xe0\x80\x80", 3, 0},      /* overlong */
		{"\xf0\x80\x80\x80", 4, 0},  /* overlong */
		{"\xed\xa0\x80", 3, 0},      /* a surrogate, U+D800 */
		{"\xf4\x90\x80\x80", 4, 0},  /* past U+10FFFF */
		{"\xf5\x80\x80\x80", 4, 0},  /* no such lead byte */
		{"\xe4\xb8", 2, 0},          /* cut short by the end */
		{"\xe4\x41\xad", 3, 0},      /* not a continuation byte */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *s = (const unsigned char *)cases[i].s;

		if (fmt_text_utf8_len(s, s + cases[i].len) != cases[i].want)
			fail_msg("case %zu: %zu, want %zu", i,
				 fmt_text_utf8_len(s, s + cases[i].len),
				 cases[i].want);
	}
}

static void test_prefix_edges(void **state)
{
	const char *s = "a" E2 E3 E4; /* bytes: 1, 2, 3, 4 = 10 */
	size_t len = strlen(s);
	/* For every max, the longest whole-character prefix. */
	static const size_t want[] = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10};
	char out[16];

	(void)state;
	for (size_t max = 0; max < PACED_ARRAY_LEN(want); max++)
		assert_int_equal(fmt_text_prefix(s, len, max), want[max]);
	/* len bounds it too: a prefix of a prefix. */
	assert_int_equal(fmt_text_prefix(s, 5, 100), 5);
	/* The copy is NUL-terminated and never splits a character. */
	assert_int_equal(fmt_text_copy_prefix(s, len, out, 9), 6);
	assert_string_equal(out, "a" E2 E3);
	assert_int_equal(fmt_text_copy_prefix(s, len, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(fmt_text_copy_prefix(s, len, out, sizeof(out)), 10);
	assert_string_equal(out, s);
}

/* A cost with the shape of a markdown escape: '*' costs 2 anywhere, '#'
 * 2 where a line starts, other characters as UTF-16. */
static size_t md_cost(const char *s, size_t k, bool bol)
{
	if (k == 1 && (*s == '*' || (bol && *s == '#')))
		return 2;
	return fmt_text_utf16(s, k, bol);
}

static void test_cost(void **state)
{
	(void)state;
	assert_int_equal(fmt_text_cost("", fmt_text_utf16), 0);
	assert_int_equal(fmt_text_cost("a" E2 E3 E4, fmt_text_utf16), 5);
	assert_int_equal(fmt_text_cost(FMT_TEXT_ELLIPSIS, fmt_text_utf16), 1);
	/* bol is true at the start and after each newline only. */
	assert_int_equal(fmt_text_cost("#a#\n#*", md_cost), 9);
}

/* fmt_text_cut(s, cap) as a string, checked for its cost, freed. */
static void check_cut(const char *s, size_t cap, fmt_text_cost_fn cost,
		      const char *want)
{
	char *got = fmt_text_cut(s, cap, cost);

	assert_non_null(got);
	assert_string_equal(got, want);
	if (fmt_text_cost(s, cost) > cap)
		assert_true(fmt_text_cost(got, cost) <= cap);
	free(got);
}

static void test_cut_utf16(void **state)
{
	const char *s = E4 E3 E4 "a"; /* 2 + 1 + 2 + 1 = 6 units */

	(void)state;
	/* Whole when it fits, with no ellipsis. */
	check_cut(s, 6, fmt_text_utf16, s);
	check_cut(s, SIZE_MAX, fmt_text_utf16, s);
	/* Cut: the ellipsis (1 unit) is part of the cap; a 2-unit character
	 * is never half kept. */
	check_cut(s, 5, fmt_text_utf16, E4 E3 FMT_TEXT_ELLIPSIS);
	check_cut(s, 4, fmt_text_utf16, E4 E3 FMT_TEXT_ELLIPSIS);
	check_cut(s, 3, fmt_text_utf16, E4 FMT_TEXT_ELLIPSIS);
	check_cut(s, 2, fmt_text_utf16, FMT_TEXT_ELLIPSIS);
	check_cut(s, 1, fmt_text_utf16, FMT_TEXT_ELLIPSIS);
	/* No room even for the ellipsis: nothing. */
	check_cut(s, 0, fmt_text_utf16, "");
	check_cut("", 0, fmt_text_utf16, "");
}

/* Costs in bytes, as a platform that limits bytes counts them. */
static size_t byte_cost(const char *s, size_t k, bool bol)
{
	(void)s;
	(void)bol;
	return k;
}

static void test_cut_bytes(void **state)
{
	const char *s = E3 E3 E2 "ab"; /* 3 + 3 + 2 + 1 + 1 = 10 bytes */
	bool ellipsis = true;

	(void)state;
	/* The ellipsis costs 3 bytes here. */
	check_cut(s, 10, byte_cost, s);
	check_cut(s, 9, byte_cost, E3 E3 FMT_TEXT_ELLIPSIS);
	check_cut(s, 8, byte_cost, E3 FMT_TEXT_ELLIPSIS);
	check_cut(s, 6, byte_cost, E3 FMT_TEXT_ELLIPSIS);
	check_cut(s, 5, byte_cost, FMT_TEXT_ELLIPSIS);
	check_cut(s, 3, byte_cost, FMT_TEXT_ELLIPSIS);
	check_cut(s, 2, byte_cost, "");
	/* cut_len tells the bytes kept and whether the ellipsis follows. */
	assert_int_equal(fmt_text_cut_len(s, 10, byte_cost, &ellipsis), 10);
	assert_false(ellipsis);
	assert_int_equal(fmt_text_cut_len(s, 7, byte_cost, &ellipsis), 3);
	assert_true(ellipsis);
	assert_int_equal(fmt_text_cut_len(s, 2, byte_cost, &ellipsis), 0);
	assert_false(ellipsis);
}

static void test_cut_line_starts(void **state)
{
	(void)state;
	/* "#" costs 2 only where a line starts, so the same cap keeps more
	 * of a line that starts elsewhere. */
	check_cut("##ab", 4, md_cost, "##" FMT_TEXT_ELLIPSIS);
	check_cut("a\n#b", 4, md_cost, "a\n" FMT_TEXT_ELLIPSIS);
	check_cut("a\n*" E4, 5, md_cost, "a\n*" FMT_TEXT_ELLIPSIS);
	check_cut("a\n*" E4, 6, md_cost, "a\n*" E4);
}

/* ---- fitting lines ------------------------------------------------------ */

/* Lines counted in UTF-16 units and joined by newlines, as Telegram's. */
static const struct fmt_text_fit fit = {
	.cost = fmt_text_utf16,
	.min_cap = 2,
	.per_line = 1,
};

/* fmt_text_fit_lines() must give exactly want[0..n_want). */
static void check_fit_lines(char *const *lines, size_t n, size_t budget,
			    bool keep_all, const char *const *want,
			    size_t n_want)
{
	char **got = NULL;
	size_t n_got = 99;

	assert_int_equal(fmt_text_fit_lines(lines, n, budget, keep_all, &fit,
					    &got, &n_got),
			 0);
	assert_int_equal(n_got, n_want);
	for (size_t i = 0; i < n_want; i++)
		assert_string_equal(got[i], want[i]);
	fmt_text_free_lines(got, n_got);
}

static void test_fit_lines(void **state)
{
	/* 6 + 4 + 2 units, and one more each for its newline: 15. */
	char *lines[] = {(char *)E4 E4 E4, (char *)"停车泊位", (char *)"ab"};
	const char *whole[] = {E4 E4 E4, "停车泊位", "ab"};
	/* The largest common cap that fits 12 is 3: the emoji line keeps
	 * one emoji (a second would be 2 units more, not 1). */
	const char *even[] = {E4 FMT_TEXT_ELLIPSIS, "停车" FMT_TEXT_ELLIPSIS,
			      "ab"};
	/* Not even min_cap (2) for all: the first lines at min_cap, then an
	 * ellipsis for the rest; 2 units leave no room for an emoji. */
	const char *head[] = {FMT_TEXT_ELLIPSIS, "停" FMT_TEXT_ELLIPSIS,
			      FMT_TEXT_ELLIPSIS};
	char **got = NULL;
	size_t n_got = 99;

	(void)state;
	check_fit_lines(lines, 3, 15, false, whole, 3);
	check_fit_lines(lines, 3, 15, true, whole, 3);
	check_fit_lines(lines, 3, 12, false, even, 3);
	check_fit_lines(lines, 3, 12, true, even, 3);
	check_fit_lines(lines, 3, 8, false, head, 3);
	/* No room even for the ellipsis line: nothing. */
	check_fit_lines(lines, 3, 1, false, NULL, 0);
	check_fit_lines(lines, 0, 0, false, NULL, 0);
	/* A summary's lines are events: losing one is not allowed. */
	assert_int_equal(fmt_text_fit_lines(lines, 3, 8, true, &fit, &got,
					    &n_got),
			 PACED_E2BIG);
	assert_null(got);
	assert_int_equal(n_got, 0);
}

/* A message as the CN drivers render one: the lines kept joined by
 * newlines, then the cut part of the next line with an ellipsis, then
 * "~" for "the rest is left out". */
struct head_msg {
	char *const *lines;
	size_t n;
};

static int head_renders; /* how often head_render() ran */

static char *head_render(const void *ctx, size_t keep, size_t cut,
			 size_t *len)
{
	const struct head_msg *h = ctx;
	struct fmt_text b = {0};

	head_renders++;
	for (size_t i = 0; i < keep && i < h->n; i++) {
		if (i)
			fmt_text_str(&b, "\n");
		fmt_text_str(&b, h->lines[i]);
	}
	if (keep < h->n) {
		const char *line = h->lines[keep];
		size_t k = fmt_text_prefix(line, strlen(line), cut);

		if (k) {
			if (keep)
				fmt_text_str(&b, "\n");
			fmt_text_add(&b, line, k);
			fmt_text_str(&b, FMT_TEXT_ELLIPSIS);
		}
		fmt_text_str(&b, "~");
	}
	return fmt_text_finish(&b, len);
}

static void check_fit_head(struct head_msg *h, size_t max, const char *want)
{
	char *got = NULL;
	size_t len = 0;

	assert_int_equal(fmt_text_fit_head(h->lines, h->n, max, false,
					   head_render, h, &got, &len),
			 0);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	assert_true(len <= max);
	free(got);
}

static void test_fit_head(void **state)
{
	/* 12 + 1 + 12 + 1 + 3 = 29 bytes whole. */
	char *lines[] = {(char *)"停车泊位", (char *)E4 E4 E4, (char *)"abc"};
	struct head_msg h = {lines, 3};
	char *got = (char *)"untouched";
	size_t len = 0;

	(void)state;
	head_renders = 0;
	check_fit_head(&h, 29, "停车泊位\n" E4 E4 E4 "\nabc");
	/* Tried once, whole. */
	assert_int_equal(head_renders, 1);
	/* One byte short: the last line goes; its 3 bytes cannot be cut
	 * with an ellipsis (3 more) in the 1 byte left. */
	check_fit_head(&h, 28, "停车泊位\n" E4 E4 E4 "~");
	/* The second line cut inside its emoji: 1 to 3 bytes of an emoji
	 * are none of it. */
	check_fit_head(&h, 20, "停车泊位~");
	check_fit_head(&h, 21, "停车泊位\n" E4 FMT_TEXT_ELLIPSIS "~");
	check_fit_head(&h, 24, "停车泊位\n" E4 FMT_TEXT_ELLIPSIS "~");
	check_fit_head(&h, 25, "停车泊位\n" E4 E4 FMT_TEXT_ELLIPSIS "~");
	/* The first line cut inside a 3-byte character. */
	h.n = 1;
	check_fit_head(&h, 10, "停车" FMT_TEXT_ELLIPSIS "~");
	check_fit_head(&h, 9, "停" FMT_TEXT_ELLIPSIS "~");
	check_fit_head(&h, 7, "停" FMT_TEXT_ELLIPSIS "~");
	check_fit_head(&h, 6, "~");
	/* Not even "~" fits. */
	assert_int_equal(fmt_text_fit_head(lines, 1, 0, false, head_render, &h,
					   &got, &len),
			 PACED_E2BIG);
	assert_null(got);
	/* A summary (keep_all) too long is not shortened. */
	h.n = 3;
	got = (char *)"untouched";
	assert_int_equal(fmt_text_fit_head(lines, 3, 28, true, head_render,
					   &h, &got, &len),
			 PACED_E2BIG);
	assert_null(got);
}

static void test_copy_valid(void **state)
{
	char out[16];

	(void)state;
	/* Valid text, Chinese included, is copied as it is. */
	assert_int_equal(fmt_text_copy_valid("no 停车", out, sizeof(out)), 9);
	assert_string_equal(out, "no 停车");
	/* Stray bytes, an overlong form and a cut character are escaped. */
	fmt_text_copy_valid("a\xff\xfe", out, sizeof(out));
	assert_string_equal(out, "a\\xFF\\xFE");
	fmt_text_copy_valid("\xc0\xafz", out, sizeof(out));
	assert_string_equal(out, "\\xC0\\xAFz");
	fmt_text_copy_valid("x\xe5\x81", out, sizeof(out));
	assert_string_equal(out, "x\\xE5\\x81");
	/* Full: nothing is cut inside a character or an escape. */
	assert_int_equal(fmt_text_copy_valid("abcdefghijklm停", out, 16), 13);
	assert_string_equal(out, "abcdefghijklm");
	assert_int_equal(fmt_text_copy_valid("abcdefghijkl\xff", out, 16), 12);
	assert_string_equal(out, "abcdefghijkl");
	assert_int_equal(fmt_text_copy_valid("abcdefghijk\xff", out, 16), 15);
	assert_string_equal(out, "abcdefghijk\\xFF");
	assert_int_equal(fmt_text_copy_valid("abc", out, 1), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffer_grows),
		cmocka_unit_test(test_buffer_empty),
		cmocka_unit_test(test_buffer_nomem_sticks),
		cmocka_unit_test(test_char_len),
		cmocka_unit_test(test_utf8_len),
		cmocka_unit_test(test_prefix_edges),
		cmocka_unit_test(test_cost),
		cmocka_unit_test(test_cut_utf16),
		cmocka_unit_test(test_cut_bytes),
		cmocka_unit_test(test_cut_line_starts),
		cmocka_unit_test(test_fit_lines),
		cmocka_unit_test(test_fit_head),
		cmocka_unit_test(test_copy_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
