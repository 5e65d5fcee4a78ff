/*
 * http.c - the HTTP server object and its requests: creating, limiting and
 * closing the server, building a request's response and the request API
 * of http.h. Listening sockets live in http_listen.c, each accepted
 * connection (parsing, ordering, writing, timeouts) in http_conn.c.
 */
#include "http.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <http_parser.h>

#include "arr.h"
#include "decimal.h"
#include "http_conn.h"
#include "log.h"
#include "metrics.h"
#include "paced.h"

/* ---- small buffers ---- */

int http_buf_reserve(struct http_buf *b, size_t extra)
{
	if (extra > SIZE_MAX / 2 - b->len)
		return PACED_ENOMEM;
	return arr_grow(&b->p, &b->cap, b->len + extra + 1, 1, 64);
}

int http_buf_add(struct http_buf *b, const char *s, size_t n)
{
	if (http_buf_reserve(b, n))
		return PACED_ENOMEM;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* ---- requests ---- */

/* Spare requests kept at most, and the largest buffer one may keep: a
 * request with a large body gives its memory back. */
#define SPARE_MAX 64
#define SPARE_BUF_MAX 16384

static void buf_empty(struct http_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

/* Under AddressSanitizer a spare request is poisoned, struct and
 * buffers: a handler that touches a request after answering it, or a
 * second free, is still reported as it was when requests were freed. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
static void spare_poison(struct http_request *r, bool on)
{
	struct http_buf *bufs[] = {&r->url, &r->hbuf, &r->body, &r->out};

	if (!on)
		ASAN_UNPOISON_MEMORY_REGION(r, sizeof(*r));
	for (size_t i = 0; i < sizeof(bufs) / sizeof(*bufs); i++) {
		if (!bufs[i]->p)
			continue;
		if (on)
			ASAN_POISON_MEMORY_REGION(bufs[i]->p, bufs[i]->cap);
		else
			ASAN_UNPOISON_MEMORY_REGION(bufs[i]->p, bufs[i]->cap);
	}
	if (r->hv) {
		if (on)
			ASAN_POISON_MEMORY_REGION(r->hv, r->caph * sizeof(*r->hv));
		else
			ASAN_UNPOISON_MEMORY_REGION(r->hv,
						    r->caph * sizeof(*r->hv));
	}
	if (on)
		ASAN_POISON_MEMORY_REGION(r, sizeof(*r));
}
#else
static void spare_poison(struct http_request *r, bool on)
{
	(void)r;
	(void)on;
}
#endif

struct http_request *http_req_new(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	struct http_request *r = srv->spare;

	if (r) {
		/* Only its buffers (emptied) and the header index carry over. */
		struct http_request kept;

		spare_poison(r, false);
		kept = *r;
		srv->spare = r->next;
		srv->nspare--;
		*r = (struct http_request){
			.url = kept.url, .hbuf = kept.hbuf, .body = kept.body,
			.out = kept.out, .hv = kept.hv, .caph = kept.caph,
		};
	} else if (!(r = calloc(1, sizeof(*r)))) {
		return NULL;
	}
	r->srv = srv;
	r->conn = c;
	r->method = "";
	r->path = "/";
	r->query = "";
	r->max_header = srv->limits.max_header;
	r->max_body = srv->limits.max_body;
	memcpy(r->peer, c->peer, sizeof(r->peer));
	return r;
}

static void req_release(struct http_request *r)
{
	free(r->url.p);
	free(r->hbuf.p);
	free(r->body.p);
	free(r->out.p);
	free(r->hv);
	free(r);
}

void http_req_free(struct http_request *r)
{
	struct http_server *srv = r->srv;

	/* Whatever ends a streamed response ends its source. */
	if (r->src)
		r->src->release(r->src_ctx);
	r->src = NULL;
	free(r->piece);
	r->piece = NULL;
	free(r->resp_body);
	r->resp_body = NULL;
	if (srv->closing || srv->nspare >= SPARE_MAX ||
	    r->url.cap > SPARE_BUF_MAX || r->hbuf.cap > SPARE_BUF_MAX ||
	    r->body.cap > SPARE_BUF_MAX || r->out.cap > SPARE_BUF_MAX ||
	    r->caph > SPARE_BUF_MAX / sizeof(*r->hv)) {
		req_release(r);
		return;
	}
	buf_empty(&r->url);
	buf_empty(&r->hbuf);
	buf_empty(&r->body);
	buf_empty(&r->out);
	r->next = srv->spare;
	srv->spare = r;
	srv->nspare++;
	spare_poison(r, true);
}

/* ---- responses ---- */

/* The Date header's value, formatted once a second: every response
 * carries one. */
