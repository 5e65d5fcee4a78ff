/*
 * svg_chart.h - a project drawn as SVG for the dashboard: the burn-up (or
 * burn-down) chart - actual values as steps, the expected curve with its
 * milestones and pauses, the forecast line, today and the due date - and
 * a small badge "title current/target · status". Pure: everything comes
 * in the arguments and every piece of text is escaped (html.h); no I/O.
 */
#ifndef PACED_SVG_CHART_H
#define PACED_SVG_CHART_H

#include <stddef.h>

#include "fmt_text.h"
#include "message.h"
#include "pace.h"

/* The chart's size in SVG units (its viewBox); pages scale it. */
#define SVG_CHART_W 720
#define SVG_CHART_H 360

/* What a chart shows. Every pointer is borrowed for the call. */
struct svg_chart {
	const struct pace_curve *curve;
	const char *title; /* NULL: no title line (the page has one) */
	const char *unit;  /* "" when none */
	const struct pace_point *actual; /* the updates, oldest first */
	size_t n_actual;
	/* The reason of each of curve->n_pauses pauses (entries may be
	 * NULL), or NULL for none. */
	const char *const *pause_reasons;
	paced_ms now;
	enum pace_status status;
	double current;
	/* NULL: no forecast line. Drawn only between start and due for a
	 * project not done. */
	const struct pace_forecast *forecast;
	enum message_lang lang;
};

/* Where things land: the plot area and the instants and values at its
 * edges. Time runs left to right from min(start, first update) to
 * max(due, now, latest update) - so the due date is the right edge until
 * it has passed - and values run upwards for burn-ups and burn-downs
 * alike (a burn-down's curve falls). */
struct svg_chart_geom {
	double left, right, top, bottom;
	paced_ms t0, t1;
	double v_lo, v_hi;
};

void svg_chart_geometry(const struct svg_chart *c, struct svg_chart_geom *g);
double svg_chart_x(const struct svg_chart_geom *g, paced_ms t);
double svg_chart_y(const struct svg_chart_geom *g, double v);

/*
 * Appends the chart as one <svg> element (with its xmlns, so it serves
 * alone as image/svg+xml and inline in HTML alike). Its parts carry
 * classes: "expected" (polyline), "milestone", "pause", "actual" (a path
 * of H/V steps), "update", "forecast", "eta", "due", "now".
 */
void svg_chart_render(struct fmt_text *b, const struct svg_chart *c);

/* The colour of a status ("#2e7d32" for on_track, ...), dark enough for
 * white text. */
const char *svg_status_colour(enum pace_status s);

struct svg_badge {
	const char *title; /* borrowed; shortened to fit */
	double current, target;
	enum pace_status status;
	enum message_lang lang;
};

/* Appends a badge: the title on grey, "120/350 · 落后" on the status's
 * colour, and the whole "title 120/350 · 落后" as its <title>. */
void svg_badge_render(struct fmt_text *b, const struct svg_badge *bd);

#endif
