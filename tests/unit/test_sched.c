/*
 * test_sched.c - the scheduler against a naive reference (random sets,
 * moves and removals of thousands of items, drained in order), its slot
 * bookkeeping, fire callbacks that set, move, remove or close, the timer
 * it arms (read back from the loop's handles) and a real loop on the real
 * clock.
 * Most tests use a fake clock: a variable the test moves by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "paced.h"
#include "sched.h"
#include "timefmt.h"

/* ---- fake clock, items, fire log ---------------------------------------- */

static paced_ms fake_now;
static unsigned long clock_calls;

static paced_ms fake_clock(void)
{
	clock_calls++;
	return fake_now;
}

enum action {
	ACT_NONE,
	ACT_SET_SELF,	  /* sched_set(self, now + arg) */
	ACT_REMOVE_OTHER, /* sched_remove(other), then free(other) */
	ACT_MOVE_OTHER,	  /* sched_set(other, arg) */
	ACT_CLOSE	  /* sched_close() */
};

struct titem {
	uint32_t slot;
	paced_ms at; /* the reference: PACED_NEVER when not scheduled */
	int id;
	enum action action;
	struct titem *other;
	paced_ms arg;
};

struct fired {
	struct titem *item;
	int id;
	paced_ms at;
	paced_ms now;
	size_t slot;  /* the item's slot when its callback ran */
	size_t count; /* sched_count() then */
};

struct fx {
	uv_loop_t loop;
	struct sched *s;
	bool closed; /* sched_close() called */
	int done;    /* its done callback ran */
	struct fired *log;
	size_t nlog;
	size_t caplog;
};

static void fx_log(struct fx *f, struct titem *it, paced_ms at, paced_ms now)
{
	if (f->nlog == f->caplog) {
		size_t cap = f->caplog ? f->caplog * 2 : 256;
		struct fired *p = realloc(f->log, cap * sizeof(*p));

		assert_non_null(p);
		f->log = p;
		f->caplog = cap;
	}
	f->log[f->nlog++] =
	    (struct fired){it, it->id, at, now, it->slot, sched_count(f->s)};
}

static void on_done(void *data)
{
	struct fx *f = data;

	f->done++;
}

static void on_fire(void *item, paced_ms at, paced_ms now, void *data)
{
	struct fx *f = data;
	struct titem *it = item;

	fx_log(f, it, at, now);
	it->at = PACED_NEVER;
	switch (it->action) {
	case ACT_NONE: break;
	case ACT_SET_SELF:
		it->at = now + it->arg;
		assert_int_equal(sched_set(f->s, it, &it->slot, it->at), 0);
		break;
	case ACT_REMOVE_OTHER:
		sched_remove(f->s, &it->other->slot);
		assert_int_equal(it->other->slot, 0);
		free(it->other);
		it->other = NULL;
		break;
	case ACT_MOVE_OTHER:
		it->other->at = it->arg;
		assert_int_equal(
		    sched_set(f->s, it->other, &it->other->slot, it->arg), 0);
		break;
	case ACT_CLOSE:
		sched_close(f->s, on_done, f);
		f->closed = true;
		break;
	}
}

static void fx_open(struct fx *f, paced_ms (*now)(void))
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(uv_loop_init(&f->loop), 0);
	assert_int_equal(sched_new(&f->s, &f->loop, on_fire, f, now), 0);
	fake_now = 0;
	clock_calls = 0;
}

/* Closes the scheduler (unless a callback did) and checks that nothing is
 * left on the loop. */
static void fx_close(struct fx *f)
{
	if (!f->closed) {
		sched_close(f->s, on_done, f);
		f->closed = true;
		assert_int_equal(f->done, 0); /* only from the callback */
	}
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(f->done, 1);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	free(f->log);
}

static void set(struct fx *f, struct titem *it, paced_ms at)
{
	assert_int_equal(sched_set(f->s, it, &it->slot, at), 0);
	it->at = at;
}

static void find_timer(uv_handle_t *h, void *arg)
{
	uv_timer_t **out = arg;

	if (h->type == UV_TIMER) {
		assert_null(*out); /* the scheduler's is the only one */
		*out = (uv_timer_t *)h;
	}
}

/* The scheduler's timer, read through the loop (the scheduler keeps it to
 * itself): its wait, exact while the loop's time stands still, or -1 when
 * it is stopped. */
