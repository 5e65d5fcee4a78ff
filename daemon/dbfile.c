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
#include <sys/statvfs.h>
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
	struct statvfs fs;

	*out = '\0';
	if (statvfs(dir, &fs) == 0 && (fs.f_flag & ST_RDONLY))
		snprintf(out, outlen, "%s is on a read-only file system", dir);
	else if (stat(dir, &st) != 0)
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

/* The pid the holder wrote into the lock file, if that process is a
 * paced still: a holder that could not write its own (someone else's
 * file) leaves an older one there. 0 when not known. */
static long holder_pid(int fd)
{
	char text[24], path[64], cmd[4096];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	size_t got;
	long pid;
	FILE *f;

	if (n <= 0)
		return 0;
	text[n] = '\0';
	pid = strtol(text, NULL, 10);
	if (pid <= 0)
		return 0;
	/* Its command line names paced (also under valgrind or a
	 * wrapper); its arguments are NUL-separated. */
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (!(f = fopen(path, "re")))
		return 0;
	got = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	for (size_t i = 0; i < got; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[got] = '\0';
	return strstr(cmd, "paced") ? pid : 0;
}

/* "<path>.lock" beside the file SQLite opens: SQLite follows a symbolic
 * link to the database, so the lock does too (two names of one file
 * must meet at one lock). Hard links and bind mounts are not caught. */
static int lock_path(const char *db_path, char *out, size_t len)
{
	char real[PATH_MAX], buf[PATH_MAX];
	const char *base = strrchr(db_path, '/');

	if (realpath(db_path, real))
		db_path = real;
	else if (base && base != db_path && strlen(db_path) < sizeof(buf) &&
		 realpath(dir_of(db_path, buf, sizeof(buf)), real) &&
		 strlen(real) + strlen(base) < sizeof(real))
		/* Not there yet: its directory's real path and its name. */
		db_path = strcat(real, base);
	return (size_t)snprintf(out, len, "%s.lock", db_path) < len ? 0 : -1;
}

int dbfile_lock(const char *db_path, int *fd_out, char *err, size_t errlen)
{
	char lock[PATH_MAX + 8], why[PATH_MAX + 128];
	bool writable = true;
	int fd, open_errno, rc;

	*fd_out = -1;
	err[0] = '\0';
	if (strcmp(db_path, ":memory:") == 0)
		return 0; /* nothing on disk to share */
	if (lock_path(db_path, lock, sizeof(lock)) < 0) {
		snprintf(err, errlen, "the database path is too long");
		return PACED_EIO;
	}
	/* 0600: anyone who could open it could hold it and keep paced from
	 * starting. */
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	open_errno = errno;
	if (fd < 0 && (open_errno == EACCES || open_errno == EROFS ||
		       open_errno == EPERM)) {
		/* Left by another user (root's `make run` before the
		 * service), or a file system mounted read-only: reading is
		 * enough to lock it. */
		fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		writable = false;
		if (fd < 0 && open_errno == EROFS) {
			/* Nobody can write the database there either. */
			snprintf(err, errlen,
				 "%s is on a read-only file system: running "
				 "without the lock that keeps a second paced "
				 "away",
				 db_path);
			return 0;
		}
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
			/* NFS takes no lock on a read-only descriptor: a
			 * safeguard missing is no reason not to run. */
			snprintf(err, errlen,
				 "cannot lock %s (%s): running without the "
				 "lock that keeps a second paced away",
				 lock, strerror(e));
			return 0;
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
		rc = ftruncate(fd, 0);
		rc = rc == 0 && pwrite(fd, text, (size_t)n, 0) == n;
		(void)rc;
	}
	*fd_out = fd;
	return 0;
}
