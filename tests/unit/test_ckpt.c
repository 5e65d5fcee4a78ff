/* test_ckpt.c - WAL checkpoints off the loop (ckpt.h): that the worker
 * runs them, that the WAL stays bounded while writes never pause, that
 * every committed row is in the database afterwards, and that closing
 * while a checkpoint is under way is clean. Small marks stand in for
 * paced's, so a few thousand frames show what a long load does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "ckpt.h"
#include "db_testutil.h"
#include "store.h"

#define T0 1640995200000LL
#define PAGE 4096

static const struct ckpt_marks small = {50, 400};

struct fixture {
	struct db_testutil db;
	char wal[112];
	uv_loop_t loop;
	struct store *store;
	struct ckpt *ckpt;
	int projects; /* written so far: p0 .. */
	off_t wal_max; /* the largest -wal file seen */
};

static struct fixture *open_fixture(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	assert_int_equal(db_testutil_make(&f->db, "ckpt"), 0);
	snprintf(f->wal, sizeof(f->wal), "%s-wal", f->db.path);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	assert_int_equal(store_open(f->db.path, STORE_DURABILITY_FULL, &f->store,
				    err, sizeof(err)),
			 0);
	assert_int_equal(ckpt_new(&f->ckpt, &f->loop, f->store, &small), 0);
	assert_non_null(f->ckpt);
	return f;
}

static void remove_files(struct fixture *f)
{
	assert_int_equal(db_testutil_remove(&f->db), 0);
}

static void close_fixture(struct fixture *f)
{
	ckpt_close(f->ckpt);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	store_close(f->store);
}

/* One transaction of n projects, each definition about a page, so that
 * every project adds a frame or more to the WAL. */
static void commit_projects(struct fixture *f, int n)
{
	char id[32], def[PAGE];
	struct stat st;

	memset(def, 0, sizeof(def));
	assert_int_equal(store_begin(f->store), 0);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "p%d", f->projects);
		snprintf(def, sizeof(def), "{\"title\": \"%0*d\"}",
			 PAGE - 64, f->projects);
		assert_int_equal(store_project_insert(f->store, id, def, false,
						      T0, "on_track", T0),
				 0);
		f->projects++;
	}
	assert_int_equal(store_commit(f->store), 0);
	if (stat(f->wal, &st) == 0 && st.st_size > f->wal_max)
		f->wal_max = st.st_size;
}

static int count_rows(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM projects",
					    -1, &st, NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
					    &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* Commits with the loop turning in between, as paced's are: the worker's
 * checkpoints keep the WAL near the mark, never the loop's. */
static void test_the_worker_checkpoints(void **state)
{
	struct fixture *f = open_fixture();
	struct ckpt_stats st;

	(void)state;
	for (int i = 0; i < 60; i++) {
		commit_projects(f, 10);
		/* a pause: the worker finishes what it was given (a catch-up
		 * included) before the next commit */
		uv_run(&f->loop, UV_RUN_NOWAIT);
		while (ckpt_busy(f->ckpt))
			uv_run(&f->loop, UV_RUN_ONCE);
	}
	ckpt_stats(f->ckpt, &st);
	assert_true(st.worker >= 5);
	assert_int_equal(st.loop, 0);
	/* restarted each time the worker had copied everything: the WAL
	 * never came near the loop's mark */
	assert_true(f->wal_max < (off_t)small.behind * (PAGE + 24));
	close_fixture(f);
	assert_int_equal(count_rows(f->db.path), 600);
	remove_files(f);
	free(f);
}

/* Commits back to back, the loop turning only to hear of the worker: the
 * WAL would only grow, as no checkpoint finds it wholly copied; the loop
 * copies the rest past the mark, and the WAL starts again. How far past
 * the mark it gets depends on how long the worker's checkpoints take, so
 * the bound here is generous: without the loop's part the WAL reaches
 * some 10 000 frames. */
static void test_unpaused_writes_keep_the_wal_bounded(void **state)
{
	struct fixture *f = open_fixture();
	struct ckpt_stats st;

	(void)state;
	for (int i = 0; i < 800; i++) {
		commit_projects(f, 10);
		uv_run(&f->loop, UV_RUN_NOWAIT);
	}
	ckpt_stats(f->ckpt, &st);
	assert_true(st.worker >= 1);
	assert_true(f->wal_max <= (off_t)(10 * small.behind) * (PAGE + 24));
	close_fixture(f);
	assert_int_equal(count_rows(f->db.path), 8000);
	remove_files(f);
	free(f);
}

/* Closed while the worker copies: freed when it is done, and the
 * database is whole. */
static void test_close_during_a_checkpoint(void **state)
{
	struct fixture *f = open_fixture();

	(void)state;
	commit_projects(f, small.frames + 10); /* queues one */
	close_fixture(f);
	assert_int_equal(count_rows(f->db.path), small.frames + 10);
	remove_files(f);
	free(f);
}

/* A database in memory has no WAL: nothing to take over. */
static void test_in_memory_has_none(void **state)
{
	struct store *s;
	struct ckpt *c = (struct ckpt *)1;
	uv_loop_t loop;
	char err[256];

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(store_open(":memory:", STORE_DURABILITY_FULL, &s, err,
				    sizeof(err)),
			 0);
	assert_int_equal(ckpt_new(&c, &loop, s, NULL), 0);
	assert_null(c);
	ckpt_close(c);
	store_close(s);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_worker_checkpoints),
		cmocka_unit_test(test_unpaused_writes_keep_the_wal_bounded),
		cmocka_unit_test(test_close_during_a_checkpoint),
		cmocka_unit_test(test_in_memory_has_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