static int armed_wait(struct fx *f)
{
	uv_timer_t *t = NULL;

	uv_walk(&f->loop, find_timer, &t);
	assert_non_null(t);
	if (!uv_is_active((uv_handle_t *)t))
		return -1;
	return (int)uv_timer_get_due_in(t);
}

/* ---- the reference ------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible on every libc. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static paced_ms ref_min(const struct titem *it, size_t n, size_t *count)
{
	paced_ms m = PACED_NEVER;

	*count = 0;
	for (size_t i = 0; i < n; i++) {
		if (it[i].at != PACED_NEVER) {
			(*count)++;
			if (it[i].at < m)
				m = it[i].at;
		}
	}
	return m;
}

/* Runs the scheduler at `now` and checks that exactly the items due fired,
 * once each, earliest first, with the right instants. */
static void drain_and_check(struct fx *f, struct titem *it, size_t n,
			    paced_ms now)
{
	size_t want = 0, count;

	for (size_t i = 0; i < n; i++)
		if (it[i].at <= now)
			want++;
	fake_now = now;
	f->nlog = 0;
	sched_run_due(f->s);
	assert_int_equal(f->nlog, want);
	for (size_t k = 0; k < f->nlog; k++) {
		const struct fired *r = &f->log[k];

		/* on_fire() set the reference to NEVER: compare with the
		 * instant the scheduler passed, checked against order. */
		assert_int_equal(r->now, now);
		assert_true(r->at <= now);
		assert_int_equal(r->slot, 0);
		if (k > 0)
			assert_true(f->log[k - 1].at <= r->at);
	}
	for (size_t i = 0; i < n; i++) {
		assert_true(it[i].at > now);
		assert_int_equal(it[i].slot != 0, it[i].at != PACED_NEVER);
	}
	assert_int_equal(sched_next(f->s), ref_min(it, n, &count));
	assert_int_equal(sched_count(f->s), count);
}

/* ---- tests -------------------------------------------------------------- */

/* Random sets, moves and removals against a plain array; drains in
 * between check what fired and in which order. */
static void test_random_vs_reference(void **state)
{
	enum { N = 3000, OPS = 60000, SPREAD = 20000 };
	struct fx f;
	struct titem *it = calloc(N, sizeof(*it));
	paced_ms before[N];
	size_t count;

	(void)state;
	assert_non_null(it);
	fx_open(&f, fake_clock);
	fake_now = 1000000;
	for (size_t i = 0; i < N; i++) {
		it[i].id = (int)i;
		it[i].at = PACED_NEVER;
	}
	for (int op = 0; op < OPS; op++) {
		struct titem *t = &it[rnd() % N];
		/* Some instants already past, many ties. */
		paced_ms at =
		    fake_now - SPREAD / 10 + (paced_ms)(rnd() % SPREAD);

		switch (rnd() % 10) {
		case 7:
		case 8:
			sched_remove(f.s, &t->slot);
			t->at = PACED_NEVER;
			break;
		case 9: set(&f, t, PACED_NEVER); break;
		default: set(&f, t, at); break;
		}
		assert_int_equal(sched_next(f.s), ref_min(it, N, &count));
		assert_int_equal(sched_count(f.s), count);
		if (op % 997 == 0) {
			paced_ms now = fake_now + (paced_ms)(rnd() % SPREAD);

			for (size_t i = 0; i < N; i++)
				before[i] = it[i].at;
			drain_and_check(&f, it, N, now);
			/* Each fired instant was the item's own. */
			for (size_t k = 0; k < f.nlog; k++)
				assert_int_equal(f.log[k].at,
						 before[f.log[k].id]);
		}
	}
	/* Everything, in order. */
	for (size_t i = 0; i < N; i++)
		before[i] = it[i].at;
	ref_min(it, N, &count);
	drain_and_check(&f, it, N, PACED_NEVER - 1);
	assert_int_equal(f.nlog, count);
	for (size_t k = 0; k < f.nlog; k++)
		assert_int_equal(f.log[k].at, before[f.log[k].id]);
	assert_int_equal(sched_count(f.s), 0);
	assert_int_equal(sched_next(f.s), PACED_NEVER);
	fx_close(&f);
	free(it);
}

