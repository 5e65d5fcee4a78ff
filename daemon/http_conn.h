/*
 * http_conn.h - private to daemon/http*.c: the structs behind http.h's
 * opaque types and the functions the server (http.c), its listening
 * sockets (http_listen.c), one connection (http_conn.c) and its parser
 * callbacks (http_parse.c) call across files. Everything outside http*.c uses http.h only.
 */
#ifndef PACED_HTTP_CONN_H
#define PACED_HTTP_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <http_parser.h>
#include <uv.h>

#include "http.h"

#define HTTP_RBUF_SIZE 16384

/* The struct holding a member, from the member's address. */
#define CONTAINER_OF(p, type, field) \
	((type *)(void *)((char *)(p) - offsetof(type, field)))

enum http_tmode { TM_NONE, TM_IDLE, TM_HEAD, TM_BODY, TM_LINGER };
enum http_hstate { HS_NONE, HS_FIELD, HS_VALUE };

union http_stream {
	uv_handle_t h;
	uv_stream_t s;
	uv_tcp_t tcp;
	uv_pipe_t pipe;
};

struct http_buf {
	char *p;
	size_t len, cap; /* p[len] is always '\0' once allocated */
};

struct http_hdr {
	size_t name, value; /* offsets into hbuf: the pieces may realloc it */
};

/* Owned by its connection's FIFO until dispatched, then by the handler
 * until http_respond(), then by the write that sends it; http_req_free
 * then keeps it on the server's spare list for the next request. */
struct http_request {
	struct http_server *srv;
	struct http_conn *conn; /* NULL once the connection is gone */
	struct http_request *next;
	uv_write_t wr;
	const char *method, *path, *query;
	struct http_buf url, hbuf, body, out;
	struct http_hdr *hv;
	size_t nh, caph;
	enum http_hstate hs;
	size_t head_bytes, max_header, max_body;
	char *resp_body;
	size_t resp_len;
	/* A streamed body (http_respond_stream): its source, the piece
	 * being written and its chunk-size line. */
	const struct http_source *src;
	void *src_ctx;
	char *piece;
	size_t piece_len;
	char chunk_line[24];
	unsigned keep_alive : 1, http10 : 1, is_head : 1, head_done : 1;
	unsigned dispatched : 1, responded : 1;
	unsigned src_done : 1, head_sent : 1;
	char peer[64];
};

/* One accepted stream; freed in its close callback (two handles). */
struct http_conn {
	union http_stream u;
	uv_timer_t timer;
	uv_shutdown_t shut_req;
	struct http_server *srv;
	struct http_conn *prev, *next;
	http_parser parser;
	struct http_request *cur;         /* being parsed; not in the FIFO */
	struct http_request *head, *tail; /* complete, in arrival order */
	/* The response whose body is being streamed, out of the FIFO; the
	 * responses behind it wait. Owned by its write in flight. */
	struct http_request *stream;
	unsigned nfifo, writing, nclosed;
	unsigned nreq; /* requests read so far, against max_requests */
	enum http_tmode tm;
	/* When tm's limit runs out (loop ms; 0: none); the uv timer, if
	 * active, fires at or before it (timer_set). */
	uint64_t deadline;
	size_t saved; /* unparsed bytes kept at rbuf while paused */
	unsigned closing : 1, draining : 1, paused : 1, shut : 1, eof : 1;
	unsigned want_continue : 1;
	char peer[64];
	char rbuf[HTTP_RBUF_SIZE];
};

struct http_listener {
	union http_stream u;
	struct http_server *srv;
	int is_unix, port;
	size_t spec; /* which successful listen call made it */
	char *path;  /* socket file we created, removed on close */
};

/* Owns the listeners and the connections; see http_server_maybe_done(). */
struct http_server {
	uv_loop_t *loop;
	struct http_limits limits;
	http_handler_fn handler;
	void *data;
	struct http_listener **lst;
	size_t nlst;
	size_t nspecs; /* successful listen calls; one may bind several */
	struct http_conn *conns;
	size_t nconns; /* allocated, including closing ones */
	size_t live;   /* handed to the handler, not yet answered */
	size_t open;   /* handles whose close callback has not run */
	uv_timer_t kick; /* closed last, so done() always runs from the loop */
	int closing;
	void (*done)(void *);
	void *done_data;
	/* Requests answered, kept with their buffers for the next ones: a
	 * request allocated and grew half a dozen of them. */
	struct http_request *spare;
	size_t nspare;
};

