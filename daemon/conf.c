/*
 * conf.c - the INI configuration. conf_options[] is the one table of
 * options, so what is parsed, what is checked and what is the default
 * cannot drift apart. This file owns the table, the sections and their
 * cross-key checks, and struct conf; conf_read.c feeds it lines through
 * inih, conf_value.c checks and converts values, conf_err.c words errors.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conf_internal.h"
#include "fmt_webhook.h"

#define CONF_NAME_MAX 64

static const char *const conf_sec_names[] = {
	"", "server", "storage", "alerts", "channel", "token", "project",
	"digest",
};
static const char *const conf_log_levels[] = {
	"err", "warning", "notice", "info", "debug", NULL,
};
static const char *const conf_durabilities[] = {"full", "normal", NULL};
static const char *const conf_syncs[] = {"loop", "thread", NULL};
static const char *const conf_languages[] = {"zh-CN", "en", NULL};
static const char *const conf_channel_types[] = {
	"webhook", "dingtalk", "wecom",    "feishu", "slack",
	"discord", "teams",    "telegram", "email",  "alertmanager",
	NULL,
};
const char *const conf_event_names[] = {
	"at_risk", "behind", "overdue", "done", "recovered",
	"stale",   "resumed", "reminder", NULL,
};
static const char *const conf_roles[] = {"reader", "reporter", "admin", NULL};

#define S_(f) offsetof(struct conf, f)
#define CH_(f) offsetof(struct conf_channel, f)
#define TK_(f) offsetof(struct conf_token, f)
#define DG_(f) offsetof(struct conf, digest.f)
#define PROJECT_KEY(name, type) {CONF_SEC_PROJECT, name, type, NULL, 0, 0, \
				 NULL, 0, 0, 0}

static const struct conf_option conf_options[] = {
	{CONF_SEC_SERVER, "listen", CONF_T_LISTEN, "127.0.0.1:8080", 0, 0,
	 NULL, S_(listen), S_(n_listen), 0},
	{CONF_SEC_SERVER, "timezone", CONF_T_TIMEZONE, NULL, 0, 0, NULL,
	 S_(timezone), 0, 0},
	{CONF_SEC_SERVER, "max_body", CONF_T_SIZE, "1m", KIB, GIB, NULL,
	 S_(max_body), 0, 0},
	{CONF_SEC_SERVER, "max_header", CONF_T_SIZE, "16k", KIB, MIB, NULL,
	 S_(max_header), 0, 0},
	{CONF_SEC_SERVER, "idle_timeout", CONF_T_DURATION, "60s", SEC, HOUR,
	 NULL, S_(idle_timeout_ms), 0, 0},
	{CONF_SEC_SERVER, "header_timeout", CONF_T_DURATION, "10s", SEC, HOUR,
	 NULL, S_(header_timeout_ms), 0, 0},
	{CONF_SEC_SERVER, "body_timeout", CONF_T_DURATION, "30s", SEC, HOUR,
	 NULL, S_(body_timeout_ms), 0, 0},
	{CONF_SEC_SERVER, "max_connections", CONF_T_COUNT, "1024", 1, 1000000,
	 NULL, S_(max_connections), 0, 0},
	{CONF_SEC_SERVER, "max_requests_per_connection", CONF_T_COUNT, "1000",
	 1, 1000000000, NULL, S_(max_requests_per_conn), 0, 0},
	{CONF_SEC_SERVER, "log_level", CONF_T_LOGLEVEL, "info", 0, 0,
	 conf_log_levels, S_(log_level), 0, 0},

	{CONF_SEC_STORAGE, "path", CONF_T_STRING, "./paced.db", 0, 0, NULL,
	 S_(db_path), 0, 0},
	{CONF_SEC_STORAGE, "durability", CONF_T_DURABILITY, "full", 0, 0,
	 conf_durabilities, S_(durability), 0, 0},
	{CONF_SEC_STORAGE, "sync", CONF_T_CHOICE, "loop", 0, 0, conf_syncs,
	 S_(sync), 0, 0},
	{CONF_SEC_STORAGE, "keep_updates", CONF_T_DURATION, "0", 30 * DAY,
	 100 * 365 * DAY, NULL, S_(keep_updates_ms), 0, CONF_ZERO},

	{CONF_SEC_ALERTS, "language", CONF_T_CHOICE, "zh-CN", 0, 0,
	 conf_languages, S_(language), 0, 0},
	{CONF_SEC_ALERTS, "repeat_every", CONF_T_DURATION, "24h", SEC,
	 365 * DAY, NULL, S_(repeat_every_ms), 0, CONF_ZERO},
	{CONF_SEC_ALERTS, "at_risk", CONF_T_FRACTION, "0.05", 0, 0, NULL,
	 S_(at_risk), 0, 0},
	{CONF_SEC_ALERTS, "behind", CONF_T_FRACTION, "0.10", 0, 0, NULL,
	 S_(behind), 0, 0},
	{CONF_SEC_ALERTS, "public_url", CONF_T_HTTP_URL, NULL, 0, 0, NULL,
	 S_(public_url), 0, 0},

	{CONF_SEC_CHANNEL, "type", CONF_T_CHOICE, NULL, 0, 0,
	 conf_channel_types, CH_(type), 0, CONF_REQUIRED},
	{CONF_SEC_CHANNEL, "url", CONF_T_CHANNEL_URL, NULL, 0, 0, NULL,
	 CH_(url), 0, CONF_REQUIRED | CONF_SECRET},
	{CONF_SEC_CHANNEL, "secret", CONF_T_STRING, NULL, 0, 0, NULL,
	 CH_(secret), 0, CONF_SECRET},
	{CONF_SEC_CHANNEL, "events", CONF_T_EVENTS, NULL, 0, 0, conf_event_names,
	 CH_(events), CH_(n_events), 0},
	{CONF_SEC_CHANNEL, "tags", CONF_T_TAGS, NULL, 0, 0, NULL, CH_(tags),
	 CH_(n_tags), 0},
	{CONF_SEC_CHANNEL, "language", CONF_T_CHOICE, NULL, 0, 0,
	 conf_languages, CH_(language), 0, 0},
	{CONF_SEC_CHANNEL, "timeout", CONF_T_DURATION, "10s", SEC, 10 * MIN,
	 NULL, CH_(timeout_ms), 0, 0},
	{CONF_SEC_CHANNEL, "max_age", CONF_T_DURATION, "24h", SEC, 30 * DAY,
	 NULL, CH_(max_age_ms), 0, 0},
	{CONF_SEC_CHANNEL, "rate", CONF_T_RATE, NULL, 1, 10000, NULL,
	 CH_(rate_n), CH_(rate_period_ms), 0},
	{CONF_SEC_CHANNEL, "mention_mobiles", CONF_T_MOBILES, NULL, 0, 0, NULL,
	 CH_(mention_mobiles), CH_(n_mention_mobiles), 0},
	{CONF_SEC_CHANNEL, "mention_all", CONF_T_BOOL, "no", 0, 0, NULL,
	 CH_(mention_all), 0, 0},
	{CONF_SEC_CHANNEL, "chat_id", CONF_T_STRING, NULL, 0, 0, NULL,
	 CH_(chat_id), 0, 0},
	{CONF_SEC_CHANNEL, "from", CONF_T_ADDR, NULL, 0, 0, NULL,
	 CH_(mail_from), 0, 0},
	{CONF_SEC_CHANNEL, "to", CONF_T_ADDRS, NULL, 0, 0, NULL, CH_(mail_to),
	 CH_(n_mail_to), 0},
	{CONF_SEC_CHANNEL, "username", CONF_T_STRING, NULL, 0, 0, NULL,
	 CH_(username), 0, 0},
	{CONF_SEC_CHANNEL, "password", CONF_T_STRING, NULL, 0, 0, NULL,
	 CH_(password), 0, CONF_SECRET},

	{CONF_SEC_TOKEN, "sha256", CONF_T_SHA256, NULL, 0, 0, NULL,
	 TK_(sha256), 0, CONF_REQUIRED | CONF_SECRET},
	{CONF_SEC_TOKEN, "role", CONF_T_CHOICE, NULL, 0, 0, conf_roles,
	 TK_(role), 0, CONF_REQUIRED},
	{CONF_SEC_TOKEN, "projects", CONF_T_GLOBS, "*", 0, 0, NULL,
	 TK_(projects), TK_(n_projects), 0},
	{CONF_SEC_TOKEN, "rate", CONF_T_RATE, "6000/1m", 1, 1000000, NULL,
	 TK_(rate_n), TK_(rate_period_ms), 0},

	{CONF_SEC_DIGEST, "at", CONF_T_CLOCK, "09:00", 0, 0, NULL,
	 DG_(at_min), 0, 0},
	{CONF_SEC_DIGEST, "every", CONF_T_WEEKDAYS, "day", 0, 0, NULL,
	 DG_(weekdays), 0, 0},
	{CONF_SEC_DIGEST, "channels", CONF_T_NAMES, NULL, 0, 0, NULL,
	 DG_(channels), DG_(n_channels), CONF_REQUIRED},

	PROJECT_KEY("title", CONF_T_JSTRING),
	PROJECT_KEY("unit", CONF_T_JSTRING),
	PROJECT_KEY("owner", CONF_T_JSTRING),
	PROJECT_KEY("baseline", CONF_T_JNUMBER),
	PROJECT_KEY("target", CONF_T_JNUMBER),
	PROJECT_KEY("start", CONF_T_JSTRING),
	PROJECT_KEY("due", CONF_T_JSTRING),
	PROJECT_KEY("curve", CONF_T_JSTRING),
	PROJECT_KEY("milestones", CONF_T_JMILESTONES),
	PROJECT_KEY("pauses", CONF_T_JPAUSES),
	PROJECT_KEY("at_risk", CONF_T_JTHRESHOLD),
	PROJECT_KEY("behind", CONF_T_JTHRESHOLD),
	PROJECT_KEY("report_every", CONF_T_JSTRING),
	PROJECT_KEY("grace", CONF_T_JSTRING),
	PROJECT_KEY("repeat_every", CONF_T_JSTRING),
	PROJECT_KEY("tags", CONF_T_JTAGS),
};

_Static_assert(PACED_ARRAY_LEN(conf_options) == CONF_N_OPTIONS,
	       "CONF_N_OPTIONS in conf_internal.h must count conf_options[]");

static int conf_apply_defaults(struct conf_parse *p, enum conf_sec sec,
			       void *base)
{
	for (size_t i = 0; i < CONF_N_OPTIONS && !p->rc; i++)
		if (conf_options[i].sec == sec && conf_options[i].def)
			conf_value_set(p, &conf_options[i], base,
				       conf_options[i].def);
	return p->rc;
}

/* Frees what the options of sec own in base. */
static void conf_free_fields(enum conf_sec sec, void *base)
{
	for (size_t i = 0; i < CONF_N_OPTIONS; i++) {
		const struct conf_option *o = &conf_options[i];
		char *field = (char *)base + o->off;

		if (o->sec != sec)
			continue;
		switch (o->type) {
		case CONF_T_STRING:
		case CONF_T_CHOICE:
		case CONF_T_LOGLEVEL:
		case CONF_T_HTTP_URL:
		case CONF_T_CHANNEL_URL:
		case CONF_T_TIMEZONE:
		case CONF_T_SHA256:
		case CONF_T_ADDR:
			free(*(char **)(void *)field);
			break;
		case CONF_T_LISTEN:
		case CONF_T_EVENTS:
		case CONF_T_TAGS:
		case CONF_T_GLOBS:
		case CONF_T_MOBILES:
		case CONF_T_ADDRS:
		case CONF_T_NAMES:
			conf_value_list_free(*(char ***)(void *)field,
					     *(size_t *)(void *)((char *)base +
								 o->off_n));
			break;
		default:
			break;
		}
	}
}

