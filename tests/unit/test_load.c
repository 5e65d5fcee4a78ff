/* test_load.c - load.c, the start-up's load of the stored projects: every
 * live project reaches the registry, one whose stored definition no
 * longer parses is left out, and the order handed on is the registry's
 * id order (what start-up settles in), with the gaps of the rows left
 * out closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_testutil.h"
#include "conf.h"
#include "db_testutil.h"
#include "load.h"
#include "log.h"
#include "registry.h"
#include "store.h"
#include "store_internal.h"
#include "tracker.h"

/* 2022-01-01T00:00:00Z. */
#define T0 1640995200000LL
/* Projects made by the order test: 24 of the loader's batches. */
#define PROJECTS 12000

struct fixture {
	struct db_testutil db;
	struct app app;
};

static void open_app(struct fixture *f)
{
	app_testutil_open(&f->app, NULL, f->db.path, STORE_DURABILITY_NORMAL);
}

static void close_app(struct fixture *f)
{
	app_testutil_close(&f->app);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(db_testutil_make(&f->db, "load"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(db_testutil_remove(&f->db), 0);
	free(f);
	return 0;
}

static void create(struct fixture *f, const char *id, bool declared)
{
	json_t *j = json_pack("{s:s, s:i, s:s, s:s}", "title", id, "target",
			      100, "start", "2022-01-01", "due", "2022-12-31");
	struct project_def *def;
	struct project *p;
	struct field_error e;

	assert_non_null(j);
	assert_int_equal(project_def_parse(id, j, 0.05, 0.10, &def, &e), 0);
	json_decref(j);
	assert_int_equal(tracker_create(&f->app, def, declared, T0, &p), 0);
}

static void exec(struct fixture *f, const char *sql)
{
	assert_int_equal(
	    sqlite3_exec(f->app.store->db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* Enough projects for many more of the loader's batches (512 rows) than
 * it gives the worker at once (8), so that it parses some itself and
 * batches come back out of turn; created out of id order, some ids
 * sharing long prefixes; two broken and one archived after the fact. */
static void test_order_is_the_registrys(void **state)
{
	struct fixture *f = *state;
	struct project **in_order, **sorted;
	size_t declared, n, n_sorted;
	char id[32];
	unsigned long changes;

	open_app(f);
	for (int i = 0; i < PROJECTS; i++) {
		/* 7919 is prime: the ids come in a scrambled order. */
		int k = (int)((i * 7919L) % PROJECTS);

		snprintf(id, sizeof(id), k % 3 ? "project-%d" : "p%d", k);
		create(f, id, k % 10 == 0);
	}
	create(f, "zz-last", false); /* after every digit and letter */
	create(f, "0-first", false);
	exec(f, "UPDATE projects SET definition = '{}' "
		"WHERE id IN ('project-1000', 'p3')");
	exec(f, "UPDATE projects SET archived_at = 1 WHERE id = 'p6'");
	close_app(f);

	open_app(f);
	assert_int_equal(load_projects(&f->app, &declared, &in_order, &n), 0);
	changes = registry_changes(f->app.reg);
	assert_int_equal(n, PROJECTS + 2 - 3);
	assert_int_equal(registry_count(f->app.reg), n);
	/* Every tenth declared, less project-1000 (refused; p3 and p6 were
	 * not declared). */
	assert_int_equal(declared, PROJECTS / 10 - 1);
	assert_null(registry_get(f->app.reg, "p3"));
	assert_null(registry_get(f->app.reg, "p6"));
	assert_null(registry_get(f->app.reg, "project-1000"));
	sorted = registry_sorted(f->app.reg, &n_sorted);
	assert_non_null(sorted);
	assert_int_equal(n_sorted, n);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(in_order[i], sorted[i]);
	assert_string_equal(in_order[0]->def->id, "0-first");
	assert_string_equal(in_order[n - 1]->def->id, "zz-last");
	/* Sorting and looking up changed nothing. */
	assert_int_equal(registry_changes(f->app.reg), changes);
	free(sorted);
	free(in_order);
	close_app(f);
}

/* A row out of the registry's order (an id stored as a blob, which SQLite
 * sorts after all text: a file edited by hand) loads all the same, but
 * no order is handed on, so start-up sorts. */
static void test_unordered_rows_hand_on_no_order(void **state)
{
	struct fixture *f = *state;
	struct project **in_order;
	size_t declared, n;

	open_app(f);
	create(f, "a", false);
	create(f, "b", false);
	create(f, "c", false);
	/* Its revision row refers to the text id, and the hand edit breaks
	 * that on purpose: paced's connection enforces no foreign keys
	 * (store.c), and this says so again in case it ever does. */
	exec(f, "PRAGMA foreign_keys = OFF");
	exec(f, "UPDATE projects SET id = CAST(id AS BLOB) WHERE id = 'a'");
	close_app(f);

	open_app(f);
	assert_int_equal(load_projects(&f->app, &declared, &in_order, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(registry_count(f->app.reg), 3);
	assert_non_null(registry_get(f->app.reg, "a"));
	free(in_order);
	close_app(f);
}

/* An empty database: nothing loaded, an array the caller may free. */
static void test_nothing_stored(void **state)
{
	struct fixture *f = *state;
	struct project **in_order = NULL;
	size_t declared = 1, n = 1;

	open_app(f);
	assert_int_equal(load_projects(&f->app, &declared, &in_order, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(declared, 0);
	assert_int_equal(registry_count(f->app.reg), 0);
	free(in_order);
	close_app(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_order_is_the_registrys,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_unordered_rows_hand_on_no_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nothing_stored, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
