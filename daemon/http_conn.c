/*
 * http_conn.c - one accepted HTTP connection: http_parser callbacks turn
 * bytes into requests within the limits, complete requests wait in a FIFO
 * so responses leave in request order whatever order the handler answers
 * in, and one timer covers head, body, idle and linger. The parser's
 * callbacks, which make the requests, are in http_parse.c. A request whose
 * connection died stays alive (orphaned) until answered.
 */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <http_parser.h>

#include "http_conn.h"
#include "log.h"
#include "paced.h"

#define HTTP_LINGER_MS 2000

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b);
static void on_timer(uv_timer_t *t);

/* ---- connections ---- */

void http_conn_fifo_push(struct http_conn *c, struct http_request *r)
{
	r->next = NULL;
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	c->nfifo++;
}

/* Sets what the connection waits for and by when (ms 0: no limit). Every
 * request moves the deadline three or four times, nearly always later,
 * so the uv timer is only restarted when the deadline comes earlier than
 * the armed one: else on_timer, when the armed one fires, starts it
 * again for what is left, or finds nothing due. */
void http_conn_timer_set(struct http_conn *c, enum http_tmode m, uint64_t ms)
{
	uint64_t due;

	c->tm = m;
	if (m == TM_NONE || ms == 0) {
		c->deadline = 0;
		return;
	}
	due = uv_now(c->srv->loop);
	due = ms > UINT64_MAX - due ? UINT64_MAX : due + ms;
	c->deadline = due;
	if (uv_is_active((uv_handle_t *)&c->timer) &&
	    uv_now(c->srv->loop) + uv_timer_get_due_in(&c->timer) <= due)
		return;
	uv_timer_start(&c->timer, on_timer, ms, 0);
}

/* No more requests on this connection: answer what is queued, then close. */
void http_conn_drain(struct http_conn *c)
{
	c->draining = 1;
	c->want_continue = 0;
	if (c->cur) {
		http_req_free(c->cur);
		c->cur = NULL;
	}
	if (!c->shut)
		uv_read_stop(&c->u.s);
}

/* Answers the request being read (or a new one) with a JSON error in
 * paced's shape, after the responses queued before it, and closes. */
