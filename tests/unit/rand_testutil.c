/* rand_testutil.c - see rand_testutil.h. */
#include "rand_testutil.h"

static unsigned long long state = 0x9E3779B97F4A7C15ull;

unsigned long long rand_testutil_next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

long long rand_testutil_in(long long lo, long long hi)
{
	return lo + (long long)(rand_testutil_next() %
				(unsigned long long)(hi - lo + 1));
}
