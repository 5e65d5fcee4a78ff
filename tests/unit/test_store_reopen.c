/* test_store_reopen.c - a store whose file was read-only and is writable
 * again opens a new connection at the next transaction (store.c,
 * store_reopen_if_read_only), and that transaction is still the one the
 * caller asked for: a group's, begun unsynced with `[storage] sync =
 * thread`, commits with synchronous = NORMAL and leaves the fdatasync to
 * the worker, on the new connection as on the old.
 *
 * A file is made read-only for root, who ignores file modes, by the
 * immutable attribute; where the file system has none the test is
 * skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "db_testutil.h"
#include "paced.h"
#include "store.h"
#include "store_internal.h"

struct fixture {
	struct db_testutil db;
	bool immutable;
};

/* Sets or clears the immutable attribute; false where it cannot. */
static bool set_immutable(const char *path, bool on)
{
	int fd = open(path, O_RDONLY);
	int flags = 0;
	bool ok;

	if (fd < 0)
		return false;
	ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
	if (ok) {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		ok = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
	}
	close(fd);
	return ok;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store *s;
	char err[256];

	assert_non_null(f);
	assert_int_equal(db_testutil_make(&f->db, "reopen"), 0);
	assert_int_equal(store_open(f->db.path, STORE_DURABILITY_FULL, &s, err,
				    sizeof(err)),
			 0);
	store_close(s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->immutable)
		set_immutable(f->db.path, false);
	assert_int_equal(db_testutil_remove(&f->db), 0);
	free(f);
	return 0;
}

/* SQLite's own view of the connection's synchronous setting: 1 NORMAL,
 * 2 FULL. */
static int synchronous(struct store *s)
{
	sqlite3_stmt *st;
	int v;

	assert_int_equal(sqlite3_prepare_v2(s->db, "PRAGMA synchronous", -1,
					    &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Opens the store while its file is read-only, makes it writable again,
 * and returns the store with the fault a refused write leaves. */
static struct store *open_read_only_then_writable(struct fixture *f)
{
	struct store *s;
	char err[256];

	assert_int_equal(store_open(f->db.path, STORE_DURABILITY_FULL, &s, err,
				    sizeof(err)),
			 0);
	assert_int_equal(sqlite3_db_readonly(s->db, "main"), 1);
	assert_true(set_immutable(f->db.path, false));
	f->immutable = false;
	s->fault = PACED_EROFS;
	return s;
}

static bool make_read_only(struct fixture *f)
{
	f->immutable = set_immutable(f->db.path, true);
	return f->immutable;
}

static void test_unsynced_begin_survives_the_reopening(void **state)
{
	struct fixture *f = *state;
	struct store *s;
	sqlite3 *old;

	if (!make_read_only(f)) {
		print_message("no immutable attribute here: skipped\n");
		skip();
	}
	s = open_read_only_then_writable(f);
	old = s->db;
	assert_int_equal(store_begin_unsynced(s), 0);
	/* A new connection, which can write ... */
	assert_ptr_not_equal(s->db, old);
	assert_int_equal(sqlite3_db_readonly(s->db, "main"), 0);
	/* ... in the transaction asked for: its commit does not sync. */
	assert_int_equal(synchronous(s), 1);
	assert_int_equal(store_commit(s), 0);
	store_end_unsynced(s);
	assert_int_equal(synchronous(s), 2);
	store_close(s);
}

static void test_plain_begin_after_the_reopening_syncs(void **state)
{
	struct fixture *f = *state;
	struct store *s;

	if (!make_read_only(f)) {
		print_message("no immutable attribute here: skipped\n");
		skip();
	}
	s = open_read_only_then_writable(f);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(sqlite3_db_readonly(s->db, "main"), 0);
	assert_int_equal(synchronous(s), 2);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_unsynced_begin_survives_the_reopening, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_plain_begin_after_the_reopening_syncs, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
