/* test_registry.c - registry.c: look-ups, the order by id and scans in
 * parts; registry_pick.c: rows picked a few slots at a time come out once
 * each, in id order, with what the caller put in them, also when the
 * table is rebuilt half-way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "paced.h"
#include "registry.h"
#include "registry_pick.h"
#include "sanitizer.h"
#include "strhash.h"

#if PACED_ASAN
#include <sanitizer/lsan_interface.h>
#endif

static struct project *make(const char *id)
{
	json_t *j = json_pack("{s:s, s:i, s:s, s:s}", "title", id, "target", 1,
			      "start", "2022-01-01", "due", "2022-12-31");
	struct project *p = calloc(1, sizeof(*p));
	struct field_error e;

	assert_non_null(p);
	assert_int_equal(project_def_parse(id, j, 0.05, 0.10, &p->def, &e), 0);
	json_decref(j);
	return p;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Ids sharing their first 8 bytes, shorter than 8, and differing only
 * past the prefix come out in strcmp's order. */
static void test_sorted(void **state)
{
	const char *ids[] = {
		"project-b",  "project-a10", "project-a9", "p",   "pa",
		"project-a",  "project-",    "project",    "z",   "project-a1",
		"projectzz",  "0",           "p.",         "p-9", "p_",
	};
	size_t n_ids = sizeof(ids) / sizeof(ids[0]), n;
	struct registry *r = registry_new();
	struct project **all;

	(void)state;
	for (size_t i = 0; i < n_ids; i++)
		assert_int_equal(registry_put(r, make(ids[i])), 0);
	assert_int_equal(registry_count(r), n_ids);
	assert_string_equal(registry_get(r, "project-a9")->def->id,
			    "project-a9");
	assert_null(registry_get(r, "project-a2"));
	registry_remove(r, "pa");
	assert_null(registry_get(r, "pa"));
	ids[4] = "~"; /* after every other id: dropped below */
	qsort(ids, n_ids, sizeof(ids[0]), cmp);
	all = registry_sorted(r, &n);
	assert_non_null(all);
	assert_int_equal(n, n_ids - 1);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(all[i]->def->id, ids[i]);
	free(all);
	registry_free(r);
}

/* Through every size step, with removals leaving tombstones and ids
 * coming back: each live id is found, each removed one is not, and the
 * count holds. Projects known to be new go in without a comparison. */
static void test_growth_and_tombstones(void **state)
{
	enum { N = 3000 };
	struct registry *r = registry_new();
	char id[32];

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "p%d", i);
		assert_int_equal(i % 2 ? registry_put(r, make(id))
				       : registry_put_new(r, make(id)),
				 0);
	}
	for (int i = 0; i < N; i += 3) {
		snprintf(id, sizeof(id), "p%d", i);
		registry_remove(r, id);
	}
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i += 6) {
			snprintf(id, sizeof(id), "p%d", i);
			assert_null(registry_get(r, id));
			assert_int_equal(registry_put(r, make(id)), 0);
		}
		for (int i = 0; i < N; i += 6) {
			snprintf(id, sizeof(id), "p%d", i);
			registry_remove(r, id);
		}
	}
	/* Replacing a live one keeps the count. */
	assert_int_equal(registry_put(r, make("p1")), 0);
	assert_int_equal(registry_count(r), N - N / 3);
	for (int i = 0; i < N; i++) {
		struct project *p;

		snprintf(id, sizeof(id), "p%d", i);
		p = registry_get(r, id);
		if (i % 3 == 0) {
			assert_null(p);
		} else {
			assert_non_null(p);
			assert_string_equal(p->def->id, id);
		}
	}
	registry_free(r);
}

static void count_seen(struct project *p, void *data)
{
	int *seen = data;

	seen[atoi(p->def->id + 1)]++;
}

/* A scan in parts of any size sees every project once, removals between
 * parts are not seen, and growing the table changes the layout. */