void http_conn_fail(struct http_conn *c, int status, const char *code,
		      const char *fmt, ...)
{
	struct http_request *r = c->cur;
	char msg[160], body[320];
	va_list ap;
	int n;

	if (c->closing || c->draining)
		return;
	c->cur = NULL;
	if (!r)
		r = http_req_new(c);
	if (!r) {
		http_conn_close(c);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(body, sizeof(body),
		     "{\"error\":{\"code\":\"%s\",\"message\":\"%s\","
		     "\"field\":null}}",
		     code, msg);
	log_debug("http: %s: %d %s", c->peer, status, msg);
	http_conn_fifo_push(c, r);
	http_conn_drain(c);
	if (n < 0 || (size_t)n >= sizeof(body) ||
	    http_req_set_response(r, status, NULL, "application/json",
				  body, (size_t)n)) {
		r->responded = 1;
		http_conn_close(c);
		return;
	}
	http_conn_flush(c);
	http_conn_check(c);
}

static void on_continue_written(uv_write_t *w, int status)
{
	struct http_conn *c = w->handle->data;

	free(w);
	c->writing--;
	if (c->closing)
		return;
	if (status < 0) {
		http_conn_close(c);
		return;
	}
	http_conn_check(c);
}

static void conn_continue(struct http_conn *c)
{
	static char msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
	uv_buf_t b = uv_buf_init(msg, sizeof(msg) - 1);
	uv_write_t *w = malloc(sizeof(*w));

	if (!w || uv_write(w, &c->u.s, &b, 1, on_continue_written)) {
		free(w);
		http_conn_close(c);
		return;
	}
	c->writing++;
}

/* Bytes of answers made and not yet in the socket: those in uv_write's
 * queue and those waiting in the FIFO behind an answer still to come. */
size_t http_conn_unsent(struct http_conn *c)
{
	size_t n = uv_stream_get_write_queue_size(&c->u.s);

	for (const struct http_request *r = c->head; r; r = r->next)
		if (r->responded)
			n += r->out.len + r->resp_len;
	return n;
}

void http_conn_after_write(struct http_conn *c)
{
	if (c->tm == TM_IDLE) /* the peer is reading: restart the clock */
		c->tm = TM_NONE;
	if (c->paused && !c->draining &&
	    c->nfifo + c->writing <= HTTP_RESUME_QUEUED &&
	    http_conn_unsent(c) <= HTTP_RESUME_UNSENT) {
		size_t n = c->saved;

		c->paused = 0;
		c->saved = 0;
		http_parser_pause(&c->parser, 0);
		if (n)
			http_conn_parse(c, c->rbuf, n);
		if (c->closing)
			return;
		if (!c->draining && !c->paused &&
		    uv_read_start(&c->u.s, on_alloc, on_read)) {
			http_conn_close(c);
			return;
		}
	}
	http_conn_check(c);
}

static void on_written(uv_write_t *w, int status)
{
	struct http_request *r = CONTAINER_OF(w, struct http_request, wr);
	struct http_conn *c = r->conn;

	http_req_free(r);
	c->writing--;
	if (c->closing)
		return;
	if (status < 0) {
		log_debug("http: %s: write: %s", c->peer, uv_strerror(status));
		http_conn_close(c);
		return;
	}
	http_conn_after_write(c);
}

/* Drops every queued request: those the handler still holds become
 * orphans (their answer is discarded). For a close, and behind an
 * HTTP/1.0 stream, whose body ends with the connection. */
static void fifo_drop(struct http_conn *c)
{
	struct http_request *r, *next;

	for (r = c->head; r; r = next) {
		next = r->next;
		r->next = NULL;
		if (r->dispatched && !r->responded)
			r->conn = NULL; /* freed by http_respond() */
		else
			http_req_free(r);
	}
	c->head = c->tail = NULL;
	c->nfifo = 0;
}

/* Writes one response. What the socket takes at once is written now,
 * without a write request: one that completes at once still makes
 * libuv change the socket's epoll interest (an epoll_ctl per response
 * under load). The rest, if any, goes to uv_write. A paused connection
 * writes through uv_write only, since its completion is what resumes
 * reading (http_conn_after_write). -1: the request is freed, close. */
static int conn_write(struct http_conn *c, struct http_request *r,
		      uv_buf_t *b, unsigned nb)
{
	int n = c->paused ? UV_EAGAIN : uv_try_write(&c->u.s, b, nb);

	if (n < 0 && n != UV_EAGAIN) {
		log_debug("http: %s: write: %s", c->peer, uv_strerror(n));
		http_req_free(r);
		return -1;
	}
	for (; n > 0 && nb; b++, nb--) {
		size_t k = (size_t)n < b->len ? (size_t)n : b->len;

		b->base += k;
		b->len -= k;
		n -= (int)k;
		if (b->len)
			break;
	}
	if (!nb) {
		if (c->tm == TM_IDLE) /* as a completed write does */
			c->tm = TM_NONE;
		http_req_free(r);
		return 0;
	}
	if (uv_write(&r->wr, &c->u.s, b, nb, on_written)) {
		http_req_free(r);
		return -1;
	}
	c->writing++;
	return 0;
}

/* Writes the answered requests at the head of the FIFO, in order. */
void http_conn_flush(struct http_conn *c)
{
	struct http_request *r;
	const char *end;
	uv_buf_t b[2];

	while (!c->closing && !c->stream && (r = c->head) && r->responded) {
		c->head = r->next;
		if (!c->head)
			c->tail = NULL;
		c->nfifo--;
		r->next = NULL;
		if (r->src && r->http10 && !r->is_head) {
			/* No length and no chunks: the close ends the body. */
			http_conn_drain(c);
			fifo_drop(c);
		}
		if (c->draining && !c->head)
			end = "Connection: close\r\n\r\n";
		else if (r->http10)
			end = "Connection: keep-alive\r\n\r\n";
		else
			end = "\r\n";
		if (http_buf_add(&r->out, end, strlen(end))) {
			http_req_free(r);
			http_conn_close(c);
			return;
		}
		if (r->src && !r->is_head) {
			http_stream_start(c, r);
			break;
		}
		b[0] = uv_buf_init(r->out.p, (unsigned)r->out.len);
		b[1] = uv_buf_init(r->resp_body, (unsigned)r->resp_len);
		if (conn_write(c, r, b, r->resp_len ? 2 : 1) < 0) {
			http_conn_close(c);
			return;
		}
	}
	/* 100 Continue only once every earlier response is on its way. */
	if (!c->closing && !c->stream && !c->head && c->want_continue &&
	    c->cur) {
		c->want_continue = 0;
		conn_continue(c);
	}
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct http_conn *c = req->handle->data;

	if (c->closing)
		return;
	if (status < 0 || c->eof || c->srv->closing) {
		http_conn_close(c);
		return;
	}
	/* Read and drop until the peer closes: closing with unread request
	 * bytes makes the kernel send a reset that can destroy the response
	 * before the client has read it. */
	if (uv_read_start(&c->u.s, on_alloc, on_read)) {
		http_conn_close(c);
		return;
	}
	http_conn_timer_set(c, TM_LINGER, HTTP_LINGER_MS);
}

/* Re-evaluates what the connection waits for after any change. */
/* While paced stops, a client that reads nothing gets this long at
 * most, instead of the whole idle timeout: the stop is bounded (10 s in
 * main.c), and the requests of clients that do read finish in it. */
#define HTTP_STOPPING_IDLE_MS 2000

static uint64_t idle_ms(const struct http_conn *c)
{
	uint64_t ms = c->srv->limits.idle_timeout_ms;

	return c->srv->closing && ms > HTTP_STOPPING_IDLE_MS
		       ? HTTP_STOPPING_IDLE_MS
		       : ms;
}

void http_conn_check(struct http_conn *c)
{
	if (c->closing || c->shut)
		return;
	if (c->draining && !c->nfifo && !c->writing && !c->stream) {
		c->shut = 1;
		http_conn_timer_set(c, TM_NONE, 0);
		if (uv_shutdown(&c->shut_req, &c->u.s, on_shutdown))
			http_conn_close(c);
		return;
	}
	if (c->cur)
		return; /* the head or body timer runs */
	/* A stream always has a write in flight, which only the peer's
	 * reading completes: its turn, whatever waits behind the stream.
	 * Each piece written restarts the clock (http_conn_after_write). */
	if (c->nfifo && !c->stream)
		http_conn_timer_set(c, TM_NONE, 0); /* the handler has the ball */
	else if (c->tm != TM_IDLE)
		http_conn_timer_set(c, TM_IDLE, idle_ms(c));
}

static void on_conn_closed(uv_handle_t *h)
{
	struct http_conn *c = h->data;
	struct http_server *srv = c->srv;

	if (++c->nclosed < 2)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nconns--;
	srv->open--;
	free(c);
	http_server_maybe_done(srv);
}

void http_conn_close(struct http_conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	fifo_drop(c);
	/* A stream's write in flight is cancelled: its callback frees it. */
	if (c->cur) {
		http_req_free(c->cur);
		c->cur = NULL;
	}
	/* Pending writes are cancelled; their callbacks run before these. */
	uv_close((uv_handle_t *)&c->timer, on_conn_closed);
	/* An HTTP/1.0 stream's body ends with the connection: closed
	 * mid-body with a FIN, the part sent would read as the whole. A
	 * reset is what the client cannot mistake (TCP only; a unix
	 * socket has none). */
	if (c->stream && c->stream->http10 && c->u.h.type == UV_TCP &&
	    uv_tcp_close_reset(&c->u.tcp, on_conn_closed) == 0)
		return;
	uv_close(&c->u.h, on_conn_closed);
}

static void on_timer(uv_timer_t *t)
{
	struct http_conn *c = t->data;
	uint64_t now = uv_now(c->srv->loop);

	if (!c->deadline)
		return; /* nothing is due any more */
	if (now < c->deadline) {
		uv_timer_start(t, on_timer, c->deadline - now, 0);
		return;
	}
	if ((c->tm == TM_HEAD || c->tm == TM_BODY) && c->cur) {
		http_conn_fail(c, 408, "request_timeout",
			  "request %s not received in time",
			  c->tm == TM_HEAD ? "head" : "body");
		return;
	}
	log_debug("http: %s: %s, closing", c->peer,
		  c->tm == TM_LINGER ? "linger timeout"
		  : c->tm == TM_IDLE ? "idle timeout" : "no request");
	http_conn_close(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct http_conn *c = h->data;

	(void)suggested;
	*b = uv_buf_init(c->rbuf, sizeof(c->rbuf));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct http_conn *c = s->data;

	if (c->closing || nread == 0)
		return;
	if (nread < 0 && nread != UV_EOF) {
		log_debug("http: %s: read: %s", c->peer,
			  uv_strerror((int)nread));
		http_conn_close(c);
		return;
	}
	if (nread == UV_EOF)
		c->eof = 1;
	if (c->shut) { /* lingering: drop everything until EOF */
		if (c->eof)
			http_conn_close(c);
		return;
	}
	if (c->eof) { /* half-close: still answer what was asked */
		http_conn_drain(c);
		http_conn_check(c);
		return;
	}
	if (!c->draining)
		http_conn_parse(c, b->base, (size_t)nread);
}

static void conn_set_peer(struct http_conn *c, const struct http_listener *l)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	if (l->is_unix ||
	    uv_tcp_getpeername(&c->u.tcp, (struct sockaddr *)&ss, &len) ||
	    uv_ip_name((struct sockaddr *)&ss, c->peer, sizeof(c->peer)))
		snprintf(c->peer, sizeof(c->peer), "%s",
			 l->is_unix ? "unix" : "unknown");
}

void http_conn_accept(struct http_listener *l)
{
	struct http_server *srv = l->srv;
	struct http_conn *c;

	c = calloc(1, sizeof(*c));
	if (!c) {
		log_warn("http: accept: out of memory");
		return;
	}
	c->srv = srv;
	if (l->is_unix ? uv_pipe_init(srv->loop, &c->u.pipe, 0)
		       : uv_tcp_init(srv->loop, &c->u.tcp)) {
		free(c);
		return;
	}
	uv_timer_init(srv->loop, &c->timer);
	c->u.h.data = c;
	c->timer.data = c;
	c->next = srv->conns;
	if (c->next)
		c->next->prev = c;
	srv->conns = c;
	srv->nconns++;
	srv->open++;
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	if (uv_accept(&l->u.s, &c->u.s)) {
		http_conn_close(c);
		return;
	}
	conn_set_peer(c, l);
	if (srv->nconns > srv->limits.max_connections) {
		/* Accepted only to say so; never read from. */
		http_conn_fail(c, 503, "unavailable", "too many connections");
		return;
	}
	if (!l->is_unix)
		uv_tcp_nodelay(&c->u.tcp, 1);
	if (uv_read_start(&c->u.s, on_alloc, on_read)) {
		http_conn_close(c);
		return;
	}
	/* The first request head is due head_timeout after the connect. */
	http_conn_timer_set(c, TM_HEAD, srv->limits.head_timeout_ms);
}

void http_conn_stop(struct http_conn *c)
{
	if (c->closing)
		return;
	if (c->shut || (!c->nfifo && !c->writing)) {
		http_conn_close(c);
	} else {
		http_conn_drain(c);
		if (c->tm == TM_IDLE) /* armed for the whole timeout */
			c->tm = TM_NONE;
		http_conn_check(c);
	}
}
