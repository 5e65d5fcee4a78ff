/*
 * tracker_internal.h - what tracker.c and tracker_updates.c share.
 * Private to those two; everyone else uses tracker.h.
 */
#ifndef PACED_TRACKER_INTERNAL_H
#define PACED_TRACKER_INTERNAL_H

#include <stdbool.h>

#include "app.h"
#include "project.h"

/*
 * Evaluates p at now and records what changed, inside the open
 * transaction: a status change, the project turning stale (or resuming
 * when a report `arrived`), and otherwise a reminder when one is due.
 * Changes p in place: callers pass a copy and keep it only once the
 * transaction has committed. *queued turns true when a delivery was
 * queued. What is recorded carries the forecast of `window` when given
 * (the updates in the window at now, this transaction's among them),
 * else of the window read from the database.
 */
int tracker_settle_status(struct app *app, struct project *p, paced_ms now,
			  bool arrived, const struct pace_window *window,
			  bool *queued);

/* p's forecast window at now from its cache, which learns of the time
 * passed: 0 and *w set; 1 when p has no cache it may use; or PACED_E*.
 * Before a transaction writes p's updates: the cache may read the
 * database's, and must not meet them before it is told of them. */
int tracker_cached_window(struct app *app, struct project *p, paced_ms now,
			  struct pace_window *w);

/* live takes next's state, keeping its place in the scheduler. */
void tracker_adopt(struct project *live, const struct project *next);

/* After a commit: wakes the delivery worker when something was queued. */
void tracker_after_commit(struct app *app, bool queued);

#endif
