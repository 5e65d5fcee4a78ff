/*
 * stateflush.h - each project's current value, its `at` and its last
 * arrival, written to the projects rows in one transaction about once a
 * second instead of with every update.
 *
 * Every update is its own row, stored and fsync'd before its 201; the
 * projects row only lets start-up skip reading the updates table. So
 * the row can lag: writing it with every update cost a random page per
 * update (a third of the WAL's pages under load). A batch is the
 * projects touched until it begins; it is written a few rows per
 * transaction, one transaction per loop turn, so that requests are
 * answered in between, and its last transaction records the last update
 * the batch reflects (store_state_mark). Start-up applies the updates
 * after that mark again (stateflush_replay), so a crash loses nothing.
 *
 * Rows written before a crash by an unfinished batch are ahead of the
 * mark; applying the updates after the mark to them again gives the
 * same state. The tracker's rule keeps the update with the latest `at`,
 * the later one of equal `at`s: a maximum over (at, seq), which comes
 * out the same whether or not some of the updates were in the row
 * already, since the replay goes through all of them in order.
 */
#ifndef PACED_STATEFLUSH_H
#define PACED_STATEFLUSH_H

#include <stdint.h>

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

/* Writes every row still waiting now, in one transaction of its own (not
 * inside another): at the stop. 0 or PACED_E*; on failure the rows are
 * kept for the next try. */
int stateflush_run(struct stateflush *f);

/* For /metrics: batches finished, the transactions that wrote them, and
 * the rows written. */
struct stateflush_stats {
	uint64_t batches, transactions, rows;
};
void stateflush_stats(const struct stateflush *f,
		      struct stateflush_stats *out);

/* At start-up, after the projects are loaded: the updates stored after
 * the last batch's mark are applied to the loaded projects, which are
 * then in the next batch. 0 or PACED_E*. */
int stateflush_replay(struct stateflush *f);

/* Writes the batch and frees f (its timer closes on the loop). */
void stateflush_close(struct stateflush *f);

#endif
