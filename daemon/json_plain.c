/* json_plain.c - JSON objects of plain strings read without jansson's
 * lexer (see json_plain.h for why and what). Every "no" here is NULL:
 * jansson then reads the document and says what is wrong with it, if
 * anything. */
#include "json_plain.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Longer numbers go to jansson. Integers up to 18 digits cannot
 * overflow json_int_t. */
#define PLAIN_NUMBER_MAX 64
#define PLAIN_INT_DIGITS 18

struct cur {
	const char *p, *end;
	int depth; /* objects and arrays open around the reader */
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

/* The length of the well-formed UTF-8 sequence at p, 0 if there is
 * none: the rules of RFC 3629, which are jansson's too (no overlong
 * form, no surrogate, nothing past U+10FFFF). */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0; /* below: overlong */
	else if (p[0] == 0xed)
		hi = 0x9f; /* above: a surrogate */
	else if (p[0] == 0xf0)
		lo = 0x90; /* below: overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f; /* above: past U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A string without escapes or control characters: where its text
 * starts in the input, and how long it is. */
static bool plain_string(struct cur *c, const char **text, size_t *n)
{
	const unsigned char *p, *end = (const unsigned char *)c->end;

	if (!take(c, '"'))
		return false;
	*text = c->p;
	p = (const unsigned char *)c->p;
	while (p < end && *p != '"') {
		size_t step;

		if (*p < 0x20 || *p == '\\')
			return false;
		if (!(step = utf8_len(p, end)))
			return false;
		p += step;
	}
	if (p >= end)
		return false;
	*n = (size_t)((const char *)p - *text);
	c->p = (const char *)p + 1; /* past the closing quote */
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
	char buf[PLAIN_NUMBER_MAX + 1];
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
	if (n > PLAIN_NUMBER_MAX)
		return NULL;
	memcpy(buf, start, n);
	buf[n] = '\0';
	if (!real) {
		if (n - (buf[0] == '-') > PLAIN_INT_DIGITS)
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

static json_t *value(struct cur *c);

/* After the '{'. */
static json_t *object(struct cur *c)
{
	json_t *obj = json_object();
	const char *name;
	size_t n;

	if (!obj)
		return NULL;
	skip_ws(c);
	if (take(c, '}'))
		return obj;
	do {
		json_t *v;

		skip_ws(c);
		if (!plain_string(c, &name, &n))
			goto no;
		skip_ws(c);
		if (!take(c, ':'))
			goto no;
		skip_ws(c);
		/* A duplicate name is jansson's error to give. */
		if (json_object_getn(obj, name, n) || !(v = value(c)))
			goto no;
		if (json_object_setn_new_nocheck(obj, name, n, v))
			goto no;
		skip_ws(c);
	} while (take(c, ','));
	if (take(c, '}'))
		return obj;
no:
	json_decref(obj);
	return NULL;
}

/* After the '['. */
static json_t *array(struct cur *c)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	skip_ws(c);
	if (take(c, ']'))
		return arr;
	do {
		json_t *v;

		skip_ws(c);
		if (!(v = value(c)) || json_array_append_new(arr, v))
			goto no;
		skip_ws(c);
	} while (take(c, ','));
	if (take(c, ']'))
		return arr;
no:
	json_decref(arr);
	return NULL;
}

static json_t *nested(struct cur *c, json_t *(*read)(struct cur *))
{
	json_t *v;

	if (c->depth >= PLAIN_DEPTH_MAX)
		return NULL;
	c->p++; /* the '{' or '[' */
	c->depth++;
	v = read(c);
	c->depth--;
	return v;
}

static json_t *value(struct cur *c)
{
	const char *text;
	size_t n;

	if (c->p >= c->end)
		return NULL;
	switch (*c->p) {
	case '"':
		/* The text was checked: no second pass over it. */
		return plain_string(c, &text, &n)
			   ? json_stringn_nocheck(text, n)
			   : NULL;
	case '{': return nested(c, object);
	case '[': return nested(c, array);
	case 't': return word(c, "true", 4) ? json_true() : NULL;
	case 'f': return word(c, "false", 5) ? json_false() : NULL;
	case 'n': return word(c, "null", 4) ? json_null() : NULL;
	default: return number(c);
	}
}

json_t *json_plain_load(const char *s, size_t len)
{
	struct cur c = {s, s + len, 0};
	json_t *obj;

	skip_ws(&c);
	if (c.p >= c.end || *c.p != '{' || !(obj = nested(&c, object)))
		return NULL;
	skip_ws(&c);
	if (c.p != c.end) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

json_t *json_stored_load(const char *text)
{
	json_t *j;

	/* A column SQLite could not copy (out of memory) comes as NULL. */
	if (!text)
		return NULL;
	j = json_plain_load(text, strlen(text));
	return j ? j : json_loads(text, 0, NULL);
}
