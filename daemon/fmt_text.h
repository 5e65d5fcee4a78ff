/*
 * fmt_text.h - the text the channel drivers (fmt_*.c) build for platforms
 * with size limits: a growing buffer to build it in, and UTF-8 measuring
 * and cutting that never splits a character. Kept here, once, so every
 * driver builds, measures and shortens text the same way.
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

/* ---- UTF-8: measuring and cutting -------------------------------------- */

/* Put where text was cut: U+2026 HORIZONTAL ELLIPSIS. */
#define FMT_TEXT_ELLIPSIS "\xe2\x80\xa6"

/* Bytes of the UTF-8 character at s: 1 for a stray byte, never past a NUL
 * or a missing continuation byte, so invalid input still moves forward. */
size_t fmt_text_char_len(const char *s);

/* The length of the longest prefix of s (len bytes) that is at most max
 * bytes and does not end inside a character. */
size_t fmt_text_prefix(const char *s, size_t len, size_t max);

/* Copies that prefix of s (len bytes) for max = n - 1 into out (size
 * n > 0) and NUL-terminates it; returns its length. For byte limits such
 * as a fixed buffer. */
size_t fmt_text_copy_prefix(const char *s, size_t len, char *out, size_t n);

/*
 * What a platform counts of one character: the k bytes at s (k from
 * fmt_text_char_len), bol when the character starts a line (markdown
 * escapes some characters only there). A platform's limits are in these
 * units: UTF-16 code units, bytes of escaped JSON, ...
 */
typedef size_t (*fmt_text_cost_fn)(const char *s, size_t k, bool bol);

/* UTF-16 code units, what Slack, Discord and Telegram count: 2 for a
 * character outside the BMP (4 UTF-8 bytes), else 1. */
size_t fmt_text_utf16(const char *s, size_t k, bool bol);

/* The cost of the string s, character by character. */
size_t fmt_text_cost(const char *s, fmt_text_cost_fn cost);

/*
 * How many bytes of s to keep under cap: all of s when it costs at most
 * cap; else the most whole characters that, with an ellipsis after them,
 * cost at most cap, and *ellipsis says whether one fits at all (false
 * too when s is kept whole).
 */
size_t fmt_text_cut_len(const char *s, size_t cap, fmt_text_cost_fn cost,
			bool *ellipsis);

/* s as fmt_text_cut_len() keeps it, with the ellipsis when one is due.
 * malloc'd; NULL on ENOMEM. */
char *fmt_text_cut(const char *s, size_t cap, fmt_text_cost_fn cost);

#endif
