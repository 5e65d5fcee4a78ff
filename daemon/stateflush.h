/*
 * stateflush.h - each project's current value, its `at` and its last
 * arrival, written to the projects rows in one transaction about once a
 * second instead of with every update.
 *
 * Every update is its own row, stored and fsync'd before its 201; the
 * projects row only lets start-up skip reading the updates table. So
 * the row can lag: writing it with every update cost a random page per
 * update (a third of the WAL's pages under load). The batch records the
 * last update it reflects (store_state_mark), and start-up applies the
 * updates after that mark again (stateflush_replay), so a crash loses
 * nothing.
 */
#ifndef PACED_STATEFLUSH_H
#define PACED_STATEFLUSH_H

#include <uv.h>

struct app;
struct project;
struct stateflush;

/* 0 or PACED_ENOMEM. */
int stateflush_new(struct stateflush **out, struct app *app);

/* p's current value or arrival changed (in a transaction that may still
 * be open): its row is written with the next batch. p is the state the
 * project will have; the mark is kept in it (state_dirty). 0 or
 * PACED_ENOMEM (then the row is written at once, the caller's
 * transaction being open). */
int stateflush_touch(struct stateflush *f, struct project *p);

/* Writes the batch now, in a transaction of its own (not inside
 * another). 0 or PACED_E*; on failure the batch is kept for the next
 * try, which its timer makes after a second, then less often, up to a
 * minute apart, while the database refuses it. With no batch but updates' index entries held (store_tail.h),
 * it commits an empty transaction, which writes those that are due; its
 * timer comes back for the rest. */
int stateflush_run(struct stateflush *f);

/* At start-up, after the projects are loaded: the updates stored after
 * the last batch's mark are applied to the loaded projects, which are
 * then in the next batch. 0 or PACED_E*. */
int stateflush_replay(struct stateflush *f);

/* Writes the batch and frees f (its timer closes on the loop). */
void stateflush_close(struct stateflush *f);

#endif
