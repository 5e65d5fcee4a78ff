/*
 * view.h - paced's projects and their updates as people read them: a
 * table with progress bars, a project's page, or tab-separated lines
 * (CTL_FORMAT_PLAIN). The JSON passed in is borrowed. --json output does
 * not come here: commands print the server's answer as it came.
 */
#ifndef PACECTL_VIEW_H
#define PACECTL_VIEW_H

#include <jansson.h>

#include "ctl.h"

/* An array of project objects, one line each. */
void view_projects(const struct ctl *ctl, const json_t *projects);

/* One project in full; updates (an array, newest first) may be NULL. */
void view_project(const struct ctl *ctl, const json_t *p,
		  const json_t *updates);

/* The answer to a posted update: {"update": {...}, "project": {...}}.
 * repeated: paced already had an update with this id (200). */
void view_update(const struct ctl *ctl, const json_t *answer, bool repeated);

/* Helpers for the commands: a member as a string (NULL if not one) and
 * as a number (NAN if not one). */
const char *view_str(const json_t *o, const char *key);
double view_num(const json_t *o, const char *key);

#endif
