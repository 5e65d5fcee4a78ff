/*
 * test_fmt_text.c - the text toolkit of the channel drivers: the growing
 * buffer.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffer_grows),
		cmocka_unit_test(test_buffer_empty),
		cmocka_unit_test(test_buffer_nomem_sticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
