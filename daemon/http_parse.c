/*
 * http_parse.c - a connection's bytes made into requests: http_parser's
 * callbacks hold each request to the limits (head size, body size,
 * framing a proxy could read otherwise), queue it complete in the
 * connection's FIFO and hand it to the server's handler; reading pauses
 * at the connection's bounds (http_conn.h).
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "arr.h"
#include "http_conn.h"
#include "log.h"
#include "paced.h"

/* ---- parser callbacks: -1 stops the parser after a close ---- */

static int cb_fail(struct http_conn *c, int status, const char *code,
		   const char *msg)
{
	http_conn_fail(c, status, code, "%s", msg);
	return -1;
}

static int cb_oom(struct http_conn *c)
{
	return cb_fail(c, 503, "unavailable", "out of memory");
}

/* Counts request-head bytes against max_header and keeps them. */
static int head_add(struct http_conn *c, struct http_buf *b, const char *at,
		    size_t len)
{
	struct http_request *r = c->cur;
	char msg[80];

	r->head_bytes += len;
	if (r->head_bytes > r->max_header) {
		snprintf(msg, sizeof(msg), "request head exceeds %zu bytes",
			 r->max_header);
		return cb_fail(c, 431, "header_too_large", msg);
	}
	if (http_buf_add(b, at, len))
		return cb_oom(c);
	return 0;
}

/* Terminates the header being read; a field without value gets "". */
static int hdr_end(struct http_request *r)
{
	if (r->hs == HS_FIELD) {
		if (http_buf_add(&r->hbuf, "", 1))
			return PACED_ENOMEM;
		r->hv[r->nh - 1].value = r->hbuf.len;
	}
	if (r->hs != HS_NONE && http_buf_add(&r->hbuf, "", 1))
		return PACED_ENOMEM;
	r->hs = HS_NONE;
	return 0;
}

static int on_message_begin(http_parser *p)
{
	struct http_conn *c = p->data;

	if (c->closing || c->draining)
		return -1;
	c->cur = http_req_new(c);
	if (!c->cur)
		return cb_oom(c);
	if (c->tm != TM_HEAD)
		http_conn_timer_set(c, TM_HEAD, c->srv->limits.head_timeout_ms);
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;

	if (!c->cur)
		return -1;
	return head_add(c, &c->cur->url, at, len);
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;
	struct http_request *r = c->cur;

	if (!r)
		return -1;
	if (r->head_done)
		return 0; /* trailers: bounded by the parser, not kept */
	if (r->hs != HS_FIELD) {
		if (hdr_end(r))
			return cb_oom(c);
		if (arr_grow(&r->hv, &r->caph, r->nh + 1, sizeof(*r->hv), 16))
			return cb_oom(c);
		r->hv[r->nh].name = r->hbuf.len;
		r->hv[r->nh++].value = 0;
		r->hs = HS_FIELD;
		r->head_bytes += 4; /* ": " and CRLF */
	}
	return head_add(c, &r->hbuf, at, len);
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;
	struct http_request *r = c->cur;

	if (!r)
		return -1;
	if (r->head_done)
		return 0;
	if (r->hs == HS_NONE)
		return -1;
	if (r->hs == HS_FIELD) {
		if (http_buf_add(&r->hbuf, "", 1))
			return cb_oom(c);
		r->hv[r->nh - 1].value = r->hbuf.len;
		r->hs = HS_VALUE;
	}
	return head_add(c, &r->hbuf, at, len);
}

/* Splits the raw target into path and query; an absolute-form target
 * ("http://host/p?q") keeps only its path. */
static void url_split(struct http_request *r)
{
	char *s = r->url.p, *q;

	if (*s != '/' && (q = strstr(s, "://")) != NULL)
		s = q + 3 + strcspn(q + 3, "/?#");
	if ((q = strchr(s, '#')) != NULL)
		*q = '\0';
	if ((q = strchr(s, '?')) != NULL) {
		*q = '\0';
		r->query = q + 1;
	}
	r->path = *s ? s : "/";
}

