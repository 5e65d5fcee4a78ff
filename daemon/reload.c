/*
 * reload.c - SIGHUP. The new file is read and checked completely before
 * anything changes; then one swap of the conf pointer, and the parts
 * that keep state of their own (the digest timer, the declared projects
 * in the database, each project's status and wake-up) are brought in
 * line with it.
 */
#include "reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify.h"
#include "project.h"
#include "registry.h"
#include "timefmt.h"
#include "tracker.h"

#define SWAP(type, a, b)                                                     \
	do {                                                                 \
		type tmp_ = (a);                                             \
		(a) = (b);                                                   \
		(b) = tmp_;                                                  \
	} while (0)

static bool str_differs(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}

static bool listen_differs(const struct conf *a, const struct conf *b)
{
	if (a->n_listen != b->n_listen)
		return true;
	for (size_t i = 0; i < a->n_listen; i++)
		if (strcmp(a->listen[i], b->listen[i]) != 0)
			return true;
	return false;
}

static void restart_only(const struct conf *next, const char *key)
{
	log_warn("%s: %s changed, but takes effect only when paced is "
		 "restarted; the running value stays",
		 next->file, key);
}

/* Pointers are swapped rather than copied: each struct conf keeps owning
 * what it will free, and the old one is freed whole afterwards. */
void reload_keep_restart_only(struct conf *next, struct conf *running)
{
	if (listen_differs(next, running))
		restart_only(next, "[server] listen");
	SWAP(char **, next->listen, running->listen);
	SWAP(size_t, next->n_listen, running->n_listen);

	if (str_differs(next->timezone, running->timezone))
		restart_only(next, "[server] timezone");
	SWAP(char *, next->timezone, running->timezone);

	if (next->max_body != running->max_body)
		restart_only(next, "[server] max_body");
	next->max_body = running->max_body;
	if (next->max_header != running->max_header)
		restart_only(next, "[server] max_header");
	next->max_header = running->max_header;
	if (next->idle_timeout_ms != running->idle_timeout_ms)
		restart_only(next, "[server] idle_timeout");
	next->idle_timeout_ms = running->idle_timeout_ms;
#define KEEP_RUNNING(f, key)                      \
	do {                                      \
		if (next->f != running->f)        \
			restart_only(next, key);  \
		next->f = running->f;             \
	} while (0)
	KEEP_RUNNING(header_timeout_ms, "[server] header_timeout");
	KEEP_RUNNING(body_timeout_ms, "[server] body_timeout");
	KEEP_RUNNING(max_connections, "[server] max_connections");
	KEEP_RUNNING(max_requests_per_conn,
		     "[server] max_requests_per_connection");
#undef KEEP_RUNNING

	if (str_differs(next->db_path, running->db_path))
		restart_only(next, "[storage] path");
	SWAP(char *, next->db_path, running->db_path);
	if (next->durability != running->durability)
		restart_only(next, "[storage] durability");
	next->durability = running->durability;
	if (str_differs(next->sync, running->sync))
		restart_only(next, "[storage] sync");
	SWAP(char *, next->sync, running->sync);
}

/*
 * New default thresholds must still make sense for the projects that
 * rely on them: a project of the API with its own at_risk above the new
 * default behind would otherwise be served with behind < at_risk (and
 * refused at the next start). Declared projects are checked with the
 * file itself.
 */
static int check_live_projects(struct app *app, const struct conf *next,
			       char *err, size_t errlen)
{
	size_t n = 0;
	struct project **all = registry_sorted(app->reg, &n);
	int rc = 0;

	if (!all) {
		snprintf(err, errlen, "out of memory");
		return PACED_ENOMEM;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct field_error fe;

		if (all[i]->declared)
			continue;
		/* Only the thresholds depend on the defaults: the rest of
		 * the definition was checked when it was stored. */
		rc = project_def_check_thresholds(all[i]->def, next->at_risk,
						  next->behind, &fe);
		if (rc < 0)
			snprintf(err, errlen,
				 "%s: [alerts] at_risk/behind: project %s "
				 "(created through the API) would then be "
				 "invalid: %s",
				 next->file, all[i]->def->id, fe.message);
	}
	free(all);
	return rc;
}

/* One line per channel that comes or goes, for the operator. */
static void log_channel_changes(const struct conf *old,
				const struct conf *next)
{
	for (size_t i = 0; i < next->n_channels; i++)
		if (!conf_channel_find(old, next->channels[i].name))
			log_notice("channel %s added: it gets the events from "
				   "now on",
				   next->channels[i].name);
	for (size_t i = 0; i < old->n_channels; i++)
		if (!conf_channel_find(next, old->channels[i].name))
			log_notice("channel %s removed: its pending deliveries "
				   "are given up",
				   old->channels[i].name);
}

int reload_run(struct reload *r)
{
	struct app *app = r->app;
	struct conf *old = app->conf, *next = NULL;
	enum log_level lvl;
	char err[1024];
	int rc, rc2;

	if (strcmp(old->file, "(defaults)") == 0) {
		log_warn("SIGHUP: paced runs on its built-in defaults (no -c "
			 "FILE): nothing to reload");
		rc = 0;
		goto out;
	}
	log_notice("SIGHUP: reloading %s", old->file);
	rc = conf_load(old->file, &next, err, sizeof(err));
	if (rc == 0)
		rc = r->check(next, err, sizeof(err));
	if (rc == 0 && next->n_tokens == 0 && app->public_listener) {
		snprintf(err, sizeof(err),
			 "%s: no [token.*] left, but paced listens on an "
			 "address other machines reach: the API would be "
			 "open to them",
			 next->file);
		rc = PACED_EINVAL;
	}
	if (rc == 0)
		rc = check_live_projects(app, next, err, sizeof(err));
	if (rc < 0) {
		log_err("reload refused, the running configuration stays: %s",
			err);
		conf_free(next);
		goto out;
	}
	reload_keep_restart_only(next, old);
	log_channel_changes(old, next);

	/* Nothing else holds the old struct: notify's attempts under way
	 * keep their channel's name and settings copied, digests waiting
	 * for a channel keep its name, and requests run synchronously. */
	app->conf = next;
	if (app->notify)
		notify_set_conf(app->notify, next);
	if (next->log_level && log_level_parse(next->log_level, &lvl) == 0)
		log_set_level(lvl);
	rc = digest_reconfigure(r->digest, app);
	if (rc < 0)
		log_err("reload: cannot restart the digest schedule: %s",
			paced_strerror(rc));
	rc2 = r->sync_declared(app);
	if (rc2 < 0) {
		log_err("reload: cannot store the declared projects (%s); "
			"send SIGHUP again to retry",
			paced_strerror(rc2));
		rc = rc2;
	}
	/* New thresholds or [alerts] settings: every project is looked at
	 * once now, its status events recorded, its next wake-up moved. */
	rc2 = tracker_start(app, timefmt_now());
	if (rc2 < 0)
		rc = rc2;
	/* Deliveries for a channel that is gone end now, as dead. */
	if (app->notify)
		notify_kick(app->notify);
	conf_free(old);
	log_notice("configuration reloaded from %s: %zu channels, %zu "
		   "tokens, %zu declared projects",
		   next->file, next->n_channels, next->n_tokens,
		   next->n_projects);
out:
	return rc;
}
