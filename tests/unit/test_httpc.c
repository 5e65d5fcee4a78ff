/* test_httpc.c - httpc POSTs: answers, Retry-After, failures, close. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <uv.h>

#include "httpc.h"
#include "httpc_testutil.h"
#include "paced.h"

/* ---- tests -------------------------------------------------------------- */

static void test_ok_body(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/ok", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "{}", 2, 5000, on_done,
				    &g),
			 0);
	assert_int_equal(httpc_in_flight(f->c), 1);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.status, 200);
	assert_int_equal(g.curl_code, CURLE_OK);
	assert_true(g.error_null);
	assert_int_equal(g.body_len, 12);
	assert_string_equal(g.body, "hello, paced");
	assert_int_equal(g.retry_after_s, -1);
	assert_int_equal(httpc_in_flight(f->c), 0);
	fx_close_client(f);
	assert_int_equal(g.calls, 1);
	got_reset(&g);
}

/* Finds header line `line` (without CRLF) in the head, whole-line match. */
static int count_header(const char *head, size_t head_len, const char *line)
{
	size_t ll = strlen(line);
	int n = 0;

	for (const char *p = head; p < head + head_len;) {
		const char *eol = memmem(p, (size_t)(head + head_len - p),
					 "\r\n", 2);

		if (!eol)
			break;
		if ((size_t)(eol - p) == ll && memcmp(p, line, ll) == 0)
			n++;
		p = eol + 2;
	}
	return n;
}

/*
 * The server must see exactly the posted headers and body, plus only what
 * HTTP needs (Host, Content-Length) and curl's Accept, our User-Agent, and
 * no "Expect: 100-continue" even for a body well above curl's threshold
 * for sending it. The body holds NULs to prove it is sent by length.
 */
static void test_request_exact(void **state)
{
	static const char *const headers[] = {
		"Content-Type: application/json",
		"webhook-id: evt_123",
		"webhook-timestamp: 1614265330",
		"webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIO"
		"LJ1OE=",
		NULL,
	};
	struct fx *f = *state;
	struct got g = {0};
	const size_t blen = 1536 * 1024 + 7;
	char url[128], line[128];
	char *body = malloc(blen), *req;
	const char *eoh;
	size_t req_len, head_len, nlines = 0, expected_lines;

	assert_non_null(body);
	for (size_t i = 0; i < blen; i++)
		body[i] = (char)(i * 7 % 251);
	url_for(f, "/ok", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, headers, body, blen, 10000,
				    on_done, &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 10000));
	assert_int_equal(g.status, 200);
	assert_int_equal(g.curl_code, CURLE_OK);

	pthread_mutex_lock(&f->srv.mu);
	req = f->srv.recorded;
	req_len = f->srv.recorded_len;
	f->srv.recorded = NULL;
	pthread_mutex_unlock(&f->srv.mu);
	assert_non_null(req);

	eoh = memmem(req, req_len, "\r\n\r\n", 4);
	assert_non_null(eoh);
	head_len = (size_t)(eoh - req) + 2; /* keep the last line's CRLF */
	assert_int_equal(req_len - head_len - 2, blen);
	assert_memory_equal(eoh + 4, body, blen);

	assert_int_equal(count_header(req, head_len, "POST /ok HTTP/1.1"), 1);
	for (size_t i = 0; headers[i]; i++)
		assert_int_equal(count_header(req, head_len, headers[i]), 1);
	snprintf(line, sizeof(line), "Host: 127.0.0.1:%d", f->srv.port);
	assert_int_equal(count_header(req, head_len, line), 1);
	assert_int_equal(count_header(req, head_len, "User-Agent: paced/0.1"),
			 1);
	assert_int_equal(count_header(req, head_len, "Accept: */*"), 1);
	snprintf(line, sizeof(line), "Content-Length: %zu", blen);
	assert_int_equal(count_header(req, head_len, line), 1);
	/* Nothing else: request line + 4 posted + Host, User-Agent, Accept,
	 * Content-Length. So no Expect, no second Content-Type. */
	for (const char *p = req; p < req + head_len; p++) {
		if (p[0] == '\r' && p[1] == '\n')
			nlines++;
	}
	expected_lines = 1 + 4 + 4;
	assert_int_equal(nlines, expected_lines);
	assert_null(strcasestr(req, "\r\nExpect:"));

	free(req);
	free(body);
	got_reset(&g);
}

