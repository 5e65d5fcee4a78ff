/* csv.c - RFC 4180 reader and writer. */
#include "csv.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "fmt_text.h"
#include "paced.h"

static const char BOM[] = "\xEF\xBB\xBF";

int csv_reader_init(struct csv_reader *r, const char *text, size_t len)
{
	memset(r, 0, sizeof(*r));
	if (len >= 3 && memcmp(text, BOM, 3) == 0) {
		text += 3;
		len -= 3;
	}
	r->p = text;
	r->end = text + len;
	r->line = 1;
	/* A record decodes to at most its own bytes (quotes go, each
	 * separator or line end becomes a field's NUL) plus one NUL for a
	 * last field without a line end: one buffer serves every record. */
	r->buf = malloc(len + 1);
	return r->buf ? 0 : PACED_ENOMEM;
}

void csv_reader_free(struct csv_reader *r)
{
	free(r->buf);
	free(r->fields);
	r->buf = NULL;
	r->fields = NULL;
}

static int fail(struct csv_reader *r, const char *code, size_t line,
		size_t column, const char *msg)
{
	r->err.code = code;
	r->err.line = line;
	r->err.column = column;
	snprintf(r->err.message, sizeof(r->err.message), "%s", msg);
	return PACED_EINVAL;
}

/* Copies one character of field content at r->p into buf[*k], counting
 * line breaks. 0, or an error for NUL and invalid UTF-8. */
static int take_char(struct csv_reader *r, size_t *k, size_t column)
{
	const unsigned char *p = (const unsigned char *)r->p;
	size_t n;

	if (*p == '\0')
		return fail(r, "nul_byte", r->line, column,
			    "a NUL byte; CSV text cannot hold one");
	n = fmt_text_utf8_len(p, (const unsigned char *)r->end);
	if (n == 0)
		return fail(r, "invalid_utf8", r->line, column,
			    "not UTF-8 text; save the sheet as \"CSV UTF-8\"");
	/* A line break inside quotes: CRLF and a lone CR or LF each count
	 * as one line, as they do between records. */
	if (*p == '\n' || (*p == '\r' && (r->p + 1 == r->end || p[1] != '\n')))
		r->line++;
	memcpy(r->buf + *k, r->p, n);
	*k += n;
	r->p += n;
	return 0;
}

