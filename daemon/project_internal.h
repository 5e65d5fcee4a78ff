/*
 * project_internal.h - what project.c (validation) and project_mem.c (the
 * compact form kept in memory) share. Private to those two; everyone else
 * uses project.h.
 */
#ifndef PACED_PROJECT_INTERNAL_H
#define PACED_PROJECT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "project.h"

/* A definition while it is checked: every field at hand, the arrays
 * malloc'd. pack() makes the compact form of it. */
struct def_scratch {
	double baseline, target;
	paced_ms start, due;
	double at_risk, behind;  /* when has_at_risk / has_behind */
	int64_t report_every_ms; /* 0: no reporting cadence */
	int64_t grace_ms;
	int64_t repeat_every_ms; /* 0: no reminders */
	struct pace_point *milestones;
	struct pace_pause *pauses;
	size_t n_milestones, n_pauses;
	bool has_at_risk, has_behind; /* own thresholds, else config's */
	bool has_repeat_every;        /* own reminder interval */
};

/* The compact form of s for id, with text (text_len bytes; left out when
 * text is NULL) and the strings of the JSON array tags. NULL on ENOMEM. */
struct project_def *project_def_pack(const struct def_scratch *s,
				     const char *id, const char *text,
				     size_t text_len, const json_t *tags);

/* Whether the source of texts is set (project_def_set_source). */
bool project_def_has_source(void);

/* Thresholds in order: at_risk (given or the default) not above behind.
 * 0 or PACED_EINVAL with err filled. */
int project_thresholds_check(bool has_at_risk, double at_risk,
			     bool has_behind, double behind,
			     double default_at_risk, double default_behind,
			     struct field_error *err);

#endif
