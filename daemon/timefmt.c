/* timefmt.c - instants, calendar days, durations and sizes as text. */
#include "timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

paced_ms timefmt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (paced_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads exactly n decimal digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

/* Days since the epoch of a proleptic Gregorian date (no time zone). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The first instant of a local calendar day, through mktime so the zone's
 * rules (and any historic offsets) apply. */
static paced_ms local_day_start(int y, int m, int d)
{
	struct tm tm = {0};

	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (paced_ms)mktime(&tm) * 1000;
}

int timefmt_parse(const char *s, bool end_of_day, paced_ms *out, bool *is_day)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, ms = 0, off = 0;

	if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return PACED_EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo))
		return PACED_EINVAL;
	if (*p == '\0') {
		if (is_day)
			*is_day = true;
		if (end_of_day) {
			/* The next day's start, minus one millisecond: right
			 * even on days that a DST change makes 23 or 25 h. */
			int64_t next = days_from_civil(y, mo, d) + 1;
			time_t t = (time_t)(next * 86400);
			struct tm utc;

			gmtime_r(&t, &utc);
			*out = local_day_start(utc.tm_year + 1900,
					       utc.tm_mon + 1, utc.tm_mday) -
			       1;
		} else {
			*out = local_day_start(y, mo, d);
		}
		return 0;
	}
	if ((*p != 'T' && *p != 't') || (p++, digits(&p, 2, &h)) ||
	    *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
	    digits(&p, 2, &sec))
		return PACED_EINVAL;
	if (h > 23 || mi > 59 || sec > 60)
		return PACED_EINVAL;
	if (sec == 60) /* a leap second is the last instant of its minute */
		sec = 59;
	if (*p == '.') {
		int n = 0;

		p++;
		if (!isdigit((unsigned char)*p))
			return PACED_EINVAL;
		while (isdigit((unsigned char)*p)) {
			if (n < 3)
				ms = ms * 10 + (*p - '0');
			n++;
			p++;
		}
		for (; n < 3; n++)
			ms *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;

		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) ||
		    oh > 23 || om > 59)
			return PACED_EINVAL;
		off = sign * (oh * 60 + om);
	} else {
		return PACED_EINVAL;
	}
	if (*p != '\0')
		return PACED_EINVAL;
	if (is_day)
		*is_day = false;
	*out = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
		 sec - off * 60) *
		1000) +
	       ms;
	return 0;
}

static char *put_digits(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

/* The proleptic Gregorian date of a day counted from the epoch: the
 * inverse of days_from_civil, by 400-year eras of 146 097 days. */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468; /* days from 0000-03-01 */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153; /* months from March */
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Whole seconds of t, floored, without the overflow of t - 999 at the
 * type's end. */
static int64_t floor_secs(paced_ms t)
{
	return t / 1000 - (t % 1000 < 0);
}

/* "YYYY-MM-DD" for a year of four digits, not NUL-terminated. */
static char *put_date(char *p, int y, int m, int d)
{
	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	return put_digits(p, d, 2);
}

char *timefmt_rfc3339(paced_ms t, char out[TIMEFMT_MAX])
{
	/* Years 0 to 9999, the four digits this writes by hand. */
	static const paced_ms lo = -62167219200000LL, hi = 253402300800000LL;
	int64_t secs = floor_secs(t), days, sod;
	int ms = (int)(t % 1000 + (t % 1000 < 0 ? 1000 : 0)), y, m, d;
	char *p = out;

	/* Digits by hand, and the date by arithmetic: snprintf was a few
	 * percent of each reply, which carries half a dozen instants, and
	 * gmtime_r takes the time zone lock on every call.
	 * Years printf would widen or sign still go through both. */
	if (t < lo || t >= hi) {
		time_t ts = (time_t)secs;
		struct tm tm;

		if (!gmtime_r(&ts, &tm))
			tm = (struct tm){.tm_year = 70, .tm_mday = 1};
		snprintf(out, TIMEFMT_MAX,
			 ms ? "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"
			    : "%04d-%02d-%02dT%02d:%02d:%02dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
		return out;
	}
	days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	sod = secs - days * 86400;
	civil_from_days(days, &y, &m, &d);
	p = put_date(p, y, m, d);
	*p++ = 'T';
	p = put_digits(p, (int)(sod / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (int)(sod / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (int)(sod % 60), 2);
	if (ms) {
		*p++ = '.';
		p = put_digits(p, ms, 3);
	}
	*p++ = 'Z';
	*p = '\0';
	return out;
}

char *timefmt_day(paced_ms t, char out[TIMEFMT_MAX])
{
	time_t secs = (time_t)floor_secs(t);
	struct tm tm;

	localtime_r(&secs, &tm);
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		snprintf(out, TIMEFMT_MAX, "%04d-%02d-%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday);
		return out;
	}
	/* By hand, as timefmt_rfc3339: every 201 carries the forecast's
	 * day. */
	*put_date(out, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) = '\0';
	return out;
}

char *timefmt_local(paced_ms t, const char *fmt, char out[TIMEFMT_MAX])
{
	time_t secs = (time_t)floor_secs(t);
	struct tm tm;

	if (!localtime_r(&secs, &tm) || !strftime(out, TIMEFMT_MAX, fmt, &tm))
		out[0] = '\0';
	return out;
}

/* A whole number followed by a unit from the table; "0" alone is allowed.
 * Overflow and fractions are refused. */
struct unit {
	const char *suffix;
	uint64_t factor;
};

static int parse_with_units(const char *s, const struct unit *units,
			    size_t n_units, bool unit_required, uint64_t max,
			    uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)*s))
		return PACED_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return PACED_EINVAL;
	if (*end == '\0') {
		if (unit_required && v != 0)
			return PACED_EINVAL;
		if (v > max)
			return PACED_EINVAL;
		*out = v;
		return 0;
	}
	for (size_t i = 0; i < n_units; i++) {
		if (strcasecmp(end, units[i].suffix) == 0) {
			if (v > max / units[i].factor)
				return PACED_EINVAL;
			*out = v * units[i].factor;
			return 0;
		}
	}
	return PACED_EINVAL;
}

int timefmt_parse_duration(const char *s, int64_t *out_ms)
{
	static const struct unit units[] = {
		{"ms", 1},          {"s", 1000},          {"m", 60000},
		{"h", 3600000},     {"d", 86400000ULL},   {"w", 604800000ULL},
		{"y", 365ULL * 86400000ULL}, /* 365 days, leap or not */
	};
	uint64_t v;
	/* A hundred years is plenty and keeps sums of instants in range. */
	int rc = parse_with_units(s, units, PACED_ARRAY_LEN(units), true,
				  100ULL * 366 * 86400000ULL, &v);

	if (rc == 0)
		*out_ms = (int64_t)v;
	return rc;
}

int timefmt_parse_size(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{"k", 1024ULL},
		{"m", 1024ULL * 1024},
		{"g", 1024ULL * 1024 * 1024},
		{"kb", 1024ULL},
		{"mb", 1024ULL * 1024},
		{"gb", 1024ULL * 1024 * 1024},
	};
	return parse_with_units(s, units, PACED_ARRAY_LEN(units), false,
				1ULL << 40, out);
}
