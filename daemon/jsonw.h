/*
 * jsonw.h - JSON written straight into one growing buffer.
 *
 * Building a jansson tree to print it at once cost a fifth of paced's
 * time per update: a node and a hash insertion per field, then a walk
 * of the tree, then freeing it. A reply that paced composes itself
 * (the 201 of an update, a project, a list) is written with these calls
 * instead, and a jansson tree it holds anyway (a definition) is printed
 * into the same buffer with jsonw_value(). The bytes are the ones
 * jsonutil_dump() gives for the same document.
 *
 * Separators are the writer's: each value or key within a container
 * gets its comma. A writer that fails stays failed and jsonw_finish()
 * gives nothing: on ENOMEM, a string that is not UTF-8, containers
 * nested deeper than JSONW_MAX_DEPTH, and any misuse that would write
 * broken JSON (a close that does not match, a key outside an object or
 * without its value, a value in an object without its key, a second
 * value at the top).
 *
 * The same calls can build a jansson tree instead (jsonw_init_tree), for
 * the few callers that read a document's fields rather than send it: one
 * description of a document serves both.
 */
#ifndef PACED_JSONW_H
#define PACED_JSONW_H

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt_text.h"
#include "paced.h"

#define JSONW_MAX_DEPTH 64

struct jsonw {
	struct fmt_text text;
	int precision; /* significant digits of a real: 15 or 17 */
	unsigned depth;
	uint64_t has_member; /* bit d: level d has a member already */
	uint64_t is_object;  /* bit d: level d is an object */
	bool after_key;
	bool written;        /* the top-level value is there */
	bool failed;
	/* Building a tree: its root, the containers open, the key given. */
	bool tree;
	json_t *root;
	json_t *open[JSONW_MAX_DEPTH];
	const char *key;
};

/* Whether v prints as an integer (350, not 350.0): whole and exactly
 * representable. The rule of jsonutil_number() and jsonw_number(). */
static inline bool jsonw_is_whole(double v)
{
	return isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0;
}

/* precision 15 for clients (float noise never shows), 17 for storage
 * (reads back as the same double): see jsonutil_dump(). */
void jsonw_init(struct jsonw *w, int precision);

/* The text written, NUL-terminated, its length in *len (may be NULL);
 * the caller frees it. NULL when the writer failed, a container is
 * still open, it builds a tree, or it was finished already; what it
 * held is released either way. */
char *jsonw_finish(struct jsonw *w, size_t *len);

/* Releases what a writer holds when it will not be finished. */
void jsonw_discard(struct jsonw *w);

/* A writer that builds a jansson tree; a key given must stay valid
 * until its value is written. */
void jsonw_init_tree(struct jsonw *w);

/* The tree built (new reference), or NULL as jsonw_finish(). */
json_t *jsonw_finish_tree(struct jsonw *w);

void jsonw_object_open(struct jsonw *w);
void jsonw_object_close(struct jsonw *w);
void jsonw_array_open(struct jsonw *w);
void jsonw_array_close(struct jsonw *w);

/* A member's name; its value is the next value written. */
void jsonw_key(struct jsonw *w, const char *key);

/* The same for a name of n bytes of printable ASCII without '"' or '\\',
 * which is written as it is: nothing measured, checked or escaped. */
void jsonw_key_plain(struct jsonw *w, const char *key, size_t n);

/* jsonw_key for a string literal (every field name the SPEC fixes): its
 * length is known when compiling. Only for literals of the characters
 * jsonw_key_plain takes; "" around lit refuses anything but a literal. */
#define jsonw_key_lit(w, lit) jsonw_key_plain((w), "" lit "", sizeof(lit) - 1)

void jsonw_null(struct jsonw *w);
void jsonw_bool(struct jsonw *w, bool b);
void jsonw_integer(struct jsonw *w, long long v);
/* Always a real ("1.0"); non-finite as 0.0, as json_real() would not. */
void jsonw_real(struct jsonw *w, double v);
/* An integer when whole, else a real: jsonutil_number(). */
void jsonw_number(struct jsonw *w, double v);
/* s must be UTF-8; NULL writes null. */
void jsonw_string(struct jsonw *w, const char *s);
/* "2022-05-01T02:00:00Z". */
void jsonw_instant(struct jsonw *w, paced_ms t);
/* A jansson value, whole; NULL fails the writer. */
void jsonw_value(struct jsonw *w, const json_t *j);

/* Members of the open object written before, as text: '"k":v,"k":v'
 * (len > 0), from a writer at this one's precision. Fails a writer that
 * builds a tree, or is not between members of an object. */
void jsonw_members(struct jsonw *w, const char *text, size_t len);

#endif
