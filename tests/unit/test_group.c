/* test_group.c - group commit with the fsync on the loop and off it
 * (`[storage] sync = thread`): when the writers' callbacks run, that the
 * writes are stored either way, and that a group_commit() caller gets a
 * durable commit at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "db_testutil.h"
#include "group.h"
#include "store.h"
#include "store_internal.h"

#define T0 1640995200000LL

struct fixture {
	struct db_testutil db;
	uv_loop_t loop;
	struct store *store;
	struct group *group;
};

struct done {
	int calls;
	int rc;
};

static void on_done(int rc, void *data)
{
	struct done *d = data;

	d->calls++;
	d->rc = rc;
}

static struct fixture *open_fixture(bool off_loop)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	assert_int_equal(db_testutil_make(&f->db, "group"), 0);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	assert_int_equal(store_open(f->db.path, STORE_DURABILITY_FULL, &f->store,
				    err, sizeof(err)),
			 0);
	assert_int_equal(group_new(&f->group, &f->loop, f->store, off_loop),
			 0);
	return f;
}

static void close_fixture(struct fixture *f)
{
	group_close(f->group);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	store_close(f->store);
	assert_int_equal(db_testutil_remove(&f->db), 0);
	free(f);
}

/* One write in the open group, its callback registered. */
static void write_one(struct fixture *f, const char *id, struct done *d)
{
	assert_int_equal(group_enter(f->group), 0);
	assert_int_equal(store_project_insert(f->store, id, "{}", false, T0,
					      "on_track", T0),
			 0);
	assert_int_equal(group_leave(f->group, 0), 0);
	assert_int_equal(group_defer(f->group, on_done, d), 0);
}

/* A fixture with one write ("a") waiting in its open group. */
static struct fixture *with_one_write(bool off_loop, struct done *d)
{
	struct fixture *f = open_fixture(off_loop);

	write_one(f, "a", d);
	return f;
}

static bool stored(struct fixture *f, const char *id)
{
	bool archived, exists;

	assert_int_equal(store_project_archived(f->store, id, &archived,
						&exists),
			 0);
	return exists;
}

static void run_until(struct fixture *f, const struct done *d)
{
	for (int i = 0; i < 100000 && !d->calls; i++)
		uv_run(&f->loop, UV_RUN_ONCE);
}

static void test_on_loop_answers_in_the_turn(void **state)
{
	struct fixture *f;
	struct done d = {0};
	unsigned long long w, n;

	(void)state;
	f = with_one_write(false, &d);
	assert_int_equal(d.calls, 0);
	/* The turn ends: the group lingers for writes that came in
	 * meanwhile, so nothing is committed yet. */
	uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_int_equal(d.calls, 0);
	assert_true(group_is_open(f->group));
	/* The next turn polls without waiting (UV_RUN_ONCE would block for
	 * ever otherwise: nothing else is active), brings nothing, and
	 * commits and fsyncs in it, callbacks at once. */
	uv_run(&f->loop, UV_RUN_ONCE);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.rc, 0);
	assert_false(group_is_open(f->group));
	assert_true(stored(f, "a"));
	group_stats(f->group, &w, &n);
	assert_int_equal(w, 1);
	assert_int_equal(n, 1);
	close_fixture(f);
}

/* A write that arrives while the turn's are served joins their commit. */
static void test_on_loop_late_writes_join_the_group(void **state)
{
	struct fixture *f;
	struct done d = {0}, d2 = {0};
	unsigned long long w, n;

	(void)state;
	f = with_one_write(false, &d);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	write_one(f, "b", &d2);
	/* b came in this turn: the group lingers once more. */
	uv_run(&f->loop, UV_RUN_ONCE);
	assert_int_equal(d.calls + d2.calls, 0);
	uv_run(&f->loop, UV_RUN_ONCE);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d2.calls, 1);
	assert_true(stored(f, "a"));
	assert_true(stored(f, "b"));
	group_stats(f->group, &w, &n);
	assert_int_equal(w, 2);
	assert_int_equal(n, 1);
	close_fixture(f);
}

