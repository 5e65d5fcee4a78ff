/*
 * machine - what this machine charges for the two things a read of one
 * project among a million spends its time on: entering the kernel
 * (one system call that does nothing) and loading memory that no cache
 * holds (a chain of loads through a buffer, each load one random page:
 * 4 MB, and by default 160 MB, paced's memory at a million projects).
 * The loads are timed back to back, and in bursts of ten after sleeping
 * 5 ms as paced does between requests at 200 a second, when whatever ran
 * meanwhile has had the caches and the translation buffers.
 * And what handing work to another thread costs, which decides whether
 * the fdatasync of a group commit can leave the loop (`sync = thread`):
 * a round trip to a thread asleep in read(2) on an eventfd and back to
 * this one asleep on another (two wake-ups of a sleeping thread, as the
 * thread pool's job and its completion take), and the same round trip
 * with both threads spinning on one atomic word (no sleep, no kernel).
 * And what an fdatasync of 16 KB just written (a group commit's WAL
 * frames, about) costs: its time, and the CPU it takes from the process
 * (getrusage), in a file made and removed in DIR (default: the current
 * directory; put it on the disk paced's database is on).
 *   make bench-machine   (or build/bench/machine [MB [DIR]])
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seconds.h"

enum { PAGE = 4096, BURST = 10, BURSTS = 2000, SLEEP_US = 5000 };

static double syscall_ns(void)
{
	const int n = 1000000;
	double t0 = seconds();

	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (seconds() - t0) / n * 1e9;
}

/* A cycle through every page of buf in random order: each page holds, at
 * an offset that varies so that the loads do not all share cache sets,
 * the address of the next. The first link. */
static void **make_chain(char *buf, size_t pages)
{
	size_t *order = malloc(pages * sizeof(*order));
	void **first;

	if (!order)
		exit(1);
	for (size_t i = 0; i < pages; i++)
		order[i] = i;
	srand(1);
	for (size_t i = pages - 1; i > 0; i--) {
		size_t j = (size_t)rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < pages; i++) {
		size_t a = order[i], b = order[(i + 1) % pages];
		void **link = (void **)(buf + a * PAGE + a * 64 % PAGE);

		*link = buf + b * PAGE + b * 64 % PAGE;
	}
	first = (void **)(buf + order[0] * PAGE + order[0] * 64 % PAGE);
	free(order);
	return first;
}

/* Loads through a cycle of mb megabytes, back to back and in bursts
 * after sleeping. */
static void loads(size_t mb)
{
	size_t pages = mb * 1024 * 1024 / PAGE;
	char *buf = malloc(pages * PAGE);
	void **p;
	double t0, chained, idle = 0;

	if (pages < 2 || !buf)
		exit(1);
	p = make_chain(buf, pages);
	/* Once round the cycle: every page mapped and touched. */
	for (size_t i = 0; i < pages; i++)
		p = *p;
	t0 = seconds();
	for (size_t i = 0; i < pages; i++)
		p = *p;
	chained = (seconds() - t0) / (double)pages;
	for (int b = 0; b < BURSTS; b++) {
		usleep(SLEEP_US);
		t0 = seconds();
		for (int i = 0; i < BURST; i++)
			p = *p;
		idle += seconds() - t0;
	}
	printf("load of a random page of %zu MB: %.0f ns back to back, "
	       "%.0f ns in bursts of %d after %d ms asleep\n",
	       mb, chained * 1e9, idle / (BURSTS * BURST) * 1e9, BURST,
	       SLEEP_US / 1000);
	/* Where the chain ended is printed nowhere, but read: the loads
	 * cannot be left out. */
	if (!p)
		exit(1);
	free(buf);
}

enum { ROUND_TRIPS = 20000 };

static int to_echo, from_echo; /* eventfds */
static atomic_int turn;	       /* spinning: 1 asks, 2 answers, 0 stop */

