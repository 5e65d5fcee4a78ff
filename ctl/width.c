/* width.c - display width of UTF-8 text (wcwidth, with a CJK fallback). */
#include "width.h"

#include <langinfo.h>
#include <locale.h>
#include <stdbool.h>
#include <string.h>
#include <wchar.h>

static bool utf8_locale;

void width_init(void)
{
	setlocale(LC_CTYPE, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
	utf8_locale = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

/* Decodes one character at s (n > 0 bytes left): its code point, or
 * U+FFFD for a byte that does not start a valid sequence; *len is how
 * many bytes it took (at least 1). */
static unsigned decode(const unsigned char *s, size_t n, size_t *len)
{
	unsigned cp, min;
	size_t need;

	*len = 1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4, cp = s[0] & 0x07, min = 0x10000;
	} else
		return 0xfffd;
	if (n < need)
		return 0xfffd;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0xfffd;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0xfffd;
	*len = need;
	return cp;
}

/* East Asian wide and fullwidth ranges, for a system without a UTF-8
 * locale (wcwidth then knows nothing beyond ASCII). */
static int fallback(unsigned cp)
{
	if ((cp >= 0x1100 && cp <= 0x115f) ||
	    (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) ||
	    (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

static int char_width(unsigned cp)
{
	int w;

	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 1; /* printed as a space */
	if (cp < 0x7f)
		return 1;
	if (!utf8_locale)
		return fallback(cp);
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

int width_of(const char *s, size_t n)
{
	int used;

	width_fit(s, n, -1, &used);
	return used;
}

size_t width_fit(const char *s, size_t n, int max, int *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	int w = 0, cw;

	while (i < n) {
		cw = char_width(decode(p + i, n - i, &len));
		if (max >= 0 && w + cw > max)
			break;
		w += cw;
		i += len;
	}
	*used = w;
	return i;
}