static void test_retry_after_seconds(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/retry", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 5000, on_done,
				    &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.status, 503);
	assert_int_equal(g.curl_code, CURLE_OK);
	assert_int_equal(g.retry_after_s, 7);
	assert_string_equal(g.body, "busy");
	got_reset(&g);
}

static void test_retry_after_date(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/date", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 5000, on_done,
				    &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.status, 429);
	assert_int_equal(g.curl_code, CURLE_OK);
	/* Two minutes ahead, less the seconds the exchange took. */
	assert_in_range(g.retry_after_s, 110, 120);
	assert_int_equal(g.body_len, 0);
	assert_string_equal(g.body, "");
	got_reset(&g);
}

static void test_refused(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];
	int port;
	/* Bound but not listening: connect() is refused, and holding the
	 * port means nobody else can start listening on it meanwhile. */
	int fd = bind_loopback(false, &port);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok", port);
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 5000, on_done,
				    &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	close(fd);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.status, 0);
	assert_int_not_equal(g.curl_code, CURLE_OK);
	assert_int_equal(g.curl_code, CURLE_COULDNT_CONNECT);
	assert_false(g.error_null);
	assert_true(strlen(g.error) > 0);
	assert_int_equal(g.retry_after_s, -1);
	got_reset(&g);
}

static void test_timeout(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/hang", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 300, on_done,
				    &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.status, 0);
	assert_int_equal(g.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_true(strlen(g.error) > 0);
	assert_int_equal(httpc_in_flight(f->c), 0);
	got_reset(&g);
}

#define N_CONCURRENT 12

static void test_concurrent(void **state)
{
	struct fx *f = *state;
	struct got g[N_CONCURRENT];
	int done_total;
	char url[128], want[16];

	memset(g, 0, sizeof(g));
	for (int i = 0; i < N_CONCURRENT; i++) {
		snprintf(url, sizeof(url), "%s/n/%d", f->base, i);
		assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 5000,
					    on_done, &g[i]),
				 0);
	}
	assert_int_equal(httpc_in_flight(f->c), N_CONCURRENT);
	for (int i = 0; i < N_CONCURRENT; i++)
		assert_true(run_until_count(&f->loop, &g[i].calls, 1, 5000));
	done_total = 0;
	for (int i = 0; i < N_CONCURRENT; i++) {
		done_total += g[i].calls;
		snprintf(want, sizeof(want), "%d", i);
		assert_int_equal(g[i].status, 200);
		assert_string_equal(g[i].body, want);
		got_reset(&g[i]);
	}
	assert_int_equal(done_total, N_CONCURRENT);
	assert_int_equal(httpc_in_flight(f->c), 0);
}

/* A callback may post the next request: transfers finish from inside
 * httpc's own loop callbacks, and that must be safe. */
struct chain {
	struct fx *f;
	int calls;
	long last_status;
};

static void on_chain(const struct httpc_response *res, void *data)
{
	struct chain *ch = data;
	char url[128];

	ch->calls++;
	ch->last_status = res->status;
	if (ch->calls < 3) {
		snprintf(url, sizeof(url), "%s/n/%d", ch->f->base, ch->calls);
		assert_int_equal(httpc_post(ch->f->c, url, NULL, "", 0, 5000,
					    on_chain, ch),
				 0);
	}
}

static void test_post_from_callback(void **state)
{
	struct fx *f = *state;
	struct chain ch = {.f = f};
	char url[128];

	url_for(f, "/n/0", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, NULL, 0, 5000, on_chain,
				    &ch),
			 0);
	assert_true(run_until_count(&f->loop, &ch.calls, 3, 5000));
	assert_int_equal(ch.calls, 3);
	assert_int_equal(ch.last_status, 200);
	assert_int_equal(httpc_in_flight(f->c), 0);
}

