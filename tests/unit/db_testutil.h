/*
 * db_testutil.h - a database file for one test, in a directory of its own
 * under /tmp, and its removal with the files SQLite puts beside it (the
 * WAL and its index): shared by the tests that open a real store.
 */
#ifndef PACED_DB_TESTUTIL_H
#define PACED_DB_TESTUTIL_H

struct db_testutil {
	char dir[64];	/* /tmp/paced-test-NAME-XXXXXX, made by mkdtemp */
	char path[96];	/* DIR/paced.db, not created */
};

/* Makes a fresh directory named after NAME (a few letters) and sets path
 * inside it. Returns 0, or -1 with errno when the directory cannot be
 * made or the names do not fit. */
int db_testutil_make(struct db_testutil *t, const char *name);

/* Removes the database, its -wal and -shm files, and the directory.
 * Returns 0, or -1 when the directory is left (a file in it that is not
 * the database's). */
int db_testutil_remove(const struct db_testutil *t);

#endif