static const struct conf_option *conf_find_option(enum conf_sec sec,
						  const char *name)
{
	for (size_t i = 0; i < CONF_N_OPTIONS; i++)
		if (conf_options[i].sec == sec &&
		    strcmp(conf_options[i].name, name) == 0)
			return &conf_options[i];
	return NULL;
}

static int conf_seen(const struct conf_parse *p, const char *name)
{
	return p->seen[conf_find_option(p->sec, name) - conf_options];
}

static void *conf_base(struct conf_parse *p)
{
	switch (p->sec) {
	case CONF_SEC_CHANNEL:
		return &p->c->channels[p->cur];
	case CONF_SEC_TOKEN:
		return &p->c->tokens[p->cur];
	case CONF_SEC_PROJECT:
		return &p->c->projects[p->cur];
	default:
		return p->c;
	}
}

static void conf_alerts_end(struct conf_parse *p)
{
	const struct conf *c = p->c;
	int lr = conf_seen(p, "at_risk"), lb = conf_seen(p, "behind");

	if (c->behind >= c->at_risk)
		return;
	/* The later of the two lines is the one that made them disagree. */
	if (lb >= lr)
		conf_fail(p, lb,
			  "[alerts] behind: %g is less than at_risk %g%s "
			  "(allowed: a number from at_risk to 1)",
			  c->behind, c->at_risk, lr ? "" : " (the default)");
	else
		conf_fail(p, lr,
			  "[alerts] at_risk: %g is greater than behind %g%s "
			  "(allowed: a number from 0 to behind)",
			  c->at_risk, c->behind, lb ? "" : " (the default)");
}

