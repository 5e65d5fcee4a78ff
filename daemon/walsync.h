/*
 * walsync.h - fdatasync of the database's write-ahead log on a libuv
 * worker thread, so that the event loop keeps serving while the disk
 * flushes what a group commit wrote (group.c, `[storage] sync = thread`).
 * The job touches nothing of SQLite: only a descriptor of its own on the
 * -wal file. The safety argument is in walsync.c.
 */
#ifndef PACED_WALSYNC_H
#define PACED_WALSYNC_H

#include <stdbool.h>
#include <uv.h>

struct walsync;

/* Called on the loop thread once the sync is over: rc 0 when everything
 * written to the -wal file before walsync_start() is on disk, else
 * PACED_EIO. */
typedef void (*walsync_done_fn)(int rc, void *data);

/* wal_path: the -wal file of the open database (copied). 0 or
 * PACED_ENOMEM. */
int walsync_new(struct walsync **out, uv_loop_t *loop, const char *wal_path,
		walsync_done_fn done, void *data);

/* Queues one sync. PACED_EBUSY while one is under way; 0 or PACED_E*
 * (then done is never called for it). */
int walsync_start(struct walsync *w);

/* Whether a sync is under way. */
bool walsync_busy(const struct walsync *w);

/* Waits, on the calling thread, for the sync under way (if any) to be
 * over, and returns its outcome as done will have it: done is still
 * called for it later, on the loop, with the same outcome. A second wait
 * for the same sync returns 0. 0 or PACED_E*. */
int walsync_wait(struct walsync *w);

/* The same sync, done on the calling thread, for the rare commit that
 * cannot wait for the worker (walsync_busy()): first waits for the sync
 * under way (walsync_wait), whose outcome counts too, then syncs with the
 * worker's descriptor. 0 or PACED_E*. */
int walsync_now(struct walsync *w);

/* Frees w now, or once the sync under way is over (done is not called
 * then). */
void walsync_close(struct walsync *w);

#endif
