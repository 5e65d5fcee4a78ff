/*
 * backup.h - `paced backup`: an online, consistent copy of the database
 * through SQLite's backup API, taken while the daemon keeps serving.
 * Opens its own connections; shares nothing with the running daemon.
 */
#ifndef PACED_BACKUP_H
#define PACED_BACKUP_H

#include <stddef.h>

struct backup_stats {
	int pages;    /* pages in the copy */
	int restarts; /* times a write to the source started the copy over */
};

/*
 * Copies the database at src to a new file dst, which must not exist
 * (never overwritten; a failed copy is removed). 0, or PACED_EEXIST,
 * PACED_EDB, PACED_EIO with err filled.
 */
int backup_run(const char *src, const char *dst, struct backup_stats *st,
	       char *err, size_t errlen);

#endif
