/* json_flat.c - flat JSON objects read without jansson's lexer (see
 * json_flat.h for why and what). Every "no" here is NULL: jansson then
 * reads the body and says what is wrong with it, if anything. */
#include "json_flat.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Longer names or strings, and more digits, go to jansson: a body this
 * reads is short. Integers up to 18 digits cannot overflow json_int_t. */
#define FLAT_TEXT_MAX 256
#define FLAT_NUMBER_MAX 64
#define FLAT_INT_DIGITS 18

struct cur {
	const char *p, *end;
};

static void skip_ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
				 *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool take(struct cur *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* A string of printable ASCII without escapes, into buf (NUL-ended). */
static bool plain_string(struct cur *c, char buf[FLAT_TEXT_MAX + 1],
			 size_t *n)
{
	const char *start;

	if (!take(c, '"'))
		return false;
	start = c->p;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p;

		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			return false;
		c->p++;
	}
	if (c->p >= c->end || (size_t)(c->p - start) > FLAT_TEXT_MAX)
		return false;
	*n = (size_t)(c->p - start);
	memcpy(buf, start, *n);
	buf[*n] = '\0';
	c->p++; /* the closing quote */
	return true;
}

static bool is_digit(const struct cur *c)
{
	return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* A number as JSON writes it; an integer when it has neither fraction
 * nor exponent, as jansson decides. */
static json_t *number(struct cur *c)
{
	const char *start = c->p;
	char buf[FLAT_NUMBER_MAX + 1];
	bool real = false;
	size_t n;

	take(c, '-');
	/* After a leading 0 no digit is read: "01" then ends the member
	 * badly, and jansson gives the error. */
	if (!take(c, '0')) {
		if (!is_digit(c))
			return NULL;
		while (is_digit(c))
			c->p++;
	}
	if (take(c, '.')) {
		if (!is_digit(c))
			return NULL;
		while (is_digit(c))
			c->p++;
		real = true;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (!take(c, '+'))
			take(c, '-');
		if (!is_digit(c))
			return NULL;
		while (is_digit(c))
			c->p++;
		real = true;
	}
	n = (size_t)(c->p - start);
	if (n > FLAT_NUMBER_MAX)
		return NULL;
	memcpy(buf, start, n);
	buf[n] = '\0';
	if (!real) {
		if (n - (buf[0] == '-') > FLAT_INT_DIGITS)
			return NULL; /* jansson checks the range */
		return json_integer(strtoll(buf, NULL, 10));
	} else {
		/* paced runs in the C locale (it never calls setlocale), so
		 * strtod reads the point as jansson's own conversion does.
		 * An overflow is jansson's error to give: json_real refuses
		 * the infinity, and the body goes to jansson. */
		return json_real(strtod(buf, NULL));
	}
}

static bool word(struct cur *c, const char *w, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
		return false;
	c->p += n;
	return true;
}

static json_t *value(struct cur *c)
{
	char buf[FLAT_TEXT_MAX + 1];
	size_t n;

	if (c->p >= c->end)
		return NULL;
	switch (*c->p) {
	case '"':
		return plain_string(c, buf, &n) ? json_stringn(buf, n) : NULL;
	case 't':
		return word(c, "true", 4) ? json_true() : NULL;
	case 'f':
		return word(c, "false", 5) ? json_false() : NULL;
	case 'n':
		return word(c, "null", 4) ? json_null() : NULL;
	default:
		return number(c);
	}
}

json_t *json_flat_load(const char *s, size_t len)
{
	struct cur c = {s, s + len};
	char name[FLAT_TEXT_MAX + 1];
	json_t *obj;
	size_t n;

	skip_ws(&c);
	if (!take(&c, '{') || !(obj = json_object()))
		return NULL;
	skip_ws(&c);
	if (!take(&c, '}')) {
		do {
			json_t *v;

			skip_ws(&c);
			if (!plain_string(&c, name, &n))
				goto no;
			skip_ws(&c);
			if (!take(&c, ':'))
				goto no;
			skip_ws(&c);
			/* A duplicate name is jansson's error to give. */
			if (json_object_getn(obj, name, n) || !(v = value(&c)))
				goto no;
			if (json_object_setn_new_nocheck(obj, name, n, v))
				goto no;
			skip_ws(&c);
		} while (take(&c, ','));
		if (!take(&c, '}'))
			goto no;
	}
	skip_ws(&c);
	if (c.p != c.end)
		goto no;
	return obj;
no:
	json_decref(obj);
	return NULL;
}
