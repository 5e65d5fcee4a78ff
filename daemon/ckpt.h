/*
 * ckpt.h - the database's write-ahead log checkpoints, run on a libuv
 * worker thread with a connection of their own.
 *
 * Left to SQLite, the COMMIT that takes the WAL past 1000 frames also
 * copies them into the database file and fsyncs it, on the event loop:
 * every request that arrives meanwhile waits several milliseconds, the
 * tail of paced's write latency. Here the store tells after each commit
 * how long the WAL is (store_set_wal_hook), and once enough frames have
 * gathered a worker copies them (a PASSIVE checkpoint: it waits for no
 * reader or writer), while the loop goes on committing. Should the
 * writes never pause, the loop copies what the worker could not, so the
 * WAL stays bounded: the loop's mark (ckpt_marks.behind), plus what is
 * committed while the worker's checkpoint and its catch-up run; twice
 * that mark if the worker's checkpoints keep failing.
 */
#ifndef PACED_CKPT_H
#define PACED_CKPT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct ckpt;
struct store;

/* When checkpoints run, in WAL frames (pages). */
struct ckpt_marks {
	int frames; /* a worker's checkpoint once this many were added */
	int behind; /* past this the loop copies what the worker could not */
};

/* Takes over s's checkpoints, at marks (NULL: paced's, which tests
 * make smaller). *out is NULL (and 0 returned) for a database in
 * memory, which has no WAL. 0 or PACED_E* (the error is logged). */
int ckpt_new(struct ckpt **out, uv_loop_t *loop, struct store *s,
	     const struct ckpt_marks *marks);

/* Gives the checkpoints back to SQLite and frees c now, or once the
 * checkpoint under way is over. The store must outlive the loop's run
 * that finishes it. */
void ckpt_close(struct ckpt *c);

/* Checkpoints done so far: on the worker, and on the loop because the
 * worker had fallen behind. */
struct ckpt_stats {
	uint64_t worker, loop;
};
void ckpt_stats(const struct ckpt *c, struct ckpt_stats *out);

/* Whether a checkpoint is under way on the worker (for tests that wait
 * for it). */
bool ckpt_busy(const struct ckpt *c);

#endif
