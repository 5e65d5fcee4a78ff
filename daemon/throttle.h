/*
 * throttle.h - "N requests per PERIOD, at most N at once" in constant
 * space, for callers whose N may be large (a token's request rate). It is
 * the generic cell rate algorithm: one theoretical arrival time moves
 * forward by PERIOD/N per request; a request is refused while that time
 * runs more than PERIOD - PERIOD/N ahead of now. A full allowance of N
 * requests comes back after PERIOD of silence, and a steady sender gets
 * exactly N per PERIOD. (Outgoing chat messages use ratelimit.h instead:
 * its sliding log forbids N+1 in any window, which a robot's quota
 * needs, at a cost of N instants.)
 */
#ifndef PACED_THROTTLE_H
#define PACED_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

struct throttle {
	int64_t interval_us; /* PERIOD / N: the spacing of a steady sender */
	int64_t burst_us;    /* PERIOD - interval: how far ahead TAT may run */
	int64_t tat_us;      /* theoretical arrival time of the next request */
};

/* n requests per period_ms (n >= 1, period_ms >= 1); a full allowance. */
void throttle_init(struct throttle *t, int n, int64_t period_ms);

/*
 * One request at now_us (a monotonic clock in microseconds). true: it
 * may go, and counts. false: refused, it does not count, and
 * *retry_after_us says how long until one would be allowed.
 */
bool throttle_take(struct throttle *t, int64_t now_us, int64_t *retry_after_us);

#endif
