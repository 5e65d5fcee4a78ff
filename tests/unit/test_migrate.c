/* test_migrate.c - migrations on an in-memory database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <string.h>

#include "migrate.h"
#include "paced.h"

static int version_of(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1,
					    &st, NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static bool has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	bool found;

	sqlite3_prepare_v2(db,
			   "SELECT 1 FROM sqlite_master WHERE type = 'table' "
			   "AND name = ?1",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* The embedded migrations bring a new database to the last version and
 * create the tables the store uses. */
static void test_embedded_apply(void **state)
{
	sqlite3 *db;
	char err[256] = "";

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_true(migrate_embedded_count >= 1);
	assert_int_equal(migrate_apply(db, migrate_embedded,
				       migrate_embedded_count, err,
				       sizeof(err)),
			 0);
	assert_int_equal(version_of(db), migrate_embedded_count);
	assert_true(has_table(db, "projects"));
	assert_true(has_table(db, "updates"));
	assert_true(has_table(db, "events"));
	assert_true(has_table(db, "deliveries"));
	/* Applying again changes nothing and succeeds. */
	assert_int_equal(migrate_apply(db, migrate_embedded,
				       migrate_embedded_count, err,
				       sizeof(err)),
			 0);
	assert_int_equal(version_of(db), migrate_embedded_count);
	sqlite3_close(db);
}

static const struct migration two[] = {
	{1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"},
	{2, "0002_b.sql", "CREATE TABLE b (y INTEGER);"},
};

/* Only the migrations above the stored version run. */
static void test_only_newer_run(void **state)
{
	sqlite3 *db;
	char err[256] = "";

	(void)state;
	sqlite3_open(":memory:", &db);
	assert_int_equal(migrate_apply(db, two, 1, err, sizeof(err)), 0);
	assert_int_equal(version_of(db), 1);
	assert_false(has_table(db, "b"));
	/* Would fail with "table a already exists" if 0001 ran again. */
	assert_int_equal(migrate_apply(db, two, 2, err, sizeof(err)), 0);
	assert_int_equal(version_of(db), 2);
	assert_true(has_table(db, "b"));
	sqlite3_close(db);
}

/* A database newer than the binary is refused with a clear message. */
static void test_newer_refused(void **state)
{
	sqlite3 *db;
	char err[256] = "";

	(void)state;
	sqlite3_open(":memory:", &db);
	sqlite3_exec(db, "PRAGMA user_version = 7", NULL, NULL, NULL);
	assert_int_equal(migrate_apply(db, two, 2, err, sizeof(err)),
			 PACED_ENEWER);
	assert_non_null(strstr(err, "version 7"));
	assert_non_null(strstr(err, "newer"));
	assert_int_equal(version_of(db), 7);
	sqlite3_close(db);
}

/* A failing migration leaves the database at the previous version with
 * nothing of the failed one applied. */
static void test_failure_rolls_back(void **state)
{
	static const struct migration bad[] = {
		{1, "0001_a.sql", "CREATE TABLE a (x INTEGER);"},
		{2, "0002_bad.sql",
		 "CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);"},
	};
	sqlite3 *db;
	char err[256] = "";

	(void)state;
	sqlite3_open(":memory:", &db);
	assert_int_equal(migrate_apply(db, bad, 2, err, sizeof(err)),
			 PACED_EDB);
	assert_non_null(strstr(err, "0002_bad.sql"));
	assert_int_equal(version_of(db), 1);
	assert_true(has_table(db, "a"));
	assert_false(has_table(db, "c"));
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_apply),
		cmocka_unit_test(test_only_newer_run),
		cmocka_unit_test(test_newer_refused),
		cmocka_unit_test(test_failure_rolls_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
