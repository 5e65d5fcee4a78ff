/* test_http_stream.c - responses with a body made piece by piece
 * (http_respond_stream): chunked framing, HTTP/1.0, HEAD, the responses
 * behind a stream, and the source released once whatever ends it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http.h"
#include "http_testutil.h"

/* Reads until the server closes; the bytes are in c->buf[0..c->len). */
static int read_to_close(struct cli *c)
{
	int n;

	while ((n = cli_fill(c)) > 0)
		;
	return n == 0 ? 0 : -1;
}

/* Waits for a whole response head; its length, or 0. */
static size_t read_head(struct cli *c)
{
	char *end;

	for (;;) {
		c->buf[c->len < sizeof(c->buf) ? c->len : c->len - 1] = 0;
		end = strstr(c->buf, "\r\n\r\n");
		if (end)
			return (size_t)(end - c->buf) + 4;
		if (cli_fill(c) <= 0)
			return 0;
	}
}

/* Drops the first n bytes of c->buf. */
static void consume(struct cli *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* Waits until c->buf holds at least n bytes; 0 or -1. */
static int want(struct cli *c, size_t n)
{
	while (c->len < n)
		if (cli_fill(c) <= 0)
			return -1;
	return 0;
}

/* The exact chunks of /stream?n=6&size=10: the even pieces, the empty
 * odd ones making no chunk, then the last chunk. */
static const char six[] = "a\r\n2:........\r\n"
			  "a\r\n4:........\r\n"
			  "a\r\n6:........\r\n"
			  "0\r\n\r\n";

/* Reads the answer to GET /stream?n=6&size=10: a chunked 200 from the
 * stream, without a length, carrying six. */
static bool read_six_chunked(struct cli *c)
{
	char head[512];
	size_t h = read_head(c);
	bool ok;

	if (h == 0 || h >= sizeof(head))
		return false;
	/* What follows may be read already: the head alone. */
	memcpy(head, c->buf, h);
	head[h] = 0;
	ok = strncmp(head, "HTTP/1.1 200 ", 13) == 0 &&
	     find_header(head, "Transfer-Encoding") &&
	     strncasecmp(find_header(head, "Transfer-Encoding"), "chunked",
			 7) == 0 &&
	     find_header(head, "X-Stream") && !strstr(head, "Content-Length");
	consume(c, h);
	if (!ok || want(c, sizeof(six) - 1) != 0 ||
	    memcmp(c->buf, six, sizeof(six) - 1) != 0)
		return false;
	consume(c, sizeof(six) - 1);
	return true;
}

static void c_chunked(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	/* A request pipelined behind the stream is answered after it. */
	CHECK(e, cli_sends(c, "GET /stream?n=6&size=10 HTTP/1.1\r\n\r\n"
			      "GET /after HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, read_six_chunked(c));
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 200 && strstr(r.body, "GET /after "));
	/* The same again, one at a time: each reuses an answered request
	 * (the stream's among them), and none may keep its chunking or its
	 * source. */
	for (int i = 0; i < 2; i++) {
		CHECK(e, cli_sends(c, "GET /stream?n=6&size=10 HTTP/1.1\r\n"
				      "\r\n") == 0);
		CHECK(e, read_six_chunked(c));
		CHECK(e, cli_sends(c, "GET /after HTTP/1.1\r\n\r\n") == 0);
		CHECK(e, cli_response(c, &r) == 0);
		CHECK(e, r.status == 200 && strstr(r.body, "GET /after "));
		CHECK(e, find_header(r.head, "Content-Length") &&
				 !find_header(r.head, "Transfer-Encoding"));
	}
	cli_close(c);
}

static void test_chunked(void **state)
{
	struct env *e;

	(void)state;
	e = run(NULL, "127.0.0.1:0", c_chunked);
	/* Every stream's source released, the reused requests' too. */
	assert_int_equal(e->streams, 3);
	assert_int_equal(e->released, 3);
	free(e);
}

/* HTTP/1.0: no chunks; the close ends the body. */
static void c_http10(struct env *e)
{
	struct cli *c = cli_open(e);
	size_t h;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /stream?n=5&size=4 HTTP/1.0\r\n"
			      "Connection: keep-alive\r\n\r\n") == 0);
	CHECK(e, read_to_close(c) == 0);
	h = read_head(c);
	CHECK(e, h > 0);
	CHECK(e, !find_header(c->buf, "Transfer-Encoding"));
	CHECK(e, strncasecmp(find_header(c->buf, "Connection"), "close", 5) ==
			 0);
	CHECK(e, c->len - h == 8 && memcmp(c->buf + h, "2:..4:..", 8) == 0);
	cli_close(c);
}

