/*
 * note.c - notes for people: one event, a summary of several, the digest.
 * The wording lives here so every channel says the same thing; message.c
 * keeps the labels and number formatting they share.
 */
#include "note.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

void note_clear(struct note *n)
{
	free(n->title);
	for (size_t i = 0; i < n->n_lines; i++)
		free(n->lines[i]);
	free(n->lines);
	free(n->link);
	free(n->text);
	memset(n, 0, sizeof(*n));
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

/* Builders that remember the first failure, so callers chain without
 * checking each step; note_finish() reports it. */
struct nb {
	struct note *n;
	bool nomem;
};

__attribute__((format(printf, 2, 3))) static void
nb_line(struct nb *b, const char *fmt, ...)
{
	va_list ap;
	char *line = NULL, **grown;

	if (b->nomem)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	grown = line ? realloc(b->n->lines,
			       (b->n->n_lines + 1) * sizeof(*grown))
		     : NULL;
	if (!grown) {
		free(line);
		b->nomem = true;
		return;
	}
	b->n->lines = grown;
	b->n->lines[b->n->n_lines++] = line;
}

__attribute__((format(printf, 3, 4))) static void
nb_set(struct nb *b, char **field, const char *fmt, ...)
{
	va_list ap;

	if (b->nomem)
		return;
	va_start(ap, fmt);
	if (vasprintf(field, fmt, ap) < 0) {
		*field = NULL;
		b->nomem = true;
	}
	va_end(ap);
}

/* public_url without its trailing slashes, and its length. */
static int base_len(const char *public_url)
{
	size_t n = strlen(public_url);

	while (n > 0 && public_url[n - 1] == '/')
		n--;
	return (int)n;
}

/* text = title + sep + first line, the other lines, then the link. */
static int nb_finish(struct nb *b, const char *sep)
{
	size_t len = 0;
	char *t;

	if (b->nomem)
		goto fail;
	len = strlen(b->n->title) + strlen(sep) + 1;
	for (size_t i = 0; i < b->n->n_lines; i++)
		len += strlen(b->n->lines[i]) + 1;
	if (b->n->link)
		len += strlen(b->n->link) + 1;
	t = malloc(len);
	if (!t)
		goto fail;
	strcpy(t, b->n->title);
	for (size_t i = 0; i < b->n->n_lines; i++) {
		strcat(t, i == 0 ? sep : "\n");
		strcat(t, b->n->lines[i]);
	}
	if (b->n->link) {
		strcat(t, "\n");
		strcat(t, b->n->link);
	}
	b->n->text = t;
	return 0;
fail:
	note_clear(b->n);
	return PACED_ENOMEM;
}

static enum note_tone event_tone(const char *type)
{
	if (!strcmp(type, "project.behind") || !strcmp(type, "project.overdue"))
		return NOTE_BAD;
	if (!strcmp(type, "project.recovered") || !strcmp(type, "project.done"))
		return NOTE_GOOD;
	if (!strcmp(type, "project.resumed"))
		return NOTE_INFO;
	return NOTE_WARN;
}

/* When the latest update was made (its `at`), for a project nobody
 * reports on; `none` before any update. */
static const char *last_report(const json_t *project, const char *none)
{
	const char *at = json_string_value(json_object_get(project,
							    "updated_at"));

	return at ? at : none;
}

/* The forecast is news only while the target is still ahead. */
static bool wants_forecast(const char *type, const json_t *project)
{
	return strcmp(type, "project.done") != 0 &&
	       num(project, "progress") < 1;
}

/* "预计 2026-12-20 完成（截止 2026-12-31）" and the rate still needed,
 * "需每天新增 1.2 个才能按期完成" (减少 for a burn-down). */
static void forecast_zh(struct nb *b, const char *type, const json_t *project,
			const char *unit)
{
	const json_t *f = json_object_get(project, "forecast");
	const char *eta = json_string_value(json_object_get(f, "eta"));
	const json_t *need = json_object_get(f, "required_rate_per_day");
	char rate[48];
	double r;

	if (!f || !wants_forecast(type, project))
		return;
	if (eta)
		nb_line(b, "预计 %s 完成（截止 %s）", eta, str(project, "due"));
	else
		nb_line(b, "按目前进度无法完成");
	if (json_is_number(need)) {
		r = json_number_value(need);
		nb_line(b, "需每天%s %s %s才能按期完成",
			r >= 0 ? "新增" : "减少",
			message_number(fabs(r), rate, sizeof(rate)), unit);
	}
}

static void forecast_en(struct nb *b, const char *type, const json_t *project,
			const char *unit)
{
	const json_t *f = json_object_get(project, "forecast");
	const char *eta = json_string_value(json_object_get(f, "eta"));
	const json_t *need = json_object_get(f, "required_rate_per_day");
	char rate[48];

	if (!f || !wants_forecast(type, project))
		return;
	if (eta)
		nb_line(b, "Forecast: done by %s (due %s)", eta,
			str(project, "due"));
	else
		nb_line(b, "Forecast: not reached at this pace");
	if (json_is_number(need))
		nb_line(b, "Needs %s%s%s a day to finish on time",
			message_number(fabs(json_number_value(need)), rate,
				       sizeof(rate)),
			*unit ? " " : "", unit);
}

/* "120 / 350 个" for a burn-up, "360 → 0 处" for a burn-down (read
 * "360 of 0" would be nonsense), the unit only when there is one. */
static void amount(char *out, size_t len, double current, double target,
		   bool burn_down, const char *unit)
{
	char cur[48], tgt[48];

	message_number(current, cur, sizeof(cur));
	message_number(target, tgt, sizeof(tgt));
	snprintf(out, len, "%s %s %s%s%s", cur, burn_down ? "→" : "/", tgt,
		 unit && *unit ? " " : "", unit ? unit : "");
}

int note_event(struct note *out, const char *type, const json_t *project,
	       const char *lang, const char *public_url)
{
	char now[256], exp[48], pct[48], epct[48], gap[48];
	enum message_lang ml = message_lang_parse(lang);
	const char *unit = str(project, "unit"), *owner;
	const char *usp = *unit ? " " : "";
	double gap_pts = num(project, "gap") * 100;
	struct nb b = {out, false};

	memset(out, 0, sizeof(*out));
	out->tone = event_tone(type);
	amount(now, sizeof(now), num(project, "current"),
	       num(project, "target"),
	       num(project, "target") < num(project, "baseline"), unit);
	message_number(num(project, "expected"), exp, sizeof(exp));
	message_number(num(project, "progress") * 100, pct, sizeof(pct));
	message_number(num(project, "expected_progress") * 100, epct,
		       sizeof(epct));
	message_number(fabs(gap_pts), gap, sizeof(gap));
	owner = json_string_value(json_object_get(project, "owner"));

	if (ml == MESSAGE_EN) {
		nb_set(&b, &out->title, "%s %s", message_label(type, ml),
		       str(project, "title"));
		nb_line(&b, "%s (%s%%)", now, pct);
		nb_line(&b, "Expected now: %s%s%s (%s%%); %s %s points", exp,
			usp, unit, epct, gap_pts >= 0 ? "behind by" : "ahead by",
			gap);
		nb_line(&b, "Due: %s", str(project, "due"));
		if (!strcmp(type, "project.stale"))
			nb_line(&b, "Last report: %s", last_report(project,
								 "none yet"));
		forecast_en(&b, type, project, unit);
		if (owner && *owner)
			nb_line(&b, "Owner: %s", owner);
	} else {
		nb_set(&b, &out->title, "%s%s", message_label(type, ml),
		       str(project, "title"));
		nb_line(&b, "当前 %s（%s%%）", now, pct);
		nb_line(&b, "按计划此时应达 %s%s%s（%s%%），%s %s 个百分点", exp,
			usp, unit, epct, gap_pts >= 0 ? "落后" : "领先", gap);
		nb_line(&b, "截止日期：%s", str(project, "due"));
		if (!strcmp(type, "project.stale"))
			nb_line(&b, "最近一次报送：%s", last_report(project,
								  "尚未报送"));
		forecast_zh(&b, type, project, unit);
		if (owner && *owner)
			nb_line(&b, "责任单位：%s", owner);
	}
	/* "https://host/" and "https://host" give the same link. */
	if (public_url && *public_url)
		nb_set(&b, &out->link, "%.*s/projects/%s", base_len(public_url),
		       public_url, str(project, "id"));
	return nb_finish(&b, ml == MESSAGE_EN ? ": " : "：");
}

int note_summary(struct note *out, const struct note *const *events,
		 size_t n, const char *lang, const char *public_url)
{
	enum message_lang ml = message_lang_parse(lang);
	const char *sep = ml == MESSAGE_EN ? ": " : "：";
	struct nb b = {out, false};

	memset(out, 0, sizeof(*out));
	out->tone = NOTE_INFO;
	if (ml == MESSAGE_EN)
		nb_set(&b, &out->title, "[Summary] %zu project update%s", n,
		       n == 1 ? "" : "s");
	else
		nb_set(&b, &out->title, "【汇总】%zu 条项目动态", n);
	for (size_t i = 0; i < n; i++) {
		const struct note *e = events[i];

		if (e->tone > out->tone)
			out->tone = e->tone;
		nb_line(&b, "%s%s%s", e->title, e->n_lines ? sep : "",
			e->n_lines ? e->lines[0] : "");
	}
	if (public_url && *public_url)
		nb_set(&b, &out->link, "%.*s/", base_len(public_url),
		       public_url);
	return nb_finish(&b, "\n");
}

/* Projects of the digest with `status`, largest gap first. */
static void digest_list(struct nb *b, const struct note_digest *d,
			const char *status, bool stale, enum message_lang ml)
{
	const struct note_digest_item **pick;
	size_t n = 0;
	char now[256], gap[48];

	pick = calloc(d->n_items ? d->n_items : 1, sizeof(*pick));
	if (!pick) {
		b->nomem = true;
		return;
	}
	for (size_t i = 0; i < d->n_items; i++)
		if (stale ? d->items[i].stale
			  : strcmp(d->items[i].status, status) == 0)
			pick[n++] = &d->items[i];
	/* Insertion sort: digests list tens of projects, not millions. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && pick[j]->gap > pick[j - 1]->gap;
		     j--) {
			const struct note_digest_item *t = pick[j];

			pick[j] = pick[j - 1];
			pick[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		const struct note_digest_item *it = pick[i];

		amount(now, sizeof(now), it->current, it->target,
		       it->burn_down, it->unit);
		message_number(fabs(it->gap * 100), gap, sizeof(gap));
		if (stale)
			nb_line(b, "· %s %s", it->title, now);
		else if (ml == MESSAGE_EN)
			nb_line(b, "· %s %s, behind by %s points", it->title,
				now, gap);
		else
			nb_line(b, "· %s %s，落后 %s 个百分点", it->title, now,
				gap);
	}
	free(pick);
}

int note_digest(struct note *out, const struct note_digest *d,
		const char *lang, const char *public_url)
{
	enum message_lang ml = message_lang_parse(lang);
	struct nb b = {out, false};

	memset(out, 0, sizeof(*out));
	out->tone = d->n_overdue || d->n_behind ? NOTE_BAD
		    : d->n_at_risk || d->n_stale ? NOTE_WARN
						 : NOTE_GOOD;
	if (ml == MESSAGE_EN) {
		nb_set(&b, &out->title, "[Digest] Projects on %s", d->date);
		nb_line(&b,
			"%zu projects: %zu on track, %zu at risk, %zu behind, "
			"%zu overdue, %zu done, %zu not started; %zu without "
			"a recent report",
			d->n_projects, d->n_on_track, d->n_at_risk, d->n_behind,
			d->n_overdue, d->n_done, d->n_not_started, d->n_stale);
		if (d->n_overdue)
			nb_line(&b, "Overdue:");
		digest_list(&b, d, "overdue", false, ml);
		if (d->n_behind)
			nb_line(&b, "Behind:");
		digest_list(&b, d, "behind", false, ml);
		if (d->n_stale)
			nb_line(&b, "No recent report:");
		digest_list(&b, d, NULL, true, ml);
	} else {
		/* Not "daily": `every` may be a few days of the week. */
		nb_set(&b, &out->title, "【进度汇总】%s 项目进度", d->date);
		nb_line(&b,
			"共 %zu 个项目：正常 %zu，预警 %zu，落后 %zu，逾期 %zu，"
			"完成 %zu，未开始 %zu；未按时报送 %zu",
			d->n_projects, d->n_on_track, d->n_at_risk, d->n_behind,
			d->n_overdue, d->n_done, d->n_not_started, d->n_stale);
		if (d->n_overdue)
			nb_line(&b, "逾期：");
		digest_list(&b, d, "overdue", false, ml);
		if (d->n_behind)
			nb_line(&b, "落后：");
		digest_list(&b, d, "behind", false, ml);
		if (d->n_stale)
			nb_line(&b, "未按时报送：");
		digest_list(&b, d, NULL, true, ml);
	}
	if (public_url && *public_url)
		nb_set(&b, &out->link, "%.*s/", base_len(public_url),
		       public_url);
	return nb_finish(&b, "\n");
}