/* Keys that only some channel types read: given to another type they
 * would be silently ignored, which hides a mistake. */
static const struct {
	const char *key;
	const char *types; /* ", "-separated, for the message too */
} conf_channel_only[] = {
	{"secret", "webhook, dingtalk, feishu"},
	{"mention_mobiles", "dingtalk"},
	{"mention_all", "dingtalk"},
	{"chat_id", "telegram"},
	{"from", "email"},
	{"to", "email"},
	{"username", "email"},
	{"password", "email"},
};

static bool conf_type_in(const char *type, const char *types)
{
	size_t n = strlen(type);

	for (const char *s = types; (s = strstr(s, type)); s += n)
		if ((s == types || s[-1] == ' ') && (s[n] == ',' || !s[n]))
			return true;
	return false;
}

static void conf_channel_end(struct conf_parse *p)
{
	const struct conf_channel *ch = &p->c->channels[p->cur];
	bool email = strcmp(ch->type, "email") == 0;

	if (email != conf_value_smtp_url(ch->url))
		conf_fail(p, conf_seen(p, "url"),
			  "[%s] url: type %s needs %s URL (allowed: %s)",
			  p->sec_name, ch->type,
			  email ? "an smtp:// or smtps://"
				: "an http:// or https://",
			  email ? "smtp://HOST[:PORT] or smtps://HOST[:PORT]"
				: "http://… or https://…");
	if (p->rc)
		return;
	for (size_t i = 0; i < PACED_ARRAY_LEN(conf_channel_only); i++) {
		int line = conf_seen(p, conf_channel_only[i].key);

		if (line && !conf_type_in(ch->type, conf_channel_only[i].types)) {
			conf_fail(p, line,
				  "[%s] %s: type %s does not use it (allowed: "
				  "only with type %s)",
				  p->sec_name, conf_channel_only[i].key,
				  ch->type, conf_channel_only[i].types);
			return;
		}
	}
	if (strcmp(ch->type, "webhook") == 0 && ch->secret &&
	    !fmt_webhook_secret_ok(ch->secret)) {
		conf_fail(p, conf_seen(p, "secret"),
			  "[%s] secret: not a Standard Webhooks key: it "
			  "could sign nothing (allowed: the key in base64, 1 "
			  "to 256 bytes, usually after whsec_; e.g. whsec_ "
			  "followed by the output of openssl rand -base64 32)",
			  p->sec_name);
		return;
	}
	if (strcmp(ch->type, "telegram") == 0 && !ch->chat_id) {
		conf_fail(p, p->sec_line,
			  "[%s] chat_id: missing; type telegram needs it "
			  "(allowed: the chat's id, e.g. -1001234567890)",
			  p->sec_name);
		return;
	}
	if (email && (!ch->mail_from || !ch->n_mail_to)) {
		conf_fail(p, p->sec_line,
			  "[%s] %s: missing; type email needs from and to "
			  "(allowed: mail addresses, to comma separated)",
			  p->sec_name, ch->mail_from ? "to" : "from");
		return;
	}
	if (!ch->username != !ch->password) {
		conf_fail(p, conf_seen(p, ch->username ? "username" : "password"),
			  "[%s] %s: given without %s (allowed: both or "
			  "neither)",
			  p->sec_name, ch->username ? "username" : "password",
			  ch->username ? "password" : "username");
		return;
	}
}

