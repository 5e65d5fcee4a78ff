/*
 * httpc.c - libcurl's multi interface driven by libuv, in the manner of
 * curl's docs/examples/multi-uv.c: curl says which sockets it wants watched
 * (CURLMOPT_SOCKETFUNCTION -> one uv_poll_t each) and when it next needs a
 * timeout (CURLMOPT_TIMERFUNCTION -> one uv_timer_t); libuv reports
 * readiness back through curl_multi_socket_action(), after which finished
 * transfers are collected with curl_multi_info_read().
 *
 * HTTP POSTs and SMTP sends are the same kind of transfer: only the
 * options set on the easy handle differ (httpc_post_setup here,
 * httpc_mail_setup in httpc_mail.c); starting, driving, finishing and
 * aborting them is one code path, this file's.
 *
 * Ownership: struct httpc owns the multi handle, the timer, every socket
 * context and every transfer. A transfer owns its easy handle, header or
 * recipient list, outgoing message and response buffer from httpc_post()
 * or httpc_mail() until its callback has returned.
 */
#include "httpc.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "httpc_internal.h"
#include "log.h"
#include "paced.h"

/* How much of a response body is kept: receivers answer webhooks with a
 * few bytes; anything longer is only useful as a hint in the logs. */
#define HTTPC_BODY_MAX (64 * 1024)
#define HTTPC_USER_AGENT "paced/0.1"
#define HTTPC_SHUTDOWN_ERROR "shutting down"

/* One per socket curl asks us to watch. Allocated separately, not keyed by
 * fd, and freed only in the uv_close callback: curl may close a socket and
 * get the same fd back for a new one while the old poll handle is still
 * closing. */
struct httpc_sock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct httpc *c;                  /* borrowed */
	struct httpc_sock *prev, *next;   /* in c->socks until closed */
};

struct httpc {
	uv_loop_t *loop;                  /* borrowed */
	CURLM *multi;                     /* NULL once httpc_close() ran */
	uv_timer_t timer;
	struct httpc_xfer *xfers;
	struct httpc_sock *socks;
	size_t in_flight;
	unsigned pending_closes;          /* uv_close()d, callback not run */
	bool closing;
	void (*close_done)(void *);
	void *close_data;
};

static void httpc_drain(struct httpc *c);

/* curl_global_init() is not reentrant and must run before any other
 * thread uses curl; the daemon creates its httpc from the main thread at
 * startup. curl_global_cleanup() is left to process exit. */
static int httpc_global_init(void)
{
	static bool initialised;

	if (initialised)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return PACED_EIO;
	initialised = true;
	return 0;
}

/* ---- closing handles ---------------------------------------------------- */

/* Runs once per uv_close() callback; frees c after the last one that
 * httpc_close() waits for. */
static void httpc_close_step(struct httpc *c)
{
	void (*done)(void *);
	void *data;

	c->pending_closes--;
	if (!c->closing || c->pending_closes > 0)
		return;
	done = c->close_done;
	data = c->close_data;
	free(c);
	if (done)
		done(data);
}

static void httpc_on_timer_closed(uv_handle_t *h)
{
	httpc_close_step(h->data);
}

static void httpc_on_sock_closed(uv_handle_t *h)
{
	struct httpc_sock *s = h->data;
	struct httpc *c = s->c;

	free(s);
	httpc_close_step(c);
}

/* ---- sockets ------------------------------------------------------------ */

static struct httpc_sock *httpc_sock_new(struct httpc *c, curl_socket_t fd)
{
	struct httpc_sock *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (uv_poll_init_socket(c->loop, &s->poll, fd) != 0) {
		free(s);
		return NULL;
	}
	s->poll.data = s;
	s->fd = fd;
	s->c = c;
	s->next = c->socks;
	if (c->socks)
		c->socks->prev = s;
	c->socks = s;
	return s;
}

static void httpc_sock_close(struct httpc_sock *s)
{
	struct httpc *c = s->c;

	if (s->prev)
		s->prev->next = s->next;
	else
		c->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	c->pending_closes++;
	uv_close((uv_handle_t *)&s->poll, httpc_on_sock_closed);
}

static void httpc_on_poll(uv_poll_t *h, int status, int events)
{
	struct httpc_sock *s = h->data;
	struct httpc *c = s->c;
	int flags = 0, running;

	if (!c->multi)
		return;
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	/* This may close s (CURL_POLL_REMOVE); only c is used after it. */
	curl_multi_socket_action(c->multi, s->fd, flags, &running);
	httpc_drain(c);
}

