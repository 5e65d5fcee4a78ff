/*
 * app.h - the running daemon's parts, owned by main.c and borrowed by the
 * modules that serve requests: one loop, one configuration, one database,
 * the live projects, the delivery worker.
 */
#ifndef PACED_APP_H
#define PACED_APP_H

#include <stdbool.h>
#include <uv.h>

#include "paced.h"

struct conf;
struct store;
struct registry;
struct notify;
struct sched;
struct project;
struct token_rates;
struct group;
struct ckpt;
struct stateflush;

struct app {
	uv_loop_t *loop;
	struct conf *conf;       /* replaced on reload */
	struct store *store;
	/* The loop turn's group commit (group.h); NULL: every write
	 * commits alone. */
	struct group *group;
	/* The WAL's checkpoints, off the loop (ckpt.h); NULL: SQLite's,
	 * inside the COMMIT. */
	struct ckpt *ckpt;
	/* The projects rows' current values, written in batches
	 * (stateflush.h); NULL: with each update. */
	struct stateflush *stateflush;
	struct registry *reg;
	struct notify *notify;
	struct sched *sched;     /* NULL: no time-driven checks */
	struct project **waking; /* due in the scheduler's current run */
	size_t n_waking, cap_waking;
	bool ready;              /* migrations ran and listeners are bound */
	/* Some listener is reachable from other machines: a reload may
	 * not remove the last [token.*] (the API would be open). */
	bool public_listener;
	/* Each token's request rate; made on the first request that needs
	 * it, kept across reloads. */
	struct token_rates *token_rates;
	/* The cutoff of the last pruning of old updates (retention.c): a
	 * forecast cache may still hold what was deleted before it, so it
	 * answers only for windows from there on. 0: none. */
	paced_ms updates_pruned_before;
};

#endif
