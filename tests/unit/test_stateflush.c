/* test_stateflush.c - stateflush.c, the projects rows' current values
 * written in batches: a batch the database refuses (here another
 * connection holds the write lock, as a full disk or a busy file would
 * refuse it) is tried again by the timer, with no other write to wake
 * it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "app_testutil.h"
#include "db_testutil.h"
#include "log.h"
#include "project.h"
#include "stateflush.h"
#include "store.h"
#include "tracker.h"

/* 2022-01-01T00:00:00Z. */
#define T0 1640995200000LL

struct fixture {
	struct db_testutil db;
	uv_loop_t loop;
	struct app app;
	struct project *p;
};

static void open_fixture(struct fixture *f)
{
	json_t *j = json_pack("{s:s, s:i, s:s, s:s}", "title", "a", "target",
			      100, "start", "2022-01-01", "due", "2022-12-31");
	struct project_def *def;
	struct field_error e;

	memset(f, 0, sizeof(*f));
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(db_testutil_make(&f->db, "flush"), 0);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	app_testutil_open(&f->app, &f->loop, f->db.path,
			  STORE_DURABILITY_NORMAL);
	assert_non_null(j);
	assert_int_equal(project_def_parse("a", j, 0.05, 0.10, &def, &e), 0);
	json_decref(j);
	assert_int_equal(tracker_create(&f->app, def, false, T0, &f->p), 0);
	assert_int_equal(stateflush_new(&f->app.stateflush, &f->app), 0);
}

static void close_fixture(struct fixture *f)
{
	stateflush_close(f->app.stateflush);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	app_testutil_close(&f->app);
	assert_int_equal(db_testutil_remove(&f->db), 0);
}

static void on_enough(uv_timer_t *t)
{
	uv_close((uv_handle_t *)t, NULL);
}

/* Runs the loop for ms: the batch's timer alone would not keep it
 * running (the stop writes the last batch itself). */
static void run_for(struct fixture *f, uint64_t ms)
{
	uv_timer_t t;

	uv_timer_init(&f->loop, &t);
	uv_timer_start(&t, on_enough, ms, 0);
	uv_run(&f->loop, UV_RUN_DEFAULT);
}

static void test_a_refused_batch_is_tried_again(void **state)
{
	struct fixture f;
	sqlite3 *other;

	(void)state;
	open_fixture(&f);
	assert_int_equal(sqlite3_open(f.db.path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	f.p->has_current = true;
	f.p->current = 5;
	f.p->current_at = T0;
	f.p->last_arrival = T0;
	assert_int_equal(stateflush_touch(f.app.stateflush, f.p), 0);
	/* The batch's time comes while the file is locked: refused. */
	run_for(&f, 1500);
	assert_true(f.p->state_dirty);
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_close(other), SQLITE_OK);
	/* No other project is touched, nothing stops: the timer alone
	 * writes it once the lock is gone. */
	run_for(&f, 2500);
	assert_false(f.p->state_dirty);
	close_fixture(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_refused_batch_is_tried_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
