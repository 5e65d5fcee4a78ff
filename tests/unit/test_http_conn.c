/* test_http_conn.c - HTTP server connections: reuse, timeouts, closes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "http_testutil.h"
#include "log.h"

/* ---- clients ---- */

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

/* A body larger than the socket takes at once, read only after a
 * pause: the part written at once and the rest written later arrive
 * whole and in order, and the answer pipelined behind it comes after. */
static void c_big_late(struct env *e)
{
	enum { BIG = 4 << 20 };
	struct cli *c = cli_open(e);
	char *got = malloc(BIG + 1024), *body;
	size_t n = 0, need = 0;
	struct resp r;

	CHECK(e, c && got);
	CHECK(e, cli_sends(c, "GET /big?size=4194304 HTTP/1.1\r\n\r\n"
			      "GET /after HTTP/1.1\r\n\r\n") == 0);
	usleep(300 * 1000);
	/* The head, then exactly the body's bytes; what follows stays in
	 * the socket for cli_response. */
	while (!need || n < need) {
		ssize_t k = recv(c->fd, got + n,
				 need ? need - n : 1, 0);

		CHECK(e, k > 0);
		n += (size_t)k;
		got[n] = '\0';
		if (!need && (body = strstr(got, "\r\n\r\n"))) {
			CHECK(e, strncmp(got, "HTTP/1.1 200 ", 13) == 0);
			CHECK(e, strtoul(find_header(got, "Content-Length"),
					 NULL, 10) == BIG);
			need = (size_t)(body + 4 - got) + BIG;
		}
	}
	body += 4;
	for (size_t i = 0; i < BIG; i++)
		CHECK(e, body[i] == (char)('a' + i % 26));
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 200 && strstr(r.body, "GET /after "));
	free(got);
	cli_close(c);
}

static void test_big_response_read_late(void **state)
{
	struct env *e;

	(void)state;
	e = run(NULL, "127.0.0.1:0", c_big_late);
	assert_int_equal(e->handled, 2);
	free(e);
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

/* The server closes c, idle from now on, after the idle timeout (which
 * the tests set to a few hundred ms), not at once. */
static void closes_when_idle(struct env *e, struct cli *c)
{
	double t0 = now_ms();

	CHECK(e, cli_closed(c));
	CHECK(e, now_ms() - t0 > 100 && now_ms() - t0 < 3000);
	cli_close(c);
}

static void c_idle(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET / HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	closes_when_idle(e, c);
}

static void test_idle_timeout(void **state)
{
	struct http_limits l;

	(void)state;
	test_limits(&l);
	l.idle_timeout_ms = 200;
	free(run(&l, "127.0.0.1:0", c_idle));
}

/* Requests 300 ms apart, for longer than the 1 s idle timeout: each one
 * moves the idle deadline, so none finds the connection closed, and it
 * closes only once they stop. A timer that fired at the first deadline
 * armed, whatever moved it, would close it before the fifth. */
static void c_busy(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	for (int i = 0; i < 5; i++) {
		if (i)
			msleep(300);
		CHECK(e, cli_sends(c, "GET /busy HTTP/1.1\r\n\r\n") == 0);
		CHECK(e, cli_response(c, &r) == 0);
		CHECK(e, r.status == 200 && strstr(r.body, "GET /busy "));
	}
	closes_when_idle(e, c);
}

static void test_idle_moves_with_use(void **state)
{
	struct http_limits l;

	(void)state;
	test_limits(&l);
	l.idle_timeout_ms = 1000;
	free(run(&l, "127.0.0.1:0", c_busy));
}

static void c_slow(struct env *e)
{
	struct cli *c;
	struct resp r;
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
	/* on a kept-alive connection the second head has its own deadline:
	 * it counts from its first byte (the wait before it, longer than
	 * the head timeout, is idle time), and the 408 comes from the head
	 * timer, not from the 5 s idle timer, which would fire far too late */
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /first HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 200);
	msleep(300);
	t0 = now_ms();
	CHECK(e, cli_sends(c, "GET /second HTTP/1.1\r\nHost: t\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 408 && strstr(r.body, "request_timeout"));
	CHECK(e, now_ms() - t0 > 150 && now_ms() - t0 < 3000);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_pipeline_order),
		cmocka_unit_test(test_pipeline_backpressure),
		cmocka_unit_test(test_connection_close),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_idle_moves_with_use),
		cmocka_unit_test(test_slow_client),
		cmocka_unit_test(test_big_response_read_late),
		cmocka_unit_test(test_disconnect),
		cmocka_unit_test(test_close_inflight),
		cmocka_unit_test(test_max_connections),
		cmocka_unit_test(test_max_requests),
	};

	alarm(120); /* a hung socket must not hang CI */
	if (getenv("TEST_HTTP_DEBUG"))
		log_set_level(LOG_LVL_DEBUG);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
