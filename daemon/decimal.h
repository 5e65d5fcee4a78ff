/* decimal.h - the decimal digits of an unsigned integer, without printf:
 * the response head's Content-Length and JSON's integers are written
 * for every update (the head's vsnprintf was about 4 % of the
 * instructions an update cost); one loop serves both. */
#ifndef PACED_DECIMAL_H
#define PACED_DECIMAL_H

#include <stdint.h>

/* Longest uint64_t in decimal: 18446744073709551615. */
#define DECIMAL_U64_MAX 20

/* Writes v's digits so that they end just before end, and returns where
 * they begin: the caller's buffer has DECIMAL_U64_MAX chars before end. */
static inline char *decimal_u64(char *end, uint64_t v)
{
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

#endif
