/* svg_chart.c - a project's chart and badge as SVG (see svg_chart.h). */
#include "svg_chart.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "timefmt.h"

/* The plot area inside the viewBox: room for value labels on the left,
 * the title and legend above, dates below. */
#define PLOT_LEFT 64.0
#define PLOT_RIGHT (SVG_CHART_W - 16.0)
#define PLOT_TOP 40.0
#define PLOT_BOTTOM (SVG_CHART_H - 36.0)
/* Dots for each update only while they stay apart. */
#define MAX_DOTS 120
/* Titles are cut to this many columns (a CJK character is two). */
#define CHART_TITLE_COLS 40
#define BADGE_TITLE_COLS 24

#define T(lang, zh, en) ((lang) == MESSAGE_EN ? (en) : (zh))

static const char *const colours[] = {
	[PACE_DONE] = "#1565c0",	[PACE_OVERDUE] = "#b71c1c",
	[PACE_NOT_STARTED] = "#616161", [PACE_BEHIND] = "#d84315",
	[PACE_AT_RISK] = "#a15c00",	[PACE_ON_TRACK] = "#2e7d32",
};

const char *svg_status_colour(enum pace_status s)
{
	if ((int)s < 0 || (size_t)s >= PACED_ARRAY_LEN(colours))
		return "#616161";
	return colours[s];
}

/* How wide a character looks: CJK (three bytes or more in UTF-8) twice
 * as wide as Latin. */
static size_t svg_columns(const char *s, size_t k, bool bol)
{
	(void)s;
	(void)bol;
	return k >= 3 ? 2 : 1;
}

/* Appends s, escaped, cut to cols columns with an ellipsis. */
static void svg_text_cut(struct fmt_text *b, const char *s, size_t cols)
{
	bool ellipsis;
	size_t n = fmt_text_cut_len(s, cols, svg_columns, &ellipsis);
	char buf[1024];

	fmt_text_copy_prefix(s, n, buf, sizeof(buf));
	html_esc(b, buf);
	if (ellipsis)
		fmt_text_str(b, FMT_TEXT_ELLIPSIS);
}

/* An estimate of the width of s (escaped: an entity is one character)
 * at font-size 11, for the badge. */
static double svg_text_width(const char *s)
{
	double w = 0;

	while (*s) {
		size_t k = fmt_text_char_len(s);

		if (*s == '&' && strchr(s, ';'))
			k = (size_t)(strchr(s, ';') - s) + 1;

		w += k >= 3 ? 11.5 : *s == ' ' ? 3.5 : 6.8;
		s += k;
	}
	return w;
}

/* ---- geometry ----------------------------------------------------------- */

static void widen(double *lo, double *hi, double v)
{
	if (!isfinite(v))
		return;
	if (v < *lo)
		*lo = v;
	if (v > *hi)
		*hi = v;
}

/* Whether the forecast line is drawn: a project under way, not done. */
static bool svg_has_forecast(const struct svg_chart *c)
{
	return c->forecast && c->status != PACE_DONE &&
	       c->now >= c->curve->start && c->now < c->curve->due &&
	       isfinite(c->forecast->projected_at_due);
}

void svg_chart_geometry(const struct svg_chart *c, struct svg_chart_geom *g)
{
	const struct pace_curve *cv = c->curve;
	double lo = fmin(cv->baseline, cv->target);
	double hi = fmax(cv->baseline, cv->target);
	double span = hi - lo, pad;

	g->left = PLOT_LEFT;
	g->right = PLOT_RIGHT;
	g->top = PLOT_TOP;
	g->bottom = PLOT_BOTTOM;
	g->t0 = cv->start;
	g->t1 = cv->due > c->now ? cv->due : c->now;
	for (size_t i = 0; i < c->n_actual; i++) {
		if (c->actual[i].at < g->t0)
			g->t0 = c->actual[i].at;
		if (c->actual[i].at > g->t1)
			g->t1 = c->actual[i].at;
		widen(&lo, &hi, c->actual[i].value);
	}
	if (g->t1 <= g->t0)
		g->t1 = g->t0 + 1;
	widen(&lo, &hi, c->current);
	/* A wild trend must not squash the rest: it is drawn up to half a
	 * span beyond the values and clipped there. */
	if (svg_has_forecast(c))
		widen(&lo, &hi,
		      fmax(fmin(c->forecast->projected_at_due, hi + span / 2),
			   lo - span / 2));
	pad = (hi - lo) * 0.05;
	if (!(pad > 0))
		pad = 1;
	g->v_lo = lo - pad;
	g->v_hi = hi + pad;
}

