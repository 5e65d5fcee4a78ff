/* syncgate.c - preloaded into paced by 066-durability-group-commit.py:
 * fdatasync() and fsync() wait while the file named by PACED_SYNC_GATE
 * exists, so the test holds a group's sync open for as long as it needs,
 * without guessing at how long a real one takes. While the file named by
 * PACED_SYNC_FAIL exists they fail with EIO instead, as a disk would. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void wait_at_gate(void)
{
	const char *gate = getenv("PACED_SYNC_GATE");
	struct timespec pause = {0, 2 * 1000 * 1000};

	while (gate && access(gate, F_OK) == 0)
		nanosleep(&pause, NULL);
}

static int failing(void)
{
	const char *fail = getenv("PACED_SYNC_FAIL");

	if (fail && access(fail, F_OK) == 0) {
		errno = EIO;
		return 1;
	}
	return 0;
}

int fdatasync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");

	wait_at_gate();
	return failing() ? -1 : real(fd);
}

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");

	wait_at_gate();
	return failing() ? -1 : real(fd);
}