/* ---- http.c: buffers, requests, the server's end ---- */

/* Room for extra more bytes and the '\0'; 0 or PACED_ENOMEM. */
int http_buf_reserve(struct http_buf *b, size_t extra);
/* Appends n bytes of s (borrowed) and keeps the '\0'; 0 or PACED_ENOMEM. */
int http_buf_add(struct http_buf *b, const char *s, size_t n);

/* A request read from c, with the limits in force now; NULL: no memory. */
struct http_request *http_req_new(struct http_conn *c);
void http_req_free(struct http_request *r);
/* Builds r's response (all but the Connection header and the blank line)
 * and marks it answered; copies body. 0 or PACED_ENOMEM. */
int http_req_set_response(struct http_request *r, int status,
			  const char *extra, const char *ctype,
			  const char *body, size_t len);

/* Frees srv and calls done once it is closing and nothing is left open or
 * awaiting an answer; call after anything of srv is released. */
void http_server_maybe_done(struct http_server *srv);

/* ---- http_listen.c ---- */

/* Closes every listener (removing the unix socket files it made). */
void http_listen_close_all(struct http_server *srv);

/* Requests read but not yet written back, per connection. Reading pauses
 * at the first bound and resumes at the second, so a client that pipelines
 * without reading the answers cannot make us buffer without limit. */
#define HTTP_MAX_QUEUED 64
#define HTTP_RESUME_QUEUED 32
/* The same by the bytes of answers not yet taken by the socket: 64 small
 * answers are nothing, 64 lists of a thousand events are 200 MB held for
 * one client that does not read. */
#define HTTP_MAX_UNSENT (1024 * 1024)
#define HTTP_RESUME_UNSENT (256 * 1024)

/* ---- http_conn.c ---- */

/* Accepts one pending connection on l and starts reading from it. */
void http_conn_accept(struct http_listener *l);
/* Writes the answered requests at the head of c's FIFO, in order. */
void http_conn_flush(struct http_conn *c);
/* Re-evaluates what c waits for (timer, shutdown) after any change. */
void http_conn_check(struct http_conn *c);
/* Closes c now; requests the handler still holds become orphans. */
void http_conn_close(struct http_conn *c);
/* A response (or a piece of one) left: restarts the idle clock, reads
 * again if reading paused for the queue, re-checks the connection. */
void http_conn_after_write(struct http_conn *c);
/* The server closes: close c if it is idle, else answer what is queued
 * and close then. */
void http_conn_stop(struct http_conn *c);
/* Queues a complete request r behind c's others. */
void http_conn_fifo_push(struct http_conn *c, struct http_request *r);
/* Sets what c waits for (m) and by when (ms; 0: no limit). */
void http_conn_timer_set(struct http_conn *c, enum http_tmode m,
			 uint64_t ms);
/* No more requests on c: answer what is queued, then close. */
void http_conn_drain(struct http_conn *c);
/* Answers the request being read (or a new one) with a JSON error in
 * paced's shape, after those queued before it, and closes. */
void http_conn_fail(struct http_conn *c, int status, const char *code,
		    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Bytes of c's answers made and not yet taken by the socket. */
size_t http_conn_unsent(struct http_conn *c);

/* ---- http_parse.c ---- */

/* Feeds data read from c to its parser: requests go to the FIFO and the
 * handler; a pause (the bounds above) keeps the rest at c->rbuf and stops
 * reading; a malformed request is answered and c closed. */
void http_conn_parse(struct http_conn *c, const char *data, size_t len);

/* ---- http_stream.c ---- */

/* Starts writing r (answered with a source, taken off c's FIFO): its head
 * and its body piece by piece; the responses behind it wait until it is
 * done (then http_conn_flush() runs again). */
void http_stream_start(struct http_conn *c, struct http_request *r);

#endif
