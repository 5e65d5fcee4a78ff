/*
 * registry_pick.c - rows picked from the registry a part of its table per
 * loop turn, each part sorted as it is picked and the parts merged a
 * bounded number of rows per turn (registry_pick.h): sorting a million
 * rows at once held the loop 100-250 ms.
 */
#include "registry_pick.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "paced.h"

/* Picks at least this many rows give their memory back when freed (the
 * ids of a million projects alone are some 20 MB). */
#define PICK_TRIM_AT 1000

void registry_pick_init(struct registry_pick *k, const struct registry *reg,
			size_t size, size_t hint)
{
	memset(k, 0, sizeof(*k));
	k->size = size;
	k->layout = registry_layout(reg);
	k->rows = malloc((hint ? hint : 1) * size);
	if (k->rows)
		k->cap = hint ? hint : 1;
}

void *registry_pick_add(struct registry_pick *k, const char *id)
{
	struct registry_id_ref *ref;

	if (k->nomem)
		return NULL;
	if (arr_grow(&k->rows, &k->cap, k->n + 1, k->size, 64)) {
		k->nomem = true;
		return NULL;
	}
	ref = (void *)((char *)k->rows + k->n * k->size);
	memset(ref, 0, k->size);
	ref->key = registry_id_key(id);
	/* ids moves as it grows: the row keeps where its id is in it. */
	ref->off = k->ids.len;
	fmt_text_add(&k->ids, id, strlen(id) + 1);
	if (k->ids.nomem) {
		k->nomem = true;
		return NULL;
	}
	k->n++;
	return ref;
}

/* The rows picked since the last run ended, sorted: a new run. */
static int end_run(struct registry_pick *k)
{
	size_t from = k->runs_end;
	size_t kept;

	if (k->n == from)
		return 0;
	if (arr_grow(&k->runs, &k->cap_runs, k->n_runs + 1, sizeof(*k->runs),
		     16))
		return PACED_ENOMEM;
	kept = registry_sort_ids(registry_pick_row(k, from), k->n - from,
				 k->size, k->ids.p);
	k->n = from + kept;
	k->runs[k->n_runs++] = (struct registry_pick_run){from, k->n};
	k->runs_end = k->n;
	return 0;
}

/* Whether run a's next row comes before run b's (the lower run first
 * among equal ids, so the merge is the same every time). */
static bool run_before(const struct registry_pick *k, size_t a, size_t b)
{
	int c = registry_id_ref_cmp(registry_pick_row(k, k->runs[a].at),
				    registry_pick_row(k, k->runs[b].at),
				    k->ids.p);

	return c < 0 || (c == 0 && a < b);
}

static void sift_down(struct registry_pick *k, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < k->n_heap && run_before(k, k->heap[l], k->heap[m]))
			m = l;
		if (r < k->n_heap && run_before(k, k->heap[r], k->heap[m]))
			m = r;
		if (m == i)
			return;
		t = k->heap[i];
		k->heap[i] = k->heap[m];
		k->heap[m] = t;
		i = m;
	}
}

static int merge_begin(struct registry_pick *k)
{
	k->merged = malloc((k->n ? k->n : 1) * k->size);
	k->heap = malloc((k->n_runs ? k->n_runs : 1) * sizeof(*k->heap));
	if (!k->merged || !k->heap)
		return PACED_ENOMEM;
	for (size_t i = 0; i < k->n_runs; i++)
		k->heap[i] = i;
	k->n_heap = k->n_runs;
	for (size_t i = k->n_heap / 2; i-- > 0;)
		sift_down(k, i);
	return 0;
}

/* Up to `rows` rows merged; true once all are. An id picked twice (see
 * registry_sort_ids()) is kept once. */
static bool merge_some(struct registry_pick *k, size_t rows)
{
	char *out = k->merged;

	while (k->n_heap && rows--) {
		size_t r = k->heap[0];
		const void *row = registry_pick_row(k, k->runs[r].at);

		if (!k->n_merged ||
		    registry_id_ref_cmp(
			    (const void *)(out + (k->n_merged - 1) * k->size),
			    row, k->ids.p) != 0)
			memcpy(out + k->n_merged++ * k->size, row, k->size);
		if (++k->runs[r].at == k->runs[r].end)
			k->heap[0] = k->heap[--k->n_heap];
		sift_down(k, 0);
	}
	return k->n_heap == 0;
}

static void merge_end(struct registry_pick *k)
{
	free(k->rows);
	k->rows = k->merged;
	k->n = k->cap = k->n_merged;
	k->merged = NULL;
	free(k->heap);
	k->heap = NULL;
	free(k->runs);
	k->runs = NULL;
	k->n_runs = k->cap_runs = 0;
	k->sorted = true;
}

int registry_pick_more(struct registry_pick *k, const struct registry *reg,
		       size_t slots, void (*fn)(struct project *p, void *data),
		       void (*restart)(void *data), void *data)
{
	if (k->sorted)
		return 0;
	if (!k->scanned) {
		if (registry_layout(reg) != k->layout) {
			/* The table was rebuilt since the last part: the
			 * positions changed, so what was picked may repeat
			 * or miss some. */
			k->layout = registry_layout(reg);
			k->scan_pos = 0;
			k->n = 0;
			k->ids.len = 0;
			k->n_runs = 0;
			k->runs_end = 0;
			if (restart)
				restart(data);
		}
		k->scanned = !registry_scan(reg, &k->scan_pos, slots, fn,
					    data);
		if (k->nomem || end_run(k) < 0)
			return PACED_ENOMEM;
		if (!k->scanned)
			return 1;
		if (k->n_runs <= 1) { /* one run: sorted already */
			free(k->runs);
			k->runs = NULL;
			k->n_runs = k->cap_runs = 0;
			k->sorted = true;
			return 0;
		}
		if (merge_begin(k) < 0)
			return PACED_ENOMEM;
		return 1; /* the merge starts at the next turn */
	}
	if (merge_some(k, REGISTRY_PICK_MERGE_ROWS))
		merge_end(k);
	return k->sorted ? 0 : 1;
}

void *registry_pick_row(const struct registry_pick *k, size_t i)
{
	return (char *)k->rows + i * k->size;
}

const char *registry_pick_id(const struct registry_pick *k, size_t i)
{
	const struct registry_id_ref *ref = registry_pick_row(k, i);

	return k->ids.p + ref->off;
}

void registry_pick_free(struct registry_pick *k)
{
	size_t n = k->n;

	free(k->ids.p);
	free(k->rows);
	free(k->runs);
	free(k->heap);
	free(k->merged);
	memset(k, 0, sizeof(*k));
	/* glibc keeps what was freed in its heap, resident, unless asked. */
	if (n >= PICK_TRIM_AT)
		malloc_trim(0);
}
