/*
 * dash_project.c - GET /projects/{id}: one project - where it stands
 * against its curve, the forecast, the chart (actual steps, expected
 * curve with milestones and pauses, forecast line, due date), the
 * updates newest first and the events with the state of each delivery.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dash_internal.h"
#include "api_internal.h"
#include "html.h"
#include "registry.h"
#include "store.h"
#include "tracker.h"

/* The page shows the latest ones; the API pages through the rest. */
#define UPDATES_SHOWN 100
#define EVENTS_SHOWN 50

struct page {
	struct fmt_text *b;
	const struct dash_ctx *ctx;
	const char *unit;
	size_t n;
};

static const char *str_of(const json_t *def, const char *key)
{
	return json_string_value(json_object_get(def, key));
}

/* <dt>label</dt><dd> - the caller writes the value and closes it. */
static void fact(struct fmt_text *b, const char *label)
{
	html_printf(b, "<dt>%s</dt><dd>", label);
}

static void facts(struct fmt_text *b, const struct dash_ctx *ctx,
		  const struct project *p, const json_t *def,
		  const struct project_view *v)
{
	const json_t *t;
	const char *unit = str_of(def, "unit"), *owner = str_of(def, "owner");
	enum message_lang lang = ctx->lang;
	char n1[48], n2[48], when[TIMEFMT_MAX], d1[TIMEFMT_MAX],
		d2[TIMEFMT_MAX];
	double gap = v->eval.gap * 100;
	size_t i;

	if (!unit)
		unit = "";
	fmt_text_str(b, "<dl class=\"facts\">");
	fact(b, DASH_T(lang, "当前", "Current"));
	html_printf(b, "%s / %s %s（%.2f%%）</dd>",
		    message_number(project_current(p), n1, sizeof(n1)),
		    message_number(p->def->target, n2, sizeof(n2)), unit,
		    v->eval.progress * 100);
	fact(b, DASH_T(lang, "按计划此时应达", "Expected by now"));
	html_printf(b, "%s %s（%.2f%%）</dd>",
		    message_number(v->eval.expected, n1, sizeof(n1)), unit,
		    v->eval.expected_progress * 100);
	fact(b, DASH_T(lang, "差距", "Gap"));
	if (lang == MESSAGE_EN)
		html_printf(b, "%.2f points %s</dd>", fabs(gap),
			    gap >= 0 ? "behind" : "ahead");
	else
		html_printf(b, "%s %.2f 个百分点</dd>",
			    gap >= 0 ? "落后" : "领先", fabs(gap));
	fact(b, DASH_T(lang, "起止", "Start – due"));
	html_printf(b, "%s – %s（%s %s）</dd>", timefmt_day(p->def->start, d1),
		    timefmt_day(p->def->due, d2),
		    DASH_T(lang, "基线", "baseline"),
		    message_number(project_def_baseline(p->def), n1,
				   sizeof(n1)));
	if (owner) {
		fact(b, DASH_T(lang, "责任单位", "Owner"));
		html_printf(b, "%s</dd>", owner);
	}
	if (json_array_size(json_object_get(def, "tags"))) {
		fact(b, DASH_T(lang, "标签", "Tags"));
		json_array_foreach(json_object_get(def, "tags"), i, t) {
			html_printf(b, "%s<a href=\"/?tag=", i ? "、" : "");
			html_url(b, json_string_value(t));
			html_printf(b, "\">%s</a>", json_string_value(t));
		}
		fmt_text_str(b, "</dd>");
	}
	fact(b, DASH_T(lang, "最近更新", "Last update"));
	html_printf(b, "%s</dd>",
		    p->has_current ? dash_time(p->current_at, when)
				   : DASH_T(lang, "尚无更新", "none yet"));
	fact(b, DASH_T(lang, "状态始于", "Status since"));
	html_printf(b, "%s</dd>", dash_time(p->status_since, when));
	if (str_of(def, "report_every")) {
		fact(b, DASH_T(lang, "报送周期", "Reports every"));
		html_printf(b, "%s（%s %s）</dd>", str_of(def, "report_every"),
			    DASH_T(lang, "宽限", "grace"),
			    str_of(def, "grace") ? str_of(def, "grace")
						 : "1d");
	}
	fmt_text_str(b, "</dl>\n");
}