static const char *http_date(void)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
					"Thu", "Fri", "Sat"};
	static const char mons[12][4] = {"Jan", "Feb", "Mar", "Apr",
					 "May", "Jun", "Jul", "Aug",
					 "Sep", "Oct", "Nov", "Dec"};
	static char date[40];
	static time_t date_of = -1;
	time_t t = time(NULL);
	struct tm tm;

	if (t == date_of)
		return date;
	date_of = t;
	/* Own names: strftime's %a and %b follow the locale. */
	if (!gmtime_r(&t, &tm))
		snprintf(date, sizeof(date), "Thu, 01 Jan 1970 00:00:00 GMT");
	else
		snprintf(date, sizeof(date),
			 "%s, %02d %s %04d %02d:%02d:%02d GMT",
			 days[tm.tm_wday % 7], tm.tm_mday, mons[tm.tm_mon % 12],
			 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return date;
}

/* Passed to write_head for the length: a streamed response's. */
#define HEAD_CHUNKED ((size_t)-1)
#define HEAD_NO_LENGTH ((size_t)-2)

static char *put_text(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* The status line and the headers every response carries, appended to
 * out in one reservation: vsnprintf was about 4 % of the instructions
 * an update costs. len is the Content-Length, or HEAD_CHUNKED, or
 * HEAD_NO_LENGTH (HTTP/1.0 streams end with the connection). */
static int write_head(struct http_buf *out, int status, const char *extra,
		      const char *ctype, size_t len)
{
	static const char chunked[] = "Transfer-Encoding: chunked\r\n";
	const char *text = http_status_text(status), *date = http_date();
	size_t nt = strlen(text), nd = strlen(date), nc = strlen(ctype);
	size_t ne = extra ? strlen(extra) : 0;
	char digits[DECIMAL_U64_MAX], *d = digits + sizeof(digits), *p;

	if (len != HEAD_CHUNKED && len != HEAD_NO_LENGTH)
		d = decimal_u64(d, len);
	if (http_buf_reserve(out, 96 + nt + nd + nc + ne))
		return PACED_ENOMEM;
	p = out->p + out->len;
	p = put_text(p, "HTTP/1.1 ", 9);
	*p++ = (char)('0' + status / 100);
	*p++ = (char)('0' + status / 10 % 10);
	*p++ = (char)('0' + status % 10);
	*p++ = ' ';
	p = put_text(p, text, nt);
	p = put_text(p, "\r\nDate: ", 8);
	p = put_text(p, date, nd);
	p = put_text(p, "\r\nContent-Type: ", 16);
	p = put_text(p, ctype, nc);
	p = put_text(p, "\r\n", 2);
	if (len == HEAD_CHUNKED) {
		p = put_text(p, chunked, sizeof(chunked) - 1);
	} else if (len != HEAD_NO_LENGTH) {
		p = put_text(p, "Content-Length: ", 16);
		p = put_text(p, d, (size_t)(digits + sizeof(digits) - d));
		p = put_text(p, "\r\n", 2);
	}
	p = put_text(p, extra ? extra : "", ne);
	*p = '\0';
	out->len = (size_t)(p - out->p);
	return 0;
}

/* http_req_set_response, the body either copied or, when `owned` is
 * not NULL (body == owned), kept as it is; owned is freed when it is not
 * kept, whatever happens. */
static int set_response(struct http_request *r, int status, const char *extra,
			const char *ctype, const char *body, size_t len,
			char *owned)
{
	if (status < 200 || status > 599)
		status = 500;
	metrics_http_response(r->method, status);
	if (!body || status == 204 || status == 304)
		len = 0;
	if (write_head(&r->out, status, extra,
		       ctype ? ctype : "application/octet-stream",
		       r->src ? (r->http10 ? HEAD_NO_LENGTH : HEAD_CHUNKED)
			      : len)) {
		free(owned);
		return PACED_ENOMEM;
	}
	/* A HEAD response announces the length but carries no body. */
	if (len && !r->is_head) {
		r->resp_body = owned ? owned : malloc(len);
		if (!r->resp_body)
			return PACED_ENOMEM;
		if (!owned)
			memcpy(r->resp_body, body, len);
		r->resp_len = len;
	} else {
		free(owned);
	}
	r->responded = 1;
	return 0;
}

/* Builds everything but the Connection header and the blank line, which
 * depend on what is still queued when the response gets its turn. */
int http_req_set_response(struct http_request *r, int status,
			  const char *extra, const char *ctype,
			  const char *body, size_t len)
{
	return set_response(r, status, extra, ctype, body, len, NULL);
}

/* ---- the server ---- */

void http_limits_default(struct http_limits *l)
{
	l->max_body = 1024 * 1024;
	l->max_header = 16 * 1024;
	l->idle_timeout_ms = 60000;
	l->head_timeout_ms = 10000;
	l->body_timeout_ms = 30000;
	l->max_connections = 1024;
	l->max_requests = 1000;
}

int http_server_new(struct http_server **out, uv_loop_t *loop,
		    const struct http_limits *limits, http_handler_fn handler,
		    void *data)
{
	struct http_server *srv;
	struct sigaction sa;

	*out = NULL;
	if (!loop || !handler)
		return PACED_EINVAL;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return PACED_ENOMEM;
	/* libuv writes with write(2): a peer that reset the connection would
	 * kill the process with SIGPIPE instead of failing the write. */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	srv->loop = loop;
	srv->handler = handler;
	srv->data = data;
	if (limits)
		srv->limits = *limits;
	else
		http_limits_default(&srv->limits);
	uv_timer_init(loop, &srv->kick);
	srv->kick.data = srv;
	srv->open = 1;
	*out = srv;
	return 0;
}

void http_server_maybe_done(struct http_server *srv)
{
	void (*done)(void *) = srv->done;
	void *data = srv->done_data;

	if (!srv->closing || srv->open || srv->live)
		return;
	while (srv->spare) {
		struct http_request *r = srv->spare;

		spare_poison(r, false);
		srv->spare = r->next;
		req_release(r);
	}
	free(srv->lst);
	free(srv);
	if (done)
		done(data);
}

void http_server_set_limits(struct http_server *srv,
			    const struct http_limits *limits)
{
	srv->limits = *limits;
}

static void on_kick_closed(uv_handle_t *h)
{
	struct http_server *srv = h->data;

	srv->open--;
	http_server_maybe_done(srv);
}

void http_server_close(struct http_server *srv, void (*done)(void *),
		       void *data)
{
	struct http_conn *c, *next;

	if (!srv || srv->closing)
		return;
	srv->closing = 1;
	srv->done = done;
	srv->done_data = data;
	http_listen_close_all(srv);
	for (c = srv->conns; c; c = next) {
		next = c->next; /* unlinked only in the close callback */
		http_conn_stop(c);
	}
	uv_close((uv_handle_t *)&srv->kick, on_kick_closed);
}

/* ---- the request API ---- */

const char *http_request_method(const struct http_request *req)
{
	return req->method;
}

const char *http_request_path(const struct http_request *req)
{
	return req->path;
}

const char *http_request_query(const struct http_request *req)
{
	return req->query;
}

const char *http_request_header(const struct http_request *req,
				const char *name)
{
	for (size_t i = 0; i < req->nh; i++)
		if (strcasecmp(req->hbuf.p + req->hv[i].name, name) == 0)
			return req->hbuf.p + req->hv[i].value;
	return NULL;
}

const char *http_request_body(const struct http_request *req, size_t *len)
{
	if (len)
		*len = req->body.len;
	return req->body.p ? req->body.p : "";
}

const char *http_request_peer(const struct http_request *req)
{
	return req->peer;
}

static void respond(struct http_request *req, int status,
		    const char *extra_headers, const char *content_type,
		    const char *body, size_t len, char *owned)
{
	struct http_server *srv;
	struct http_conn *c;

	if (!req || !req->dispatched || req->responded) {
		log_warn("http: respond on a request not awaiting an answer");
		free(owned);
		return;
	}
	srv = req->srv;
	c = req->conn;
	srv->live--;
	if (!c) { /* the client left; nobody to tell */
		free(owned);
		http_req_free(req);
		http_server_maybe_done(srv);
		return;
	}
	if (set_response(req, status, extra_headers, content_type, body, len,
			 owned)) {
		log_warn("http: %s: out of memory for a response", c->peer);
		req->responded = 1;
		http_conn_close(c);
		return;
	}
	http_conn_flush(c);
	http_conn_check(c);
}

void http_respond_stream(struct http_request *req, int status,
			 const char *extra_headers, const char *content_type,
			 const struct http_source *src, void *ctx)
{
	if (!req || !req->dispatched || req->responded || req->src) {
		log_warn("http: respond on a request not awaiting an answer");
		src->release(ctx);
		return;
	}
	/* From here http_req_free() releases it, whatever happens. */
	req->src = src;
	req->src_ctx = ctx;
	respond(req, status, extra_headers, content_type, NULL, 0, NULL);
}

void http_respond(struct http_request *req, int status,
		  const char *extra_headers, const char *content_type,
		  const char *body, size_t len)
{
	respond(req, status, extra_headers, content_type, body, len, NULL);
}

void http_respond_take(struct http_request *req, int status,
		       const char *extra_headers, const char *content_type,
		       char *body, size_t len)
{
	respond(req, status, extra_headers, content_type, body, len, body);
}

const char *http_status_text(int status)
{
	const char *s = http_status_str((enum http_status)status);

	if (strcmp(s, "<unknown>") != 0)
		return s;
	switch (status / 100) {
	case 1: return "Informational";
	case 2: return "Success";
	case 3: return "Redirection";
	case 4: return "Client Error";
	default: return "Server Error";
	}
}
