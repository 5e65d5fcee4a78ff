/*
 * conf_value.c - checking and converting values: sizes, durations,
 * fractions, URLs, time zones, listen addresses, comma-separated lists,
 * and the project keys that become JSON (numbers, milestones, pauses).
 * What each option accepts is its type in conf_options[] (conf.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf_internal.h"
#include "log.h"
#include "timefmt.h"

char *conf_value_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* A plain decimal count ("1024"): no sign, no suffix. 0 or -1. */
static int conf_parse_count(const char *v, uint64_t *out)
{
	unsigned long long n;
	char *end;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end)
		return -1;
	*out = n;
	return 0;
}

static int conf_choice(const char *const *choices, const char *v)
{
	for (int i = 0; choices[i]; i++)
		if (strcmp(choices[i], v) == 0)
			return i;
	return -1;
}

void conf_value_list_free(char **a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

/*
 * Splits a comma-separated value into trimmed, owned items. An empty value
 * is an empty list only where allow_empty says so; an empty item ("a,,b",
 * "a,") is always an error, as it is always a typo.
 */
static int conf_split(struct conf_parse *p, const struct conf_option *o,
		      const char *v, bool allow_empty, char ***out,
		      size_t *out_n)
{
	char **items = NULL, **grown;
	size_t n = 0;
	const char *s = v;

	*out = NULL;
	*out_n = 0;
	if (*v == '\0') {
		if (!allow_empty)
			conf_err_bad(p, o, p->line, "empty value");
		return p->rc;
	}
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char *item = strndup(s, len), *t;

		grown = item ? realloc(items, (n + 1) * sizeof(*items)) : NULL;
		if (!grown) {
			free(item);
			conf_nomem(p);
			goto fail;
		}
		items = grown;
		t = conf_value_trim(item);
		memmove(item, t, strlen(t) + 1);
		items[n++] = item;
		if (*item == '\0') {
			conf_err_bad(p, o, p->line, "empty item in the list");
			goto fail;
		}
		if (!comma)
			break;
		s = comma + 1;
	}
	*out = items;
	*out_n = n;
	return 0;
fail:
	conf_value_list_free(items, n);
	return p->rc;
}

static bool conf_port_ok(const char *s)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s) || strlen(s) > 5)
		return false;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 1 && v <= 65535;
}

/* A DNS name: dot-separated labels of letters, digits and '-', with at
 * least one letter so that a mistyped IPv4 address is not taken for one. */
static bool conf_hostname_ok(const char *h)
{
	size_t label = 0;
	bool letter = false;

	if (strlen(h) > 253)
		return false;
	for (const char *q = h;; q++) {
		if (*q == '.' || *q == '\0') {
			if (label == 0 || label > 63 || q[-1] == '-')
				return false;
			if (*q == '\0')
				return letter;
			label = 0;
			continue;
		}
		if (isalpha((unsigned char)*q))
			letter = true;
		else if (!isdigit((unsigned char)*q) && !(*q == '-' && label))
			return false;
		label++;
	}
}

static bool conf_listen_ok(const char *s)
{
	struct sockaddr_un un;
	struct in6_addr a6;
	struct in_addr a4;
	const char *colon;
	char host[256];
	size_t hl;

	if (strncmp(s, "unix:", 5) == 0)
		return s[5] == '/' && strlen(s + 5) < sizeof(un.sun_path);
	colon = strrchr(s, ':');
	if (!colon || !conf_port_ok(colon + 1))
		return false;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 3 || s[hl - 1] != ']' || hl - 2 >= sizeof(host))
			return false;
		memcpy(host, s + 1, hl - 2);
		host[hl - 2] = '\0';
		return inet_pton(AF_INET6, host, &a6) == 1;
	}
	if (hl == 0 || hl >= sizeof(host))
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	return inet_pton(AF_INET, host, &a4) == 1 || conf_hostname_ok(host);
}

/* A zone exists when its file is a compiled zone (TZif), not a directory
 * or one of the tables that live beside the zones. */