static void forecast(struct fmt_text *b, const struct dash_ctx *ctx,
		     const json_t *def, const struct project_view *v)
{
	const struct pace_forecast *f = &v->forecast;
	const char *unit = str_of(def, "unit");
	enum message_lang lang = ctx->lang;
	char n1[48], n2[48], day[TIMEFMT_MAX];

	if (!unit)
		unit = "";
	html_printf(b, "<h2>%s</h2><dl class=\"facts forecast\">",
		    DASH_T(lang, "预测", "Forecast"));
	fact(b, DASH_T(lang, "近期速度", "Recent rate"));
	html_printf(b, "%s %s / %s</dd>",
		    message_number(f->rate_per_day, n1, sizeof(n1)), unit,
		    DASH_T(lang, "天", "day"));
	fact(b, DASH_T(lang, "截止时预计", "Projected at due"));
	html_printf(b, "%s %s</dd>",
		    message_number(f->projected_at_due, n1, sizeof(n1)), unit);
	fact(b, DASH_T(lang, "预计完成", "Expected to finish"));
	html_printf(b, "%s</dd>",
		    f->has_eta ? timefmt_day(f->eta, day)
			       : DASH_T(lang, "按当前趋势无法完成",
					"not at the current trend"));
	if (f->has_required_rate) {
		fact(b, DASH_T(lang, "按期完成需", "Needed to finish on time"));
		html_printf(b, "%s %s / %s</dd>",
			    message_number(f->required_rate_per_day, n2,
					   sizeof(n2)),
			    unit, DASH_T(lang, "天", "day"));
	}
	fmt_text_str(b, "</dl>\n");
}

/* The milestones and pauses as lists, for readers of the page who cannot
 * hover over the chart. */
static void plan(struct fmt_text *b, const struct dash_ctx *ctx,
		 const struct project *p, const json_t *def)
{
	const json_t *pauses = json_object_get(def, "pauses");
	const char *unit = str_of(def, "unit");
	const struct pace_point *ms = project_def_milestones(p->def);
	const struct pace_pause *ps = project_def_pauses(p->def);
	char n1[48], d1[TIMEFMT_MAX], d2[TIMEFMT_MAX];

	if (!p->def->n_milestones && !p->def->n_pauses)
		return;
	html_printf(b, "<h2>%s</h2><ul class=\"plan\">",
		    DASH_T(ctx->lang, "里程碑与暂停", "Milestones and pauses"));
	for (size_t i = 0; i < p->def->n_milestones; i++)
		html_printf(b, "<li class=\"milestone\">%s %s：%s %s</li>",
			    DASH_T(ctx->lang, "里程碑", "Milestone"),
			    timefmt_day(ms[i].at, d1),
			    message_number(ms[i].value, n1, sizeof(n1)),
			    unit ? unit : "");
	for (size_t i = 0; i < p->def->n_pauses; i++) {
		const char *why = str_of(json_array_get(pauses, i), "reason");

		html_printf(b, "<li class=\"pause\">%s %s – %s%s%s</li>",
			    DASH_T(ctx->lang, "暂停", "Paused"),
			    timefmt_day(ps[i].from, d1),
			    timefmt_day(ps[i].to, d2),
			    why ? DASH_T(ctx->lang, "：", ": ") : "",
			    why ? why : "");
	}
	fmt_text_str(b, "</ul>\n");
}

/* A section holding a table that scrolls sideways on a phone. */
static void table_begin(struct fmt_text *b, const char *heading,
			const char *id, const char *const *cols, size_t n)
{
	html_printf(b,
		    "<h2>%s</h2><div class=\"scroll\"><table id=\"%s\">"
		    "<thead><tr>",
		    heading, id);
	for (size_t i = 0; i < n; i++)
		html_printf(b, "<th>%s</th>", cols[i]);
	fmt_text_str(b, "</tr></thead><tbody>\n");
}

