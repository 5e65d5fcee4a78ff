/*
 * http_testutil.c - the server harness and the blocking client the HTTP
 * server tests share (see http_testutil.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "http_testutil.h"

struct deferred {
	uv_timer_t t;
	struct http_request *req;
	struct env *e;
};

static void log_add(struct env *e, const char *what, const char *path,
		    const char *query)
{
	size_t n = strlen(e->log);

	snprintf(e->log + n, sizeof(e->log) - n, "%s:%s%s%s ", what, path,
		 *query ? "?" : "", query);
}

static unsigned query_num(const char *q, const char *name, unsigned def);

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
	if (strcmp(path, "/big") == 0) {
		/* size bytes, byte i being 'a' + i % 26: more than a socket
		 * takes at once, answered whole (not streamed). */
		size_t size = query_num(http_request_query(req), "size=", 1);
		char *big = malloc(size);

		assert_non_null(big);
		for (size_t i = 0; i < size; i++)
			big[i] = (char)('a' + i % 26);
		http_respond_take(req, 200, NULL, "text/plain", big, size);
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

/* A streamed body: pieces 1..n; the odd ones are empty (the source
 * worked without output), the even ones "<i>:" padded with '.' to size
 * bytes; piece `fail` (0: none) fails. */
struct stream {
	struct env *e;
	unsigned i, n, fail;
	size_t size;
};

static int stream_next(void *ctx, char **piece, size_t *len)
{
	struct stream *s = ctx;
	char *p;

	if (++s->i == s->fail)
		return -6; /* PACED_EIO */
	*piece = NULL;
	*len = 0;
	if (s->i % 2 == 0) {
		p = malloc(s->size + 16);
		if (!p)
			return -1;
		*len = (size_t)snprintf(p, s->size + 16, "%u:", s->i);
		memset(p + *len, '.', s->size > *len ? s->size - *len : 0);
		*len = s->size > *len ? s->size : *len;
		*piece = p;
	}
	return s->i < s->n;
}

static void stream_release(void *ctx)
{
	struct stream *s = ctx;

	s->e->released++;
	free(s);
}

static const struct http_source stream_source = {stream_next,
						 stream_release};

static unsigned query_num(const char *q, const char *name, unsigned def)
{
	const char *p = strstr(q, name);

	return p ? (unsigned)strtoul(p + strlen(name), NULL, 10) : def;
}

static void stream(struct env *e, struct http_request *req)
{
	const char *q = http_request_query(req);
	struct stream *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	e->pending--;
	e->streams++;
	s->e = e;
	s->n = query_num(q, "n=", 4);
	s->size = query_num(q, "size=", 10);
	s->fail = query_num(q, "fail=", 0);
	http_respond_stream(req, 200, "X-Stream: 1\r\n", "text/plain",
			    &stream_source, s);
}

/* Echoes the request; /defer?ms=N answers N ms later from a timer. */
void handler(struct http_request *req, void *data)
{
	struct env *e = data;
	const char *q = http_request_query(req);
	struct deferred *d;

	e->handled++;
	if (++e->pending > e->max_pending)
		e->max_pending = e->pending;
	log_add(e, "h", http_request_path(req), q);
	if (strcmp(http_request_path(req), "/stream") == 0) {
		stream(e, req);
		return;
	}
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

void test_limits(struct http_limits *l)
{
	http_limits_default(l);
	l->max_body = 1024;
	l->max_header = 4096;
	l->idle_timeout_ms = 5000;
	l->head_timeout_ms = 5000;
	l->body_timeout_ms = 5000;
}

/* Runs client in a thread against a server listening on spec. */
struct env *run(const struct http_limits *l, const char *spec,
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

struct cli *cli_open(struct env *e)
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

void cli_close(struct cli *c)
{
	if (c) {
		close(c->fd);
		free(c);
	}
}

/* Closes with a reset instead of a FIN. */
void cli_reset(struct cli *c)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	cli_close(c);
}

int cli_send(struct cli *c, const char *s, size_t n)
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

int cli_sends(struct cli *c, const char *s)
{
	return cli_send(c, s, strlen(s));
}

/* More bytes: >0, 0 on EOF, -1 on error or timeout. */
int cli_fill(struct cli *c)
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

const char *find_header(const char *head, const char *name)
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
int cli_response_ex(struct cli *c, struct resp *r, int nobody)
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

int cli_response(struct cli *c, struct resp *r)
{
	return cli_response_ex(c, r, 0);
}

/* 1 when the server closes (EOF or reset) with nothing more to read. */
int cli_closed(struct cli *c)
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

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void msleep(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* One request on a fresh connection, expecting status and then a close
 * when want_close. */
void one_shot(struct env *e, const char *req, int status,
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
