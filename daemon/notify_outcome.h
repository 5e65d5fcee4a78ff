/*
 * notify_outcome.h - the outcomes of delivery attempts (sent, retried
 * later, dead) on their way to the outbox. They are written in a
 * transaction of their own, never inside a group commit's (group.h), so
 * no other write can take them back unseen. While the store refuses them
 * (a full disk, a read-only file) they wait here, in memory, and their
 * deliveries with them: the outbox still calls such a delivery due, but
 * it went out already and is not sent again until its outcome is stored.
 * A restart forgets them; those deliveries then go out once more (at
 * least once).
 */
#ifndef PACED_NOTIFY_OUTCOME_H
#define PACED_NOTIFY_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "paced.h"
#include "store.h"

struct notify_outcome;

struct notify_outcomes {
	struct notify_outcome *head, **tail; /* in the order recorded */
	size_t n;
	/* How long the worker waits before it writes again, after the store
	 * refused a write; 0 while writes go through. */
	int64_t wait_ms;
};

void notify_outcomes_init(struct notify_outcomes *o);
/* Forgets every outcome still waiting (wait_ms stays). */
void notify_outcomes_clear(struct notify_outcomes *o);

/* Queues the outcome of an attempt at delivering event_seq to channel, as
 * store_delivery_update() takes it (strings copied; error may be NULL).
 * 0, or when there is no memory to keep it, what writing it at once
 * returned. */
int notify_outcomes_add(struct notify_outcomes *o, struct store *s,
			int64_t event_seq, const char *channel,
			const char *state, int attempts, paced_ms next_at,
			const char *error, paced_ms at);

/* Writes every waiting outcome, in one transaction. 0: all stored and
 * forgotten; else the store's PACED_E* (logged), and all wait on. */
int notify_outcomes_write(struct notify_outcomes *o, struct store *s);

/* Whether the store took a write of the worker's (rc 0) or refused it
 * (wait_ms grows, from 1 s doubling to a minute: a full disk is the
 * operator's to fix, and each try costs a transaction and a log line). */
void notify_outcomes_answered(struct notify_outcomes *o, int rc);

/* Whether an outcome for this delivery waits to be stored. */
bool notify_outcomes_has(const struct notify_outcomes *o, int64_t event_seq,
			 const char *channel);

#endif