static bool conf_timezone_ok(const char *tz)
{
	char path[512], magic[4];
	ssize_t n;
	int fd;

	if (strcmp(tz, "UTC") == 0)
		return true;
	if (!*tz || tz[0] == '/' || strstr(tz, "..") || strlen(tz) > 255)
		return false;
	for (const char *q = tz; *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr("/_+-.", *q))
			return false;
	snprintf(path, sizeof(path), CONF_ZONEINFO "%s", tz);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, magic, sizeof(magic));
	close(fd);
	return n == 4 && memcmp(magic, "TZif", 4) == 0;
}

/* "scheme://" followed by something, with no space or control byte. */
static bool conf_url_ok(const char *v, const char *const *schemes)
{
	bool ok = false;

	for (size_t i = 0; schemes[i] && !ok; i++) {
		size_t n = strlen(schemes[i]);

		ok = strncmp(v, schemes[i], n) == 0 && v[n] != '\0' &&
		     v[n] != '/';
	}
	for (const char *q = v; ok && *q; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			ok = false;
	return ok;
}

static const char *const conf_http_schemes[] = {"http://", "https://",
						NULL};
static const char *const conf_smtp_schemes[] = {"smtp://", "smtps://",
						NULL};

bool conf_value_smtp_url(const char *v)
{
	return conf_url_ok(v, conf_smtp_schemes);
}

/*
 * A decimal number as in JSON (an optional sign is also taken): strtod
 * must consume it all and it must be finite. Hex, inf and nan are refused;
 * nobody means them in a plan. Integers become JSON integers, as they
 * would when the same definition arrives over the API.
 */
static int conf_number(const char *s, double *d, json_t **out)
{
	bool digit = false, integer = true;
	long long ll;
	char *end;

	for (const char *q = s; *q; q++) {
		if (isdigit((unsigned char)*q))
			digit = true;
		else if (strchr(".eE", *q))
			integer = false;
		else if (!((*q == '-' || *q == '+') &&
			   (q == s || q[-1] == 'e' || q[-1] == 'E')))
			return PACED_EINVAL;
	}
	if (!digit)
		return PACED_EINVAL;
	errno = 0;
	*d = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(*d))
		return PACED_EINVAL;
	if (!out)
		return 0;
	errno = 0;
	ll = integer ? strtoll(s, &end, 10) : 0;
	if (integer && errno == 0 && *end == '\0')
		*out = json_integer((json_int_t)ll);
	else
		*out = json_real(*d);
	return *out ? 0 : PACED_ENOMEM;
}

/* local@domain, printable ASCII without spaces, angle brackets, commas
 * or quotes: enough to refuse typos and header injection, not a full
 * RFC 5321 parser. */
bool conf_value_addr_ok(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (!at || at == s || !at[1] || strchr(at + 1, '@') || n > 254)
		return false;
	for (const char *c = s; *c; c++)
		if (*c <= ' ' || *c > '~' || strchr("<>,;\"()[]\\", *c))
			return false;
	return strchr(at + 1, '.') != NULL;
}

/* "20/1m", "5/s", "1/1s": at least 1 request in at least 1 s. */
static int conf_set_rate(struct conf_parse *p, const struct conf_option *o,
			 void *base, const char *v)
{
	char num[16], per[40], q[72];
	const char *slash = strchr(v, '/');
	char *end;
	long n;
	int64_t ms;

	if (!slash || slash == v || (size_t)(slash - v) >= sizeof(num) ||
	    strlen(slash + 1) + 2 >= sizeof(per)) {
		conf_err_bad(p, o, p->line, "\"%s\" is not N/PERIOD",
			     conf_err_quote(v, q));
		return p->rc;
	}
	memcpy(num, v, (size_t)(slash - v));
	num[slash - v] = '\0';
	/* "5/s" reads as "5/1s". */
	snprintf(per, sizeof(per), "%s%s",
		 isdigit((unsigned char)slash[1]) ? "" : "1", slash + 1);
	errno = 0;
	n = strtol(num, &end, 10);
	if (*end || errno || n < o->min || n > o->max ||
	    timefmt_parse_duration(per, &ms) || ms < SEC || ms > DAY) {
		conf_err_bad(p, o, p->line, "\"%s\" is not N/PERIOD within "
					    "bounds",
			     conf_err_quote(v, q));
		return p->rc;
	}
	*(int *)(void *)((char *)base + o->off) = (int)n;
	*(int64_t *)(void *)((char *)base + o->off_n) = ms;
	return 0;
}