double svg_chart_x(const struct svg_chart_geom *g, paced_ms t)
{
	return g->left + (double)(t - g->t0) / (double)(g->t1 - g->t0) *
				 (g->right - g->left);
}

double svg_chart_y(const struct svg_chart_geom *g, double v)
{
	return g->bottom -
	       (v - g->v_lo) / (g->v_hi - g->v_lo) * (g->bottom - g->top);
}

/* ---- the chart's parts --------------------------------------------------- */

static void svg_grid(struct fmt_text *b, const struct svg_chart *c,
		     const struct svg_chart_geom *g)
{
	const struct pace_curve *cv = c->curve;
	bool long_span = g->t1 - g->t0 > 366 * PACED_MS_PER_DAY;
	char num[48], day[TIMEFMT_MAX];

	/* Values at 0, 25, 50, 75 and 100 % of the way to the target. */
	for (int k = 0; k <= 4; k++) {
		double v = cv->baseline + (cv->target - cv->baseline) * k / 4;
		double y = svg_chart_y(g, v);

		html_printf(b,
			    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			    "y2=\"%.1f\" stroke=\"#e0e0e0\"/>"
			    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\"",
			    g->left, y, g->right, y, g->left - 6, y + 4);
		if (k == 4) /* the target */
			fmt_text_str(b, " font-weight=\"bold\"");
		html_printf(b, ">%s</text>\n",
			    message_number(v, num, sizeof(num)));
	}
	/* Dates at the edges and three between. */
	for (int k = 0; k <= 4; k++) {
		paced_ms t = g->t0 + (g->t1 - g->t0) / 4 * k;
		const char *anchor = k == 0   ? "start"
				     : k == 4 ? "end"
					      : "middle";

		if (k == 4)
			t = g->t1;
		timefmt_local(t, k == 0 || k == 4 ? "%Y-%m-%d"
			    : long_span	     ? "%Y-%m"
					     : "%m-%d",
			 day);
		html_printf(b,
			    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" "
			    "fill=\"#616161\">%s</text>\n",
			    svg_chart_x(g, t), g->bottom + 16, anchor, day);
	}
	html_printf(b,
		    "<rect class=\"plot\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"none\" stroke=\"#bdbdbd\"/>\n",
		    g->left, g->top, g->right - g->left, g->bottom - g->top);
}

static void svg_pauses(struct fmt_text *b, const struct svg_chart *c,
		       const struct svg_chart_geom *g)
{
	const struct pace_curve *cv = c->curve;
	char from[TIMEFMT_MAX], to[TIMEFMT_MAX];

	for (size_t i = 0; i < cv->n_pauses; i++) {
		paced_ms a = cv->pauses[i].from, z = cv->pauses[i].to;
		const char *why = c->pause_reasons ? c->pause_reasons[i] : NULL;

		if (a < g->t0)
			a = g->t0;
		if (z > g->t1)
			z = g->t1;
		if (z <= a)
			continue;
		html_printf(b,
			    "<rect class=\"pause\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\" fill=\"#9e9e9e\" "
			    "fill-opacity=\"0.2\"><title>%s %s – %s%s%s"
			    "</title></rect>\n",
			    svg_chart_x(g, a), g->top,
			    svg_chart_x(g, z) - svg_chart_x(g, a),
			    g->bottom - g->top, T(c->lang, "暂停", "Paused"),
			    timefmt_day(cv->pauses[i].from, from),
			    timefmt_day(cv->pauses[i].to, to),
			    why && *why ? T(c->lang, "：", ": ") : "",
			    why ? why : "");
	}
}

