/*
 * jsonutil.h - small helpers around jansson shared by the modules that
 * build JSON: numbers that print as people expect, instants as RFC 3339,
 * and the one way paced serialises a document.
 */
#ifndef PACED_JSONUTIL_H
#define PACED_JSONUTIL_H

#include <jansson.h>
#include <stddef.h>

#include "paced.h"

/* An integer when v is whole (so 350 prints as 350, not 350.0), else a
 * real. New reference. */
json_t *jsonutil_number(double v);

/* "2022-05-01T02:00:00Z". New reference. */
json_t *jsonutil_instant(paced_ms t);

/* A string or JSON null for NULL. New reference. */
json_t *jsonutil_string_or_null(const char *s);

/*
 * A copy of the JSON text body[0..len) in which every number no double
 * or integer holds (1e400, 99999999999999999999) reads ±1e300 instead,
 * which every numeric field paced takes refuses by its range: jansson
 * stops at such a number although the text is well-formed, and the copy
 * lets the whole body be read and the field be named by its full path.
 * NULL when there is none (or on ENOMEM); free() the result.
 */
char *jsonutil_tame_numbers(const char *body, size_t len, size_t *out_len);

/* Serialises compactly for clients, reals with 15 significant digits so
 * float noise (0.30000000000000004) never shows while every number a
 * client may give (|x| <= 1e15) prints as given. NULL on ENOMEM; free()
 * the result. */
char *jsonutil_dump(const json_t *j, size_t *len);

/* Serialises for storage: reals with 17 digits, which read back as the
 * very same double, so a definition survives a restart unchanged. */
char *jsonutil_dump_exact(const json_t *j, size_t *len);

/*
 * Start-up parses a million small documents and frees each at once:
 * between scratch_begin and scratch_end jansson allocates from a bump
 * arena of the calling thread and frees nothing; scratch_reset empties
 * the calling thread's arena, scratch_free gives it back (before the
 * thread ends). What jansson made since the last reset must not be used
 * after it, nor passed to free() (jsonutil_free releases it in either
 * mode). jansson's allocator is global: nothing else may run jansson
 * between begin and end.
 */
void jsonutil_scratch_begin(void);
void jsonutil_scratch_end(void);
void jsonutil_scratch_reset(void);
void jsonutil_scratch_free(void);

/* Releases what jansson allocated (a json_dumps result) with jansson's
 * allocator of the moment. */
void jsonutil_free(void *p);

/* Number of Unicode code points in a valid UTF-8 string. */
size_t jsonutil_utf8_len(const char *s);

#endif