/* What the slot says, through removal, re-adding, moving and NEVER. */
static void test_slots(void **state)
{
	struct fx f;
	struct titem a = {.id = 1}, b = {.id = 2};

	(void)state;
	fx_open(&f, fake_clock);
	fake_now = 100;
	assert_int_equal(sched_next(f.s), PACED_NEVER);
	set(&f, &a, 500);
	assert_int_equal(a.slot, 1);
	set(&f, &b, 300);
	assert_int_equal(b.slot, 1); /* the earliest is at the root */
	assert_int_equal(a.slot, 2);
	assert_int_equal(sched_count(f.s), 2);

	/* Setting again moves the one entry. */
	set(&f, &a, 200);
	set(&f, &a, 200);
	assert_int_equal(sched_count(f.s), 2);
	assert_int_equal(sched_next(f.s), 200);
	assert_int_equal(a.slot, 1);

	sched_remove(f.s, &a.slot);
	assert_int_equal(a.slot, 0);
	sched_remove(f.s, &a.slot); /* not scheduled: nothing happens */
	assert_int_equal(sched_count(f.s), 1);
	assert_int_equal(sched_next(f.s), 300);

	set(&f, &a, 250);
	assert_int_equal(sched_count(f.s), 2);
	assert_int_equal(sched_next(f.s), 250);

	set(&f, &b, PACED_NEVER);
	assert_int_equal(b.slot, 0);
	assert_int_equal(sched_count(f.s), 1);
	set(&f, &b, PACED_NEVER); /* twice is fine */
	assert_int_equal(sched_count(f.s), 1);

	fake_now = 1000;
	sched_run_due(f.s);
	assert_int_equal(f.nlog, 1);
	assert_ptr_equal(f.log[0].item, &a);
	assert_int_equal(f.log[0].at, 250);
	assert_int_equal(f.log[0].now, 1000);
	assert_int_equal(f.log[0].slot, 0);
	assert_int_equal(f.log[0].count, 0);
	assert_int_equal(a.slot, 0);
	assert_int_equal(sched_count(f.s), 0);
	assert_int_equal(armed_wait(&f), -1); /* stopped */
	fx_close(&f);
}

/* Room reserved up front (start-up) and then outgrown: entries keep
 * their order and slots across both, and a reservation below what is
 * held changes nothing. */
static void test_reserve(void **state)
{
	enum { N = 3000 };
	struct fx f;
	struct titem *it = calloc(N, sizeof(*it));

	(void)state;
	assert_non_null(it);
	fx_open(&f, fake_clock);
	fake_now = 1;
	for (int i = 0; i < 100; i++) {
		it[i].id = i;
		set(&f, &it[i], 10 + (i * 7919) % N);
	}
	assert_int_equal(sched_reserve(f.s, 1000), 0);
	assert_int_equal(sched_reserve(f.s, 10), 0);
	for (int i = 100; i < N; i++) {
		it[i].id = i;
		set(&f, &it[i], 10 + (i * 7919) % N);
	}
	assert_int_equal(sched_count(f.s), N);
	for (int i = 0; i < N; i++)
		assert_true(it[i].slot >= 1 && it[i].slot <= N);
	fake_now = 10 + N;
	sched_run_due(f.s);
	assert_int_equal(f.nlog, N);
	for (int k = 0; k < N; k++) {
		assert_int_equal(f.log[k].at, 10 + k); /* 7919 is prime */
		assert_int_equal(f.log[k].slot, 0);
	}
	fx_close(&f);
	free(it);
}

/* An item that sets itself again at or before now fires once per run: it
 * waits for the next one, which is armed at once, and the other items due
 * still fire in this run. */
