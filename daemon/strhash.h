/*
 * strhash.h - the one string hash paced's own tables use (projects by id,
 * updates held per project, the dashboard's tags): FNV-1a, 64 bits. Fast
 * on short ids, and its low bits spread well enough for tables of a
 * power of two.
 */
#ifndef PACED_STRHASH_H
#define PACED_STRHASH_H

#include <stdint.h>

static inline uint64_t strhash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

#endif
