/*
 * backup.c - the online copy. The source is read in steps of
 * BACKUP_STEP_PAGES, sleeping briefly whenever the database is busy, so
 * the daemon's writers are never held up for long. A write to the source
 * between two steps makes SQLite start the copy over (that is what keeps
 * it consistent); after BACKUP_MAX_RESTARTS of those the rest is copied
 * in one step, inside one read transaction, which in WAL mode does not
 * block writers either.
 */
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "paced.h"

#define BACKUP_STEP_PAGES 1000
#define BACKUP_BUSY_SLEEP_MS 20
#define BACKUP_BUSY_TIMEOUT_MS 5000
#define BACKUP_MAX_RESTARTS 20

/* Creates dst exclusively, so an existing file is never touched, even
 * one that appears while we look. */
static int create_new(const char *dst, char *err, size_t errlen)
{
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", dst,
			 errno == EEXIST ? "already exists; paced backup never "
					   "overwrites a file"
					 : strerror(errno));
		return errno == EEXIST ? PACED_EEXIST : PACED_EIO;
	}
	close(fd);
	return 0;
}

static int copy(sqlite3 *from, sqlite3 *to, struct backup_stats *st,
		char *err, size_t errlen)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	int remaining = -1, step = BACKUP_STEP_PAGES, rc, busy_ms = 0;

	if (!b) {
		snprintf(err, errlen, "cannot start the copy: %s",
			 sqlite3_errmsg(to));
		return PACED_EDB;
	}
	for (;;) {
		rc = sqlite3_backup_step(b, step);
		if (rc == SQLITE_DONE)
			break;
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			if (busy_ms >= BACKUP_BUSY_TIMEOUT_MS)
				break;
			sqlite3_sleep(BACKUP_BUSY_SLEEP_MS);
			busy_ms += BACKUP_BUSY_SLEEP_MS;
			continue;
		}
		if (rc != SQLITE_OK)
			break;
		busy_ms = 0;
		/* More left than after the previous step: a write to the
		 * source restarted the copy. */
		if (remaining >= 0 && sqlite3_backup_remaining(b) > remaining &&
		    ++st->restarts >= BACKUP_MAX_RESTARTS)
			step = -1;
		remaining = sqlite3_backup_remaining(b);
		sqlite3_sleep(1); /* let writers in between steps */
	}
	st->pages = sqlite3_backup_pagecount(b);
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE) {
		snprintf(err, errlen, "copy failed: %s",
			 rc == SQLITE_DONE ? sqlite3_errmsg(to)
					   : sqlite3_errstr(rc));
		return PACED_EDB;
	}
	return 0;
}

/* The copy must read back whole before it is called a backup. */
static int verify(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	const unsigned char *res;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot check the copy: %s",
			 sqlite3_errmsg(db));
		return PACED_EDB;
	}
	rc = sqlite3_step(st);
	res = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (!res || strcmp((const char *)res, "ok") != 0) {
		snprintf(err, errlen, "the copy fails integrity_check: %s",
			 res ? (const char *)res : sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return PACED_EDB;
	}
	sqlite3_finalize(st);
	return 0;
}

int backup_run(const char *src, const char *dst, struct backup_stats *st,
	       char *err, size_t errlen)
{
	sqlite3 *from = NULL, *to = NULL;
	int rc;

	memset(st, 0, sizeof(*st));
	/* Read-write without create: a read-only connection cannot take
	 * part in WAL's shared memory when it has to recover it, and a
	 * missing database must not be created empty. */
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", src,
			 from ? sqlite3_errmsg(from) : "out of memory");
		sqlite3_close(from);
		return PACED_EDB;
	}
	sqlite3_busy_timeout(from, BACKUP_BUSY_TIMEOUT_MS);
	rc = create_new(dst, err, errlen);
	if (rc < 0) {
		sqlite3_close(from);
		return rc;
	}
	if (sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", dst,
			 to ? sqlite3_errmsg(to) : "out of memory");
		rc = PACED_EDB;
		goto fail;
	}
	rc = copy(from, to, st, err, errlen);
	if (rc == 0)
		rc = verify(to, err, errlen);
	if (rc < 0)
		goto fail;
	/* The copy carries the source's WAL flag; folding everything into
	 * the main file leaves one self-contained file to restore. */
	sqlite3_exec(to, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	if (sqlite3_close(to) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot close the copy", dst);
		to = NULL;
		rc = PACED_EIO;
		goto fail;
	}
	sqlite3_close(from);
	return 0;
fail:
	sqlite3_close(to);
	sqlite3_close(from);
	unlink(dst);
	return rc;
}
