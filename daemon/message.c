/* message.c - alert texts in zh-CN and en. */
#include "message.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum message_lang message_lang_parse(const char *name)
{
	return name && strncmp(name, "en", 2) == 0 ? MESSAGE_EN : MESSAGE_ZH;
}

static const struct {
	const char *type;
	const char *zh;
	const char *en;
} labels[] = {
	{"project.behind", "【落后】", "[Behind]"},
	{"project.at_risk", "【预警】", "[At risk]"},
	{"project.overdue", "【逾期】", "[Overdue]"},
	{"project.recovered", "【恢复】", "[Recovered]"},
	{"project.done", "【完成】", "[Done]"},
	{"project.stale", "【未报送】", "[No report]"},
	{"project.resumed", "【恢复报送】", "[Reporting resumed]"},
	{"project.reminder", "【提醒】", "[Reminder]"},
};

const char *message_label(const char *type, enum message_lang lang)
{
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(type, labels[i].type) == 0)
			return lang == MESSAGE_EN ? labels[i].en : labels[i].zh;
	return lang == MESSAGE_EN ? "[Update]" : "【通知】";
}

char *message_number(double v, char *out, size_t len)
{
	char *p;

	if (!isfinite(v))
		v = 0;
	snprintf(out, len, "%.2f", round(v * 100) / 100);
	p = out + strlen(out) - 1;
	while (p > out && *p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
	if (strcmp(out, "-0") == 0)
		snprintf(out, len, "0");
	return out;
}

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* Appends to a growing buffer; on failure the buffer is freed and NULL
 * returned, so callers can chain without checking each step. */
static char *append(char *buf, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static char *append(char *buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *grown;

	if (!buf)
		return NULL;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	grown = n < 0 ? NULL : realloc(buf, *len + (size_t)n + 1);
	if (!grown) {
		free(buf);
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(grown + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
	return grown;
}

/* The forecast is news only while the target is still ahead. */
static bool wants_forecast(const char *type, const json_t *project)
{
	return strcmp(type, "project.done") != 0 &&
	       num(project, "progress") < 1;
}

/* "预计 2026-12-20 完成（截止 2026-12-31）" and the rate still needed,
 * "需每天新增 1.2 个才能按期完成" (减少 for a burn-down). */
static char *forecast_zh(char *t, size_t *len, const char *type,
			 const json_t *project, const char *unit)
{
	const json_t *f = json_object_get(project, "forecast");
	const char *eta = json_string_value(json_object_get(f, "eta"));
	const json_t *need = json_object_get(f, "required_rate_per_day");
	char rate[48];
	double r;

	if (!f || !wants_forecast(type, project))
		return t;
	if (eta)
		t = append(t, len, "\n预计 %s 完成（截止 %s）", eta,
			   str(project, "due"));
	else
		t = append(t, len, "\n按目前进度无法完成");
	if (json_is_number(need)) {
		r = json_number_value(need);
		t = append(t, len, "\n需每天%s %s %s才能按期完成",
			   r >= 0 ? "新增" : "减少",
			   message_number(fabs(r), rate, sizeof(rate)), unit);
	}
	return t;
}

static char *forecast_en(char *t, size_t *len, const char *type,
			 const json_t *project, const char *unit)
{
	const json_t *f = json_object_get(project, "forecast");
	const char *eta = json_string_value(json_object_get(f, "eta"));
	const json_t *need = json_object_get(f, "required_rate_per_day");
	char rate[48];

	if (!f || !wants_forecast(type, project))
		return t;
	if (eta)
		t = append(t, len, "\nForecast: done by %s (due %s)", eta,
			   str(project, "due"));
	else
		t = append(t, len, "\nForecast: not reached at this pace");
	if (json_is_number(need))
		t = append(t, len, "\nNeeds %s %s a day to finish on time",
			   message_number(fabs(json_number_value(need)), rate,
					  sizeof(rate)),
			   unit);
	return t;
}

char *message_text(const char *type, const json_t *project,
		   enum message_lang lang, const char *public_url)
{
	char cur[48], tgt[48], exp[48], pct[48], epct[48], gap[48];
	const char *unit = str(project, "unit"), *owner;
	double gap_pts = num(project, "gap") * 100;
	size_t len = 0;
	char *t = calloc(1, 1);

	message_number(num(project, "current"), cur, sizeof(cur));
	message_number(num(project, "target"), tgt, sizeof(tgt));
	message_number(num(project, "expected"), exp, sizeof(exp));
	message_number(num(project, "progress") * 100, pct, sizeof(pct));
	message_number(num(project, "expected_progress") * 100, epct,
		       sizeof(epct));
	message_number(fabs(gap_pts), gap, sizeof(gap));
	owner = json_string_value(json_object_get(project, "owner"));

	if (lang == MESSAGE_EN) {
		t = append(t, &len, "%s %s: %s / %s %s (%s%%)",
			   message_label(type, lang), str(project, "title"),
			   cur, tgt, unit, pct);
		t = append(t, &len, "\nExpected now: %s %s (%s%%); %s %s "
				    "points",
			   exp, unit, epct, gap_pts >= 0 ? "behind by" : "ahead by",
			   gap);
		t = append(t, &len, "\nDue: %s", str(project, "due"));
		t = forecast_en(t, &len, type, project, unit);
		if (owner && *owner)
			t = append(t, &len, "\nOwner: %s", owner);
	} else {
		t = append(t, &len, "%s%s：当前 %s / %s %s（%s%%）",
			   message_label(type, lang), str(project, "title"),
			   cur, tgt, unit, pct);
		t = append(t, &len, "\n按计划此时应达 %s %s（%s%%），%s %s "
				    "个百分点",
			   exp, unit, epct, gap_pts >= 0 ? "落后" : "领先",
			   gap);
		t = append(t, &len, "\n截止日期：%s", str(project, "due"));
		t = forecast_zh(t, &len, type, project, unit);
		if (owner && *owner)
			t = append(t, &len, "\n责任单位：%s", owner);
	}
	if (public_url && *public_url) {
		size_t n = strlen(public_url);

		/* "https://host/" and "https://host" give the same link. */
		while (n > 0 && public_url[n - 1] == '/')
			n--;
		t = append(t, &len, "\n%.*s/projects/%s", (int)n, public_url,
			   str(project, "id"));
	}
	return t;
}
