/*
 * html.h - text for the dashboard's HTML pages and SVG images, built in a
 * fmt_text buffer: a printf whose every string argument is escaped, so
 * user data (titles, notes, tags, units) can never become markup, and
 * percent-encoding for the values of links' query strings.
 */
#ifndef PACED_HTML_H
#define PACED_HTML_H

#include "fmt_text.h"

/* Appends s with & < > " ' as entities, so it is safe both as element
 * text and inside a quoted attribute, in HTML and in XML (SVG). Control
 * characters XML does not allow become spaces. */
void html_esc(struct fmt_text *b, const char *s);

/*
 * printf into b where every %s (and %c) argument goes through html_esc():
 * markup belongs in fmt, data in the arguments (%s ignores width and
 * precision). Numbers are formatted as printf does (flags, width,
 * precision; lengths hh h l ll z j t L). A
 * conversion outside diouxXeEfFgGcs% fails the buffer (as running out of
 * memory would), so such a mistake shows at once.
 */
void html_printf(struct fmt_text *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends s percent-encoded (all but A-Z a-z 0-9 - . _ ~), for a query
 * value or a path segment. The result needs no further escaping. */
void html_url(struct fmt_text *b, const char *s);

#endif
