/* retention.c - the daily prune of old updates. */
#include "retention.h"

#include <stdlib.h>

#include "conf.h"
#include "log.h"
#include "store.h"
#include "timefmt.h"

#define RETENTION_EVERY_MS PACED_MS_PER_DAY
/* tracker.c's forecast reads the updates of the last 30 days. */
#define RETENTION_FLOOR_MS (30 * PACED_MS_PER_DAY)
/* Rows per transaction: each is a short pause for writers. */
#define RETENTION_CHUNK 5000

struct retention {
	struct app *app;
	uv_timer_t timer;
};

paced_ms retention_cutoff(int64_t keep_ms, paced_ms now)
{
	if (keep_ms <= 0)
		return 0;
	if (keep_ms < RETENTION_FLOOR_MS)
		keep_ms = RETENTION_FLOOR_MS;
	return now - keep_ms;
}

int retention_run(struct app *app, paced_ms now)
{
	paced_ms cutoff = retention_cutoff(app->conf->keep_updates_ms, now);
	char when[TIMEFMT_MAX];
	int64_t n = 0;
	int rc;

	if (!cutoff)
		return 0;
	rc = store_updates_prune(app->store, cutoff, RETENTION_CHUNK, &n);
	/* Even a prune that failed half-way may have deleted some. */
	if (cutoff > app->updates_pruned_before)
		app->updates_pruned_before = cutoff;
	if (rc < 0)
		log_err("keep_updates: deleting updates older than %s failed "
			"after %lld (%s); trying again tomorrow",
			timefmt_rfc3339(cutoff, when), (long long)n,
			paced_strerror(rc));
	else if (n)
		log_notice("keep_updates: deleted %lld updates older than %s "
			   "(each project's latest kept)",
			   (long long)n, timefmt_rfc3339(cutoff, when));
	return rc;
}

static void on_timer(uv_timer_t *t)
{
	struct retention *rt = t->data;

	retention_run(rt->app, timefmt_now());
}

int retention_start(struct retention **out, struct app *app)
{
	struct retention *rt = calloc(1, sizeof(*rt));

	*out = NULL;
	if (!rt)
		return PACED_ENOMEM;
	rt->app = app;
	uv_timer_init(app->loop, &rt->timer);
	rt->timer.data = rt;
	/* A failure now is logged and tried again tomorrow: old updates
	 * are no reason not to start. */
	retention_run(app, timefmt_now());
	uv_timer_start(&rt->timer, on_timer, RETENTION_EVERY_MS,
		       RETENTION_EVERY_MS);
	*out = rt;
	return 0;
}

static void on_closed(uv_handle_t *h)
{
	free(h->data);
}

void retention_close(struct retention *rt)
{
	if (rt)
		uv_close((uv_handle_t *)&rt->timer, on_closed);
}