/* CURLMOPT_SOCKETFUNCTION: curl tells which events it wants on fd. */
static int httpc_on_socket(CURL *easy, curl_socket_t fd, int what,
			   void *userp, void *socketp)
{
	struct httpc *c = userp;
	struct httpc_sock *s = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			httpc_sock_close(s);
			/* Fails harmlessly inside curl_multi_cleanup(). */
			curl_multi_assign(c->multi, fd, NULL);
		}
		return 0;
	}
	if (c->closing)
		return 0;
	if (!s) {
		s = httpc_sock_new(c, fd);
		if (!s)
			return -1;
		curl_multi_assign(c->multi, fd, s);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	if (events == 0)
		return uv_poll_stop(&s->poll) == 0 ? 0 : -1;
	return uv_poll_start(&s->poll, events, httpc_on_poll) == 0 ? 0 : -1;
}

/* ---- the timer ---------------------------------------------------------- */

static void httpc_on_timer(uv_timer_t *t)
{
	struct httpc *c = t->data;
	int running;

	if (!c->multi)
		return;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	httpc_drain(c);
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be called back in timeout_ms
 * (-1: never). Even 0 goes through the loop: calling curl from here would
 * re-enter it from inside its own callback. */
static int httpc_on_timeout_change(CURLM *multi, long timeout_ms, void *userp)
{
	struct httpc *c = userp;

	(void)multi;
	if (c->closing)
		return 0;
	if (timeout_ms < 0)
		return uv_timer_stop(&c->timer) == 0 ? 0 : -1;
	if (uv_timer_start(&c->timer, httpc_on_timer, (uint64_t)timeout_ms,
			   0) != 0)
		return -1;
	return 0;
}

/* ---- transfers ---------------------------------------------------------- */

void httpc_xfer_free(struct httpc_xfer *x)
{
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	free(x->upload);
	free(x->body);
	free(x);
}

/* CURLOPT_WRITEFUNCTION: keep the first HTTPC_BODY_MAX bytes and swallow
 * the rest, so an over-long answer still completes with its real status. */
size_t httpc_on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct httpc_xfer *x = ud;
	size_t n = size * nmemb, take, cap;
	char *p;

	if (x->body_len >= HTTPC_BODY_MAX)
		return n;
	take = n < HTTPC_BODY_MAX - x->body_len ? n
						: HTTPC_BODY_MAX - x->body_len;
	if (x->body_len + take + 1 > x->body_cap) {
		cap = x->body_cap ? x->body_cap : 1024;
		while (cap < x->body_len + take + 1)
			cap *= 2;
		if (cap > HTTPC_BODY_MAX + 1)
			cap = HTTPC_BODY_MAX + 1;
		p = realloc(x->body, cap);
		if (!p)
			return 0; /* CURLE_WRITE_ERROR */
		x->body = p;
		x->body_cap = cap;
	}
	memcpy(x->body + x->body_len, ptr, take);
	x->body_len += take;
	x->body[x->body_len] = '\0';
	return n;
}

/* Retry-After is either delay-seconds or an HTTP-date (RFC 9110 10.2.3).
 * Returns seconds from now, or -1. */
static long httpc_parse_retry_after(const char *p, size_t n)
{
	char v[64];
	char *end;
	long secs;
	time_t when, now;

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n' ||
			 p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(v))
		return -1;
	memcpy(v, p, n);
	v[n] = '\0';
	if (v[0] >= '0' && v[0] <= '9') {
		errno = 0;
		secs = strtol(v, &end, 10);
		if (errno != 0 || *end != '\0')
			return -1;
		return secs;
	}
	/* All three HTTP-date forms open with a day name; checking that keeps
	 * curl_getdate()'s leniency from turning "-5" or junk into a date. */
	if (!((v[0] >= 'A' && v[0] <= 'Z') || (v[0] >= 'a' && v[0] <= 'z')))
		return -1;
	when = curl_getdate(v, NULL);
	if (when == (time_t)-1)
		return -1;
	now = time(NULL);
	if (when <= now)
		return 0;
	if (when - now > LONG_MAX)
		return LONG_MAX;
	return (long)(when - now);
}

/* CURLOPT_HEADERFUNCTION: called once per header line, unterminated. */
static size_t httpc_on_header(char *buf, size_t size, size_t nitems,
			      void *ud)
{
	static const char name[] = "retry-after:";
	const size_t nlen = sizeof(name) - 1;
	struct httpc_xfer *x = ud;
	size_t n = size * nitems;

	/* A status line starts a new response (after a 1xx, say): only the
	 * final response's headers count. */
	if (n >= 5 && memcmp(buf, "HTTP/", 5) == 0)
		x->retry_after_s = -1;
	else if (n > nlen && strncasecmp(buf, name, nlen) == 0)
		x->retry_after_s = httpc_parse_retry_after(buf + nlen,
							   n - nlen);
	return n;
}

