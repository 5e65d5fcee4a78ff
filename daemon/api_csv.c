/*
 * api_csv.c - spreadsheets both ways. GET /v1/projects.csv and GET
 * /v1/projects/{id}/updates.csv download what the JSON endpoints show;
 * POST /v1/updates with Content-Type: text/csv uploads a batch of updates
 * that goes the way of the JSON batch (same checks, same authorisation,
 * all or nothing), with errors named by line and column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_internal.h"
#include "api_list.h"
#include "arr.h"
#include "conf.h"
#include "csv.h"
#include "fmt_text.h"
#include "registry.h"
#include "store.h"
#include "timefmt.h"
#include "tracker.h"

#define CSV_TYPE "text/csv"
/* Bytes of a client's text echoed in an error message. */
#define ECHO_MAX 40

static bool allow_get(struct http_request *req, const char *route)
{
	const char *method = http_request_method(req);

	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return true;
	api_reply_405(req, route, "GET, HEAD");
	return false;
}

/* Sends o's text as a download named filename (plain ASCII). */
static void reply_csv(struct http_request *req, struct csv_out *o,
		      const char *filename)
{
	char headers[160];
	size_t len;
	char *body = csv_out_finish(o, &len);

	if (!body) {
		api_reply_failure(req, PACED_ENOMEM);
		return;
	}
	snprintf(headers, sizeof(headers),
		 "Content-Disposition: attachment; filename=\"%s\"\r\n",
		 filename);
	http_respond(req, 200, headers, CSV_TYPE "; charset=utf-8", body, len);
	free(body);
}

/* The columns of projects.csv: a field of the project object, or of its
 * "forecast" object. The header is the field's name. */
static const struct {
	const char *key, *sub;
} project_columns[] = {
	{"id", NULL},
	{"title", NULL},
	{"unit", NULL},
	{"owner", NULL},
	{"tags", NULL},
	{"baseline", NULL},
	{"target", NULL},
	{"start", NULL},
	{"due", NULL},
	{"current", NULL},
	{"updated_at", NULL},
	{"expected", NULL},
	{"progress", NULL},
	{"expected_progress", NULL},
	{"gap", NULL},
	{"status", NULL},
	{"status_since", NULL},
	{"stale", NULL},
	{"report_every", NULL},
	{"forecast", "projected_at_due"},
	{"forecast", "eta"},
	{"forecast", "required_rate_per_day"},
};

/* An array of strings (tags) as one cell: "亚运, 民生实事". */
static void put_joined(struct csv_out *o, const json_t *arr)
{
	struct fmt_text b = {0};
	const json_t *t;
	size_t i;
	char *s;

	json_array_foreach(arr, i, t) {
		if (i)
			fmt_text_str(&b, ", ");
		fmt_text_add(&b, json_string_value(t), json_string_length(t));
	}
	s = fmt_text_finish(&b, NULL);
	if (!s)
		o->text.nomem = true;
	csv_out_text(o, s);
	free(s);
}

/* A JSON value as a cell: numbers as numbers, true/false, null empty. */
static void put_json(struct csv_out *o, const json_t *v)
{
	if (json_is_number(v))
		csv_out_number(o, json_number_value(v));
	else if (json_is_string(v))
		csv_out_text(o, json_string_value(v));
	else if (json_is_boolean(v))
		csv_out_text(o, json_is_true(v) ? "true" : "false");
	else if (json_is_array(v))
		put_joined(o, v);
	else
		csv_out_text(o, NULL);
}

/* projects.csv is written by the list (api_list.h) on the text it
 * builds: a csv_out is that text and where the row stands. */
static void projects_open(struct fmt_text *b)
{
	struct csv_out o = {*b, false};

	csv_out_bom(&o);
	for (size_t c = 0; c < PACED_ARRAY_LEN(project_columns); c++)
		csv_out_text(&o, project_columns[c].sub
					 ? project_columns[c].sub
					 : project_columns[c].key);
	csv_out_end_row(&o);
	*b = o.text;
}

