/*
 * json_flat.h - the request bodies most clients send, read without
 * jansson's lexer: one object of plain members.
 *
 * A progress update is {"value": 512.5} or a few more members of the
 * same kind. jansson reads it a character at a time through its stream
 * and string buffers: about 4 000 of the 65 000 instructions an update
 * costs (bench/instr). This reads only that shape and builds the same
 * tree; anything else - escapes, non-ASCII text, nesting, a duplicate
 * name, a number jansson would refuse or read differently, any syntax
 * error - is left to jansson, which gives the error or the tree.
 */
#ifndef PACED_JSON_FLAT_H
#define PACED_JSON_FLAT_H

#include <stddef.h>

#include <jansson.h>

/* The object in s (len bytes) when it is a flat object of plain members:
 * names and strings of printable ASCII without '"' or '\\', numbers,
 * true, false and null. NULL otherwise: read it with json_loadb(...,
 * JSON_REJECT_DUPLICATES, ...), which gives the same tree for every body
 * this accepts (tests/unit/test_json_flat.c). */
json_t *json_flat_load(const char *s, size_t len);

#endif
