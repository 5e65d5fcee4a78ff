/*
 * retention.h - [storage] keep_updates: updates older than that are
 * deleted at start-up and once a day, except each project's latest (its
 * current value) and those inside the forecast window. Owns one timer.
 */
#ifndef PACED_RETENTION_H
#define PACED_RETENTION_H

#include "app.h"
#include "paced.h"

struct retention;

/* Prunes once now, then every day; keep_updates is read from app->conf
 * at each run, so a reload changes it. 0 or PACED_ENOMEM. */
int retention_start(struct retention **out, struct app *app);

/* The instant before which updates may go for keep_ms at now, never
 * inside the forecast window; 0 when keep_ms is 0 (nothing goes).
 */
paced_ms retention_cutoff(int64_t keep_ms, paced_ms now);

/* One prune at now. 0 or PACED_EDB/EBUSY (logged). */
int retention_run(struct app *app, paced_ms now);

void retention_close(struct retention *rt);

#endif
