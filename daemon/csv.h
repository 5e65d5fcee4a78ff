/*
 * csv.h - RFC 4180 text both ways, for spreadsheets: a reader that hands
 * out one record at a time with the line it began on (so an error can say
 * "line 3, column value"), and a writer that quotes where needed and keeps
 * text cells from being taken for formulas. Pure: no I/O, no HTTP.
 */
#ifndef PACED_CSV_H
#define PACED_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "fmt_text.h"

/* Why the reader stopped. */
struct csv_error {
	const char *code; /* "unterminated_quote", "bad_quote",
			     "invalid_utf8", "nul_byte" */
	size_t line;      /* physical line (1-based) where it is */
	size_t column;    /* field number (1-based) in its record */
	char message[160];
};

/*
 * Reads UTF-8 CSV from a buffer: fields separated by commas, records by
 * CRLF, LF or a lone CR; a field may be quoted ("…"), and inside quotes a
 * doubled quote is one quote and line breaks are kept. A UTF-8 byte order
 * mark at the very start is skipped. Strict where RFC 4180 is: a quote
 * inside an unquoted field, text after a closing quote, invalid UTF-8 and
 * NUL bytes are errors rather than guesses.
 */
struct csv_reader {
	const char *p, *end; /* what is left; borrowed */
	size_t line;         /* physical line of *p */
	char *buf;           /* the current record's fields, NUL-ended */
	char **fields;       /* into buf */
	size_t cap_fields;
	struct csv_error err; /* filled when next() answers PACED_EINVAL */
};

/* One record; valid until the next csv_reader_next() or free. The
 * caller may change the fields' text in place (trim it, say). */
struct csv_record {
	size_t line; /* physical line it began on */
	size_t n;    /* 0 for an empty line */
	char *const *fields;
};

/* Starts reading text[0..len) (borrowed; must outlive the reader).
 * 0 or PACED_ENOMEM. */
int csv_reader_init(struct csv_reader *r, const char *text, size_t len);

/* 1 and *rec, 0 at the end of the text, PACED_EINVAL with r->err, or
 * PACED_ENOMEM. */
int csv_reader_next(struct csv_reader *r, struct csv_record *rec);

void csv_reader_free(struct csv_reader *r);

/*
 * Builds CSV text in memory: cells are written left to right, a row ends
 * with CRLF. Allocation failures are remembered and reported once, by
 * csv_out_finish().
 */
struct csv_out {
	struct fmt_text text; /* text.nomem: out of memory at some point */
	bool mid_row;         /* this row has a cell: the next needs ',' */
};

void csv_out_init(struct csv_out *o);

/* EF BB BF, so Excel reads the file as UTF-8 (first, before any cell). */
void csv_out_bom(struct csv_out *o);

/* A text cell (NULL: empty), quoted when it holds a comma, quote, CR or
 * LF, and guarded against formulas (csv_guard_needed). */
void csv_out_text(struct csv_out *o, const char *s);

/* A number cell: whole numbers without a fraction, others with 15
 * significant digits (as paced's JSON), '.' as decimal point. */
void csv_out_number(struct csv_out *o, double v);

/* Ends the row (CRLF). */
void csv_out_end_row(struct csv_out *o);

/* The text (NUL-terminated; free() it) and its length, or NULL when
 * memory ran out (what was built is freed then). */
char *csv_out_finish(struct csv_out *o, size_t *len);

/*
 * Formula injection: a spreadsheet runs a cell that starts with = + - @
 * (or TAB or CR, or their full-width forms) as a formula. Such text is
 * written with a leading apostrophe, which spreadsheets show as text.
 * Plain numbers ("-5", "+1.5e3") are left alone. So that a downloaded
 * cell uploads back unchanged, text that starts with apostrophes followed
 * by one of those characters gets one more, and csv_unguard() takes one
 * away again.
 */
bool csv_guard_needed(const char *s);

/* s without the apostrophe csv_out_text() would have added (s itself, or
 * s + 1). Borrowed from s. */
const char *csv_unguard(const char *s);

/* Whether s is a plain decimal number, [+-]digits[.digits][e[+-]digits]
 * with no spaces, hex, inf or nan; its value into *out (may be NULL).
 * Values too large for a double are not plain numbers. */
bool csv_number(const char *s, double *out);

#endif
