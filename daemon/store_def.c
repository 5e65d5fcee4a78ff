/*
 * store_def.c - a project's definition text read back from the projects
 * table: paced does not keep the texts of a million definitions in memory
 * (project.h), and reads one when a project is shown.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_internal.h"

int store_project_definition(struct store *s, const char *id, char **text)
{
	sqlite3_stmt *st = store_stmt(s, ST_PROJECT_DEFINITION);
	int rc;

	*text = NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		/* The column's bytes as stored, NUL included. */
		const char *v = (const char *)sqlite3_column_text(st, 0);
		int n = sqlite3_column_bytes(st, 0);

		if (v && (*text = malloc((size_t)n + 1)))
			memcpy(*text, v, (size_t)n + 1);
		rc = *text ? 0 : PACED_ENOMEM;
	} else {
		rc = rc == SQLITE_DONE ? PACED_ENOENT : PACED_EDB;
	}
	sqlite3_reset(st);
	return rc;
}

char *store_def_fetch(const char *id, void *data)
{
	char *text;
	int rc = store_project_definition(data, id, &text);

	if (rc < 0)
		log_err("project %s: cannot read its definition (%s)", id,
			paced_strerror(rc));
	return text;
}
