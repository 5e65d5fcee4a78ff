/* dbfile.c - one paced per database; the database's directory checked. */
#include "dbfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paced.h"

/* The directory part of path, in buf ("." for a bare file name). */
static const char *dir_of(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s", path);
	return dirname(buf);
}

void dbfile_explain(const char *db_path, char *out, size_t outlen)
{
	char buf[PATH_MAX];
	const char *dir = dir_of(db_path, buf, sizeof(buf));
	struct stat st;

	*out = '\0';
	if (stat(dir, &st) != 0)
		snprintf(out, outlen,
			 errno == ENOENT ? "the directory %s does not exist"
					 : "the directory %s: %s",
			 dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		snprintf(out, outlen, "%s is not a directory", dir);
	else if (access(dir, W_OK | X_OK) != 0)
		snprintf(out, outlen,
			 "the directory %s is not writable by this process "
			 "(uid %u): paced keeps the database's -wal and -shm "
			 "files beside it",
			 dir, (unsigned)geteuid());
	else if (access(db_path, F_OK) == 0 && access(db_path, W_OK) != 0)
		snprintf(out, outlen,
			 "the file %s is not writable by this process (uid %u)",
			 db_path, (unsigned)geteuid());
}

/* The pid the holder wrote into the lock file, or 0 when unreadable. */
static long holder_pid(int fd)
{
	char text[24];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

	if (n <= 0)
		return 0;
	text[n] = '\0';
	return strtol(text, NULL, 10);
}

int dbfile_lock(const char *db_path, int *fd_out, char *err, size_t errlen)
{
	char lock[PATH_MAX], why[PATH_MAX + 128];
	bool writable = true;
	int fd, open_errno;

	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", db_path) >=
	    sizeof(lock)) {
		snprintf(err, errlen, "the database path is too long");
		return PACED_EIO;
	}
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	open_errno = errno;
	if (fd < 0 && open_errno == EACCES) {
		/* Left by another user (root's `make run` before the
		 * service): reading is enough to lock it. */
		fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		writable = false;
	}
	if (fd < 0) {
		dbfile_explain(db_path, why, sizeof(why));
		snprintf(err, errlen, "cannot open the lock file %s: %s%s%s",
			 lock, strerror(open_errno), *why ? "; " : "", why);
		return PACED_EIO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		long pid = e == EWOULDBLOCK ? holder_pid(fd) : 0;

		close(fd);
		if (e != EWOULDBLOCK) {
			snprintf(err, errlen, "cannot lock %s: %s", lock,
				 strerror(e));
			return PACED_EIO;
		}
		if (pid > 0)
			snprintf(err, errlen,
				 "another paced (pid %ld) is serving the "
				 "database %s: stop it first, or give this one "
				 "another [storage] path",
				 pid, db_path);
		else
			snprintf(err, errlen,
				 "another process holds %s: a paced is serving "
				 "the database %s; stop it first, or give this "
				 "one another [storage] path",
				 lock, db_path);
		return PACED_EBUSY;
	}
	if (writable) {
		char text[24];
		int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());

		/* The pid is only for the next one's message: not being able
		 * to write it is no reason not to run. */
		if (ftruncate(fd, 0) != 0 ||
		    pwrite(fd, text, (size_t)n, 0) != n) {
		}
	}
	*fd_out = fd;
	return 0;
}
