/* main.c - command line, configuration, start-up, signals, shutdown. */
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "backup.h"
#include "chan.h"
#include "ckpt.h"
#include "conf.h"
#include "dbfile.h"
#include "digest.h"
#include "group.h"
#include "http.h"
#include "httpc.h"
#include "load.h"
#include "log.h"
#include "notify.h"
#include "project.h"
#include "registry.h"
#include "reload.h"
#include "retention.h"
#include "sched.h"
#include "stateflush.h"
#include "sdnotify.h"
#include "store.h"
#include "timefmt.h"
#include "token_rate.h"
#include "tracker.h"

/* After SIGTERM, how long requests in progress may take before paced
 * stops anyway (systemd's TimeoutStopSec= is 30 s in paced.service). */
#define STOP_TIMEOUT_MS 10000

struct daemon {
	struct app app;
	uv_loop_t loop;
	struct http_server *http;
	struct httpc *httpc;
	struct digest *digest;
	struct retention *retention;
	uv_signal_t sigterm, sigint, sighup;
	struct sdnotify_watchdog watchdog;
	uv_timer_t stop_timer; /* bounds the stop; armed by SIGTERM */
	bool stopping, forced;
	int exit_code;
};

/* The signal mask main() found, SIGHUP held in the meantime: a reload
 * asked for before run() can take it must not end the start-up. */
static sigset_t mask_before_start;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: paced [-c FILE]              run the daemon\n"
		"       paced check-config [-c FILE]  validate FILE and exit\n"
		"       paced backup [-c FILE] COPY   copy the database, while "
		"paced runs,\n"
		"                                     to the new file COPY\n"
		"       paced token new NAME          print a new access token "
		"and the\n"
		"                                     [token.NAME] block for "
		"it\n"
		"       paced --version\n"
		"Without -c, paced runs on its built-in defaults: listen on\n"
		"127.0.0.1:8080, database ./paced.db.\n");
}


/* A command line paced cannot run: says why, then how it is used. */
static int usage_error(const char *why)
{
	fprintf(stderr, "paced: %s\n", why);
	usage(stderr);
	return 2;
}

/* The line a project's field was given on, for file:line errors. */
static int field_line(const struct conf_project *cp, const char *field)
{
	char base[128];
	size_t n = strcspn(field, "[");
	json_t *line;

	snprintf(base, sizeof(base), "%.*s", (int)n, field);
	line = json_object_get(cp->lines, field);
	if (!line)
		line = json_object_get(cp->lines, base);
	if (!line && strncmp(field, "thresholds.", 11) == 0)
		line = json_object_get(cp->lines, field);
	return line ? (int)json_integer_value(line) : cp->line;
}

/* Whether a listen address can only be reached from this machine. */
static bool listen_is_local(const char *spec)
{
	static const char *const local[] = {"unix:", "127.", "[::1]:",
					    "localhost:"};

	for (size_t i = 0; i < PACED_ARRAY_LEN(local); i++)
		if (strncmp(spec, local[i], strlen(local[i])) == 0)
			return true;
	return false;
}

/* Checks what conf.c leaves to others: channel types this build supports,
 * an open API only on local listeners, and the declared projects'
 * definitions. Needs TZ set. */
static int validate_conf(const struct conf *c, char *err, size_t errlen)
{
	/* With tokens every request is checked (auth.c), so any address
	 * will do; without, the API is open and stays on this machine. */
	for (size_t i = 0; c->n_tokens == 0 && i < c->n_listen; i++) {
		if (!listen_is_local(c->listen[i])) {
			snprintf(err, errlen,
				 "%s: [server] listen: refusing to serve the "
				 "open API on %s: without access tokens paced "
				 "listens only on loopback (127.0.0.1, [::1], "
				 "localhost) or unix: sockets; add a "
				 "[token.NAME] (paced token new NAME) to "
				 "listen elsewhere",
				 c->file, c->listen[i]);
			return PACED_EINVAL;
		}
	}

	for (size_t i = 0; i < c->n_channels; i++) {
		const struct conf_channel *ch = &c->channels[i];

		if (!chan_driver_find(ch->type)) {
			snprintf(err, errlen,
				 "%s:%d: [channel.%s] type: %s channels are not "
				 "supported by this build of paced",
				 c->file, ch->line, ch->name, ch->type);
			return PACED_EINVAL;
		}
	}
	for (size_t i = 0; i < c->n_projects; i++) {
		const struct conf_project *cp = &c->projects[i];
		struct project_def *def;
		struct field_error fe;

		if (project_def_parse(cp->id, cp->def, c->at_risk, c->behind,
				      &def, &fe) < 0) {
			snprintf(err, errlen, "%s:%d: [project.%s] %s: %s",
				 c->file, field_line(cp, fe.field), cp->id,
				 fe.field[0] ? fe.field : "definition",
				 fe.message);
			return PACED_EINVAL;
		}
		project_def_free(def);
	}
	return 0;
}

