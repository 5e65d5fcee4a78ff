/* test_svg.c - escaping (html.c) and the dashboard's SVG chart and badge
 * (svg_chart.c): hostile text stays text, and things land where they
 * should. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "svg_chart.h"

#define DAY PACED_MS_PER_DAY
/* 2022-01-01T00:00:00+08:00 */
#define JAN1 1640966400000LL

static char *finish(struct fmt_text *b)
{
	char *s = fmt_text_finish(b, NULL);

	assert_non_null(s);
	return s;
}

static void test_escape(void **state)
{
	struct fmt_text b = {0};
	char *s;

	(void)state;
	html_esc(&b, "<script>alert(\"x\" & 'y')</script>\x01ok");
	s = finish(&b);
	assert_string_equal(s, "&lt;script&gt;alert(&quot;x&quot; &amp; "
			       "&#39;y&#39;)&lt;/script&gt; ok");
	free(s);
}

static void test_printf_escapes_strings_only(void **state)
{
	struct fmt_text b = {0};
	char *s;

	(void)state;
	html_printf(&b, "<a title=\"%s\">%5.1f|%d|%zu|%lld|%x|%c|100%%</a>",
		    "\"><img src=x>", 3.14159, -7, (size_t)42, 1LL << 40, 255,
		    '<');
	s = finish(&b);
	assert_string_equal(s, "<a title=\"&quot;&gt;&lt;img src=x&gt;\">"
			       "  3.1|-7|42|1099511627776|ff|&lt;|100%</a>");
	free(s);
	/* A conversion it does not know fails the buffer. */
	html_printf(&b, "%p", (void *)&b);
	assert_null(fmt_text_finish(&b, NULL));
}

static void test_url(void **state)
{
	struct fmt_text b = {0};
	char *s;

	(void)state;
	html_url(&b, "亚运 a&b=c/\"'<");
	s = finish(&b);
	assert_string_equal(s, "%E4%BA%9A%E8%BF%90%20a%26b%3Dc%2F%22%27%3C");
	free(s);
}

static const struct pace_curve burn_up = {
	.baseline = 0,
	.target = 350,
	.start = JAN1,
	.due = JAN1 + 365 * DAY - 1,
	.at_risk = 0.05,
	.behind = 0.10,
};

static const struct pace_curve burn_down = {
	.baseline = 495,
	.target = 0,
	.start = JAN1,
	.due = JAN1 + 365 * DAY - 1,
	.at_risk = 0.05,
	.behind = 0.10,
};

static char *chart(const struct svg_chart *c)
{
	struct fmt_text b = {0};

	svg_chart_render(&b, c);
	return finish(&b);
}

/* The number after `attr="` in the first element that has class cls. */
static double attr_of(const char *svg, const char *cls, const char *attr)
{
	char pat[64], apat[32];
	const char *el, *end, *a;

	snprintf(pat, sizeof(pat), "class=\"%s\"", cls);
	el = strstr(svg, pat);
	assert_non_null(el);
	while (el > svg && *el != '<')
		el--;
	end = strchr(el, '>');
	snprintf(apat, sizeof(apat), " %s=\"", attr);
	a = strstr(el, apat);
	assert_non_null(a);
	assert_true(a < end);
	return strtod(a + strlen(apat), NULL);
}

/* The first and last points of the expected curve's polyline. */
static void expected_ends(const char *svg, double *x0, double *y0,
			  double *x1, double *y1)
{
	const char *p = strstr(svg, "class=\"expected\""), *q, *e;

	assert_non_null(p);
	p = strstr(p, "points=\"");
	assert_non_null(p);
	p += strlen("points=\"");
	e = strchr(p, '"');
	assert_int_equal(sscanf(p, "%lf,%lf", x0, y0), 2);
	q = e - 1;
	while (q > p && *q == ' ')
		q--;
	while (q > p && q[-1] != ' ')
		q--;
	assert_int_equal(sscanf(q, "%lf,%lf", x1, y1), 2);
}

