/*
 * store_tail.h - the updates whose updates_idx entries are not written
 * yet, kept in memory per project (store_tail.c). Private to the store's
 * files, like store_internal.h.
 *
 * Why: an entry of updates_idx lands on a page of its project's, so
 * writing it with its update costs a 4 KB page in the WAL (and again at the
 * checkpoint) for each update of a commit. Held here for about a second,
 * a project's entries go to its page together, in a later commit.
 *
 * Reads see both: a project's query names the seqs held here (tail_seqs),
 * and the commit that writes entries drops them from here only once it
 * went through. Every update with seq up to index_mark.seq has its entry;
 * store_tail_recover() holds the others again at start-up.
 */
#ifndef PACED_STORE_TAIL_H
#define PACED_STORE_TAIL_H

#include <stdbool.h>
#include <stdint.h>

#include "paced.h"

struct store;
struct store_tail;

struct store_tail *tail_new(void);
void tail_free(struct store_tail *t);

/* An update stored in the open transaction. 0 or PACED_ENOMEM (then the
 * caller fails the item: its row would have no entry). */
int tail_add(struct store_tail *t, const char *project_id, int64_t seq,
	     paced_ms at, double value);

/* The open transaction's savepoints and end, as SQLite's. */
/* tail_savepoint: 0, or -1 past the depth it can undo. */
int tail_savepoint(struct store_tail *t);
void tail_release(struct store_tail *t, bool undo);
void tail_rollback(struct store_tail *t);
void tail_committed(struct store_tail *t);

/* Rows a commit writes beyond what it added: its added work stays small
 * next to its fsync, whatever has piled up. After a second without
 * writes every project's entry is made anew at once and falls due at
 * once; at 256 each commit of the backlog wrote that many rows, the
 * loop's commits at half its rate took several times as long, and the
 * open loop's p99 rose from about 2 ms to 3-6 (bench/RESULTS.md,
 * twenty-ninth session). At 32 the backlog still drains (a second's
 * rows of 1000 projects in under a second) and the commits stay even. */
#define TAIL_FOLD_BUDGET 32

/* Writes the entries that are due (held about a second, or too many held),
 * at most budget rows (all: no limit; else plus the rows this transaction
 * added and any excess held, and at least TAIL_FOLD_IDLE_BUDGET, in
 * store_tail.c, when it added none), into the open transaction, under a
 * savepoint of their own: if SQLite refuses, they stay here and the
 * transaction goes on. all: every entry is due, whatever its age. */
void tail_fold(struct store *s, bool all, long budget);

/* The seqs held for project_id, not yet written in the open transaction,
 * as a JSON array for json_each(), malloc'd, in *seqs; NULL there when
 * none are held (a project's query then needs no list: one lookup tells
 * both). 0, or PACED_ENOMEM. */
int tail_seqs(struct store_tail *t, const char *project_id, char **seqs);

/* Rows held, all projects together. */
int64_t tail_rows(const struct store_tail *t);

/* At open: holds every update after index_mark again, for the next
 * commits to write their entries. 0 or PACED_E*. */
int store_tail_recover(struct store *s);

#endif
