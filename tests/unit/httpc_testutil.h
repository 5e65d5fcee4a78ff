/*
 * httpc_testutil.h - what the httpc tests (test_httpc.c, test_httpc_mail.c)
 * share: a tiny blocking HTTP/1.1 server in a thread on 127.0.0.1, and a
 * fixture holding a loop, an httpc client and that server, with helpers to
 * collect a response and run the loop until something happened. The server
 * answers by path:
 *   /ok     200 "hello, paced" and records the raw request
 *   /retry  503 with "Retry-After: 7"
 *   /date   429 with Retry-After as an HTTP-date two minutes ahead
 *   /big    200 with a 100000-byte body
 *   /n/K    200 with body "K"
 *   /hang   reads the request and never answers (connection held open)
 * Every answer carries "Connection: close", so each request is one
 * connection and the server can stay sequential. The names are the ones
 * these helpers had when they were static in test_httpc.c, so the tests
 * moved out of it unchanged; everything here fails the running cmocka test
 * on its own when something is off.
 */
#ifndef PACED_HTTPC_TESTUTIL_H
#define PACED_HTTPC_TESTUTIL_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "httpc.h"

#define SRV_MAX_HELD 32

/* ---- the server thread -------------------------------------------------- */

struct srv {
	int fd;
	int port;
	pthread_t thread;
	atomic_bool stop;
	atomic_int hung;      /* /hang requests received */
	int held[SRV_MAX_HELD];
	size_t nheld;
	pthread_mutex_t mu;   /* guards recorded */
	char *recorded;       /* last /ok request, raw; owned */
	size_t recorded_len;
};

/* Sends all n bytes of p to fd; false when the peer is gone. */
bool srv_send_all(int fd, const char *p, size_t n);

/* A socket bound to 127.0.0.1 on an ephemeral port; listening if asked. */
int bind_loopback(bool do_listen, int *port);

void srv_start(struct srv *s);
void srv_stop(struct srv *s);

/* ---- the client side ---------------------------------------------------- */

/* What on_done saw. */
struct got {
	int calls;
	long status;
	int curl_code;
	bool error_null;
	char error[CURL_ERROR_SIZE];
	char *body;          /* owned copy */
	size_t body_len;
	long retry_after_s;
};

void got_reset(struct got *g);

/* An httpc callback filling the struct got data points to. */
void on_done(const struct httpc_response *res, void *data);

struct fx {
	uv_loop_t loop;
	struct httpc *c;
	struct srv srv;
	char base[64];       /* "http://127.0.0.1:PORT" */
};

/* cmocka setup and teardown of a struct fx. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* Runs the loop until pred(arg) holds or ms pass; a 10 ms tick re-checks
 * conditions that change outside the loop (the server thread). */
bool run_until(uv_loop_t *loop, bool (*pred)(void *), void *arg, uint64_t ms);

/* run_until *n >= want. */
bool run_until_count(uv_loop_t *loop, const int *n, int want, uint64_t ms);

/* Closes the client and checks that no handle outlives it. */
void fx_close_client(struct fx *f);

/* The server's URL for path. */
void url_for(const struct fx *f, const char *path, char *out, size_t size);

/* The tests talk to 127.0.0.1 directly: drops the proxies the environment
 * may name, which would change what the server sees. */
void unset_proxies(void);

#endif
