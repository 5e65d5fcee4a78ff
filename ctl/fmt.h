/*
 * fmt.h - values as pacectl shows them to people: numbers without
 * needless decimals, percentages, ASCII progress bars (ASCII because box
 * characters are double width in many CJK terminals), instants in local
 * time and the colour of each status. Each writes into the caller's
 * buffer, always NUL-terminated, and returns it.
 */
#ifndef PACECTL_FMT_H
#define PACECTL_FMT_H

#include <jansson.h>
#include <stddef.h>

#define FMT_MAX 64
#define FMT_BAR_CELLS 20

/* 120, 12.5, 0.33: at most two decimals, trailing zeros dropped. */
char *fmt_number(char *buf, size_t n, double v);

/* A JSON number as fmt_number, "-" for null or anything else. */
char *fmt_json_number(char *buf, size_t n, const json_t *v);

/* 0.4286 as "42.9%". */
char *fmt_percent(char *buf, size_t n, double fraction);

/* [########|...........]: progress filled with '#', '|' where the curve
 * expects it now; both fractions are clamped to [0,1]. */
char *fmt_bar(char *buf, size_t n, double progress, double expected);

/* An RFC 3339 instant as local "YYYY-MM-DD HH:MM +hhmm" (TZ, and the
 * zone's offset from UTC); anything else
 * (a calendar day, NULL as "-") as it is. */
char *fmt_instant(char *buf, size_t n, const char *s);

/* The ANSI colour of a status (the cell's first word), or NULL. */
const char *fmt_status_color(const char *cell);

#endif
