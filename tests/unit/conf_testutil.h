/*
 * conf_testutil.h - what the conf.c tests (test_conf.c, test_conf_errors.c,
 * test_conf_reference.c) share: a temporary directory for the config file
 * (made by group_setup, removed by group_teardown) and loading a config
 * text that must load, or must fail with an exact message. Run from the
 * repository root. The names are the ones these had when they were static
 * in test_conf.c, so the tests moved out of it unchanged.
 */
#ifndef PACED_CONF_TESTUTIL_H
#define PACED_CONF_TESTUTIL_H

#include <stddef.h>

#include "conf.h"

/* The temporary directory, and the config file in it the helpers write. */
extern char tmpdir[64];
extern char cfgpath[128];

/* cmocka group setup and teardown: make and remove tmpdir. */
int group_setup(void **state);
int group_teardown(void **state);

void write_file(const char *path, const char *text, size_t len);

/* text as the config file: it loads, and the caller frees the result. */
struct conf *load_ok(const char *text);

/* want is what follows "FILE:": "LINE: [section] key: what is wrong". */
void expect_error_len(const char *text, size_t len, const char *want);
void expect_error(const char *text, const char *want);

#endif
