/*
 * metrics_internal.h - what the parts of /metrics share: the buffer the
 * exposition is written into, the family and sample writers (metrics.c),
 * the families around the projects' (metrics.c) and the projects' own,
 * written from rows of values (metrics_projects.c). The one-shot answer
 * and the streamed one (metrics_stream.c) go through the same writers, so
 * they cannot differ in a byte.
 */
#ifndef PACED_METRICS_INTERNAL_H
#define PACED_METRICS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "pace.h"
#include "paced.h"
#include "project.h"
#include "registry.h"

/* A growing text; oom is sticky, checked once at the end. */
struct metrics_out {
	char *p;
	size_t len, cap;
	bool oom;
};

void metrics_put(struct metrics_out *o, const char *s, size_t n);

/* The HELP and TYPE lines of a family. */
void metrics_family(struct metrics_out *o, const char *name, const char *type,
		    const char *help);

/* name{k1="v1",k2="v2"} value; labels: key, value, ..., NULL (or NULL). */
void metrics_sample(struct metrics_out *o, const char *name,
		    const char *const *labels, double v);

#define METRICS_LABELS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The families before the projects' (build info); makes sure every
 * configured channel has counters. */
void metrics_put_head(struct metrics_out *o, struct app *app);

/* The families after the projects': the database's counts, group
 * commit, checkpoints, deliveries, HTTP and the process, read now. */
void metrics_put_tail(struct metrics_out *o, struct app *app);

/* ---- the projects (metrics_projects.c) ---- */

/* What the project families show of one project at an instant: values,
 * so rows outlive the project (archived while a stream is written). */
struct metrics_row {
	/* First, for registry_sort_ids(): the id's key, and where a stream
	 * keeps its copy of the id. */
	struct registry_id_ref ref;
	const char *id; /* borrowed, from the project or a copy */
	double current, expected, target, baseline, progress, expected_progress,
	    gap, due, last_update;
	double stale; /* 1 or 0, as its sample */
	enum pace_status status;
	bool has_current;
};

/* Evaluates p at now into *r; r->id borrows p's id. */
void metrics_row_fill(struct metrics_row *r, struct app *app,
		      const struct project *p, paced_ms now);

/* paced_projects, the count of live projects, written first. */
void metrics_put_project_count(struct metrics_out *o, size_t n);

/* How many per-project families follow it, in order. */
size_t metrics_project_families(void);

/* Samples family f has per row at most (the status family has six). */
size_t metrics_project_family_width(size_t f);

/* The HELP and TYPE lines of per-project family f. */
void metrics_project_family_head(struct metrics_out *o, size_t f);

/* The samples of family f for rows [from, to). */
void metrics_project_samples(struct metrics_out *o, size_t f,
			     const struct metrics_row *rows, size_t from,
			     size_t to);

/* Every project family of the registry at now, at once (one-shot). */
void metrics_put_projects(struct metrics_out *o, struct app *app, paced_ms now);

#endif
