/*
 * db_testutil.c - a test's database in a directory of its own; see
 * db_testutil.h.
 */
#include "db_testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int db_testutil_make(struct db_testutil *t, const char *name)
{
	int n = snprintf(t->dir, sizeof(t->dir), "/tmp/paced-test-%s-XXXXXX",
			 name);

	if (n < 0 || (size_t)n >= sizeof(t->dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!mkdtemp(t->dir))
		return -1;
	n = snprintf(t->path, sizeof(t->path), "%s/paced.db", t->dir);
	if (n < 0 || (size_t)n >= sizeof(t->path)) {
		rmdir(t->dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int db_testutil_remove(const struct db_testutil *t)
{
	/* What SQLite in WAL mode keeps beside the database. */
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	char p[sizeof(t->path) + 8];

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		snprintf(p, sizeof(p), "%s%s", t->path, suffixes[i]);
		unlink(p);
	}
	return rmdir(t->dir);
}
