/*
 * http.h - the HTTP/1.1 server: libuv listeners (TCP and unix sockets),
 * connections, request parsing with http_parser, limits and timeouts, and
 * in-order responses for pipelined requests. It knows nothing of routes:
 * every complete request goes to one handler callback.
 */
#ifndef PACED_HTTP_H
#define PACED_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct http_server;
struct http_request;

struct http_limits {
	size_t max_body;          /* bytes of decoded body; more is 413 */
	size_t max_header;        /* bytes of request line + headers; 431 */
	uint64_t idle_timeout_ms; /* keep-alive connection with nothing to do */
	uint64_t head_timeout_ms; /* whole request head must arrive within */
	uint64_t body_timeout_ms; /* whole body must arrive within */
	unsigned max_connections; /* accepted connections at once */
	unsigned max_requests;    /* per connection, then Connection: close */
};

/* Fills in paced's defaults: 1 MiB body, 16 KiB head, 60 s idle, 10 s head,
 * 30 s body, 1024 connections, 1000 requests per connection. */
void http_limits_default(struct http_limits *l);

/*
 * Called once per complete request (head and whole body). The handler must
 * call http_respond() exactly once for it, now or later from the same loop;
 * until then `req` stays valid even if the client has gone away (the
 * response is then discarded). Responses of pipelined requests are written
 * in request order.
 */
typedef void (*http_handler_fn)(struct http_request *req, void *data);

/* 0 or PACED_E*; *out owned by the caller until http_server_close(). */
int http_server_new(struct http_server **out, uv_loop_t *loop,
		    const struct http_limits *limits, http_handler_fn handler,
		    void *data);

/* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80", "localhost:8080" or
 * "unix:/run/paced/paced.sock". Port 0 picks a free port. 0 or PACED_E*;
 * on failure err holds a message naming the address. */
int http_server_listen(struct http_server *srv, const char *spec, char *err,
		       size_t errlen);

/* Adopts an already listening socket (systemd socket activation). */
int http_server_listen_fd(struct http_server *srv, int fd, char *err,
			  size_t errlen);

/* The bound TCP port of the i-th listener (0 for unix sockets or no such
 * listener), so a listener on port 0 can say where it is. */
int http_server_port(const struct http_server *srv, size_t i);

/* The socket of the k-th bound address of the i-th listen call (a name
 * may resolve to several); -1 past the last. */
int http_server_spec_fd(const struct http_server *srv, size_t i, size_t k);

/* The limits in force; replacing them affects new requests only. */
void http_server_set_limits(struct http_server *srv,
			    const struct http_limits *limits);

/* Stops listening, closes idle connections, lets requests in progress get
 * their responses, then frees everything and calls done(data) (if not
 * NULL) once all handles are closed. */
void http_server_close(struct http_server *srv, void (*done)(void *),
		       void *data);

/* Accessors; the strings are borrowed from req and live until respond. */
const char *http_request_method(const struct http_request *req); /* "GET" */
/* The path, raw (not percent-decoded), without the query. */
const char *http_request_path(const struct http_request *req);
/* The raw query string after '?', or "" when there is none. */
const char *http_request_query(const struct http_request *req);
/* Case-insensitive header lookup; NULL when absent. */
const char *http_request_header(const struct http_request *req,
				const char *name);
/* The decoded body (chunked framing removed), NUL-terminated after len. */
const char *http_request_body(const struct http_request *req, size_t *len);
/* The peer, e.g. "127.0.0.1" or "unix", for logs. */
const char *http_request_peer(const struct http_request *req);

/*
 * Sends the response and releases req. `extra_headers` is NULL or a block
 * of complete "Name: value\r\n" lines (e.g. "Retry-After: 5\r\n").
 * Content-Type and Content-Length are always written. A 204 or 304 has no
 * body. The server adds "Connection: close" and closes after the response
 * when the client asked to or the request was HTTP/1.0 without keep-alive.
 * Copies body; the caller keeps ownership of everything passed in.
 */
void http_respond(struct http_request *req, int status,
		  const char *extra_headers, const char *content_type,
		  const char *body, size_t len);

/* http_respond taking ownership of body (malloc'd, or NULL with len 0),
 * which is sent as it is instead of copied, and freed in every case. */
void http_respond_take(struct http_request *req, int status,
		       const char *extra_headers, const char *content_type,
		       char *body, size_t len);

/*
 * A body made piece by piece, for answers too large to build at once
 * (lists of many projects): the server asks for the next piece only when
 * the response has its turn on the connection and the previous piece has
 * been written, so each piece is made in its own loop turn, other
 * requests are served in between, and a slow reader holds one piece, not
 * the whole body.
 */
struct http_source {
	/* Makes the next piece: *piece (malloc'd, taken by the server;
	 * NULL with *len 0 for none) of *len bytes. 1: more follows, 0: that
	 * was the last piece, negative PACED_E*: stop; the response is cut
	 * short and the connection closed: an HTTP/1.1 body lacks its last
	 * chunk, an HTTP/1.0 one (which only the close ends) gets a TCP
	 * reset, so no client takes it for whole. (A unix socket has no
	 * reset: there an HTTP/1.0 body cut short just ends.) */
	int (*next)(void *ctx, char **piece, size_t *len);
	/* Called exactly once, when the body is done or abandoned (client
	 * gone, error, HEAD, server stopping); frees ctx. */
	void (*release)(void *ctx);
};

/*
 * Sends a response whose body src makes (ctx passed to its functions),
 * with Transfer-Encoding: chunked instead of Content-Length (an HTTP/1.0
 * client gets the body delimited by the connection's close, or a TCP
 * reset when it is cut short, by a failing source or by the idle timeout
 * of a client that stopped reading). The idle timeout runs while the body
 * is written, restarted by each piece the client takes, whatever is
 * pipelined behind it. A HEAD response carries the headers only. src is
 * borrowed (static), ctx owned by the server from now on: release(ctx)
 * runs in every case, possibly before this returns.
 */
void http_respond_stream(struct http_request *req, int status,
			 const char *extra_headers, const char *content_type,
			 const struct http_source *src, void *ctx);

/* "OK", "Not Found", ... for a status code. */
const char *http_status_text(int status);

#endif
