/* ratelimit.c - a sliding log of the last N request starts. */
#include "ratelimit.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Drops starts that have left the window (older than period). */
static void prune(struct ratelimit *rl, paced_ms now)
{
	while (rl->count && rl->starts[rl->head] <= now - rl->period) {
		rl->head = (rl->head + 1) % rl->n;
		rl->count--;
	}
}

int ratelimit_set(struct ratelimit *rl, int n, int64_t period_ms)
{
	paced_ms *starts = NULL;
	int keep = 0;

	if (n == rl->n && period_ms == rl->period)
		return 0;
	if (n > 0) {
		starts = calloc((size_t)n, sizeof(*starts));
		if (!starts)
			return PACED_ENOMEM;
		keep = rl->count < n ? rl->count : n;
		/* The newest `keep` of the old ring, oldest first. */
		for (int i = 0; i < keep; i++)
			starts[i] = rl->starts[(rl->head + rl->count - keep +
						i) % rl->n];
	}
	free(rl->starts);
	rl->starts = starts;
	rl->n = n;
	rl->period = period_ms;
	rl->head = 0;
	rl->count = keep;
	return 0;
}

void ratelimit_free(struct ratelimit *rl)
{
	free(rl->starts);
	memset(rl, 0, sizeof(*rl));
}

int ratelimit_available(struct ratelimit *rl, paced_ms now)
{
	if (rl->n <= 0)
		return INT_MAX;
	prune(rl, now);
	return rl->n - rl->count;
}

paced_ms ratelimit_next_at(struct ratelimit *rl, paced_ms now)
{
	if (ratelimit_available(rl, now) > 0)
		return now;
	return rl->starts[rl->head] + rl->period;
}

void ratelimit_take(struct ratelimit *rl, paced_ms now)
{
	if (rl->n <= 0)
		return;
	prune(rl, now);
	if (rl->count == rl->n) {
		/* Over the limit: the caller did not check. Forget the
		 * oldest rather than overflow. */
		rl->head = (rl->head + 1) % rl->n;
		rl->count--;
	}
	rl->starts[(rl->head + rl->count) % rl->n] = now;
	rl->count++;
}
