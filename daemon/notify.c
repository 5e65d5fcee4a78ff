/* notify.c - the outbox worker: due deliveries -> HTTP -> outcome. */
#include "notify.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "fmt_webhook.h"
#include "jsonutil.h"
#include "log.h"
#include "timefmt.h"

#define BACKOFF_FIRST_MS 5000
#define BACKOFF_MAX_MS (15 * 60 * 1000)
/* Attempts under way at once, over all channels. */
#define MAX_IN_FLIGHT 32
/* While attempts are under way, look again at least this often, so a
 * retry that falls due meanwhile is not held up by a slow receiver. */
#define RESCAN_MS 1000

struct attempt {
	struct notify *n;
	int64_t event_seq;
	char *channel;
	char *project_id;
	int attempts; /* including this one */
	paced_ms event_at;
	int64_t max_age_ms;
	struct attempt *next; /* in n->in_flight */
};

struct notify {
	uv_loop_t *loop;
	struct store *store;
	struct httpc *client;
	const struct conf *conf;
	uv_timer_t timer;
	struct attempt *in_flight;
	size_t n_in_flight;
	bool closing;
	bool timer_closed;
	void (*done)(void *);
	void *done_data;
};

int64_t notify_backoff_ms(int attempts)
{
	int64_t d = BACKOFF_FIRST_MS;

	for (int i = 1; i < attempts && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	return d < BACKOFF_MAX_MS ? d : BACKOFF_MAX_MS;
}

/* ±20 %, so receivers that come back are not hit by every sender at once. */
static int64_t with_jitter(int64_t ms)
{
	uint32_t r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return ms;
	return ms + (int64_t)((double)ms * 0.4 * ((double)r / 4294967295.0 -
						  0.5));
}

/* Whether an attempt for this project is under way on this channel: a
 * later event of the project then waits, so the channel sees them in
 * order. */
static bool is_in_flight(const struct notify *n, const char *project_id,
			 const char *channel)
{
	for (const struct attempt *a = n->in_flight; a; a = a->next)
		if (strcmp(a->project_id, project_id) == 0 &&
		    strcmp(a->channel, channel) == 0)
			return true;
	return false;
}

static void attempt_free(struct attempt *a)
{
	free(a->channel);
	free(a->project_id);
	free(a);
}

static void unlink_attempt(struct notify *n, struct attempt *a)
{
	for (struct attempt **pp = &n->in_flight; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			n->n_in_flight--;
			return;
		}
	}
}

static void record(struct notify *n, const struct attempt *a,
		   const char *state, paced_ms next_at, const char *error)
{
	paced_ms now = timefmt_now();
	int rc = store_delivery_update(n->store, a->event_seq, a->channel,
				       state, a->attempts, next_at, error, now);

	if (rc < 0)
		log_err("delivery of event %lld to %s: cannot record %s: %s",
			(long long)a->event_seq, a->channel, state,
			paced_strerror(rc));
}

static void schedule(struct notify *n, int64_t min_wait_ms);

/* Frees n once it is closing, its timer is closed and no attempt can call
 * back into it any more. */
static void maybe_finish(struct notify *n)
{
	if (!n->closing || !n->timer_closed || n->n_in_flight)
		return;
	if (n->done)
		n->done(n->done_data);
	free(n);
}

/* What the receiver's answer means for this delivery. */
static void on_response(const struct httpc_response *res, void *data)
{
	struct attempt *a = data;
	struct notify *n = a->n;
	paced_ms now = timefmt_now();
	char why[300];

	unlink_attempt(n, a);
	if (res->curl_code != 0 && n->closing) {
		/* Shutting down: the row stays pending and is tried again
		 * after the next start. */
	} else if (res->curl_code == 0 && res->status >= 200 &&
		   res->status < 300) {
		record(n, a, "sent", now, NULL);
		log_info("delivered event %lld to %s (HTTP %ld, attempt %d)",
			 (long long)a->event_seq, a->channel, res->status,
			 a->attempts);
	} else {
		bool retry = res->curl_code != 0 || res->status == 408 ||
			     res->status == 429 || res->status >= 500;
		int64_t delay = with_jitter(notify_backoff_ms(a->attempts));

		if (res->curl_code == 0)
			snprintf(why, sizeof(why), "HTTP %ld", res->status);
		else
			snprintf(why, sizeof(why), "%s",
				 res->error ? res->error : "no response");
		/* Bounded before multiplying: a hostile Retry-After must not
		 * overflow into an instant in the past. */
		if (res->retry_after_s > a->max_age_ms / 1000)
			delay = a->max_age_ms + 1;
		else if (res->retry_after_s * 1000 > delay)
			delay = res->retry_after_s * 1000;
		if (retry && now + delay <= a->event_at + a->max_age_ms) {
			record(n, a, "pending", now + delay, why);
			log_warn("delivery of event %lld to %s failed (%s); "
				 "retry %d in %lld ms",
				 (long long)a->event_seq, a->channel, why,
				 a->attempts + 1, (long long)delay);
		} else {
			record(n, a, "dead", now, why);
			log_err("delivery of event %lld to %s is dead (%s)%s",
				(long long)a->event_seq, a->channel, why,
				retry ? ": max_age reached" : "");
		}
	}
	attempt_free(a);
	if (!n->closing)
		schedule(n, 0);
	else
		maybe_finish(n);
}

/* The generic webhook body of SPEC section 3. malloc'd. */
static char *webhook_body(const struct store_event *e,
			  const struct conf_channel *ch, const struct conf *c,
			  size_t *len)
{
	json_t *body = alert_event_json(e, ch->language ? ch->language
							: c->language,
					c->public_url);
	char *out = body ? jsonutil_dump(body, len) : NULL;

	json_decref(body);
	return out;
}