static int projects_row(struct fmt_text *b, const struct project *p,
			const struct project_view *view, bool first)
{
	struct csv_out o = {*b, false};
	/* The columns are the project object's fields, by name. */
	json_t *obj = project_to_json(p, view);

	(void)first;
	if (!obj)
		return PACED_ENOMEM;
	for (size_t c = 0; c < PACED_ARRAY_LEN(project_columns); c++) {
		const json_t *v = json_object_get(obj, project_columns[c].key);

		if (project_columns[c].sub)
			v = json_object_get(v, project_columns[c].sub);
		put_json(&o, v);
	}
	json_decref(obj);
	csv_out_end_row(&o);
	*b = o.text;
	return 0;
}

static void projects_close(struct fmt_text *b)
{
	(void)b;
}

static const struct api_list_format projects_csv = {
	CSV_TYPE "; charset=utf-8",
	"Content-Disposition: attachment; filename=\"projects.csv\"\r\n",
	projects_open, projects_row, projects_close};

void api_csv_projects(struct http_request *req, struct app *app)
{
	paced_ms now = timefmt_now();
	struct api_list *l;

	if (!allow_get(req, "/v1/projects.csv"))
		return;
	l = api_list_select(req, app, now);
	if (l)
		api_list_reply(req, l, now, &projects_csv);
}

static int put_update(const struct store_update *u, void *data)
{
	struct csv_out *o = data;
	char at[TIMEFMT_MAX], received[TIMEFMT_MAX];

	csv_out_text(o, u->project_id);
	csv_out_text(o, timefmt_rfc3339(u->at, at));
	csv_out_number(o, u->value);
	if (u->has_delta)
		csv_out_number(o, u->delta);
	else
		csv_out_text(o, NULL);
	csv_out_text(o, u->note);
	csv_out_text(o, u->client_id);
	csv_out_text(o, u->token);
	csv_out_text(o, timefmt_rfc3339(u->received_at, received));
	csv_out_end_row(o);
	return o->text.nomem ? PACED_ENOMEM : 0;
}

void api_csv_updates(struct http_request *req, struct app *app,
		     const char *id)
{
	static const char *const none[] = {NULL};
	struct csv_out o;
	char filename[96];
	int rc;

	if (!allow_get(req, "/v1/projects/{id}/updates.csv") ||
	    !api_query_only(req, none))
		return;
	if (!registry_get(app->reg, id)) {
		api_reply_error(req, 404, "not_found", "project",
				"no project %s", id);
		return;
	}
	csv_out_init(&o);
	csv_out_bom(&o);
	csv_out_text(&o, "project");
	csv_out_text(&o, "at");
	csv_out_text(&o, "value");
	csv_out_text(&o, "delta");
	csv_out_text(&o, "note");
	csv_out_text(&o, "id");
	csv_out_text(&o, "token");
	csv_out_text(&o, "received_at");
	csv_out_end_row(&o);
	/* Oldest first: the order a sheet is read and a history is told. */
	rc = store_updates_all(app->store, id, put_update, &o);
	if (rc < 0) {
		size_t len;

		free(csv_out_finish(&o, &len));
		api_reply_failure(req, rc);
		return;
	}
	/* Project ids are [a-z0-9._-]: safe inside the quoted filename. */
	snprintf(filename, sizeof(filename), "%s-updates.csv", id);
	reply_csv(req, &o, filename);
}

bool api_csv_is_upload(struct http_request *req)
{
	const char *ctype = http_request_header(req, "Content-Type");
	size_t n = strlen(CSV_TYPE);

	return ctype && strncasecmp(ctype, CSV_TYPE, n) == 0 &&
	       (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ' ||
		ctype[n] == '\t');
}

/* What an upload's header may name. */
enum column { COL_PROJECT, COL_VALUE, COL_DELTA, COL_AT, COL_NOTE, COL_ID,
	      COL_COUNT, COL_UNNAMED = -1 };
static const char *const column_names[COL_COUNT] = {
	"project", "value", "delta", "at", "note", "id",
};

/* Everything an upload builds; freed by upload_free(). */
struct upload {
	struct http_request *req;
	struct csv_reader rd;
	size_t header_line;
	int *cols; /* header position -> enum column */
	size_t n_cols;
	json_t *rows;   /* one update object per data row (owns strings) */
	json_t *errors; /* per data row: null, or the row's own items */
	size_t *lines;  /* per data row: its line */
	size_t cap_lines;
	struct tracker_update *u;
};

