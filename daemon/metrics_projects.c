/*
 * metrics_projects.c - the per-project families of /metrics, written
 * from rows of values (metrics_internal.h): each project is evaluated
 * once into its row, then every family reads the rows. A row holds no
 * pointer into the project but its id, so a stream can keep rows across
 * loop turns while projects come and go.
 */
#include <stddef.h>
#include <stdlib.h>

#include "metrics_internal.h"
#include "registry.h"
#include "tracker.h"

void metrics_row_fill(struct metrics_row *r, struct app *app,
		      const struct project *p, paced_ms now)
{
	struct project_view v;

	tracker_eval(app, p, now, &v);
	r->id = p->def->id;
	r->ref.key = registry_id_key(r->id);
	r->ref.off = 0;
	r->current = project_current(p);
	r->expected = v.eval.expected;
	r->target = p->def->target;
	r->baseline = project_def_baseline(p->def);
	r->progress = v.eval.progress;
	r->expected_progress = v.eval.expected_progress;
	r->gap = v.eval.gap;
	r->due = (double)p->def->due / 1000.0;
	r->last_update = (double)p->current_at / 1000.0;
	r->status = v.eval.status;
	r->stale = v.stale ? 1 : 0;
	r->has_current = p->has_current;
}

void metrics_put_project_count(struct metrics_out *o, size_t n)
{
	metrics_family(o, "paced_projects", "gauge",
		       "Live (not archived) projects.");
	metrics_sample(o, "paced_projects", NULL, (double)n);
}

/* How a family's samples are made from a row. */
enum fam_kind {
	FAM_VALUE,  /* one sample, get() */
	FAM_STATUS, /* one sample per status, 1 for the row's */
	FAM_LAST,   /* one sample, only once the project had an update */
};

struct fam {
	const char *name, *help;
	enum fam_kind kind;
	size_t value; /* offsetof the row's double the sample is */
};

#define ROW(field) offsetof(struct metrics_row, field)

/* In the order of the exposition (SPEC, GET /metrics). */
static const struct fam fams[] = {
    {"paced_project_current",
     "The project's latest reported value (its baseline before any "
     "update).",
     FAM_VALUE, ROW(current)},
    {"paced_project_expected", "The value the project's curve expects now.",
     FAM_VALUE, ROW(expected)},
    {"paced_project_target", "The project's target value.", FAM_VALUE,
     ROW(target)},
    {"paced_project_baseline", "The project's value at its start.", FAM_VALUE,
     ROW(baseline)},
    {"paced_project_progress_ratio",
     "(current - baseline) / (target - baseline).", FAM_VALUE, ROW(progress)},
    {"paced_project_expected_progress_ratio",
     "The fraction of the way the curve expects now, 0 to 1.", FAM_VALUE,
     ROW(expected_progress)},
    {"paced_project_gap_ratio",
     "Expected progress minus progress; positive means behind.", FAM_VALUE,
     ROW(gap)},
    {"paced_project_status",
     "1 for the project's current status, 0 for the others.", FAM_STATUS, 0},
    {"paced_project_stale",
     "1 when no update arrived for report_every + grace and the "
     "project is not done.",
     FAM_VALUE,
     ROW(stale)},
    {"paced_project_due_timestamp_seconds",
     "When the project is due (Unix seconds).", FAM_VALUE, ROW(due)},
    {"paced_project_last_update_timestamp_seconds",
     "The `at` of the project's latest update (Unix seconds); absent "
     "before the first.",
     FAM_LAST, ROW(last_update)},
};

static const enum pace_status statuses[] = {PACE_DONE,	      PACE_OVERDUE,
					    PACE_NOT_STARTED, PACE_BEHIND,
					    PACE_AT_RISK,     PACE_ON_TRACK};

size_t metrics_project_families(void)
{
	return PACED_ARRAY_LEN(fams);
}

size_t metrics_project_family_width(size_t f)
{
	return fams[f].kind == FAM_STATUS ? PACED_ARRAY_LEN(statuses) : 1;
}

void metrics_project_family_head(struct metrics_out *o, size_t f)
{
	metrics_family(o, fams[f].name, "gauge", fams[f].help);
}

void metrics_project_samples(struct metrics_out *o, size_t f,
			     const struct metrics_row *rows, size_t from,
			     size_t to)
{
	const struct fam *fm = &fams[f];

	for (size_t i = from; i < to; i++) {
		const struct metrics_row *r = &rows[i];

		if (fm->kind == FAM_STATUS) {
			for (size_t k = 0; k < PACED_ARRAY_LEN(statuses); k++)
				metrics_sample(
				    o, fm->name,
				    METRICS_LABELS(
					"project", r->id, "status",
					pace_status_name(statuses[k])),
				    r->status == statuses[k] ? 1 : 0);
		} else if (fm->kind == FAM_VALUE || r->has_current) {
			metrics_sample(o, fm->name,
				       METRICS_LABELS("project", r->id),
				       *(const double *)((const char *)r +
							  fm->value));
		}
	}
}

void metrics_put_projects(struct metrics_out *o, struct app *app, paced_ms now)
{
	size_t n = 0;
	struct project **all = registry_sorted(app->reg, &n);
	struct metrics_row *rows = n ? calloc(n, sizeof(*rows)) : NULL;

	if (n && (!all || !rows)) {
		free(all);
		free(rows);
		o->oom = true;
		return;
	}
	/* Each project is evaluated once, here, then read per family. */
	for (size_t i = 0; i < n; i++)
		metrics_row_fill(&rows[i], app, all[i], now);
	free(all);
	metrics_put_project_count(o, n);
	for (size_t f = 0; f < PACED_ARRAY_LEN(fams); f++) {
		metrics_project_family_head(o, f);
		metrics_project_samples(o, f, rows, 0, n);
	}
	free(rows);
}