static void test_http10(void **state)
{
	struct env *e;

	(void)state;
	e = run(NULL, "127.0.0.1:0", c_http10);
	assert_int_equal(e->released, 1);
	free(e);
}

/* HEAD: the head alone; the body is never made. */
static void c_head(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "HEAD /stream?n=6&size=10 HTTP/1.1\r\n\r\n") ==
			 0);
	CHECK(e, cli_response_ex(c, &r, 1) == 0);
	CHECK(e, r.status == 200 && r.blen == 0);
	CHECK(e, find_header(r.head, "Transfer-Encoding"));
	CHECK(e, cli_sends(c, "GET /next HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0);
	CHECK(e, r.status == 200 && strstr(r.body, "GET /next "));
	cli_close(c);
}

static void test_head(void **state)
{
	struct env *e;

	(void)state;
	e = run(NULL, "127.0.0.1:0", c_head);
	assert_int_equal(e->streams, 1);
	assert_int_equal(e->released, 1);
	free(e);
}

/* A client that leaves during an endless stream (a closed connection,
 * then a reset), and one that leaves before its stream had its turn. */
static void c_gone(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /stream?n=4000000000&size=65536 "
			      "HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, read_head(c) > 0);
	cli_close(c);
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /stream?n=4000000000&size=65536 "
			      "HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, read_head(c) > 0);
	cli_reset(c);
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /defer?ms=100 HTTP/1.1\r\n\r\n"
			      "GET /stream HTTP/1.1\r\n\r\n") == 0);
	cli_close(c);
	/* The server still answers. */
	c = cli_open(e);
	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /alive HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, cli_response(c, &r) == 0 && r.status == 200);
	msleep(200); /* the deferred answer, discarded */
	cli_close(c);
}

static void test_client_gone(void **state)
{
	struct env *e;

	(void)state;
	e = run(NULL, "127.0.0.1:0", c_gone);
	assert_int_equal(e->streams, 3);
	assert_int_equal(e->released, 3);
	assert_int_equal(e->pending, 0);
	free(e);
}

/* A source that fails: the body is cut short, with no last chunk, and
 * the connection closed, so the client cannot take it for whole. */
static void c_fail(struct env *e)
{
	static const char cut[] = "a\r\n2:........\r\n"
				  "a\r\n4:........\r\n";
	struct cli *c = cli_open(e);
	size_t h;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /stream?n=10&size=10&fail=5 HTTP/1.1\r\n"
			      "\r\nGET /never HTTP/1.1\r\n\r\n") == 0);
	CHECK(e, read_to_close(c) == 0);
	h = read_head(c);
	CHECK(e, h > 0);
	CHECK(e, c->len - h == sizeof(cut) - 1);
	CHECK(e, memcmp(c->buf + h, cut, sizeof(cut) - 1) == 0);
	cli_close(c);
}

static void test_source_fails(void **state)
{
	struct env *e;

	(void)state;
	e = run(NULL, "127.0.0.1:0", c_fail);
	assert_int_equal(e->released, 1);
	free(e);
}

/* The same for HTTP/1.0, whose body only the close ends: a reset, not a
 * close that would pass the part sent for the whole body. */
static void c_fail10(struct env *e)
{
	struct cli *c = cli_open(e);

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /stream?n=10&size=10&fail=5 HTTP/1.0\r\n"
			      "\r\n") == 0);
	errno = 0;
	CHECK(e, read_to_close(c) == -1 && errno == ECONNRESET);
	cli_close(c);
}

static void test_source_fails_http10(void **state)
{
	struct env *e;

	(void)state;
	e = run(NULL, "127.0.0.1:0", c_fail10);
	assert_int_equal(e->released, 1);
	free(e);
}

/* The server stops while a stream is under way: it finishes, then the
 * connection closes. */
static void c_stop(struct env *e)
{
	struct cli *c = cli_open(e);
	size_t h;

	CHECK(e, c);
	CHECK(e, cli_sends(c, "GET /stream?n=6&size=10 HTTP/1.1\r\n\r\n") ==
			 0);
	CHECK(e, read_head(c) > 0);
	e->stop_sent = 1;
	uv_async_send(&e->stop);
	CHECK(e, read_to_close(c) == 0);
	h = read_head(c);
	CHECK(e, c->len - h == sizeof(six) - 1);
	CHECK(e, memcmp(c->buf + h, six, sizeof(six) - 1) == 0);
	cli_close(c);
}

static void test_server_stops_mid_stream(void **state)
{
	struct env *e;

	(void)state;
	e = run(NULL, "127.0.0.1:0", c_stop);
	assert_int_equal(e->released, 1);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_http10),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_client_gone),
		cmocka_unit_test(test_source_fails),
		cmocka_unit_test(test_source_fails_http10),
		cmocka_unit_test(test_server_stops_mid_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