static void upload_free(struct upload *up)
{
	if (up->u)
		tracker_updates_clear(up->u, json_array_size(up->rows));
	free(up->u);
	csv_reader_free(&up->rd);
	free(up->cols);
	json_decref(up->rows);
	json_decref(up->errors);
	free(up->lines);
}

/* s, or its first ECHO_MAX bytes (whole characters) and an ellipsis, so
 * a message quotes a client's text briefly and stays valid UTF-8. */
static const char *echo(const char *s, char buf[ECHO_MAX + 4])
{
	size_t n = strlen(s);

	if (n <= ECHO_MAX)
		return s;
	n = fmt_text_prefix(s, n, ECHO_MAX);
	memcpy(buf, s, n);
	memcpy(buf + n, FMT_TEXT_ELLIPSIS, sizeof(FMT_TEXT_ELLIPSIS));
	return buf;
}

/* One entry of error.items; column NULL when the problem is the line. */
static json_t *item(size_t line, const char *column, const char *code,
		    const char *message)
{
	json_t *o = json_object();
	char field[128];

	if (column && *column)
		snprintf(field, sizeof(field), "line %zu, column %s", line,
			 column);
	else
		snprintf(field, sizeof(field), "line %zu", line);
	json_object_set_new(o, "line", json_integer((json_int_t)line));
	json_object_set_new(o, "column", column && *column
						 ? json_string(column)
						 : json_null());
	json_object_set_new(o, "field", json_string(field));
	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "message", json_string(message));
	return o;
}

/* 422 with items (reference stolen; at least one), nothing stored. The
 * message repeats the first so a person with curl sees it at once. */
static void reply_items(struct http_request *req, json_t *items)
{
	const json_t *first = json_array_get(items, 0);
	const char *field = json_string_value(json_object_get(first, "field"));
	size_t n = json_array_size(items);
	char msg[512], more[64] = "";

	if (n > 1)
		snprintf(more, sizeof(more), " (%zu problems, all in items)",
			 n);
	snprintf(msg, sizeof(msg), "%s: %s; nothing was stored%s", field,
		 json_string_value(json_object_get(first, "message")), more);
	api_reply_json(
		req, 422,
		json_pack("{s:{s:O,s:s,s:s,s:o}}", "error", "code",
			  json_object_get(first, "code"), "message", msg,
			  "field", field, "items", items));
}

static void reply_one(struct upload *up, size_t line, const char *column,
		      const char *code, const char *message)
{
	json_t *items = json_array();

	json_array_append_new(items, item(line, column, code, message));
	reply_items(up->req, items);
}

/* The name of the column at 0-based position i, for messages: its header
 * name, or its number when it has none (or is past the header). */
static const char *column_label(const struct upload *up, size_t i,
				char buf[24])
{
	if (i < up->n_cols && up->cols[i] != COL_UNNAMED)
		return column_names[up->cols[i]];
	snprintf(buf, 24, "%zu", i + 1);
	return buf;
}

/* Answers a syntax error of the reader. */
static void reply_syntax(struct upload *up)
{
	const struct csv_error *e = &up->rd.err;
	char num[24];

	reply_one(up, e->line,
		  column_label(up, e->column ? e->column - 1 : 0, num),
		  strcmp(e->code, "invalid_utf8") == 0 ? "invalid_utf8"
						       : "invalid_csv",
		  e->message);
}

/* s without the spaces (and tabs) around it, in place. */
static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

static bool blank_record(const struct csv_record *rec)
{
	for (size_t i = 0; i < rec->n; i++)
		if (!blank(rec->fields[i]))
			return false;
	return true;
}

/* Reads the header row: every column known and named once, project and
 * value or delta present. false after answering 422. */
