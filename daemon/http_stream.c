/*
 * http_stream.c - writing a response whose body is made piece by piece
 * (http_respond_stream): one piece in flight at a time, the next made
 * in the callback of the write before it, so each piece costs one loop
 * turn and a slow reader holds one piece. Chunked framing for HTTP/1.1;
 * HTTP/1.0 gets the bare body and the connection's close ends it: a
 * normal close when it is whole, a reset when it is cut short.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_conn.h"
#include "log.h"
#include "paced.h"

static void stream_write(struct http_conn *c);

/* Ends the stream unfinished while none of its writes is in flight: the
 * connection is closed with the stream still in place, so that an
 * HTTP/1.0 client, whose body only the close delimits, gets a reset
 * rather than a body that looks whole (http_conn_close). */
static void stream_abort(struct http_conn *c)
{
	struct http_request *r = c->stream;

	http_conn_close(c);
	c->stream = NULL;
	http_req_free(r);
}

static void on_stream_written(uv_write_t *w, int status)
{
	struct http_request *r = CONTAINER_OF(w, struct http_request, wr);
	struct http_conn *c = r->conn;

	c->writing--;
	if (c->closing || status < 0 || r->src_done) {
		c->stream = NULL;
		http_req_free(r); /* releases the source */
		if (c->closing)
			return;
		if (status < 0) {
			log_debug("http: %s: write: %s", c->peer,
				  uv_strerror(status));
			http_conn_close(c);
			return;
		}
		/* The responses that waited behind the stream. */
		http_conn_flush(c);
		if (c->closing)
			return;
		http_conn_after_write(c);
		return;
	}
	/* The next piece is made now, in the callback of this write: one
	 * piece per loop turn at most, with reads and other answers
	 * served between. Its write is under way before anything else
	 * (reading on may close the connection), so its callback is what
	 * frees the request whatever happens. */
	stream_write(c);
	if (!c->closing)
		http_conn_after_write(c);
}

/* Writes the response head (the first time) and the next piece of the
 * stream's body, framed as a chunk, with the last chunk after the last
 * piece. */
static void stream_write(struct http_conn *c)
{
	static char crlf[] = "\r\n", last[] = "0\r\n\r\n";
	struct http_request *r = c->stream;
	int chunked = !r->http10;
	uv_buf_t b[5];
	unsigned nb = 0;
	int rc;

	free(r->piece);
	r->piece = NULL;
	r->piece_len = 0;
	rc = r->src->next(r->src_ctx, &r->piece, &r->piece_len);
	if (rc < 0) {
		log_warn("http: %s: response cut short: %s", c->peer,
			 paced_strerror(rc));
		stream_abort(c);
		return;
	}
	r->src_done = rc == 0;
	if (!r->head_sent)
		b[nb++] = uv_buf_init(r->out.p, (unsigned)r->out.len);
	r->head_sent = 1;
	if (r->piece_len && chunked) {
		snprintf(r->chunk_line, sizeof(r->chunk_line), "%zx\r\n",
			 r->piece_len);
		b[nb++] = uv_buf_init(r->chunk_line, strlen(r->chunk_line));
	}
	if (r->piece_len)
		b[nb++] = uv_buf_init(r->piece, (unsigned)r->piece_len);
	if (r->piece_len && chunked)
		b[nb++] = uv_buf_init(crlf, 2);
	if (r->src_done && chunked)
		b[nb++] = uv_buf_init(last, sizeof(last) - 1);
	/* An empty piece (the source worked without output) is no chunk,
	 * which would read as the last: an empty write instead, so the next
	 * piece still waits for the next loop turn. */
	if (nb == 0)
		b[nb++] = uv_buf_init(crlf, 0);
	if (uv_write(&r->wr, &c->u.s, b, nb, on_stream_written)) {
		stream_abort(c);
		return;
	}
	c->writing++;
}

void http_stream_start(struct http_conn *c, struct http_request *r)
{
	c->stream = r;
	stream_write(c);
}
