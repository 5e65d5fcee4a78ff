/*
 * group.h - group commit. Every write that arrives in one turn of the
 * event loop joins one transaction, committed (one fsync) when the loop
 * has served all the sockets that were ready and then, polling without
 * waiting, those that became ready meanwhile (up to four more turns, and
 * never more than one empty poll when nothing comes), just before it
 * waits again. What must wait for that commit - the responses that acknowledge
 * the writes, the in-memory state to put back should it fail - registers
 * a callback with group_defer(). Any other transaction (store_begin())
 * first commits the group, so nothing outside it ever interleaves.
 * Owns one uv_check_t and one uv_idle_t; borrows the store.
 */
#ifndef PACED_GROUP_H
#define PACED_GROUP_H

#include <stdbool.h>
#include <uv.h>

struct group;
struct store;

/* Called once the group is committed (rc 0: durable) or rolled back (rc
 * the store's PACED_E*, e.g. PACED_ENOSPC). */
typedef void (*group_done_fn)(int rc, void *data);

/* off_loop (`[storage] sync = thread`, with durability full): the
 * group's COMMIT writes the WAL without syncing it, and a libuv worker
 * fdatasyncs it while the loop serves on (walsync.c); the callbacks run
 * once that is done. Writes that arrive meanwhile form the next group,
 * committed when the sync is over. 0 or PACED_ENOMEM. */
int group_new(struct group **out, uv_loop_t *loop, struct store *s,
	      bool off_loop);

/* Commits what is open (running its callbacks), then frees g once its
 * handle is closed; g may not be used after this call. */
void group_close(struct group *g);

/* Joins the group: its transaction opens if this is the first write of
 * the turn, then a savepoint for this write alone. 0 or PACED_E*. A
 * group whose transaction SQLite has rolled back meanwhile (a full disk,
 * an I/O error) fails first, its callbacks told so; writes that do not
 * join a group take a transaction of their own (store_begin()), which
 * commits the group first, so no failure of theirs can take it back. */
int group_enter(struct group *g);

/* Ends the write group_enter() began: kept in the group when rc is 0,
 * undone alone (the rest of the group stays) otherwise. Returns rc, or
 * the store's error when keeping it failed. */
int group_leave(struct group *g, int rc);

/* Whether writes are waiting for the group's commit. */
bool group_is_open(const struct group *g);

/* Runs fn(rc, data) after the commit, in the order registered. Without
 * an open group it runs at once with rc 0. 0 or PACED_ENOMEM (then fn
 * never runs). */
int group_defer(struct group *g, group_done_fn fn, void *data);

/* Commits now, durably (with the sync off the loop, a sync under way or
 * not, this one syncs on the calling thread), and runs the callbacks. 0
 * or the store's PACED_E*. */
int group_commit(struct group *g);

/* Which group is open: a number that grows by one with every commit, so
 * a participant can tell whether it has already joined this one. Off the
 * loop, callbacks of at most one earlier group are still to run while a
 * group is open, and that group's turn is this one's less one: the
 * parity tells the two apart. */
unsigned long long group_turn(const struct group *g);

/* Writes and commits so far, for /metrics and the benchmark. */
void group_stats(const struct group *g, unsigned long long *writes,
		 unsigned long long *commits);

#endif
