/* view.c - projects and updates for people: tables, pages, plain lines. */
#include "view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "msg.h"
#include "table.h"

const char *view_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

double view_num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* "behind" or "behind, stale". */
static void status_cell(const json_t *p, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", or_dash(view_str(p, "status")),
		 json_is_true(json_object_get(p, "stale")) ? ", stale" : "");
}

/* "150 / 350 个" counting up, "200 -> 0 处" counting down. */
static void value_cell(const json_t *p, char *buf, size_t n)
{
	char cur[FMT_MAX], tgt[FMT_MAX];
	double target = view_num(p, "target");
	double base = view_num(p, "baseline");
	const char *unit = view_str(p, "unit");

	fmt_number(cur, sizeof(cur), view_num(p, "current"));
	fmt_number(tgt, sizeof(tgt), target);
	snprintf(buf, n, "%s %s %s%s%s", cur, target < base ? "->" : "/", tgt,
		 unit && *unit ? " " : "", unit ? unit : "");
}

/* Raw numbers for scripts: every digit paced gave. */
static void raw_number(char *buf, size_t n, double v)
{
	if (isfinite(v))
		snprintf(buf, n, "%.15g", v);
	else
		snprintf(buf, n, "-");
}

static const struct table_col list_cols[] = {
    {"ID", false, 32, false, NULL},
    {"TITLE", false, 30, true, NULL},
    {"STATUS", false, 0, false, fmt_status_color},
    {"PROGRESS", false, 0, false, NULL},
    {"DONE", true, 0, false, NULL},
    {"PLAN", true, 0, false, NULL},
    {"VALUE", false, 0, false, NULL},
    {"DUE", false, 0, false, NULL},
};

static int add_project_row(struct table *t, const json_t *p)
{
	char status[64], bar[FMT_MAX], done[FMT_MAX], plan[FMT_MAX];
	char value[3 * FMT_MAX + 200];
	double prog = view_num(p, "progress");
	double exp = view_num(p, "expected_progress");
	const char *row[8];

	status_cell(p, status, sizeof(status));
	fmt_bar(bar, sizeof(bar), prog, exp);
	fmt_percent(done, sizeof(done), prog);
	fmt_percent(plan, sizeof(plan), exp);
	value_cell(p, value, sizeof(value));
	row[0] = view_str(p, "id");
	row[1] = view_str(p, "title");
	row[2] = status;
	row[3] = bar;
	row[4] = done;
	row[5] = plan;
	row[6] = value;
	row[7] = view_str(p, "due");
	return table_add(t, row);
}

/* The columns of `list --plain`, in the order of doc/pacectl.1. */
static const struct table_col plain_cols[] = {
    {"id", false, 0, false, NULL},
    {"title", false, 0, false, NULL},
    {"status", false, 0, false, NULL},
    {"stale", false, 0, false, NULL},
    {"progress", false, 0, false, NULL},
    {"expected_progress", false, 0, false, NULL},
    {"current", false, 0, false, NULL},
    {"target", false, 0, false, NULL},
    {"unit", false, 0, false, NULL},
    {"due", false, 0, false, NULL},
};

static int add_plain_row(struct table *t, const json_t *p)
{
	char prog[FMT_MAX], exp[FMT_MAX], cur[FMT_MAX], tgt[FMT_MAX];
	const char *row[10];

	raw_number(prog, sizeof(prog), view_num(p, "progress"));
	raw_number(exp, sizeof(exp), view_num(p, "expected_progress"));
	raw_number(cur, sizeof(cur), view_num(p, "current"));
	raw_number(tgt, sizeof(tgt), view_num(p, "target"));
	row[0] = view_str(p, "id");
	row[1] = view_str(p, "title");
	row[2] = view_str(p, "status");
	row[3] = json_is_true(json_object_get(p, "stale")) ? "stale" : "-";
	row[4] = prog;
	row[5] = exp;
	row[6] = cur;
	row[7] = tgt;
	row[8] = or_dash(view_str(p, "unit"));
	row[9] = view_str(p, "due");
	return table_add(t, row);
}

void view_projects(const struct ctl *ctl, const json_t *projects)
{
	bool plain = ctl->format == CTL_FORMAT_PLAIN;
	struct table t;
	size_t i;

	table_init(&t, plain ? plain_cols : list_cols,
		   plain ? (int)(sizeof(plain_cols) / sizeof(plain_cols[0]))
			 : (int)(sizeof(list_cols) / sizeof(list_cols[0])));
	for (i = 0; i < json_array_size(projects); i++) {
		const json_t *p = json_array_get(projects, i);

		if ((plain ? add_plain_row(&t, p) : add_project_row(&t, p))) {
			msg_error("out of memory");
			break;
		}
	}
	if (t.nrows || plain)
		table_print(&t, ctl, stdout);
	else
		puts("no projects");
	table_free(&t);
}

