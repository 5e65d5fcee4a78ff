/*
 * dash_index.c - GET /: every live project, grouped by tag (a project
 * with several tags is in each of their groups; those without a tag come
 * last), worst first in each group: a progress bar with a marker where
 * the curve expects the project now, its status in colour, the stale
 * flag, owner and last update. Filters (?status=, ?tag=, ?stale=true)
 * are a plain GET form, so no script is needed.
 *
 * The page of a large registry is made over many loop turns, as long
 * lists are (api_list.c): the registry is picked from a part per turn
 * (registry_pick.h), each project's status and stale flag read once at
 * the page's instant, which gives the counts at the top, the tags of the
 * form and each group's order in one arrangement once picking is over;
 * then the head, and 64 cards a piece. A card is made from the project
 * as it is when its piece is (evaluated at the page's instant); one
 * archived meanwhile is left out.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "arr.h"
#include "dash_internal.h"
#include "html.h"
#include "registry.h"
#include "registry_pick.h"
#include "strhash.h"
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

/* A project on the page: its status and stale flag at the page's
 * instant, which place it and make the counts, and where its tags are
 * in the page's row_tags (indices into the page's tags). */
struct ix_row {
	struct registry_id_ref ref; /* first, for registry_pick */
	uint32_t tags;
	uint8_t n_tags, status;
	bool stale;
};

struct ix_tag {
	size_t name;    /* where its name is in tag_names */
	uint32_t group; /* its place in name order */
};

/* A group's cards: count of them from members[start], pos written. */
struct ix_group {
	size_t start, count, pos;
};

enum ix_phase { IX_PICK, IX_HEAD, IX_GROUPS, IX_DONE };

