/* api.c - routing and the helpers every handler uses. */
#include "api.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "dash.h"
#include "fmt_text.h"
#include "group.h"
#include "json_plain.h"
#include "jsonutil.h"
#include "jsonw.h"
#include "log.h"
#include "store.h"
#include "tracker.h"

#define JSON_TYPE "application/json"

static void reply_body(struct http_request *req, int status, char *body,
		       size_t len)
{
	if (!body) {
		static const char oom[] =
			"{\"error\":{\"code\":\"internal\",\"message\":"
			"\"out of memory\",\"field\":null}}";
		http_respond(req, 500, NULL, JSON_TYPE, oom, sizeof(oom) - 1);
		return;
	}
	http_respond_take(req, status, NULL, JSON_TYPE, body, len);
}

void api_reply_json(struct http_request *req, int status, json_t *j)
{
	size_t len = 0;
	char *body = j ? jsonutil_dump(j, &len) : NULL;

	json_decref(j);
	reply_body(req, status, body, len);
}

void api_reply_written(struct http_request *req, int status,
		       struct jsonw *w)
{
	size_t len = 0;
	char *body = jsonw_finish(w, &len);

	reply_body(req, status, body, len);
}

/* A response waiting for the group commit. */
struct held {
	struct http_request *req;
	int status;
	size_t len;
	char *body; /* owned; handed to http_respond_take */
};

static void send_held(int rc, void *data)
{
	struct held *h = data;

	if (rc < 0) {
		api_reply_failure(h->req, rc);
		free(h->body);
	} else {
		http_respond_take(h->req, h->status, NULL, JSON_TYPE, h->body,
				  h->len);
	}
	free(h);
}

void api_reply_durable(struct http_request *req, struct app *app, int status,
		       struct jsonw *w)
{
	size_t len = 0;
	char *body = jsonw_finish(w, &len);
	struct held *h;
	int rc;

	if (!group_is_open(app->group)) {
		reply_body(req, status, body, len);
		return;
	}
	h = body ? malloc(sizeof(*h)) : NULL;
	if (h)
		*h = (struct held){req, status, len, body};
	if (h && group_defer(app->group, send_held, h) == 0)
		return;
	free(h);
	/* No room to hold it: make the write durable now instead. */
	rc = group_commit(app->group);
	if (rc < 0) {
		free(body);
		api_reply_failure(req, rc);
	} else {
		reply_body(req, status, body, len);
	}
}

static void reply_error_v(struct http_request *req, int status,
			  const char *extra_headers, const char *code,
			  const char *field, const char *fmt, va_list ap)
{
	char raw[512], msg[sizeof(raw) * 4], name[512];
	json_t *err = json_object(), *outer = json_object();
	char *body;
	size_t len = 0;

	/* A message may quote what the client sent (an id in the URL that
	 * is not UTF-8) or be cut inside a character: jansson takes only
	 * valid UTF-8 and would leave the message out. */
	if (vsnprintf(raw, sizeof(raw), fmt, ap) >= (int)sizeof(raw))
		fmt_text_drop_cut_char(raw, sizeof(raw) - 1);
	fmt_text_copy_valid(raw, msg, sizeof(msg));
	json_object_set_new(err, "code", json_string(code));
	json_object_set_new(err, "message", json_string(msg));
	/* Always there, null when no one field is to blame: a client reads
	 * error.field without first asking whether it exists. */
	if (field && *field)
		fmt_text_copy_valid(field, name, sizeof(name));
	json_object_set_new(err, "field",
			    field && *field ? json_string(name) : json_null());
	json_object_set_new(outer, "error", err);
	body = jsonutil_dump(outer, &len);
	json_decref(outer);
	http_respond(req, status, extra_headers, JSON_TYPE, body ? body : "{}",
		     body ? len : 2);
	free(body);
}

void api_reply_error(struct http_request *req, int status, const char *code,
		     const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_error_v(req, status, NULL, code, field, fmt, ap);
	va_end(ap);
}

void api_reply_error_headers(struct http_request *req, int status,
			     const char *headers, const char *code,
			     const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_error_v(req, status, headers, code, field, fmt, ap);
	va_end(ap);
}

void api_reply_405(struct http_request *req, const char *route,
		   const char *allow)
{
	char header[64];

	snprintf(header, sizeof(header), "Allow: %s\r\n", allow);
	api_reply_error_headers(req, 405, header, "method_not_allowed", NULL,
				"%s allows %s", route, allow);
}

void api_reply_field_error(struct http_request *req,
			   const struct field_error *e)
{
	int status = strcmp(e->code, "not_found") == 0	   ? 404
		     : strcmp(e->code, "invalid_json") == 0 ? 400
							    : 422;

	api_reply_error(req, status, e->code, e->field, "%s", e->message);
}

