/* test_http.c - HTTP server requests: bodies, limits, errors, listeners. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http.h"
#include "http_testutil.h"
#include "log.h"
#include "paced.h"

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

/* Requests one after another on a connection reuse the answered one's
 * memory: nothing of the first may show in the second. */
static void c_reused(struct env *e)
{
	struct cli *c = cli_open(e);
	struct resp r;

	CHECK(e, c);
	for (int i = 0; i < 3; i++) {
		CHECK(e, cli_sends(c, "POST /one/long/path?q=1&r=2 HTTP/1.1\r\n"
				      "X-Test: first\r\nX-Other: o\r\n"
				      "Content-Length: 9\r\n\r\nabcdefghi") == 0);
		CHECK(e, cli_response(c, &r) == 0);
		CHECK(e, strcmp(r.body, "POST /one/long/path ?q=1&r=2 x=first "
				"peer=127.0.0.1 len=9 body=abcdefghi") == 0);
		CHECK(e, cli_sends(c, "GET /two HTTP/1.1\r\n\r\n") == 0);
		CHECK(e, cli_response(c, &r) == 0);
		CHECK(e, strcmp(r.body, "GET /two ? x=- peer=127.0.0.1 len=0 "
				"body=") == 0);
		CHECK(e, strtoul(find_header(r.head, "Content-Length"), NULL,
				 10) == r.blen);
	}
	cli_close(c);
}

static void test_reused(void **state)
{
	(void)state;
	free(run(NULL, "127.0.0.1:0", c_reused));
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
			"\"message\":\"request body exceeds 1024 bytes\","
			"\"field\":null}}") ==
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
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_reused),
		cmocka_unit_test(test_expect),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_unix_socket),
		cmocka_unit_test(test_listen),
	};

	alarm(120); /* a hung socket must not hang CI */
	if (getenv("TEST_HTTP_DEBUG"))
		log_set_level(LOG_LVL_DEBUG);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
