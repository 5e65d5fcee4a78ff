/*
 * test_csv.c - the RFC 4180 reader (quotes, doubled quotes, line breaks
 * inside quotes, BOM, CRLF/LF/CR, trailing newline or none, ragged rows,
 * the line each record began on, precise errors) and the writer (quoting,
 * numbers, the formula guard and its inverse).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "paced.h"

/*
 * Reads text and renders every record as "LINE:[f1][f2]\n" (an empty line
 * is "LINE:\n"), so a whole parse is one string to compare. Returns what
 * the last csv_reader_next() said (0 at the end, or the error), with the
 * error in *err when err is not NULL.
 */
static int dump_n(const char *text, size_t len, char *out, size_t outlen,
		  struct csv_error *err)
{
	struct csv_reader r;
	struct csv_record rec;
	size_t k = 0;
	int rc;

	out[0] = '\0';
	assert_int_equal(csv_reader_init(&r, text, len), 0);
	while ((rc = csv_reader_next(&r, &rec)) == 1) {
		k += (size_t)snprintf(out + k, outlen - k, "%zu:", rec.line);
		for (size_t i = 0; i < rec.n; i++)
			k += (size_t)snprintf(out + k, outlen - k, "[%s]",
					      rec.fields[i]);
		k += (size_t)snprintf(out + k, outlen - k, "\n");
		assert_true(k < outlen);
	}
	if (err)
		*err = r.err;
	csv_reader_free(&r);
	return rc;
}

static int dump(const char *text, char *out, size_t outlen,
		struct csv_error *err)
{
	return dump_n(text, strlen(text), out, outlen, err);
}

static void assert_parses(const char *text, const char *want)
{
	char out[1024];

	assert_int_equal(dump(text, out, sizeof(out), NULL), 0);
	assert_string_equal(out, want);
}

static void assert_fails(const char *text, const char *code, size_t line,
			 size_t column)
{
	char out[1024];
	struct csv_error e;

	assert_int_equal(dump(text, out, sizeof(out), &e), PACED_EINVAL);
	assert_string_equal(e.code, code);
	assert_int_equal(e.line, line);
	assert_int_equal(e.column, column);
	assert_true(strlen(e.message) > 10);
}

static void test_plain_records(void **state)
{
	(void)state;
	assert_parses("a,b,c\r\n1,2,3\r\n", "1:[a][b][c]\n2:[1][2][3]\n");
	/* No newline at the end: the last record is still whole. */
	assert_parses("a,b\r\n1,2", "1:[a][b]\n2:[1][2]\n");
	/* LF alone and a lone CR (old Mac files) end records too. */
	assert_parses("a,b\n1,2\n", "1:[a][b]\n2:[1][2]\n");
	assert_parses("a,b\r1,2\r", "1:[a][b]\n2:[1][2]\n");
	assert_parses("a\r\nb\nc\rd", "1:[a]\n2:[b]\n3:[c]\n4:[d]\n");
	assert_parses("", "");
	/* Spaces are content (RFC 4180), not trimmed by the reader. */
	assert_parses(" a , b ", "1:[ a ][ b ]\n");
}

static void test_empty_fields_and_lines(void **state)
{
	(void)state;
	assert_parses(",,\r\n", "1:[][][]\n");
	assert_parses("a,\r\n", "1:[a][]\n");
	/* A trailing comma at the very end is one more empty field. */
	assert_parses("a,", "1:[a][]\n");
	/* An empty line is a record without fields; lines still count. */
	assert_parses("a\r\n\r\nb\r\n", "1:[a]\n2:\n3:[b]\n");
	assert_parses("\n\n", "1:\n2:\n");
	assert_parses("\"\"\r\n", "1:[]\n");
}

static void test_ragged_rows(void **state)
{
	(void)state;
	/* The reader reports what is there; the caller judges widths. */
	assert_parses("a,b,c\r\n1\r\n1,2,3,4\r\n",
		      "1:[a][b][c]\n2:[1]\n3:[1][2][3][4]\n");
}

static void test_quotes(void **state)
{
	(void)state;
	assert_parses("\"a,b\",c\r\n", "1:[a,b][c]\n");
	assert_parses("\"say \"\"hi\"\"\",x", "1:[say \"hi\"][x]\n");
	assert_parses("\"\"\"\"", "1:[\"]\n");
	assert_parses("x,\"\"", "1:[x][]\n");
	/* Quoted last field without a line end. */
	assert_parses("a,\"b\"", "1:[a][b]\n");
}

static void test_line_breaks_inside_quotes(void **state)
{
	(void)state;
	/* Kept byte for byte; the next record's line counts them. */
	assert_parses("n,\"one\r\ntwo\"\r\nm,x\r\n",
		      "1:[n][one\r\ntwo]\n3:[m][x]\n");
	assert_parses("\"a\nb\nc\",1\nz,2\n", "1:[a\nb\nc][1]\n4:[z][2]\n");
	assert_parses("\"a\rb\",1\rz", "1:[a\rb][1]\n3:[z]\n");
}