static void conf_token_end(struct conf_parse *p)
{
	const struct conf_token *t = &p->c->tokens[p->cur];

	/* Two names for one token would make the role a coin toss. */
	for (size_t i = 0; i < p->cur; i++) {
		const struct conf_token *o = &p->c->tokens[i];

		if (strcmp(o->sha256, t->sha256) == 0) {
			conf_fail(p, conf_seen(p, "sha256"),
				  "[%s] sha256: same as [token.%s] at line %d "
				  "(allowed: a different hash for each token)",
				  p->sec_name, o->name, o->line);
			return;
		}
	}
}

/* Checks that need the whole section: required keys, keys that depend on
 * each other. */
static void conf_section_end(struct conf_parse *p)
{
	char allowed[256];

	for (size_t i = 0; i < CONF_N_OPTIONS && !p->rc; i++) {
		const struct conf_option *o = &conf_options[i];

		if (o->sec != p->sec || !(o->flags & CONF_REQUIRED) ||
		    p->seen[i])
			continue;
		conf_err_allowed(o, allowed, sizeof(allowed));
		conf_fail(p, p->sec_line,
			  "[%s] %s: missing; every [%s.NAME] needs it "
			  "(allowed: %s)",
			  p->sec_name, o->name, conf_sec_names[p->sec],
			  allowed);
	}
	if (p->rc)
		return;
	if (p->sec == CONF_SEC_ALERTS)
		conf_alerts_end(p);
	else if (p->sec == CONF_SEC_CHANNEL)
		conf_channel_end(p);
	else if (p->sec == CONF_SEC_TOKEN)
		conf_token_end(p);
	else if (p->sec == CONF_SEC_DIGEST)
		p->digest_channels_line = conf_seen(p, "channels");
}