/* "day" or a list of weekdays ("mon, thu") -> bit mask, Sunday bit 0. */
static int conf_set_weekdays(struct conf_parse *p, const struct conf_option *o,
			     void *base, const char *v)
{
	static const char *const days[] = {"sun", "mon", "tue", "wed",
					   "thu", "fri", "sat"};
	unsigned mask = 0;
	char **items, q[72];
	size_t n;

	if (strcmp(v, "day") == 0) {
		*(unsigned *)(void *)((char *)base + o->off) = 0x7f;
		return 0;
	}
	if (conf_split(p, o, v, false, &items, &n))
		return p->rc;
	for (size_t i = 0; i < n && !p->rc; i++) {
		size_t d = 0;

		while (d < 7 && strcmp(items[i], days[d]) != 0)
			d++;
		if (d == 7)
			conf_err_bad(p, o, p->line, "\"%s\" is not a weekday",
				     conf_err_quote(items[i], q));
		mask |= 1u << d;
	}
	conf_value_list_free(items, n);
	if (!p->rc)
		*(unsigned *)(void *)((char *)base + o->off) = mask;
	return p->rc;
}

/* Checks and normalises one item of a list of the given option. */
static int conf_list_item(struct conf_parse *p, const struct conf_option *o,
			  char *item)
{
	char q[72];

	switch (o->type) {
	case CONF_T_LISTEN:
		if (!conf_listen_ok(item))
			conf_err_bad(p, o, p->line, "\"%s\" is not an address",
				     conf_err_quote(item, q));
		break;
	case CONF_T_EVENTS:
		/* strlen(item), not strlen(item + 8): the same length, but
		 * GCC 12 with -fsanitize=undefined warns about the latter. */
		if (strncmp(item, "project.", 8) == 0)
			memmove(item, item + 8, strlen(item) - 8 + 1);
		if (conf_choice(o->choices, item) < 0)
			conf_err_bad(p, o, p->line, "\"%s\" is not an event",
				     conf_err_quote(item, q));
		break;
	case CONF_T_GLOBS:
		for (const char *c = item; *c; c++) {
			if (!islower((unsigned char)*c) &&
			    !isdigit((unsigned char)*c) &&
			    !strchr("._-*?[]!^", *c)) {
				conf_err_bad(p, o, p->line,
					     "\"%s\" can never match a "
					     "project id",
					     conf_err_quote(item, q));
				break;
			}
		}
		break;
	case CONF_T_MOBILES:
		/* DingTalk matches members by the digits alone; "+86 138…"
		 * would silently mention nobody. */
		if (strlen(item) < 5 || strlen(item) > 20 ||
		    strspn(item, "0123456789") != strlen(item))
			conf_err_bad(p, o, p->line,
				     "\"%s\" is not a mobile number",
				     conf_err_quote(item, q));
		break;
	case CONF_T_ADDRS:
		if (!conf_value_addr_ok(item))
			conf_err_bad(p, o, p->line,
				     "\"%s\" is not a mail address",
				     conf_err_quote(item, q));
		break;
	case CONF_T_NAMES:
		if (strlen(item) > 64 ||
		    strspn(item, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				 "qrstuvwxyz0123456789_.-") != strlen(item))
			conf_err_bad(p, o, p->line,
				     "\"%s\" is not a channel name",
				     conf_err_quote(item, q));
		break;
	default:
		break;
	}
	return p->rc;
}