static void test_big_response_capped(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/big", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 5000, on_done,
				    &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.status, 200);
	assert_int_equal(g.curl_code, CURLE_OK);
	assert_int_equal(g.body_len, 64 * 1024);
	assert_int_equal(g.body[0], 'a');
	assert_int_equal(g.body[64 * 1024 - 1], 'a' + (64 * 1024 - 1) % 26);
	got_reset(&g);
}

static void test_rejected_requests(void **state)
{
	static const char *const smuggle[] = {
		"X-A: 1\r\nX-B: 2", NULL,
	};
	static const char *const empty[] = {"", NULL};
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/ok", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, smuggle, "x", 1, 5000, on_done,
				    &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_post(f->c, url, empty, "x", 1, 5000, on_done,
				    &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_post(f->c, NULL, NULL, "x", 1, 5000, on_done,
				    &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_post(f->c, url, NULL, NULL, 1, 5000, on_done,
				    &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 0, on_done, &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_in_flight(f->c), 0);

	/* Only http and https: a file:// URL is refused by curl, reported
	 * through the callback like any other transfer failure. */
	assert_int_equal(httpc_post(f->c, "file:///etc/passwd", NULL, "x", 1,
				    5000, on_done, &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.status, 0);
	assert_int_equal(g.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
	assert_int_equal(g.body_len, 0);
	got_reset(&g);
}

struct order {
	int step;
	int aborted_at;
	int closed_at;
	struct got g;
	struct httpc *c;
	int repost;
};

static void on_abort_done(const struct httpc_response *res, void *data)
{
	struct order *o = data;

	on_done(res, &o->g);
	o->aborted_at = ++o->step;
	/* Closing already: new work is refused, synchronously. */
	o->repost = httpc_post(o->c, "http://127.0.0.1:1/", NULL, "", 0, 1000,
			       on_done, &o->g);
}

static void on_order_closed(void *data)
{
	struct order *o = data;

	o->closed_at = ++o->step;
}

static bool hung_seen(void *arg)
{
	struct fx *f = arg;

	return atomic_load(&f->srv.hung) >= 1;
}

static bool order_closed(void *arg)
{
	return ((struct order *)arg)->closed_at != 0;
}

static void test_close_in_flight(void **state)
{
	struct fx *f = *state;
	struct order o = {0};
	char url[128];

	o.c = f->c;
	url_for(f, "/hang", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 10000,
				    on_abort_done, &o),
			 0);
	/* Wait until the request is really on the wire and unanswered. */
	assert_true(run_until(&f->loop, hung_seen, f, 5000));
	assert_int_equal(o.g.calls, 0);
	assert_int_equal(httpc_in_flight(f->c), 1);

	httpc_close(f->c, on_order_closed, &o);
	f->c = NULL;
	/* The aborted transfer is reported at once; the client is freed
	 * only after its handles are closed, by the loop. */
	assert_int_equal(o.g.calls, 1);
	assert_int_equal(o.closed_at, 0);
	assert_true(run_until(&f->loop, order_closed, &o, 5000));

	assert_int_equal(o.g.calls, 1);
	assert_int_equal(o.g.status, 0);
	assert_int_equal(o.g.curl_code, CURLE_ABORTED_BY_CALLBACK);
	assert_string_equal(o.g.error, "shutting down");
	assert_int_equal(o.g.retry_after_s, -1);
	assert_int_equal(o.repost, PACED_ECLOSED);
	assert_int_equal(o.aborted_at, 1);
	assert_int_equal(o.closed_at, 2);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	got_reset(&o.g);
}

/* Closing an idle client also leaves nothing behind. */
static void test_close_idle(void **state)
{
	fx_close_client(*state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ok_body, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_request_exact, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_seconds,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_date,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_refused, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_timeout, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_post_from_callback,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_big_response_capped,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rejected_requests,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_close_in_flight,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_close_idle, fx_setup,
						fx_teardown),
	};

	unset_proxies();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