static void test_refire_self(void **state)
{
	struct fx f;
	struct titem a = {.id = 1, .action = ACT_SET_SELF, .arg = -30};
	struct titem b = {.id = 2, .action = ACT_SET_SELF, .arg = 0};
	struct titem c = {.id = 3};

	(void)state;
	fx_open(&f, fake_clock);
	fake_now = 0;
	set(&f, &a, 40);
	set(&f, &b, 50);
	set(&f, &c, 100);
	fake_now = 100;
	sched_run_due(f.s);
	assert_int_equal(f.nlog, 3);
	assert_int_equal(f.log[0].id, 1);
	assert_int_equal(f.log[1].id, 2);
	assert_int_equal(f.log[2].id, 3);
	assert_int_equal(sched_count(f.s), 2);
	assert_int_equal(sched_next(f.s), 70);
	assert_int_equal(armed_wait(&f), 0);

	sched_run_due(f.s);
	assert_int_equal(f.nlog, 5);
	assert_int_equal(f.log[3].id, 1);
	assert_int_equal(f.log[3].at, 70);
	assert_int_equal(f.log[4].id, 2);
	assert_int_equal(f.log[4].at, 100);

	/* The same through the loop: every iteration fires each once, and
	 * control comes back. */
	for (int i = 0; i < 3; i++)
		assert_int_not_equal(uv_run(&f.loop, UV_RUN_ONCE), 0);
	assert_true(f.nlog >= 5 + 3 * 2 && f.nlog <= 5 + 6 * 2);
	assert_int_equal((f.nlog - 5) % 2, 0);
	assert_int_equal(sched_count(f.s), 2);
	fx_close(&f);
}

/* A callback removes (and frees) one item due in the same run and moves
 * another into the future: neither fires. */
static void test_fire_removes_other(void **state)
{
	struct fx f;
	struct titem *b = calloc(1, sizeof(*b));
	struct titem a = {.id = 1, .action = ACT_REMOVE_OTHER, .other = b};
	struct titem d = {.id = 4};
	struct titem c = {
	    .id = 3, .action = ACT_MOVE_OTHER, .other = &d, .arg = 500};
	struct titem e = {.id = 5};

	(void)state;
	assert_non_null(b);
	b->id = 2;
	fx_open(&f, fake_clock);
	set(&f, &a, 10);
	set(&f, b, 20);
	set(&f, &c, 30);
	set(&f, &d, 40);
	set(&f, &e, 50);
	fake_now = 100;
	sched_run_due(f.s);
	assert_int_equal(f.nlog, 3);
	assert_int_equal(f.log[0].id, 1);
	assert_int_equal(f.log[0].count, 4); /* b, c, d, e not yet fired */
	assert_int_equal(f.log[1].id, 3);
	assert_int_equal(f.log[1].count, 2); /* d, e */
	assert_int_equal(f.log[2].id, 5);
	assert_int_equal(f.log[2].count, 1); /* d, moved */
	assert_int_equal(sched_count(f.s), 1);
	assert_int_equal(sched_next(f.s), 500);
	assert_int_not_equal(d.slot, 0);
	assert_int_equal(armed_wait(&f), 400);
	fx_close(&f);
}

/* A callback that closes the scheduler stops the run there. */
static void test_close_from_callback(void **state)
{
	struct fx f;
	struct titem a = {.id = 1, .action = ACT_CLOSE};
	struct titem b = {.id = 2};

	(void)state;
	fx_open(&f, fake_clock);
	set(&f, &a, 10);
	set(&f, &b, 20);
	fake_now = 100;
	uv_run(&f.loop, UV_RUN_ONCE);
	assert_true(f.closed);
	assert_int_equal(f.nlog, 1);
	assert_int_equal(f.log[0].id, 1);
	fx_close(&f);
}

/* The timer is armed for the earliest instant only, capped at a minute,
 * and a burst of later sets neither reads the clock nor re-arms. */