static int quoted_field(struct csv_reader *r, size_t *k, size_t column)
{
	size_t opened = r->line;
	int rc;

	r->p++; /* the opening quote */
	for (;;) {
		if (r->p == r->end)
			return fail(r, "unterminated_quote", opened, column,
				    "a quoted field never ends: a closing "
				    "quote is missing");
		if (*r->p == '"') {
			if (r->p + 1 < r->end && r->p[1] == '"') {
				r->buf[(*k)++] = '"';
				r->p += 2;
				continue;
			}
			r->p++;
			break;
		}
		rc = take_char(r, k, column);
		if (rc < 0)
			return rc;
	}
	if (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n')
		return fail(r, "bad_quote", r->line, column,
			    "text after a closing quote; inside a quoted "
			    "field write a quote as two quotes");
	return 0;
}

static int plain_field(struct csv_reader *r, size_t *k, size_t column)
{
	int rc;

	while (r->p < r->end && *r->p != ',' && *r->p != '\r' &&
	       *r->p != '\n') {
		if (*r->p == '"')
			return fail(r, "bad_quote", r->line, column,
				    "a quote inside an unquoted field; quote "
				    "the whole field and write the quote "
				    "twice");
		rc = take_char(r, k, column);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Consumes CRLF, CR or LF at r->p. */
static void end_line(struct csv_reader *r)
{
	if (*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
		r->p++;
	r->p++;
	r->line++;
}

static int push_field(struct csv_reader *r, size_t n, char *f)
{
	if (arr_grow(&r->fields, &r->cap_fields, n + 1, sizeof(*r->fields), 16))
		return PACED_ENOMEM;
	r->fields[n] = f;
	return 0;
}

int csv_reader_next(struct csv_reader *r, struct csv_record *rec)
{
	size_t k = 0, n = 0;
	int rc;

	if (r->p == r->end)
		return 0;
	rec->line = r->line;
	rec->n = 0;
	rec->fields = r->fields;
	if (*r->p == '\r' || *r->p == '\n') {
		end_line(r);
		return 1;
	}
	for (;;) {
		size_t start = k;

		if (r->p < r->end && *r->p == '"')
			rc = quoted_field(r, &k, n + 1);
		else
			rc = plain_field(r, &k, n + 1);
		if (rc < 0)
			return rc;
		r->buf[k++] = '\0';
		rc = push_field(r, n++, r->buf + start);
		if (rc < 0)
			return rc;
		if (r->p == r->end)
			break;
		if (*r->p != ',') {
			end_line(r);
			break;
		}
		r->p++;
	}
	rec->n = n;
	rec->fields = r->fields;
	return 1;
}

void csv_out_init(struct csv_out *o)
{
	memset(o, 0, sizeof(*o));
}

static void put(struct csv_out *o, const char *s, size_t n)
{
	fmt_text_add(&o->text, s, n);
}

static void separate(struct csv_out *o)
{
	if (o->mid_row)
		put(o, ",", 1);
	o->mid_row = true;
}

void csv_out_bom(struct csv_out *o)
{
	put(o, BOM, 3);
}

void csv_out_text(struct csv_out *o, const char *s)
{
	const char *q;

	separate(o);
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		if (csv_guard_needed(s))
			put(o, "'", 1);
		put(o, s, strlen(s));
		return;
	}
	put(o, "\"", 1);
	if (csv_guard_needed(s))
		put(o, "'", 1);
	while ((q = strchr(s, '"'))) {
		put(o, s, (size_t)(q - s) + 1);
		put(o, "\"", 1);
		s = q + 1;
	}
	put(o, s, strlen(s));
	put(o, "\"", 1);
}

void csv_out_number(struct csv_out *o, double v)
{
	char buf[64];
	int n;

	separate(o);
	if (!isfinite(v))
		v = 0;
	/* Whole numbers exactly as integers (no "1e+06", no "-0"). */
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
	else
		n = snprintf(buf, sizeof(buf), "%.15g", v);
	put(o, buf, (size_t)n);
}

void csv_out_end_row(struct csv_out *o)
{
	put(o, "\r\n", 2);
	o->mid_row = false;
}

char *csv_out_finish(struct csv_out *o, size_t *len)
{
	o->mid_row = false;
	return fmt_text_finish(&o->text, len);
}

/* Whether s starts with a character spreadsheets take for a formula. */
static bool formula_start(const char *s)
{
	static const char *const wide[] = {
		"\xEF\xBC\x9D", /* U+FF1D ＝ */
		"\xEF\xBC\x8B", /* U+FF0B ＋ */
		"\xEF\xBC\x8D", /* U+FF0D － */
		"\xEF\xBC\xA0", /* U+FF20 ＠ */
	};

	if (*s && strchr("=+-@\t\r", *s))
		return true;
	for (size_t i = 0; i < PACED_ARRAY_LEN(wide); i++)
		if (strncmp(s, wide[i], 3) == 0)
			return true;
	return false;
}

bool csv_guard_needed(const char *s)
{
	const char *t = s;

	while (*t == '\'')
		t++;
	return formula_start(t) && !csv_number(s, NULL);
}

const char *csv_unguard(const char *s)
{
	return s[0] == '\'' && csv_guard_needed(s + 1) ? s + 1 : s;
}

bool csv_number(const char *s, double *out)
{
	const char *p = s;
	char *end;
	size_t digits = 0;
	double v;

	if (*p == '+' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (digits == 0)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return false;
	/* The grammar above is a subset of strtod's, so it reads it all. */
	v = strtod(s, &end);
	if (end != p || !isfinite(v))
		return false;
	if (out)
		*out = v;
	return true;
}