/* One "label  value" line of a project's page; value is cleaned. */
static void field(const char *label, const char *value)
{
	printf("%-11s", label);
	msg_clean(stdout, value);
	putchar('\n');
}

/* Items of the array key joined by "; ", each as fn writes it; NULL when
 * the array is empty (the line is then left out). The caller frees. */
static char *joined(const json_t *p, const char *key,
		    void (*fn)(FILE *out, const json_t *item))
{
	const json_t *arr = json_object_get(p, key);
	char *buf = NULL;
	size_t len = 0, i;
	FILE *out;

	if (!json_array_size(arr) || !(out = open_memstream(&buf, &len)))
		return NULL;
	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *item = json_array_get(arr, i);

		if (i)
			fputs(fn == NULL ? ", " : "; ", out);
		if (fn)
			fn(out, item);
		else
			fputs(or_dash(json_string_value(item)), out);
	}
	fclose(out);
	return buf;
}

static void milestone(FILE *out, const json_t *m)
{
	char v[FMT_MAX];

	fprintf(out, "%s: %s", or_dash(view_str(m, "at")),
		fmt_number(v, sizeof(v), view_num(m, "value")));
}

static void pause_item(FILE *out, const json_t *m)
{
	const char *why = view_str(m, "reason");

	fprintf(out, "%s .. %s%s%s", or_dash(view_str(m, "from")),
		or_dash(view_str(m, "to")), why ? " " : "", why ? why : "");
}

static void field_list(const char *label, const json_t *p, const char *key,
		       void (*fn)(FILE *out, const json_t *item))
{
	char *s = joined(p, key, fn);

	if (s)
		field(label, s);
	free(s);
}

static void page_progress(const json_t *p)
{
	char buf[512], bar[FMT_MAX], done[FMT_MAX], plan[FMT_MAX];
	char gap[FMT_MAX];
	double g = view_num(p, "gap") * 100;

	fmt_bar(bar, sizeof(bar), view_num(p, "progress"),
		view_num(p, "expected_progress"));
	fmt_percent(done, sizeof(done), view_num(p, "progress"));
	fmt_percent(plan, sizeof(plan), view_num(p, "expected_progress"));
	fmt_number(gap, sizeof(gap), fabs(g));
	if (strcmp(gap, "0") == 0 || !isfinite(g))
		snprintf(buf, sizeof(buf), "%s %s done, %s planned (on plan)",
			 bar, done, plan);
	else
		snprintf(buf, sizeof(buf),
			 "%s %s done, %s planned (%s points %s)", bar, done,
			 plan, gap, g > 0 ? "behind plan" : "ahead of plan");
	field("progress", buf);
}

static void page_value(const json_t *p)
{
	char buf[800], value[3 * FMT_MAX + 200], exp[FMT_MAX], base[FMT_MAX];

	value_cell(p, value, sizeof(value));
	snprintf(buf, sizeof(buf), "%s (expected now %s, baseline %s)", value,
		 fmt_number(exp, sizeof(exp), view_num(p, "expected")),
		 fmt_number(base, sizeof(base), view_num(p, "baseline")));
	field("value", buf);
}

static void page_forecast(const json_t *p)
{
	const json_t *f = json_object_get(p, "forecast");
	const char *unit = view_str(p, "unit"), *eta, *sp;
	char buf[800], rate[FMT_MAX], at_due[FMT_MAX], need[FMT_MAX];

	if (!json_is_object(f))
		return;
	/* "0.5 个 a day", and "0.5 a day" when there is no unit. */
	unit = unit ? unit : "";
	sp = *unit ? " " : "";
	eta = view_str(f, "eta");
	snprintf(
	    buf, sizeof(buf),
	    "%s%s%s a day; %s at due; target %s%s; needs %s%s%s a day",
	    fmt_number(rate, sizeof(rate), view_num(f, "rate_per_day")), sp,
	    unit,
	    fmt_number(at_due, sizeof(at_due), view_num(f, "projected_at_due")),
	    eta ? "reached " : "not reached at this rate", eta ? eta : "",
	    fmt_number(need, sizeof(need),
		       view_num(f, "required_rate_per_day")),
	    sp, unit);
	field("forecast", buf);
}

static void page_reports(const json_t *p)
{
	const char *every = view_str(p, "report_every");
	char buf[300], last[FMT_MAX];

	fmt_instant(last, sizeof(last), view_str(p, "updated_at"));
	if (every)
		snprintf(buf, sizeof(buf), "every %s, grace %s; last %s%s",
			 every, or_dash(view_str(p, "grace")), last,
			 json_is_true(json_object_get(p, "stale"))
			     ? " (stale: overdue for a report)"
			     : "");
	else
		snprintf(buf, sizeof(buf), "last %s", last);
	field("reports", buf);
}

static const struct table_col update_cols[] = {
    {"AT", false, 0, false, NULL},    {"VALUE", true, 0, false, NULL},
    {"CHANGE", true, 0, false, NULL}, {"BY", false, 0, false, NULL},
    {"NOTE", false, 60, true, NULL},
};

