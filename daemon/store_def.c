/*
 * store_def.c - what the projects table holds of a project for showing
 * it: paced does not keep the texts of a million definitions, nor when
 * each project was created and defined, in memory (project.h), and reads
 * them back when a project is shown.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "project.h"
#include "store_internal.h"

int store_def_fetch(const char *id, void *data, struct project_stored *out)
{
	struct store *s = data;
	sqlite3_stmt *st = store_stmt(s, ST_PROJECT_DEFINITION);
	int rc;

	out->text = NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		/* The column's bytes as stored, NUL included. */
		const char *v = (const char *)sqlite3_column_text(st, 0);
		int n = sqlite3_column_bytes(st, 0);

		if (v && (out->text = malloc((size_t)n + 1)))
			memcpy(out->text, v, (size_t)n + 1);
		out->created_at = sqlite3_column_int64(st, 1);
		out->defined_at = sqlite3_column_int64(st, 2);
		rc = out->text ? 0 : PACED_ENOMEM;
	} else {
		rc = rc == SQLITE_DONE ? PACED_ENOENT : PACED_EDB;
	}
	sqlite3_reset(st);
	if (rc < 0)
		log_err("project %s: cannot read its definition (%s)", id,
			paced_strerror(rc));
	return rc;
}

int store_project_definition(struct store *s, const char *id, char **text)
{
	struct project_stored out;
	int rc = store_def_fetch(id, s, &out);

	*text = out.text;
	return rc;
}
