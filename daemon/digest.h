/*
 * digest.h - the scheduled overview ([digest] at = 09:00, every = day |
 * mon … sun, channels = …): at that local time, one message per channel
 * summarising every live project (counts by status, the overdue and
 * behind ones with their gaps, the stale ones).
 */
#ifndef PACED_DIGEST_H
#define PACED_DIGEST_H

#include "app.h"
#include "conf.h"
#include "paced.h"

struct digest;

/* Starts the schedule when conf has a [digest] section (*out stays NULL
 * otherwise). 0 or PACED_ENOMEM. */
int digest_start(struct digest **out, struct app *app);

/* Builds the digest of app's projects at now and queues it for the
 * [digest] channels. 0, PACED_ENOENT when no [digest] is configured, or
 * PACED_E*. */
int digest_send_now(struct app *app, paced_ms now);

/* The next instant after `now` (strictly) that is d->at_min local time on
 * one of d->weekdays, or PACED_NEVER when weekdays is empty. */
paced_ms digest_next_at(const struct conf_digest *d, paced_ms now);

/* After a reload: follows app->conf's [digest] - starts the schedule,
 * moves it to the new time, or closes it (*dg becomes NULL). 0 or
 * PACED_ENOMEM (the schedule is then closed). */
int digest_reconfigure(struct digest **dg, struct app *app);

void digest_close(struct digest *dg);

#endif
