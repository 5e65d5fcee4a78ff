/*
 * chan.h - a channel type (SPEC section 6): how what paced has to say
 * becomes one request to a platform, and what the platform's answer means.
 *
 * Each type lives in its own daemon/fmt_<type>.c and exports one
 * `const struct chan_driver chan_<type>`; chan.c lists them. notify.c owns
 * everything around a request (the outbox, retries, rate limits, merging a
 * backlog into one summary); a driver only renders and judges, with no I/O,
 * so each is unit-tested on its own.
 */
#ifndef PACED_CHAN_H
#define PACED_CHAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "httpc.h"
#include "note.h"
#include "paced.h"
#include "store.h"

/* One event being told: the stored event, its project snapshot parsed, and
 * its note in the channel's language. */
struct chan_event {
	const struct store_event *e;
	const json_t *project; /* the project object of SPEC section 1 */
	const struct note *note;
};

/*
 * What to send. kind says which:
 *  CHAN_ONE     one event: events[0], note == events[0].note;
 *  CHAN_SUMMARY a backlog merged into one message (rate limit): n_events
 *               >= 2 events in the order they happened, note the summary;
 *  CHAN_DIGEST  the scheduled overview of all projects: no events, note
 *               the digest, digest the counts (see note.h).
 */
enum chan_kind { CHAN_ONE, CHAN_SUMMARY, CHAN_DIGEST };

struct chan_msg {
	enum chan_kind kind;
	const struct conf_channel *ch;
	const char *language;   /* "zh-CN" | "en", already resolved */
	const char *public_url; /* NULL when not configured */
	const struct chan_event *events;
	size_t n_events;
	const struct note *note;
	const struct note_digest *digest; /* CHAN_DIGEST only */
	paced_ms now; /* for signatures and timestamps */
	/* A stable id for this message (the event id for CHAN_ONE), for
	 * headers such as webhook-id. */
	const char *id;
};

#define CHAN_MAX_HEADERS 8

/* A request as a driver builds it; every string is malloc'd and freed by
 * chan_request_clear(). For email, url is smtp(s)://, body the whole RFC
 * 5322 message, and mail_from/rcpt the envelope. */
struct chan_request {
	char *url;
	char *headers[CHAN_MAX_HEADERS]; /* "Name: value" */
	size_t n_headers;
	char *body;
	size_t len;
	/* email only */
	char *mail_from;
	char **rcpt;
	size_t n_rcpt;
};

void chan_request_clear(struct chan_request *r);

/* Adds a "Name: value" header (printf-style). 0 or PACED_ENOMEM /
 * PACED_EINVAL when CHAN_MAX_HEADERS are already there. */
__attribute__((format(printf, 2, 3))) int
chan_request_header(struct chan_request *r, const char *fmt, ...);

/*
 * Makes r a POST of body, serialised as paced serialises JSON, to url
 * (copied) with "Content-Type: <content_type>". Takes ownership of body;
 * NULL (building it ran out of memory) gives PACED_ENOMEM. 0 or
 * PACED_ENOMEM.
 */
int chan_request_json(struct chan_request *r, const char *url, json_t *body,
		      const char *content_type);

/* What an answer means for the delivery. */
enum chan_verdict {
	CHAN_SENT,  /* the platform took it */
	CHAN_RETRY, /* try again later (backoff, Retry-After) */
	CHAN_DEAD,  /* never going to work as configured: give up now */
};

struct chan_judgement {
	enum chan_verdict verdict;
	/* Seconds the whole channel must wait before its next request (the
	 * platform said it is rate-limited), or -1. Also the earliest retry
	 * of this delivery. */
	long pause_s;
	/* Why it was not CHAN_SENT, for last_error and the log: "HTTP 503",
	 * "dingtalk errcode 310000: keywords not in content". */
	char why[256];
};

struct chan_driver {
	const char *type; /* the `type =` of [channel.NAME] */
	/* Default rate limit: at most rate_n requests in any rate_period_ms
	 * (0: none); `rate = N/PERIOD` in the channel overrides it. */
	int rate_n;
	int64_t rate_period_ms;
	/* Whether the type can carry a digest (alertmanager cannot). */
	bool digest;
	/*
	 * Builds the request for m into out (zeroed by the caller). 0;
	 * PACED_E2BIG when the message is over the platform's size limit
	 * even after the driver shortened what it may shorten (the caller
	 * then merges fewer events); PACED_EINVAL with err set when the
	 * channel's configuration cannot work (bad secret); PACED_ENOMEM.
	 */
	int (*render)(const struct chan_msg *m, struct chan_request *out,
		      char *err, size_t errlen);
	/* Reads the platform's answer into j. */
	void (*judge)(const struct httpc_response *res,
		      struct chan_judgement *j);
};

/* The driver of a type name, or NULL. */
const struct chan_driver *chan_driver_find(const char *type);

/*
 * The judgement every HTTP platform starts from (SPEC section 3): a
 * transport error, 408, 429 and 5xx retry (Retry-After becomes pause_s
 * for 429), other non-2xx are dead, 2xx is sent. Drivers whose platform
 * answers errors inside a 200 call it and then read the body.
 */
void chan_judge_http(const struct httpc_response *res,
		     struct chan_judgement *j);

/* A code a platform answers inside a 200 (DingTalk's errcode, ...) and
 * what it means for the delivery. */
struct chan_code {
	long long code;
	enum chan_verdict verdict;
	long pause_s;        /* for the whole channel; -1: none */
	const char *explain; /* added to why after the code, or NULL */
};

/* How a platform that answers HTTP 200 even when it refuses a message
 * says so: a code of its own in the JSON body, 0 meaning taken. */
struct chan_answer {
	const char *what;      /* names the code in why: "dingtalk errcode" */
	const char *code, *msg; /* the keys of the code and its message */
	/* Keys an older deployment uses instead, or NULL: read when the
	 * first code is missing. */
	const char *old_code, *old_msg;
	const struct chan_code *codes; /* the codes that are not simply dead */
	size_t n_codes;
};

/*
 * The judgement of such a platform's answer: chan_judge_http(), then the
 * code from the body -
 *  - a status that was not 2xx keeps its verdict; why adds the code;
 *  - a 2xx without a code is no proof the message arrived (a proxy, a
 *    captive portal answered): CHAN_RETRY;
 *  - a non-zero code is judged as a->codes lists it, else CHAN_DEAD;
 *    why says the code, its explanation, then the platform's message.
 */
void chan_judge_code(const struct httpc_response *res,
		     struct chan_judgement *j, const struct chan_answer *a);

/* The response body as JSON when it is a JSON object, else NULL. New
 * reference. */
json_t *chan_response_json(const struct httpc_response *res);

/* Where a timestamp signature puts "<timestamp>\n<secret>": DingTalk
 * signs it as the message with the secret as key; Feishu uses it as the
 * key of an empty message. */
enum chan_sign_as { CHAN_SIGN_MSG, CHAN_SIGN_KEY };

/*
 * base64(HMAC-SHA256) over "<timestamp>\n<secret>" placed as `as` says,
 * into out (at least 45 bytes), as DingTalk and Feishu check it. 0;
 * PACED_EINVAL for a NULL or empty secret; PACED_ERANGE when out is too
 * small; PACED_ENOMEM; PACED_EIO when OpenSSL fails. out is "" on
 * failure.
 */
int chan_sign_timestamp(const char *secret, int64_t timestamp,
			enum chan_sign_as as, char *out, size_t n);

#endif