static void page_updates(const struct ctl *ctl, const json_t *updates)
{
	struct table t;
	size_t i;

	if (!json_array_size(updates))
		return;
	table_init(&t, update_cols, 5);
	for (i = 0; i < json_array_size(updates); i++) {
		const json_t *u = json_array_get(updates, i);
		char at[FMT_MAX], value[FMT_MAX], delta[FMT_MAX + 1];
		double d = view_num(u, "delta");
		const char *row[5] = {at, value, delta, NULL, NULL};

		fmt_instant(at, sizeof(at), view_str(u, "at"));
		fmt_number(value, sizeof(value), view_num(u, "value"));
		delta[0] = d > 0 ? '+' : '\0';
		fmt_number(delta + (d > 0), sizeof(delta) - 1, d);
		row[3] = or_dash(view_str(u, "token"));
		row[4] = view_str(u, "note");
		if (table_add(&t, row))
			break;
	}
	putchar('\n');
	table_print(&t, ctl, stdout);
	table_free(&t);
}

/* `show --plain`: "key<TAB>value" lines with the raw values. */
static void page_plain(const json_t *p)
{
	static const char *const keys[] = {
	    "id",	  "title",	  "status",   "status_since",
	    "stale",	  "current",	  "expected", "baseline",
	    "target",	  "unit",	  "progress", "expected_progress",
	    "gap",	  "start",	  "due",      "curve",
	    "updated_at", "report_every", "owner"};
	char buf[FMT_MAX];
	char *tags = joined(p, "tags", NULL);

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const json_t *v = json_object_get(p, keys[i]);
		const char *s = json_string_value(v);

		if (json_is_number(v)) {
			raw_number(buf, sizeof(buf), json_number_value(v));
			s = buf;
		} else if (json_is_boolean(v))
			s = json_is_true(v) ? "true" : "false";
		printf("%s\t", keys[i]);
		msg_clean(stdout, or_dash(s));
		putchar('\n');
	}
	printf("tags\t");
	msg_clean(stdout, or_dash(tags));
	putchar('\n');
	free(tags);
}

void view_project(const struct ctl *ctl, const json_t *p, const json_t *updates)
{
	char buf[800], since[FMT_MAX], status[64], start[FMT_MAX], due[FMT_MAX];

	if (ctl->format == CTL_FORMAT_PLAIN) {
		page_plain(p);
		return;
	}
	snprintf(buf, sizeof(buf), "%s  (%s)", or_dash(view_str(p, "title")),
		 or_dash(view_str(p, "id")));
	msg_clean(stdout, buf);
	putchar('\n');
	status_cell(p, status, sizeof(status));
	fmt_instant(since, sizeof(since), view_str(p, "status_since"));
	snprintf(buf, sizeof(buf), "%s since %s", status, since);
	if (ctl->color && fmt_status_color(status)) {
		printf("%-11s%s", "status", fmt_status_color(status));
		msg_clean(stdout, buf);
		puts("\033[0m");
	} else
		field("status", buf);
	page_progress(p);
	page_value(p);
	snprintf(buf, sizeof(buf), "%s .. %s (%s)",
		 fmt_instant(start, sizeof(start), view_str(p, "start")),
		 fmt_instant(due, sizeof(due), view_str(p, "due")),
		 or_dash(view_str(p, "curve")));
	field("period", buf);
	field_list("milestones", p, "milestones", milestone);
	field_list("pauses", p, "pauses", pause_item);
	page_forecast(p);
	page_reports(p);
	if (view_str(p, "owner"))
		field("owner", view_str(p, "owner"));
	field_list("tags", p, "tags", NULL);
	page_updates(ctl, updates);
}

void view_update(const struct ctl *ctl, const json_t *answer, bool repeated)
{
	const json_t *p = json_object_get(answer, "project");
	char buf[1200], value[3 * FMT_MAX + 200], done[FMT_MAX], plan[FMT_MAX];
	char status[64];

	status_cell(p, status, sizeof(status));
	if (ctl->format == CTL_FORMAT_PLAIN) {
		raw_number(value, sizeof(value), view_num(p, "current"));
		printf("%s\t%s\t%s\t%s\n", or_dash(view_str(p, "id")), value,
		       or_dash(view_str(p, "status")),
		       repeated ? "repeated" : "stored");
		return;
	}
	value_cell(p, value, sizeof(value));
	fmt_percent(done, sizeof(done), view_num(p, "progress"));
	fmt_percent(plan, sizeof(plan), view_num(p, "expected_progress"));
	snprintf(buf, sizeof(buf), "%s %s: %s (%s done, %s planned), %s%s",
		 or_dash(view_str(p, "id")), or_dash(view_str(p, "title")),
		 value, done, plan, status,
		 repeated ? " - already recorded under this id, nothing stored"
			  : "");
	msg_clean(stdout, buf);
	putchar('\n');
}
