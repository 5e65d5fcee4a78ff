/* fmt.c - numbers, bars, instants and status colours for people. */
#include "fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

char *fmt_number(char *buf, size_t n, double v)
{
	char *dot, *end;

	if (!isfinite(v)) {
		snprintf(buf, n, "-");
		return buf;
	}
	snprintf(buf, n, "%.2f", v);
	dot = strchr(buf, '.');
	if (dot) {
		end = buf + strlen(buf) - 1;
		while (end > dot && *end == '0')
			*end-- = '\0';
		if (end == dot)
			*end = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, n, "0");
	return buf;
}

char *fmt_json_number(char *buf, size_t n, const json_t *v)
{
	if (!json_is_number(v)) {
		snprintf(buf, n, "-");
		return buf;
	}
	return fmt_number(buf, n, json_number_value(v));
}

char *fmt_percent(char *buf, size_t n, double fraction)
{
	char num[FMT_MAX];

	fmt_number(num, sizeof(num), round(fraction * 1000) / 10);
	snprintf(buf, n, "%s%%", num);
	return buf;
}

static int cells_of(double fraction)
{
	if (!isfinite(fraction) || fraction <= 0)
		return 0;
	if (fraction >= 1)
		return FMT_BAR_CELLS;
	return (int)lround(fraction * FMT_BAR_CELLS);
}

char *fmt_bar(char *buf, size_t n, double progress, double expected)
{
	char bar[FMT_BAR_CELLS + 3];
	int done = cells_of(progress), mark = cells_of(expected);

	bar[0] = '[';
	for (int i = 0; i < FMT_BAR_CELLS; i++)
		bar[1 + i] = i < done ? '#' : '.';
	/* The mark sits on the last cell the curve has reached. */
	if (mark > 0)
		bar[mark] = '|';
	bar[FMT_BAR_CELLS + 1] = ']';
	bar[FMT_BAR_CELLS + 2] = '\0';
	snprintf(buf, n, "%s", bar);
	return buf;
}

/* Seconds east of UTC of the zone at the end of s ("Z", "+08:00"), or -1
 * for no zone. */
static long zone_offset(const char *s)
{
	int hh, mm;

	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0)
		return 0;
	if ((s[0] == '+' || s[0] == '-') &&
	    sscanf(s + 1, "%2d:%2d", &hh, &mm) == 2 && strlen(s) == 6)
		return (s[0] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
	return -1;
}

char *fmt_instant(char *buf, size_t n, const char *s)
{
	struct tm tm = {0};
	int consumed = 0;
	const char *rest;
	long off;
	time_t t;

	if (!s) {
		snprintf(buf, n, "-");
		return buf;
	}
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
		   &consumed) != 6 ||
	    consumed != 19) {
		snprintf(buf, n, "%s", s);
		return buf;
	}
	rest = s + consumed;
	if (*rest == '.')
		rest += 1 + strspn(rest + 1, "0123456789");
	if ((off = zone_offset(rest)) == -1) {
		snprintf(buf, n, "%s", s);
		return buf;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm) - off;
	/* The zone's offset with it: pacectl's machine and paced's may be
	 * in different zones, and a day's end in Shanghai is 15:59 in UTC.
	 * An offset, not a name: "CST" is also Central Standard Time. */
	if (!localtime_r(&t, &tm) ||
	    !strftime(buf, n, "%Y-%m-%d %H:%M %z", &tm))
		snprintf(buf, n, "%s", s);
	return buf;
}

const char *fmt_status_color(const char *cell)
{
	static const struct {
		const char *status, *sgr;
	} colors[] = {
	    {"done", "\033[1;32m"},    {"on_track", "\033[32m"},
	    {"at_risk", "\033[33m"},   {"behind", "\033[1;31m"},
	    {"overdue", "\033[1;35m"}, {"not_started", "\033[2m"},
	};
	size_t len = strcspn(cell, " ,");

	for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
		if (strlen(colors[i].status) == len &&
		    strncmp(cell, colors[i].status, len) == 0)
			return colors[i].sgr;
	return NULL;
}
