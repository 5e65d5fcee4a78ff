/*
 * test_store_tail.c - a project's updates read back the same whether their
 * updates_idx entries are written or still held in memory (store_tail.c):
 * a random walk of inserts, savepoints undone, folds whole and partial,
 * commits, rollbacks, prunes and reopenings, each read compared with a
 * plain list of what was committed. After every commit, every update up to
 * index_mark has its entry, and after a reopening every update has one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "db_testutil.h"
#include "log.h"
#include "rand_testutil.h"
#include "store.h"
#include "store_internal.h"
#include "store_tail.h"

#define PROJECTS 40
#define MAX_ROWS 20000

struct row {
	int project;
	int64_t seq;
	paced_ms at;
	double value;
};

/* What the database holds: committed rows, then the open transaction's. */
struct model {
	struct row rows[MAX_ROWS];
	int committed, n;
	int savepoint; /* n at the savepoint, -1: none */
};

struct fixture {
	struct db_testutil db;
	struct store *s;
	struct model m;
};

static const char *pid(int p)
{
	static char ids[PROJECTS][16];

	snprintf(ids[p], sizeof(ids[p]), "p%02d", p);
	return ids[p];
}

static void open_store(struct fixture *f)
{
	char err[256];

	assert_int_equal(store_open(f->db.path, STORE_DURABILITY_NORMAL, &f->s,
				    err, sizeof(err)),
			 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(db_testutil_make(&f->db, "tail"), 0);
	open_store(f);
	f->m.savepoint = -1;
	assert_int_equal(store_begin(f->s), 0);
	for (int p = 0; p < PROJECTS; p++)
		assert_int_equal(store_project_insert(f->s, pid(p), "{}",
						      false, 0, "on_track",
						      0),
				 0);
	assert_int_equal(store_commit(f->s), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	assert_int_equal(db_testutil_remove(&f->db), 0);
	free(f);
	return 0;
}

static int64_t query_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Sorts by (at, seq): the order every read gives, or its reverse. */
static int by_at_seq(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The model's rows of project p, oldest first; returns the count. */
static int expected(const struct model *m, int p, struct row *out)
{
	int n = 0;

	for (int i = 0; i < m->n; i++)
		if (m->rows[i].project == p)
			out[n++] = m->rows[i];
	qsort(out, (size_t)n, sizeof(*out), by_at_seq);
	return n;
}

struct got {
	struct row rows[MAX_ROWS];
	int n;
};

static int collect(const struct store_update *u, void *data)
{
	struct got *g = data;

	assert_true(g->n < MAX_ROWS);
	g->rows[g->n++] = (struct row){0, u->seq, u->at, u->value};
	return 0;
}

static void check_project(struct fixture *f, int p)
{
	static struct row want[MAX_ROWS];
	static struct got got;
	int n = expected(&f->m, p, want);
	paced_ms since = rand_testutil_in(0, 60), before;
	int k, limit;

	got.n = 0;
	assert_int_equal(store_updates_all(f->s, pid(p), collect, &got), 0);
	assert_int_equal(got.n, n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(got.rows[i].seq, want[i].seq);
		assert_int_equal(got.rows[i].at, want[i].at);
		assert_true(got.rows[i].value == want[i].value);
	}

	got.n = 0;
	assert_int_equal(store_update_points_since(f->s, pid(p), since,
						   collect, &got),
			 0);
	k = 0;
	for (int i = 0; i < n; i++) {
		if (want[i].at < since)
			continue;
		assert_true(k < got.n);
		assert_int_equal(got.rows[k].at, want[i].at);
		assert_true(got.rows[k].value == want[i].value);
		k++;
	}
	assert_int_equal(got.n, k);

	before = rand_testutil_in(0, 70);
	limit = (int)rand_testutil_in(1, 8);
	got.n = 0;
	assert_int_equal(store_updates_list(f->s, pid(p), before, limit,
					    collect, &got),
			 0);
	k = 0;
	for (int i = n - 1; i >= 0 && k < limit; i--) {
		if (want[i].at >= before)
			continue;
		assert_true(k < got.n);
		assert_int_equal(got.rows[k].seq, want[i].seq);
		k++;
	}
	assert_int_equal(got.n, k);

	got.n = 0;
	assert_int_equal(store_update_latest(f->s, pid(p), collect, &got),
			 n ? 0 : PACED_ENOENT);
	assert_int_equal(got.n, n ? 1 : 0);
	if (n)
		assert_int_equal(got.rows[0].seq, want[n - 1].seq);
}

static void check_some(struct fixture *f)
{
	for (int i = 0; i < 4; i++)
		check_project(f, (int)rand_testutil_in(0, PROJECTS - 1));
}

/* Every update up to index_mark has its entry, and no entry is left
 * without its update. */
static void check_mark(struct fixture *f)
{
	assert_int_equal(query_int(f->s, "SELECT count(*) FROM updates u "
					 "WHERE u.seq <= (SELECT seq FROM "
					 "index_mark) AND NOT EXISTS (SELECT "
					 "1 FROM updates_idx i WHERE "
					 "i.project_id = u.project_id AND "
					 "i.at = u.at AND i.seq = u.seq)"),
			 0);
	assert_int_equal(query_int(f->s, "SELECT count(*) FROM updates_idx i "
					 "WHERE NOT EXISTS (SELECT 1 FROM "
					 "updates u WHERE u.seq = i.seq)"),
			 0);
}

static void insert_one(struct fixture *f)
{
	struct model *m = &f->m;
	int p = (int)rand_testutil_in(0, PROJECTS - 1);
	struct store_update u = {
		.project_id = pid(p),
		.at = rand_testutil_in(0, 60),
		.value = (double)rand_testutil_in(0, 1000) / 4,
		.received_at = 1,
	};

	assert_true(m->n < MAX_ROWS);
	assert_int_equal(store_update_insert(f->s, &u), 0);
	m->rows[m->n++] = (struct row){p, u.seq, u.at, u.value};
}

static void commit(struct fixture *f)
{
	assert_int_equal(store_commit(f->s), 0);
	f->m.committed = f->m.n;
	check_mark(f);
}

static void rollback(struct fixture *f)
{
	store_rollback(f->s);
	f->m.n = f->m.committed;
}

/* The model after a prune: rows before `before` go, but a project's
 * latest (by at, then seq) stays, and so does the last seq. */
static void prune_model(struct model *m, paced_ms before)
{
	static bool gone[MAX_ROWS];
	int64_t last = 0;
	int keep = 0;

	for (int i = 0; i < m->n; i++)
		if (m->rows[i].seq > last)
			last = m->rows[i].seq;

	for (int i = 0; i < m->n; i++) {
		const struct row *r = &m->rows[i];
		bool latest = true;

		for (int j = 0; j < m->n; j++)
			if (m->rows[j].project == r->project &&
			    by_at_seq(&m->rows[j], r) > 0)
				latest = false;
		gone[i] = r->at < before && !latest && r->seq != last;
	}
	for (int i = 0; i < m->n; i++)
		if (!gone[i])
			m->rows[keep++] = m->rows[i];
	m->n = m->committed = keep;
}

static void one_transaction(struct fixture *f)
{
	int items = (int)rand_testutil_in(1, 12);

	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < items; i++) {
		bool undo = rand_testutil_in(0, 5) == 0;
		int before = f->m.n;

		assert_int_equal(store_savepoint(f->s), 0);
		for (int k = (int)rand_testutil_in(1, 3); k > 0; k--)
			insert_one(f);
		assert_int_equal(store_release(f->s, undo ? PACED_EINVAL : 0),
				 undo ? PACED_EINVAL : 0);
		if (undo)
			f->m.n = before;
	}
	switch (rand_testutil_in(0, 5)) {
	case 0: /* a fold of everything held, partial at random */
		tail_fold(f->s, true, rand_testutil_in(1, 40));
		check_some(f);
		break;
	case 1:
		tail_fold(f->s, true, TAIL_FOLD_BUDGET);
		break;
	default:
		break;
	}
	check_some(f);
	if (rand_testutil_in(0, 6) == 0)
		rollback(f);
	else
		commit(f);
	check_some(f);
}

static void test_random_walk(void **state)
{
	struct fixture *f = *state;

	for (int step = 0; step < 1500; step++) {
		one_transaction(f);
		if (step % 150 == 149) {
			/* Entries held are lost with the process: the
			 * reopened store holds them again, and writes them
			 * with a later commit. */
			store_close(f->s);
			open_store(f);
			assert_int_equal(tail_rows(f->s->tail),
					 query_int(f->s, "SELECT count(*) FROM "
							 "updates") -
						 query_int(f->s,
							   "SELECT count(*) "
							   "FROM updates_idx"));
			for (int p = 0; p < PROJECTS; p++)
				check_project(f, p);
			assert_int_equal(store_begin(f->s), 0);
			tail_fold(f->s, true, 1 << 30);
			commit(f);
			assert_int_equal(tail_rows(f->s->tail), 0);
			assert_int_equal(query_int(f->s, "SELECT count(*) "
							 "FROM updates_idx"),
					 query_int(f->s, "SELECT count(*) "
							 "FROM updates"));
		}
		if (step % 200 == 199) {
			paced_ms before = rand_testutil_in(0, 40);
			int chunk = (int)rand_testutil_in(1, 50);
			int64_t deleted;
			int n = f->m.n;

			assert_int_equal(store_updates_prune(f->s, before,
							     chunk, &deleted),
					 0);
			prune_model(&f->m, before);
			assert_int_equal(deleted, n - f->m.n);
			check_mark(f);
		}
	}
	for (int p = 0; p < PROJECTS; p++)
		check_project(f, p);
	/* The walk did hold rows and did write them, or it proved little. */
	assert_true(query_int(f->s, "SELECT count(*) FROM updates_idx") > 100);
}

/* Rows added outside any transaction are committed as they go: a later
 * rollback does not take them back out of the reads. */
static void test_insert_outside_transaction(void **state)
{
	struct fixture *f = *state;
	static struct got got;
	struct store_update u = {.project_id = "p01", .at = 5, .value = 1,
				 .received_at = 1};

	assert_int_equal(store_update_insert(f->s, &u), 0);
	assert_int_equal(store_begin(f->s), 0);
	store_rollback(f->s);
	got.n = 0;
	assert_int_equal(store_updates_all(f->s, "p01", collect, &got), 0);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.rows[0].seq, u.seq);
}

/* A commit that fails takes its fold back: the rows are held again and
 * still read. */
static void test_failed_commit_keeps_rows_held(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < 30; i++)
		insert_one(f);
	commit(f);
	assert_int_equal(tail_rows(f->s->tail), 30);
	assert_int_equal(store_begin(f->s), 0);
	tail_fold(f->s, true, 1000);
	rollback(f);
	assert_int_equal(tail_rows(f->s->tail), 30);
	assert_int_equal(query_int(f->s, "SELECT count(*) FROM updates_idx"),
			 0);
	for (int p = 0; p < PROJECTS; p++)
		check_project(f, p);
	assert_int_equal(store_begin(f->s), 0);
	tail_fold(f->s, true, 1000);
	commit(f);
	assert_int_equal(tail_rows(f->s->tail), 0);
	assert_int_equal(query_int(f->s, "SELECT count(*) FROM updates_idx"),
			 30);
	assert_int_equal(query_int(f->s, "SELECT seq FROM index_mark"),
			 query_int(f->s, "SELECT max(seq) FROM updates"));
	for (int p = 0; p < PROJECTS; p++)
		check_project(f, p);
}

