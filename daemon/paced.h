/*
 * paced.h - things every module shares: the error codes and the type used
 * for instants. Instants are int64_t milliseconds since the Unix epoch (UTC).
 */
#ifndef PACED_H
#define PACED_H

#include <stdint.h>

/* --version, the start-up log line and paced_build_info in /metrics. */
#define PACED_VERSION "0.1.0"

/* Every fallible function returns 0 or one of these (negative). */
enum paced_err {
	PACED_OK = 0,
	PACED_ENOMEM = -1,  /* out of memory */
	PACED_EINVAL = -2,  /* invalid argument or input */
	PACED_EDB = -3,     /* SQLite error */
	PACED_ENOENT = -4,  /* no such object */
	PACED_EEXIST = -5,  /* already exists */
	PACED_EIO = -6,     /* I/O or system call failed */
	PACED_ERANGE = -7,  /* value out of range */
	PACED_ENEWER = -8,  /* database is newer than this binary */
	PACED_EBUSY = -9,   /* resource busy or read-only right now */
	PACED_ECLOSED = -10, /* the object is shutting down */
	PACED_EARCHIVED = -11, /* the object exists but is archived */
	PACED_E2BIG = -12,  /* over a size limit */
	PACED_ENOSPC = -13, /* the disk or the database is full */
	PACED_EROFS = -14   /* the database cannot be written */
};

const char *paced_strerror(int err);

/* An instant in milliseconds since 1970-01-01T00:00:00Z. */
typedef int64_t paced_ms;

#define PACED_NEVER INT64_MAX
#define PACED_MS_PER_DAY 86400000LL

#define PACED_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