static void httpc_xfer_unlink(struct httpc_xfer *x)
{
	struct httpc *c = x->c;

	if (x->prev)
		x->prev->next = x->next;
	else
		c->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
	c->in_flight--;
}

/*
 * Reports x to its caller and frees it. `abort_why` non-NULL means the
 * transfer is cut short by httpc_close(): whatever partial response there
 * was is not reported. The easy handle is gone before the callback runs,
 * so the callback may post again or even call httpc_close().
 */
static void httpc_xfer_finish(struct httpc_xfer *x, CURLcode rc,
			      const char *abort_why)
{
	struct httpc *c = x->c;
	struct httpc_response res;
	long status = 0;

	memset(&res, 0, sizeof(res));
	if (abort_why) {
		res.curl_code = CURLE_ABORTED_BY_CALLBACK;
		res.error = abort_why;
		res.body = "";
		res.retry_after_s = -1;
	} else {
		if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE,
				      &status) != CURLE_OK)
			status = 0;
		res.status = status;
		res.curl_code = (int)rc;
		if (rc != CURLE_OK)
			res.error = x->errbuf[0] ? x->errbuf
						 : curl_easy_strerror(rc);
		res.body = x->body ? x->body : "";
		res.body_len = x->body_len;
		res.retry_after_s = x->retry_after_s;
	}

	httpc_xfer_unlink(x);
	curl_multi_remove_handle(c->multi, x->easy);
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	x->done(&res, x->data);
	httpc_xfer_free(x);
}

/* Collects finished transfers; must follow every curl_multi_socket_action.
 * Stops if a callback closed the client. */
static void httpc_drain(struct httpc *c)
{
	CURLMsg *m;
	CURL *easy;
	CURLcode rc;
	char *priv;
	int left;

	while (c->multi && (m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		/* m is invalid once curl is called again. */
		easy = m->easy_handle;
		rc = m->data.result;
		priv = NULL;
		if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv) !=
			    CURLE_OK ||
		    !priv) {
			log_err("httpc: finished transfer without context");
			continue;
		}
		httpc_xfer_finish((struct httpc_xfer *)(void *)priv, rc, NULL);
	}
}

/* Header lines are passed to the wire verbatim: a CR or LF inside one
 * would let a value smuggle in extra headers or a second request. */
static bool httpc_headers_ok(const char *const *headers)
{
	for (size_t i = 0; headers && headers[i]; i++) {
		if (headers[i][0] == '\0' || strpbrk(headers[i], "\r\n"))
			return false;
	}
	return true;
}

int httpc_xfer_new(struct httpc *c, httpc_done_fn done, void *data,
		   struct httpc_xfer **out)
{
	struct httpc_xfer *x;

	*out = NULL;
	if (c->closing)
		return PACED_ECLOSED;
	x = calloc(1, sizeof(*x));
	if (!x)
		return PACED_ENOMEM;
	x->c = c;
	x->done = done;
	x->data = data;
	x->retry_after_s = -1;
	x->easy = curl_easy_init();
	if (!x->easy) {
		free(x);
		return PACED_ENOMEM;
	}
	*out = x;
	return 0;
}

CURLcode httpc_xfer_setup(struct httpc_xfer *x, const char *url,
			  const char *protocols, long timeout_ms)
{
	CURL *e = x->easy;
	CURLcode rc;

	HTTPC_SET(CURLOPT_PRIVATE, (void *)x);
	HTTPC_SET(CURLOPT_ERRORBUFFER, x->errbuf);
	HTTPC_SET(CURLOPT_URL, url);
	/* Only what the caller sends (no file://, no gopher://), and
	 * redirects are not followed: a receiver must not be able to bounce
	 * a signed event elsewhere. */
	HTTPC_SET(CURLOPT_PROTOCOLS_STR, protocols);
	HTTPC_SET(CURLOPT_FOLLOWLOCATION, 0L);
	/* curl must not use signals (alarm() for DNS timeouts) in a
	 * daemon whose signals belong to the loop. */
	HTTPC_SET(CURLOPT_NOSIGNAL, 1L);
	HTTPC_SET(CURLOPT_TIMEOUT_MS, timeout_ms);
	HTTPC_SET(CURLOPT_WRITEFUNCTION, httpc_on_body);
	HTTPC_SET(CURLOPT_WRITEDATA, (void *)x);
	HTTPC_SET(CURLOPT_HEADERDATA, (void *)x);
	return CURLE_OK;
}

