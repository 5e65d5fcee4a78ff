/*
 * httpc.h - the outgoing client: libcurl's multi interface driven by the
 * libuv loop (one uv_poll_t per socket, one uv_timer_t), so a slow or dead
 * receiver never blocks the loop. It sends one HTTP POST or one mail over
 * SMTP and reports what came back; whether that is success, a retry or a
 * failure is the caller's decision (notify.c).
 */
#ifndef PACED_HTTPC_H
#define PACED_HTTPC_H

#include <stddef.h>
#include <uv.h>

struct httpc;

struct httpc_response {
	/* HTTP status, or for SMTP the last reply code (250 when the mail
	 * was taken, 550 when a recipient was refused, ...); 0 when no
	 * response arrived. */
	long status;
	/* CURLcode: 0 (CURLE_OK) when an HTTP response came or the mail was
	 * taken; for SMTP any refusal is also an error here (and status
	 * says which reply it was). */
	int curl_code;
	const char *error;   /* curl's error text, or NULL */
	/* The response body (first 64 KiB), NUL-terminated; for SMTP the
	 * server's reply lines, CRLF-terminated, in the order received. */
	const char *body;
	size_t body_len;
	long retry_after_s;  /* Retry-After in seconds (delta or HTTP date),
			      * -1 when absent or unparseable */
};

/* Called exactly once per successful httpc_post() or httpc_mail(); the
 * response and its
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

/* The envelope of one mail; everything is borrowed for the call. */
struct httpc_mail {
	const char *from;            /* envelope sender ("" for <>) */
	const char *const *rcpt;     /* envelope recipients, n_rcpt >= 1 */
	size_t n_rcpt;
	const char *username, *password; /* NULL username: no AUTH */
};

/*
 * Sends msg (a whole RFC 5322 message, CRLF line endings, len > 0 bytes)
 * to the SMTP server of url: "smtps://host[:port]" (TLS from the start) or
 * "smtp://host[:port]", where STARTTLS is required - the mail is not sent
 * when the server does not offer it or the upgrade fails - unless host is
 * loopback (127.0.0.0/8, ::1, localhost), where STARTTLS is used only when
 * offered. Every recipient must be accepted or nothing is sent. timeout_ms
 * bounds the whole exchange. Everything is copied. 0, or PACED_EINVAL
 * (bad arguments; a CR or LF in an address or the login), PACED_ENOMEM,
 * PACED_ECLOSED - and then done never runs.
 */
int httpc_mail(struct httpc *c, const char *url, const struct httpc_mail *m,
	       const char *msg, size_t len, long timeout_ms,
	       httpc_done_fn done, void *data);

/* Transfers under way. */
size_t httpc_in_flight(const struct httpc *c);

/* Aborts transfers under way (their callbacks run with curl_code
 * CURLE_ABORTED_BY_CALLBACK and error "shutting down"), closes every handle
 * and frees c once they are closed, then calls done(data) if not NULL. */
void httpc_close(struct httpc *c, void (*done)(void *), void *data);

#endif