/* The next instant in (after, due) where the curve bends: a milestone or
 * the edge of a pause; the due instant when there is none. */
static paced_ms svg_next_bend(const struct pace_curve *cv, paced_ms after)
{
	paced_ms next = cv->due;

	for (size_t i = 0; i < cv->n_milestones; i++)
		if (cv->milestones[i].at > after && cv->milestones[i].at < next)
			next = cv->milestones[i].at;
	for (size_t i = 0; i < cv->n_pauses; i++) {
		paced_ms e[2] = {cv->pauses[i].from, cv->pauses[i].to};

		for (int k = 0; k < 2; k++)
			if (e[k] > after && e[k] < next)
				next = e[k];
	}
	return next;
}

static void svg_expected(struct fmt_text *b, const struct svg_chart *c,
			 const struct svg_chart_geom *g)
{
	const struct pace_curve *cv = c->curve;
	char day[TIMEFMT_MAX], num[48];

	/* The curve is piecewise linear in wall time between its bends, so
	 * joining its values at the bends draws it exactly. */
	fmt_text_str(b, "<polyline class=\"expected\" fill=\"none\" "
			"stroke=\"#616161\" stroke-width=\"1.5\" points=\"");
	if (g->t0 < cv->start)
		html_printf(b, "%.1f,%.1f ", svg_chart_x(g, g->t0),
			    svg_chart_y(g, cv->baseline));
	for (paced_ms t = cv->start;; t = svg_next_bend(cv, t)) {
		html_printf(b, "%.1f,%.1f ", svg_chart_x(g, t),
			    svg_chart_y(g, pace_expected(cv, t)));
		if (t >= cv->due)
			break;
	}
	if (g->t1 > cv->due)
		html_printf(b, "%.1f,%.1f", svg_chart_x(g, g->t1),
			    svg_chart_y(g, cv->target));
	fmt_text_str(b, "\"/>\n");
	for (size_t i = 0; i < cv->n_milestones; i++) {
		const struct pace_point *m = &cv->milestones[i];

		html_printf(b,
			    "<circle class=\"milestone\" cx=\"%.1f\" "
			    "cy=\"%.1f\" r=\"4\" fill=\"#fff\" "
			    "stroke=\"#616161\" stroke-width=\"1.5\"><title>"
			    "%s %s · %s %s</title></circle>\n",
			    svg_chart_x(g, m->at), svg_chart_y(g, m->value),
			    T(c->lang, "里程碑", "Milestone"),
			    timefmt_day(m->at, day),
			    message_number(m->value, num, sizeof(num)),
			    c->unit ? c->unit : "");
	}
}

/* The latest known value as steps: flat until the next update, then
 * straight to its value; from the baseline at start when no update came
 * earlier, and on to now. */
static void svg_actual(struct fmt_text *b, const struct svg_chart *c,
		       const struct svg_chart_geom *g)
{
	const struct pace_curve *cv = c->curve;
	paced_ms end = c->now < g->t1 ? c->now : g->t1;
	double cx, cy;
	size_t i = 0;
	char day[TIMEFMT_MAX], num[48];

	if (c->n_actual > 0 && c->actual[0].at <= cv->start) {
		cx = svg_chart_x(g, c->actual[0].at);
		cy = svg_chart_y(g, c->actual[0].value);
		i = 1;
	} else if (c->now > cv->start) {
		cx = svg_chart_x(g, cv->start);
		cy = svg_chart_y(g, cv->baseline);
	} else {
		return; /* nothing has happened yet */
	}
	html_printf(b,
		    "<path class=\"actual\" fill=\"none\" stroke=\"#1565c0\" "
		    "stroke-width=\"2.5\" stroke-linejoin=\"round\" "
		    "d=\"M%.1f,%.1f",
		    cx, cy);
	for (; i < c->n_actual; i++) {
		double x = svg_chart_x(g, c->actual[i].at);
		double y = svg_chart_y(g, c->actual[i].value);

		/* Updates closer than a unit share one vertical. */
		if (x - cx >= 0.5)
			html_printf(b, " H%.1f", cx = x);
		if (fabs(y - cy) >= 0.05)
			html_printf(b, " V%.1f", cy = y);
	}
	if (svg_chart_x(g, end) - cx >= 0.5)
		html_printf(b, " H%.1f", svg_chart_x(g, end));
	fmt_text_str(b, "\"/>\n");
	if (c->n_actual > MAX_DOTS)
		return;
	for (i = 0; i < c->n_actual; i++)
		html_printf(b,
			    "<circle class=\"update\" cx=\"%.1f\" cy=\"%.1f\" "
			    "r=\"2.5\" fill=\"#1565c0\"><title>%s · %s %s"
			    "</title></circle>\n",
			    svg_chart_x(g, c->actual[i].at),
			    svg_chart_y(g, c->actual[i].value),
			    timefmt_day(c->actual[i].at, day),
			    message_number(c->actual[i].value, num,
					   sizeof(num)),
			    c->unit ? c->unit : "");
}

