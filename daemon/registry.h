/*
 * registry.h - the live projects in memory, by id: what requests read and
 * what evaluation and (later) the scheduler work from. The database is the
 * truth; the registry is loaded from it at start-up and changed only after
 * a transaction that changed the database has committed.
 */
#ifndef PACED_REGISTRY_H
#define PACED_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "project.h"

struct registry;

struct registry *registry_new(void);
/* Frees the registry and every project in it. */
void registry_free(struct registry *r);

/* Borrowed; NULL when absent. */
struct project *registry_get(const struct registry *r, const char *id);

/* Takes ownership of p; a project with the same id is freed. 0 or
 * PACED_ENOMEM (p then still belongs to the caller). */
int registry_put(struct registry *r, struct project *p);

/* The same for a project whose id is known not to be in r (start-up:
 * the database keeps ids unique), without comparing ids. */
int registry_put_new(struct registry *r, struct project *p);

/* Makes room for n more projects at once, so that putting them rebuilds
 * the table no more (start-up, which knows how many it loaded). A table
 * rebuilt here changes registry_layout(). 0 or PACED_ENOMEM (the
 * registry unchanged). */
int registry_reserve(struct registry *r, size_t n);

/* Removes and frees the project; nothing if absent. */
void registry_remove(struct registry *r, const char *id);

size_t registry_count(const struct registry *r);

/* Every project sorted by id, in a malloc'd array the caller frees (the
 * projects stay borrowed). *n gets the count. NULL on ENOMEM. */
struct project **registry_sorted(const struct registry *r, size_t *n);

/*
 * A look at every project spread over several calls (loop turns), in no
 * particular order and without sorting: calls fn(p, data) for the
 * projects in the next `slots` slots from *pos and advances *pos; false
 * once the whole table was seen. fn must not change the registry.
 * Between calls the registry may change; a project added may or may not
 * be seen, and when the table is rebuilt (registry_layout() changes) the
 * positions mean nothing any more: start again from 0.
 */
bool registry_scan(const struct registry *r, size_t *pos, size_t slots,
		   void (*fn)(struct project *p, void *data), void *data);

/* The first 8 bytes of id as a big-endian number: sorting on it first
 * makes most comparisons of ids one integer comparison. */
uint64_t registry_id_key(const char *id);

/* An id picked from the registry (registry_scan), to be put in the
 * registry's id order: its registry_id_key() and where its text lies in
 * the caller's buffer of ids, which may move while it grows. */
struct registry_id_ref {
	uint64_t key;
	size_t off;
};

/* Sorts the n elements of `size` bytes at base, each beginning with a
 * struct registry_id_ref into ids, in registry_sorted()'s order, and
 * keeps the first of each id: a project archived and created again while
 * a caller picked over several loop turns may have moved to a slot not
 * yet scanned and been picked twice. Returns how many remain. */
size_t registry_sort_ids(void *base, size_t n, size_t size, const char *ids);

/* The order registry_sort_ids() sorts in: <0, 0 or >0. */
int registry_id_ref_cmp(const struct registry_id_ref *x,
			const struct registry_id_ref *y, const char *ids);

/* Changes whenever a project is put or removed: a caller that kept
 * pointers to every project, in some order, knows they still are every
 * project while this stays the same (a project changed in place, as a
 * redefinition does, keeps its pointer and id). */
unsigned long registry_changes(const struct registry *r);

/* Changes whenever the projects move to other slots. */
unsigned long registry_layout(const struct registry *r);

#endif
