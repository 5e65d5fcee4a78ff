/*
 * sched.c - a binary min-heap of (instant, item) entries in a growable
 * array, driving one uv_timer armed for the earliest instant. Each item
 * has a slot (at the same offset in every item, so an entry need not
 * point to it: 16 bytes an entry, a million projects) that holds the
 * entry's index + 1, so moving or removing an entry starts where it is.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "sched.h"
#include "timefmt.h"

#define SCHED_INIT_CAP 64

/*
 * A slot with this bit set names an entry in the due list of the run in
 * progress rather than in the heap. Heap indexes never reach it: the
 * heap does not grow that long (SCHED_MAX_ENTRIES).
 */
#define SCHED_DUE_BIT 0x80000000u
#define SCHED_MAX_ENTRIES (SCHED_DUE_BIT - 1)

struct sched_entry {
	paced_ms at;
	void *item; /* borrowed; NULL in the due list once fired or
		     * cancelled */
};

struct sched {
	uv_timer_t timer;
	sched_fire_fn fire;
	void (*run_end)(void *data);
	void *data;
	paced_ms (*now)(void);
	/* Where each item's slot lies in it: learnt from the first
	 * sched_set(), the same for every item after. */
	ptrdiff_t slot_off;
	bool slot_known;

	struct sched_entry *heap; /* owned; n entries, room for cap */
	size_t n;
	size_t cap;

	/*
	 * What the run in progress took out of the heap, earliest first. It
	 * has the heap's capacity, so a run never allocates: a run that ran
	 * out of memory would leave due entries in the heap and come back at
	 * once, spinning.
	 */
	struct sched_entry *due; /* owned */
	size_t ndue;
	size_t due_pos;	 /* next to fire */
	size_t due_live; /* not yet fired nor cancelled */

	bool armed; /* the timer runs, for armed_at */
	paced_ms armed_at;
	bool running;
	bool in_timer; /* the run is the timer's own callback */
	bool closing;
	void (*done)(void *);
	void *done_data;
};

static void sched_on_timer(uv_timer_t *t);

/* Gives both arrays room for cap entries, keeping the due list as large
 * as the heap. 0 or PACED_ENOMEM; on failure cap is unchanged. */
static int sched_resize(struct sched *s, size_t cap)
{
	struct sched_entry *p;

	if (cap > SCHED_MAX_ENTRIES)
		cap = SCHED_MAX_ENTRIES;
	if (cap <= s->cap)
		return PACED_ENOMEM;
	p = realloc(s->heap, cap * sizeof(*p));
	if (!p)
		return PACED_ENOMEM;
	s->heap = p;
	/* Outside a run the due list holds nothing: a fresh one, not a
	 * copy, so that its pages stay untouched (and out of the RSS)
	 * until a run needs them. */
	if (s->running) {
		p = realloc(s->due, cap * sizeof(*p));
	} else {
		p = malloc(cap * sizeof(*p));
		if (p)
			free(s->due);
	}
	if (!p)
		return PACED_ENOMEM;
	s->due = p;
	s->cap = cap;
	return 0;
}

/* Doubles both arrays. */
static int sched_grow(struct sched *s)
{
	return sched_resize(s, s->cap ? s->cap * 2 : SCHED_INIT_CAP);
}

int sched_reserve(struct sched *s, size_t n)
{
	return n <= s->cap ? 0 : sched_resize(s, n);
}

static uint32_t *sched_slot(const struct sched *s, void *item)
{
	return (uint32_t *)(void *)((char *)item + s->slot_off);
}

static void sched_place(struct sched *s, size_t i, struct sched_entry e)
{
	s->heap[i] = e;
	*sched_slot(s, e.item) = (uint32_t)(i + 1);
}

static void sched_sift_up(struct sched *s, size_t i)
{
	struct sched_entry e = s->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (s->heap[parent].at <= e.at)
			break;
		sched_place(s, i, s->heap[parent]);
		i = parent;
	}
	sched_place(s, i, e);
}

