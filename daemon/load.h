/*
 * load.h - start-up: every stored project into the registry. Parsing the
 * stored definitions is most of a start with a million projects, so it
 * runs on a second thread while this one reads the database and fills
 * the registry.
 */
#ifndef PACED_LOAD_H
#define PACED_LOAD_H

#include <stddef.h>

#include "app.h"

/*
 * Loads the live projects of app->store into app->reg. A project whose
 * stored definition is no longer valid is logged and left out (kept in
 * the database). *declared gets the number loaded from [project.ID]
 * sections. 0 or a negative PACED_E* code.
 */
int load_projects(struct app *app, size_t *declared);

#endif