/* Checks across sections, once the whole file is read: the digest's
 * channels must exist (they may come after [digest]) and carry text. */
static void conf_file_end(struct conf_parse *p)
{
	const struct conf_digest *d = &p->c->digest;

	for (size_t i = 0; d->line && i < d->n_channels && !p->rc; i++) {
		const struct conf_channel *ch =
			conf_channel_find(p->c, d->channels[i]);

		if (!ch)
			conf_fail(p, p->digest_channels_line,
				  "[digest] channels: no [channel.%s] "
				  "(allowed: names of [channel.NAME] "
				  "sections)",
				  d->channels[i]);
		else if (strcmp(ch->type, "alertmanager") == 0)
			conf_fail(p, p->digest_channels_line,
				  "[digest] channels: %s is an alertmanager "
				  "channel, which carries alerts, not a digest "
				  "(allowed: channels of any other type)",
				  d->channels[i]);
	}
}

static bool conf_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= CONF_NAME_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == n;
}

/* ^[a-z0-9][a-z0-9._-]{0,63}$ */
static bool conf_project_id_ok(const char *s)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = strlen(s);

	return n >= 1 && n <= 64 && strchr(alnum, s[0]) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* Line of an earlier [channel|token|project.name], or 0. */
static int conf_named_line(const struct conf *c, enum conf_sec sec,
			   const char *name)
{
	for (size_t i = 0; sec == CONF_SEC_CHANNEL && i < c->n_channels; i++)
		if (strcmp(c->channels[i].name, name) == 0)
			return c->channels[i].line;
	for (size_t i = 0; sec == CONF_SEC_TOKEN && i < c->n_tokens; i++)
		if (strcmp(c->tokens[i].name, name) == 0)
			return c->tokens[i].line;
	for (size_t i = 0; sec == CONF_SEC_PROJECT && i < c->n_projects; i++)
		if (strcmp(c->projects[i].id, name) == 0)
			return c->projects[i].line;
	return 0;
}

