/* errors.c - text for the shared error codes of paced.h. */
#include "paced.h"

const char *paced_strerror(int err)
{
	switch (err) {
	case PACED_OK: return "success";
	case PACED_ENOMEM: return "out of memory";
	case PACED_EINVAL: return "invalid argument";
	case PACED_EDB: return "database error";
	case PACED_ENOENT: return "not found";
	case PACED_EEXIST: return "already exists";
	case PACED_EIO: return "input/output error";
	case PACED_ERANGE: return "out of range";
	case PACED_ENEWER: return "database is newer than this binary";
	case PACED_EBUSY: return "busy or read-only";
	case PACED_ECLOSED: return "shutting down";
	case PACED_EARCHIVED: return "archived";
	case PACED_E2BIG: return "too large";
	case PACED_ENOSPC: return "the disk or the database is full";
	case PACED_EROFS: return "the database file is read-only";
	}
	return "unknown error";
}
