/*
 * api_list.c - picking the projects a list shows and rendering them a
 * slice at a time (api_list.h). Picking costs no database read (status
 * and staleness come from memory) but looks at every project: from a
 * large registry it takes a part of the table per loop turn. Rendering
 * reads each listed project's forecast window from SQLite: 64 a turn.
 */
#include "api_list.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "fmt_text.h"
#include "jsonutil.h"
#include "jsonw.h"
#include "registry.h"
#include "registry_pick.h"
#include "timefmt.h"
#include "tracker.h"

struct list_filter {
	bool status, tag, stale; /* which filters were given */
	bool want_stale;
	enum pace_status want_status;
	char tag_s[256];
};

/* Registries of at most this many projects are picked from at once, in
 * the request's own turn (a project costs some 200 ns); from a larger
 * one LIST_PICK_SLOTS slots of its table (a quarter to a half hold a
 * project) per loop turn, so a million projects are some 130 turns of
 * 1-2 ms. */
#define LIST_PICK_AT_ONCE 4096
#define LIST_PICK_SLOTS 16384

struct api_list {
	struct app *app;
	struct list_filter f;
	/* Picking: the ids of the matches (rows: struct registry_id_ref),
	 * sorted once picking is over; then where rendering is. */
	bool picking;
	paced_ms picked_at;
	struct registry_pick pick;
	size_t pos;
	/* How it is answered, and how far. */
	const struct api_list_format *fmt;
	bool opened, any;
};

/* Reads the filters; false after answering 422. */
static bool read_filters(struct http_request *req, struct list_filter *f)
{
	static const char *const allowed[] = {"status", "tag", "stale", NULL};
	const char *query = http_request_query(req);
	char status_s[32], stale_s[16];
	bool bad;

	if (!api_query_only(req, allowed))
		return false;
	f->status = api_query(query, "status", status_s, sizeof(status_s),
			      &bad);
	if (bad || (f->status && pace_status_parse(status_s, &f->want_status))) {
		api_reply_error(req, 422, "invalid_value", "status",
				"status must be one of done, overdue, "
				"not_started, behind, at_risk, on_track");
		return false;
	}
	f->tag = api_query(query, "tag", f->tag_s, sizeof(f->tag_s), &bad);
	if (bad) {
		api_reply_error(req, 422, "invalid_value", "tag",
				"tag is badly percent-encoded or too long");
		return false;
	}
	f->stale = api_query(query, "stale", stale_s, sizeof(stale_s), &bad);
	if (f->stale) {
		bad = bad || (strcmp(stale_s, "true") && strcmp(stale_s, "false"));
		f->want_stale = strcmp(stale_s, "true") == 0;
	}
	if (bad) {
		api_reply_error(req, 422, "invalid_value", "stale",
				"stale must be true or false");
		return false;
	}
	return true;
}

/* Whether p passes l's filters at now; *v holds its evaluation (without
 * the forecast) when it does. */
static bool list_matches(const struct api_list *l, const struct project *p,
			 paced_ms now, struct project_view *v)
{
	if (l->f.tag && !project_def_has_tag(p->def, l->f.tag_s))
		return false;
	tracker_eval(l->app, p, now, v);
	return !(l->f.status && v->eval.status != l->f.want_status) &&
	       !(l->f.stale && v->stale != l->f.want_stale);
}

static void pick(struct project *p, void *data)
{
	struct api_list *l = data;
	struct project_view v;

	if (list_matches(l, p, l->picked_at, &v))
		registry_pick_add(&l->pick, p->def->id);
}

/* Picks from the next part of the registry the projects that match at
 * now; once the whole of it was seen, sorts the picked ids and picking
 * is over. 0 or PACED_ENOMEM. */
static int pick_more(struct api_list *l, paced_ms now)
{
	int rc;

	l->picked_at = now;
	rc = registry_pick_more(&l->pick, l->app->reg, LIST_PICK_SLOTS, pick,
				NULL, l);
	if (rc == 0)
		l->picking = false;
	return rc < 0 ? rc : 0;
}

struct api_list *api_list_select(struct http_request *req, struct app *app,
				 paced_ms now)
{
	struct api_list *l = calloc(1, sizeof(*l));
	int rc = 0;

	if (!l) {
		api_reply_failure(req, PACED_ENOMEM);
		return NULL;
	}
	if (!read_filters(req, &l->f)) {
		free(l);
		return NULL;
	}
	l->app = app;
	l->picking = true;
	registry_pick_init(&l->pick, app->reg, sizeof(struct registry_id_ref),
			   0);
	if (registry_count(app->reg) > LIST_PICK_AT_ONCE)
		return l; /* picked from a part at a time, when streamed */
	while (rc == 0 && l->picking)
		rc = pick_more(l, now);
	if (rc < 0) {
		api_list_free(l);
		api_reply_failure(req, rc);
		return NULL;
	}
	return l;
}