static bool read_header(struct upload *up, const struct csv_record *rec)
{
	json_t *items = json_array();
	bool seen[COL_COUNT] = {false};
	char buf[ECHO_MAX + 4], msg[256];

	up->header_line = rec->line;
	up->n_cols = rec->n;
	up->cols = calloc(rec->n ? rec->n : 1, sizeof(*up->cols));
	if (!up->cols) {
		json_decref(items);
		api_reply_failure(up->req, PACED_ENOMEM);
		return false;
	}
	for (size_t i = 0; i < rec->n; i++) {
		const char *name = trim(rec->fields[i]);
		int c = COL_UNNAMED;

		for (int k = 0; k < COL_COUNT && *name; k++)
			if (strcasecmp(name, column_names[k]) == 0)
				c = k;
		up->cols[i] = c;
		if (*name && c == COL_UNNAMED) {
			snprintf(msg, sizeof(msg),
				 "unknown column; the columns are project, "
				 "value or delta, and optionally at, note "
				 "and id");
			json_array_append_new(
				items, item(rec->line, echo(name, buf),
					    "unknown_field", msg));
		} else if (c != COL_UNNAMED && seen[c]) {
			json_array_append_new(
				items, item(rec->line, column_names[c],
					    "invalid_value",
					    "this column is named twice"));
		}
		if (c != COL_UNNAMED)
			seen[c] = true;
	}
	if (!seen[COL_PROJECT])
		json_array_append_new(
			items, item(rec->line, "project", "missing_field",
				    "the header row has no project column"));
	if (!seen[COL_VALUE] && !seen[COL_DELTA])
		json_array_append_new(
			items, item(rec->line, "value", "missing_field",
				    "the header row needs a value (absolute) "
				    "or delta (relative) column"));
	if (json_array_size(items) == 0) {
		json_decref(items);
		return true;
	}
	reply_items(up->req, items);
	return false;
}

/* Adds a problem of the current data row to its list. */
static void row_error(json_t **errs, size_t line, const char *column,
		      const char *code, const char *message)
{
	if (!*errs)
		*errs = json_array();
	json_array_append_new(*errs, item(line, column, code, message));
}

/* One cell of a data row into obj, or a problem into *errs. */
static void read_cell(const struct upload *up, size_t line, size_t i,
		      char *cell, json_t *obj, json_t **errs)
{
	char buf[ECHO_MAX + 4], msg[256], num[24];
	double v;
	int c;

	if (blank(cell))
		return; /* empty: not given (nor a stray trailing comma) */
	if (i >= up->n_cols) {
		snprintf(msg, sizeof(msg),
			 "this line has more fields than the %zu columns of "
			 "the header row",
			 up->n_cols);
		row_error(errs, line, column_label(up, i, num),
			  "invalid_value", msg);
		return;
	}
	c = up->cols[i];
	if (c != COL_NOTE) /* a note's spaces are the reporter's */
		cell = trim(cell);
	switch (c) {
	case COL_UNNAMED:
		row_error(errs, line, column_label(up, i, num),
			  "unknown_field",
			  "a value under a column without a name");
		return;
	case COL_VALUE:
	case COL_DELTA:
		if (!csv_number(cell, &v)) {
			snprintf(msg, sizeof(msg),
				 "%s must be a plain number such as 120 or "
				 "-3.5 (got \"%s\")",
				 column_names[c], echo(cell, buf));
			row_error(errs, line, column_names[c],
				  "invalid_value", msg);
			return;
		}
		json_object_set_new(obj, column_names[c], json_real(v));
		return;
	case COL_PROJECT:
	case COL_NOTE:
	case COL_ID:
		/* Text the download guarded comes back as it was. */
		json_object_set_new(obj, column_names[c],
				    json_string(csv_unguard(cell)));
		return;
	default:
		json_object_set_new(obj, column_names[c], json_string(cell));
	}
}

/* Appends a data row: its update object, its problems, its line. */
static int add_row(struct upload *up, const struct csv_record *rec)
{
	json_t *obj = json_object(), *errs = NULL;

	if (arr_grow(&up->lines, &up->cap_lines, json_array_size(up->rows) + 1,
		     sizeof(*up->lines), 64)) {
		json_decref(obj);
		return PACED_ENOMEM;
	}
	for (size_t i = 0; i < rec->n; i++)
		read_cell(up, rec->line, i, rec->fields[i], obj, &errs);
	up->lines[json_array_size(up->rows)] = rec->line;
	if (json_array_append_new(up->rows, obj) ||
	    json_array_append_new(up->errors, errs ? errs : json_null()))
		return PACED_ENOMEM;
	return 0;
}