static int conf_set_list(struct conf_parse *p, const struct conf_option *o,
			 void *base, const char *v)
{
	char ***lp = (char ***)(void *)((char *)base + o->off);
	size_t *np = (size_t *)(void *)((char *)base + o->off_n);
	char **items, q[72];
	size_t n;

	if (conf_split(p, o, v, false, &items, &n))
		return p->rc;
	for (size_t i = 0; i < n && !p->rc; i++) {
		if (conf_list_item(p, o, items[i]))
			break;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(items[i], items[j]) == 0) {
				conf_err_bad(p, o, p->line,
					     "\"%s\" is listed twice",
					     conf_err_quote(items[i], q));
				break;
			}
		}
	}
	if (p->rc) {
		conf_value_list_free(items, n);
		return p->rc;
	}
	conf_value_list_free(*lp, *np);
	*lp = items;
	*np = n;
	return 0;
}

/* "2022-06-30 120" -> {"at": "2022-06-30", "value": 120}, or with pauses
 * "2022-01-31/2022-02-06 Spring Festival" -> {"from", "to", "reason"}. */
static json_t *conf_jitem(struct conf_parse *p, const struct conf_option *o,
			  char *item)
{
	size_t k = strcspn(item, " \t");
	char *rest = conf_value_trim(item + k), *slash, q[72];
	json_t *obj = json_object(), *num = NULL;
	double d;
	int rc;

	if (!obj)
		goto nomem;
	if (o->type == CONF_T_JMILESTONES) {
		if (item[k] == '\0' || *rest == '\0') {
			conf_err_bad(p, o, p->line,
				     "\"%s\" is not \"DAY VALUE\"",
				     conf_err_quote(item, q));
			goto fail;
		}
		item[k] = '\0';
		rc = conf_number(rest, &d, &num);
		if (rc == PACED_ENOMEM)
			goto nomem;
		if (rc) {
			conf_err_bad(p, o, p->line, "\"%s\" is not a number",
				     conf_err_quote(rest, q));
			goto fail;
		}
		if (json_object_set_new(obj, "at", json_string(item)) ||
		    json_object_set_new(obj, "value", num))
			goto nomem;
		return obj;
	}
	item[k] = '\0';
	slash = strchr(item, '/');
	if (!slash || slash == item || slash[1] == '\0' ||
	    strchr(slash + 1, '/')) {
		conf_err_bad(p, o, p->line, "\"%s\" is not \"FROM/TO\"",
			     conf_err_quote(item, q));
		goto fail;
	}
	*slash = '\0';
	if (json_object_set_new(obj, "from", json_string(item)) ||
	    json_object_set_new(obj, "to", json_string(slash + 1)) ||
	    (*rest && json_object_set_new(obj, "reason", json_string(rest))))
		goto nomem;
	return obj;
nomem:
	conf_nomem(p);
fail:
	json_decref(obj);
	return NULL;
}

/* Project keys become the JSON definition that project.c validates, and
 * their lines go to pr->lines so its messages can say file:line. */
static int conf_set_json(struct conf_parse *p, const struct conf_option *o,
			 struct conf_project *pr, const char *v)
{
	json_t *val = NULL, *obj = pr->def;
	char **items = NULL, lkey[64], q[72];
	size_t n = 0;
	double d;
	int rc;

	switch (o->type) {
	case CONF_T_JSTRING:
		val = json_string(v);
		break;
	case CONF_T_JNUMBER:
	case CONF_T_JTHRESHOLD:
		rc = conf_number(v, &d, &val);
		if (rc == PACED_EINVAL) {
			conf_err_bad(p, o, p->line, "\"%s\" is not a number",
				     conf_err_quote(v, q));
			return p->rc;
		}
		break;
	default:
		if (conf_split(p, o, v, true, &items, &n))
			return p->rc;
		val = json_array();
		for (size_t i = 0; val && i < n && !p->rc; i++) {
			json_t *e = o->type == CONF_T_JTAGS
					    ? json_string(items[i])
					    : conf_jitem(p, o, items[i]);

			if (!e && !p->rc)
				conf_nomem(p);
			if (e && json_array_append_new(val, e))
				conf_nomem(p);
		}
		conf_value_list_free(items, n);
		if (p->rc) {
			json_decref(val);
			return p->rc;
		}
		break;
	}
	if (!val)
		goto nomem;
	if (o->type == CONF_T_JTHRESHOLD) {
		obj = json_object_get(pr->def, "thresholds");
		if (!obj) {
			obj = json_object();
			if (json_object_set_new(pr->def, "thresholds", obj))
				goto nomem_val;
		}
		snprintf(lkey, sizeof(lkey), "thresholds.%s", o->name);
	} else {
		snprintf(lkey, sizeof(lkey), "%s", o->name);
	}
	if (json_object_set_new(obj, o->name, val))
		goto nomem;
	if (json_object_set_new(pr->lines, lkey, json_integer(p->line)))
		goto nomem;
	return 0;
nomem_val:
	json_decref(val);
nomem:
	conf_nomem(p);
	return p->rc;
}

