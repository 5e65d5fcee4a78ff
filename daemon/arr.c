/* arr.c - growing arrays by doubling, the rule in one place (arr.h). */
#include "arr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paced.h"

int arr_grow(void *arrp, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t n;
	void *old, *p;

	if (need <= *cap)
		return 0;
	/* A 0 first would double forever, a 0 size realloc() to nothing. */
	if (!first || !size)
		return PACED_EINVAL;
	n = *cap ? *cap : first;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return PACED_ENOMEM;
		n *= 2;
	}
	if (n > SIZE_MAX / size)
		return PACED_ENOMEM;
	/* The caller's pointer is a T *, not a void *: copied as bytes so
	 * it is never read or written through the wrong type. */
	memcpy(&old, arrp, sizeof(old));
	p = realloc(old, n * size);
	if (!p)
		return PACED_ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	*cap = n;
	return 0;
}
