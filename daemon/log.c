/* log.c - stderr logging with syslog priority prefixes for journald. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "paced.h"

static enum log_level max_level = LOG_LVL_INFO;

void log_set_level(enum log_level max)
{
	max_level = max;
}

int log_level_parse(const char *name, enum log_level *out)
{
	static const struct {
		const char *name;
		enum log_level lvl;
	} names[] = {
		{"err", LOG_LVL_ERR},       {"error", LOG_LVL_ERR},
		{"warning", LOG_LVL_WARNING}, {"notice", LOG_LVL_NOTICE},
		{"info", LOG_LVL_INFO},     {"debug", LOG_LVL_DEBUG},
	};
	for (size_t i = 0; i < PACED_ARRAY_LEN(names); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].lvl;
			return 0;
		}
	}
	return PACED_EINVAL;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	if (lvl > max_level)
		return;
	n = snprintf(line, sizeof(line), "<%d>", (int)lvl);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so concurrent writers never interleave a line;
	 * newlines inside a message would split it into two journal entries. */
	for (char *p = line + n; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "%s\n", line);
}
