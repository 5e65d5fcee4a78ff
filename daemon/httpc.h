/*
 * httpc.h - the outgoing HTTP client: libcurl's multi interface driven by
 * the libuv loop (one uv_poll_t per socket, one uv_timer_t), so a slow or
 * dead receiver never blocks the loop. It sends one request and reports
 * what came back; whether that is success, a retry or a failure is the
 * caller's decision (notify.c).
 */
#ifndef PACED_HTTPC_H
#define PACED_HTTPC_H

#include <stddef.h>
#include <uv.h>

struct httpc;

struct httpc_response {
	long status;         /* HTTP status, 0 when no response arrived */
	int curl_code;       /* CURLcode, 0 (CURLE_OK) when a response came */
	const char *error;   /* curl's error text, or NULL */
	const char *body;    /* response body (first 64 KiB), NUL-terminated */
	size_t body_len;
	long retry_after_s;  /* Retry-After in seconds (delta or HTTP date),
			      * -1 when absent or unparseable */
};

/* Called exactly once per successful httpc_post(); the response and its
 * strings are borrowed for the duration of the call. */
typedef void (*httpc_done_fn)(const struct httpc_response *res, void *data);

/* 0 or PACED_E*. */
int httpc_new(struct httpc **out, uv_loop_t *loop);

/*
 * POSTs body to url. `headers` is NULL or a NULL-terminated array of
 * "Name: value" strings. timeout_ms bounds the whole transfer (connect
 * included). Everything is copied; the caller keeps ownership.
 * 0 or PACED_E* (and then done never runs).
 */
int httpc_post(struct httpc *c, const char *url, const char *const *headers,
	       const char *body, size_t len, long timeout_ms, httpc_done_fn done,
	       void *data);

/* Transfers under way. */
size_t httpc_in_flight(const struct httpc *c);

/* Aborts transfers under way (their callbacks run with curl_code
 * CURLE_ABORTED_BY_CALLBACK and error "shutting down"), closes every handle
 * and frees c once they are closed, then calls done(data) if not NULL. */
void httpc_close(struct httpc *c, void (*done)(void *), void *data);

#endif
