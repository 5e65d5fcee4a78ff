/* html.c - escaping for HTML and SVG, percent-encoding (see html.h). */
#include "html.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void html_esc(struct fmt_text *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *e = c == '&'   ? "&amp;"
				: c == '<' ? "&lt;"
				: c == '>' ? "&gt;"
				: c == '"' ? "&quot;"
				: c == '\'' ? "&#39;"
				: c < 0x20 && c != '\t' && c != '\n' &&
						c != '\r'
					? " "
					: NULL;

		if (!e)
			continue;
		fmt_text_add(b, run, (size_t)(s - run));
		fmt_text_str(b, e);
		run = s + 1;
	}
	fmt_text_add(b, run, (size_t)(s - run));
}

enum html_len { LEN_INT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_MAX, LEN_LDBL };

/* The length modifier at *p (moved past it). */
static enum html_len html_length(const char **p)
{
	const char *s = *p;
	enum html_len l = LEN_INT;

	if (s[0] == 'h')
		s += s[1] == 'h' ? 2 : 1; /* promoted to int anyway */
	else if (s[0] == 'l' && s[1] == 'l')
		l = LEN_LLONG, s += 2;
	else if (s[0] == 'l')
		l = LEN_LONG, s++;
	else if (s[0] == 'z' || s[0] == 't')
		l = LEN_SIZE, s++;
	else if (s[0] == 'j')
		l = LEN_MAX, s++;
	else if (s[0] == 'L')
		l = LEN_LDBL, s++;
	*p = s;
	return l;
}

/* Reads the next integer argument of that length, widened. */
static intmax_t html_int_arg(enum html_len len, bool is_signed, va_list *ap)
{
	switch (len) {
	case LEN_LONG:
		return is_signed ? va_arg(*ap, long)
				 : (intmax_t)va_arg(*ap, unsigned long);
	case LEN_LLONG:
		return is_signed ? va_arg(*ap, long long)
				 : (intmax_t)va_arg(*ap, unsigned long long);
	case LEN_SIZE:
		return (intmax_t)va_arg(*ap, size_t);
	case LEN_MAX:
		return va_arg(*ap, intmax_t);
	default:
		return is_signed ? va_arg(*ap, int)
				 : (intmax_t)va_arg(*ap, unsigned);
	}
}

/*
 * One numeric conversion of the next argument. flags holds what came
 * between '%' and the length modifier; the argument is widened to
 * intmax_t (printed with "j") or long double ("L") so one snprintf call
 * of each kind serves every length.
 */
static void html_number(struct fmt_text *b, const char *flags, char conv,
			enum html_len len, va_list *ap)
{
	char spec[40], out[512];
	bool is_float = strchr("eEfFgG", conv) != NULL;
	int n;

	snprintf(spec, sizeof(spec), "%%%s%s%c", flags, is_float ? "L" : "j",
		 conv);
	if (is_float) {
		long double v = len == LEN_LDBL ? va_arg(*ap, long double)
						: va_arg(*ap, double);

		n = snprintf(out, sizeof(out), spec, v);
	} else if (strchr("di", conv)) {
		n = snprintf(out, sizeof(out), spec,
			     html_int_arg(len, true, ap));
	} else {
		n = snprintf(out, sizeof(out), spec,
			     (uintmax_t)html_int_arg(len, false, ap));
	}
	if (n < 0)
		b->nomem = true;
	else
		fmt_text_add(b, out, (size_t)n < sizeof(out) ? (size_t)n
							     : sizeof(out) - 1);
}

void html_printf(struct fmt_text *b, const char *fmt, ...)
{
	va_list ap;
	const char *p = fmt;

	va_start(ap, fmt);
	while (*p && !b->nomem) {
		const char *pct = strchr(p, '%'), *s;
		enum html_len len;
		char flags[24], conv;
		size_t n;

		if (!pct) {
			fmt_text_str(b, p);
			break;
		}
		fmt_text_add(b, p, (size_t)(pct - p));
		s = pct + 1;
		if (*s == '%') {
			fmt_text_add(b, "%", 1);
			p = s + 1;
			continue;
		}
		s += strspn(s, "-+ #0");
		s += strspn(s, "0123456789");
		if (*s == '.')
			s += 1 + strspn(s + 1, "0123456789");
		n = (size_t)(s - pct - 1);
		len = html_length(&s);
		conv = *s;
		if (!conv || !strchr("diouxXeEfFgGcs", conv) ||
		    n >= sizeof(flags)) {
			b->nomem = true; /* a mistake in fmt: fail loudly */
			break;
		}
		memcpy(flags, pct + 1, n);
		flags[n] = '\0';
		if (conv == 's') {
			const char *arg = va_arg(ap, const char *);

			html_esc(b, arg ? arg : "");
		} else if (conv == 'c') {
			char c[2] = {(char)va_arg(ap, int), '\0'};

			html_esc(b, c);
		} else {
			html_number(b, flags, conv, len, &ap);
		}
		p = s + 1;
	}
	va_end(ap);
}

void html_url(struct fmt_text *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char enc[3] = {'%', hex[c >> 4], hex[c & 15]};

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c))
			fmt_text_add(b, s, 1);
		else
			fmt_text_add(b, enc, 3);
	}
}
