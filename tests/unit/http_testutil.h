/*
 * http_testutil.h - what the HTTP server tests (test_http.c,
 * test_http_conn.c) share: the server runs on a real loop on the main
 * thread with a handler that echoes each request (/defer?ms=N answers N ms
 * later, /nocontent with 204, /big?size=N with N bytes 'a' + i % 26 in
 * one body, /stream?n=N&size=S&fail=K streams N pieces of S bytes, every
 * other one empty, failing at piece K), a client thread speaks raw
 * HTTP/1.1 over
 * blocking sockets, and run() ends every test with uv_loop_close() == 0 so
 * a leaked handle fails it. The names are the ones these had when they were
 * static in test_http.c, so the tests moved out of it unchanged.
 */
#ifndef PACED_HTTP_TESTUTIL_H
#define PACED_HTTP_TESTUTIL_H

#include <stddef.h>
#include <stdio.h>
#include <uv.h>

#include "http.h"

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
	/* /stream responses: sources started and released */
	int streams, released;
	/* client side: the first failed check */
	char why[512];
};

/* In a client: records the first failed cond in e->why (run() fails the
 * test with it) and returns. */
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

/* The echoing http_server handler; data is the struct env. */
void handler(struct http_request *req, void *data);

/* The limits tests start from: small enough to reach, timeouts of 5 s. */
void test_limits(struct http_limits *l);

/* Runs client in a thread against a server listening on spec, with l or
 * test_limits() when l is NULL; the caller frees the env returned. */
struct env *run(const struct http_limits *l, const char *spec,
		client_fn client);

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

/* A connection to e's server, or NULL. */
struct cli *cli_open(struct env *e);
void cli_close(struct cli *c);

/* Closes with a reset instead of a FIN. */
void cli_reset(struct cli *c);

/* 0, or -1 when not all was sent. */
int cli_send(struct cli *c, const char *s, size_t n);
int cli_sends(struct cli *c, const char *s);

/* Reads what is there into c->buf; bytes read, 0 at EOF, -1. */
int cli_fill(struct cli *c);

/* The value of header name in head, or NULL. */
const char *find_header(const char *head, const char *name);

/* Reads one response (head, then a Content-Length body unless nobody,
 * as for HEAD); 0 or -1. */
int cli_response_ex(struct cli *c, struct resp *r, int nobody);
int cli_response(struct cli *c, struct resp *r);

/* 1 when the server closes (EOF or reset) with nothing more to read. */
int cli_closed(struct cli *c);

/* A monotonic clock in ms, and a sleep. */
double now_ms(void);
void msleep(int ms);

/* One request on a fresh connection, expecting status and then a close
 * when want_close; with code, a JSON error naming that code. */
void one_shot(struct env *e, const char *req, int status, int want_close,
	      const char *code);

#endif