static void reply_failure_headers(struct http_request *req, int status,
				  const char *headers, const char *code,
				  const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void reply_failure_headers(struct http_request *req, int status,
				  const char *headers, const char *code,
				  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_error_v(req, status, headers, code, NULL, fmt, ap);
	va_end(ap);
}

void api_reply_failure(struct http_request *req, int rc)
{
	if (rc == PACED_EDB || rc == PACED_EBUSY || rc == PACED_EIO ||
	    rc == PACED_ENOSPC || rc == PACED_EROFS)
		reply_failure_headers(req, 503, "Retry-After: 5\r\n",
				      rc == PACED_ENOSPC ? "storage_full"
				      : rc == PACED_EROFS ? "storage_read_only"
							  : "unavailable",
				      "the database cannot take writes right "
				      "now (%s); nothing was stored, try "
				      "again",
				      paced_strerror(rc));
	else
		reply_failure_headers(req, 500, NULL, "internal",
				      "internal error: %s",
				      paced_strerror(rc));
}

bool api_charset_utf8(const char *ctype)
{
	const char *p = strcasestr(ctype, "charset=");
	char cs[16];
	size_t k = 0;

	if (!p)
		return true;
	p += strlen("charset=");
	if (*p == '"')
		p++;
	while (*p && *p != '"' && *p != ';' && *p != ' ' && k + 1 < sizeof(cs))
		cs[k++] = *p++;
	cs[k] = '\0';
	return strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0;
}

json_t *api_read_json(struct http_request *req)
{
	const char *ctype = http_request_header(req, "Content-Type");
	size_t len;
	const char *body = http_request_body(req, &len);
	json_error_t jerr;
	json_t *j;

	/* Parameters (charset) may follow; the type itself must be JSON. */
	if (!ctype || strncasecmp(ctype, JSON_TYPE, strlen(JSON_TYPE)) != 0 ||
	    (ctype[strlen(JSON_TYPE)] != '\0' &&
	     ctype[strlen(JSON_TYPE)] != ';' &&
	     ctype[strlen(JSON_TYPE)] != ' ')) {
		api_reply_error(req, 415, "unsupported_media_type", NULL,
				"send the body with Content-Type: "
				"application/json (got %.100s)",
				ctype ? ctype : "none");
		return NULL;
	}
	/* Parameters are rare: a bare type is read without a search. */
	if (ctype[strlen(JSON_TYPE)] && !api_charset_utf8(ctype)) {
		api_reply_error(req, 415, "unsupported_media_type", NULL,
				"paced reads JSON as UTF-8 only (got %.100s)",
				ctype);
		return NULL;
	}
	/* A body of plain strings, such as {"value": 512.5}, without
	 * jansson's lexer; any other, and every error, through jansson. */
	j = json_plain_load(body, len);
	if (!j)
		j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j && json_error_code(&jerr) == json_error_numeric_overflow) {
		size_t tame_len;
		char *tame = jsonutil_tame_numbers(body, len, &tame_len);
		json_error_t again;

		/* Read through with the numbers out of every field's range,
		 * so that a well-formed body gets its 422 by field (and a
		 * malformed one its 400) as if the number were 1e16. */
		if (tame)
			j = json_loadb(tame, tame_len, JSON_REJECT_DUPLICATES,
				       &again);
		if (tame && !j)
			jerr = again;
		free(tame);
	}
	if (!j) {
		api_reply_error(req, 400, "invalid_json", NULL,
				"malformed JSON at line %d, column %d: %s",
				jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_reply_error(req, 400, "invalid_json", NULL,
				"the body must be a JSON object");
		return NULL;
	}
	return j;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes %XX (and '+' as space when plus_space) from s[0..n) into buf. */
static bool decode(const char *s, size_t n, bool plus_space, char *buf,
		   size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return false;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (c == 0 || k + 1 >= len)
			return false;
		buf[k++] = (char)c;
	}
	buf[k] = '\0';
	return true;
}

bool api_path_decode(const char *seg, size_t seg_len, char *buf, size_t len)
{
	return decode(seg, seg_len, false, buf, len);
}

/* The name of the parameter at p (n bytes, up to '&'), percent-decoded
 * as browsers and curl's --data-urlencode may send it; "" when it does
 * not decode or is too long to be one paced knows. */
static void query_key(const char *p, size_t n, char *key, size_t len)
{
	const char *eq = memchr(p, '=', n);

	if (!decode(p, eq ? (size_t)(eq - p) : n, true, key, len))
		*key = '\0';
}

bool api_query(const char *query, const char *name, char *buf, size_t len,
	       bool *bad)
{
	const char *p = query;
	char key[64];

	*bad = false;
	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', n);

		query_key(p, n, key, sizeof(key));
		if (strcmp(key, name) == 0) {
			const char *v = eq ? eq + 1 : p + n;

			if (!decode(v, (size_t)(p + n - v), true, buf, len)) {
				*bad = true;
				return false;
			}
			return true;
		}
		p = amp ? amp + 1 : NULL;
	}
	return false;
}

bool api_query_only(struct http_request *req, const char *const *allowed)
{
	const char *p = http_request_query(req);
	char key[64];

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		size_t raw = eq ? (size_t)(eq - p) : n;
		bool known = raw == 0;

		query_key(p, n, key, sizeof(key));
		for (size_t i = 0; allowed[i] && !known; i++)
			known = strcmp(allowed[i], key) == 0;
		if (!known) {
			/* Named as sent when it does not decode. */
			if (!*key)
				snprintf(key, sizeof(key), "%.*s",
					 (int)(raw > 63 ? 63 : raw), p);
			api_reply_error(req, 422, "unknown_field", key,
					"unknown query parameter %s", key);
			return false;
		}
		p = amp ? amp + 1 : NULL;
	}
	return true;
}

