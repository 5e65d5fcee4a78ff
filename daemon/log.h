/*
 * log.h - one line per event on stderr, each prefixed with a syslog priority
 * "<N>" that journald understands. Never pass a token or secret to these.
 */
#ifndef PACED_LOG_H
#define PACED_LOG_H

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7
};

/* Messages above this priority number are dropped (default INFO). */
void log_set_level(enum log_level max);
/* Parses "err", "warning", "notice", "info", "debug"; 0 or PACED_EINVAL. */
int log_level_parse(const char *name, enum log_level *out);

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
