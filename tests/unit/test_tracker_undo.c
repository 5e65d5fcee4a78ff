/*
 * test_tracker_undo.c - a group commit that fails puts back, in memory,
 * every project its writes changed, with the fsync on the loop and off it
 * (`[storage] sync = thread`). Off the loop a group gathers while the one
 * before it is being synced, and both then hold an undo for the same
 * project: the later group's must be its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <uv.h>

#include "app_testutil.h"
#include "conf.h"
#include "db_testutil.h"
#include "group.h"
#include "log.h"
#include "project.h"
#include "registry.h"
#include "store.h"
#include "store_internal.h"
#include "timefmt.h"
#include "tracker.h"

#define DAY PACED_MS_PER_DAY

struct fixture {
	struct db_testutil db;
	uv_loop_t loop;
	struct app app;
	struct project *p, *q;
	paced_ms now;
};

static struct project *create(struct fixture *f, const char *id)
{
	struct project_def *def;
	struct field_error fe;
	struct project *p;
	json_t *body = json_pack("{s:s,s:f,s:s,s:s}", "title", "t", "target",
				 1000.0, "start", "2022-01-01", "due",
				 "2022-12-31");

	assert_int_equal(project_def_parse(id, body, 0.05, 0.1, &def, &fe), 0);
	json_decref(body);
	assert_int_equal(tracker_create(&f->app, def, false, f->now, &p), 0);
	return p;
}

static struct fixture *open_fixture(bool off_loop)
{
	struct fixture *f = calloc(1, sizeof(*f));
	paced_ms start;

	assert_non_null(f);
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(db_testutil_make(&f->db, "undo"), 0);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	app_testutil_open(&f->app, &f->loop, f->db.path,
			  STORE_DURABILITY_FULL);
	assert_int_equal(group_new(&f->app.group, &f->loop, f->app.store,
				   off_loop),
			 0);
	assert_int_equal(timefmt_parse("2022-01-01", false, &start, NULL), 0);
	f->now = start + 10 * DAY;
	f->p = create(f, "p");
	f->q = create(f, "q");
	return f;
}

static void close_fixture(struct fixture *f)
{
	group_close(f->app.group);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	app_testutil_close(&f->app);
	assert_int_equal(db_testutil_remove(&f->db), 0);
	free(f);
}

/* One update of project id to value, in the open group (one opens if
 * none is). */
static void post_to(struct fixture *f, const char *id, double value)
{
	struct tracker_update u = {.project_id = id, .has_value = true,
				   .value = value};

	f->now += 60 * 1000;
	assert_int_equal(tracker_post_updates(&f->app, &u, 1, f->now), 0);
	tracker_updates_clear(&u, 1);
}

static void post(struct fixture *f, double value)
{
	post_to(f, "p", value);
	assert_true(f->p->current == value); /* applied at once */
}

/* What SQLite does on its own when a write fails badly (a full disk):
 * the open transaction, the whole group, is gone. */
static void lose_the_open_group(struct fixture *f)
{
	assert_true(group_is_open(f->app.group));
	assert_int_equal(sqlite3_exec(f->app.store->db, "ROLLBACK", NULL,
				      NULL, NULL),
			 SQLITE_OK);
}

/* Loop turns, none waiting, until p's value is `want` or two seconds
 * have passed (the worker's fdatasync takes a millisecond or so): a
 * group commits once a turn brings nothing new. */