bool api_no_query(struct http_request *req)
{
	static const char *const none[] = {NULL};

	return api_query_only(req, none);
}

bool api_method_reads(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

bool api_query_limit(struct http_request *req, long def, long max,
		     long *limit)
{
	char buf[32], *end;
	bool bad;

	*limit = def;
	if (!api_query(http_request_query(req), "limit", buf, sizeof(buf),
		       &bad) &&
	    !bad)
		return true;
	*limit = bad ? 0 : strtol(buf, &end, 10);
	if (bad || end == buf || *end || *limit < 1 || *limit > max) {
		api_reply_error(req, 422, "invalid_value", "limit",
				"limit must be a whole number from 1 to %ld",
				max);
		return false;
	}
	return true;
}

int api_write_project(struct http_request *req, struct app *app,
		      struct jsonw *w, const struct project *p, paced_ms now)
{
	struct project_view v;
	int rc = tracker_view(app, p, now, &v);

	if (rc == 0)
		rc = project_write_json(w, p, &v);
	if (rc < 0)
		api_reply_failure(req, rc);
	return rc;
}

static void health(struct http_request *req, struct app *app, bool ready)
{
	json_t *j;
	int rc = 0;

	if (ready) {
		rc = app->ready ? store_check_writable(app->store) : PACED_EBUSY;
		if (rc < 0) {
			reply_failure_headers(req, 503, "Retry-After: 5\r\n",
					      "unavailable",
					      "not ready: the database cannot "
					      "take writes (%s)",
					      paced_strerror(rc));
			return;
		}
	}
	j = json_pack("{s:s}", "status", ready ? "ready" : "ok");
	api_reply_json(req, 200, j);
}

/* Splits "/v1/projects/{id}/updates" style paths. */
void api_handle(struct http_request *req, void *data)
{
	struct app *app = data;
	const char *path = http_request_path(req);
	const char *method = http_request_method(req);
	static const char projects[] = "/v1/projects";
	const struct conf_token *tok;
	char id[256];

	if (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0) {
		if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
			api_reply_405(req, path, "GET, HEAD");
			return;
		}
		health(req, app, path[1] == 'r');
		return;
	}
	/* The dashboard's pages and images check the token themselves:
	 * they also take it from the login cookie. */
	if (dash_handle(req, app))
		return;
	if (!api_authorize(req, app, &tok))
		return;
	if (strcmp(path, "/metrics") == 0) {
		api_metrics(req, app);
		return;
	}
	if (strcmp(path, projects) == 0) {
		api_projects(req, app, NULL);
		return;
	}
	if (strcmp(path, "/v1/projects.csv") == 0) {
		api_csv_projects(req, app);
		return;
	}
	if (strncmp(path, projects, sizeof(projects) - 1) == 0 &&
	    path[sizeof(projects) - 1] == '/') {
		const char *seg = path + sizeof(projects);
		const char *slash = strchr(seg, '/');
		size_t seg_len = slash ? (size_t)(slash - seg) : strlen(seg);

		if (seg_len == 0 || !api_path_decode(seg, seg_len, id,
						     sizeof(id))) {
			/* A PUT names the project it makes: its id is a
			 * value to refuse, as one too long or with a slash
			 * that does decode is. */
			if (!slash && strcmp(method, "PUT") == 0)
				api_reply_error(req, 422, "invalid_value",
						"id",
						"id must match " PROJECT_ID_PATTERN);
			else
				api_reply_error(req, 404, "not_found", NULL,
						"no such resource %s", path);
			return;
		}
		if (!slash) {
			api_projects(req, app, id);
			return;
		}
		if (strcmp(slash, "/updates") == 0) {
			api_project_updates(req, app, id, tok);
			return;
		}
		if (strcmp(slash, "/updates.csv") == 0) {
			api_csv_updates(req, app, id);
			return;
		}
	}
	if (strcmp(path, "/v1/updates") == 0) {
		if (api_csv_is_upload(req))
			api_csv_post_updates(req, app, tok);
		else
			api_batch_updates(req, app, tok);
		return;
	}
	if (strcmp(path, "/v1/silences") == 0) {
		api_silences(req, app, NULL);
		return;
	}
	if (strncmp(path, "/v1/silences/", 13) == 0 && path[13] &&
	    !strchr(path + 13, '/') &&
	    api_path_decode(path + 13, strlen(path + 13), id, sizeof(id))) {
		api_silences(req, app, id);
		return;
	}
	if (strcmp(path, "/v1/events") == 0) {
		api_events(req, app);
		return;
	}
	if (strcmp(path, "/v1/digest") == 0) {
		api_digest(req, app);
		return;
	}
	api_reply_error(req, 404, "not_found", NULL, "no such resource %s",
			path);
}
