/*
 * sched.h - when each project next needs a look: a min-heap of instants
 * (one entry per project at most) driving a single uv_timer. Nothing
 * scans all projects; setting, moving or removing one entry is
 * O(log n). Instants are wall-clock (paced_ms) while libuv timers run on
 * the monotonic clock, so a wait is never armed for more than a minute:
 * a wall-clock step (NTP, suspend) is noticed within that time and the
 * timer re-armed from the wall clock.
 */
#ifndef PACED_SCHED_H
#define PACED_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "paced.h"

struct sched;

/* Called for an entry whose instant has come (wall clock >= at). The entry
 * has already been removed; the callback usually sets the next one. */
typedef void (*sched_fire_fn)(void *item, paced_ms at, paced_ms now,
			      void *data);

/* Longest single wait, so wall-clock steps are caught. */
#define SCHED_MAX_WAIT_MS 60000

/* `now` gives the wall clock (NULL: the real one; tests pass their own).
 * 0 or PACED_ENOMEM. */
int sched_new(struct sched **out, uv_loop_t *loop, sched_fire_fn fire,
	      void *data, paced_ms (*now)(void));

/*
 * Schedules `item` (borrowed; any pointer, compared by identity) at `at`,
 * replacing its earlier entry if any. at == PACED_NEVER removes it.
 * `slot` is storage the caller keeps with the item (initialised to 0) in
 * which the scheduler records the item's place in the heap, which makes
 * moving and removing O(log n) without a search. It must lie at the same
 * offset in every item of one scheduler (the entries do not keep it).
 * At most 2^31 - 1 entries. 0 or PACED_ENOMEM.
 */
int sched_set(struct sched *s, void *item, uint32_t *slot, paced_ms at);

/* Makes room for n entries at once (start-up schedules every project),
 * so the heap is not grown and copied step by step. 0 or PACED_ENOMEM. */
int sched_reserve(struct sched *s, size_t n);

/* Removes item's entry, if any (same as at == PACED_NEVER). */
void sched_remove(struct sched *s, uint32_t *slot);

/* Entries held; the earliest instant (PACED_NEVER when empty). */
size_t sched_count(const struct sched *s);
paced_ms sched_next(const struct sched *s);

/* After a run that fired entries, calls run_end(data) (the data of
 * sched_new), outside the run, so the fire callbacks can only collect
 * and the work for all of them is done together. */
void sched_set_run_end(struct sched *s, void (*run_end)(void *data));

/* Fires every entry due by now, then re-arms (what the timer does; for
 * start-up and tests). */
void sched_run_due(struct sched *s);

/* Stops the timer and frees s once its handle is closed; done(data) then.
 * Items are not touched. */
void sched_close(struct sched *s, void (*done)(void *), void *data);

#endif
