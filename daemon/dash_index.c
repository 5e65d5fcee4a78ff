/*
 * dash_index.c - GET /: every live project, grouped by tag (a project
 * with several tags is in each of their groups; those without a tag come
 * last), worst first in each group: a progress bar with a marker where
 * the curve expects the project now, its status in colour, the stale
 * flag, owner and last update. Filters (?status=, ?tag=, ?stale=true)
 * are a plain GET form, so no script is needed.
 */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "dash_internal.h"
#include "html.h"
#include "registry.h"
#include "tracker.h"

/* Room for any tag: project.c allows 64 characters, of up to 4 bytes. */
#define TAG_MAX (64 * 4 + 1)

struct row {
	const struct project *p;
	struct project_view v;
};

struct filters {
	bool has_status, has_tag, stale_only;
	enum pace_status status;
	char tag[TAG_MAX];
};

/* Worst news first: what needs attention leads each group. */
static int severity(enum pace_status s)
{
	switch (s) {
	case PACE_OVERDUE: return 0;
	case PACE_BEHIND: return 1;
	case PACE_AT_RISK: return 2;
	case PACE_ON_TRACK: return 3;
	case PACE_NOT_STARTED: return 4;
	default: return 5;
	}
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int d = severity(x->v.eval.status) - severity(y->v.eval.status);

	if (d)
		return d;
	if (x->v.stale != y->v.stale)
		return x->v.stale ? -1 : 1;
	return strcmp(x->p->def->id, y->p->def->id);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool has_tag(const struct project *p, const char *tag)
{
	return project_def_has_tag(p->def, tag);
}

/* Reads the filters; false after answering 422 for a bad one. */
static bool read_filters(const struct dash_ctx *ctx, struct filters *f)
{
	const char *q = http_request_query(ctx->req);
	char buf[32];
	bool bad;

	memset(f, 0, sizeof(*f));
	/* An empty value is the form's "all". */
	if (api_query(q, "status", buf, sizeof(buf), &bad) && *buf) {
		if (pace_status_parse(buf, &f->status) < 0)
			bad = true;
		f->has_status = true;
	}
	if (bad) {
		dash_reply_message(ctx, 422,
				   DASH_T(ctx->lang, "筛选条件无效",
					  "Invalid filter"),
				   DASH_T(ctx->lang,
					  "status 须为 done、overdue、"
					  "not_started、behind、at_risk 或 "
					  "on_track。",
					  "status must be one of done, "
					  "overdue, not_started, behind, "
					  "at_risk, on_track."));
		return false;
	}
	f->has_tag = api_query(q, "tag", f->tag, sizeof(f->tag), &bad) &&
		     *f->tag;
	if (bad) {
		dash_reply_message(ctx, 422,
				   DASH_T(ctx->lang, "筛选条件无效",
					  "Invalid filter"),
				   DASH_T(ctx->lang, "tag 编码有误或过长。",
					  "tag is badly encoded or too long."));
		return false;
	}
	f->stale_only = api_query(q, "stale", buf, sizeof(buf), &bad) &&
			strcmp(buf, "true") == 0;
	return true;
}

/* The distinct tags of the projects, sorted; *n gets the count.
 * Borrowed from the definitions. NULL when there are none; *nomem says
 * whether memory ran out. */
static const char **all_tags(struct project *const *ps, size_t n_ps,
			     size_t *n, bool *nomem)
{
	const char **tags = NULL;
	size_t cap = 0;

	*n = 0;
	*nomem = false;
	for (size_t i = 0; i < n_ps; i++) {
		for (size_t k = 0; k < ps[i]->def->n_tags; k++) {
			const char *s = project_def_tag(ps[i]->def, k);
			bool seen = false;

			for (size_t j = 0; j < *n && !seen; j++)
				seen = strcmp(tags[j], s) == 0;
			if (seen)
				continue;
			if (*n == cap) {
				const char **more;

				cap = cap ? cap * 2 : 16;
				more = realloc(tags, cap * sizeof(*tags));
				if (!more) {
					free(tags);
					*n = 0;
					*nomem = true;
					return NULL;
				}
				tags = more;
			}
			tags[(*n)++] = s;
		}
	}
	if (*n)
		qsort(tags, *n, sizeof(*tags), str_cmp);
	return tags;
}

/* A link to / with these filters; empty ones are left out. */
static void filter_link(struct fmt_text *b, const char *status,
			const char *tag, bool stale)
{
	char sep = '?';

	fmt_text_str(b, "/");
	if (status) {
		html_printf(b, "%cstatus=", sep);
		html_url(b, status);
		sep = '&';
	}
	if (tag) {
		html_printf(b, "%ctag=", sep);
		html_url(b, tag);
		sep = '&';
	}
	if (stale)
		html_printf(b, "%cstale=true", sep);
}

/* The counts by status (of the projects with the tag filter applied),
 * each a link that filters by it. */
static void counts(struct fmt_text *b, const struct dash_ctx *ctx,
		   const struct row *rows, size_t n, const struct filters *f)
{
	static const enum pace_status order[] = {
		PACE_OVERDUE,	  PACE_BEHIND,	    PACE_AT_RISK,
		PACE_ON_TRACK,	  PACE_NOT_STARTED, PACE_DONE,
	};
	const char *tag = f->has_tag ? f->tag : NULL;
	size_t stale = 0;

	fmt_text_str(b, "<p class=\"counts\"><a href=\"");
	filter_link(b, NULL, tag, false);
	html_printf(b, "\">%s %zu</a>", DASH_T(ctx->lang, "全部", "All"), n);
	for (size_t k = 0; k < PACED_ARRAY_LEN(order); k++) {
		const char *name = pace_status_name(order[k]);
		size_t c = 0;

		for (size_t i = 0; i < n; i++)
			c += rows[i].v.eval.status == order[k];
		if (!c)
			continue;
		fmt_text_str(b, "<a href=\"");
		filter_link(b, name, tag, false);
		html_printf(b, "\">%s %zu</a>",
			    message_status_label(name, ctx->lang), c);
	}
	for (size_t i = 0; i < n; i++)
		stale += rows[i].v.stale;
	if (stale) {
		fmt_text_str(b, "<a href=\"");
		filter_link(b, NULL, tag, true);
		html_printf(b, "\">%s %zu</a>",
			    message_status_label("stale", ctx->lang), stale);
	}
	fmt_text_str(b, "</p>\n");
}

static void filter_form(struct fmt_text *b, const struct dash_ctx *ctx,
			const struct filters *f, const char **tags,
			size_t n_tags)
{
	enum message_lang lang = ctx->lang;

	html_printf(b,
		    "<form class=\"filters\" method=\"get\" action=\"/\">"
		    "<label>%s <select name=\"status\"><option value=\"\">%s"
		    "</option>",
		    DASH_T(lang, "状态", "Status"),
		    DASH_T(lang, "全部", "All"));
	for (int s = PACE_DONE; s <= PACE_ON_TRACK; s++) {
		const char *name = pace_status_name((enum pace_status)s);

		html_printf(b, "<option value=\"%s\"%s>%s</option>", name,
			    f->has_status && f->status == (enum pace_status)s
				    ? " selected"
				    : "",
			    message_status_label(name, lang));
	}
	html_printf(b,
		    "</select></label> <label>%s <select name=\"tag\">"
		    "<option value=\"\">%s</option>",
		    DASH_T(lang, "标签", "Tag"), DASH_T(lang, "全部", "All"));
	for (size_t i = 0; i < n_tags; i++)
		html_printf(b, "<option value=\"%s\"%s>%s</option>", tags[i],
			    f->has_tag && strcmp(f->tag, tags[i]) == 0
				    ? " selected"
				    : "",
			    tags[i]);
	html_printf(b,
		    "</select></label> <label><input type=\"checkbox\" "
		    "name=\"stale\" value=\"true\"%s> %s</label> "
		    "<button type=\"submit\">%s</button></form>\n",
		    f->stale_only ? " checked" : "",
		    DASH_T(lang, "仅看未按时报送", "Stale only"),
		    DASH_T(lang, "筛选", "Filter"));
}

static double clamp01(double x)
{
	return x < 0 || x != x ? 0 : x > 1 ? 1 : x;
}

static void card(struct fmt_text *b, const struct dash_ctx *ctx,
		 const struct row *r)
{
	json_t *def = project_def_json(r->p->def);
	const char *unit = json_string_value(json_object_get(def, "unit"));
	const char *owner = json_string_value(json_object_get(def, "owner"));
	const char *status = pace_status_name(r->v.eval.status);
	enum message_lang lang = ctx->lang;
	char cur[48], tgt[48], exp[48], when[TIMEFMT_MAX];

	html_printf(b,
		    "<article class=\"card\" data-project=\"%s\" "
		    "data-status=\"%s\"><h3><a href=\"/projects/",
		    r->p->def->id, status);
	html_url(b, r->p->def->id);
	html_printf(b, "\">%s</a></h3><div>",
		    json_string_value(json_object_get(def, "title")));
	dash_status_chip(b, r->v.eval.status, lang);
	if (r->v.stale)
		dash_stale_chip(b, lang);
	html_printf(b,
		    "</div><div class=\"bar\" title=\"%s %.1f%%\">"
		    "<div class=\"fill st-%s\" style=\"width:%.2f%%\"></div>"
		    "<div class=\"mark\" style=\"left:%.2f%%\"></div></div>",
		    DASH_T(lang, "按计划此时应达", "Expected by now"),
		    r->v.eval.expected_progress * 100, status,
		    clamp01(r->v.eval.progress) * 100,
		    clamp01(r->v.eval.expected_progress) * 100);
	html_printf(b,
		    "<div class=\"nums\">%s / %s %s · %.1f%% · %s %s %s"
		    "</div><div class=\"meta\">",
		    message_number(project_current(r->p), cur, sizeof(cur)),
		    message_number(r->p->def->target, tgt, sizeof(tgt)),
		    unit ? unit : "", r->v.eval.progress * 100,
		    DASH_T(lang, "应达", "expected"),
		    message_number(r->v.eval.expected, exp, sizeof(exp)),
		    unit ? unit : "");
	if (owner)
		html_printf(b, "%s：%s · ", DASH_T(lang, "责任单位", "Owner"),
			    owner);
	html_printf(b, "%s：%s</div></article>\n",
		    DASH_T(lang, "最近更新", "Last update"),
		    r->p->has_current
			    ? dash_time(r->p->current_at, when)
			    : DASH_T(lang, "尚无更新", "none yet"));
	json_decref(def);
}

static bool shown(const struct row *r, const struct filters *f)
{
	return (!f->has_status || r->v.eval.status == f->status) &&
	       (!f->stale_only || r->v.stale);
}

/* One group: its heading and cards; nothing when no row is shown. tag
 * NULL: the projects without any tag. */
static void group(struct fmt_text *b, const struct dash_ctx *ctx,
		  const struct row *rows, size_t n, const struct filters *f,
		  const char *tag)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += shown(&rows[i], f) &&
			 (tag ? has_tag(rows[i].p, tag)
			      : rows[i].p->def->n_tags == 0);
	if (!count)
		return;
	html_printf(b, "<section class=\"group\" data-tag=\"%s\"><h2>",
		    tag ? tag : "");
	/* A tag's heading leads to its own view. */
	if (tag) {
		fmt_text_str(b, "<a href=\"");
		filter_link(b, NULL, tag, false);
		html_printf(b, "\">%s</a>", tag);
	} else {
		html_printf(b, "%s", DASH_T(ctx->lang, "未分组", "No tag"));
	}
	html_printf(b, " <small class=\"meta\">%zu</small></h2>\n", count);
	for (size_t i = 0; i < n; i++)
		if (shown(&rows[i], f) &&
		    (tag ? has_tag(rows[i].p, tag)
			 : rows[i].p->def->n_tags == 0))
			card(b, ctx, &rows[i]);
	fmt_text_str(b, "</section>\n");
}

