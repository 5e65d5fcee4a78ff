/*
 * metrics.h - GET /metrics in the Prometheus text format 0.0.4: the
 * counters paced keeps in memory (HTTP responses, delivery outcomes and
 * latencies; reset when the process restarts, as Prometheus counters may
 * be) and what a scrape reads on the spot (every live project's
 * evaluation, the outbox, /proc/self). Owns those counters.
 */
#ifndef PACED_METRICS_H
#define PACED_METRICS_H

#include <stddef.h>

#include "app.h"
#include "paced.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* One response of the HTTP server: method as received (anything but the
 * usual five counts as "other"), status 100..599. */
void metrics_http_response(const char *method, int status);

/* One outbox row's attempt ended: state is what store_delivery_update
 * recorded, "sent", "pending" (a retry) or "dead". channel borrowed. */
void metrics_delivery(const char *channel, const char *state);

/* One request to a channel was answered (or failed) `seconds` after it
 * started. channel borrowed. */
void metrics_delivery_latency(const char *channel, double seconds);

/* One COMMIT took `seconds` on the loop thread, its fsync included when
 * it had one (durability = full with sync = loop). */
void metrics_commit(double seconds);

/* Renders the whole exposition at now into *out (malloc'd, the caller
 * frees) and *len. 0 or PACED_ENOMEM. A database that cannot be read
 * only leaves out the series read from it. */
int metrics_render(struct app *app, paced_ms now, char **out, size_t *len);

/* Forgets every counter (tests; the process's end). */
void metrics_reset(void);

#endif