static int load_conf(const char *path, struct conf **out)
{
	char err[1024];
	int rc;

	if (path) {
		rc = conf_load(path, out, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "paced: %s\n", err);
			return rc;
		}
	} else {
		*out = conf_new_defaults();
		if (!*out) {
			fprintf(stderr, "paced: out of memory\n");
			return PACED_ENOMEM;
		}
	}
	if ((*out)->timezone) {
		setenv("TZ", (*out)->timezone, 1);
	}
	tzset();
	rc = validate_conf(*out, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "paced: %s\n", err);
		conf_free(*out);
		*out = NULL;
	}
	return rc;
}

/* Brings the projects declared in the config file into the database:
 * new ones created, changed ones redefined, removed ones archived (only
 * a project loaded as declared can have been removed: with none, the
 * look at every project is skipped, which a million projects notice). */
static int sync_declared(struct app *app, size_t loaded_declared)
{
	const struct conf *c = app->conf;
	paced_ms now = timefmt_now();
	struct project **all;
	size_t n;
	int rc = 0;

	for (size_t i = 0; i < c->n_projects && rc == 0; i++) {
		const struct conf_project *cp = &c->projects[i];
		struct project_def *def;
		struct project *live = registry_get(app->reg, cp->id), *p;
		struct field_error fe;
		bool created, adopting;

		rc = project_def_parse(cp->id, cp->def, c->at_risk, c->behind,
				       &def, &fe);
		if (rc < 0)
			break;
		if (live && live->declared && project_def_equal(live->def, def)) {
			project_def_free(def);
			continue;
		}
		/* Adopted, not silently: from now on the file manages it
		 * (and archives it when the section goes). Read before the
		 * replace, which frees live. */
		adopting = live && !live->declared;
		rc = tracker_replace(app, def, true, now, &p, &created);
		if (rc == 0 && adopting)
			log_warn("project %s was created through the API; "
				 "%s:%d now declares it: the file's definition "
				 "replaced it and the file manages it from now "
				 "on (its history is kept)",
				 cp->id, c->file, cp->line);
	}
	all = rc == 0 && loaded_declared ? registry_sorted(app->reg, &n) : NULL;
	for (size_t i = 0; all && i < n && rc == 0; i++) {
		bool still = false;

		if (!all[i]->declared)
			continue;
		for (size_t k = 0; k < c->n_projects && !still; k++)
			still = strcmp(c->projects[k].id, all[i]->def->id) == 0;
		if (!still) {
			log_notice("project %s is no longer declared in %s; "
				   "archiving it (its history is kept)",
				   all[i]->def->id, c->file);
			rc = tracker_archive(app, all[i]->def->id, now);
		}
	}
	free(all);
	return rc;
}

/* On SIGHUP any live project may be one the file no longer declares. */
static int resync_declared(struct app *app)
{
	return sync_declared(app, 1);
}

static void on_closed_handle(uv_handle_t *h)
{
	(void)h;
}

/* Every delivery under way has its answer recorded: now the client can
 * go. */
static void on_notify_closed(void *data)
{
	struct daemon *d = data;

	httpc_close(d->httpc, NULL, NULL);
	d->httpc = NULL;
}

