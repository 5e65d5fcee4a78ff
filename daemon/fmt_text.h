/*
 * fmt_text.h - the text the channel drivers (fmt_*.c) build for platforms
 * with size limits: a growing buffer to build it in, UTF-8 measuring and
 * cutting that never splits a character, and the two ways a message's
 * lines are made to fit a limit. Kept here, once, so every driver builds,
 * measures and shortens text the same way.
 */
#ifndef PACED_FMT_TEXT_H
#define PACED_FMT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

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

/* The slow half of fmt_text_add: grows the buffer and appends. */
void fmt_text_add_grow(struct fmt_text *b, const char *s, size_t n);

/* Appends n bytes of s (which may hold NULs). Inline, because the JSON
 * writer appends a few bytes at a time, a hundred times per reply. */
static inline void fmt_text_add(struct fmt_text *b, const char *s, size_t n)
{
	if (b->nomem || b->len + n + 1 > b->cap) {
		fmt_text_add_grow(b, s, n);
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

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

/* Bytes of the valid UTF-8 character at s (before end): 1 for ASCII, or
 * 0 when it is not valid UTF-8 (a stray or overlong byte sequence, a
 * surrogate, past U+10FFFF, or cut short by end). For checking input
 * strictly, where fmt_text_char_len only steps through it. */
size_t fmt_text_utf8_len(const unsigned char *s, const unsigned char *end);

/* s (len bytes, NUL-terminated) was cut by a byte limit (snprintf's):
 * drops a character left incomplete at its end. Returns the new length. */
size_t fmt_text_drop_cut_char(char *s, size_t len);

/* Copies the NUL-terminated s into out (size n > 0) as valid UTF-8: a
 * byte that is not part of a valid character is written as the four
 * characters \xNN, and nothing is cut inside a character or an escape.
 * Returns the length written. For text that quotes client input (a
 * URL's undecodable id) in a JSON string, which must be UTF-8. */
size_t fmt_text_copy_valid(const char *s, char *out, size_t n);

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

/* ---- fitting a message's lines into a limit ---------------------------- */

/*
 * For platforms that take the lines one by one (an element each, or
 * lines joined with newlines) and count each line: how a line is
 * measured.
 */
struct fmt_text_fit {
	fmt_text_cost_fn cost;
	size_t min_cap;  /* the shortest a line is cut to */
	size_t per_line; /* what each line costs besides its text: the
			  * newline, the card element around it */
};

/*
 * The lines that fit in budget: all of them whole when they fit; else all
 * cut (fmt_text_cut) to the largest common cap that fits, so no line is
 * lost; else - unless every line must stay (keep_all: a summary, where
 * each line is an event) - as many as fit cut to min_cap, then a line
 * holding only an ellipsis. On 0, *out holds *n_out malloc'd lines (free
 * with fmt_text_free_lines); else PACED_E2BIG or PACED_ENOMEM.
 */
int fmt_text_fit_lines(char *const *lines, size_t n, size_t budget,
		       bool keep_all, const struct fmt_text_fit *fit,
		       char ***out, size_t *n_out);

/* Frees n lines and the array (NULL is fine). */
void fmt_text_free_lines(char **lines, size_t n);

/*
 * For platforms that take one block of text whose limit is easiest to
 * check on the rendered message: renders the message with lines [0, keep)
 * and the first `cut` bytes of line `keep` (fmt_text_prefix: fewer, to
 * end on a character boundary; 0: none of it) - and, when keep is short
 * of all lines, a word that the rest was left out. malloc'd, *len bytes;
 * NULL on ENOMEM.
 */
typedef char *(*fmt_text_render_fn)(const void *ctx, size_t keep, size_t cut,
				    size_t *len);

/*
 * The rendering of a message of n lines within max bytes: all the lines
 * when they fit; else - unless keep_all (a summary) - the most lines
 * that fit, then as much of the next line as fits, both found by binary
 * search since the size grows with keep and with cut. On 0, *out is
 * malloc'd and *len its length; PACED_E2BIG when keep_all and too long,
 * or when not even the message without any line fits; PACED_ENOMEM.
 */
int fmt_text_fit_head(char *const *lines, size_t n, size_t max, bool keep_all,
		      fmt_text_render_fn render, const void *ctx, char **out,
		      size_t *len);

#endif