/* From (now, current) to where the trend is at due, cut where it leaves
 * the plot; and a mark on the target line at the forecast's eta. */
static void svg_forecast(struct fmt_text *b, const struct svg_chart *c,
			 const struct svg_chart_geom *g)
{
	const struct pace_curve *cv = c->curve;
	const struct pace_forecast *f = c->forecast;
	double v1 = f->projected_at_due, bound;
	paced_ms t1 = cv->due;
	char day[TIMEFMT_MAX];

	if (v1 > g->v_hi || v1 < g->v_lo) {
		bound = v1 > g->v_hi ? g->v_hi : g->v_lo;
		t1 = c->now + (paced_ms)((double)(cv->due - c->now) *
					 (bound - c->current) /
					 (v1 - c->current));
		v1 = bound;
	}
	html_printf(b,
		    "<line class=\"forecast\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ef6c00\" "
		    "stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n",
		    svg_chart_x(g, c->now), svg_chart_y(g, c->current),
		    svg_chart_x(g, t1), svg_chart_y(g, v1));
	if (f->has_eta && f->eta >= c->now && f->eta <= g->t1)
		html_printf(b,
			    "<circle class=\"eta\" cx=\"%.1f\" cy=\"%.1f\" "
			    "r=\"4\" fill=\"#ef6c00\"><title>%s %s</title>"
			    "</circle>\n",
			    svg_chart_x(g, f->eta), svg_chart_y(g, cv->target),
			    T(c->lang, "预计完成", "Expected to finish"),
			    timefmt_day(f->eta, day));
}

static void svg_markers(struct fmt_text *b, const struct svg_chart *c,
			const struct svg_chart_geom *g)
{
	double xd = svg_chart_x(g, c->curve->due), xn;
	char day[TIMEFMT_MAX];

	html_printf(b,
		    "<line class=\"due\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#b71c1c\" stroke-width=\"1.5\" "
		    "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"end\" fill=\"#b71c1c\">%s %s</text>\n",
		    xd, g->top, xd, g->bottom, xd - 4, g->top + 14,
		    T(c->lang, "截止", "Due"), timefmt_day(c->curve->due, day));
	if (c->now < g->t0 || c->now > g->t1)
		return;
	xn = svg_chart_x(g, c->now);
	html_printf(b,
		    "<line class=\"now\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#212121\" stroke-dasharray=\"2 3\"/>"
		    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s"
		    "</text>\n",
		    xn, g->top, xn, g->bottom, xn, g->top - 4,
		    T(c->lang, "今天", "Today"));
}

