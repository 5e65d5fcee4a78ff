/*
 * ratelimit.h - "at most N requests in any PERIOD" for one channel, as a
 * sliding log of the last N start instants. Exact (a fixed window would
 * allow 2N across its boundary) and small: N is 20 for a chat robot.
 */
#ifndef PACED_RATELIMIT_H
#define PACED_RATELIMIT_H

#include <stddef.h>

#include "paced.h"

struct ratelimit {
	int n;           /* 0: no limit */
	int64_t period;  /* ms */
	paced_ms *starts; /* ring of the last n starts, oldest at head */
	int head, count;
};

/* Sets the limit, keeping the newest starts that still fit, so a reload
 * does not forget what was just sent. 0 or PACED_ENOMEM. */
int ratelimit_set(struct ratelimit *rl, int n, int64_t period_ms);

void ratelimit_free(struct ratelimit *rl);

/* Requests that may start at `now` without breaking the limit (INT_MAX
 * when there is none). */
int ratelimit_available(struct ratelimit *rl, paced_ms now);

/* When the next request may start: now if one is available, else when
 * the oldest start in the window leaves it. */
paced_ms ratelimit_next_at(struct ratelimit *rl, paced_ms now);

/* A request starts now. Callers check ratelimit_available() first. */
void ratelimit_take(struct ratelimit *rl, paced_ms now);

#endif