static void *echo_sleeping(void *unused)
{
	uint64_t v;

	(void)unused;
	while (read(to_echo, &v, sizeof(v)) == sizeof(v) && v == 1)
		if (write(from_echo, &v, sizeof(v)) != sizeof(v))
			break;
	return NULL;
}

static void *echo_spinning(void *unused)
{
	int t;

	(void)unused;
	while ((t = atomic_load(&turn)) != 0)
		if (t == 1)
			atomic_store(&turn, 2);
	return NULL;
}

static void handovers(void)
{
	pthread_t th;
	uint64_t v = 1;
	double t0, asleep, spinning;

	to_echo = eventfd(0, 0);
	from_echo = eventfd(0, 0);
	if (to_echo < 0 || from_echo < 0 ||
	    pthread_create(&th, NULL, echo_sleeping, NULL))
		exit(1);
	t0 = seconds();
	for (int i = 0; i < ROUND_TRIPS; i++) {
		v = 1;
		if (write(to_echo, &v, sizeof(v)) != sizeof(v) ||
		    read(from_echo, &v, sizeof(v)) != sizeof(v))
			exit(1);
	}
	asleep = (seconds() - t0) / ROUND_TRIPS;
	v = 2; /* stops the echo */
	if (write(to_echo, &v, sizeof(v)) != sizeof(v))
		exit(1);
	pthread_join(th, NULL);

	atomic_store(&turn, 2);
	if (pthread_create(&th, NULL, echo_spinning, NULL))
		exit(1);
	t0 = seconds();
	for (int i = 0; i < ROUND_TRIPS; i++) {
		atomic_store(&turn, 1);
		while (atomic_load(&turn) != 2)
			;
	}
	spinning = (seconds() - t0) / ROUND_TRIPS;
	atomic_store(&turn, 0);
	pthread_join(th, NULL);
	printf("round trip to another thread and back: %.1f us asleep on "
	       "eventfds, %.2f us spinning\n",
	       asleep * 1e6, spinning * 1e6);
}

enum { SYNCS = 3000, SYNC_BYTES = 16384, SYNC_SLOTS = 64 };

static double cpu_seconds(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
	       (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

/* Writes of SYNC_BYTES over SYNC_SLOTS places in a file already that
 * long (no size change, as in a WAL being reused), without and with an
 * fdatasync after each: time and CPU per write. */
static void syncs(const char *dir)
{
	static char block[SYNC_BYTES];
	char path[4096];
	double t[3], c[3];
	int fd;

	snprintf(path, sizeof(path), "%s/machine-sync.XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		perror(path);
		exit(1);
	}
	unlink(path);
	memset(block, 'w', sizeof(block));
	for (int i = 0; i < SYNC_SLOTS; i++)
		if (pwrite(fd, block, sizeof(block), (off_t)i * SYNC_BYTES) !=
		    SYNC_BYTES)
			exit(1);
	if (fdatasync(fd))
		exit(1);
	for (int pass = 0; pass < 2; pass++) {
		t[pass] = seconds();
		c[pass] = cpu_seconds();
		for (int i = 0; i < SYNCS; i++) {
			off_t at = (off_t)(i % SYNC_SLOTS) * SYNC_BYTES;

			if (pwrite(fd, block, sizeof(block), at) !=
				SYNC_BYTES ||
			    (pass == 1 && fdatasync(fd)))
				exit(1);
		}
	}
	t[2] = seconds();
	c[2] = cpu_seconds();
	close(fd);
	printf("write of 16 KB: %.1f us (CPU %.1f us); with an fdatasync "
	       "after it: %.1f us (CPU %.1f us)\n",
	       (t[1] - t[0]) / SYNCS * 1e6, (c[1] - c[0]) / SYNCS * 1e6,
	       (t[2] - t[1]) / SYNCS * 1e6, (c[2] - c[1]) / SYNCS * 1e6);
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 160;
	const char *dir = argc > 2 ? argv[2] : ".";

	printf("system call (getppid): %.0f ns\n", syscall_ns());
	loads(4);
	loads(mb);
	handovers();
	syncs(dir);
	return 0;
}
