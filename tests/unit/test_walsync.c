/* test_walsync.c - the -wal file's fdatasync on a worker: the outcome
 * reaches the loop, a file replaced at the path is the one synced next,
 * and a missing file is an error, not a silent success. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "db_testutil.h"
#include "paced.h"
#include "walsync.h"

struct fixture {
	struct db_testutil db; /* the directory; db_testutil_remove() takes
				* the -wal file with it */
	char path[128];
	uv_loop_t loop;
	struct walsync *sync;
	int calls;
	int rc;
};

static void on_done(int rc, void *data)
{
	struct fixture *f = data;

	f->calls++;
	f->rc = rc;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static struct fixture *open_fixture(bool with_file)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(db_testutil_make(&f->db, "walsync"), 0);
	snprintf(f->path, sizeof(f->path), "%s-wal", f->db.path);
	if (with_file)
		write_file(f->path, "frames");
	assert_int_equal(uv_loop_init(&f->loop), 0);
	assert_int_equal(walsync_new(&f->sync, &f->loop, f->path, on_done, f),
			 0);
	return f;
}

static void close_fixture(struct fixture *f)
{
	char other[160];

	walsync_close(f->sync);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	/* Left only by a test that failed before its rename. */
	snprintf(other, sizeof(other), "%s.new", f->path);
	unlink(other);
	assert_int_equal(db_testutil_remove(&f->db), 0);
	free(f);
}

/* Starts one sync and runs the loop until its outcome is in. */
static int sync_once(struct fixture *f)
{
	int before = f->calls;

	assert_int_equal(walsync_start(f->sync), 0);
	assert_true(walsync_busy(f->sync));
	assert_int_equal(walsync_start(f->sync), PACED_EBUSY);
	while (f->calls == before)
		assert_true(uv_run(&f->loop, UV_RUN_ONCE) >= 0);
	assert_int_equal(f->calls, before + 1);
	assert_false(walsync_busy(f->sync));
	return f->rc;
}

/* The descriptors this process holds on f->path: how many name the file
 * now there, and how many a file that was replaced ("... (deleted)"). */
static void held(const struct fixture *f, int *current, int *replaced)
{
	char deleted[160], link[PATH_MAX + 1], name[300];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	assert_non_null(d);
	snprintf(deleted, sizeof(deleted), "%s (deleted)", f->path);
	*current = *replaced = 0;
	while ((e = readdir(d))) {
		ssize_t n;

		snprintf(name, sizeof(name), "/proc/self/fd/%s", e->d_name);
		n = readlink(name, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		*current += strcmp(link, f->path) == 0;
		*replaced += strcmp(link, deleted) == 0;
	}
	closedir(d);
}

/* This process holds current descriptors of f's file as it is now and
 * replaced descriptors of a file renamed over since. */
static void assert_held(const struct fixture *f, int current, int replaced)
{
	int now_current, now_replaced;

	held(f, &now_current, &now_replaced);
	assert_int_equal(now_current, current);
	assert_int_equal(now_replaced, replaced);
}

static void test_sync_reaches_the_loop(void **state)
{
	struct fixture *f = open_fixture(true);

	(void)state;
	assert_int_equal(sync_once(f), 0);
	assert_int_equal(sync_once(f), 0);
	/* One descriptor kept for the next syncs, not one per sync. */
	assert_held(f, 1, 0);
	close_fixture(f);
}

static void test_a_replaced_file_is_the_one_synced(void **state)
{
	struct fixture *f = open_fixture(true);
	char other[160];

	(void)state;
	assert_int_equal(sync_once(f), 0);
	snprintf(other, sizeof(other), "%s.new", f->path);
	write_file(other, "new frames");
	assert_int_equal(rename(other, f->path), 0);
	assert_held(f, 0, 1);

	assert_int_equal(sync_once(f), 0);
	assert_held(f, 1, 0);
	close_fixture(f);
}

static void test_a_missing_file_fails(void **state)
{
	struct fixture *f = open_fixture(false);

	(void)state;
	assert_int_equal(sync_once(f), PACED_EIO);
	assert_int_equal(walsync_now(f->sync), PACED_EIO);
	write_file(f->path, "frames");
	assert_int_equal(sync_once(f), 0);
	assert_int_equal(walsync_now(f->sync), 0);
	close_fixture(f);
}

static void test_close_while_busy_frees_after_the_sync(void **state)
{
	struct fixture *f = open_fixture(true);

	(void)state;
	assert_int_equal(walsync_start(f->sync), 0);
	walsync_close(f->sync);
	f->sync = NULL;
	/* The worker's job ends and the walsync is freed then (ASan sees a
	 * leak or a use after free otherwise), without calling back. */
	assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(f->calls, 0);
	close_fixture(f);
}

/* A sync waited for on the loop thread tells its outcome there, the
 * worker's failure included, and the callback hears the same later (so
 * that the loop goes on); a sync done on the loop thread waits for the
 * worker's first and leaves no descriptor of its own. (That it syncs
 * with the worker's kept descriptor, which hears of every writeback
 * error since it was opened where a new one would not, needs a failing
 * disk to show.) */
static void test_a_waited_sync_is_told_to_both(void **state)
{
	struct fixture *f = open_fixture(false);

	(void)state;
	assert_int_equal(walsync_start(f->sync), 0);
	assert_int_equal(walsync_wait(f->sync), PACED_EIO);
	assert_int_equal(walsync_wait(f->sync), 0); /* told already */
	assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(f->calls, 1);
	assert_int_equal(f->rc, PACED_EIO);
	assert_false(walsync_busy(f->sync));

	write_file(f->path, "frames");
	assert_int_equal(walsync_start(f->sync), 0);
	assert_int_equal(walsync_now(f->sync), 0);
	assert_held(f, 1, 0);
	assert_int_equal(walsync_now(f->sync), 0);
	assert_held(f, 1, 0);
	assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(f->calls, 2);
	assert_int_equal(f->rc, 0);
	close_fixture(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sync_reaches_the_loop),
	    cmocka_unit_test(test_a_replaced_file_is_the_one_synced),
	    cmocka_unit_test(test_a_missing_file_fails),
	    cmocka_unit_test(test_close_while_busy_frees_after_the_sync),
	    cmocka_unit_test(test_a_waited_sync_is_told_to_both),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
