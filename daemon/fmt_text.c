/*
 * fmt_text.c - building, measuring and shortening the text of a channel
 * message (see fmt_text.h).
 */
#include "fmt_text.h"

#include <stdlib.h>
#include <string.h>

/* ---- a growing string --------------------------------------------------- */

/* Most messages are a few hundred bytes; doubling from there keeps the
 * number of reallocations small for the 20 KB ones. */
#define FMT_TEXT_FIRST_CAP 512

void fmt_text_add(struct fmt_text *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->nomem)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : FMT_TEXT_FIRST_CAP;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->nomem = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void fmt_text_str(struct fmt_text *b, const char *s)
{
	fmt_text_add(b, s, strlen(s));
}

char *fmt_text_finish(struct fmt_text *b, size_t *len)
{
	char *p;

	/* Nothing appended is the empty string, not a failure. */
	if (!b->p)
		fmt_text_add(b, "", 0);
	p = b->nomem ? NULL : b->p;
	if (!p)
		free(b->p);
	if (p && len)
		*len = b->len;
	*b = (struct fmt_text){0};
	return p;
}

/* ---- UTF-8: measuring and cutting -------------------------------------- */

static bool fmt_text_continuation(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

size_t fmt_text_char_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;

	for (size_t i = 1; i < n; i++)
		if (!fmt_text_continuation(s[i]))
			return i;
	return n;
}

size_t fmt_text_prefix(const char *s, size_t len, size_t max)
{
	size_t k = len < max ? len : max;

	/* Step back over continuation bytes so no character is split. */
	if (k < len)
		while (k > 0 && fmt_text_continuation(s[k]))
			k--;
	return k;
}

size_t fmt_text_copy_prefix(const char *s, size_t len, char *out, size_t n)
{
	size_t k = fmt_text_prefix(s, len, n - 1);

	memcpy(out, s, k);
	out[k] = '\0';
	return k;
}

size_t fmt_text_utf16(const char *s, size_t k, bool bol)
{
	(void)s;
	(void)bol;
	return k == 4 ? 2 : 1;
}

size_t fmt_text_cost(const char *s, fmt_text_cost_fn cost)
{
	size_t n = 0;
	bool bol = true;

	while (*s) {
		size_t k = fmt_text_char_len(s);

		n += cost(s, k, bol);
		bol = *s == '\n';
		s += k;
	}
	return n;
}

size_t fmt_text_cut_len(const char *s, size_t cap, fmt_text_cost_fn cost,
			bool *ellipsis)
{
	size_t ell = fmt_text_cost(FMT_TEXT_ELLIPSIS, cost), used = 0, i = 0;
	bool bol = true;

	*ellipsis = false;
	if (fmt_text_cost(s, cost) <= cap)
		return strlen(s);
	while (s[i]) {
		size_t k = fmt_text_char_len(s + i);
		size_t c = cost(s + i, k, bol);

		if (used + c + ell > cap)
			break;
		used += c;
		bol = s[i] == '\n';
		i += k;
	}
	/* A cap below an ellipsis's own cost gets nothing at all. */
	*ellipsis = cap >= ell;
	return i;
}

char *fmt_text_cut(const char *s, size_t cap, fmt_text_cost_fn cost)
{
	bool ellipsis;
	size_t i = fmt_text_cut_len(s, cap, cost, &ellipsis);
	char *out = malloc(i + sizeof(FMT_TEXT_ELLIPSIS));

	if (!out)
		return NULL;
	memcpy(out, s, i);
	out[i] = '\0';
	if (ellipsis)
		memcpy(out + i, FMT_TEXT_ELLIPSIS, sizeof(FMT_TEXT_ELLIPSIS));
	return out;
}
