/* seconds.h - the clock the micro-benchmarks time their loops with. */
#ifndef PACED_BENCH_SECONDS_H
#define PACED_BENCH_SECONDS_H

#include <time.h>

/* Seconds on the monotonic clock: differences only mean anything. */
static inline double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
