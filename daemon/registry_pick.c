/*
 * registry_pick.c - rows picked from the registry a part of its table per
 * loop turn, sorted by id once (registry_pick.h).
 */
#include "registry_pick.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

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
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		void *rows = realloc(k->rows, cap * k->size);

		if (!rows) {
			k->nomem = true;
			return NULL;
		}
		k->rows = rows;
		k->cap = cap;
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

int registry_pick_more(struct registry_pick *k, const struct registry *reg,
		       size_t slots, void (*fn)(struct project *p, void *data),
		       void (*restart)(void *data), void *data)
{
	if (k->sorted)
		return 0;
	if (registry_layout(reg) != k->layout) {
		/* The table was rebuilt since the last part: the positions
		 * changed, so what was picked may repeat or miss some. */
		k->layout = registry_layout(reg);
		k->scan_pos = 0;
		k->n = 0;
		k->ids.len = 0;
		if (restart)
			restart(data);
	}
	if (registry_scan(reg, &k->scan_pos, slots, fn, data))
		return k->nomem ? PACED_ENOMEM : 1;
	if (k->nomem)
		return PACED_ENOMEM;
	k->n = registry_sort_ids(k->rows, k->n, k->size, k->ids.p);
	k->sorted = true;
	return 0;
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
	memset(k, 0, sizeof(*k));
	/* glibc keeps what was freed in its heap, resident, unless asked. */
	if (n >= PICK_TRIM_AT)
		malloc_trim(0);
}