static void test_due_at_right_edge(void **state)
{
	struct pace_point upd[] = {{JAN1 + 30 * DAY, 40},
				   {JAN1 + 60 * DAY, 90}};
	struct svg_chart c = {.curve = &burn_up, .title = "新增公共停车泊位",
			      .unit = "个", .actual = upd, .n_actual = 2,
			      .now = JAN1 + 100 * DAY, .status = PACE_BEHIND,
			      .current = 90, .lang = MESSAGE_ZH};
	struct svg_chart_geom g;
	double x0, y0, x1, y1;
	char *s;

	(void)state;
	svg_chart_geometry(&c, &g);
	assert_int_equal(g.t0, burn_up.start);
	assert_int_equal(g.t1, burn_up.due);
	assert_true(fabs(svg_chart_x(&g, burn_up.due) - g.right) < 1e-9);
	assert_true(fabs(svg_chart_x(&g, burn_up.start) - g.left) < 1e-9);
	s = chart(&c);
	assert_true(fabs(attr_of(s, "due", "x1") - g.right) < 0.06);
	/* Today sits 100/365 of the way along. */
	assert_true(fabs(attr_of(s, "now", "x1") -
			 (g.left + (g.right - g.left) * 100 / 365)) < 0.2);
	/* Burn-up: the curve rises (SVG y grows downwards) from the
	 * bottom-left to the top-right corner of the values. */
	expected_ends(s, &x0, &y0, &x1, &y1);
	assert_true(fabs(x0 - g.left) < 0.06 && fabs(x1 - g.right) < 0.06);
	assert_true(y0 > y1);
	assert_true(fabs(y1 - svg_chart_y(&g, 350)) < 0.06);
	/* Steps: the baseline from start, then H/V moves, on to today. */
	assert_non_null(strstr(s, "class=\"actual\""));
	assert_non_null(strstr(s, " V"));
	assert_non_null(strstr(s, "截止 2022-12-31"));
	free(s);
}

static void test_burn_down_falls(void **state)
{
	struct svg_chart c = {.curve = &burn_down, .title = "拆违",
			      .unit = "处", .now = JAN1 + 10 * DAY,
			      .status = PACE_ON_TRACK, .current = 495,
			      .lang = MESSAGE_EN};
	struct svg_chart_geom g;
	double x0, y0, x1, y1;
	char *s;

	(void)state;
	svg_chart_geometry(&c, &g);
	/* Values run upwards for a burn-down too. */
	assert_true(svg_chart_y(&g, 495) < svg_chart_y(&g, 0));
	s = chart(&c);
	expected_ends(s, &x0, &y0, &x1, &y1);
	assert_true(y0 < y1); /* the curve falls towards the target */
	assert_true(fabs(y0 - svg_chart_y(&g, 495)) < 0.06);
	assert_true(fabs(y1 - svg_chart_y(&g, 0)) < 0.06);
	assert_non_null(strstr(s, ">Due 2022-12-31<"));
	assert_non_null(strstr(s, ">Today<"));
	free(s);
}

