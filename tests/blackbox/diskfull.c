/* diskfull.c - preloaded into paced by 065-durability-outage.py: while
 * the file named by PACED_DISK_FULL exists, every write to a regular file
 * not opened for appending (the database and its WAL, not the stderr log
 * the harness appends to) fails with ENOSPC, as on a full disk. A small
 * tmpfs would need root; this needs nothing, and the test decides to the
 * moment when the disk fills and when it has room again. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static int full(int fd)
{
	const char *flag = getenv("PACED_DISK_FULL");
	struct stat st;
	int fl;

	if (!flag || access(flag, F_OK) != 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_APPEND))
		return 0;
	errno = ENOSPC;
	return 1;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	ssize_t (*real)(int, const void *, size_t) =
		(ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT,
							      "write");

	return full(fd) ? -1 : real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t (*real)(int, const void *, size_t, off_t) =
		(ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT,
								     "pwrite");

	return full(fd) ? -1 : real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	ssize_t (*real)(int, const void *, size_t, off64_t) =
		(ssize_t(*)(int, const void *, size_t,
			    off64_t))dlsym(RTLD_NEXT, "pwrite64");

	return full(fd) ? -1 : real(fd, buf, n, off);
}
