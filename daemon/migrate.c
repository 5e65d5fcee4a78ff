/* migrate.c - schema migrations under PRAGMA user_version. */
#include "migrate.h"

#include <stdio.h>

#include "log.h"
#include "paced.h"

static int user_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL))
		return PACED_EDB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : PACED_EDB;
}

/* One migration and its version bump in one transaction, so a crash in the
 * middle leaves the database at the previous version, never in between. */
static int apply_one(sqlite3 *db, const struct migration *m, char *err,
		     size_t errlen)
{
	char bump[64];
	char *msg = NULL;

	snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", m->version);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db, m->sql, NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db, bump, NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	log_info("database migrated to version %d (%s)", m->version, m->name);
	return 0;
fail:
	snprintf(err, errlen, "migration %s failed: %s", m->name,
		 msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return PACED_EDB;
}

int migrate_apply(sqlite3 *db, const struct migration *migrations, int n,
		  char *err, size_t errlen)
{
	int version, rc;

	if (user_version(db, &version) < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s",
			 sqlite3_errmsg(db));
		return PACED_EDB;
	}
	if (version > n) {
		snprintf(err, errlen,
			 "the database has schema version %d but this paced "
			 "knows only up to %d: it was written by a newer paced; "
			 "run that version or restore a backup",
			 version, n);
		return PACED_ENEWER;
	}
	for (int i = version; i < n; i++) {
		rc = apply_one(db, &migrations[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}
