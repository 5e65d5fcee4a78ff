/*
 * migrate.h - brings a database's schema up to date with the migrations
 * embedded in the binary (migrations/NNNN_*.sql), each in its own
 * transaction, tracked by PRAGMA user_version. Refuses a database whose
 * version is newer than the binary knows.
 */
#ifndef PACED_MIGRATE_H
#define PACED_MIGRATE_H

#include <sqlite3.h>
#include <stddef.h>

struct migration {
	int version;      /* 1, 2, 3 ... */
	const char *name; /* "0001_init.sql" */
	const char *sql;
};

/* Generated at build time from migrations/ (build/gen). */
extern const struct migration migrate_embedded[];
extern const int migrate_embedded_count;

/*
 * Applies migrations[i] for every version above the database's
 * user_version, in order. 0, PACED_ENEWER (database newer than the last
 * migration) or PACED_EDB, with err holding a message for the operator.
 */
int migrate_apply(sqlite3 *db, const struct migration *migrations, int n,
		  char *err, size_t errlen);

#endif