/* Reads the whole text: header, then rows. false after answering. */
static bool read_upload(struct upload *up)
{
	struct csv_record rec;
	bool header = false;
	int rc;

	while ((rc = csv_reader_next(&up->rd, &rec)) == 1) {
		if (blank_record(&rec))
			continue;
		if (!header) {
			if (!read_header(up, &rec))
				return false;
			header = true;
			continue;
		}
		if (json_array_size(up->rows) == API_BATCH_MAX) {
			char msg[96];

			snprintf(msg, sizeof(msg),
				 "one upload takes at most %d updates",
				 API_BATCH_MAX);
			reply_one(up, rec.line, NULL, "invalid_value", msg);
			return false;
		}
		rc = add_row(up, &rec);
		if (rc < 0)
			break;
	}
	if (rc == PACED_EINVAL) {
		reply_syntax(up);
		return false;
	}
	if (rc < 0) {
		api_reply_failure(up->req, rc);
		return false;
	}
	if (!header) {
		reply_one(up, 1, NULL, "missing_field",
			  "the upload is empty; its first line names the "
			  "columns: project, value or delta, and optionally "
			  "at, note and id");
		return false;
	}
	if (json_array_size(up->rows) == 0) {
		reply_one(up, up->header_line + 1, NULL, "missing_field",
			  "no updates below the header row");
		return false;
	}
	return true;
}

/* The 422 after tracker_post_updates() refused: every row's problems, in
 * line order, the row's own (reading) or the update's (checking). */
static void reply_rows(struct upload *up)
{
	json_t *items = json_array();
	size_t n = json_array_size(up->rows);

	for (size_t i = 0; i < n; i++) {
		const json_t *errs = json_array_get(up->errors, i);
		const struct field_error *e = &up->u[i].err;

		if (json_is_array(errs))
			json_array_extend(items, (json_t *)errs);
		else if (e->code[0])
			json_array_append_new(items,
					      item(up->lines[i], e->field,
						   e->code, e->message));
	}
	reply_items(up->req, items);
}

void api_csv_post_updates(struct http_request *req, struct app *app,
			  const struct conf_token *tok)
{
	struct upload up = {.req = req};
	const char *ctype = http_request_header(req, "Content-Type");
	paced_ms now = timefmt_now();
	size_t len, n;
	const char *body = http_request_body(req, &len);
	int rc;

	if (strcmp(http_request_method(req), "POST")) {
		api_reply_405(req, "/v1/updates", "POST");
		return;
	}
	if (!api_no_query(req))
		return;
	if (!api_charset_utf8(ctype)) {
		api_reply_error(req, 415, "unsupported_media_type", NULL,
				"paced reads CSV as UTF-8 only (got %.100s); "
				"save the sheet as \"CSV UTF-8\"",
				ctype);
		return;
	}
	up.rows = json_array();
	up.errors = json_array();
	rc = csv_reader_init(&up.rd, body, len);
	if (rc < 0 || !up.rows || !up.errors) {
		api_reply_failure(req, PACED_ENOMEM);
		goto out;
	}
	if (!read_upload(&up))
		goto out;
	n = json_array_size(up.rows);
	up.u = calloc(n, sizeof(*up.u));
	if (!up.u) {
		api_reply_failure(req, PACED_ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *obj = json_array_get(up.rows, i);
		const json_t *errs = json_array_get(up.errors, i);

		up.u[i].token = tok ? tok->name : NULL;
		/* Also for a row that failed to read: the token check must
		 * see every project named. */
		up.u[i].project_id =
			json_string_value(json_object_get(obj, "project"));
		if (json_is_array(errs))
			field_error_set(&up.u[i].err, "invalid_value", NULL,
					"see items");
		else
			api_update_decode(obj, true, &up.u[i]);
	}
	/* Before validation, as for JSON: a reporter learns nothing of
	 * projects outside its globs. */
	if (api_batch_forbidden(req, tok, up.u, up.lines, n))
		goto out;
	rc = tracker_post_updates(app, up.u, n, now);
	if (rc == PACED_EINVAL)
		reply_rows(&up);
	else if (rc < 0)
		api_reply_failure(req, rc);
	else
		api_reply_batch(req, app, up.u, n, now);
out:
	upload_free(&up);
}