/* Appends a zeroed channel, token or project; its index goes to p->cur. */
static void *conf_add(struct conf_parse *p, void **arr, size_t *n,
		      size_t size)
{
	char *a = realloc(*arr, (*n + 1) * size);

	if (!a) {
		conf_nomem(p);
		return NULL;
	}
	*arr = a;
	memset(a + *n * size, 0, size);
	p->cur = (*n)++;
	return a + p->cur * size;
}

void conf_section_begin(struct conf_parse *p, const char *name)
{
	static const char *const prefixes[] = {"channel.", "token.",
					       "project."};
	enum conf_sec sec = CONF_SEC_NONE;
	struct conf *c = p->c;
	const char *sub = NULL;
	int *first = NULL, earlier = 0;
	char q[72];

	if (p->sec != CONF_SEC_NONE)
		conf_section_end(p);
	if (p->rc)
		return;
	if (strcmp(name, "server") == 0) {
		sec = CONF_SEC_SERVER;
		first = &p->server_line;
	} else if (strcmp(name, "storage") == 0) {
		sec = CONF_SEC_STORAGE;
		first = &p->storage_line;
	} else if (strcmp(name, "alerts") == 0) {
		sec = CONF_SEC_ALERTS;
		first = &p->alerts_line;
	} else if (strcmp(name, "digest") == 0) {
		sec = CONF_SEC_DIGEST;
		first = &p->digest_line;
	}
	for (size_t i = 0; !first && i < PACED_ARRAY_LEN(prefixes); i++) {
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0) {
			sec = (enum conf_sec)(CONF_SEC_CHANNEL + (int)i);
			sub = name + strlen(prefixes[i]);
		}
	}
	if (sec == CONF_SEC_NONE) {
		conf_fail(p, p->line,
			  "[%s]: unknown section (allowed: [server], "
			  "[storage], [alerts], [digest], [channel.NAME], "
			  "[token.NAME], [project.ID])",
			  conf_err_quote(name, q));
		return;
	}
	if (sec == CONF_SEC_PROJECT && !conf_project_id_ok(sub)) {
		conf_fail(p, p->line,
			  "[%s]: bad project id (allowed: 1-64 characters of "
			  "a-z 0-9 . _ -, the first a-z or 0-9)",
			  conf_err_quote(name, q));
		return;
	}
	if (sub && sec != CONF_SEC_PROJECT && !conf_name_ok(sub)) {
		conf_fail(p, p->line,
			  "[%s]: bad %s name (allowed: 1-64 characters of "
			  "A-Z a-z 0-9 _ . -)",
			  conf_err_quote(name, q), conf_sec_names[sec]);
		return;
	}
	earlier = first ? *first : conf_named_line(c, sec, sub);
	if (earlier) {
		conf_fail(p, p->line,
			  "[%s]: section given twice (first at line %d; "
			  "allowed: once)",
			  name, earlier);
		return;
	}
	p->sec = sec;
	snprintf(p->sec_name, sizeof(p->sec_name), "%s", name);
	p->sec_line = p->line;
	memset(p->seen, 0, sizeof(p->seen));
	if (first) {
		*first = p->line;
		if (sec == CONF_SEC_DIGEST)
			c->digest.line = p->line;
	} else if (sec == CONF_SEC_CHANNEL) {
		struct conf_channel *ch = conf_add(
			p, (void **)&c->channels, &c->n_channels, sizeof(*ch));

		if (ch) {
			ch->line = p->line;
			if (!(ch->name = strdup(sub)))
				conf_nomem(p);
			conf_apply_defaults(p, sec, ch);
		}
	} else if (sec == CONF_SEC_TOKEN) {
		struct conf_token *t = conf_add(p, (void **)&c->tokens,
						&c->n_tokens, sizeof(*t));

		if (t) {
			t->line = p->line;
			if (!(t->name = strdup(sub)))
				conf_nomem(p);
			conf_apply_defaults(p, sec, t);
		}
	} else {
		struct conf_project *pr = conf_add(
			p, (void **)&c->projects, &c->n_projects, sizeof(*pr));

		if (pr) {
			pr->line = p->line;
			pr->id = strdup(sub);
			pr->def = json_object();
			pr->lines = json_object();
			if (!pr->id || !pr->def || !pr->lines)
				conf_nomem(p);
		}
	}
}