static void test_arming(void **state)
{
	enum { BURST = 100000 };
	struct fx f;
	struct titem a = {.id = 1}, b = {.id = 2}, c = {.id = 3};
	struct titem *many = calloc(BURST, sizeof(*many));
	unsigned long calls;
	size_t count;

	(void)state;
	assert_non_null(many);
	fx_open(&f, fake_clock);
	assert_int_equal(armed_wait(&f), -1);
	fake_now = 1000;
	set(&f, &a, 1500);
	assert_int_equal(armed_wait(&f), 500);

	/* Not the earliest: the timer keeps its wait although the clock
	 * moved (it is not asked). */
	fake_now = 1200;
	calls = clock_calls;
	set(&f, &b, 2000);
	set(&f, &b, 1900);
	sched_remove(f.s, &b.slot);
	assert_int_equal(clock_calls, calls);
	assert_int_equal(armed_wait(&f), 500);

	set(&f, &c, 1400); /* earlier */
	assert_int_equal(armed_wait(&f), 200);
	sched_remove(f.s, &c.slot); /* the earliest goes: later again */
	assert_int_equal(armed_wait(&f), 300);
	set(&f, &a, 1100); /* past already */
	assert_int_equal(armed_wait(&f), 0);

	set(&f, &a, 1200 + 10LL * 3600 * 1000);
	assert_int_equal(armed_wait(&f), SCHED_MAX_WAIT_MS);
	set(&f, &a, PACED_NEVER - 1);
	assert_int_equal(armed_wait(&f), SCHED_MAX_WAIT_MS);
	fake_now = INT64_MIN + 1; /* no overflow either way */
	set(&f, &a, PACED_NEVER - 2);
	assert_int_equal(armed_wait(&f), SCHED_MAX_WAIT_MS);
	fake_now = PACED_NEVER - 1;
	set(&f, &a, INT64_MIN);
	assert_int_equal(armed_wait(&f), 0);
	sched_remove(f.s, &a.slot);
	assert_int_equal(armed_wait(&f), -1);
	assert_int_equal(uv_loop_alive(&f.loop), 0);

	/* 100 000 random instants: the earliest changes about ln(n) times,
	 * and only then is the clock read. */
	fake_now = 0;
	clock_calls = 0;
	for (size_t i = 0; i < BURST; i++) {
		many[i].id = (int)i;
		set(&f, &many[i], 1 + (paced_ms)(rnd() % 1000000000));
	}
	assert_true(clock_calls >= 1 && clock_calls < 64);
	assert_int_equal(sched_next(f.s), ref_min(many, BURST, &count));
	assert_int_equal(sched_count(f.s), BURST);
	assert_int_equal(armed_wait(&f), sched_next(f.s) < SCHED_MAX_WAIT_MS
					     ? (int)sched_next(f.s)
					     : SCHED_MAX_WAIT_MS);
	/* Items are not touched by closing: freed after. */
	fx_close(&f);
	free(many);
}

/* The wall clock steps back while the timer waits: when it fires nothing
 * is due, so it is armed again for the rest, and fires then. */
static void test_clock_backwards(void **state)
{
	struct fx f;
	struct titem a = {.id = 1};

	(void)state;
	fx_open(&f, fake_clock);
	fake_now = 1000;
	set(&f, &a, 1010);
	assert_int_equal(armed_wait(&f), 10);
	fake_now = 920;
	assert_int_not_equal(uv_run(&f.loop, UV_RUN_ONCE), 0);
	assert_int_equal(f.nlog, 0);
	assert_int_equal(sched_count(f.s), 1);
	assert_int_equal(armed_wait(&f), 90);

	fake_now = 1010;
	assert_int_equal(uv_run(&f.loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(f.nlog, 1);
	assert_int_equal(f.log[0].at, 1010);
	assert_int_equal(f.log[0].now, 1010);
	assert_int_equal(sched_count(f.s), 0);
	fx_close(&f);
}

/* The real clock and a real loop: three items fire in order, then the
 * loop has nothing left and ends. */
static void test_real_loop(void **state)
{
	struct fx f;
	struct titem it[3] = {{.id = 0}, {.id = 1}, {.id = 2}};
	paced_ms start;

	(void)state;
	fx_open(&f, NULL);
	start = timefmt_now();
	set(&f, &it[0], start + 30);
	set(&f, &it[1], start + 10);
	set(&f, &it[2], start + 20);
	assert_int_equal(uv_run(&f.loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(f.nlog, 3);
	assert_int_equal(f.log[0].id, 1);
	assert_int_equal(f.log[1].id, 2);
	assert_int_equal(f.log[2].id, 0);
	for (size_t k = 0; k < 3; k++) {
		assert_true(f.log[k].now >= f.log[k].at);
		assert_int_equal(f.log[k].slot, 0);
	}
	/* Generous: a loaded CI machine, sanitizers. */
	assert_true(timefmt_now() - start < 5000);
	assert_int_equal(sched_count(f.s), 0);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_vs_reference),
	    cmocka_unit_test(test_slots),
	    cmocka_unit_test(test_reserve),
	    cmocka_unit_test(test_refire_self),
	    cmocka_unit_test(test_fire_removes_other),
	    cmocka_unit_test(test_close_from_callback),
	    cmocka_unit_test(test_arming),
	    cmocka_unit_test(test_clock_backwards),
	    cmocka_unit_test(test_real_loop),
	};

	/* A scheduler that loops forever fails here instead of hanging. */
	alarm(60);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