static void test_bom(void **state)
{
	(void)state;
	assert_parses("\xEF\xBB\xBFproject,value\r\np,1\r\n",
		      "1:[project][value]\n2:[p][1]\n");
	/* Only at the very start; a quoted first field after it too. */
	assert_parses("\xEF\xBB\xBF\"a\",b", "1:[a][b]\n");
	assert_parses("\xEF\xBB\xBF", "");
	/* Elsewhere it is text (U+FEFF), kept as is. */
	assert_parses("a,\xEF\xBB\xBF", "1:[a][\xEF\xBB\xBF]\n");
}

static void test_utf8_text(void **state)
{
	(void)state;
	assert_parses("新增公共停车泊位,\"二季度，含“临时”泊位\"\r\n",
		      "1:[新增公共停车泊位][二季度，含“临时”泊位]\n");
	assert_parses("😀,é", "1:[😀][é]\n");
}

static void test_errors(void **state)
{
	(void)state;
	/* The line where the quote opened, the field it is in. */
	assert_fails("a,b\r\nc,\"open\r\nmore\r\n", "unterminated_quote", 2,
		     2);
	assert_fails("\"", "unterminated_quote", 1, 1);
	assert_fails("a,\"b\"c\r\n", "bad_quote", 1, 2);
	assert_fails("x\r\na,b\"c\r\n", "bad_quote", 2, 2);
	/* GBK (Excel's "CSV" on a Chinese Windows) is not UTF-8. */
	assert_fails("p,\xCD\xA3\xB3\xB5\r\n", "invalid_utf8", 1, 2);
	assert_fails("a\r\n\"ok\nstill\xFF\"", "invalid_utf8", 3, 1);
	/* Overlong '/', a surrogate, past U+10FFFF, a cut sequence. */
	assert_fails("\xC0\xAF", "invalid_utf8", 1, 1);
	assert_fails("\xED\xA0\x80", "invalid_utf8", 1, 1);
	assert_fails("\xF4\x90\x80\x80", "invalid_utf8", 1, 1);
	assert_fails("a,\xE4\xB8", "invalid_utf8", 1, 2);
}

static void test_nul_byte(void **state)
{
	char out[64];
	struct csv_error e;

	(void)state;
	assert_int_equal(dump_n("a,b\nc\0d", 7, out, sizeof(out), &e),
			 PACED_EINVAL);
	assert_string_equal(e.code, "nul_byte");
	assert_int_equal(e.line, 2);
	assert_int_equal(e.column, 1);
}

/* Many fields in one record: the field array grows. */
static void test_wide_record(void **state)
{
	char text[4096], out[8192];
	size_t k = 0;

	(void)state;
	for (int i = 0; i < 500; i++)
		k += (size_t)snprintf(text + k, sizeof(text) - k, "%s%d",
				      i ? "," : "", i % 10);
	assert_int_equal(dump(text, out, sizeof(out), NULL), 0);
	assert_int_equal(strlen(out), strlen("1:\n") + 500 * 3);
	assert_memory_equal(out, "1:[0][1][2]", 11);
}

static char *written(void (*fill)(struct csv_out *o))
{
	struct csv_out o;
	size_t len;
	char *s;

	csv_out_init(&o);
	fill(&o);
	s = csv_out_finish(&o, &len);
	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	return s;
}

static void fill_quoting(struct csv_out *o)
{
	csv_out_bom(o);
	csv_out_text(o, "plain");
	csv_out_text(o, "a,b");
	csv_out_text(o, "say \"hi\"");
	csv_out_text(o, "two\r\nlines");
	csv_out_text(o, NULL);
	csv_out_text(o, "停车");
	csv_out_end_row(o);
	csv_out_text(o, "x");
	csv_out_end_row(o);
}

static void test_writer_quoting(void **state)
{
	char *s = written(fill_quoting);

	(void)state;
	assert_string_equal(s, "\xEF\xBB\xBFplain,\"a,b\",\"say \"\"hi\"\"\","
			       "\"two\r\nlines\",,停车\r\nx\r\n");
	free(s);
}

static void fill_numbers(struct csv_out *o)
{
	csv_out_number(o, 350);
	csv_out_number(o, -60);
	csv_out_number(o, 0.1 + 0.2);
	csv_out_number(o, 1.0 / 3);
	csv_out_number(o, -0.0);
	csv_out_number(o, 1e15);
	csv_out_number(o, 2.5e-7);
	csv_out_number(o, NAN);
	csv_out_end_row(o);
}

