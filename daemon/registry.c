/*
 * registry.c - open-addressing hash table of live projects by id, with
 * linear probing. Its sizes step by 1.5 and 4/3 (64, 96, 128, 192 ...)
 * and it is kept at most 70 % full: a million projects take 1.5 million
 * slots (12 MB), where powers of two at half full took two million.
 *
 * A slot keeps, in the top 16 bits of its project's address (which
 * user-space addresses on 64-bit machines leave zero), 16 bits of the
 * id's hash: a probe passes a slot whose tag differs without loading the
 * project it points at. At a million projects that load misses every
 * cache, and at 70 % full a lookup passes about one other project first.
 * (Not under AddressSanitizer: see TAG_SHIFT.)
 */
#include "registry.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paced.h"
#include "sanitizer.h"
#include "strhash.h"

struct registry {
	uintptr_t *slots;       /* EMPTY, TOMBSTONE or a tagged project */
	size_t cap;             /* 2^k or 3 * 2^k */
	size_t used;            /* live entries */
	size_t filled;          /* live entries + tombstones */
	unsigned long layout;   /* rebuilds so far (registry_scan) */
	unsigned long changes;  /* entries put or removed so far */
};

/* Project addresses are aligned, so neither is one. */
#define EMPTY ((uintptr_t)0)
#define TOMBSTONE ((uintptr_t)1)

/* A leak checker finds a live project only through a word it can read as
 * the project's address, and a tagged one is not: under AddressSanitizer
 * (whose leak checker runs inside the fuzz targets, where the daemon is
 * never torn down) slots keep addresses untagged, as on 32-bit machines;
 * every probe takes those too (tag 0: compared by id). */
#if UINTPTR_MAX > 0xffffffffu && !PACED_ASAN
#define TAG_SHIFT 48
/* The tag of hash h: its low bits (home() places by the high ones). */
static uintptr_t tag_of(uint64_t h)
{
	return (uintptr_t)(h & 0xffff) << TAG_SHIFT;
}
#define ADDRESS_MASK (((uintptr_t)1 << TAG_SHIFT) - 1)
#else
static uintptr_t tag_of(uint64_t h)
{
	(void)h;
	return 0;
}
#define ADDRESS_MASK UINTPTR_MAX
#endif

/* The slot's value for p, whose id hashes to h. An address that uses the
 * tag's bits (none does on Linux's x86-64 and arm64 today) goes untagged,
 * and a tag of 0 is compared by id always. */
static uintptr_t slot_of(struct project *p, uint64_t h)
{
	uintptr_t a = (uintptr_t)p;

	return a & ~ADDRESS_MASK ? a : a | tag_of(h);
}

/* Whether the slot's value is a project's. */
static bool live(uintptr_t s)
{
	return s != EMPTY && s != TOMBSTONE;
}

static struct project *project_at(uintptr_t s)
{
	return (struct project *)(s & ADDRESS_MASK);
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
		if (live(r->slots[i]))
			project_free(project_at(r->slots[i]));
	free(r->slots);
	free(r);
}

/* Where probing for hash h starts: h scaled to [0, cap). */
static size_t home(const struct registry *r, uint64_t h)
{
	return (size_t)(((unsigned __int128)h * r->cap) >> 64);
}

static size_t next_slot(const struct registry *r, size_t i)
{
	return i + 1 == r->cap ? 0 : i + 1;
}

/* The slot holding id (whose hash is h), or the first free slot where it
 * would go. */
static size_t find_slot(const struct registry *r, const char *id,
			uint64_t h, bool *found)
{
	size_t i = home(r, h);
	size_t first_free = SIZE_MAX;
	uintptr_t tag = tag_of(h);

	for (;;) {
		uintptr_t s = r->slots[i];
		uintptr_t s_tag = s & ~ADDRESS_MASK;

		if (s == EMPTY) {
			*found = false;
			return first_free != SIZE_MAX ? first_free : i;
		}
		if (s == TOMBSTONE) {
			if (first_free == SIZE_MAX)
				first_free = i;
		} else if ((s_tag == tag || !s_tag) &&
			   strcmp(project_at(s)->def->id, id) == 0) {
			*found = true;
			return i;
		}
		i = next_slot(r, i);
	}
}

/* Puts p, whose id is in no slot: only empty slots are looked for, no
 * id is compared (the rehash, and the start-up's load of ids the
 * database keeps unique). */
static void put_new(struct registry *r, struct project *p)
{
	uint64_t h = strhash(p->def->id);
	size_t i = home(r, h);

	while (r->slots[i] != EMPTY)
		i = next_slot(r, i);
	r->slots[i] = slot_of(p, h);
}