/* One index page being made (dash_index), piece by piece. */
struct dash_index_page {
	struct dash_ctx ctx; /* ctx.req NULL: replies go through the stream */
	struct filters f;
	paced_ms now; /* every project is shown as it is at this instant */
	enum ix_phase phase;
	struct registry_pick pick; /* the rows, struct ix_row */
	bool nomem;
	/* The set of every project's tags (for the form and the groups):
	 * copies of the names, and an open-addressing table of index + 1. */
	struct fmt_text tag_names;
	struct ix_tag *tags;
	size_t n_tags, cap_tags, n_buckets;
	uint32_t *buckets;
	uint32_t *row_tags;
	size_t n_row_tags, cap_row_tags;
	/* Arranged once picking is over: the tag names sorted, the counts
	 * at the top, and the groups (the last: no tag) with the rows of
	 * each in the page's order in members. */
	const char **by_name;
	size_t by_status[PACE_ON_TRACK + 1], stale, cards;
	struct ix_group *groups;
	uint32_t *members;
	/* Writing: the group it is at; whether any was written. */
	size_t group;
	bool any;
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
		   const struct dash_index_page *pg)
{
	static const enum pace_status order[] = {
		PACE_OVERDUE,	  PACE_BEHIND,	    PACE_AT_RISK,
		PACE_ON_TRACK,	  PACE_NOT_STARTED, PACE_DONE,
	};
	const char *tag = pg->f.has_tag ? pg->f.tag : NULL;

	fmt_text_str(b, "<p class=\"counts\"><a href=\"");
	filter_link(b, NULL, tag, false);
	html_printf(b, "\">%s %zu</a>", DASH_T(ctx->lang, "全部", "All"),
		    pg->pick.n);
	for (size_t k = 0; k < PACED_ARRAY_LEN(order); k++) {
		const char *name = pace_status_name(order[k]);
		size_t c = pg->by_status[order[k]];

		if (!c)
			continue;
		fmt_text_str(b, "<a href=\"");
		filter_link(b, name, tag, false);
		html_printf(b, "\">%s %zu</a>",
			    message_status_label(name, ctx->lang), c);
	}
	if (pg->stale) {
		fmt_text_str(b, "<a href=\"");
		filter_link(b, NULL, tag, true);
		html_printf(b, "\">%s %zu</a>",
			    message_status_label("stale", ctx->lang),
			    pg->stale);
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

/* A group's heading, with count cards; tag NULL: the projects without
 * any tag. */
static void group_heading(struct fmt_text *b, const struct dash_ctx *ctx,
			  const char *tag, size_t count)
{
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
}

/* ---- the page, over several loop turns ---- */

/* Nothing changes the registry while the page of a registry this small
 * is made: it is picked from at once, in the request's own turn (as
 * api_list.c does). From a larger one IX_PICK_SLOTS slots of its table
 * a turn. */
#define IX_PICK_AT_ONCE 4096
#define IX_PICK_SLOTS 16384
/* Cards per piece (each some 500 bytes and a few microseconds), and a
 * page of no more is answered at once, with a Content-Length; groups
 * looked at per piece, which bounds a piece made of empty groups. */
#define IX_CARDS 64
#define IX_LOOK 4096

/* Whether a row with this status and stale flag passes the status and
 * stale filters. */
static bool shown(const struct filters *f, enum pace_status status,
		  bool stale)
{
	return (!f->has_status || status == f->status) &&
	       (!f->stale_only || stale);
}

/* The order of the groups' cards: worst news first, stale before fresh,
 * then by id; 12 ranks. */
static unsigned rank_of(const struct ix_row *r)
{
	return (unsigned)severity((enum pace_status)r->status) * 2u +
	       (r->stale ? 0u : 1u);
}

static const char *tag_name(const struct dash_index_page *pg, uint32_t i)
{
	return pg->tag_names.p + pg->tags[i].name;
}

/* Doubles the hash table (at least 64 buckets) and puts every tag back. */
static int tag_grow(struct dash_index_page *pg)
{
	size_t nb = pg->n_buckets ? pg->n_buckets * 2 : 64;
	uint32_t *b = calloc(nb, sizeof(*b));

	if (!b)
		return PACED_ENOMEM;
	for (uint32_t i = 0; i < pg->n_tags; i++) {
		size_t at = strhash(tag_name(pg, i)) & (nb - 1);

		while (b[at])
			at = (at + 1) & (nb - 1);
		b[at] = i + 1;
	}
	free(pg->buckets);
	pg->buckets = b;
	pg->n_buckets = nb;
	return 0;
}

/* The index of tag s in the page's set of tags, added (copied) when new;
 * PACED_ENOMEM. */
static long tag_index(struct dash_index_page *pg, const char *s)
{
	size_t at;

	if (2 * (pg->n_tags + 1) > pg->n_buckets && tag_grow(pg) < 0)
		return PACED_ENOMEM;
	at = strhash(s) & (pg->n_buckets - 1);
	for (; pg->buckets[at]; at = (at + 1) & (pg->n_buckets - 1))
		if (strcmp(tag_name(pg, pg->buckets[at] - 1), s) == 0)
			return pg->buckets[at] - 1;
	if (arr_grow(&pg->tags, &pg->cap_tags, pg->n_tags + 1,
		     sizeof(*pg->tags), 16))
		return PACED_ENOMEM;
	pg->tags[pg->n_tags].name = pg->tag_names.len;
	fmt_text_add(&pg->tag_names, s, strlen(s) + 1);
	if (pg->tag_names.nomem)
		return PACED_ENOMEM;
	pg->buckets[at] = (uint32_t)pg->n_tags + 1;
	return (long)pg->n_tags++;
}

/* Appends a row's tag to the page's list of them. */
static bool row_tag_add(struct dash_index_page *pg, uint32_t tag)
{
	if (arr_grow(&pg->row_tags, &pg->cap_row_tags, pg->n_row_tags + 1,
		     sizeof(*pg->row_tags), 256))
		return false;
	pg->row_tags[pg->n_row_tags++] = tag;
	return true;
}

/* Every project's tags go into the form's list; those the tag filter
 * keeps become rows, evaluated at the page's instant. */
static void pick(struct project *p, void *data)
{
	struct dash_index_page *pg = data;
	const struct project_def *d = p->def;
	size_t first = pg->n_row_tags;
	struct project_view v;
	struct ix_row *row;

	if (pg->nomem)
		return;
	for (size_t k = 0; k < d->n_tags; k++) {
		long t = tag_index(pg, project_def_tag(d, k));

		if (t < 0 || !row_tag_add(pg, (uint32_t)t)) {
			pg->nomem = true;
			return;
		}
	}
	if (pg->f.has_tag && !has_tag(p, pg->f.tag)) {
		pg->n_row_tags = first;
		return;
	}
	row = registry_pick_add(&pg->pick, d->id);
	if (!row) {
		pg->nomem = true;
		return;
	}
	tracker_eval(pg->ctx.app, p, pg->now, &v);
	row->status = (uint8_t)v.eval.status;
	row->stale = v.stale;
	row->tags = (uint32_t)first;
	row->n_tags = d->n_tags;
}

/* The scan starts over: the tags seen so far may be gone. */
static void pick_restart(void *data)
{
	struct dash_index_page *pg = data;

	pg->n_tags = 0;
	pg->tag_names.len = 0;
	pg->n_row_tags = 0;
	if (pg->buckets)
		memset(pg->buckets, 0, pg->n_buckets * sizeof(*pg->buckets));
}

/* qsort has no context argument: the page whose tags are sorted. */
static const struct dash_index_page *sorting_page;

static int tag_cmp(const void *a, const void *b)
{
	return strcmp(tag_name(sorting_page, *(const uint32_t *)a),
		      tag_name(sorting_page, *(const uint32_t *)b));
}

/* Puts the tags in name order: group g < n_tags is the projects with
 * the tag by_name[g], group n_tags those without a tag. */
static int sort_tags(struct dash_index_page *pg)
{
	uint32_t *idx = malloc((pg->n_tags ? pg->n_tags : 1) * sizeof(*idx));

	pg->by_name = malloc((pg->n_tags ? pg->n_tags : 1) *
			     sizeof(*pg->by_name));
	pg->groups = calloc(pg->n_tags + 1, sizeof(*pg->groups));
	if (!idx || !pg->by_name || !pg->groups) {
		free(idx);
		return PACED_ENOMEM;
	}
	for (uint32_t i = 0; i < pg->n_tags; i++)
		idx[i] = i;
	sorting_page = pg;
	if (pg->n_tags > 1)
		qsort(idx, pg->n_tags, sizeof(*idx), tag_cmp);
	for (uint32_t g = 0; g < pg->n_tags; g++) {
		pg->by_name[g] = tag_name(pg, idx[g]);
		pg->tags[idx[g]].group = g;
	}
	free(idx);
	return 0;
}

/* Calls fn(pg, g, i) for each group g that row i (shown) is a card of. */
static void row_groups(struct dash_index_page *pg, uint32_t i,
		       void (*fn)(struct dash_index_page *pg, uint32_t g,
				  uint32_t i))
{
	const struct ix_row *r = registry_pick_row(&pg->pick, i);

	if (!shown(&pg->f, (enum pace_status)r->status, r->stale))
		return;
	for (size_t k = 0; k < r->n_tags; k++)
		fn(pg, pg->tags[pg->row_tags[r->tags + k]].group, i);
	if (!r->n_tags)
		fn(pg, (uint32_t)pg->n_tags, i);
}

static void group_count(struct dash_index_page *pg, uint32_t g, uint32_t i)
{
	(void)i;
	pg->groups[g].count++;
}

static void group_fill(struct dash_index_page *pg, uint32_t g, uint32_t i)
{
	struct ix_group *gr = &pg->groups[g];

	pg->members[gr->start + gr->pos++] = i;
}

/* Whether group g is on the page: with a tag filter only its group. */
static bool group_on_page(const struct dash_index_page *pg, size_t g)
{
	if (!pg->f.has_tag)
		return true;
	return g < pg->n_tags && strcmp(pg->by_name[g], pg->f.tag) == 0;
}

/* Once the rows are in id order: the counts, the tags in name order, and
 * each group's cards in the page's order (ranks taken a rank at a time
 * over the rows in id order keep id order within a rank). */
static int arrange(struct dash_index_page *pg)
{
	size_t n = pg->pick.n, at[13] = {0}, total = 0;
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));

	if (!order || sort_tags(pg) < 0) {
		free(order);
		return PACED_ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct ix_row *r = registry_pick_row(&pg->pick, i);

		pg->by_status[r->status]++;
		pg->stale += r->stale;
		at[rank_of(r) + 1]++;
	}
	for (size_t k = 1; k < 13; k++)
		at[k] += at[k - 1];
	for (uint32_t i = 0; i < n; i++)
		order[at[rank_of(registry_pick_row(&pg->pick, i))]++] = i;
	for (size_t i = 0; i < n; i++)
		row_groups(pg, order[i], group_count);
	for (size_t g = 0; g <= pg->n_tags; g++) {
		pg->groups[g].start = total;
		total += pg->groups[g].count;
		if (group_on_page(pg, g))
			pg->cards += pg->groups[g].count;
	}
	pg->members = malloc((total ? total : 1) * sizeof(*pg->members));
	if (!pg->members) {
		free(order);
		return PACED_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		row_groups(pg, order[i], group_fill);
	for (size_t g = 0; g <= pg->n_tags; g++)
		pg->groups[g].pos = 0; /* from now on: cards written */
	free(order);
	return 0;
}

/* Picks from the next part of the registry; once all of it was seen,
 * arranges the page. 0 or PACED_ENOMEM. */
static int pick_more(struct dash_index_page *pg)
{
	int rc = registry_pick_more(&pg->pick, pg->ctx.app->reg,
				    IX_PICK_SLOTS, pick, pick_restart, pg);

	if (rc >= 0 && pg->nomem)
		rc = PACED_ENOMEM;
	if (rc != 0)
		return rc < 0 ? rc : 0;
	pg->phase = IX_HEAD;
	return arrange(pg);
}

/* What comes before the groups. */
static void page_head(struct fmt_text *b, struct dash_index_page *pg)
{
	const struct dash_ctx *ctx = &pg->ctx;
	char when[TIMEFMT_MAX];

	dash_page_begin(b, ctx, NULL);
	html_printf(b, "<h1>%s</h1><p class=\"meta\">%s %s</p>\n",
		    pg->f.has_tag ? pg->f.tag
				  : DASH_T(ctx->lang, "全部项目",
					   "All projects"),
		    DASH_T(ctx->lang, "更新于", "As of"),
		    dash_time(pg->now, when));
	counts(b, ctx, pg);
	/* The form offers every tag, not only those the filter leaves. */
	filter_form(b, ctx, &pg->f, pg->by_name, pg->n_tags);
	pg->phase = IX_GROUPS;
}

/* The card of row i, as its project is now (at the page's instant); a
 * project archived since it was picked has none. */
static void row_card(struct fmt_text *b, struct dash_index_page *pg,
		     uint32_t i)
{
	struct row r;

	r.p = registry_get(pg->ctx.app->reg, registry_pick_id(&pg->pick, i));
	if (!r.p)
		return;
	tracker_eval(pg->ctx.app, r.p, pg->now, &r.v);
	card(b, &pg->ctx, &r);
}

/* The next IX_CARDS cards at most, with the headings and ends of their
 * groups; the page's end after the last group. */
static void page_groups(struct fmt_text *b, struct dash_index_page *pg)
{
	size_t cards = 0, looked = 0;

	while (pg->group <= pg->n_tags && cards < IX_CARDS &&
	       looked++ < IX_LOOK) {
		struct ix_group *gr = &pg->groups[pg->group];
		const char *tag = pg->group < pg->n_tags
					  ? pg->by_name[pg->group]
					  : NULL;

		/* Groups the filters leave empty print nothing. */
		if (!gr->count || !group_on_page(pg, pg->group)) {
			pg->group++;
			continue;
		}
		if (gr->pos == 0)
			group_heading(b, &pg->ctx, tag, gr->count);
		for (; gr->pos < gr->count && cards < IX_CARDS; cards++)
			row_card(b, pg, pg->members[gr->start + gr->pos++]);
		if (gr->pos == gr->count) {
			fmt_text_str(b, "</section>\n");
			pg->group++;
			pg->any = true;
		}
	}
	if (pg->group <= pg->n_tags)
		return;
	if (!pg->any)
		html_printf(b, "<p class=\"meta\" id=\"empty\">%s</p>\n",
			    DASH_T(pg->ctx.lang, "没有符合条件的项目。",
				   "No project matches."));
	dash_page_end(b);
	pg->phase = IX_DONE;
}

/* The next piece of the page: one part of the work (picking, the head,
 * some cards). 1 more follows, 0 done, or < 0. */
static int page_piece(struct dash_index_page *pg, struct fmt_text *b)
{
	int rc = 0;

	switch (pg->phase) {
	case IX_PICK: rc = pick_more(pg); break;
	case IX_HEAD: page_head(b, pg); break;
	case IX_GROUPS: page_groups(b, pg); break;
	case IX_DONE: break;
	}
	if (rc == 0 && b->nomem)
		rc = PACED_ENOMEM;
	return rc < 0 ? rc : pg->phase != IX_DONE;
}

static void page_free(struct dash_index_page *pg)
{
	registry_pick_free(&pg->pick);
	free(pg->tag_names.p);
	free(pg->tags);
	free(pg->buckets);
	free(pg->row_tags);
	free(pg->by_name);
	free(pg->groups);
	free(pg->members);
	free(pg);
}

static int source_next(void *ctx, char **piece, size_t *len)
{
	struct fmt_text b = {0};
	int rc = page_piece(ctx, &b);

	*len = 0;
	*piece = fmt_text_finish(&b, len);
	if (rc < 0 || (b.len && !*piece)) {
		free(*piece);
		*piece = NULL;
		*len = 0;
		return rc < 0 ? rc : PACED_ENOMEM;
	}
	return rc;
}

static void source_release(void *ctx)
{
	page_free(ctx);
}

static const struct http_source page_source = {source_next, source_release};

void dash_index(const struct dash_ctx *ctx)
{
	struct dash_index_page *pg = calloc(1, sizeof(*pg));
	size_t n = registry_count(ctx->app->reg);
	struct fmt_text b = {0};
	int rc = 1;

	if (!pg) {
		api_reply_failure(ctx->req, PACED_ENOMEM);
		return;
	}
	if (!read_filters(ctx, &pg->f)) {
		free(pg);
		return;
	}
	pg->ctx = *ctx;
	pg->ctx.req = NULL; /* the stream may outlive the request's turn */
	pg->now = timefmt_now();
	registry_pick_init(&pg->pick, ctx->app->reg, sizeof(struct ix_row),
			   n + 64);
	if (n > IX_PICK_AT_ONCE) {
		dash_reply_html_stream(ctx->req, &page_source, pg);
		return;
	}
	while (rc > 0 && pg->phase == IX_PICK)
		rc = page_piece(pg, &b);
	if (rc >= 0 && pg->cards > IX_CARDS) {
		dash_reply_html_stream(ctx->req, &page_source, pg);
		return;
	}
	/* A short page at once, with a Content-Length, as always. */
	while (rc > 0)
		rc = page_piece(pg, &b);
	page_free(pg);
	if (rc < 0) {
		free(b.p);
		api_reply_failure(ctx->req, rc);
		return;
	}
	dash_reply_html(ctx->req, 200, &b, NULL);
}
