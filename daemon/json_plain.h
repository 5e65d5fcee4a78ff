/*
 * json_plain.h - JSON objects read without jansson's lexer when their
 * strings are plain: no escapes.
 *
 * jansson reads a document a character at a time through its stream
 * and string buffers: about 3 µs for a stored project definition (the
 * start-up reads a million of them, bench/RESULTS.md) and 4 000 of the
 * 65 000 instructions a progress update costs (bench/instr). This reads
 * the documents paced's clients and its own store write - objects and
 * arrays of strings without escapes (UTF-8 included), numbers, true,
 * false and null - and builds the same tree; anything else - an escape,
 * text that is not well-formed UTF-8, nesting past PLAIN_DEPTH_MAX, a
 * duplicate name, a number jansson would refuse or read differently,
 * any syntax error - is left to jansson, which gives the error or the
 * tree.
 */
#ifndef PACED_JSON_PLAIN_H
#define PACED_JSON_PLAIN_H

#include <stddef.h>

#include <jansson.h>

/* Objects and arrays nested deeper than this go to jansson. */
#define PLAIN_DEPTH_MAX 32

/* The object in s (len bytes) when it is one of plain strings, numbers,
 * literals, arrays and objects. NULL otherwise: read it with
 * json_loadb(..., JSON_REJECT_DUPLICATES, ...), which gives the same
 * tree for every document this accepts (tests/unit/test_json_plain.c,
 * tests/fuzz/fuzz_json_plain.c). */
json_t *json_plain_load(const char *s, size_t len);

/* A document paced wrote itself (a stored definition or snapshot), read
 * by json_plain_load, or by jansson's json_loads when that declines (an
 * escape, say). NULL when it is not JSON, or text is NULL. */
json_t *json_stored_load(const char *text);

#endif
