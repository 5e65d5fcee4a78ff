/*
 * rand_testutil.h - a deterministic random sequence for the tests that
 * walk random cases (test_fcache.c, test_jsonutil.c): the same on every
 * run and machine, so a failure can be replayed.
 */
#ifndef PACED_RAND_TESTUTIL_H
#define PACED_RAND_TESTUTIL_H

/* The next 64 random bits (xorshift64). */
unsigned long long rand_testutil_next(void);
/* A number in [lo, hi]. */
long long rand_testutil_in(long long lo, long long hi);

#endif