static void svg_legend(struct fmt_text *b, const struct svg_chart *c)
{
	static const struct {
		const char *zh, *en, *colour, *dash;
	} items[] = {
		{"实际", "Actual", "#1565c0", ""},
		{"计划", "Plan", "#616161", ""},
		{"预测", "Forecast", "#ef6c00", "6 4"},
	};
	double x = PLOT_RIGHT - 3 * 90;

	if (c->title) {
		fmt_text_str(b, "<text x=\"8\" y=\"18\" font-size=\"14\" "
				"font-weight=\"bold\">");
		svg_text_cut(b, c->title, CHART_TITLE_COLS);
		fmt_text_str(b, "</text>\n");
	}
	for (size_t i = 0; i < PACED_ARRAY_LEN(items); i++, x += 90)
		html_printf(b,
			    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			    "stroke=\"%s\" stroke-width=\"2.5\" "
			    "stroke-dasharray=\"%s\"/><text x=\"%.1f\" "
			    "y=\"%d\">%s</text>\n",
			    x, 14, x + 18, 14, items[i].colour, items[i].dash,
			    x + 22, 18, T(c->lang, items[i].zh, items[i].en));
}

void svg_chart_render(struct fmt_text *b, const struct svg_chart *c)
{
	struct svg_chart_geom g;

	svg_chart_geometry(c, &g);
	html_printf(b,
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" "
		    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		    "role=\"img\" font-family=\"sans-serif\" "
		    "font-size=\"11\">\n<title>%s</title>\n"
		    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
		    SVG_CHART_W, SVG_CHART_H, SVG_CHART_W, SVG_CHART_H,
		    c->title ? c->title
			     : T(c->lang, "进度图", "Progress chart"),
		    SVG_CHART_W, SVG_CHART_H);
	svg_pauses(b, c, &g);
	svg_grid(b, c, &g);
	svg_expected(b, c, &g);
	if (svg_has_forecast(c))
		svg_forecast(b, c, &g);
	svg_actual(b, c, &g);
	svg_markers(b, c, &g);
	svg_legend(b, c);
	fmt_text_str(b, "</svg>\n");
}

/* ---- the badge ---------------------------------------------------------- */

void svg_badge_render(struct fmt_text *b, const struct svg_badge *bd)
{
	struct fmt_text left = {0}, right = {0};
	char cur[48], tgt[48];
	double lw, rw;
	char *l, *r;

	svg_text_cut(&left, bd->title ? bd->title : "", BADGE_TITLE_COLS);
	html_printf(&right, "%s/%s · %s",
		    message_number(bd->current, cur, sizeof(cur)),
		    message_number(bd->target, tgt, sizeof(tgt)),
		    message_status_label(pace_status_name(bd->status),
					 bd->lang));
	l = fmt_text_finish(&left, NULL);
	r = fmt_text_finish(&right, NULL);
	if (!l || !r) {
		b->nomem = true;
		goto out;
	}
	/* l and r are escaped already, to be written as they are. */
	lw = svg_text_width(l) + 12;
	rw = svg_text_width(r) + 12;
	html_printf(b,
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"badge\" "
		    "width=\"%.0f\" height=\"20\" viewBox=\"0 0 %.0f 20\" "
		    "role=\"img\" font-family=\"sans-serif\" "
		    "font-size=\"11\"><title>",
		    lw + rw, lw + rw);
	fmt_text_str(b, l);
	fmt_text_str(b, " ");
	fmt_text_str(b, r);
	/* Rounded outside, square where the halves meet. */
	html_printf(b,
		    "</title><rect width=\"%.0f\" height=\"20\" rx=\"3\" "
		    "fill=\"%s\"/><rect width=\"%.0f\" height=\"20\" "
		    "rx=\"3\" fill=\"#555\"/><rect x=\"%.0f\" width=\"4\" "
		    "height=\"20\" fill=\"#555\"/><g fill=\"#fff\">"
		    "<text x=\"%.1f\" y=\"14\" text-anchor=\"middle\">",
		    lw + rw, svg_status_colour(bd->status), lw, lw - 4,
		    lw / 2);
	fmt_text_str(b, l);
	html_printf(b, "</text><text x=\"%.1f\" y=\"14\" "
		       "text-anchor=\"middle\">", lw + rw / 2);
	fmt_text_str(b, r);
	fmt_text_str(b, "</text></g></svg>\n");
out:
	free(l);
	free(r);
}
