/*
 * machine - what this machine charges for the two things a read of one
 * project among a million spends its time on: entering the kernel
 * (one system call that does nothing) and loading memory that no cache
 * holds (a chain of loads through a buffer, each load one random page:
 * 4 MB, and by default 160 MB, paced's memory at a million projects).
 * The loads are timed back to back, and in bursts of ten after sleeping
 * 5 ms as paced does between requests at 200 a second, when whatever ran
 * meanwhile has had the caches and the translation buffers.
 *   make bench-machine   (or build/bench/machine [MB])
 */
#include <stdio.h>
#include <stdlib.h>
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

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 160;

	printf("system call (getppid): %.0f ns\n", syscall_ns());
	loads(4);
	loads(mb);
	return 0;
}
