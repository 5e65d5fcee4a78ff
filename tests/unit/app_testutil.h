/*
 * app_testutil.h - the parts of struct app that the tests of the write
 * path share: the default configuration, an empty registry and a real
 * store on a test's database file.
 */
#ifndef PACED_APP_TESTUTIL_H
#define PACED_APP_TESTUTIL_H

#include <uv.h>

#include "app.h"
#include "store.h"

/* Zeroes app, then fills loop (borrowed; may be NULL), conf, reg and
 * store (opened at path); a failure fails the test. */
void app_testutil_open(struct app *app, uv_loop_t *loop, const char *path,
		       enum store_durability durability);

/* Frees what app_testutil_open made. */
void app_testutil_close(struct app *app);

#endif