static void sched_sift_down(struct sched *s, size_t i)
{
	struct sched_entry e = s->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= s->n)
			break;
		if (c + 1 < s->n && s->heap[c + 1].at < s->heap[c].at)
			c++;
		if (e.at <= s->heap[c].at)
			break;
		sched_place(s, i, s->heap[c]);
		i = c;
	}
	sched_place(s, i, e);
}

/* Entry i's instant changed: it can only need to go one way. */
static void sched_fix(struct sched *s, size_t i)
{
	if (i > 0 && s->heap[i].at < s->heap[(i - 1) / 2].at)
		sched_sift_up(s, i);
	else
		sched_sift_down(s, i);
}

/* Takes entry i out of the heap; its slot is the caller's to update. */
static void sched_delete(struct sched *s, size_t i)
{
	s->n--;
	if (i < s->n) {
		s->heap[i] = s->heap[s->n];
		sched_fix(s, i);
	}
}

/* A fire callback moved or removed an entry its run has not fired yet. */
static void sched_cancel_due(struct sched *s, uint32_t *slot)
{
	size_t j = *slot & ~SCHED_DUE_BIT;

	assert(s->running && j < s->ndue && s->due[j].item &&
	       sched_slot(s, s->due[j].item) == slot);
	s->due[j].item = NULL;
	s->due_live--;
	*slot = 0;
}

/*
 * Points the timer at the earliest instant. It is left alone while that
 * instant is the one it already waits for, so a burst of sets later than
 * the earliest costs no clock read and no timer call. A run re-arms once,
 * when it ends.
 */
static void sched_arm(struct sched *s)
{
	paced_ms next, now;
	uint64_t wait;

	if (s->running || s->closing)
		return;
	if (s->n == 0) {
		if (s->armed)
			uv_timer_stop(&s->timer);
		s->armed = false;
		return;
	}
	next = s->heap[0].at;
	if (s->armed && next == s->armed_at)
		return;
	now = s->now();
	if (next <= now) {
		/*
		 * libuv 1.44 runs a timer restarted from its own callback
		 * with a zero timeout again at once, in the same pass
		 * (libuv/libuv#4245): a run that left something due would
		 * spin there and starve the loop. A millisecond defers it
		 * past one poll.
		 */
		wait = s->in_timer ? 1 : 0;
	} else {
		/* Unsigned: next - now may not fit an int64_t. */
		wait = (uint64_t)next - (uint64_t)now;
		if (wait > SCHED_MAX_WAIT_MS)
			wait = SCHED_MAX_WAIT_MS;
	}
	/* Fails only on a closing handle, which closing rules out. */
	uv_timer_start(&s->timer, sched_on_timer, wait, 0);
	s->armed = true;
	s->armed_at = next;
}

static void sched_on_timer(uv_timer_t *t)
{
	struct sched *s = t->data;

	s->armed = false;
	s->in_timer = true;
	sched_run_due(s);
	s->in_timer = false;
}

static void sched_on_close(uv_handle_t *h)
{
	struct sched *s = h->data;
	void (*done)(void *) = s->done;
	void *data = s->done_data;

	free(s->heap);
	free(s->due);
	free(s);
	if (done)
		done(data);
}

int sched_new(struct sched **out, uv_loop_t *loop, sched_fire_fn fire,
	      void *data, paced_ms (*now)(void))
{
	struct sched *s;
	int err = PACED_ENOMEM;

	s = calloc(1, sizeof(*s));
	if (!s)
		return PACED_ENOMEM;
	s->fire = fire;
	s->data = data;
	s->now = now ? now : timefmt_now;
	if (sched_grow(s) != 0)
		goto fail;
	/* Last, so that the fail path never has a handle to uv_close(). */
	if (uv_timer_init(loop, &s->timer) != 0) {
		err = PACED_EIO;
		goto fail;
	}
	s->timer.data = s;
	*out = s;
	return 0;

fail:
	free(s->heap);
	free(s->due);
	free(s);
	return err;
}