static void on_http_closed(void *data)
{
	struct daemon *d = data;

	/* No new attempt starts; those under way finish and their outcome
	 * is recorded (within the stop timeout: what is still under way
	 * then stays pending in the outbox and goes out after the next
	 * start). */
	if (notify_in_flight(d->app.notify))
		log_notice("waiting for %zu deliveries under way",
			   notify_in_flight(d->app.notify));
	/* Every response is out, so the last group is committed. */
	group_close(d->app.group);
	d->app.group = NULL;
	stateflush_close(d->app.stateflush);
	d->app.stateflush = NULL;
	ckpt_close(d->app.ckpt);
	d->app.ckpt = NULL;
	notify_close(d->app.notify, on_notify_closed, d);
	d->app.notify = NULL;
	digest_close(d->digest);
	d->digest = NULL;
	retention_close(d->retention);
	d->retention = NULL;
	sched_close(d->app.sched, NULL, NULL);
	d->app.sched = NULL;
	uv_close((uv_handle_t *)&d->sigterm, on_closed_handle);
	uv_close((uv_handle_t *)&d->sigint, on_closed_handle);
	uv_close((uv_handle_t *)&d->sighup, on_closed_handle);
}

static void on_stop_timeout(uv_timer_t *t)
{
	struct daemon *d = t->data;

	log_warn("requests still in progress %d s after the stop signal; "
		 "stopping anyway", STOP_TIMEOUT_MS / 1000);
	d->forced = true;
	uv_stop(&d->loop);
}

static void on_stop_signal(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;

	if (!d->http)
		return;
	log_notice("received %s; finishing requests in progress and stopping",
		   signum == SIGTERM ? "SIGTERM" : "SIGINT");
	sdnotify_stopping();
	d->app.ready = false;
	d->stopping = true;
	/* Unreferenced: it only bounds the stop, never delays it. */
	uv_timer_init(&d->loop, &d->stop_timer);
	d->stop_timer.data = d;
	uv_timer_start(&d->stop_timer, on_stop_timeout, STOP_TIMEOUT_MS, 0);
	uv_unref((uv_handle_t *)&d->stop_timer);
	http_server_close(d->http, on_http_closed, d);
	d->http = NULL;
}

static void on_hup(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;
	struct reload r = {&d->app, &d->digest, validate_conf,
			    resync_declared};

	(void)signum;
	if (!d->http)
		return; /* stopping */
	/* systemd waits from RELOADING=1 to READY=1: the reload itself
	 * goes between the two. */
	sdnotify_reloading();
	reload_run(&r);
	sdnotify_ready("serving");
}

/* The sockets systemd passed when there are any (and then only those:
 * [server] listen is not used), else every [server] listen address. */
static int listen_all(struct daemon *d, char *err, size_t errlen)
{
	const struct conf *conf = d->app.conf;
	char name[128];
	int n, rc;

	n = sdnotify_listen_fds(err, errlen);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int fd = SDNOTIFY_LISTEN_FDS_START + i;

		sdnotify_fd_name(fd, name, sizeof(name));
		/* The open-API rule of validate_conf(), for these sockets. */
		if (!sdnotify_fd_is_local(fd))
			d->app.public_listener = true;
		if (!sdnotify_fd_is_local(fd) && conf->n_tokens == 0) {
			snprintf(err, errlen,
				 "refusing to serve the open API on %s (passed "
				 "by systemd): without access tokens paced "
				 "listens only on loopback or unix sockets",
				 name);
			return PACED_EINVAL;
		}
		rc = http_server_listen_fd(d->http, fd, err, errlen);
		if (rc < 0)
			return rc;
		log_notice("listening on %s (socket passed by systemd; "
			   "[server] listen not used)", name);
	}
	for (size_t i = 0; n == 0 && i < conf->n_listen; i++) {
		int fd;

		if (!listen_is_local(conf->listen[i]))
			d->app.public_listener = true;
		rc = http_server_listen(d->http, conf->listen[i], err, errlen);
		if (rc < 0)
			return rc;
		/* The text said loopback (validate_conf); what a name
		 * resolved to and got bound is what counts. */
		for (size_t k = 0;
		     (fd = http_server_spec_fd(d->http, i, k)) >= 0; k++) {
			if (sdnotify_fd_is_local(fd))
				continue;
			d->app.public_listener = true;
			if (conf->n_tokens == 0) {
				sdnotify_fd_name(fd, name, sizeof(name));
				snprintf(err, errlen,
					 "refusing to serve the open API on "
					 "%s (listen = %s): without access "
					 "tokens paced listens only on "
					 "loopback or unix sockets",
					 name, conf->listen[i]);
				return PACED_EINVAL;
			}
		}
		if (strncmp(conf->listen[i], "unix:", 5) == 0)
			log_notice("listening on %s", conf->listen[i]);
		else /* the port the kernel gave, for a listen on port 0 */
			log_notice("listening on %s (port %d)",
				   conf->listen[i],
				   http_server_port(d->http, i));
	}
	return 0;
}