static int on_headers_complete(http_parser *p)
{
	struct http_conn *c = p->data;
	struct http_request *r = c->cur;
	const char *expect;
	char msg[80];
	int body;

	if (!r)
		return -1;
	if (hdr_end(r) || http_buf_add(&r->url, "", 0))
		return cb_oom(c);
	r->method = http_method_str((enum http_method)p->method);
	r->head_bytes += strlen(r->method) + 14; /* request line, blank line */
	if (r->head_bytes > r->max_header) {
		snprintf(msg, sizeof(msg), "request head exceeds %zu bytes",
			 r->max_header);
		return cb_fail(c, 431, "header_too_large", msg);
	}
	r->head_done = 1;
	url_split(r);
	r->keep_alive = http_should_keep_alive(p) != 0;
	r->http10 = p->http_major == 1 && p->http_minor == 0;
	r->is_head = p->method == HTTP_HEAD;
	if (p->http_major != 1)
		return cb_fail(c, 505, "http_version_not_supported",
			       "only HTTP/1.0 and HTTP/1.1 are supported");
	if (p->upgrade || p->method == HTTP_CONNECT)
		return cb_fail(c, 400, "bad_request",
			       "CONNECT and Upgrade are not supported");
	body = (p->flags & F_CHUNKED) ||
	       ((p->flags & F_CONTENTLENGTH) && p->content_length > 0);
	if ((p->flags & F_CONTENTLENGTH) && p->content_length > r->max_body) {
		snprintf(msg, sizeof(msg), "request body exceeds %zu bytes",
			 r->max_body);
		return cb_fail(c, 413, "payload_too_large", msg);
	}
	/* RFC 9110: an HTTP/1.0 request's expectation is ignored. */
	expect = http_request_header(r, "expect");
	if (expect && !r->http10) {
		if (strcasecmp(expect, "100-continue") != 0)
			return cb_fail(c, 417, "expectation_failed",
				       "only 100-continue can be expected");
		c->want_continue = body;
	}
	if (!body)
		return 0;
	if ((p->flags & F_CONTENTLENGTH) &&
	    http_buf_reserve(&r->body,
			     p->content_length < 65536 ?
				     (size_t)p->content_length : 65536))
		return cb_oom(c);
	http_conn_timer_set(c, TM_BODY, c->srv->limits.body_timeout_ms);
	if (c->want_continue)
		http_conn_flush(c);
	return c->closing ? -1 : 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http_conn *c = p->data;
	struct http_request *r = c->cur;
	char msg[80];

	if (!r)
		return -1;
	if (len > r->max_body - r->body.len) {
		snprintf(msg, sizeof(msg), "request body exceeds %zu bytes",
			 r->max_body);
		return cb_fail(c, 413, "payload_too_large", msg);
	}
	if (http_buf_add(&r->body, at, len))
		return cb_oom(c);
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct http_conn *c = p->data;
	struct http_request *r = c->cur;
	struct http_server *srv = c->srv;

	if (!r)
		return -1;
	c->cur = NULL;
	c->want_continue = 0;
	http_conn_timer_set(c, TM_NONE, 0);
	r->dispatched = 1;
	http_conn_fifo_push(c, r);
	srv->live++;
	/* The last request a connection may carry is answered with
	 * Connection: close, so one client cannot hold it for ever. */
	if (!r->keep_alive || ++c->nreq >= srv->limits.max_requests)
		http_conn_drain(c);
	srv->handler(r, srv->data);
	if (c->closing)
		return -1;
	/* Stop here; the rest of the buffer waits at rbuf (http_conn_parse). */
	if (c->draining || c->nfifo + c->writing >= HTTP_MAX_QUEUED ||
	    http_conn_unsent(c) >= HTTP_MAX_UNSENT)
		http_parser_pause(p, 1);
	http_conn_check(c);
	return 0;
}

static const http_parser_settings parser_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

void http_conn_parse(struct http_conn *c, const char *data, size_t len)
{
	size_t n = http_parser_execute(&c->parser, &parser_settings, data, len);
	enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);

	if (c->closing || c->draining)
		return;
	if (e == HPE_PAUSED) {
		memmove(c->rbuf, data + n, len - n);
		c->saved = len - n;
		c->paused = 1;
		uv_read_stop(&c->u.s);
		return;
	}
	if (e == HPE_HEADER_OVERFLOW)
		http_conn_fail(c, 431, "header_too_large", "request head too large");
	else if (e != HPE_OK || n != len)
		http_conn_fail(c, 400, "bad_request", "malformed request: %s",
			  http_errno_description(e));
}