static int start_attempt(struct notify *n, const struct store_delivery *d,
			 const struct store_event *e)
{
	const struct conf_channel *ch = conf_channel_find(n->conf, d->channel);
	struct attempt *a;
	char *body = NULL;
	size_t len = 0;
	char h_id[96], h_ts[64], h_sig[FMT_WEBHOOK_SIG_MAX + 32];
	char sig[FMT_WEBHOOK_SIG_MAX];
	const char *headers[6] = {"Content-Type: application/json"};
	size_t nh = 1;
	paced_ms now = timefmt_now();
	int rc;

	a = calloc(1, sizeof(*a));
	if (!a)
		return PACED_ENOMEM;
	a->n = n;
	a->event_seq = d->event_seq;
	a->channel = strdup(d->channel);
	a->project_id = strdup(e->project_id);
	a->attempts = d->attempts + 1;
	a->event_at = e->at;
	if (!a->channel || !a->project_id) {
		attempt_free(a);
		return PACED_ENOMEM;
	}
	if (!ch) {
		record(n, a, "dead", now, "channel is no longer configured");
		rc = 0;
		goto out;
	}
	a->max_age_ms = ch->max_age_ms;
	body = webhook_body(e, ch, n->conf, &len);
	if (!body) {
		/* Left pending, the row would be due again at once and the
		 * worker would spin on it. */
		record(n, a, "dead", now,
		       "cannot render the event (out of memory or a corrupt "
		       "stored project)");
		rc = 0;
		goto out;
	}
	snprintf(h_id, sizeof(h_id), "webhook-id: %s", e->id);
	snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld",
		 (long long)(now / 1000));
	headers[nh++] = h_id;
	headers[nh++] = h_ts;
	if (ch->secret) {
		if (fmt_webhook_sign(ch->secret, e->id, now / 1000, body, len,
				     sig) < 0) {
			record(n, a, "dead", now,
			       "the channel's secret is not valid base64");
			rc = 0;
			goto out;
		}
		snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", sig);
		headers[nh++] = h_sig;
	}
	rc = httpc_post(n->client, ch->url, headers, body, len, ch->timeout_ms,
			on_response, a);
	if (rc < 0)
		goto out;
	free(body);
	a->next = n->in_flight;
	n->in_flight = a;
	n->n_in_flight++;
	return 0;
out:
	free(body);
	attempt_free(a);
	return rc;
}

struct scan {
	struct notify *n;
	int started;
};

static int on_due(const struct store_delivery *d, const struct store_event *e,
		  void *data)
{
	struct scan *sc = data;
	int rc;

	if (is_in_flight(sc->n, e->project_id, d->channel))
		return 0;
	if (sc->n->n_in_flight >= MAX_IN_FLIGHT)
		return 1; /* stop: full */
	rc = start_attempt(sc->n, d, e);
	if (rc < 0)
		log_err("delivery of event %s to %s: %s", e->id, d->channel,
			paced_strerror(rc));
	else
		sc->started++;
	return 0;
}

static void on_timer(uv_timer_t *t)
{
	struct notify *n = t->data;
	struct scan sc = {n, 0};
	paced_ms now = timefmt_now();
	int rc;

	rc = store_deliveries_due(n->store, now,
				  MAX_IN_FLIGHT + (int)n->n_in_flight, on_due,
				  &sc);
	if (rc < 0)
		log_err("reading the outbox: %s", paced_strerror(rc));
	/* Due rows that could not start (no memory, the database refusing
	 * the outcome) are due again at once: look again in a moment rather
	 * than spin. */
	schedule(n, sc.started == 0 ? RESCAN_MS : 0);
}

/* Arms the timer for the next pending delivery, waiting at least
 * min_wait_ms. */
static void schedule(struct notify *n, int64_t min_wait_ms)
{
	paced_ms now = timefmt_now(), next = store_deliveries_next_at(n->store);
	uint64_t wait;

	if (n->closing)
		return;
	if (next != PACED_NEVER && next < now + min_wait_ms)
		next = now + min_wait_ms;
	if (n->n_in_flight) {
		/* The in-flight rows are among the due ones; rescan after a
		 * moment or when one finishes, whichever is first. */
		if (next < now + RESCAN_MS)
			next = now + RESCAN_MS;
	}
	if (next == PACED_NEVER) {
		uv_timer_stop(&n->timer);
		return;
	}
	wait = next > now ? (uint64_t)(next - now) : 0;
	uv_timer_start(&n->timer, on_timer, wait, 0);
}

int notify_new(struct notify **out, uv_loop_t *loop, struct store *store,
	       struct httpc *client, const struct conf *conf)
{
	struct notify *n = calloc(1, sizeof(*n));

	if (!n)
		return PACED_ENOMEM;
	n->loop = loop;
	n->store = store;
	n->client = client;
	n->conf = conf;
	uv_timer_init(loop, &n->timer);
	n->timer.data = n;
	*out = n;
	return 0;
}

void notify_kick(struct notify *n)
{
	if (!n->closing)
		uv_timer_start(&n->timer, on_timer, 0, 0);
}

void notify_set_conf(struct notify *n, const struct conf *conf)
{
	n->conf = conf;
}

size_t notify_in_flight(const struct notify *n)
{
	return n->n_in_flight;
}

static void on_timer_closed(uv_handle_t *h)
{
	struct notify *n = h->data;

	n->timer_closed = true;
	/* Attempts still under way end when the owner closes httpc; each
	 * stays pending in the outbox and is tried again after a restart. */
	maybe_finish(n);
}

void notify_close(struct notify *n, void (*done)(void *), void *data)
{
	n->closing = true;
	n->done = done;
	n->done_data = data;
	uv_close((uv_handle_t *)&n->timer, on_timer_closed);
}