static void test_scan(void **state)
{
	static const size_t parts[] = {1, 7, 64, SIZE_MAX};
	struct registry *r = registry_new();
	int seen[300];
	char id[16];
	unsigned long layout;

	(void)state;
	for (int i = 0; i < 200; i++) {
		snprintf(id, sizeof(id), "p%d", i);
		assert_int_equal(registry_put(r, make(id)), 0);
	}
	for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
		size_t pos = 0;
		int calls = 0;

		memset(seen, 0, sizeof(seen));
		while (registry_scan(r, &pos, parts[k], count_seen, seen))
			calls++;
		for (int i = 0; i < 200; i++)
			assert_int_equal(seen[i], 1);
		if (parts[k] == 1)
			assert_true(calls > 200); /* empty slots count too */
		if (parts[k] == SIZE_MAX)
			assert_int_equal(calls, 0);
	}
	/* Removed half-way: the second part does not see it. */
	{
		size_t pos = 0;

		memset(seen, 0, sizeof(seen));
		layout = registry_layout(r);
		registry_scan(r, &pos, 1, count_seen, seen);
		for (int i = 0; i < 200; i++) {
			snprintf(id, sizeof(id), "p%d", i);
			if (!seen[i])
				registry_remove(r, id);
		}
		while (registry_scan(r, &pos, 16, count_seen, seen))
			;
		for (int i = 0; i < 200; i++)
			assert_true(seen[i] <= 1);
		assert_int_equal(registry_layout(r), layout);
	}
	/* More live projects than the table holds: it grows (removed ones'
	 * slots are reused, so fewer might not). */
	for (int i = 200; i < 500; i++) {
		snprintf(id, sizeof(id), "p%d", i);
		assert_int_equal(registry_put(r, make(id)), 0);
	}
	assert_true(registry_layout(r) != layout);
	registry_free(r);
}

/* Picked ids in an element larger than the ref, out of order, with ids
 * that share their first 8 bytes and one picked twice: sorted as
 * strcmp orders them, the repeat dropped, the payloads kept with their
 * ids. */
static void test_sort_ids(void **state)
{
	struct picked {
		struct registry_id_ref ref;
		int payload;
	} e[6];
	static const char *const in[] = {"project-b", "p2", "project-a",
					 "p10", "p2", "a"};
	static const char *const want[] = {"a", "p10", "p2", "project-a",
					   "project-b"};
	char ids[128];
	size_t len = 0, n;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		e[i].ref.key = registry_id_key(in[i]);
		e[i].ref.off = len;
		e[i].payload = (int)i;
		memcpy(ids + len, in[i], strlen(in[i]) + 1);
		len += strlen(in[i]) + 1;
	}
	n = registry_sort_ids(e, 6, sizeof(e[0]), ids);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(ids + e[i].ref.off, want[i]);
		assert_string_equal(in[e[i].payload], want[i]);
	}
	assert_int_equal(registry_sort_ids(e, 0, sizeof(e[0]), ids), 0);
}

/* ---- registry_pick.c ---- */

static void fill(struct registry *r, size_t from, size_t to)
{
	char id[32];

	for (size_t i = from; i < to; i++) {
		snprintf(id, sizeof(id), "p-%zu", i);
		assert_int_equal(registry_put(r, make(id)), 0);
	}
}

struct row {
	struct registry_id_ref ref;
	long number; /* the id's number, for checking the payload */
};

struct picking {
	struct registry_pick k;
	int restarts;
};

/* Picks the projects whose number is even. */
static void pick_even(struct project *p, void *data)
{
	struct picking *pk = data;
	long number = strtol(p->def->id + 2, NULL, 10);
	struct row *row;

	if (number % 2)
		return;
	row = registry_pick_add(&pk->k, p->def->id);
	assert_non_null(row);
	row->number = number;
}

static void on_restart(void *data)
{
	((struct picking *)data)->restarts++;
}

/* The rows of k are the even numbers below n, each once, in id order. */
static void check_rows(const struct registry_pick *k, size_t n)
{
	assert_true(k->sorted);
	assert_int_equal(k->n, (n + 1) / 2);
	for (size_t i = 0; i < k->n; i++) {
		const struct row *row = registry_pick_row(k, i);
		char id[32];

		snprintf(id, sizeof(id), "p-%ld", row->number);
		assert_string_equal(registry_pick_id(k, i), id);
		assert_int_equal(row->number % 2, 0);
		if (i)
			assert_true(strcmp(registry_pick_id(k, i - 1), id) < 0);
	}
}

static void test_pick_in_parts(void **state)
{
	struct registry *r = registry_new();
	struct picking pk = {0};
	int rc, calls = 0;

	(void)state;
	fill(r, 0, 1000);
	registry_pick_init(&pk.k, r, sizeof(struct row), 4);
	while ((rc = registry_pick_more(&pk.k, r, 7, pick_even, on_restart,
					&pk)) == 1)
		calls++;
	assert_int_equal(rc, 0);
	assert_true(calls > 100); /* a part at a time */
	assert_int_equal(pk.restarts, 0);
	check_rows(&pk.k, 1000);
	/* Done stays done. */
	assert_int_equal(
		registry_pick_more(&pk.k, r, 7, pick_even, on_restart, &pk), 0);
	registry_pick_free(&pk.k);
	registry_free(r);
}

