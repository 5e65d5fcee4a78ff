/*
 * load.h - start-up: every stored project into the registry. Parsing the
 * stored definitions is most of a start with a million projects, so it
 * runs on a second thread while this one reads the database; the
 * registry is filled once all are parsed.
 */
#ifndef PACED_LOAD_H
#define PACED_LOAD_H

#include <stddef.h>

#include "app.h"

/*
 * Loads the live projects of app->store into app->reg. A project whose
 * stored definition is no longer valid is logged and left out (kept in
 * the database). *declared gets the number loaded from [project.ID]
 * sections; *in_order the *n projects loaded, sorted by id as
 * registry_sorted() would give them (a malloc'd array the caller frees;
 * the projects belong to the registry, and the array describes it only
 * while registry_changes() stays as it was on return). Should the rows
 * not come in strictly increasing id order, *n is 0: sort instead. 0 or
 * a negative PACED_E* code (then *n is 0 too).
 */
int load_projects(struct app *app, size_t *declared,
		  struct project ***in_order, size_t *n);

#endif
