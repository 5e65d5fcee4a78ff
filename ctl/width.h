/*
 * width.h - how many terminal columns UTF-8 text takes: Chinese, Japanese
 * and Korean characters take two, combining marks none. Tables are
 * aligned by this width, never by bytes or characters.
 */
#ifndef PACECTL_WIDTH_H
#define PACECTL_WIDTH_H

#include <stddef.h>
#include <stdio.h>

/* Sets LC_CTYPE from the environment, falling back to C.UTF-8 when that
 * is not UTF-8 (paced's text always is), so that wcwidth knows the
 * characters. Call once before the others. */
void width_init(void);

/* The display width of the UTF-8 string s (n bytes). Bytes that are not
 * UTF-8 and control characters count one column each (they print as one
 * replacement or space). */
int width_of(const char *s, size_t n);

/* The length in bytes of the longest whole-character prefix of s (n
 * bytes) no wider than max columns; its width in *used. */
size_t width_fit(const char *s, size_t n, int max, int *used);

#endif