size_t api_list_count(const struct api_list *l)
{
	return l->pick.n;
}

bool api_list_done(const struct api_list *l)
{
	return !l->picking && l->pos >= l->pick.n;
}

int api_list_next(struct api_list *l, size_t max, paced_ms now,
		  int (*fn)(const struct project *p,
			    const struct project_view *v, void *data),
		  void *data)
{
	if (l->picking)
		return 0;
	for (size_t k = 0; k < max && l->pos < l->pick.n; k++, l->pos++) {
		/* Looked up again: it may have been archived or replaced
		 * since it was picked. */
		struct project *p = registry_get(
			l->app->reg, registry_pick_id(&l->pick, l->pos));
		struct project_view v;
		int rc;

		if (!p || !list_matches(l, p, now, &v))
			continue;
		rc = tracker_view_listed(l->app, p, now, &v);
		if (rc < 0)
			return rc;
		rc = fn(p, &v, data);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void api_list_free(struct api_list *l)
{
	if (!l)
		return;
	/* The picked ids of a million projects are some 20 MB, given back
	 * to the system. */
	registry_pick_free(&l->pick);
	free(l);
}

/* ---- answering ---- */

struct list_piece {
	struct api_list *l;
	struct fmt_text b;
};

static int put_item(const struct project *p, const struct project_view *v,
		    void *data)
{
	struct list_piece *lp = data;
	int rc = lp->l->fmt->item(&lp->b, p, v, !lp->l->any);

	lp->l->any = true;
	return rc < 0 ? rc : lp->b.nomem ? PACED_ENOMEM : 0;
}

/* The next piece of the answer: its opening with the first, up to max
 * projects, its end with the last. 1 more follows, 0 done, or < 0. */
static int list_piece(struct api_list *l, size_t max, paced_ms now,
		      char **piece, size_t *len)
{
	struct list_piece lp = {l, {0}};
	int rc;

	if (!l->opened)
		l->fmt->open(&lp.b);
	l->opened = true;
	/* One part of the work per piece: picking, or rendering. */
	if (l->picking)
		rc = pick_more(l, now);
	else
		rc = api_list_next(l, max, now, put_item, &lp);
	if (rc == 0 && api_list_done(l))
		l->fmt->close(&lp.b);
	*len = 0;
	*piece = fmt_text_finish(&lp.b, len);
	if (rc < 0 || !*piece) {
		free(*piece);
		*piece = NULL;
		*len = 0;
		return rc < 0 ? rc : PACED_ENOMEM;
	}
	return api_list_done(l) ? 0 : 1;
}

static int source_next(void *ctx, char **piece, size_t *len)
{
	/* Each slice is evaluated when it is made. */
	return list_piece(ctx, API_LIST_SLICE, timefmt_now(), piece, len);
}

static void source_release(void *ctx)
{
	api_list_free(ctx);
}

static const struct http_source list_source = {source_next,
					       source_release};

void api_list_reply(struct http_request *req, struct api_list *l,
		    paced_ms now, const struct api_list_format *fmt)
{
	char *body;
	size_t len;
	int rc;

	l->fmt = fmt;
	if (l->picking || api_list_count(l) > API_LIST_SLICE) {
		http_respond_stream(req, 200, fmt->extra_headers,
				    fmt->content_type, &list_source, l);
		return;
	}
	/* One slice: answered at once, with a Content-Length, as always. */
	rc = list_piece(l, SIZE_MAX, now, &body, &len);
	api_list_free(l);
	if (rc < 0)
		api_reply_failure(req, rc);
	else
		http_respond_take(req, 200, fmt->extra_headers,
				  fmt->content_type, body, len);
}

/* ---- {"projects":[...]} ---- */

static void json_open(struct fmt_text *b)
{
	fmt_text_str(b, "{\"projects\":[");
}

static int json_item(struct fmt_text *b, const struct project *p,
		     const struct project_view *v, bool first)
{
	struct jsonw w;
	size_t len;
	char *s;
	int rc;

	jsonw_init(&w, 15);
	rc = project_write_json(&w, p, v);
	if (rc < 0) {
		jsonw_discard(&w);
		return rc;
	}
	s = jsonw_finish(&w, &len);
	if (!s)
		return PACED_ENOMEM;
	/* Each object as the whole document's dump would print it. */
	if (!first)
		fmt_text_add(b, ",", 1);
	fmt_text_add(b, s, len);
	free(s);
	return 0;
}

static void json_close(struct fmt_text *b)
{
	fmt_text_str(b, "]}");
}

const struct api_list_format api_list_json = {
	"application/json", NULL, json_open, json_item, json_close};
