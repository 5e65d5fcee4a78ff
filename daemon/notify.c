/*
 * notify.c - the outbox worker: due deliveries -> channel driver -> HTTP
 * or SMTP -> outcome. Per channel it keeps the rate limit (a backlog
 * larger than what the limit lets through now goes out as one summary)
 * and the pause a platform asked for.
 */
#include "notify.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "log.h"
#include "metrics.h"
#include "notify_batch.h"
#include "notify_outcome.h"
#include "ratelimit.h"
#include "timefmt.h"

#define BACKOFF_FIRST_MS 5000
#define BACKOFF_MAX_MS (15 * 60 * 1000)
/* Attempts under way at once, over all channels. */
#define MAX_IN_FLIGHT 32
/* Due rows read per scan: enough to see a channel's whole backlog when
 * it has to be summarised. */
#define SCAN_ROWS 512
/* Events one summary may carry; more make a second summary. */
#define SUMMARY_MAX 100
/* While attempts are under way, look again at least this often, so a
 * retry that falls due meanwhile is not held up by a slow receiver. */
#define RESCAN_MS 1000
/* A digest that cannot be sent is tried again this often, this many
 * times (it lives in memory only: see notify_digest). */
#define DIGEST_RETRY_MS 60000
#define DIGEST_TRIES 5

/* What paced knows about a channel between attempts. */
struct chan_state {
	char *name;
	struct ratelimit rl;
	paced_ms paused_until; /* the platform asked for quiet until then */
	struct chan_state *next;
};

struct attempt {
	struct notify *n;
	char *channel;
	const struct chan_driver *drv;
	struct batch_row *rows; /* the deliveries this request carries */
	size_t n_rows;
	int64_t max_age_ms;
	uint64_t started_ns; /* uv_hrtime() when the request was handed on */
	/* A digest: no outbox rows; tries so far and its message. */
	struct digest_job *digest;
	struct attempt *next; /* in n->in_flight */
};

/* A digest waiting for its channel, in memory. */
struct digest_job {
	char *channel;
	struct note note;
	struct note_digest *d; /* deep copy */
	int tries;
	paced_ms next_at;
	struct digest_job *next;
};

struct notify {
	uv_loop_t *loop;
	struct store *store;
	struct httpc *client;
	const struct conf *conf;
	uv_timer_t timer;
	struct attempt *in_flight;
	size_t n_in_flight;
	struct chan_state *chans;
	struct digest_job *digests;
	/* Outcomes the store has not taken yet; their deliveries are held. */
	struct notify_outcomes outcomes;
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

/* The channel's limit: its own `rate`, else its type's default. */
static void effective_rate(const struct conf_channel *ch,
			   const struct chan_driver *drv, int *n,
			   int64_t *period)
{
	*n = ch->rate_n ? ch->rate_n : drv->rate_n;
	*period = ch->rate_n ? ch->rate_period_ms : drv->rate_period_ms;
}

/* The state of a channel, made on first use and kept across reloads (so
 * a reload does not reset what was just sent). NULL on ENOMEM. */
static struct chan_state *chan_state(struct notify *n,
				     const struct conf_channel *ch,
				     const struct chan_driver *drv)
{
	struct chan_state *s;
	int64_t period;
	int rate;

	for (s = n->chans; s; s = s->next)
		if (strcmp(s->name, ch->name) == 0)
			break;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s || !(s->name = strdup(ch->name))) {
			free(s);
			return NULL;
		}
		s->next = n->chans;
		n->chans = s;
	}
	effective_rate(ch, drv, &rate, &period);
	if (ratelimit_set(&s->rl, rate, period) < 0)
		return NULL;
	return s;
}

/* Whether an attempt for this project is under way on this channel: a
 * later event of the project then waits, so the channel sees them in
 * order. */
static bool is_in_flight(const struct notify *n, const char *project_id,
			 const char *channel)
{
	for (const struct attempt *a = n->in_flight; a; a = a->next) {
		if (strcmp(a->channel, channel) != 0)
			continue;
		for (size_t i = 0; i < a->n_rows; i++)
			if (strcmp(a->rows[i].project_id, project_id) == 0)
				return true;
	}
	return false;
}

static void digest_job_free(struct digest_job *j)
{
	if (!j)
		return;
	free(j->channel);
	note_clear(&j->note);
	notify_batch_digest_free(j->d);
	free(j);
}