static void turns_until(struct fixture *f, double want)
{
	for (int i = 0; i < 2000 && !(f->p->current == want &&
				       !group_is_open(f->app.group));
	     i++) {
		uv_run(&f->loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	/* and a few more, for whatever the last turn started */
	for (int i = 0; i < 20; i++) {
		uv_run(&f->loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
}

/* p set to value in a group that fails: p is 10 again. */
static void fails_and_puts_back(struct fixture *f, double value)
{
	post(f, value);
	lose_the_open_group(f);
	turns_until(f, 10);
	assert_true(f->p->current == 10);
}

/* p set to 10 in a group that is committed and, with the sync off the
 * loop, synced on a worker: its undo stays until the loop learns that
 * the sync is over, in a later turn. */
static void first_group_syncing(struct fixture *f)
{
	post(f, 10);
	/* The turn ends, and the next that brings nothing. */
	uv_run(&f->loop, UV_RUN_NOWAIT);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_false(group_is_open(f->app.group));
}

static void test_on_loop_failed_group_puts_back(void **state)
{
	struct fixture *f = open_fixture(false);

	(void)state;
	post(f, 10);
	turns_until(f, 10); /* committed */
	fails_and_puts_back(f, 20);
	close_fixture(f);
}

static void test_off_loop_group_gathered_during_a_sync_puts_back(void **state)
{
	struct fixture *f = open_fixture(true);

	(void)state;
	first_group_syncing(f);
	/* Meanwhile a second group touches the same project, and fails. */
	fails_and_puts_back(f, 20);
	/* Both groups over: a third that fails puts back too. */
	fails_and_puts_back(f, 30);
	/* And one that commits keeps its value. */
	post(f, 40);
	turns_until(f, 40);
	assert_true(f->p->current == 40);
	close_fixture(f);
}

/* A group committed while the worker syncs the one before (another
 * transaction needs it ended, or group_commit()) is synced on the loop,
 * which makes the one before durable too: that one's writers, and its
 * undos, are done with then, so that the group after, whose turn has the
 * same parity, holds undos of its own. */
static void test_off_loop_group_after_a_sync_on_the_loop_puts_back(void **state)
{
	struct fixture *f = open_fixture(true);

	(void)state;
	first_group_syncing(f);
	/* A second group, of another project, ends at once. */
	post_to(f, "q", 5);
	assert_int_equal(group_commit(f->app.group), 0);
	/* The third touches p again, and fails. */
	fails_and_puts_back(f, 20);
	assert_true(f->q->current == 5);
	close_fixture(f);
}

/* A group that fails, or ends with nothing to answer, while the worker
 * syncs the one before still answers that one first: the group after
 * has the synced one's parity, and must hold undos of its own. */
static void test_off_loop_failed_group_during_a_sync_then_another(void **state)
{
	struct fixture *f = open_fixture(true);

	(void)state;
	first_group_syncing(f); /* p = 10, being synced */
	post_to(f, "q", 5);
	lose_the_open_group(f);
	assert_true(group_commit(f->app.group) < 0);
	assert_true(f->q->current == 0 && !f->q->has_current);
	fails_and_puts_back(f, 20); /* the turn after next: same parity */
	close_fixture(f);
}

/* A redefinition answers the open group before it copies the project:
 * a copy taken before would bring back, after the group's undo cleared
 * it, the mark of a group that is over, and a later group of that
 * parity would hold no undo for the project. */
static void test_on_loop_redefined_project_keeps_no_stale_mark(void **state)
{
	struct fixture *f = open_fixture(false);
	struct project_def *def;
	struct field_error fe;
	struct project *out;
	bool created;
	json_t *body = json_pack("{s:s,s:f,s:s,s:s}", "title", "t2", "target",
				 1000.0, "start", "2022-01-01", "due",
				 "2022-12-31");

	(void)state;
	post(f, 10);
	turns_until(f, 10);
	post(f, 10); /* a group open, p marked with its parity */
	assert_int_equal(project_def_parse("p", body, 0.05, 0.1, &def, &fe), 0);
	json_decref(body);
	assert_int_equal(tracker_replace(&f->app, def, false, f->now, &out,
					 &created),
			 0);
	assert_false(created);
	f->p = out;
	post_to(f, "q", 5); /* a group of the other parity */
	assert_int_equal(group_commit(f->app.group), 0);
	fails_and_puts_back(f, 20); /* and one of the first's */
	close_fixture(f);
}

/* Archived in the loop turn of a write to it, with the sync off the
 * loop: the archive waits for that group to be answered, so that no
 * undo meets the project freed (under AddressSanitizer, `make asan`, a
 * heap-use-after-free before). */
static void test_off_loop_archive_while_the_group_syncs(void **state)
{
	struct fixture *f = open_fixture(true);

	(void)state;
	post(f, 10);
	assert_int_equal(tracker_archive(&f->app, "p", f->now), 0);
	f->p = NULL;
	for (int i = 0; i < 200; i++) {
		uv_run(&f->loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	close_fixture(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_loop_failed_group_puts_back),
		cmocka_unit_test(
			test_off_loop_group_gathered_during_a_sync_puts_back),
		cmocka_unit_test(
			test_off_loop_group_after_a_sync_on_the_loop_puts_back),
		cmocka_unit_test(
			test_off_loop_failed_group_during_a_sync_then_another),
		cmocka_unit_test(
			test_on_loop_redefined_project_keeps_no_stale_mark),
		cmocka_unit_test(test_off_loop_archive_while_the_group_syncs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