static void test_rebuilt_table_starts_over(void **state)
{
	struct registry *r = registry_new();
	struct picking pk = {0};
	unsigned long layout;
	int rc;

	(void)state;
	fill(r, 0, 100);
	registry_pick_init(&pk.k, r, sizeof(struct row), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(registry_pick_more(&pk.k, r, 16, pick_even,
						    on_restart, &pk),
				 1);
	assert_true(pk.k.n > 0);
	/* Enough more projects that the table grows: new positions. */
	layout = registry_layout(r);
	fill(r, 100, 5000);
	assert_true(registry_layout(r) != layout);
	while ((rc = registry_pick_more(&pk.k, r, 64, pick_even, on_restart,
					&pk)) == 1)
		;
	assert_int_equal(rc, 0);
	assert_int_equal(pk.restarts, 1);
	check_rows(&pk.k, 5000);
	registry_pick_free(&pk.k);
	registry_free(r);
}

static void test_empty_registry(void **state)
{
	struct registry *r = registry_new();
	struct picking pk = {0};
	int rc;

	(void)state;
	registry_pick_init(&pk.k, r, sizeof(struct row), 0);
	while ((rc = registry_pick_more(&pk.k, r, 16, pick_even, NULL,
					&pk)) == 1)
		;
	assert_int_equal(rc, 0);
	assert_true(pk.k.sorted);
	assert_int_equal(pk.k.n, 0);
	registry_pick_free(&pk.k);
	registry_free(r);
}

/* Picks the even ones, and p-0 once more whenever p-500 is seen: an id
 * picked twice, in another part than its first (registry_sort_ids()). */
static void pick_even_and_a_repeat(struct project *p, void *data)
{
	struct picking *pk = data;
	struct row *row;

	pick_even(p, data);
	if (strcmp(p->def->id, "p-500") == 0) {
		row = registry_pick_add(&pk->k, "p-0");
		assert_non_null(row);
		row->number = 0;
	}
}

/* More rows than one call merges: the parts' merge takes several calls
 * after the table was seen, and gives every id once, in order. */
static void test_merge_over_several_calls(void **state)
{
	struct registry *r = registry_new();
	struct picking pk = {0};
	size_t n = 3 * REGISTRY_PICK_MERGE_ROWS;
	int rc, merging_calls = 0;

	(void)state;
	fill(r, 0, n);
	registry_pick_init(&pk.k, r, sizeof(struct row), 0);
	while ((rc = registry_pick_more(&pk.k, r, 4096,
					pick_even_and_a_repeat, on_restart,
					&pk)) == 1)
		if (pk.k.scanned)
			merging_calls++;
	assert_int_equal(rc, 0);
	/* the call that ends the scan sets the merge up; the next merges
	 * REGISTRY_PICK_MERGE_ROWS of the 1.5 times as many (even) rows;
	 * the last merges the rest and returns 0 */
	assert_int_equal(merging_calls, 2);
	check_rows(&pk.k, n);
	registry_pick_free(&pk.k);
	registry_free(r);
}

/* Ids that differ only in their last characters, as people number their
 * projects, land apart at both ends of the hash: the registry places a
 * project by the top bits, the other tables by the low ones. 10 000 ids in
 * 16 384 places take about 7 500 of them when spread at random; plain
 * FNV-1a's top bits gave 853. */
static void test_hash_spreads_numbered_ids(void **state)
{
	enum { N = 10000, PLACES = 16384 };
	static unsigned char top[PLACES], low[PLACES];
	int tops = 0, lows = 0;

	(void)state;
	for (int i = 0; i < N; i++) {
		char id[16];
		uint64_t h;
		size_t t, l;

		snprintf(id, sizeof(id), "p%d", i);
		h = strhash(id);
		t = (size_t)(((unsigned __int128)h * PLACES) >> 64);
		l = (size_t)(h & (PLACES - 1));
		tops += !top[t];
		lows += !low[l];
		top[t] = low[l] = 1;
	}
	assert_true(tops > N * 7 / 10);
	assert_true(lows > N * 7 / 10);
}

/* Ids whose hashes share their low 16 bits (the tag a slot keeps) and
 * whose probes cross, in a table of 64 slots: each is found as itself, an
 * absent id with the same tag is not found, and one removed leaves the
 * others found. */
static void test_same_tags(void **state)
{
	enum { SAME = 9, OTHERS = 30 };
	char same[SAME][24], id[24];
	const uint64_t tag = strhash("t0") & 0xffff;
	struct registry *r = registry_new();
	int n = 0;

	(void)state;
	for (long i = 0; n < SAME; i++) {
		snprintf(id, sizeof(id), "t%ld", i);
		if ((strhash(id) & 0xffff) == tag)
			strcpy(same[n++], id);
	}
	/* SAME - 1 of them in, the last kept out: absent with the tag. */
	for (int i = 0; i < SAME - 1; i++)
		assert_int_equal(registry_put(r, make(same[i])), 0);
	for (int i = 0; i < OTHERS; i++) {
		snprintf(id, sizeof(id), "o%d", i);
		assert_int_equal(registry_put(r, make(id)), 0);
	}
	for (int i = 0; i < SAME - 1; i++) {
		struct project *p = registry_get(r, same[i]);

		assert_non_null(p);
		assert_string_equal(p->def->id, same[i]);
	}
	assert_null(registry_get(r, same[SAME - 1]));
	registry_remove(r, same[0]);
	assert_null(registry_get(r, same[0]));
	for (int i = 1; i < SAME - 1; i++)
		assert_string_equal(registry_get(r, same[i])->def->id, same[i]);
	/* Put again: found in the slot it now has, counted once. */
	assert_int_equal(registry_put(r, make(same[0])), 0);
	assert_int_equal(registry_put(r, make(same[0])), 0);
	assert_string_equal(registry_get(r, same[0])->def->id, same[0]);
	assert_int_equal(registry_count(r), SAME - 1 + OTHERS);
	registry_free(r);
}

#if PACED_ASAN
/* Puts n projects whose only reference is then the registry's: the
 * caller's frames keep none of their addresses. */
static void __attribute__((noinline)) put_only_there(struct registry *r,
						    int n)
{
	char id[24];

	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "held-%d", i);
		assert_int_equal(registry_put(r, make(id)), 0);
	}
}
#endif

