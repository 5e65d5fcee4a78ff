/*
 * test_http.c - the HTTP server on a real loop: the server runs on the main
 * thread, a client thread speaks raw HTTP/1.1 over blocking sockets, and
 * every test ends with uv_loop_close() == 0 so a leaked handle fails it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "paced.h"

struct env;
typedef void (*client_fn)(struct env *);

struct env {
	uv_loop_t loop;
	struct http_server *srv;
	uv_async_t stop;
	int stop_sent; /* the client asked for the close itself */
	int closed;    /* http_server_close's done ran */
	int port;
	char unix_path[108];
	client_fn client;
	/* server side, main thread only */
	char log[4096];
	int pending, max_pending, handled;
	/* client side: the first failed check */
	char why[512];
};

struct deferred {
	uv_timer_t t;
	struct http_request *req;
	struct env *e;
};

#define CHECK(e, cond)                                                      \
	do {                                                                \
		if (!(cond)) {                                              \
			if (!(e)->why[0])                                   \
				snprintf((e)->why, sizeof((e)->why),        \
					 "%s:%d: %s", __FILE__, __LINE__,   \
					 #cond);                            \
			return;                                             \
		}                                                           \
	} while (0)

static void log_add(struct env *e, const char *what, const char *path,
		    const char *query)
{
	size_t n = strlen(e->log);

	snprintf(e->log + n, sizeof(e->log) - n, "%s:%s%s%s ", what, path,
		 *query ? "?" : "", query);
}

static void echo(struct env *e, struct http_request *req)
{
	const char *x = http_request_header(req, "x-test");
	const char *path = http_request_path(req);
	char out[8192];
	size_t len;
	const char *body = http_request_body(req, &len);
	int n;

	e->pending--;
	log_add(e, "r", path, http_request_query(req));
	if (strcmp(path, "/nocontent") == 0) {
		http_respond(req, 204, NULL, "text/plain", "ignored", 7);
		return;
	}
	n = snprintf(out, sizeof(out), "%s %s ?%s x=%s peer=%s len=%zu "
		     "body=%.*s", http_request_method(req), path,
		     http_request_query(req), x ? x : "-",
		     http_request_peer(req), len,
		     (int)(len > 4000 ? 4000 : len), body);
	http_respond(req, 200, "X-Echo: 1\r\n", "text/plain", out,
		     (size_t)n);
}

static void on_deferred_closed(uv_handle_t *h)
{
	free(h->data);
}

static void on_deferred(uv_timer_t *t)
{
	struct deferred *d = t->data;

	echo(d->e, d->req);
	uv_close((uv_handle_t *)&d->t, on_deferred_closed);
}

/* Echoes the request; /defer?ms=N answers N ms later from a timer. */
static void handler(struct http_request *req, void *data)
{
	struct env *e = data;
	const char *q = http_request_query(req);
	struct deferred *d;

	e->handled++;
	if (++e->pending > e->max_pending)
		e->max_pending = e->pending;
	log_add(e, "h", http_request_path(req), q);
	if (strcmp(http_request_path(req), "/defer") != 0) {
		echo(e, req);
		return;
	}
	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	d->req = req;
	d->e = e;
	d->t.data = d;
	uv_timer_init(&e->loop, &d->t);
	uv_timer_start(&d->t, on_deferred,
		       strncmp(q, "ms=", 3) == 0 ? strtoul(q + 3, NULL, 10)
						 : 100,
		       0);
}

static void on_closed(void *data)
{
	((struct env *)data)->closed++;
}

static void on_stop(uv_async_t *a)
{
	struct env *e = a->data;

	http_server_close(e->srv, on_closed, e);
	uv_close((uv_handle_t *)a, NULL);
}

static void *client_main(void *arg)
{
	struct env *e = arg;

	e->client(e);
	if (!e->stop_sent)
		uv_async_send(&e->stop);
	return NULL;
}

static void test_limits(struct http_limits *l)
{
	http_limits_default(l);
	l->max_body = 1024;
	l->max_header = 4096;
	l->idle_timeout_ms = 5000;
	l->head_timeout_ms = 5000;
	l->body_timeout_ms = 5000;
}

/* Runs client in a thread against a server listening on spec. */
static struct env *run(const struct http_limits *l, const char *spec,
		       client_fn client)
{
	struct env *e = calloc(1, sizeof(*e));
	struct http_limits def;
	pthread_t th;
	char err[256];

	assert_non_null(e);
	if (!l) {
		test_limits(&def);
		l = &def;
	}
	if (strncmp(spec, "unix:", 5) == 0)
		snprintf(e->unix_path, sizeof(e->unix_path), "%s", spec + 5);
	assert_int_equal(uv_loop_init(&e->loop), 0);
	assert_int_equal(http_server_new(&e->srv, &e->loop, l, handler, e),
			 0);
	if (http_server_listen(e->srv, spec, err, sizeof(err)))
		fail_msg("listen %s: %s", spec, err);
	e->port = http_server_port(e->srv, 0);
	assert_int_equal(uv_async_init(&e->loop, &e->stop, on_stop), 0);
	e->stop.data = e;
	e->client = client;
	assert_int_equal(pthread_create(&th, NULL, client_main, e), 0);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	pthread_join(th, NULL);
	assert_int_equal(e->closed, 1);
	assert_int_equal(uv_loop_close(&e->loop), 0);
	if (e->why[0])
		fail_msg("%s (server log: %s)", e->why, e->log);
	return e; /* the caller frees it */
}

/* ---- a tiny blocking HTTP client ---- */

struct cli {
	int fd;
	size_t len;
	char buf[262144];
};

struct resp {
	int status;
	char head[4096];
	char body[65536];
	size_t blen;
};

static struct cli *cli_open(struct env *e)
{
	struct cli *c = calloc(1, sizeof(*c));
	struct timeval tv = {.tv_sec = 5};
	int rc;

	if (!c)
		return NULL;
	if (e->unix_path[0]) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s",
			 e->unix_path);
		c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
		rc = connect(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		struct sockaddr_in sa = {.sin_family = AF_INET};

		sa.sin_port = htons((uint16_t)e->port);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		c->fd = socket(AF_INET, SOCK_STREAM, 0);
		rc = connect(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (c->fd < 0 || rc) {
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return NULL;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return c;
}

static void cli_close(struct cli *c)
{
	if (c) {
		close(c->fd);
		free(c);
	}
}

/* Closes with a reset instead of a FIN. */
static void cli_reset(struct cli *c)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	cli_close(c);
}

static int cli_send(struct cli *c, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int cli_sends(struct cli *c, const char *s)
{
	return cli_send(c, s, strlen(s));
}

/* More bytes: >0, 0 on EOF, -1 on error or timeout. */
static int cli_fill(struct cli *c)
{
	ssize_t n;

	if (c->len == sizeof(c->buf))
		return -1;
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n < 0)
		return -1;
	c->len += (size_t)n;
	return (int)n;
}

static const char *find_header(const char *head, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strstr(head, "\r\n"); p;
	     p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':')
			return p + 3 + n + strspn(p + 3 + n, " ");
	return NULL;
}

/* Reads one response (head, then a Content-Length body unless nobody,
 * as for HEAD); 0 or -1. */
static int cli_response_ex(struct cli *c, struct resp *r, int nobody)
{
	char *end;
	const char *cl;
	size_t hlen, blen;

	memset(r, 0, sizeof(*r));
	for (;;) {
		c->buf[c->len < sizeof(c->buf) ? c->len : c->len - 1] = 0;
		end = c->len ? strstr(c->buf, "\r\n\r\n") : NULL;
		if (end)
			break;
		if (cli_fill(c) <= 0)
			return -1;
	}
	hlen = (size_t)(end - c->buf) + 4;
	if (hlen >= sizeof(r->head))
		return -1;
	memcpy(r->head, c->buf, hlen);
	r->head[hlen - 2] = 0; /* keep the last header's CRLF */
	if (sscanf(r->head, "HTTP/1.1 %d", &r->status) != 1)
		return -1;
	cl = find_header(r->head, "Content-Length");
	blen = cl && !nobody ? strtoul(cl, NULL, 10) : 0;
	if (blen >= sizeof(r->body))
		return -1;
	while (c->len < hlen + blen)
		if (cli_fill(c) <= 0)
			return -1;
	memcpy(r->body, c->buf + hlen, blen);
	r->blen = blen;
	memmove(c->buf, c->buf + hlen + blen, c->len - hlen - blen);
	c->len -= hlen + blen;
	return 0;
}

static int cli_response(struct cli *c, struct resp *r)
{
	return cli_response_ex(c, r, 0);
}

/* 1 when the server closes (EOF or reset) with nothing more to read. */
static int cli_closed(struct cli *c)
{
	if (c->len)
		return 0;
	for (;;) {
		int n = cli_fill(c);

		if (n == 0)
			return 1;
		if (n < 0)
			return errno == ECONNRESET;
		return 0;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void msleep(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* One request on a fresh connection, expecting status and then a close
 * when want_close. */
static void one_shot(struct env *e, const char *req, int status,
		     int want_close, const char *code)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	CHECK(e, cli_sends(c, req) == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == status);
	if (code) {
		const char *ct = find_header(r.head, "Content-Type");

		CHECK(e, ct && strncmp(ct, "application/json", 16) == 0);
		CHECK(e, strstr(r.body, "{\"error\":{\"code\":\"") == r.body);
		CHECK(e, strstr(r.body, code));
	}
	if (want_close) {
		const char *conn = find_header(r.head, "Connection");

		CHECK(e, conn && strncasecmp(conn, "close", 5) == 0);
		CHECK(e, cli_closed(c));
	}
	cli_close(c);
}

/* ---- clients ---- */

static void c_simple_get(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /hello/w%20x?a=1&b=2 HTTP/1.1\r\nHost: t"
			      "\r\nX-Te") == 0);
	msleep(20); /* a header name split across two reads */
	CHECK(e, cli_sends(c, "st: yes\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 200);
	CHECK(e, strstr(r.head, "HTTP/1.1 200 OK\r\n") == r.head);
	CHECK(e, strcmp(r.body, "GET /hello/w%20x ?a=1&b=2 x=yes "
			"peer=127.0.0.1 len=0 body=") == 0);
	CHECK(e, find_header(r.head, "Date"));
	CHECK(e, find_header(r.head, "X-Echo"));
	CHECK(e, strncmp(find_header(r.head, "Content-Type"), "text/plain",
			 10) == 0);
	CHECK(e, strtoul(find_header(r.head, "Content-Length"), NULL, 10) ==
			 r.blen);
	CHECK(e, !find_header(r.head, "Connection"));
	cli_close(c);
}

static void test_simple_get(void **state)
{
	(void)state;
	free(run(NULL, "127.0.0.1:0", c_simple_get));
}

static void c_keepalive(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /one HTTP/1.1\r\nHost: t\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 200 && strstr(r.body, "GET /one "));
	/* HEAD: the length of the body that is not sent */
	CHECK(e, cli_sends(c, "HEAD /two HTTP/1.1\r\nHost: t\r\n\r\n") == 0);
	CHECK(e, cli_response_ex(c, &r, 1) == 0);
	CHECK(e, r.status == 200 && r.blen == 0);
	CHECK(e, strtoul(find_header(r.head, "Content-Length"), NULL, 10) > 0);
	CHECK(e, cli_sends(c, "GET /nocontent HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 204 && r.blen == 0);
	CHECK(e, cli_sends(c, "GET /three HTTP/1.1\r\nHost: t\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 200 && strstr(r.body, "GET /three "));
	cli_close(c);
	/* HTTP/1.0 with keep-alive stays open and says so */
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /a HTTP/1.0\r\nConnection: keep-alive"
			      "\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, strncasecmp(find_header(r.head, "Connection"), "keep-alive",
			     10) == 0);
	CHECK(e, cli_sends(c, "GET /b HTTP/1.0\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, strstr(r.body, "GET /b "));
	CHECK(e, cli_closed(c));
	cli_close(c);
}

static void test_keepalive(void **state)
{
	(void)state;
	free(run(NULL, "127.0.0.1:0", c_keepalive));
}

/* The handler answers the first request last; the wire order holds. */
static void c_pipeline(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /defer?ms=150 HTTP/1.1\r\nHost: t\r\n\r\n"
			      "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"
			      "GET /c HTTP/1.1\r\nHost: t\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, strstr(r.body, "GET /defer ?ms=150 "));
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, strstr(r.body, "POST /b ? x=- peer=127.0.0.1 len=3 body=xyz"));
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, strstr(r.body, "GET /c "));
	cli_close(c);
}

static void test_pipeline_order(void **state)
{
	struct env *e;
	char *b, *d;

	(void)state;
	e = run(NULL, "127.0.0.1:0", c_pipeline);
	/* /b and /c were answered before /defer, so the FIFO did the work */
	b = strstr(e->log, "r:/b ");
	d = strstr(e->log, "r:/defer");
	assert_non_null(b);
	assert_non_null(d);
	assert_true(b < d);
	assert_int_equal(e->handled, 3);
	free(e);
}

/* 100 pipelined requests: reading pauses at the queue bound and resumes. */
static void c_many(struct env *e)
{
	char req[8192 * 2], want[64];
	size_t n = 0;
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(req + n, sizeof(req) - n,
				      "GET /defer?ms=%d HTTP/1.1\r\n\r\n",
				      5 + i % 7);
	CHECK(e, cli_send(c, req, n) == 0);
	for (int i = 0; i < 100; i++) {
		CHECK(e, cli_response(c, &r) == 0);
		snprintf(want, sizeof(want), "?ms=%d ", 5 + i % 7);
		CHECK(e, r.status == 200 && strstr(r.body, want));
	}
	cli_close(c);
}

static void test_pipeline_backpressure(void **state)
{
	struct env *e;

	(void)state;
	e = run(NULL, "127.0.0.1:0", c_many);
	assert_int_equal(e->handled, 100);
	assert_true(e->max_pending <= 64);
	assert_true(e->max_pending >= 32);
	free(e);
}

static void c_bodies(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	/* Content-Length body in two pieces: the handler waits for both */
	CHECK(e, cli_sends(c, "POST /cl HTTP/1.1\r\nContent-Length: 11\r\n\r\n"
			      "hello") == 0);
	msleep(30);
	CHECK(e, cli_sends(c, " world") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, strstr(r.body, "POST /cl ? x=- peer=127.0.0.1 len=11 "
			"body=hello world"));
	/* chunked, with a chunk split across reads and a trailer */
	CHECK(e, cli_sends(c, "POST /ch HTTP/1.1\r\nTransfer-Encoding: chunked"
			      "\r\nX-Test: t\r\n\r\n5\r\nhel") == 0);
	msleep(30);
	CHECK(e, cli_sends(c, "lo\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
			      "GET /after HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, strstr(r.body, "POST /ch ? x=t peer=127.0.0.1 len=11 "
			"body=hello world"));
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, strstr(r.body, "GET /after "));
	cli_close(c);
}

static void test_bodies(void **state)
{
	(void)state;
	free(run(NULL, "127.0.0.1:0", c_bodies));
}

static void c_expect(struct env *e)
{
	char body[1000];
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	memset(body, 'b', sizeof(body));
	CHECK(e, cli_sends(c, "PUT /up HTTP/1.1\r\nContent-Length: 1000\r\n"
			      "Expect: 100-continue\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 100 && r.blen == 0);
	CHECK(e, strcmp(r.head, "HTTP/1.1 100 Continue\r\n") == 0);
	CHECK(e, cli_send(c, body, sizeof(body)) == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 200 && strstr(r.body, "PUT /up ? x=- "
					   "peer=127.0.0.1 len=1000 "));
	/* no body, no 100 */
	CHECK(e, cli_sends(c, "GET /x HTTP/1.1\r\nExpect: 100-continue"
			      "\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 200);
	cli_close(c);
	/* too large: 413 at once, without waiting for the body */
	one_shot(e, "PUT /up HTTP/1.1\r\nContent-Length: 5000\r\n"
		    "Expect: 100-continue\r\n\r\n", 413, 1,
		 "payload_too_large");
	one_shot(e, "PUT /up HTTP/1.1\r\nContent-Length: 10\r\n"
		    "Expect: teapot\r\n\r\n", 417, 1, "expectation_failed");
}

static void test_expect(void **state)
{
	(void)state;
	free(run(NULL, "127.0.0.1:0", c_expect));
}

static void c_too_large(struct env *e)
{
	static char big[8192];
	char head[128];
	struct cli *c;
	struct resp r;

	/* Content-Length over the limit, body sent anyway (no Expect) */
	memset(big, 'z', sizeof(big));
	snprintf(head, sizeof(head), "POST /p HTTP/1.1\r\nContent-Length: "
		 "%zu\r\n\r\n", sizeof(big));
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, head) == 0);
	CHECK(e, cli_send(c, big, sizeof(big)) == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 413);
	CHECK(e, strcmp(r.body, "{\"error\":{\"code\":\"payload_too_large\","
			"\"message\":\"request body exceeds 1024 bytes\"}}") ==
			 0);
	CHECK(e, cli_closed(c));
	cli_close(c);
	/* chunked: the running total trips the limit */
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked"
			      "\r\n\r\n") == 0);
	for (int i = 0; i < 3; i++) {
		CHECK(e, cli_sends(c, "258\r\n") == 0); /* 600 bytes */
		CHECK(e, cli_send(c, big, 600) == 0);
		CHECK(e, cli_sends(c, "\r\n") == 0);
	}
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 413 && strstr(r.body, "payload_too_large"));
	CHECK(e, strncasecmp(find_header(r.head, "Connection"), "close", 5) ==
			 0);
	CHECK(e, cli_closed(c));
	cli_close(c);
	/* head over max_header (4096) */
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET / HTTP/1.1\r\nX-Big: ") == 0);
	CHECK(e, cli_send(c, big, 5000) == 0);
	CHECK(e, cli_sends(c, "\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 431 && strstr(r.body, "header_too_large"));
	CHECK(e, cli_closed(c));
	cli_close(c);
	/* many small headers add up too */
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET / HTTP/1.1\r\n") == 0);
	for (int i = 0; i < 800; i++)
		CHECK(e, cli_sends(c, "A: b\r\n") == 0);
	CHECK(e, cli_sends(c, "\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 431);
	cli_close(c);
}

static void test_too_large(void **state)
{
	(void)state;
	free(run(NULL, "127.0.0.1:0", c_too_large));
}

static void c_garbage(struct env *e)
{
	struct cli *c;
	struct resp r;

	one_shot(e, "GARBAGE\r\n\r\n", 400, 1, "bad_request");
	one_shot(e, "\x01\x02\x03\xff\r\n\r\n", 400, 1, "bad_request");
	one_shot(e, "GET / HTTP/1.1\r\nContent-Length: x1\r\n\r\n", 400, 1,
		 "bad_request");
	one_shot(e, "POST / HTTP/1.1\r\nContent-Length: 1\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, 1,
		 "bad_request");
	one_shot(e, "GET / HTTP/1.1\r\nConnection: Upgrade\r\n"
		    "Upgrade: websocket\r\n\r\n", 400, 1, "bad_request");
	one_shot(e, "CONNECT example.com:443 HTTP/1.1\r\n\r\n", 400, 1,
		 "bad_request");
	/* an error after a good pipelined request comes after its answer */
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /defer?ms=50 HTTP/1.1\r\n\r\nBAD\r\n\r\n") ==
			 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 200 && strstr(r.body, "/defer"));
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 400);
	CHECK(e, cli_closed(c));
	cli_close(c);
}

static void test_garbage(void **state)
{
	(void)state;
	free(run(NULL, "127.0.0.1:0", c_garbage));
}

static void c_close(struct env *e)
{
	one_shot(e, "GET / HTTP/1.0\r\n\r\n", 200, 1, NULL);
	one_shot(e, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 200, 1,
		 NULL);
}

static void test_connection_close(void **state)
{
	(void)state;
	free(run(NULL, "127.0.0.1:0", c_close));
}

static void c_idle(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;
	double t0;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET / HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	t0 = now_ms();
	CHECK(e, cli_closed(c));
	CHECK(e, now_ms() - t0 > 100 && now_ms() - t0 < 3000);
	cli_close(c);
}

static void test_idle_timeout(void **state)
{
	struct http_limits l;

	(void)state;
	test_limits(&l);
	l.idle_timeout_ms = 200;
	free(run(&l, "127.0.0.1:0", c_idle));
}

static void c_slow(struct env *e)
{
	struct cli *c;
	double t0 = now_ms();

	/* slowloris: the head never completes */
	one_shot(e, "GET / HTTP/1.1\r\nHost: t\r\n", 408, 1,
		 "request_timeout");
	CHECK(e, now_ms() - t0 > 150);
	/* the body never completes */
	one_shot(e, "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nab", 408, 1,
		 "request_timeout");
	/* a connection that sends nothing is closed without a word */
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_closed(c));
	cli_close(c);
}

static void test_slow_client(void **state)
{
	struct http_limits l;

	(void)state;
	test_limits(&l);
	l.head_timeout_ms = 200;
	l.body_timeout_ms = 200;
	free(run(&l, "127.0.0.1:0", c_slow));
}

/* The client leaves before deferred responses: reset and FIN. */
static void c_disconnect(struct env *e)
{
	struct cli *c = cli_open(e);

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /defer?ms=150 HTTP/1.1\r\n\r\n"
			      "GET /defer?ms=100 HTTP/1.1\r\n\r\n"
			      "GET /x HTTP/1.1\r\n\r\n") == 0);
	msleep(30);
	cli_reset(c);
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /defer?ms=100 HTTP/1.1\r\n\r\n") == 0);
	msleep(30);
	cli_close(c);
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /defer?ms=100 HTTP/1.1\r\n\r\nGET /y HT") ==
			 0);
	msleep(30);
	cli_reset(c);
	msleep(30);
}

