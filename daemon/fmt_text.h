/*
 * fmt_text.h - the text the channel drivers (fmt_*.c) build for platforms
 * with size limits: a growing buffer to build it in. Kept here, once, so
 * every driver builds, measures and shortens text the same way.
 */
#ifndef PACED_FMT_TEXT_H
#define PACED_FMT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* ---- a growing string --------------------------------------------------- */

/*
 * A growing string that remembers running out of memory, so a driver
 * chains appends without checking each one and asks once, at the end
 * (fmt_text_finish). Start from {0}. p is owned by the buffer until
 * fmt_text_finish() hands it over; after a failed append it is kept but
 * incomplete, and nomem stays set.
 */
struct fmt_text {
	char *p; /* NUL-terminated once anything was appended */
	size_t len, cap;
	bool nomem;
};

/* Appends n bytes of s (which may hold NULs). */
void fmt_text_add(struct fmt_text *b, const char *s, size_t n);

/* Appends the string s. */
void fmt_text_str(struct fmt_text *b, const char *s);

/*
 * The text built (malloc'd, the caller frees it; its length in *len when
 * len is not NULL), or NULL when an append ran out of memory. Either way
 * b is empty afterwards and holds nothing to free.
 */
char *fmt_text_finish(struct fmt_text *b, size_t *len);

#endif