static void table_end(struct fmt_text *b, size_t n_rows, size_t n_cols,
		      const char *empty)
{
	if (n_rows == 0)
		html_printf(b, "<tr><td colspan=\"%zu\">%s</td></tr>", n_cols,
			    empty);
	fmt_text_str(b, "</tbody></table></div>\n");
}

static int update_row(const struct store_update *u, void *data)
{
	struct page *pg = data;
	struct fmt_text *b = pg->b;
	char n1[48], n2[48], when[TIMEFMT_MAX];

	html_printf(b, "<tr class=\"update\"><td>%s</td><td>%s %s</td><td>",
		    dash_time(u->at, when),
		    message_number(u->value, n1, sizeof(n1)), pg->unit);
	if (u->has_delta)
		html_printf(b, "%s%s", u->delta >= 0 ? "+" : "",
			    message_number(u->delta, n2, sizeof(n2)));
	html_printf(b, "</td><td>%s</td><td>%s</td></tr>\n",
		    u->note ? u->note : "", u->token ? u->token : "");
	pg->n++;
	return 0;
}

static void updates(struct fmt_text *b, const struct dash_ctx *ctx,
		    const struct project *p, const json_t *def, int *rc)
{
	enum message_lang lang = ctx->lang;
	const char *unit = str_of(def, "unit");
	struct page pg = {b, ctx, unit ? unit : "", 0};
	const char *const cols[] = {
		DASH_T(lang, "时间", "At"),    DASH_T(lang, "数值", "Value"),
		DASH_T(lang, "增量", "Delta"), DASH_T(lang, "备注", "Note"),
		DASH_T(lang, "报送令牌", "Token"),
	};

	table_begin(b, DASH_T(lang, "更新记录", "Updates"), "updates", cols,
		    PACED_ARRAY_LEN(cols));
	*rc = store_updates_list(ctx->app->store, p->def->id, PACED_NEVER,
				 UPDATES_SHOWN, update_row, &pg);
	table_end(b, pg.n, PACED_ARRAY_LEN(cols),
		  DASH_T(lang, "尚无更新", "No update yet"));
	if (pg.n == UPDATES_SHOWN)
		html_printf(b, "<p class=\"meta\">%s %d %s</p>",
			    DASH_T(lang, "仅显示最近", "Showing the latest"),
			    UPDATES_SHOWN,
			    DASH_T(lang, "条；完整记录见 API。",
				   "; the API has them all."));
}

static const char *state_label(const char *state, enum message_lang lang)
{
	if (strcmp(state, "sent") == 0)
		return DASH_T(lang, "已送达", "sent");
	if (strcmp(state, "pending") == 0)
		return DASH_T(lang, "待发送", "pending");
	if (strcmp(state, "dead") == 0)
		return DASH_T(lang, "发送失败", "dead");
	return state;
}

static int delivery_item(const struct store_delivery *d, void *data)
{
	struct page *pg = data;
	char title[512];

	snprintf(title, sizeof(title), "%d %s%s%s", d->attempts,
		 DASH_T(pg->ctx->lang, "次尝试", "attempt(s)"),
		 d->last_error ? " · " : "",
		 d->last_error ? d->last_error : "");
	html_printf(pg->b,
		    "<li class=\"delivery\" data-state=\"%s\" title=\"%s\">"
		    "%s：%s</li>",
		    d->state, title, d->channel,
		    state_label(d->state, pg->ctx->lang));
	pg->n++;
	return 0;
}

static int event_row(const struct store_event *e, void *data)
{
	struct page *pg = data;
	struct fmt_text *b = pg->b;
	enum message_lang lang = pg->ctx->lang;
	struct page deliveries = {b, pg->ctx, "", 0};
	char when[TIMEFMT_MAX];
	int rc;

	html_printf(b,
		    "<tr class=\"event\" data-type=\"%s\"><td>%s</td>"
		    "<td>%s</td><td>%s → %s</td><td><ul>",
		    e->type, dash_time(e->at, when),
		    message_label(e->type, lang),
		    e->previous_status
			    ? message_status_label(e->previous_status, lang)
			    : "–",
		    message_status_label(e->status, lang));
	rc = store_deliveries_of_event(pg->ctx->app->store, e->seq,
				       delivery_item, &deliveries);
	if (e->silenced)
		html_printf(b, "<li data-state=\"silenced\">%s</li>",
			    DASH_T(lang, "静默期内，未推送", "silenced"));
	else if (deliveries.n == 0)
		html_printf(b, "<li>%s</li>",
			    DASH_T(lang, "无匹配渠道", "no channel"));
	fmt_text_str(b, "</ul></td></tr>\n");
	pg->n++;
	return rc;
}