static void attempt_free(struct attempt *a)
{
	free(a->channel);
	notify_batch_rows_free(a->rows, a->n_rows);
	digest_job_free(a->digest);
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

/* Queues an outcome; notify_outcomes_write() stores it. */
static void record(struct notify *n, const char *channel,
		   const struct batch_row *r, const char *state,
		   paced_ms next_at, const char *error)
{
	int rc = notify_outcomes_add(&n->outcomes, n->store, r->event_seq,
				     channel, state, r->attempts + 1, next_at,
				     error, timefmt_now());

	metrics_delivery(channel, state);
	if (rc < 0) {
		/* Neither kept nor stored (no memory, and the store refused
		 * it too): the row is still due, so the next scan waits for
		 * the store's backoff rather than sending it at once. */
		notify_outcomes_answered(&n->outcomes, rc);
		log_err("delivery of event %s to %s: cannot record %s: %s",
			r->event_id, channel, state, paced_strerror(rc));
	}
}

static void schedule(struct notify *n, int64_t min_wait_ms);

/* Frees n once it is closing, its timer is closed and no attempt can call
 * back into it any more. */
static void maybe_finish(struct notify *n)
{
	if (!n->closing || !n->timer_closed || n->n_in_flight)
		return;
	while (n->chans) {
		struct chan_state *s = n->chans;

		n->chans = s->next;
		ratelimit_free(&s->rl);
		free(s->name);
		free(s);
	}
	while (n->digests) {
		struct digest_job *j = n->digests;

		n->digests = j->next;
		digest_job_free(j);
	}
	/* The last answers may have come after notify_close's try. */
	if (n->outcomes.n)
		notify_outcomes_write(&n->outcomes, n->store);
	if (n->outcomes.n)
		log_err("%zu delivery outcomes were never stored: those "
			"deliveries go out again after the restart",
			n->outcomes.n);
	notify_outcomes_clear(&n->outcomes);
	if (n->done)
		n->done(n->done_data);
	free(n);
}

/* The outcome for one outbox row of an attempt that did not succeed. */
static void row_failed(struct notify *n, const struct attempt *a,
		       const struct batch_row *r,
		       const struct chan_judgement *j, paced_ms now)
{
	int64_t delay = with_jitter(notify_backoff_ms(r->attempts + 1));
	bool retry = j->verdict == CHAN_RETRY;

	/* Bounded before multiplying: a hostile Retry-After must not
	 * overflow into an instant in the past. */
	if (j->pause_s > a->max_age_ms / 1000)
		delay = a->max_age_ms + 1;
	else if (j->pause_s * 1000 > delay)
		delay = j->pause_s * 1000;
	if (retry && now + delay <= r->event_at + a->max_age_ms) {
		record(n, a->channel, r, "pending", now + delay, j->why);
		log_warn("delivery of event %s to %s failed (%s); retry %d in "
			 "%lld ms",
			 r->event_id, a->channel, j->why, r->attempts + 2,
			 (long long)delay);
	} else {
		record(n, a->channel, r, "dead", now, j->why);
		log_err("delivery of event %s to %s is dead (%s)%s",
			r->event_id, a->channel, j->why,
			retry ? ": max_age reached" : "");
	}
}

static void digest_outcome(struct notify *n, struct attempt *a,
			   const struct chan_judgement *j, paced_ms now)
{
	struct digest_job *job = a->digest;

	if (j->verdict == CHAN_SENT) {
		log_info("delivered the digest to %s", a->channel);
		return;
	}
	if (j->verdict == CHAN_RETRY && ++job->tries < DIGEST_TRIES) {
		log_warn("digest to %s failed (%s); retry in %d s", a->channel,
			 j->why, DIGEST_RETRY_MS / 1000);
		job->next_at = now + DIGEST_RETRY_MS;
		job->next = n->digests;
		n->digests = job;
		a->digest = NULL;
		return;
	}
	log_err("digest to %s is dropped (%s)", a->channel, j->why);
}

/* What the platform's answer means for the deliveries the request
 * carried. */
static void on_response(const struct httpc_response *res, void *data)
{
	struct attempt *a = data;
	struct notify *n = a->n;
	paced_ms now = timefmt_now();
	struct chan_judgement j;
	const struct conf_channel *ch;
	/* The store refuses outcomes already: the worker's next try writes
	 * this one with them, not one transaction per answer. */
	bool refusing = n->outcomes.n > 0;

	unlink_attempt(n, a);
	if (res->curl_code != 0 && n->closing) {
		/* Shutting down: the rows stay pending and are tried again
		 * after the next start. */
		goto out;
	}
	metrics_delivery_latency(a->channel,
				 (double)(uv_hrtime() - a->started_ns) / 1e9);
	a->drv->judge(res, &j);
	if (j.verdict != CHAN_SENT && !j.why[0])
		snprintf(j.why, sizeof(j.why), "rejected");
	ch = conf_channel_find(n->conf, a->channel);
	if (j.pause_s > 0 && ch) {
		struct chan_state *s = chan_state(n, ch, a->drv);

		/* Bounded before multiplying (a hostile Retry-After must not
		 * overflow), and by max_age: a longer pause outlives every
		 * delivery it holds back. */
		int64_t pause_ms = j.pause_s > ch->max_age_ms / 1000
					   ? ch->max_age_ms
					   : (int64_t)j.pause_s * 1000;

		if (s)
			s->paused_until = now + pause_ms;
		log_warn("channel %s: the platform asks for a pause of %ld s",
			 a->channel, j.pause_s);
	}
	if (a->digest) {
		digest_outcome(n, a, &j, now);
		goto out;
	}
	for (size_t i = 0; i < a->n_rows; i++) {
		const struct batch_row *r = &a->rows[i];

		if (j.verdict == CHAN_SENT) {
			record(n, a->channel, r, "sent", now, NULL);
			log_info("delivered event %s to %s (%s%ld, attempt %d%s)",
				 r->event_id, a->channel,
				 res->status >= 200 && res->status < 600
					 ? "status "
					 : "",
				 res->status, r->attempts + 1,
				 a->n_rows > 1 ? ", in a summary" : "");
		} else {
			row_failed(n, a, r, &j, now);
		}
	}
	/* One transaction: a summary's rows change together. */
	if (!refusing)
		notify_outcomes_write(&n->outcomes, n->store);
out:
	attempt_free(a);
	if (!n->closing)
		schedule(n, 0);
	else
		maybe_finish(n);
}

/* Hands a rendered request to httpc (HTTP or SMTP). */
static int send_request(struct notify *n, struct attempt *a,
			const struct conf_channel *ch,
			const struct chan_request *req)
{
	const char *headers[CHAN_MAX_HEADERS + 1];

	a->started_ns = uv_hrtime();
	if (req->mail_from) {
		struct httpc_mail mail = {
			.from = req->mail_from,
			.rcpt = (const char *const *)req->rcpt,
			.n_rcpt = req->n_rcpt,
			.username = ch->username,
			.password = ch->password,
		};

		return httpc_mail(n->client, req->url, &mail, req->body,
				  req->len, ch->timeout_ms, on_response, a);
	}
	for (size_t i = 0; i < req->n_headers; i++)
		headers[i] = req->headers[i];
	headers[req->n_headers] = NULL;
	return httpc_post(n->client, req->url, headers, req->body, req->len,
			  ch->timeout_ms, on_response, a);
}

/*
 * Renders and sends rows[0..*count) as one request (one event, or a
 * summary when *count > 1), shrinking *count while the platform's size
 * limit refuses the summary. On success the attempt owns those rows.
 * 0, or PACED_E* with err set for rows that cannot be rendered at all.
 */
static int start_rows(struct notify *n, const struct conf_channel *ch,
		      const struct chan_driver *drv, struct batch_row *rows,
		      size_t *count, char *err, size_t errlen)
{
	const char *lang = ch->language ? ch->language : n->conf->language;
	struct chan_request req;
	struct attempt *a;
	int rc;

	for (;;) {
		memset(&req, 0, sizeof(req));
		err[0] = '\0';
		rc = notify_batch_render(drv, ch, lang, n->conf->public_url,
					 rows, *count, timefmt_now(), &req,
					 err, errlen);
		if (rc != PACED_E2BIG || *count == 1)
			break;
		chan_request_clear(&req);
		*count = (*count + 1) / 2;
	}
	if (rc < 0) {
		chan_request_clear(&req);
		if (!err[0])
			snprintf(err, errlen, "cannot render: %s",
				 paced_strerror(rc));
		return rc;
	}
	a = calloc(1, sizeof(*a));
	if (!a || !(a->channel = strdup(ch->name))) {
		free(a);
		chan_request_clear(&req);
		snprintf(err, errlen, "out of memory");
		return PACED_ENOMEM;
	}
	a->n = n;
	a->drv = drv;
	a->max_age_ms = ch->max_age_ms;
	rc = send_request(n, a, ch, &req);
	chan_request_clear(&req);
	if (rc < 0) {
		free(a->channel);
		free(a);
		snprintf(err, errlen, "cannot start the request: %s",
			 paced_strerror(rc));
		return rc;
	}
	/* The attempt takes the rows it carries. */
	a->rows = notify_batch_rows_take(rows, *count);
	a->n_rows = *count;
	a->next = n->in_flight;
	n->in_flight = a;
	n->n_in_flight++;
	return 0;
}

/* Puts off rows the channel cannot take before `until`, in a
 * transaction of their own. Refused, they stay due: the worker looks
 * again after its wait for the store (nothing was sent). */
static void defer_rows(struct notify *n, const char *channel,
		       const struct batch_row *rows, size_t count,
		       paced_ms until)
{
	int rc = store_begin(n->store);

	for (size_t i = 0; i < count && rc == 0; i++)
		rc = store_delivery_defer(n->store, rows[i].event_seq, channel,
					  until);
	rc = store_finish(n->store, rc);
	notify_outcomes_answered(&n->outcomes, rc);
	if (rc < 0)
		log_err("deliveries to %s: cannot put %zu off: %s", channel,
			count, paced_strerror(rc));
}

/* Rows that can never go anywhere. */
static void kill_rows(struct notify *n, const char *channel,
		      const struct batch_row *rows, size_t count,
		      const char *why)
{
	for (size_t i = 0; i < count; i++) {
		record(n, channel, &rows[i], "dead", timefmt_now(), why);
		log_err("delivery of event %s to %s is dead (%s)",
			rows[i].event_id, channel, why);
	}
}

/*
 * One channel's due rows (in the order they happened): each on its own
 * while the rate limit allows them all, else one summary of them (up to
 * SUMMARY_MAX) if one request is allowed, else all wait for the window.
 * Returns the number of requests started.
 */
static int start_channel(struct notify *n, const char *channel,
			 struct batch_row *rows, size_t count)
{
	const struct conf_channel *ch = conf_channel_find(n->conf, channel);
	const struct chan_driver *drv = ch ? chan_driver_find(ch->type) : NULL;
	struct chan_state *s;
	paced_ms now = timefmt_now();
	size_t done = 0;
	int avail, started = 0;
	char err[256];

	if (!ch || !drv) {
		kill_rows(n, channel, rows, count,
			  ch ? "channel type not supported"
			     : "channel is no longer configured");
		return 0;
	}
	s = chan_state(n, ch, drv);
	if (!s)
		return 0; /* out of memory: due again at the next scan */
	if (s->paused_until > now) {
		defer_rows(n, channel, rows, count, s->paused_until);
		return 0;
	}
	avail = ratelimit_available(&s->rl, now);
	if (avail <= 0) {
		defer_rows(n, channel, rows, count,
			   ratelimit_next_at(&s->rl, now));
		return 0;
	}
	while (done < count && avail > 0 && n->n_in_flight < MAX_IN_FLIGHT) {
		size_t left = count - done, take = 1;

		if (left > (size_t)avail)
			take = left < SUMMARY_MAX ? left : SUMMARY_MAX;
		if (start_rows(n, ch, drv, rows + done, &take, err,
			       sizeof(err)) < 0) {
			/* Left pending, the row would be due again at once
			 * and the worker would spin on it. */
			kill_rows(n, channel, rows + done, 1, err);
			done++;
			continue;
		}
		ratelimit_take(&s->rl, now);
		avail--;
		started++;
		done += take;
	}
	return started;
}

/* Digests whose time has come, while their channel has room. */
static int start_digests(struct notify *n, paced_ms now)
{
	struct digest_job **pp = &n->digests;
	int started = 0;

	while (*pp) {
		struct digest_job *j = *pp;
		const struct conf_channel *ch = conf_channel_find(n->conf,
								  j->channel);
		const struct chan_driver *drv =
			ch ? chan_driver_find(ch->type) : NULL;
		struct chan_state *s = drv ? chan_state(n, ch, drv) : NULL;
		struct chan_request req = {0};
		struct attempt *a;
		char err[256] = "";
		int rc;

		if (!s || !drv->digest) {
			*pp = j->next;
			log_err("digest to %s is dropped: channel gone",
				j->channel);
			digest_job_free(j);
			continue;
		}
		if (j->next_at > now || s->paused_until > now ||
		    ratelimit_available(&s->rl, now) <= 0 ||
		    n->n_in_flight >= MAX_IN_FLIGHT) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		a = calloc(1, sizeof(*a));
		if (!a || !(a->channel = strdup(ch->name))) {
			free(a);
			digest_job_free(j);
			continue;
		}
		a->n = n;
		a->drv = drv;
		a->digest = j;
		rc = notify_batch_render_digest(
			drv, ch, ch->language ? ch->language : n->conf->language,
			n->conf->public_url, &j->note, j->d, now, &req, err,
			sizeof(err));
		if (rc == 0)
			rc = send_request(n, a, ch, &req);
		chan_request_clear(&req);
		if (rc < 0) {
			log_err("digest to %s: %s", ch->name,
				err[0] ? err : paced_strerror(rc));
			attempt_free(a);
			continue;
		}
		ratelimit_take(&s->rl, now);
		a->next = n->in_flight;
		n->in_flight = a;
		n->n_in_flight++;
		started++;
	}
	return started;
}

static void on_timer(uv_timer_t *t)
{
	struct notify *n = t->data;
	struct batch_rows due;
	paced_ms now = timefmt_now();
	int started = 0, rc;

	started += start_digests(n, now);
	notify_batch_rows_init(&due);
	/* An event still in an open group, or committed but not yet synced
	 * (`sync = thread`), could vanish in a crash after its alert went
	 * out: make it durable first (a no-op with the sync on the loop). */
	rc = store_make_durable(n->store);
	if (rc == 0)
		rc = notify_batch_read_due(n->store, now, SCAN_ROWS, &due);
	if (rc < 0)
		log_err("reading the outbox: %s", paced_strerror(rc));
	/* Each channel's rows, in the order the events happened, without
	 * those waiting behind an attempt under way for their project. */
	for (size_t i = 0; i < due.n; i++) {
		struct batch_row *group;
		size_t n_group = 0;
		char *channel;

		if (!due.rows[i].channel)
			continue; /* taken by an earlier group */
		/* A copy: the name belongs to a row, which the loop below may
		 * free while still comparing with it. */
		channel = strdup(due.rows[i].channel);
		group = channel ? notify_batch_group(&due, i, &n_group) : NULL;
		if (!group) {
			free(channel);
			break;
		}
		for (size_t k = 0; k < n_group;) {
			if (is_in_flight(n, group[k].project_id,
					 group[k].channel) ||
			    notify_outcomes_has(&n->outcomes,
						group[k].event_seq, channel)) {
				notify_batch_row_clear(&group[k]);
				group[k] = group[--n_group];
				continue;
			}
			k++;
		}
		notify_batch_sort(group, n_group);
		if (n_group)
			started += start_channel(n, channel, group, n_group);
		notify_batch_rows_free(group, n_group);
		free(channel);
	}
	notify_batch_rows_clear(&due);
	/* Rows killed above, and those the store refused before. */
	notify_outcomes_write(&n->outcomes, n->store);
	/* Due rows that could not start (no memory, their outcome held
	 * above) are due again at once: look again in a moment rather
	 * than spin. */
	schedule(n, started == 0 ? RESCAN_MS : 0);
}

/* Arms the timer for the next pending delivery or digest, waiting at
 * least min_wait_ms. */
static void schedule(struct notify *n, int64_t min_wait_ms)
{
	paced_ms now = timefmt_now(), next = store_deliveries_next_at(n->store);
	uint64_t wait;

	if (n->closing)
		return;
	/* The store refuses writes: what is held waits for the next try,
	 * and what is due would only meet the refusal again. */
	if (n->outcomes.wait_ms > min_wait_ms)
		min_wait_ms = n->outcomes.wait_ms;
	if (n->outcomes.n && next > now)
		next = now;
	for (const struct digest_job *j = n->digests; j; j = j->next) {
		paced_ms at = j->next_at;

		for (const struct chan_state *s = n->chans; s; s = s->next)
			if (strcmp(s->name, j->channel) == 0 &&
			    s->paused_until > at)
				at = s->paused_until;
		if (at < next)
			next = at;
	}
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
	notify_outcomes_init(&n->outcomes);
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

int notify_digest(struct notify *n, const struct note_digest *d)
{
	const struct conf_digest *cd = &n->conf->digest;
	paced_ms now = timefmt_now();

	for (size_t i = 0; i < cd->n_channels; i++) {
		const struct conf_channel *ch =
			conf_channel_find(n->conf, cd->channels[i]);
		struct digest_job *j;

		if (!ch)
			continue;
		j = calloc(1, sizeof(*j));
		if (!j || !(j->channel = strdup(ch->name)) ||
		    !(j->d = notify_batch_digest_copy(d)) ||
		    note_digest(&j->note, d,
				ch->language ? ch->language : n->conf->language,
				n->conf->public_url) < 0) {
			digest_job_free(j);
			return PACED_ENOMEM;
		}
		j->next_at = now;
		j->next = n->digests;
		n->digests = j;
	}
	notify_kick(n);
	return 0;
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
	/* A last try: the disk may have room by now. */
	notify_outcomes_write(&n->outcomes, n->store);
	n->closing = true;
	n->done = done;
	n->done_data = data;
	uv_close((uv_handle_t *)&n->timer, on_timer_closed);
}
