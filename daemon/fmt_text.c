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
