/*
 * strhash.h - the one string hash paced's own tables use (projects by id,
 * updates held per project, the dashboard's tags): FNV-1a over the bytes,
 * then a final mix.
 *
 * Why the mix: FNV-1a's last multiplication carries a difference in the
 * last bytes only upwards by the prime's 40 bits, so the top bits of ids
 * like "p0" ... "p999" hardly differ. The registry places a project by
 * the top bits (h * cap >> 64): without the mix, 1000 such ids took 133
 * probes each on average, every probe a strcmp through two pointers.
 * Shifting the top half down, multiplying by an odd constant with bits
 * everywhere (2^64 / golden ratio) and shifting again spreads every input
 * bit over both ends: 1.9 probes.
 */
#ifndef PACED_STRHASH_H
#define PACED_STRHASH_H

#include <stdint.h>

static inline uint64_t strhash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h ^= h >> 32;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

#endif