static void events(struct fmt_text *b, const struct dash_ctx *ctx,
		   const struct project *p, int *rc)
{
	enum message_lang lang = ctx->lang;
	struct page pg = {b, ctx, "", 0};
	const char *const cols[] = {
		DASH_T(lang, "时间", "At"),
		DASH_T(lang, "事件", "Event"),
		DASH_T(lang, "状态变化", "Status"),
		DASH_T(lang, "推送", "Deliveries"),
	};

	table_begin(b, DASH_T(lang, "事件与推送", "Events and deliveries"),
		    "events", cols, PACED_ARRAY_LEN(cols));
	*rc = store_events_list(ctx->app->store, p->def->id, NULL,
				EVENTS_SHOWN, event_row, &pg);
	table_end(b, pg.n, PACED_ARRAY_LEN(cols),
		  DASH_T(lang, "尚无事件", "No event yet"));
}

void dash_project(const struct dash_ctx *ctx, const char *id)
{
	struct project *p = registry_get(ctx->app->reg, id);
	const char *title;
	json_t *def = NULL;
	struct fmt_text b = {0};
	struct project_view v;
	paced_ms now = timefmt_now();
	int rc;

	if (!p) {
		dash_reply_message(ctx, 404,
				   DASH_T(ctx->lang, "没有这个项目",
					  "No such project"),
				   id);
		return;
	}
	rc = tracker_view(ctx->app, p, now, &v);
	/* Parsed once from the stored text for the whole page. */
	if (rc == 0 && !(def = project_def_json(p->def)))
		rc = PACED_ENOMEM;
	if (rc < 0) {
		api_reply_failure(ctx->req, rc);
		return;
	}
	title = str_of(def, "title");
	dash_page_begin(&b, ctx, title);
	html_printf(&b, "<p class=\"meta\"><a href=\"/\">← %s</a></p>"
			"<h1>%s</h1><p>",
		    DASH_T(ctx->lang, "全部项目", "All projects"), title);
	dash_status_chip(&b, v.eval.status, ctx->lang);
	if (v.stale)
		dash_stale_chip(&b, ctx->lang);
	html_printf(&b, " <span class=\"meta\">%s</span></p>\n", id);
	facts(&b, ctx, p, def, &v);
	html_printf(&b, "<h2>%s</h2><figure class=\"chart\">",
		    DASH_T(ctx->lang, "进度图", "Chart"));
	rc = dash_chart(&b, ctx->app, p, &v, now, false);
	fmt_text_str(&b, "</figure>\n");
	if (rc == 0) {
		if (v.eval.status != PACE_DONE)
			forecast(&b, ctx, def, &v);
		plan(&b, ctx, p, def);
		updates(&b, ctx, p, def, &rc);
	}
	if (rc == 0)
		events(&b, ctx, p, &rc);
	if (rc < 0) {
		free(fmt_text_finish(&b, NULL));
		json_decref(def);
		api_reply_failure(ctx->req, rc);
		return;
	}
	html_printf(&b,
		    "<p class=\"meta\">%s "
		    "<a href=\"/v1/projects/%s/chart.svg\">chart.svg</a> · "
		    "<a href=\"/v1/projects/%s/badge.svg\">badge.svg</a> · "
		    "<a href=\"/v1/projects/%s\">JSON</a></p>\n",
		    DASH_T(ctx->lang, "图片与数据：", "Images and data:"), id,
		    id, id);
	dash_page_end(&b);
	dash_reply_html(ctx->req, 200, &b, NULL);
	json_decref(def);
}