/* The seqs a project's read names: none (NULL) while nothing of its is
 * held or all it holds is being written by the open transaction's fold,
 * its held seqs in order otherwise, and again after that fold is undone. */
static void test_seqs_named_only_while_held(void **state)
{
	struct fixture *f = *state;
	struct store_update u = {.project_id = "p03", .received_at = 1};
	char *seqs, want[64];
	int64_t first;

	assert_int_equal(tail_seqs(f->s->tail, "p03", &seqs), 0);
	assert_null(seqs);
	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < 2; i++) {
		u.at = 10 + i;
		u.value = i;
		assert_int_equal(store_update_insert(f->s, &u), 0);
		f->m.rows[f->m.n++] = (struct row){3, u.seq, u.at, u.value};
	}
	commit(f);
	first = u.seq - 1;
	snprintf(want, sizeof(want), "[%lld,%lld]", (long long)first,
		 (long long)u.seq);
	assert_int_equal(tail_seqs(f->s->tail, "p03", &seqs), 0);
	assert_non_null(seqs);
	assert_string_equal(seqs, want);
	free(seqs);
	assert_int_equal(tail_seqs(f->s->tail, "p04", &seqs), 0);
	assert_null(seqs);

	assert_int_equal(store_begin(f->s), 0);
	tail_fold(f->s, true, 1000);
	assert_int_equal(tail_seqs(f->s->tail, "p03", &seqs), 0);
	assert_null(seqs);
	check_project(f, 3);
	rollback(f);
	assert_int_equal(tail_seqs(f->s->tail, "p03", &seqs), 0);
	assert_non_null(seqs);
	assert_string_equal(seqs, want);
	free(seqs);
	check_project(f, 3);
}

