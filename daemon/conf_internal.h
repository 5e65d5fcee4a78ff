/*
 * conf_internal.h - what the conf*.c files share: the option table's types,
 * the parser state and the "file:line: ..." error helpers. Private to
 * conf.c, conf_err.c, conf_read.c and conf_value.c; everyone else uses
 * conf.h.
 */
#ifndef PACED_CONF_INTERNAL_H
#define PACED_CONF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "paced.h"

#define CONF_ZONEINFO "/usr/share/zoneinfo/"

/* Units of the bounds in conf_options[]: bytes and milliseconds. */
#define KIB 1024LL
#define MIB (1024LL * 1024)
#define GIB (1024LL * 1024 * 1024)
#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

enum conf_sec {
	CONF_SEC_NONE,
	CONF_SEC_SERVER,
	CONF_SEC_STORAGE,
	CONF_SEC_ALERTS,
	CONF_SEC_CHANNEL,
	CONF_SEC_TOKEN,
	CONF_SEC_PROJECT,
	CONF_SEC_DIGEST
};

enum conf_type {
	CONF_T_STRING,      /* char *, not empty */
	CONF_T_CHOICE,      /* char *, one of choices */
	CONF_T_LOGLEVEL,    /* char *, as log_level_parse() reads it */
	CONF_T_DURABILITY,  /* enum conf_durability, from choices */
	CONF_T_SIZE,        /* uint64_t bytes in [min, max] */
	CONF_T_DURATION,    /* int64_t ms in [min, max] (0 with CONF_ZERO) */
	CONF_T_COUNT,       /* uint64_t, a decimal integer in [min, max] */
	CONF_T_FRACTION,    /* double in (0, 1) */
	CONF_T_HTTP_URL,    /* char *, http(s):// */
	CONF_T_CHANNEL_URL, /* char *, http(s):// or smtp(s):// */
	CONF_T_TIMEZONE,    /* char *, "UTC" or a TZif file in zoneinfo */
	CONF_T_SHA256,      /* char *, 64 lower-case hex digits */
	CONF_T_LISTEN,      /* lists: char ** at off, size_t at off_n */
	CONF_T_EVENTS,
	CONF_T_TAGS,
	CONF_T_GLOBS,
	CONF_T_MOBILES,     /* lists of phone numbers, */
	CONF_T_ADDRS,       /* of mail addresses, */
	CONF_T_NAMES,       /* of [channel.NAME] names */
	CONF_T_ADDR,        /* char *, one mail address */
	CONF_T_RATE,        /* "N/PERIOD": int at off, int64_t ms at off_n */
	CONF_T_BOOL,        /* bool: yes|no|true|false|on|off */
	CONF_T_CLOCK,       /* int minutes after midnight from "HH:MM" */
	CONF_T_WEEKDAYS,    /* unsigned mask from "day" or "mon, thu, …" */
	CONF_T_JSTRING,     /* project: into def as JSON */
	CONF_T_JNUMBER,
	CONF_T_JTAGS,
	CONF_T_JMILESTONES,
	CONF_T_JPAUSES,
	CONF_T_JTHRESHOLD   /* def.thresholds.<name> */
};

#define CONF_REQUIRED 1u /* the section is an error without it */
#define CONF_ZERO 2u     /* a duration of 0 is allowed (never) */
#define CONF_SECRET 4u   /* never quote the value in a message */

struct conf_option {
	enum conf_sec sec;
	const char *name;
	enum conf_type type;
	const char *def; /* the default as config text, or NULL */
	int64_t min, max;
	const char *const *choices;
	size_t off, off_n;
	unsigned flags;
};

/* The number of entries of conf_options[] in conf.c, which checks it, so
 * that struct conf_parse can keep a line per option. */
#define CONF_N_OPTIONS 58

struct conf_parse {
	struct conf *c;
	const char *file;
	/* The whole file. inih asks conf_read.c for one physical line
	 * at a time, so its line count and ours are the same. */
	const char *buf;
	size_t len, pos;
	int line;
	enum conf_sec sec;
	char sec_name[80]; /* "channel.ops", as written */
	int sec_line;
	size_t cur; /* the channel, token or project being read */
	int seen[CONF_N_OPTIONS]; /* line of each key in this section */
	int server_line, storage_line, alerts_line, digest_line;
	int digest_channels_line; /* [digest] channels, checked at the end */
	int rc; /* the first error; later ones are not reported */
	char *err;
	size_t errlen;
};

/* conf.c: the table and the sections. */

/* Starts the section "[name]" (as written, without the brackets), ending
 * the one before. */
void conf_section_begin(struct conf_parse *p, const char *name);

/* One "name = value" line of the current section. 0 or p->rc. */
int conf_key(struct conf_parse *p, const char *name, const char *value);

/* conf_err.c: messages. Only the first error of a parse is kept. */

/* Records rc and "FILE:LINE: " (or "FILE: " when line is 0) + fmt. */
__attribute__((format(printf, 4, 5))) void
conf_err(struct conf_parse *p, int rc, int line, const char *fmt, ...);

#define conf_fail(p, line, ...) conf_err(p, PACED_EINVAL, line, __VA_ARGS__)
#define conf_nomem(p) conf_err(p, PACED_ENOMEM, 0, "out of memory")

/* "FILE:LINE: [section] key: what is wrong (allowed: ...)". */
__attribute__((format(printf, 4, 5))) void
conf_err_bad(struct conf_parse *p, const struct conf_option *o, int line,
	     const char *fmt, ...);

/* What a key accepts, for "(allowed: ...)" in messages. */
void conf_err_allowed(const struct conf_option *o, char *b, size_t n);

/* Appends s to the string in b (size n), cutting at n. */
void conf_err_cat(char *b, size_t n, const char *s);

/* A value as shown in messages: at most 60 bytes, cut on a character. */
const char *conf_err_quote(const char *v, char out[72]);

/* Bytes as "1m", milliseconds as "24h": the largest exact unit. */
void conf_err_fmt_size(int64_t v, char *b, size_t n);
void conf_err_fmt_ms(int64_t v, char *b, size_t n);

/* conf_read.c: the file, line by line, through inih. */

/* Reads path whole into *out (owned by the caller, NUL-terminated). 0 or
 * p->rc. */
int conf_read_file(struct conf_parse *p, const char *path, char **out,
		   size_t *out_len);

/* Feeds p->buf to inih, which calls conf_section_begin and conf_key.
 * 0 or p->rc. */
int conf_read_parse(struct conf_parse *p);

/* conf_value.c: checking and converting values. */

/* Parses v as option o into base (the struct conf, conf_channel,
 * conf_token or conf_project the option belongs to). 0 or p->rc. */
int conf_value_set(struct conf_parse *p, const struct conf_option *o,
		   void *base, const char *v);

/* Whether v is an smtp:// or smtps:// URL. */
bool conf_value_smtp_url(const char *v);

/* Whether s looks like a mail address (local@domain.tld, no spaces or
 * header specials). */
bool conf_value_addr_ok(const char *s);

/* Frees a list as conf_value_set makes them. */
void conf_value_list_free(char **a, size_t n);

/* Cuts the spaces at the end of s; returns s after those at the start. */
char *conf_value_trim(char *s);

#endif
