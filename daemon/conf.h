/*
 * conf.h - the configuration: one INI file read with inih into struct conf,
 * every option described once in a table (name, type, bounds, default) so
 * parsing, validation and the documented config/paced.conf agree. Errors
 * are "file:line: message". Project sections are collected as JSON
 * definitions for project.c to validate.
 */
#ifndef PACED_CONF_H
#define PACED_CONF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conf_durability { CONF_DURABILITY_FULL, CONF_DURABILITY_NORMAL };

struct conf_channel {
	char *name;   /* from [channel.NAME] */
	char *type;   /* "webhook", "dingtalk", ... (validated against the list
		       * of SPEC section 6) */
	char *url;
	char *secret; /* NULL when absent */
	/* Event filters: short names ("behind", "recovered", ...; a
	 * "project." prefix is accepted and removed). n_events == 0: all. */
	char **events;
	size_t n_events;
	char **tags; /* n_tags == 0: all projects */
	size_t n_tags;
	char *language;      /* NULL: [alerts] language */
	int64_t timeout_ms;  /* per request; default 10 s */
	int64_t max_age_ms;  /* retry until; default 24 h */
	/* `rate = N/PERIOD`: at most rate_n requests in any rate_period_ms.
	 * rate_n == 0: the type's default (chan.h). */
	int rate_n;
	int64_t rate_period_ms;
	/* dingtalk: members to @ by mobile number, or everybody. */
	char **mention_mobiles;
	size_t n_mention_mobiles;
	bool mention_all;
	/* telegram: the chat the bot writes to. */
	char *chat_id;
	/* email: envelope and header addresses, SMTP login (both or
	 * neither). */
	char *mail_from;
	char **mail_to;
	size_t n_mail_to;
	char *username;
	char *password;
	int line;            /* line of the section header */
};

/* [digest]: one overview of every project, sent on a schedule. */
struct conf_digest {
	int at_min;         /* minutes after local midnight; default 9:00 */
	unsigned weekdays;  /* bit 0 = Sunday ... bit 6 = Saturday */
	char **channels;    /* names of [channel.NAME] sections */
	size_t n_channels;
	int line;           /* 0: no [digest] section, no digest */
};

struct conf_token {
	char *name;
	char *sha256; /* 64 lower-case hex digits */
	char *role;   /* "reader" | "reporter" | "admin" */
	char **projects; /* globs; default one "*" */
	size_t n_projects;
	/* `rate = N/PERIOD`: N requests per PERIOD, at most N at once
	 * (token_rate.h); default 6000/1m. */
	int rate_n;
	int64_t rate_period_ms;
	int line;
};

struct conf_project {
	char *id;
	/* The definition as the API would receive it: title, unit, owner,
	 * start, due, curve, report_every, grace as strings; baseline, target
	 * as numbers; tags as an array of strings; milestones as
	 * [{"at","value"}] from "DAY-OR-INSTANT VALUE, …"; pauses as
	 * [{"from","to","reason"}] from "FROM/TO REASON, …"; at_risk and
	 * behind as thresholds {"at_risk","behind"}. Owned. */
	json_t *def;
	/* Field name -> line number (integer), for file:line errors. Owned. */
	json_t *lines;
	int line; /* line of the section header */
};

struct conf {
	char *file; /* the file read, or "(defaults)" */

	/* [server] */
	char **listen; /* default one "127.0.0.1:8080" */
	size_t n_listen;
	char *timezone;           /* NULL: the system's */
	uint64_t max_body;        /* default 1 MiB */
	uint64_t max_header;      /* default 16 KiB */
	int64_t idle_timeout_ms;  /* default 60 s */
	int64_t header_timeout_ms; /* request head due within; default 10 s */
	int64_t body_timeout_ms;   /* request body due within; default 30 s */
	uint64_t max_connections;  /* open at once; default 1024 */
	uint64_t max_requests_per_conn; /* then Connection: close; 1000 */
	char *log_level;          /* default "info" */

	/* [storage] */
	char *db_path; /* default "./paced.db" */
	enum conf_durability durability; /* default full */
	char *sync; /* where full's fsync runs: "loop" (default) | "thread" */
	int64_t keep_updates_ms; /* 0 (default): keep every update */

	/* [alerts] */
	char *language;          /* "zh-CN" (default) | "en" */
	int64_t repeat_every_ms; /* default 24 h; 0 = never */
	double at_risk;          /* default 0.05 */
	double behind;           /* default 0.10; must be >= at_risk */
	char *public_url;        /* NULL when absent */

	struct conf_digest digest;

	struct conf_channel *channels;
	size_t n_channels;
	struct conf_token *tokens;
	size_t n_tokens;
	struct conf_project *projects;
	size_t n_projects;
};

/* The event types without their "project." prefix ("behind", ...),
 * NULL-terminated: a channel's `events` and GET /v1/events?type= take
 * these. */
extern const char *const conf_event_names[];

/* The built-in defaults (what paced runs on without -c). NULL on ENOMEM. */
struct conf *conf_new_defaults(void);

/*
 * Reads and validates path. 0 and *out (owned by the caller), or
 * PACED_EINVAL/PACED_EIO/PACED_ENOMEM with err holding "file:line: what is
 * wrong" (or "file: cannot open: reason"). Unknown sections and keys,
 * duplicate keys, bad values and out-of-bounds numbers are all errors.
 */
int conf_load(const char *path, struct conf **out, char *err, size_t errlen);

void conf_free(struct conf *c);

/* The channel of that name, or NULL. */
const struct conf_channel *conf_channel_find(const struct conf *c,
					     const char *name);

#endif
