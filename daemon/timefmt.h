/*
 * timefmt.h - reading and writing instants, calendar days and durations:
 * "2022-05-01" (a day in the server's time zone, TZ), RFC 3339 instants,
 * "30s"/"15m"/"24h"/"7d"/"2w"/"5y" durations and "64k"/"1m" byte sizes.
 */
#ifndef PACED_TIMEFMT_H
#define PACED_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "paced.h"

/* Room for any instant gmtime can give, so snprintf never truncates. */
#define TIMEFMT_MAX 96

/* The current wall-clock instant. */
paced_ms timefmt_now(void);

/*
 * Parses a calendar day "YYYY-MM-DD" or an RFC 3339 instant
 * ("2022-05-01T10:00:00+08:00", "…Z", optional fraction). A day means its
 * first millisecond in local time, or with end_of_day its last
 * (the instant before the next day begins). *is_day says which form it
 * was (may be NULL). 0 or PACED_EINVAL; years 1970..9999 only.
 */
int timefmt_parse(const char *s, bool end_of_day, paced_ms *out,
		  bool *is_day);

/* "2022-05-01T02:00:00Z", with ".123" only when the milliseconds are not
 * zero. Returns out. */
char *timefmt_rfc3339(paced_ms t, char out[TIMEFMT_MAX]);

/* The local calendar day of t, "2022-05-01". Returns out. */
char *timefmt_day(paced_ms t, char out[TIMEFMT_MAX]);

/* t in local time by strftime's fmt (the dashboard's "%Y-%m-%d %H:%M");
 * empty when it cannot be. Returns out. */
char *timefmt_local(paced_ms t, const char *fmt, char out[TIMEFMT_MAX]);

/* "30s", "15m", "24h", "7d", "2w", "500ms" or "0" into milliseconds.
 * 0 or PACED_EINVAL. */
int timefmt_parse_duration(const char *s, int64_t *out_ms);

/* "1048576", "64k", "1m", "1g" (binary multiples) into bytes. */
int timefmt_parse_size(const char *s, uint64_t *out);

#endif