/* Takes ownership of conf (app->conf, replaced on reload). */
/* `[storage] sync = thread` matters only where there is an fsync. */
static bool sync_off_loop(const struct conf *conf)
{
	return conf->durability == CONF_DURABILITY_FULL &&
	       strcmp(conf->sync, "thread") == 0;
}

static int run(struct conf *conf)
{
	struct daemon d = {0};
	struct app *app = &d.app;
	struct http_limits limits;
	size_t declared = 0, n_loaded = 0;
	struct project **loaded = NULL;
	unsigned long loaded_as = 0;
	char err[PATH_MAX + 256];
	int lock_fd = -1, rc;

	app->conf = conf;
	app->loop = &d.loop;
	uv_loop_init(&d.loop);
	/* Before anything reads or migrates the file. Held until exit: the
	 * kernel drops it with the process, however that ends. */
	rc = dbfile_lock(conf->db_path, &lock_fd, err, sizeof(err));
	if (rc < 0) {
		log_err("cannot start: %s", err);
		goto out;
	}
	if (err[0])
		log_warn("%s", err);
	rc = store_open(conf->db_path,
			conf->durability == CONF_DURABILITY_FULL
				? STORE_DURABILITY_FULL
				: STORE_DURABILITY_NORMAL,
			&app->store, err, sizeof(err));
	if (rc < 0) {
		char why[PATH_MAX + 128];

		dbfile_explain(conf->db_path, why, sizeof(why));
		log_err("cannot open the database: %s%s%s", err,
			*why ? "; " : "", why);
		goto out;
	}
	if (store_fault(app->store) == PACED_EROFS)
		log_err("the database %s is read-only for this process (uid "
			"%u): reads are served, every write gets 503 and "
			"/readyz says so until it can be written (check the "
			"file's owner and mode)",
			conf->db_path, (unsigned)geteuid());
	/* Definitions are shown from the text in the database. */
	project_def_set_source(store_def_fetch, app->store);
	app->reg = registry_new();
	if (!app->reg) {
		rc = PACED_ENOMEM;
		goto out;
	}
	rc = load_projects(app, &declared, &loaded, &n_loaded);
	loaded_as = registry_changes(app->reg);
	if (rc < 0) {
		log_err("cannot load projects: %s", paced_strerror(rc));
		goto out;
	}
	rc = stateflush_new(&app->stateflush, app);
	if (rc == 0)
		rc = stateflush_replay(app->stateflush);
	if (rc < 0) {
		log_err("cannot bring the projects up to their latest updates: "
			"%s",
			paced_strerror(rc));
		goto out;
	}
	rc = sync_declared(app, declared);
	if (rc < 0 && rc == store_fault(app->store)) {
		/* As for every other write: reads go on, and the file's
		 * projects are taken up by a reload once writes work. */
		log_err("cannot store the declared projects: %s; serving "
			"them as stored until the database takes writes and "
			"paced is reloaded (SIGHUP)",
			paced_strerror(rc));
		rc = 0;
	}
	if (rc < 0) {
		log_err("cannot store the declared projects: %s",
			paced_strerror(rc));
		goto out;
	}
	rc = group_new(&app->group, &d.loop, app->store, sync_off_loop(conf));
	if (rc < 0)
		goto out;
	rc = ckpt_new(&app->ckpt, &d.loop, app->store, NULL);
	if (rc < 0)
		goto out;
	rc = sched_new(&app->sched, &d.loop, tracker_wake, app, NULL);
	if (rc < 0)
		goto out;
	sched_set_run_end(app->sched, tracker_wake_end);
	/* What happened while paced was down is recorded now, once; in the
	 * load's order unless the projects changed since (sync_declared)
	 * or the load gave none. */
	rc = registry_changes(app->reg) == loaded_as &&
		     n_loaded == registry_count(app->reg)
		     ? tracker_start_sorted(app, timefmt_now(), loaded, n_loaded)
		     : tracker_start(app, timefmt_now());
	free(loaded);
	loaded = NULL;
	if (rc < 0) {
		log_err("cannot evaluate the projects at start-up: %s",
			paced_strerror(rc));
		goto out;
	}
	/* Loading left freed memory between the projects (the load's
	 * batches and order, the start-up's settled copies); glibc keeps it
	 * resident unless asked. */
	malloc_trim(0);
	if ((rc = httpc_new(&d.httpc, &d.loop)) < 0 ||
	    (rc = notify_new(&app->notify, &d.loop, app->store, d.httpc,
			     conf)) < 0 ||
	    (rc = digest_start(&d.digest, app)) < 0 ||
	    (rc = retention_start(&d.retention, app)) < 0)
		goto out;
	http_limits_default(&limits);
	limits.max_body = conf->max_body;
	limits.max_header = conf->max_header;
	limits.idle_timeout_ms = (uint64_t)conf->idle_timeout_ms;
	limits.head_timeout_ms = (uint64_t)conf->header_timeout_ms;
	limits.body_timeout_ms = (uint64_t)conf->body_timeout_ms;
	limits.max_connections = (unsigned)conf->max_connections;
	limits.max_requests = (unsigned)conf->max_requests_per_conn;
	rc = http_server_new(&d.http, &d.loop, &limits, api_handle, app);
	if (rc < 0)
		goto out;
	rc = listen_all(&d, err, sizeof(err));
	if (rc < 0) {
		log_err("cannot listen: %s", err);
		goto out;
	}
	uv_signal_init(&d.loop, &d.sigterm);
	uv_signal_init(&d.loop, &d.sigint);
	uv_signal_init(&d.loop, &d.sighup);
	d.sigterm.data = d.sigint.data = d.sighup.data = &d;
	uv_signal_start(&d.sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&d.sigint, on_stop_signal, SIGINT);
	uv_signal_start(&d.sighup, on_hup, SIGHUP);
	/* Held since main() began (a SIGHUP's default is to end the
	 * process): one sent during the start-up reloads now. */
	sigprocmask(SIG_SETMASK, &mask_before_start, NULL);
	signal(SIGPIPE, SIG_IGN);
	app->ready = true;
	log_notice("paced %s ready: %zu projects, database %s (durability "
		   "%s%s)",
		   PACED_VERSION, registry_count(app->reg), conf->db_path,
		   conf->durability == CONF_DURABILITY_FULL ? "full"
							    : "normal",
		   sync_off_loop(conf) ? ", fsync on a worker thread" : "");
	snprintf(err, sizeof(err), "serving %zu projects",
		 registry_count(app->reg));
	sdnotify_ready(err);
	sdnotify_watchdog_start(&d.watchdog, &d.loop);
	/* Deliveries left pending by the previous run resume now. */
	notify_kick(app->notify);
	uv_run(&d.loop, UV_RUN_DEFAULT);
	d.httpc = NULL;
	rc = 0;
	if (d.forced) {
		/* A stuck connection still holds handles and memory: leave
		 * them to the kernel instead of tearing them down half-way.
		 * Every acknowledged write is already committed. */
		store_close(app->store);
		log_notice("stopped (forced)");
		_exit(0);
	}
	sdnotify_watchdog_close(&d.watchdog);
	if (d.stopping)
		uv_close((uv_handle_t *)&d.stop_timer, NULL);
	uv_run(&d.loop, UV_RUN_DEFAULT);
out:
	if (rc < 0) {
		/* Start-up failed: close what was opened, in reverse. */
		if (d.http)
			http_server_close(d.http, NULL, NULL);
		if (app->notify)
			notify_close(app->notify, NULL, NULL);
		digest_close(d.digest);
		retention_close(d.retention);
		if (d.httpc)
			httpc_close(d.httpc, NULL, NULL);
		if (app->sched)
			sched_close(app->sched, NULL, NULL);
		group_close(app->group);
		stateflush_close(app->stateflush);
		ckpt_close(app->ckpt);
		uv_run(&d.loop, UV_RUN_DEFAULT);
	}
	if (uv_loop_close(&d.loop) != 0)
		log_warn("event loop closed with handles still open");
	free(loaded); /* a start-up that failed before using it */
	registry_free(app->reg);
	project_slab_release();
	token_rates_free(app->token_rates);
	free(app->waking);
	project_def_set_source(NULL, NULL);
	store_close(app->store);
	if (lock_fd >= 0)
		close(lock_fd); /* after the database: the next may start */
	conf_free(app->conf);
	if (rc == 0)
		log_notice("stopped");
	return rc < 0 ? 1 : 0;
}