/* With rows still held, index_mark stops just before the oldest of them
 * (written once it lags far enough behind). */
static void test_mark_stops_before_rows_held(void **state)
{
	struct fixture *f = *state;
	int64_t first_held;

	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < 5000; i++) {
		struct store_update u = {.project_id = pid(i % 2 ? 3 : 4),
					 .at = i, .value = i,
					 .received_at = 1};

		assert_int_equal(store_update_insert(f->s, &u), 0);
		f->m.rows[f->m.n++] = (struct row){i % 2 ? 3 : 4, u.seq, u.at,
						   u.value};
	}
	commit(f);
	assert_int_equal(store_begin(f->s), 0);
	insert_one(f);
	first_held = f->m.rows[f->m.n - 1].seq;
	commit(f);
	assert_int_equal(store_begin(f->s), 0);
	tail_fold(f->s, true, 5000);
	commit(f);
	assert_int_equal(tail_rows(f->s->tail), 1);
	assert_int_equal(query_int(f->s, "SELECT seq FROM index_mark"),
			 first_held - 1);
	for (int p = 0; p < PROJECTS; p++)
		check_project(f, p);
}

/* A commit asked for outside any transaction (after a failed begin)
 * writes no entries: its fold would commit on its own and be forgotten. */
static void test_commit_without_transaction_writes_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < 3; i++)
		insert_one(f);
	commit(f);
	usleep(1100 * 1000); /* the entries are due now */
	assert_true(store_commit(f->s) < 0);
	assert_int_equal(query_int(f->s, "SELECT count(*) FROM updates_idx"),
			 0);
	for (int p = 0; p < PROJECTS; p++)
		check_project(f, p);
	assert_int_equal(store_begin(f->s), 0);
	commit(f);
	assert_int_equal(tail_rows(f->s->tail), 0);
	assert_int_equal(query_int(f->s, "SELECT count(*) FROM updates_idx"),
			 3);
	for (int p = 0; p < PROJECTS; p++)
		check_project(f, p);
}

