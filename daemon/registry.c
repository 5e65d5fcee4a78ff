/* registry.c - open-addressing hash table of live projects by id. */
#include "registry.h"

#include <stdlib.h>
#include <string.h>

#include "paced.h"

struct registry {
	struct project **slots; /* NULL: empty; TOMBSTONE: deleted */
	size_t cap;             /* power of two */
	size_t used;            /* live entries */
	size_t filled;          /* live entries + tombstones */
	unsigned long layout;   /* rebuilds so far (registry_scan) */
};

static struct project tombstone_mark;
#define TOMBSTONE (&tombstone_mark)

static uint64_t hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct registry *registry_new(void)
{
	struct registry *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cap = 64;
	r->slots = calloc(r->cap, sizeof(*r->slots));
	if (!r->slots) {
		free(r);
		return NULL;
	}
	return r;
}

void registry_free(struct registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->cap; i++)
		if (r->slots[i] && r->slots[i] != TOMBSTONE)
			project_free(r->slots[i]);
	free(r->slots);
	free(r);
}

/* The slot holding id, or the first free slot where it would go. */
static size_t find_slot(const struct registry *r, const char *id,
			bool *found)
{
	size_t mask = r->cap - 1, i = hash_id(id) & mask;
	size_t first_free = SIZE_MAX;

	for (;;) {
		struct project *p = r->slots[i];

		if (!p) {
			*found = false;
			return first_free != SIZE_MAX ? first_free : i;
		}
		if (p == TOMBSTONE) {
			if (first_free == SIZE_MAX)
				first_free = i;
		} else if (strcmp(p->def->id, id) == 0) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static int grow(struct registry *r)
{
	size_t old_cap = r->cap;
	struct project **old = r->slots;

	r->cap = r->used * 4 > old_cap ? old_cap * 2 : old_cap;
	r->slots = calloc(r->cap, sizeof(*r->slots));
	if (!r->slots) {
		r->slots = old;
		r->cap = old_cap;
		return PACED_ENOMEM;
	}
	r->filled = r->used;
	r->layout++;
	for (size_t i = 0; i < old_cap; i++) {
		bool found;

		if (old[i] && old[i] != TOMBSTONE)
			r->slots[find_slot(r, old[i]->def->id, &found)] =
				old[i];
	}
	free(old);
	return 0;
}

struct project *registry_get(const struct registry *r, const char *id)
{
	bool found;
	size_t i = find_slot(r, id, &found);

	return found ? r->slots[i] : NULL;
}

int registry_put(struct registry *r, struct project *p)
{
	bool found;
	size_t i;

	/* Keep at most half the slots filled so probes stay short. */
	if ((r->filled + 1) * 2 > r->cap && grow(r) < 0)
		return PACED_ENOMEM;
	i = find_slot(r, p->def->id, &found);
	if (found) {
		if (r->slots[i] != p)
			project_free(r->slots[i]);
	} else {
		if (!r->slots[i])
			r->filled++;
		r->used++;
	}
	r->slots[i] = p;
	return 0;
}

void registry_remove(struct registry *r, const char *id)
{
	bool found;
	size_t i = find_slot(r, id, &found);

	if (!found)
		return;
	project_free(r->slots[i]);
	r->slots[i] = TOMBSTONE;
	r->used--;
}

size_t registry_count(const struct registry *r)
{
	return r->used;
}

/* A project with the first 8 bytes of its id as a big-endian number:
 * most comparisons of the sort are then one integer comparison, without
 * following two pointers per side to the ids (a million projects are
 * sorted at start-up). */
struct keyed {
	uint64_t key;
	struct project *p;
};

uint64_t registry_id_key(const char *id)
{
	uint64_t k = 0;
	size_t i = 0;

	for (; i < 8 && id[i]; i++)
		k = k << 8 | (unsigned char)id[i];
	return k << (8 * (8 - i));
}

static int by_key(const void *a, const void *b)
{
	const struct keyed *ka = a, *kb = b;

	if (ka->key != kb->key)
		return ka->key < kb->key ? -1 : 1;
	/* Equal prefixes: the ids are at least 8 bytes long (a shorter id
	 * ends in NUL, which orders it first within the key) and strcmp
	 * decides, as it would have alone. */
	return strcmp(ka->p->def->id, kb->p->def->id);
}

struct project **registry_sorted(const struct registry *r, size_t *n)
{
	size_t count = r->used ? r->used : 1, k = 0;
	struct project **out = malloc(count * sizeof(*out));
	struct keyed *keyed = malloc(count * sizeof(*keyed));

	if (!out || !keyed) {
		free(out);
		free(keyed);
		return NULL;
	}
	for (size_t i = 0; i < r->cap; i++)
		if (r->slots[i] && r->slots[i] != TOMBSTONE) {
			keyed[k].key = registry_id_key(r->slots[i]->def->id);
			keyed[k++].p = r->slots[i];
		}
	qsort(keyed, k, sizeof(*keyed), by_key);
	for (size_t i = 0; i < k; i++)
		out[i] = keyed[i].p;
	free(keyed);
	*n = k;
	return out;
}

bool registry_scan(const struct registry *r, size_t *pos, size_t slots,
		   void (*fn)(struct project *p, void *data), void *data)
{
	size_t end = *pos >= r->cap || slots >= r->cap - *pos ? r->cap
							    : *pos + slots;

	for (size_t i = *pos; i < end; i++)
		if (r->slots[i] && r->slots[i] != TOMBSTONE)
			fn(r->slots[i], data);
	*pos = end;
	return end < r->cap;
}

unsigned long registry_layout(const struct registry *r)
{
	return r->layout;
}
