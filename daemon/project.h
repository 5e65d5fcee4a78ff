/*
 * project.h - a project's definition (SPEC section 1): validation of the
 * JSON a client or the config file gives, with errors that name the field,
 * the pace curve it describes, and the project object clients see (the
 * definition plus its evaluation).
 */
#ifndef PACED_PROJECT_H
#define PACED_PROJECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pace.h"
#include "paced.h"

/* Why a definition or request was refused, for a 4xx body. */
struct field_error {
	char code[32];     /* "invalid_value", "unknown_field", ... */
	char field[128];   /* "milestones[1].value" */
	char message[256]; /* for people */
};

/* Fills e (any of the strings may be NULL: left empty). Returns
 * PACED_EINVAL so callers can `return field_error_set(...)`. */
int field_error_set(struct field_error *e, const char *code,
		    const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * One allocation per definition: a million projects are held at once, so
 * the definition is kept as the compact JSON text paced stores (not as a
 * jansson tree, which took five times the room), with the fields the
 * evaluation and alert routing read already taken out of it.
 */
struct project_def {
	double baseline, target;
	paced_ms start, due;
	double at_risk, behind; /* when has_at_risk / has_behind */
	int64_t report_every_ms; /* 0: no reporting cadence */
	int64_t grace_ms;
	int64_t repeat_every_ms; /* 0: no reminders */
	/* Both point into this allocation (NULL when none); n == 0:
	 * linear. */
	struct pace_point *milestones;
	struct pace_pause *pauses;
	uint32_t text_len;
	uint16_t n_milestones, n_pauses;
	uint8_t id_len, n_tags;
	bool has_at_risk, has_behind; /* own thresholds, else config's */
	bool has_repeat_every;        /* own reminder interval, else config's */
	/* The id, then the definition's text (as stored: "id" left out,
	 * reals with 17 digits), then each tag, each NUL-terminated. */
	char id[];
};

/* Valid project ids: ^[a-z0-9][a-z0-9._-]{0,63}$ */
bool project_id_valid(const char *id);

/*
 * Validates a definition. `id` is the id from the URL or config section,
 * or NULL to take it from the body's "id" (POST). A body "id" that differs
 * from `id` is an error. Thresholds are checked against the defaults for
 * the ones not given. 0 and *out (owned by the caller), or PACED_EINVAL /
 * PACED_ENOMEM with err filled.
 */
int project_def_parse(const char *id, const json_t *body,
		      double default_at_risk, double default_behind,
		      struct project_def **out, struct field_error *err);
void project_def_free(struct project_def *d);

/* The same from the text paced stored (read back at start-up and on
 * reload); the text is kept as given. */
int project_def_load(const char *id, const char *text,
		     double default_at_risk, double default_behind,
		     struct project_def **out, struct field_error *err);

/* The definition as stored: compact JSON without "id". Borrowed. */
const char *project_def_text(const struct project_def *d);

/* The definition as a jansson object, parsed from the text (or shared
 * with the previous caller: never change it): a new reference the caller
 * releases; NULL only on ENOMEM. */
json_t *project_def_json(const struct project_def *d);

/* The i-th tag (i < d->n_tags), in the order given; borrowed. */
const char *project_def_tag(const struct project_def *d, size_t i);
bool project_def_has_tag(const struct project_def *d, const char *tag);

/* The one check of a definition that depends on the configured default
 * thresholds: whether its own at_risk and behind (or the defaults for
 * those it leaves out) are in order. 0 or PACED_EINVAL with err filled. */
int project_def_check_thresholds(const struct project_def *d,
				 double default_at_risk,
				 double default_behind,
				 struct field_error *err);

/* The curve to evaluate d with; borrows d's arrays. */
void project_def_curve(const struct project_def *d, double default_at_risk,
		       double default_behind, struct pace_curve *out);

/* Whether two definitions are the same (config reloads). */
bool project_def_equal(const struct project_def *a,
		       const struct project_def *b);

/* A live project: its definition and what paced remembers of it. The
 * eight-byte fields come first and the flags after them, so that a
 * million of these take 88 bytes each (a 96-byte malloc chunk), not
 * 112. */
struct project {
	struct project_def *def; /* owned */
	paced_ms created_at, defined_at;
	double current;          /* latest value by `at` */
	paced_ms current_at;
	paced_ms last_arrival;   /* when the latest update was received */
	paced_ms status_since;
	paced_ms last_event_at;
	size_t sched_slot;       /* the scheduler's bookkeeping (sched.h) */
	/* The group commit (group.h) whose undo already holds this
	 * project's state from before the group: group_turn() + 1. */
	unsigned long long undo_turn;
	/* The recent points for the forecast (fcache.h); NULL until the
	 * first forecast. Owned; survives copies of the struct only in the
	 * live project (tracker_adopt keeps it). */
	struct fcache *fc;
	enum pace_status status : 8;
	bool declared;           /* from a [project.ID] section */
	bool has_current;        /* false until the first update */
	bool has_arrival;        /* an update has been received */
	bool stale;
	bool has_last_event;
	/* Its row's current value waits for the next batch (stateflush.h). */
	bool state_dirty;
};

void project_free(struct project *p);

/* The value now: the latest update, or the baseline before any. */
double project_current(const struct project *p);

/* Everything evaluation adds to a project at an instant. */
struct project_view {
	struct pace_eval eval;
	struct pace_forecast forecast;
	double at_risk, behind; /* thresholds in force */
	bool stale;             /* no update for report_every + grace */
};

/* The project object of SPEC section 1: the definition (with defaults
 * filled in), "id", and the evaluation fields. New reference. */
json_t *project_to_json(const struct project *p,
			const struct project_view *v);

#endif