/* A leak checker sees the projects the registry holds as reachable: the
 * fuzz targets run one while the daemon lives. AddressSanitizer builds
 * only (make asan); skipped in others. */
static void test_projects_reachable_for_leak_checker(void **state)
{
	(void)state;
#if PACED_ASAN
	struct registry *r = registry_new();

	put_only_there(r, 200);
	assert_int_equal(__lsan_do_recoverable_leak_check(), 0);
	assert_int_equal(registry_count(r), 200);
	registry_free(r);
#else
	skip();
#endif
}

/* Room made for n at once: the n puts that follow rebuild nothing, and
 * every one is found. */
static void test_reserve(void **state)
{
	struct registry *r = registry_new();
	unsigned long layout;
	char id[32];

	(void)state;
	assert_int_equal(registry_put(r, make("kept")), 0);
	assert_int_equal(registry_reserve(r, 5000), 0);
	layout = registry_layout(r);
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		assert_int_equal(registry_put_new(r, make(id)), 0);
	}
	assert_int_equal(registry_layout(r), layout);
	assert_int_equal(registry_count(r), 5001);
	assert_non_null(registry_get(r, "kept"));
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		assert_non_null(registry_get(r, id));
	}
	/* Room enough already: nothing moves. */
	assert_int_equal(registry_reserve(r, 0), 0);
	assert_int_equal(registry_reserve(r, 10), 0);
	assert_int_equal(registry_layout(r), layout);
	/* Past what any memory holds: refused, the registry as it was. */
	assert_int_equal(registry_reserve(r, SIZE_MAX / 2), PACED_ENOMEM);
	assert_int_equal(registry_count(r), 5001);
	assert_non_null(registry_get(r, "r4999"));
	registry_free(r);
}

/* Every put and every removal of a present id counts as a change;
 * looking, sorting, reserving and removing an absent id do not. */
static void test_changes(void **state)
{
	struct registry *r = registry_new();
	unsigned long c0 = registry_changes(r);
	struct project **all;
	size_t n;

	(void)state;
	assert_int_equal(registry_put(r, make("a")), 0);
	assert_int_equal(registry_changes(r), c0 + 1);
	assert_int_equal(registry_put_new(r, make("b")), 0);
	assert_int_equal(registry_changes(r), c0 + 2);
	assert_int_equal(registry_put(r, make("a")), 0); /* replaced */
	assert_int_equal(registry_changes(r), c0 + 3);
	registry_remove(r, "absent");
	assert_null(registry_get(r, "absent"));
	assert_int_equal(registry_reserve(r, 1000), 0);
	all = registry_sorted(r, &n);
	assert_non_null(all);
	free(all);
	assert_int_equal(registry_changes(r), c0 + 3);
	registry_remove(r, "b");
	assert_int_equal(registry_changes(r), c0 + 4);
	registry_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted),
		cmocka_unit_test(test_growth_and_tombstones),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_sort_ids),
		cmocka_unit_test(test_pick_in_parts),
		cmocka_unit_test(test_rebuilt_table_starts_over),
		cmocka_unit_test(test_empty_registry),
		cmocka_unit_test(test_merge_over_several_calls),
		cmocka_unit_test(test_hash_spreads_numbered_ids),
		cmocka_unit_test(test_same_tags),
		cmocka_unit_test(test_projects_reachable_for_leak_checker),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
