/*
 * dbfile.h - the database's place on disk: one paced per database, and
 * what is wrong with the place when the database cannot be opened.
 *
 * Two paceds on one database would each keep their own registry,
 * schedule and outbox view of it (one answers 404 for a project the
 * other created, both deliver the same alerts), so the daemon holds an
 * exclusive flock(2) on "<path>.lock" (mode 0600) for as long as it
 * runs. A separate
 * file, not the database: closing any descriptor of the database file
 * would drop SQLite's own POSIX locks, and on NFS flock is emulated with
 * POSIX locks that would meet SQLite's. `paced backup` does not take it.
 */
#ifndef PACED_DBFILE_H
#define PACED_DBFILE_H

#include <stddef.h>

/*
 * Takes the lock beside db_path (beside the file a symbolic link names),
 * writes this process's id into it and returns its descriptor in *fd
 * (held until the process ends). 0; 0 with *fd -1 and err filled when
 * paced must run without it (a read-only file system, a file system
 * that takes no lock), for a warning; PACED_EBUSY when another process
 * holds it (err names it); PACED_EIO with err filled (the directory's
 * trouble said plainly). ":memory:" takes none.
 */
int dbfile_lock(const char *db_path, int *fd, char *err, size_t errlen);

/*
 * Why the database at db_path may not open, from the file system's
 * view of this process: a missing or unwritable directory (SQLite keeps
 * the -wal and -shm files beside the database), an unwritable file.
 * Writes "" when nothing is found.
 */
void dbfile_explain(const char *db_path, char *out, size_t outlen);

#endif
