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
 * only the fields the evaluation and alert routing read are kept, taken
 * out of the JSON text. The text itself (half the room) is kept only
 * until paced has stored it: a definition loaded or stored is shown from
 * the text in the database (project_def_json).
 */
struct project_def {
	double target;
	paced_ms start, due;
	uint16_t n_milestones;
	uint16_t tags_len;  /* the tags' bytes, NULs included */
	uint8_t n_pauses, n_tags, id_len;
	uint8_t has;        /* PROJECT_DEF_HAS_*: the numbers given, and
			     * whether the text is kept */
	/* The id, then the definition's text when kept (as stored: "id"
	 * left out, reals with 17 digits), then each tag, each
	 * NUL-terminated; then, 8-aligned, the numbers the definition
	 * gives of at_risk, behind, report_every, grace (other than 1d),
	 * repeat_every and baseline (other than 0), in that order, 8 bytes
	 * each; then the milestones and the pauses. Most definitions give
	 * none of them. */
	char id[];
};

#define PROJECT_DEF_HAS_AT_RISK 0x01
#define PROJECT_DEF_HAS_BEHIND 0x02
#define PROJECT_DEF_HAS_REPORT_EVERY 0x04
#define PROJECT_DEF_HAS_GRACE 0x08
#define PROJECT_DEF_HAS_REPEAT_EVERY 0x10
#define PROJECT_DEF_HAS_BASELINE 0x20
#define PROJECT_DEF_HAS_TEXT 0x80

/* The baseline (0 unless given). */
double project_def_baseline(const struct project_def *d);
/* The arrays (NULL when empty; n_milestones == 0: linear curve). */
const struct pace_point *project_def_milestones(const struct project_def *d);
const struct pace_pause *project_def_pauses(const struct project_def *d);
/* report_every in ms (0: no reporting cadence) and grace (1d unless
 * given). */
int64_t project_def_report_every(const struct project_def *d);
int64_t project_def_grace(const struct project_def *d);
/* Whether d gives its own reminder interval (*ms; 0: never); else the
 * configuration's applies. */
bool project_def_repeat_every(const struct project_def *d, int64_t *ms);
/* The bytes d takes, all of it in one piece. */
size_t project_def_size(const struct project_def *d);

/* Valid project ids: ^[a-z0-9][a-z0-9._-]{0,63}$ */
/* What project_id_valid() takes, as the error messages state it. */
#define PROJECT_ID_PATTERN "^[a-z0-9][a-z0-9._-]{0,63}$"
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

/* The same from the text paced stored (read back at start-up); the text
 * is not kept when a source is set (the database has it). */
int project_def_load(const char *id, const char *text,
		     double default_at_risk, double default_behind,
		     struct project_def **out, struct field_error *err);

/* The definition as to be stored: compact JSON without "id". Borrowed;
 * NULL once the text is no longer kept (project_def_forget_text). */
const char *project_def_text(const struct project_def *d);

/* Replaces *d by a copy without its text, once the text is stored (the
 * old one is freed); nothing while no source is set. 0, or PACED_ENOMEM
 * with *d unchanged. */
int project_def_forget_text(struct project_def **d);

/* What the database holds of a project for showing it: the definition's
 * text (malloc'd) and when the project was created and defined. */
struct project_stored {
	char *text;
	paced_ms created_at, defined_at;
};

/* Where a definition without its text reads it: fetch(id, data, out)
 * fills out for the project id and returns 0, or < 0 when it cannot.
 * Set once before any definition is shown. */
typedef int (*project_fetch_fn)(const char *id, void *data,
				struct project_stored *out);
void project_def_set_source(project_fetch_fn fetch, void *data);

/* When the project of d was created and defined, as stored (through the
 * source; 0 without one). 0, or < 0 when the source failed. */
int project_def_times(const struct project_def *d, paced_ms *created_at,
		      paced_ms *defined_at);

/* The definition as a jansson object, parsed from its text (kept, or read
 * through the source; or shared with the previous caller: never change
 * it): a new reference the caller releases; NULL on ENOMEM or when the
 * source failed. */
json_t *project_def_json(const struct project_def *d);

/* A place for something derived from d's definition document (the
 * project object's definition fields, written once: project_json.c).
 * It lives with the parsed document in its cache: NULL when the document
 * is parsed, free()d when the document leaves the cache or d is freed.
 * NULL when the document cannot be had (as project_def_json). */
void **project_def_memo(const struct project_def *d);

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
 * eight-byte fields come first and the flags after them, so that the
 * struct takes 64 bytes; a loaded project has its definition right after
 * it, in the same allocation (project_new): a million of them are held. */
struct project {
	struct project_def *def; /* owned (or inline: def_inline) */
	double current;          /* latest value by `at` */
	paced_ms current_at;
	paced_ms last_arrival;   /* when the latest update was received */
	paced_ms status_since;
	paced_ms last_event_at;
	/* The recent points for the forecast (fcache.h); NULL until the
	 * first forecast. Owned; survives copies of the struct only in the
	 * live project (tracker_adopt keeps it). */
	struct fcache *fc;
	uint32_t sched_slot;     /* the scheduler's bookkeeping (sched.h) */
	enum pace_status status : 8;
	bool declared : 1;       /* from a [project.ID] section */
	bool has_current : 1;    /* false until the first update */
	bool has_arrival : 1;    /* an update has been received */
	bool stale : 1;
	bool has_last_event : 1;
	/* The open group commit (group.h) holds this project's state from
	 * before the group, to put back should the commit fail; undo_odd is
	 * that group's group_turn() parity. With the sync off the loop the
	 * group being synced may hold one too, and its turn is the one
	 * before: the parity tells them apart. */
	bool in_undo : 1;
	bool undo_odd : 1;
	bool def_inline : 1;     /* def lies in this allocation */
	bool in_slab : 1;        /* from project_new's blocks */
	/* Its row's current value waits for the next batch (stateflush.h). */
	bool state_dirty : 1;
};

/* A project with a copy of def in the same allocation (def is freed)
 * and state's other fields, for the projects loaded at start-up: carved
 * from large blocks, its room is not reused once it is freed. NULL on
 * ENOMEM (def still the caller's). */
struct project *project_new(struct project_def *def,
			    const struct project *state);

/* Frees the blocks of project_new, once every project made by it is
 * freed (at exit). */
void project_slab_release(void);

/* Frees p's definition unless it lies in p, before p takes another. */
void project_drop_def(struct project *p);

/* Replaces p's definition by a copy without its text (stored now);
 * nothing when there is none or no source, or without memory. */
void project_forget_text(struct project *p);

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
 * filled in), "id", and the evaluation fields, written as the next value
 * of w. 0, PACED_EDB when the definition's text cannot be read back, or
 * PACED_ENOMEM (w failed). */
struct jsonw;
int project_write_json(struct jsonw *w, const struct project *p,
		       const struct project_view *v);

/* The same object as a jansson tree (jsonw_init_tree), for the callers
 * that read its fields (the CSV). NULL as project_write_json() fails.
 * New reference. */
json_t *project_to_json(const struct project *p,
			const struct project_view *v);

#endif