static void test_disconnect(void **state)
{
	struct env *e;

	(void)state;
	e = run(NULL, "127.0.0.1:0", c_disconnect);
	/* every request the handler saw got its (discarded) answer */
	assert_int_equal(e->handled, 5);
	assert_int_equal(e->pending, 0);
	free(e);
}

static void c_unix(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /u HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 200 && strstr(r.body, "GET /u ? x=- peer=unix "));
	cli_close(c);
}

static void test_unix_socket(void **state)
{
	char dir[] = "/tmp/test_http.XXXXXX", spec[128], path[96];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.sock", dir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	/* a stale socket file, as a killed daemon leaves it */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(stat(path, &st), 0);
	free(run(NULL, spec, c_unix));
	assert_int_not_equal(stat(path, &st), 0); /* removed on close */
	rmdir(dir);
}

static void c_close_inflight(struct env *e)
{
	struct cli *busy = cli_open(e), *idle = cli_open(e), *late;
	struct resp r;

	CHECK(e, busy && idle);
	CHECK(e, cli_sends(idle, "GET /i HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, cli_response(idle, &r) == 0);
	CHECK(e, cli_sends(busy, "GET /defer?ms=200 HTTP/1.1\r\n\r\n") == 0);
	msleep(50);
	e->stop_sent = 1;
	uv_async_send(&e->stop);
	CHECK(e, cli_closed(idle));
	CHECK(e, cli_response(busy, &r) == 0);
	CHECK(e, r.status == 200 && strstr(r.body, "/defer"));
	CHECK(e, strncasecmp(find_header(r.head, "Connection"), "close", 5) ==
			 0);
	CHECK(e, cli_closed(busy));
	late = cli_open(e);
	CHECK(e, late == NULL);
	cli_close(busy);
	cli_close(idle);
}

static void test_close_inflight(void **state)
{
	(void)state;
	free(run(NULL, "127.0.0.1:0", c_close_inflight));
}

static void c_max_conns(struct env *e)
{
	struct cli *a = cli_open(e), *b;
	struct resp r;

	CHECK(e, a);
	CHECK(e, cli_sends(a, "GET / HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, cli_response(a, &r) == 0 && r.status == 200);
	b = cli_open(e);
	CHECK(e, b);
	CHECK(e, cli_response(b, &r) == 0);
	CHECK(e, r.status == 503 && strstr(r.body, "too many connections"));
	CHECK(e, cli_closed(b));
	cli_close(b);
	cli_close(a);
}

static void test_max_connections(void **state)
{
	struct http_limits l;

	(void)state;
	test_limits(&l);
	l.max_connections = 1;
	free(run(&l, "127.0.0.1:0", c_max_conns));
}

/* The second request of a connection capped at two is answered with
 * Connection: close, and the third, pipelined after it, is not read. */
static void c_max_requests(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"
			      "GET /3 HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, strstr(r.body, "GET /1 "));
	CHECK(e, !strstr(r.head, "Connection: close"));
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, strstr(r.body, "GET /2 "));
	CHECK(e, strstr(r.head, "Connection: close"));
	CHECK(e, cli_closed(c));
	cli_close(c);
}

static void test_max_requests(void **state)
{
	struct http_limits l;

	(void)state;
	test_limits(&l);
	l.max_requests = 2;
	free(run(&l, "127.0.0.1:0", c_max_requests));
}

static void on_closed_count(void *data)
{
	(*(int *)data)++;
}

/* Unix sockets: mode 0660, a live one is not stolen, a regular file is
 * not removed, and an adopted unix fd works. */
static void listen_unix_cases(struct http_server *srv, char *dir)
{
	char spec[128], path[96];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	char err[256];
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.sock", dir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	assert_int_equal(http_server_listen(srv, spec, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_not_equal(http_server_listen(srv, spec, err, sizeof(err)),
			     0);
	assert_non_null(strstr(err, "another process"));
	snprintf(path, sizeof(path), "%s/file", dir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_not_equal(http_server_listen(srv, spec, err, sizeof(err)),
			     0);
	assert_int_equal(stat(path, &st), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(http_server_listen_fd(srv, fd, err, sizeof(err)), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/no/such/dir.sock", dir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	assert_int_not_equal(http_server_listen(srv, spec, err, sizeof(err)),
			     0);
	/* a.sock goes away with the server, the directory after it */
}

/* Listener setup without clients: errors, fd adoption, IPv6, names. */
static void test_listen(void **state)
{
	struct http_server *srv;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	char err[256], spec[64], dir[] = "/tmp/test_http.XXXXXX";
	uv_loop_t loop;
	int fd, closed = 0, port;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(http_server_new(&srv, &loop, NULL, handler, NULL),
			 0);
	const char *bad[] = {"nonsense", "127.0.0.1", "127.0.0.1:99999",
			     "127.0.0.1:-1", "127.0.0.1:8x", "::1:80",
			     "[::1]80", "unix:", "no.such.host.invalid:80"};
	for (size_t i = 0; i < PACED_ARRAY_LEN(bad); i++) {
		err[0] = 0;
		assert_int_not_equal(http_server_listen(srv, bad[i], err,
							sizeof(err)), 0);
		assert_true(err[0] != 0);
	}
	assert_int_equal(http_server_listen(srv, "127.0.0.1:0", err,
					    sizeof(err)), 0);
	port = http_server_port(srv, 0);
	assert_true(port > 0);
	/* the same port again fails and names the address */
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	assert_int_not_equal(http_server_listen(srv, spec, err, sizeof(err)),
			     0);
	assert_non_null(strstr(err, spec));
	/* an adopted listening socket (systemd socket activation) */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	assert_int_equal(http_server_listen_fd(srv, fd, err, sizeof(err)), 0);
	assert_int_equal(http_server_port(srv, 1), ntohs(sa.sin_port));
	assert_int_not_equal(http_server_listen_fd(srv, -1, err, sizeof(err)),
			     0);
	assert_int_equal(http_server_listen(srv, "localhost:0", err,
					    sizeof(err)), 0);
	assert_true(http_server_port(srv, 2) > 0);
	/* every wildcard address (0.0.0.0 and :: here), one port for both */
	assert_int_equal(http_server_listen(srv, ":0", err, sizeof(err)), 0);
	assert_true(http_server_port(srv, 3) > 0);
	if (http_server_listen(srv, "[::1]:0", err, sizeof(err)) != 0)
		print_message("no IPv6 loopback here: %s\n", err);
	assert_int_equal(http_server_port(srv, 99), 0);
	listen_unix_cases(srv, dir);
	http_server_close(srv, on_closed_count, &closed);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(closed, 1);
	assert_int_equal(uv_loop_close(&loop), 0);
	snprintf(spec, sizeof(spec), "%s/a.sock", dir);
	assert_int_equal(access(spec, F_OK), -1);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_pipeline_order),
		cmocka_unit_test(test_pipeline_backpressure),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_expect),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_connection_close),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_slow_client),
		cmocka_unit_test(test_disconnect),
		cmocka_unit_test(test_unix_socket),
		cmocka_unit_test(test_close_inflight),
		cmocka_unit_test(test_max_connections),
		cmocka_unit_test(test_max_requests),
		cmocka_unit_test(test_listen),
	};

	alarm(120); /* a hung socket must not hang CI */
	if (getenv("TEST_HTTP_DEBUG"))
		log_set_level(LOG_LVL_DEBUG);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