/* Writes arriving every turn cannot hold the first one's answer back for
 * more than a few turns. */
static void test_on_loop_lingering_is_bounded(void **state)
{
	struct fixture *f;
	struct done d = {0}, more[16] = {{0}};
	char id[16];
	int turns = 0;

	(void)state;
	f = with_one_write(false, &d);
	while (!d.calls) {
		assert_true(turns < 16);
		/* The first turn as the loop ends the one that served the
		 * write (the write came from outside it here). */
		uv_run(&f->loop, turns ? UV_RUN_ONCE : UV_RUN_NOWAIT);
		snprintf(id, sizeof(id), "m%d", turns);
		if (!d.calls)
			write_one(f, id, &more[turns]);
		turns++;
	}
	assert_int_equal(d.rc, 0);
	/* The first turn ends the served writes, then at most four more. */
	assert_true(turns >= 2);
	assert_true(turns <= 5);
	close_fixture(f);
}

static void test_off_loop_answers_after_the_sync(void **state)
{
	struct fixture *f;
	struct done d = {0}, d2 = {0};

	(void)state;
	f = with_one_write(true, &d);
	/* The turn ends, and the next that brings no write: committed
	 * (readable), but the callback waits for the worker's fdatasync,
	 * whose end the loop learns in a later turn. */
	uv_run(&f->loop, UV_RUN_NOWAIT);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_int_equal(d.calls, 0);
	assert_false(group_is_open(f->group));
	assert_true(stored(f, "a"));
	/* A write meanwhile opens the next group, committed and synced once
	 * the first sync is over. */
	write_one(f, "b", &d2);
	run_until(f, &d);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.rc, 0);
	run_until(f, &d2);
	assert_int_equal(d2.calls, 1);
	assert_int_equal(d2.rc, 0);
	assert_true(stored(f, "b"));
	close_fixture(f);
}

static void test_off_loop_group_commit_is_durable_at_once(void **state)
{
	struct fixture *f;
	struct done d = {0};

	(void)state;
	f = with_one_write(true, &d);
	/* group_commit() promises a durable commit when it returns: the
	 * callbacks have run, without the loop. */
	assert_int_equal(group_commit(f->group), 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.rc, 0);
	close_fixture(f);
}

static void test_off_loop_other_transactions_flush_the_group(void **state)
{
	struct fixture *f;
	struct done d = {0};

	(void)state;
	f = with_one_write(true, &d);
	/* Another transaction ends the group first; its own COMMIT syncs as
	 * before, and the group's writers still hear of their sync. */
	assert_int_equal(store_begin(f->store), 0);
	assert_false(group_is_open(f->group));
	assert_int_equal(store_project_insert(f->store, "b", "{}", false, T0,
					      "on_track", T0),
			 0);
	assert_int_equal(store_commit(f->store), 0);
	run_until(f, &d);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.rc, 0);
	assert_true(stored(f, "a"));
	assert_true(stored(f, "b"));
	close_fixture(f);
}

/* SQLite rolls the whole transaction back on its own after some errors
 * (a full disk, an I/O error, no memory) met by a write outside the
 * group's own (a ROLLBACK stands in for it here): the group's writes are
 * gone. A later write's savepoint would begin a transaction of its own,
 * committed at once by its release, while the group stayed open: "b"
 * was stored, yet its writer was told it failed. */
