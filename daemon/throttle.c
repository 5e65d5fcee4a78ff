/* throttle.c - the generic cell rate algorithm (see throttle.h). */
#include "throttle.h"

void throttle_init(struct throttle *t, int n, int64_t period_ms)
{
	int64_t period_us = period_ms * 1000;

	t->interval_us = period_us / n;
	if (t->interval_us < 1)
		t->interval_us = 1;
	t->burst_us = period_us - t->interval_us;
	/* So far in the past that the first request finds a full allowance,
	 * whatever the clock's origin. */
	t->tat_us = INT64_MIN / 2;
}

bool throttle_take(struct throttle *t, int64_t now_us, int64_t *retry_after_us)
{
	int64_t tat = t->tat_us > now_us ? t->tat_us : now_us;

	if (tat - now_us > t->burst_us) {
		*retry_after_us = tat - now_us - t->burst_us;
		return false;
	}
	t->tat_us = tat + t->interval_us;
	*retry_after_us = 0;
	return true;
}