/* Entries that fall due together (all at once after a pause in writes)
 * are written a little at each commit that stores updates, its own rows
 * and TAIL_FOLD_BUDGET more, so that no answer waits on a long commit;
 * a commit that stores none writes more of them. */
static void test_due_backlog_drains_in_small_steps(void **state)
{
	struct fixture *f = *state;
	int before;

	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < 600; i++)
		insert_one(f);
	commit(f);
	assert_int_equal(query_int(f->s, "SELECT count(*) FROM updates_idx"),
			 0);
	usleep(1100 * 1000); /* every entry is due now */
	assert_int_equal(store_begin(f->s), 0);
	insert_one(f);
	commit(f);
	assert_int_equal(query_int(f->s, "SELECT count(*) FROM updates_idx"),
			 1 + TAIL_FOLD_BUDGET);
	before = 1 + TAIL_FOLD_BUDGET;
	assert_int_equal(store_begin(f->s), 0);
	commit(f);
	assert_true(query_int(f->s, "SELECT count(*) FROM updates_idx") >
		    before + TAIL_FOLD_BUDGET);
	assert_int_equal(tail_rows(f->s->tail) +
				 query_int(f->s,
					   "SELECT count(*) FROM updates_idx"),
			 601);
	for (int p = 0; p < PROJECTS; p++)
		check_project(f, p);
	check_mark(f);
}

/* Commits larger than the budget (batches) do not let the rows held grow
 * past the bound: each writes what it added, and the excess. */
static void test_rows_held_stay_bounded(void **state)
{
	struct fixture *f = *state;

	for (int c = 0; c < 45; c++) {
		assert_int_equal(store_begin(f->s), 0);
		for (int i = 0; i < 2000; i++) {
			struct store_update u = {
				.project_id = pid(i % PROJECTS),
				.at = i,
				.value = i,
				.received_at = 1,
			};

			assert_int_equal(store_update_insert(f->s, &u), 0);
		}
		assert_int_equal(store_commit(f->s), 0);
		assert_true(tail_rows(f->s->tail) <= 65536 + 2000);
	}
	/* It did pass the bound, or it showed nothing. */
	assert_true(query_int(f->s, "SELECT count(*) FROM updates_idx") > 0);
	check_mark(f);
}

/* At open, the updates after index_mark are held again without writing:
 * a database another process has locked still reads whole. */
static void test_reopen_while_locked_reads_everything(void **state)
{
	struct fixture *f = *state;
	sqlite3 *other;

	assert_int_equal(store_begin(f->s), 0);
	for (int i = 0; i < 5; i++)
		insert_one(f);
	commit(f);
	store_close(f->s);
	assert_int_equal(sqlite3_open(f->db.path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	open_store(f);
	assert_int_equal(tail_rows(f->s->tail), 5);
	for (int p = 0; p < PROJECTS; p++)
		check_project(f, p);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_walk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_insert_outside_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_failed_commit_keeps_rows_held, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_seqs_named_only_while_held, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_mark_stops_before_rows_held, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_commit_without_transaction_writes_nothing, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_due_backlog_drains_in_small_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_held_stay_bounded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_reopen_while_locked_reads_everything, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
