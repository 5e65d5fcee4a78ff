/* notify_outcome.c - delivery outcomes until the outbox holds them
 * (notify_outcome.h). */
#include "notify_outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define WAIT_FIRST_MS 1000
#define WAIT_MAX_MS 60000

struct notify_outcome {
	int64_t event_seq;
	char *channel;
	char state[8]; /* "pending", "sent" or "dead" */
	int attempts;
	paced_ms next_at;
	char *error; /* NULL: none */
	paced_ms at;
	struct notify_outcome *next;
};

void notify_outcomes_init(struct notify_outcomes *o)
{
	o->head = NULL;
	o->tail = &o->head;
	o->n = 0;
	o->wait_ms = 0;
}

void notify_outcomes_clear(struct notify_outcomes *o)
{
	while (o->head) {
		struct notify_outcome *x = o->head;

		o->head = x->next;
		free(x->channel);
		free(x->error);
		free(x);
	}
	o->tail = &o->head;
	o->n = 0;
}

static int write_one(struct store *s, const struct notify_outcome *x)
{
	return store_delivery_update(s, x->event_seq, x->channel, x->state,
				     x->attempts, x->next_at, x->error, x->at);
}

static int write_at_once(struct store *s, const struct notify_outcome *x)
{
	int rc = store_begin(s);

	if (rc == 0)
		rc = write_one(s, x);
	return store_finish(s, rc);
}

int notify_outcomes_add(struct notify_outcomes *o, struct store *s,
			int64_t event_seq, const char *channel,
			const char *state, int attempts, paced_ms next_at,
			const char *error, paced_ms at)
{
	/* Borrows the caller's strings until it is kept. */
	struct notify_outcome tmp = {
		.event_seq = event_seq,
		.channel = (char *)channel,
		.attempts = attempts,
		.next_at = next_at,
		.error = (char *)error,
		.at = at,
	};
	struct notify_outcome *x = malloc(sizeof(*x));

	snprintf(tmp.state, sizeof(tmp.state), "%s", state);
	if (x) {
		*x = tmp;
		x->channel = strdup(channel);
		x->error = error ? strdup(error) : NULL;
		if (!x->channel || (error && !x->error)) {
			free(x->channel);
			free(x->error);
			free(x);
			x = NULL;
		}
	}
	if (!x)
		return write_at_once(s, &tmp);
	*o->tail = x;
	o->tail = &x->next;
	o->n++;
	return 0;
}

void notify_outcomes_answered(struct notify_outcomes *o, int rc)
{
	if (rc == 0)
		o->wait_ms = 0;
	else if (!o->wait_ms)
		o->wait_ms = WAIT_FIRST_MS;
	else
		o->wait_ms = o->wait_ms < WAIT_MAX_MS / 2 ? o->wait_ms * 2
							   : WAIT_MAX_MS;
}

int notify_outcomes_write(struct notify_outcomes *o, struct store *s)
{
	size_t count = o->n;
	bool refused = o->wait_ms > 0;
	int rc;

	if (!count)
		return 0;
	rc = store_begin(s);
	for (const struct notify_outcome *x = o->head; x && rc == 0;
	     x = x->next)
		rc = write_one(s, x);
	rc = store_finish(s, rc);
	notify_outcomes_answered(o, rc);
	if (rc < 0) {
		log_err("cannot record the outcome of %zu deliveries (%s); "
			"they are not sent again, and their outcomes are "
			"written again in %lld ms",
			count, paced_strerror(rc), (long long)o->wait_ms);
		return rc;
	}
	if (refused)
		log_notice("recorded the outcome of %zu deliveries", count);
	notify_outcomes_clear(o);
	return 0;
}

bool notify_outcomes_has(const struct notify_outcomes *o, int64_t event_seq,
			 const char *channel)
{
	for (const struct notify_outcome *x = o->head; x; x = x->next)
		if (x->event_seq == event_seq &&
		    strcmp(x->channel, channel) == 0)
			return true;
	return false;
}