static void test_writer_numbers(void **state)
{
	char *s = written(fill_numbers);

	(void)state;
	assert_string_equal(s, "350,-60,0.3,0.333333333333333,0,"
			       "1000000000000000,2.5e-07,0\r\n");
	free(s);
}

static void fill_guarded(struct csv_out *o)
{
	csv_out_text(o, "=SUM(A1:A9)");
	csv_out_text(o, "+1");
	csv_out_text(o, "-5");
	csv_out_text(o, "-5 个");
	csv_out_text(o, "@cmd");
	csv_out_text(o, "\tx");
	csv_out_text(o, "=HYPERLINK(\"http://x\",\"y\")");
	csv_out_text(o, "＝1+1");
	csv_out_text(o, "'=a");
	csv_out_text(o, "'x");
	csv_out_end_row(o);
}

static void test_writer_formula_guard(void **state)
{
	char *s = written(fill_guarded);

	(void)state;
	assert_string_equal(s, "'=SUM(A1:A9),+1,-5,'-5 个,'@cmd,'\tx,"
			       "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","
			       "'＝1+1,''=a,'x\r\n");
	free(s);
}

/* Whatever the writer guards, csv_unguard gives back, and text the
 * writer leaves alone is left alone on the way in. */
static void test_guard_round_trip(void **state)
{
	static const char *const texts[] = {
		"=1+1", "+", "-", "@", "-5", "+1.5e3", "'", "'=a", "''=a",
		"'x", "x'", "", "正常", "－3", "'-5", "\r=", "= ",
	};

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(texts); i++) {
		const char *t = texts[i];
		char guarded[64];

		snprintf(guarded, sizeof(guarded), "%s%s",
			 csv_guard_needed(t) ? "'" : "", t);
		assert_string_equal(csv_unguard(guarded), t);
	}
	assert_true(csv_guard_needed("=1"));
	assert_false(csv_guard_needed("-5"));
	assert_false(csv_guard_needed("'x"));
	assert_string_equal(csv_unguard("'=1"), "=1");
	assert_string_equal(csv_unguard("'x"), "'x");
}

static void test_number_grammar(void **state)
{
	static const char *const good[] = {
		"0", "120", "-3.5", "+7", ".5", "5.", "1e3", "1E-3", "-0",
		"2.5e+2",
	};
	static const char *const bad[] = {
		"",    " 1", "1 ",  "1,234", "0x10", "inf", "nan", "1e",
		"e3",  ".",  "-",   "1e999", "1.2.3", "１２", "1_000",
	};
	double v;

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(good); i++)
		assert_true(csv_number(good[i], NULL));
	for (size_t i = 0; i < PACED_ARRAY_LEN(bad); i++)
		assert_false(csv_number(bad[i], NULL));
	assert_true(csv_number("-3.5", &v));
	assert_true(v == -3.5);
	assert_true(csv_number("2.5e+2", &v));
	assert_true(v == 250);
}

/* What the writer makes, the reader reads back, field for field. */
static void test_writer_reader_round_trip(void **state)
{
	static const char *const cells[] = {
		"a,b", "q\"q", "l1\nl2", "l1\r\nl2", "", "停车 泊位", "\"",
		",", "x",
	};
	struct csv_out o;
	struct csv_reader r;
	struct csv_record rec;
	size_t len;
	char *s;

	(void)state;
	csv_out_init(&o);
	csv_out_bom(&o);
	for (size_t i = 0; i < PACED_ARRAY_LEN(cells); i++)
		csv_out_text(&o, cells[i]);
	csv_out_end_row(&o);
	csv_out_text(&o, "next");
	csv_out_end_row(&o);
	s = csv_out_finish(&o, &len);
	assert_int_equal(csv_reader_init(&r, s, len), 0);
	assert_int_equal(csv_reader_next(&r, &rec), 1);
	assert_int_equal(rec.line, 1);
	assert_int_equal(rec.n, PACED_ARRAY_LEN(cells));
	for (size_t i = 0; i < rec.n; i++)
		assert_string_equal(rec.fields[i], cells[i]);
	assert_int_equal(csv_reader_next(&r, &rec), 1);
	assert_int_equal(rec.line, 4); /* after two breaks inside cells */
	assert_string_equal(rec.fields[0], "next");
	assert_int_equal(csv_reader_next(&r, &rec), 0);
	csv_reader_free(&r);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_records),
		cmocka_unit_test(test_empty_fields_and_lines),
		cmocka_unit_test(test_ragged_rows),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_line_breaks_inside_quotes),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_utf8_text),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_wide_record),
		cmocka_unit_test(test_writer_quoting),
		cmocka_unit_test(test_writer_numbers),
		cmocka_unit_test(test_writer_formula_guard),
		cmocka_unit_test(test_guard_round_trip),
		cmocka_unit_test(test_number_grammar),
		cmocka_unit_test(test_writer_reader_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
