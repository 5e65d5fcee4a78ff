/*
 * conf_err.c - the messages of the configuration: "FILE:LINE: [section]
 * key: what is wrong (allowed: ...)", where the allowed part is made from
 * the option's entry in the table so that it always says what the parser
 * really accepts. Only the first error of a parse is kept.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf_internal.h"

static void conf_verr(struct conf_parse *p, int rc, int line,
		      const char *fmt, va_list ap)
{
	int n;

	if (p->rc)
		return;
	p->rc = rc;
	if (!p->err || !p->errlen)
		return;
	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", p->file, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->file);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
}

void conf_err(struct conf_parse *p, int rc, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_verr(p, rc, line, fmt, ap);
	va_end(ap);
}

void conf_err_cat(char *b, size_t n, const char *s)
{
	size_t used = strlen(b);

	if (used < n)
		snprintf(b + used, n - used, "%s", s);
}

const char *conf_err_quote(const char *v, char out[72])
{
	size_t n = strlen(v);

	if (n <= 60) {
		snprintf(out, 72, "%s", v);
		return out;
	}
	n = 60;
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	snprintf(out, 72, "%.*s...", (int)n, v);
	return out;
}

void conf_err_fmt_size(int64_t v, char *b, size_t n)
{
	static const struct {
		int64_t f;
		const char *u;
	} u[] = {{GIB, "g"}, {MIB, "m"}, {KIB, "k"}, {1, ""}};

	for (size_t i = 0; i < PACED_ARRAY_LEN(u); i++) {
		if (v % u[i].f == 0) {
			snprintf(b, n, "%lld%s", (long long)(v / u[i].f),
				 u[i].u);
			return;
		}
	}
}

void conf_err_fmt_ms(int64_t v, char *b, size_t n)
{
	static const struct {
		int64_t f;
		const char *u;
	} u[] = {{DAY, "d"}, {HOUR, "h"}, {MIN, "m"}, {SEC, "s"}, {1, "ms"}};

	for (size_t i = 0; v && i < PACED_ARRAY_LEN(u); i++) {
		if (v % u[i].f == 0) {
			snprintf(b, n, "%lld%s", (long long)(v / u[i].f),
				 u[i].u);
			return;
		}
	}
	snprintf(b, n, "0");
}

void conf_err_allowed(const struct conf_option *o, char *b, size_t n)
{
	char lo[32], hi[32];

	b[0] = '\0';
	switch (o->type) {
	case CONF_T_CHOICE:
	case CONF_T_LOGLEVEL:
	case CONF_T_DURABILITY:
	case CONF_T_EVENTS:
		for (size_t i = 0; o->choices[i]; i++) {
			if (i)
				conf_err_cat(b, n, ", ");
			conf_err_cat(b, n, o->choices[i]);
		}
		if (o->type == CONF_T_EVENTS)
			conf_err_cat(b, n, "; comma separated, \"project.\" "
					   "prefix optional");
		return;
	case CONF_T_SIZE:
		conf_err_fmt_size(o->min, lo, sizeof(lo));
		conf_err_fmt_size(o->max, hi, sizeof(hi));
		snprintf(b, n, "bytes or a size such as 64k or 1m, %s..%s", lo,
			 hi);
		return;
	case CONF_T_COUNT:
		snprintf(b, n, "a whole number, %lld..%lld", (long long)o->min,
			 (long long)o->max);
		return;
	case CONF_T_DURATION:
		conf_err_fmt_ms(o->min, lo, sizeof(lo));
		conf_err_fmt_ms(o->max, hi, sizeof(hi));
		snprintf(b, n,
			 "a duration such as 30s, 15m, 24h or 7d, %s..%s%s", lo,
			 hi, o->flags & CONF_ZERO ? ", or 0 for never" : "");
		return;
	case CONF_T_FRACTION:
		snprintf(b, n, "a number between 0 and 1, both excluded");
		return;
	case CONF_T_HTTP_URL:
		snprintf(b, n, "an http:// or https:// URL");
		return;
	case CONF_T_CHANNEL_URL:
		snprintf(b, n, "an http:// or https:// URL; smtp:// or "
			       "smtps:// for type email");
		return;
	case CONF_T_TIMEZONE:
		snprintf(b, n, "UTC or a zone in " CONF_ZONEINFO
			       " such as Asia/Shanghai");
		return;
	case CONF_T_SHA256:
		snprintf(b, n, "64 hexadecimal digits, the SHA-256 of the "
			       "token");
		return;
	case CONF_T_LISTEN:
		snprintf(b, n, "HOST:PORT, [IPV6]:PORT or unix:/PATH, comma "
			       "separated, port 1..65535");
		return;
	case CONF_T_TAGS:
		snprintf(b, n, "tags, comma separated");
		return;
	case CONF_T_GLOBS:
		snprintf(b, n, "project id globs such as parking-*, comma "
			       "separated");
		return;
	case CONF_T_JNUMBER:
	case CONF_T_JTHRESHOLD:
		snprintf(b, n, "a decimal number");
		return;
	case CONF_T_JMILESTONES:
		snprintf(b, n, "DAY-OR-INSTANT VALUE, comma separated, e.g. "
			       "2022-06-30 120, 2022-09-30 260");
		return;
	case CONF_T_JPAUSES:
		snprintf(b, n, "FROM/TO REASON, comma separated, reason "
			       "optional, e.g. 2022-01-31/2022-02-06 Spring "
			       "Festival");
		return;
	case CONF_T_MOBILES:
		snprintf(b, n, "mobile numbers (digits only), comma separated");
		return;
	case CONF_T_ADDRS:
		snprintf(b, n, "mail addresses, comma separated");
		return;
	case CONF_T_ADDR:
		snprintf(b, n, "a mail address such as paced@example.gov.cn");
		return;
	case CONF_T_NAMES:
		snprintf(b, n, "names of [channel.NAME] sections, comma "
			       "separated");
		return;
	case CONF_T_RATE:
		snprintf(b, n, "N/PERIOD such as 20/1m or 5/1s, N %lld..%lld, "
			       "PERIOD 1s..1d",
			 (long long)o->min, (long long)o->max);
		return;
	case CONF_T_BOOL:
		snprintf(b, n, "yes or no");
		return;
	case CONF_T_CLOCK:
		snprintf(b, n, "a time of day HH:MM such as 09:00");
		return;
	case CONF_T_WEEKDAYS:
		snprintf(b, n, "day, or weekdays mon tue wed thu fri sat sun, "
			       "comma separated");
		return;
	case CONF_T_STRING:
	case CONF_T_JSTRING:
	case CONF_T_JTAGS:
		snprintf(b, n, "a non-empty text");
		return;
	}
}

void conf_err_bad(struct conf_parse *p, const struct conf_option *o,
		  int line, const char *fmt, ...)
{
	char msg[512], allowed[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_err_allowed(o, allowed, sizeof(allowed));
	conf_fail(p, line, "[%s] %s: %s (allowed: %s)", p->sec_name, o->name,
		  msg, allowed);
}