static void test_milestones_pauses_forecast(void **state)
{
	struct pace_point ms[] = {{JAN1 + 181 * DAY, 100}};
	struct pace_pause pauses[] = {{JAN1 + 40 * DAY, JAN1 + 50 * DAY}};
	const char *reasons[] = {"<b>疫情</b>"};
	struct pace_curve cv = burn_up;
	struct pace_forecast f = {.rate_per_day = 50,
				  .projected_at_due = 1e9,
				  .has_eta = 1,
				  .eta = JAN1 + 107 * DAY};
	struct pace_point upd[] = {{JAN1 + 100 * DAY, 50}};
	struct svg_chart c = {.curve = &cv, .unit = "个", .actual = upd,
			      .n_actual = 1, .pause_reasons = reasons,
			      .now = JAN1 + 100 * DAY, .status = PACE_BEHIND,
			      .current = 50, .forecast = &f,
			      .lang = MESSAGE_ZH};
	struct svg_chart_geom g;
	char *s;

	(void)state;
	cv.milestones = ms;
	cv.n_milestones = 1;
	cv.pauses = pauses;
	cv.n_pauses = 1;
	svg_chart_geometry(&c, &g);
	/* A wild trend is clipped half a span above the target. */
	assert_true(g.v_hi < 350 * 1.6 + 1);
	s = chart(&c);
	assert_true(fabs(attr_of(s, "milestone", "cx") -
			 svg_chart_x(&g, ms[0].at)) < 0.06);
	assert_true(fabs(attr_of(s, "milestone", "cy") -
			 svg_chart_y(&g, 100)) < 0.06);
	assert_true(fabs(attr_of(s, "pause", "x") -
			 svg_chart_x(&g, pauses[0].from)) < 0.06);
	assert_non_null(strstr(s, "&lt;b&gt;疫情&lt;/b&gt;"));
	assert_true(fabs(attr_of(s, "forecast", "x1") -
			 svg_chart_x(&g, c.now)) < 0.06);
	assert_true(attr_of(s, "forecast", "y2") >= g.top - 0.06);
	assert_true(attr_of(s, "forecast", "x2") < g.right);
	assert_non_null(strstr(s, "class=\"eta\""));
	free(s);
	/* Done: no forecast line. */
	c.status = PACE_DONE;
	s = chart(&c);
	assert_null(strstr(s, "class=\"forecast\""));
	free(s);
}

static void test_hostile_title(void **state)
{
	const char *evil = "<script>alert(1)</script>\"onload=\"x' &";
	struct svg_chart c = {.curve = &burn_up, .title = evil, .unit = "<u>",
			      .now = JAN1, .status = PACE_NOT_STARTED,
			      .lang = MESSAGE_ZH};
	struct svg_badge bd = {.title = evil, .current = 1, .target = 2,
			       .status = PACE_AT_RISK, .lang = MESSAGE_EN};
	struct fmt_text b = {0};
	char *s;

	(void)state;
	s = chart(&c);
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "\"onload"));
	assert_null(strstr(s, "<u>"));
	assert_non_null(strstr(s, "&lt;script&gt;"));
	free(s);
	svg_badge_render(&b, &bd);
	s = finish(&b);
	assert_null(strstr(s, "<script"));
	assert_non_null(strstr(s, "&lt;script&gt;"));
	assert_non_null(strstr(s, "1/2 · At risk</title>"));
	free(s);
}

static void test_badge(void **state)
{
	struct svg_badge bd = {.title = "停车泊位", .current = 120,
			       .target = 350, .status = PACE_BEHIND,
			       .lang = MESSAGE_ZH};
	struct fmt_text b = {0};
	char *s;

	(void)state;
	svg_badge_render(&b, &bd);
	s = finish(&b);
	assert_non_null(strstr(s, "<title>停车泊位 120/350 · 落后</title>"));
	assert_non_null(strstr(s, svg_status_colour(PACE_BEHIND)));
	assert_true(strncmp(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"",
			    39) == 0);
	free(s);
	/* A long title is shortened with an ellipsis. */
	bd.title = "一二三四五六七八九十一二三四五六七八九十";
	svg_badge_render(&b, &bd);
	s = finish(&b);
	assert_non_null(strstr(s, "一二三四五六七八九十一…"));
	assert_null(strstr(s, "十一二三四五六七八九十"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_printf_escapes_strings_only),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_due_at_right_edge),
		cmocka_unit_test(test_burn_down_falls),
		cmocka_unit_test(test_milestones_pauses_forecast),
		cmocka_unit_test(test_hostile_title),
		cmocka_unit_test(test_badge),
	};

	setenv("TZ", "Asia/Shanghai", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