int sched_set(struct sched *s, void *item, uint32_t *slot, paced_ms at)
{
	size_t i;

	if (at == PACED_NEVER) {
		sched_remove(s, slot);
		return 0;
	}
	if (!s->slot_known) {
		s->slot_off = (char *)slot - (char *)item;
		s->slot_known = true;
	}
	assert(sched_slot(s, item) == slot);
	if (*slot != 0 && !(*slot & SCHED_DUE_BIT)) {
		i = *slot - 1;
		assert(i < s->n && s->heap[i].item == item);
		if (s->heap[i].at == at)
			return 0;
		s->heap[i].at = at;
		sched_fix(s, i);
	} else {
		/* Grown first, so a failure leaves the entry where it was. */
		if (s->n == s->cap && sched_grow(s) != 0)
			return PACED_ENOMEM;
		/* Due in this run but moved by a fire callback: from now on
		 * it is a heap entry like any other, fired by a later run
		 * even if the instant has come already. */
		if (*slot != 0)
			sched_cancel_due(s, slot);
		i = s->n++;
		s->heap[i] = (struct sched_entry){at, item};
		sched_sift_up(s, i);
	}
	sched_arm(s);
	return 0;
}

void sched_remove(struct sched *s, uint32_t *slot)
{
	size_t i;

	if (*slot == 0)
		return;
	if (*slot & SCHED_DUE_BIT) {
		sched_cancel_due(s, slot);
		return;
	}
	i = *slot - 1;
	assert(i < s->n && sched_slot(s, s->heap[i].item) == slot);
	*slot = 0;
	sched_delete(s, i);
	sched_arm(s);
}

size_t sched_count(const struct sched *s)
{
	return s->n + s->due_live;
}

paced_ms sched_next(const struct sched *s)
{
	paced_ms next = s->n ? s->heap[0].at : PACED_NEVER;

	/* During a run the due list is sorted: its first live entry is its
	 * earliest. */
	for (size_t j = s->due_pos; j < s->ndue; j++) {
		if (s->due[j].item) {
			if (s->due[j].at < next)
				next = s->due[j].at;
			break;
		}
	}
	return next;
}

/* Moves every entry due by now from the heap to the due list. */
static void sched_collect(struct sched *s, paced_ms now)
{
	while (s->n > 0 && s->heap[0].at <= now) {
		struct sched_entry e = s->heap[0];

		sched_delete(s, 0);
		*sched_slot(s, e.item) = SCHED_DUE_BIT | (uint32_t)s->ndue;
		s->due[s->ndue++] = e;
	}
	s->due_pos = 0;
	s->due_live = s->ndue;
}

void sched_run_due(struct sched *s)
{
	paced_ms now;
	bool fired;

	/* A fire callback calling this would fire what its own run is
	 * about to; the closing scheduler fires nothing. */
	if (s->running || s->closing)
		return;
	now = s->now();
	s->running = true;
	/*
	 * Everything due is taken out before anything fires, so what a
	 * callback sets at an instant already past waits for the next run
	 * instead of firing again and again in this one.
	 */
	sched_collect(s, now);
	fired = s->ndue > 0;
	while (s->due_pos < s->ndue && !s->closing) {
		/* A copy: a callback that adds entries can move the list. */
		struct sched_entry e = s->due[s->due_pos++];

		if (!e.item)
			continue;
		*sched_slot(s, e.item) = 0;
		s->due_live--;
		s->fire(e.item, e.at, now, s->data);
	}
	s->ndue = s->due_pos = s->due_live = 0;
	s->running = false;
	if (fired && s->run_end && !s->closing)
		s->run_end(s->data);
	sched_arm(s);
}

void sched_set_run_end(struct sched *s, void (*run_end)(void *data))
{
	s->run_end = run_end;
}

void sched_close(struct sched *s, void (*done)(void *), void *data)
{
	s->closing = true;
	s->done = done;
	s->done_data = data;
	uv_close((uv_handle_t *)&s->timer, sched_on_close);
}