static void vanished_transaction(bool off_loop)
{
	struct fixture *f;
	struct done d = {0}, d2 = {0};

	f = with_one_write(off_loop, &d);
	assert_int_equal(sqlite3_exec(f->store->db, "ROLLBACK", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	write_one(f, "b", &d2);
	/* The gone group's writer is told at once; "b" opens a new one. */
	assert_int_equal(d.calls, 1);
	assert_true(d.rc < 0);
	assert_int_equal(d2.calls, 0);
	assert_true(group_is_open(f->group));
	uv_run(&f->loop, UV_RUN_NOWAIT); /* the turn ends: it lingers */
	run_until(f, &d2);
	assert_int_equal(d2.calls, 1);
	assert_int_equal(d2.rc, 0);
	assert_false(stored(f, "a"));
	assert_true(stored(f, "b"));
	close_fixture(f);
}

static void test_on_loop_vanished_transaction_fails_its_group(void **state)
{
	(void)state;
	vanished_transaction(false);
}

static void test_off_loop_vanished_transaction_fails_its_group(void **state)
{
	(void)state;
	vanished_transaction(true);
}

/* Keeps the libuv pool's threads busy until released, so that the WAL
 * sync queued behind them is still under way when the loop waits. */
static atomic_bool pool_released;

static void block_job(uv_work_t *w)
{
	(void)w;
	while (!atomic_load(&pool_released))
		usleep(100);
}

static void block_after(uv_work_t *w, int status)
{
	(void)status;
	free(w);
}

struct kick {
	struct fixture *f;
	struct done *d3;
};

/* In the poll phase, as a PUT /v1/projects/{id} (tracker_replace) or
 * any other store_make_durable()/store_begin() is: the group gathering
 * while the worker syncs is made durable at once, on this thread (the
 * worker's sync is waited for), then another client's write opens the
 * next group in the same turn. */
static void on_kick(uv_async_t *a)
{
	struct kick *k = a->data;

	atomic_store(&pool_released, true);
	assert_int_equal(store_make_durable(k->f->store), 0);
	write_one(k->f, "c", k->d3);
	uv_close((uv_handle_t *)a, NULL);
}

/* A group opened after a waited sync but before the loop has heard of
 * that sync's end must still be committed and answered. */
static void test_off_loop_group_after_a_waited_sync_is_answered(void **state)
{
	struct fixture *f;
	struct done d = {0}, d2 = {0}, d3 = {0};
	const char *env = getenv("UV_THREADPOOL_SIZE");
	int threads = env ? atoi(env) : 4;
	struct kick k;
	uv_async_t kick;

	(void)state;
	atomic_store(&pool_released, false);
	f = with_one_write(true, &d);
	for (int i = 0; i < threads; i++) {
		uv_work_t *w = malloc(sizeof(*w));

		assert_non_null(w);
		assert_int_equal(uv_queue_work(&f->loop, w, block_job,
					       block_after),
				 0);
	}
	/* Group 1 committed; its sync waits behind the blocked pool. */
	uv_run(&f->loop, UV_RUN_NOWAIT);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_false(group_is_open(f->group));
	assert_int_equal(d.calls, 0);
	write_one(f, "b", &d2); /* group 2 gathers meanwhile */
	k = (struct kick){f, &d3};
	assert_int_equal(uv_async_init(&f->loop, &kick, on_kick), 0);
	kick.data = &k;
	assert_int_equal(uv_async_send(&kick), 0);
	for (int i = 0; i < 2000 && !d3.calls; i++) {
		uv_run(&f->loop, UV_RUN_NOWAIT);
		usleep(500);
	}
	assert_int_equal(d.calls, 1);
	assert_int_equal(d2.calls, 1);
	/* Group 3's check stopped itself while the waited sync still
	 * counted as busy: the sync's end must still reach the group
	 * (c2b7256 left it unanswered, found by review). */
	assert_int_equal(d3.calls, 1);
	assert_int_equal(d3.rc, 0);
	close_fixture(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_loop_answers_in_the_turn),
		cmocka_unit_test(test_on_loop_late_writes_join_the_group),
		cmocka_unit_test(test_on_loop_lingering_is_bounded),
		cmocka_unit_test(
			test_on_loop_vanished_transaction_fails_its_group),
		cmocka_unit_test(
			test_off_loop_vanished_transaction_fails_its_group),
		cmocka_unit_test(test_off_loop_answers_after_the_sync),
		cmocka_unit_test(test_off_loop_group_commit_is_durable_at_once),
		cmocka_unit_test(
			test_off_loop_other_transactions_flush_the_group),
		cmocka_unit_test(
			test_off_loop_group_after_a_waited_sync_is_answered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