void dash_index(const struct dash_ctx *ctx)
{
	struct fmt_text b = {0};
	struct filters f;
	struct project **all;
	struct row *rows;
	const char **tags;
	size_t n, n_rows = 0, n_tags, before;
	paced_ms now = timefmt_now();
	char when[TIMEFMT_MAX];
	bool nomem = false;

	if (!read_filters(ctx, &f))
		return;
	all = registry_sorted(ctx->app->reg, &n);
	rows = calloc(n ? n : 1, sizeof(*rows));
	/* The form offers every tag, not only those the filter leaves. */
	tags = all ? all_tags(all, n, &n_tags, &nomem) : NULL;
	if (!all || !rows || nomem) {
		free(all);
		free(rows);
		api_reply_failure(ctx->req, PACED_ENOMEM);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (f.has_tag && !has_tag(all[i], f.tag))
			continue;
		rows[n_rows].p = all[i];
		tracker_eval(ctx->app, all[i], now, &rows[n_rows].v);
		n_rows++;
	}
	qsort(rows, n_rows, sizeof(*rows), row_cmp);
	dash_page_begin(&b, ctx, NULL);
	html_printf(&b, "<h1>%s</h1><p class=\"meta\">%s %s</p>\n",
		    f.has_tag ? f.tag
			      : DASH_T(ctx->lang, "全部项目", "All projects"),
		    DASH_T(ctx->lang, "更新于", "As of"), dash_time(now, when));
	counts(&b, ctx, rows, n_rows, &f);
	filter_form(&b, ctx, &f, tags, n_tags);
	before = b.len;
	if (f.has_tag) {
		group(&b, ctx, rows, n_rows, &f, f.tag);
	} else {
		/* Groups the filters leave empty print nothing. */
		for (size_t i = 0; i < n_tags; i++)
			group(&b, ctx, rows, n_rows, &f, tags[i]);
		group(&b, ctx, rows, n_rows, &f, NULL);
	}
	if (b.len == before)
		html_printf(&b, "<p class=\"meta\" id=\"empty\">%s</p>\n",
			    DASH_T(ctx->lang, "没有符合条件的项目。",
				   "No project matches."));
	dash_page_end(&b);
	free(tags);
	free(rows);
	free(all);
	dash_reply_html(ctx->req, 200, &b, NULL);
}
