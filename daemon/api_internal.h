/*
 * api_internal.h - what the api_*.c files share: answering with JSON or an
 * error, reading bodies and query strings. Not for use outside api*.c.
 */
#ifndef PACED_API_INTERNAL_H
#define PACED_API_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "http.h"
#include "project.h"

/* Most updates one batch (JSON or CSV) may carry. */
#define API_BATCH_MAX 10000

/* Sends j (reference stolen) with status. */
void api_reply_json(struct http_request *req, int status, json_t *j);

/* Sends what w holds (finished here) with status; a 500 when w failed. */
struct jsonw;
void api_reply_written(struct http_request *req, int status,
		       struct jsonw *w);

/* api_reply_written() for the answer to a write: held until the loop
 * turn's group commit (group.h) has made the write durable, and turned
 * into a 503 if that commit fails. */
void api_reply_durable(struct http_request *req, struct app *app, int status,
		       struct jsonw *w);

/* Sends the SPEC's error body; field may be NULL. */
void api_reply_error(struct http_request *req, int status, const char *code,
		     const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* api_reply_error() with extra header lines ("Name: value\r\n"...). */
void api_reply_error_headers(struct http_request *req, int status,
			     const char *headers, const char *code,
			     const char *field, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* 405 for route (named in the message), with the Allow header that
 * RFC 9110 asks of a 405: allow is its value, e.g. "GET, POST". */
void api_reply_405(struct http_request *req, const char *route,
		   const char *allow);

/* Sends a field_error: 404 for "not_found", else 422 (400 for
 * "invalid_json"). */
void api_reply_field_error(struct http_request *req,
			   const struct field_error *e);

/* Answers a failure from tracker/store that is not the client's fault:
 * 503 for database trouble (with Retry-After), 500 otherwise. */
void api_reply_failure(struct http_request *req, int rc);

/* Decodes a JSON object body, or answers 415/400 itself and returns NULL.
 * New reference. */
json_t *api_read_json(struct http_request *req);

/* The percent-decoded value of query parameter `name` into buf; false
 * when absent (or too long / badly encoded, which *bad then says). */
bool api_query(const char *query, const char *name, char *buf, size_t len,
	       bool *bad);

/* Answers 422 naming the first query parameter not in `allowed`
 * (NULL-terminated) and returns false; true when all are known. */
bool api_query_only(struct http_request *req, const char *const *allowed);

/* api_query_only with none allowed: for the routes that read no query,
 * so that a client's ?dry_run=1 is refused, never taken for a write. */
bool api_no_query(struct http_request *req);

/* GET or HEAD: every route that answers GET answers HEAD (the head and
 * Content-Length alone; http.c drops the body). */
bool api_method_reads(const char *method);

/* Whether a Content-Type's charset, if it names one, is UTF-8: the only
 * one paced reads (JSON is UTF-8 by RFC 8259). */
bool api_charset_utf8(const char *ctype);

/* Reads ?limit= (1..max, default def) into *limit; answers 422 itself
 * and returns false when it is malformed. */
bool api_query_limit(struct http_request *req, long def, long max,
		     long *limit);

/* Percent-decodes a path segment into buf; false when malformed. */
bool api_path_decode(const char *seg, size_t seg_len, char *buf, size_t len);

/* Writes the project object (definition + evaluation now) as w's next
 * value: 0, or < 0 after answering the failure (w is then to be
 * discarded). */
int api_write_project(struct http_request *req, struct app *app,
		      struct jsonw *w, const struct project *p, paced_ms now);

struct conf_token;

/* Identifies the request's token (*tok borrowed from app->conf; NULL on
 * the open API) and checks its role against the method and path. false
 * after answering 401 or 403 itself. */
bool api_authorize(struct http_request *req, struct app *app,
		   const struct conf_token **tok);

/* Whether tok (not NULL) is within its request rate; answers 429 (or a
 * server error when memory ran out) itself when it is not. For routes
 * that identify the token their own way (the dashboard's cookie). */
bool api_within_rate(struct http_request *req, struct app *app,
		     const struct conf_token *tok);

/* For a batch: answers 403 listing every ids[i] (NULL: skipped) tok may
 * not post updates to, and returns true; false when all are allowed.
 * Items are named by index, or by line of a CSV upload when lines (the
 * line of each item) is not NULL. */
bool api_forbidden_items(struct http_request *req,
			 const struct conf_token *tok, const char *const *ids,
			 const size_t *lines, size_t n);

struct tracker_update;

/* Reads one update object into u (strings borrowed from obj), as the
 * update endpoints take it. with_project says whether "project" is
 * expected (batch items). On error fills u->err with plain field names
 * ("value", "at") and returns PACED_EINVAL. */
int api_update_decode(const json_t *obj, bool with_project,
		      struct tracker_update *u);

/* 403 (answered) when tok (NULL: open API) may not post to the project of
 * some item; see api_forbidden_items() for lines. */
bool api_batch_forbidden(struct http_request *req,
			 const struct conf_token *tok,
			 const struct tracker_update *u, const size_t *lines,
			 size_t n);

/* The answer to a batch that was stored: 201 (200 when every item was a
 * repeat) with "updates" and "projects". */
void api_reply_batch(struct http_request *req, struct app *app,
		     const struct tracker_update *u, size_t n, paced_ms now);

/* Handlers, one per route and method group. `id` is the decoded
 * project id from the path (NULL when the route has none). */
void api_projects(struct http_request *req, struct app *app, const char *id);
/* tok: who posts (borrowed; NULL on the open API), recorded with each
 * stored update. */
void api_project_updates(struct http_request *req, struct app *app,
			 const char *id, const struct conf_token *tok);
void api_batch_updates(struct http_request *req, struct app *app,
		       const struct conf_token *tok);
void api_events(struct http_request *req, struct app *app);
void api_silences(struct http_request *req, struct app *app, const char *id);
void api_digest(struct http_request *req, struct app *app);
void api_metrics(struct http_request *req, struct app *app);

/* Spreadsheets (api_csv.c): whether a request's body is CSV
 * (Content-Type: text/csv), the two downloads and the CSV upload of a
 * batch of updates. */
bool api_csv_is_upload(struct http_request *req);
void api_csv_projects(struct http_request *req, struct app *app);
void api_csv_updates(struct http_request *req, struct app *app,
		     const char *id);
void api_csv_post_updates(struct http_request *req, struct app *app,
			  const struct conf_token *tok);

#endif
