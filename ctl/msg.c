/* msg.c - messages on standard error, and text made safe to print. */
#include "msg.h"

#include <stdarg.h>

void msg_error(const char *fmt, ...)
{
	va_list ap;

	fputs("pacectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void msg_clean(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fputc(' ', out);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fputc(' ', out); /* U+0080..U+009F */
			p++;
		} else
			fputc(*p, out);
	}
}