static int conf_set_string(struct conf_parse *p, void *base,
			   const struct conf_option *o, const char *v)
{
	char **sp = (char **)(void *)((char *)base + o->off);
	char *s = strdup(v);

	if (!s) {
		conf_nomem(p);
		return p->rc;
	}
	free(*sp);
	*sp = s;
	return 0;
}

/* Defaults go through here too, which is what keeps them valid. */
int conf_value_set(struct conf_parse *p, const struct conf_option *o,
		   void *base, const char *v)
{
	void *field = (char *)base + o->off;
	char q[72], bound[32];
	enum log_level lvl;
	uint64_t size;
	int64_t ms;
	double d;
	int i;

	switch (o->type) {
	case CONF_T_STRING:
		if (*v == '\0') {
			conf_err_bad(p, o, p->line, "empty value");
			return p->rc;
		}
		return conf_set_string(p, base, o, v);
	case CONF_T_CHOICE:
		if (conf_choice(o->choices, v) < 0) {
			conf_err_bad(p, o, p->line, "\"%s\" is not allowed",
				     conf_err_quote(v, q));
			return p->rc;
		}
		return conf_set_string(p, base, o, v);
	case CONF_T_LOGLEVEL:
		if (log_level_parse(v, &lvl)) {
			conf_err_bad(p, o, p->line, "\"%s\" is not a log level",
				     conf_err_quote(v, q));
			return p->rc;
		}
		return conf_set_string(p, base, o, v);
	case CONF_T_DURABILITY:
		i = conf_choice(o->choices, v);
		if (i < 0) {
			conf_err_bad(p, o, p->line, "\"%s\" is not allowed",
				     conf_err_quote(v, q));
			return p->rc;
		}
		*(enum conf_durability *)field =
			i == 0 ? CONF_DURABILITY_FULL : CONF_DURABILITY_NORMAL;
		return 0;
	case CONF_T_SIZE:
		if (timefmt_parse_size(v, &size)) {
			conf_err_bad(p, o, p->line, "\"%s\" is not a size",
				     conf_err_quote(v, q));
			return p->rc;
		}
		if (size < (uint64_t)o->min || size > (uint64_t)o->max) {
			bool small = size < (uint64_t)o->min;

			conf_err_fmt_size(small ? o->min : o->max, bound,
					  sizeof(bound));
			conf_err_bad(p, o, p->line, "%s is too %s (%s %s)",
				     conf_err_quote(v, q),
				     small ? "small" : "large",
				     small ? "at least" : "at most", bound);
			return p->rc;
		}
		*(uint64_t *)field = size;
		return 0;
	case CONF_T_COUNT:
		if (conf_parse_count(v, &size)) {
			conf_err_bad(p, o, p->line, "\"%s\" is not a whole number",
				     conf_err_quote(v, q));
			return p->rc;
		}
		if (size < (uint64_t)o->min || size > (uint64_t)o->max) {
			bool small = size < (uint64_t)o->min;

			conf_err_bad(p, o, p->line, "%s is too %s (%s %lld)",
				     conf_err_quote(v, q),
				     small ? "small" : "large",
				     small ? "at least" : "at most",
				     (long long)(small ? o->min : o->max));
			return p->rc;
		}
		*(uint64_t *)field = size;
		return 0;
	case CONF_T_DURATION:
		if (timefmt_parse_duration(v, &ms)) {
			conf_err_bad(p, o, p->line, "\"%s\" is not a duration",
				     conf_err_quote(v, q));
			return p->rc;
		}
		if ((ms < o->min && !(ms == 0 && (o->flags & CONF_ZERO))) ||
		    ms > o->max) {
			conf_err_fmt_ms(ms > o->max ? o->max : o->min, bound,
					sizeof(bound));
			conf_err_bad(p, o, p->line, "%s is too %s (%s %s)",
				     conf_err_quote(v, q),
				     ms > o->max ? "long" : "short",
				     ms > o->max ? "at most" : "at least",
				     bound);
			return p->rc;
		}
		*(int64_t *)field = ms;
		return 0;
	case CONF_T_FRACTION:
		if (conf_number(v, &d, NULL) || !(d > 0 && d < 1)) {
			conf_err_bad(p, o, p->line,
				     "\"%s\" is not between 0 and 1",
				     conf_err_quote(v, q));
			return p->rc;
		}
		*(double *)field = d;
		return 0;
	case CONF_T_HTTP_URL:
		if (!conf_url_ok(v, conf_http_schemes)) {
			conf_err_bad(p, o, p->line, "not an http(s) URL");
			return p->rc;
		}
		return conf_set_string(p, base, o, v);
	case CONF_T_CHANNEL_URL:
		if (!conf_url_ok(v, conf_http_schemes) &&
		    !conf_url_ok(v, conf_smtp_schemes)) {
			conf_err_bad(p, o, p->line,
				     "not an http(s) or smtp(s) URL");
			return p->rc;
		}
		return conf_set_string(p, base, o, v);
	case CONF_T_TIMEZONE:
		if (!conf_timezone_ok(v)) {
			conf_err_bad(p, o, p->line, "no such time zone \"%s\"",
				     conf_err_quote(v, q));
			return p->rc;
		}
		return conf_set_string(p, base, o, v);
	case CONF_T_SHA256:
		/* The value is not quoted: it may be the token itself,
		 * pasted by mistake. */
		if (strlen(v) != 64 ||
		    strspn(v, "0123456789abcdefABCDEF") != 64) {
			conf_err_bad(p, o, p->line, "%zu characters, not 64 "
						    "hexadecimal digits",
				     strlen(v));
			return p->rc;
		}
		if (conf_set_string(p, base, o, v))
			return p->rc;
		for (char *c = *(char **)field; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		return 0;
	case CONF_T_LISTEN:
	case CONF_T_EVENTS:
	case CONF_T_TAGS:
	case CONF_T_GLOBS:
	case CONF_T_MOBILES:
	case CONF_T_ADDRS:
	case CONF_T_NAMES:
		return conf_set_list(p, o, base, v);
	case CONF_T_ADDR:
		if (!conf_value_addr_ok(v)) {
			conf_err_bad(p, o, p->line,
				     "\"%s\" is not a mail address",
				     conf_err_quote(v, q));
			return p->rc;
		}
		return conf_set_string(p, base, o, v);
	case CONF_T_RATE:
		return conf_set_rate(p, o, base, v);
	case CONF_T_WEEKDAYS:
		return conf_set_weekdays(p, o, base, v);
	case CONF_T_BOOL:
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on"))
			*(bool *)field = true;
		else if (!strcmp(v, "no") || !strcmp(v, "false") ||
			 !strcmp(v, "off"))
			*(bool *)field = false;
		else
			conf_err_bad(p, o, p->line, "\"%s\" is not yes or no",
				     conf_err_quote(v, q));
		return p->rc;
	case CONF_T_CLOCK: {
		unsigned hh, mm;
		int used = 0;

		if (sscanf(v, "%2u:%2u%n", &hh, &mm, &used) != 2 ||
		    (size_t)used != strlen(v) || strlen(v) != 5 || hh > 23 ||
		    mm > 59) {
			conf_err_bad(p, o, p->line, "\"%s\" is not HH:MM",
				     conf_err_quote(v, q));
			return p->rc;
		}
		*(int *)field = (int)(hh * 60 + mm);
		return 0;
	}
	default:
		return conf_set_json(p, o, base, v);
	}
}
