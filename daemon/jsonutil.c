/* jsonutil.c - jansson helpers. */
#include "jsonutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

json_t *jsonutil_number(double v)
{
	/* Whole numbers within the exactly representable range print as
	 * integers; everything else as a real. */
	if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(isfinite(v) ? v : 0);
}

json_t *jsonutil_instant(paced_ms t)
{
	char buf[TIMEFMT_MAX];

	return json_string(timefmt_rfc3339(t, buf));
}

json_t *jsonutil_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static char *dump(const json_t *j, size_t *len, int precision)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(precision) |
					JSON_ENCODE_ANY);

	if (s && len)
		*len = strlen(s);
	return s;
}

char *jsonutil_dump(const json_t *j, size_t *len)
{
	return dump(j, len, 15);
}

char *jsonutil_dump_exact(const json_t *j, size_t *len)
{
	return dump(j, len, 17);
}

size_t jsonutil_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}