/* The size after cap: 2^k -> 3 * 2^(k-1), 3 * 2^(k-1) -> 2^(k+1). */
static size_t larger(size_t cap)
{
	return (cap & (cap - 1)) == 0 ? cap / 2 * 3 : cap / 3 * 4;
}

/* Moves the live entries to a table of cap slots, leaving the
 * tombstones behind. */
static int rebuild(struct registry *r, size_t cap)
{
	size_t old_cap = r->cap;
	uintptr_t *old = r->slots;

	r->cap = cap;
	r->slots = calloc(r->cap, sizeof(*r->slots));
	if (!r->slots) {
		r->slots = old;
		r->cap = old_cap;
		return PACED_ENOMEM;
	}
	r->filled = r->used;
	r->layout++;
	for (size_t i = 0; i < old_cap; i++)
		if (live(old[i]))
			put_new(r, project_at(old[i]));
	free(old);
	return 0;
}

/* Makes room (or clears the tombstones, when they are what fills the
 * table). */
static int grow(struct registry *r)
{
	return rebuild(r, r->used * 2 > r->cap ? larger(r->cap) : r->cap);
}

int registry_reserve(struct registry *r, size_t n)
{
	const size_t most = (SIZE_MAX / sizeof(*r->slots)) / 10;
	size_t cap = r->cap;

	if (r->filled > most || n > most - r->filled)
		return PACED_ENOMEM;
	/* Filled to at most 70 % once the n are in: the last of them
	 * finds (filled + n - 1 + 1) * 10 <= cap * 7, so no put grows. */
	while ((r->filled + n) * 10 > cap * 7)
		cap = larger(cap);
	return cap == r->cap ? 0 : rebuild(r, cap);
}

/* Whether one more entry would fill more than 70 % of the slots. */
static bool too_full(const struct registry *r)
{
	return (r->filled + 1) * 10 > r->cap * 7;
}

struct project *registry_get(const struct registry *r, const char *id)
{
	bool found;
	size_t i = find_slot(r, id, strhash(id), &found);

	return found ? project_at(r->slots[i]) : NULL;
}

int registry_put(struct registry *r, struct project *p)
{
	bool found;
	uint64_t h = strhash(p->def->id);
	size_t i;

	if (too_full(r) && grow(r) < 0)
		return PACED_ENOMEM;
	i = find_slot(r, p->def->id, h, &found);
	if (found) {
		if (project_at(r->slots[i]) != p)
			project_free(project_at(r->slots[i]));
	} else {
		if (r->slots[i] == EMPTY)
			r->filled++;
		r->used++;
	}
	r->slots[i] = slot_of(p, h);
	r->changes++;
	return 0;
}

int registry_put_new(struct registry *r, struct project *p)
{
	if (too_full(r) && grow(r) < 0)
		return PACED_ENOMEM;
	put_new(r, p);
	r->filled++;
	r->used++;
	r->changes++;
	return 0;
}

void registry_remove(struct registry *r, const char *id)
{
	bool found;
	size_t i = find_slot(r, id, strhash(id), &found);

	if (!found)
		return;
	project_free(project_at(r->slots[i]));
	r->slots[i] = TOMBSTONE;
	r->used--;
	r->changes++;
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
		if (live(r->slots[i])) {
			struct project *p = project_at(r->slots[i]);

			keyed[k].key = registry_id_key(p->def->id);
			keyed[k++].p = p;
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
		if (live(r->slots[i]))
			fn(project_at(r->slots[i]), data);
	*pos = end;
	return end < r->cap;
}

unsigned long registry_changes(const struct registry *r)
{
	return r->changes;
}

unsigned long registry_layout(const struct registry *r)
{
	return r->layout;
}

/* qsort has no context argument: the ids being sorted. */
static const char *sorting_ids;

int registry_id_ref_cmp(const struct registry_id_ref *x,
		       const struct registry_id_ref *y, const char *ids)
{
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(ids + x->off, ids + y->off);
}

static int by_ref(const void *a, const void *b)
{
	return registry_id_ref_cmp(a, b, sorting_ids);
}

size_t registry_sort_ids(void *base, size_t n, size_t size, const char *ids)
{
	char *e = base;
	size_t kept = 0;

	sorting_ids = ids;
	if (n > 1) /* qsort wants an array even for none */
		qsort(base, n, size, by_ref);
	for (size_t i = 0; i < n; i++) {
		if (kept && by_ref(e + (kept - 1) * size, e + i * size) == 0)
			continue;
		if (kept != i)
			memcpy(e + kept * size, e + i * size, size);
		kept++;
	}
	sorting_ids = NULL;
	return kept;
}