static CURLcode httpc_post_setup(struct httpc_xfer *x, const char *url,
				 const char *body, size_t len,
				 long timeout_ms)
{
	CURL *e = x->easy;
	CURLcode rc;

	rc = httpc_xfer_setup(x, url, "http,https", timeout_ms);
	if (rc != CURLE_OK)
		return rc;
	HTTPC_SET(CURLOPT_USERAGENT, HTTPC_USER_AGENT);
	HTTPC_SET(CURLOPT_HTTPHEADER, x->headers);
	/* Size first: COPYPOSTFIELDS copies that many bytes, so bodies may
	 * hold NULs. */
	HTTPC_SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	HTTPC_SET(CURLOPT_COPYPOSTFIELDS, len ? body : "");
	HTTPC_SET(CURLOPT_HEADERFUNCTION, httpc_on_header);
	return CURLE_OK;
}

int httpc_xfer_start(struct httpc_xfer *x, CURLcode setup_rc)
{
	struct httpc *c = x->c;
	int err = PACED_ENOMEM;

	if (setup_rc != CURLE_OK) {
		err = setup_rc == CURLE_OUT_OF_MEMORY ? PACED_ENOMEM
						      : PACED_EINVAL;
		goto fail;
	}
	if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK)
		goto fail;
	x->next = c->xfers;
	if (c->xfers)
		c->xfers->prev = x;
	c->xfers = x;
	c->in_flight++;
	return 0;

fail:
	httpc_xfer_free(x);
	return err;
}

/* ---- public ------------------------------------------------------------- */

int httpc_new(struct httpc **out, uv_loop_t *loop)
{
	struct httpc *c = NULL;
	int err;

	if (!out || !loop)
		return PACED_EINVAL;
	*out = NULL;
	err = httpc_global_init();
	if (err)
		return err;
	c = calloc(1, sizeof(*c));
	if (!c)
		return PACED_ENOMEM;
	c->loop = loop;
	c->multi = curl_multi_init();
	if (!c->multi) {
		err = PACED_ENOMEM;
		goto fail;
	}
	if (curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION,
			      httpc_on_socket) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, (void *)c) !=
		    CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION,
			      httpc_on_timeout_change) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, (void *)c) !=
		    CURLM_OK) {
		err = PACED_EIO;
		goto fail;
	}
	/* Last, so that the fail path never has a handle to uv_close(). */
	if (uv_timer_init(loop, &c->timer) != 0) {
		err = PACED_EIO;
		goto fail;
	}
	c->timer.data = c;
	*out = c;
	return 0;

fail:
	if (c->multi)
		curl_multi_cleanup(c->multi);
	free(c);
	return err;
}

int httpc_post(struct httpc *c, const char *url, const char *const *headers,
	       const char *body, size_t len, long timeout_ms,
	       httpc_done_fn done, void *data)
{
	struct httpc_xfer *x;
	struct curl_slist *l;
	int err;

	if (!c || !url || !done || (!body && len) || timeout_ms <= 0 ||
	    !httpc_headers_ok(headers))
		return PACED_EINVAL;
	err = httpc_xfer_new(c, done, data, &x);
	if (err)
		return err;
	for (size_t i = 0; headers && headers[i]; i++) {
		l = curl_slist_append(x->headers, headers[i]);
		if (!l)
			goto nomem;
		x->headers = l;
	}
	/* An empty "Expect:" stops curl from sending "Expect: 100-continue"
	 * with larger bodies and then waiting up to a second for a "100
	 * Continue" that many receivers never send. */
	l = curl_slist_append(x->headers, "Expect:");
	if (!l)
		goto nomem;
	x->headers = l;
	return httpc_xfer_start(x, httpc_post_setup(x, url, body, len,
						    timeout_ms));
nomem:
	httpc_xfer_free(x);
	return PACED_ENOMEM;
}

size_t httpc_in_flight(const struct httpc *c)
{
	return c ? c->in_flight : 0;
}

void httpc_close(struct httpc *c, void (*done)(void *), void *data)
{
	/* A second call (from an aborted transfer's callback, say) is a
	 * no-op: the first one already owns the shutdown. */
	if (!c || c->closing)
		return;
	c->closing = true;
	c->close_done = done;
	c->close_data = data;

	while (c->xfers)
		httpc_xfer_finish(c->xfers, CURLE_ABORTED_BY_CALLBACK,
				  HTTPC_SHUTDOWN_ERROR);
	/* Closes cached connections; their sockets may be reported through
	 * CURL_POLL_REMOVE, which closes their poll handles. */
	curl_multi_cleanup(c->multi);
	c->multi = NULL;
	while (c->socks)
		httpc_sock_close(c->socks);
	uv_timer_stop(&c->timer);
	c->pending_closes++;
	uv_close((uv_handle_t *)&c->timer, httpc_on_timer_closed);
}