int conf_key(struct conf_parse *p, const char *name, const char *value)
{
	const struct conf_option *o = conf_find_option(p->sec, name);
	char allowed[512] = "", q[72];

	if (!o) {
		for (size_t i = 0; i < CONF_N_OPTIONS; i++) {
			if (conf_options[i].sec != p->sec)
				continue;
			if (allowed[0])
				conf_err_cat(allowed, sizeof(allowed), ", ");
			conf_err_cat(allowed, sizeof(allowed),
				     conf_options[i].name);
		}
		/* inih also splits at ':', so "listen 127.0.0.1:80" comes
		 * here as the key "listen 127.0.0.1". */
		conf_fail(p, p->line, "[%s] %s: unknown key%s (allowed: %s)",
			  p->sec_name, conf_err_quote(name, q),
			  strpbrk(name, " \t") ? ", or \"=\" is missing" : "",
			  allowed);
		return p->rc;
	}
	if (p->seen[o - conf_options]) {
		conf_fail(p, p->line,
			  "[%s] %s: given twice (first at line %d; allowed: "
			  "once per section)",
			  p->sec_name, o->name, p->seen[o - conf_options]);
		return p->rc;
	}
	p->seen[o - conf_options] = p->line;
	return conf_value_set(p, o, conf_base(p), value);
}

/* A struct conf holding the defaults of the table, or NULL (p->rc). */
static struct conf *conf_alloc(struct conf_parse *p, const char *file)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (!c || !(c->file = strdup(file))) {
		free(c);
		conf_nomem(p);
		return NULL;
	}
	p->c = c;
	conf_apply_defaults(p, CONF_SEC_SERVER, c);
	conf_apply_defaults(p, CONF_SEC_STORAGE, c);
	conf_apply_defaults(p, CONF_SEC_ALERTS, c);
	conf_apply_defaults(p, CONF_SEC_DIGEST, c);
	if (p->rc) {
		conf_free(c);
		p->c = NULL;
		return NULL;
	}
	return c;
}

struct conf *conf_new_defaults(void)
{
	struct conf_parse p;

	memset(&p, 0, sizeof(p));
	p.file = "(defaults)";
	return conf_alloc(&p, p.file);
}

int conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct conf_parse p;
	char *buf = NULL;

	memset(&p, 0, sizeof(p));
	p.file = path;
	p.err = err;
	p.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	*out = NULL;
	if (conf_read_file(&p, path, &buf, &p.len))
		return p.rc;
	p.buf = buf;
	if (conf_alloc(&p, path) && !conf_read_parse(&p))
		conf_section_end(&p);
	if (!p.rc)
		conf_file_end(&p);
	free(buf);
	if (p.rc) {
		conf_free(p.c);
		return p.rc;
	}
	*out = p.c;
	return 0;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	conf_free_fields(CONF_SEC_SERVER, c);
	conf_free_fields(CONF_SEC_STORAGE, c);
	conf_free_fields(CONF_SEC_ALERTS, c);
	conf_free_fields(CONF_SEC_DIGEST, c);
	for (size_t i = 0; i < c->n_channels; i++) {
		conf_free_fields(CONF_SEC_CHANNEL, &c->channels[i]);
		free(c->channels[i].name);
	}
	for (size_t i = 0; i < c->n_tokens; i++) {
		conf_free_fields(CONF_SEC_TOKEN, &c->tokens[i]);
		free(c->tokens[i].name);
	}
	for (size_t i = 0; i < c->n_projects; i++) {
		free(c->projects[i].id);
		json_decref(c->projects[i].def);
		json_decref(c->projects[i].lines);
	}
	free(c->channels);
	free(c->tokens);
	free(c->projects);
	free(c->file);
	free(c);
}

const struct conf_channel *conf_channel_find(const struct conf *c,
					     const char *name)
{
	for (size_t i = 0; i < c->n_channels; i++)
		if (strcmp(c->channels[i].name, name) == 0)
			return &c->channels[i];
	return NULL;
}
