/*
 * notify.h - the delivery worker: takes pending rows from the outbox,
 * renders them for their channel (chan.h), sends them through httpc, and
 * records the outcome: sent, retried later with exponential backoff and
 * jitter (5 s up to 15 min, honouring Retry-After and platform pauses)
 * until the channel's max_age, or dead. Each channel keeps its rate
 * limit: when more rows are due than the limit lets through now, they go
 * out merged into one summary, so nothing is dropped and the limit holds.
 */
#ifndef PACED_NOTIFY_H
#define PACED_NOTIFY_H

#include <stddef.h>
#include <uv.h>

#include "conf.h"
#include "httpc.h"
#include "note.h"
#include "store.h"

struct notify;

/* Borrows loop, store, client and conf (see notify_set_conf). */
int notify_new(struct notify **out, uv_loop_t *loop, struct store *store,
	       struct httpc *client, const struct conf *conf);

/* Some deliveries may be due now (an event was committed, or start-up). */
void notify_kick(struct notify *n);

/* Queues the digest d for every channel of [digest] channels. A digest
 * waits in memory (not in the outbox: it is an overview of the moment,
 * not news that must survive a restart) for its channel's rate limit, and
 * is retried a few times on failure. 0 or PACED_ENOMEM. */
int notify_digest(struct notify *n, const struct note_digest *d);

/* The configuration changed (reload); takes effect for the next attempt. */
void notify_set_conf(struct notify *n, const struct conf *conf);

/* Attempts under way. */
size_t notify_in_flight(const struct notify *n);

/* Stops starting attempts; once every attempt under way has ended (close
 * httpc to abort them) and the timer is closed, frees n and calls
 * done(data). */
void notify_close(struct notify *n, void (*done)(void *), void *data);

/* The delay before retry number `attempts` (1 = after the first failure),
 * before jitter: 5 s doubling up to 15 min. Exposed for tests. */
int64_t notify_backoff_ms(int attempts);

#endif
