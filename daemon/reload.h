/*
 * reload.h - SIGHUP: reads the configuration file again, checks it as
 * start-up does, and swaps it in where it is borrowed (app, notify, the
 * digest schedule), then applies it: declared projects, thresholds,
 * channels, log level. Settings that need a restart keep their running
 * values. A file that fails the checks changes nothing.
 */
#ifndef PACED_RELOAD_H
#define PACED_RELOAD_H

#include <stddef.h>

#include "app.h"
#include "conf.h"
#include "digest.h"

struct reload {
	struct app *app;          /* borrowed; app->conf is replaced */
	struct digest **digest;   /* borrowed slot: restarted or closed */
	/* The checks main.c runs after conf_load at start-up, so both
	 * paths refuse the same files. 0, or PACED_E* with err set. */
	int (*check)(const struct conf *c, char *err, size_t errlen);
	/* Brings the declared projects of app->conf into the database. */
	int (*sync_declared)(struct app *app);
};

/*
 * Reloads app->conf->file. 0 when the new configuration is in force;
 * PACED_E* when it was refused (the error, file:line, is logged and the
 * running configuration is untouched) or when applying it failed part
 * way (logged; the new configuration stays in force).
 */
int reload_run(struct reload *r);

/* Puts into `next` the running values of the settings that need a
 * restart (listen, storage path, durability, timezone, HTTP limits),
 * logging a warning for each one that differs. */
void reload_keep_restart_only(struct conf *next, struct conf *running);

#endif
