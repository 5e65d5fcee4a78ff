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
 * queued.
 */
int tracker_settle_status(struct app *app, struct project *p, paced_ms now,
			  bool arrived, bool *queued);

/* live takes next's state, keeping its place in the scheduler. */
void tracker_adopt(struct project *live, const struct project *next);

/* After a commit: wakes the delivery worker when something was queued. */
void tracker_after_commit(struct app *app, bool queued);

#endif