/* paced backup: the configured database, copied online to a new file. */
static int run_backup(const char *conf_path, const char *dst)
{
	struct backup_stats st;
	struct conf *conf = NULL;
	char err[1024];
	int rc;

	if (load_conf(conf_path, &conf) < 0)
		return 1;
	rc = backup_run(conf->db_path, dst, &st, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "paced: backup: %s\n", err);
	else
		printf("%s: copied to %s (%d pages, %d restarts after "
		       "writes, integrity ok)\n",
		       conf->db_path, dst, st.pages, st.restarts);
	conf_free(conf);
	return rc < 0 ? 1 : 0;
}

/* paced token new NAME: the token is shown once and stored nowhere;
 * only its hash goes into the configuration. */
static int run_token_new(const char *name)
{
	char token[AUTH_TOKEN_SIZE], hash[AUTH_HASH_SIZE];

	if (!auth_name_ok(name)) {
		fprintf(stderr,
			"paced: token new: bad name \"%.64s\" (allowed: 1-64 "
			"characters of A-Z a-z 0-9 _ . -)\n",
			name);
		return 2;
	}
	if (auth_token_new(token, hash) < 0) {
		fprintf(stderr, "paced: token new: no random bytes to be "
				"had\n");
		return 1;
	}
	printf("token: %s\n"
	       "\n"
	       "Give the token to its user now: it is not shown again and "
	       "paced keeps\n"
	       "only its hash. Add this block to the configuration (choose "
	       "the role:\n"
	       "reader, reporter or admin; projects: globs of the project "
	       "ids a\n"
	       "reporter may post updates to) and send paced SIGHUP:\n"
	       "\n"
	       "[token.%s]\n"
	       "sha256 = %s\n"
	       "role = reporter\n"
	       "projects = *\n",
	       token, name, hash);
	explicit_bzero(token, sizeof(token));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *conf_path = NULL, *command = NULL;
	struct conf *conf = NULL;
	enum log_level lvl;
	static char *words[8]; /* the command and its arguments */
	char **args = words;
	int opt, nargs = 0;
	sigset_t hup;

	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, &mask_before_start);
	/* Options may stand before or after the command ("paced -c F
	 * check-config" as well as "paced check-config -c F"): with "-"
	 * first, getopt hands over each other word in order, as option 1,
	 * whatever POSIXLY_CORRECT says. */
	while ((opt = getopt_long(argc, argv, "-c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 1:
			if (nargs == (int)PACED_ARRAY_LEN(words))
				return usage_error("too many arguments");
			words[nargs++] = optarg;
			break;
		case 'c': conf_path = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("paced %s\n", PACED_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (nargs > 0) {
		command = args[0];
		args++;
		nargs--;
	}
	if (command && strcmp(command, "token") == 0) {
		if (nargs != 2 || strcmp(args[0], "new") != 0)
			return usage_error("token takes \"new NAME\"");
		return run_token_new(args[1]);
	}
	if (command && strcmp(command, "backup") == 0) {
		if (nargs != 1)
			return usage_error("backup takes one argument, the new "
					   "file to copy the database to");
		return run_backup(conf_path, args[0]);
	}
	if (command && strcmp(command, "check-config") != 0) {
		fprintf(stderr, "paced: unknown command \"%.64s\"\n", command);
		usage(stderr);
		return 2;
	}
	if (nargs > 0) {
		fprintf(stderr, "paced: %s takes no argument (got \"%.64s\")\n",
			command, args[0]);
		usage(stderr);
		return 2;
	}
	if (load_conf(conf_path, &conf) < 0)
		return 1;
	if (command) {
		printf("%s: ok (%zu channels, %zu projects)\n", conf->file,
		       conf->n_channels, conf->n_projects);
		conf_free(conf);
		return 0;
	}
	if (conf->log_level && log_level_parse(conf->log_level, &lvl) == 0)
		log_set_level(lvl);
	/* run() takes conf: a reload may replace it. */
	return run(conf);
}
