/*
 * registry_pick.h - picking rows from the registry over several loop
 * turns and putting them in id order once: what every streamed answer
 * that shows many projects (lists, /metrics, the dashboard's index)
 * shares. The caller's rows each begin with a struct registry_id_ref;
 * the picker owns them and a copy of each row's id, so nothing points at
 * a project that may be archived or replaced between turns.
 */
#ifndef PACED_REGISTRY_PICK_H
#define PACED_REGISTRY_PICK_H

#include <stdbool.h>
#include <stddef.h>

#include "fmt_text.h"
#include "registry.h"

/* A sorted stretch of rows, and where its merge has got to. */
struct registry_pick_run {
	size_t at, end;
};

struct registry_pick {
	size_t scan_pos;
	unsigned long layout;
	struct fmt_text ids; /* copies of the ids, each NUL-terminated */
	void *rows;          /* n rows of `size` bytes, room for cap */
	size_t size, n, cap;
	bool nomem, scanned, sorted;
	/* Each part's rows are sorted when picked, a run; once the table
	 * was seen the runs are merged into `merged`, a part per call. */
	struct registry_pick_run *runs;
	size_t n_runs, cap_runs, runs_end;
	size_t *heap; /* runs still being merged, smallest head first */
	size_t n_heap;
	void *merged;
	size_t n_merged;
};

/* Starts picking rows of `size` bytes (>= sizeof(struct
 * registry_id_ref)) from reg, with room for `hint` of them. */
void registry_pick_init(struct registry_pick *k, const struct registry *reg,
			size_t size, size_t hint);

/* For the callback of registry_pick_more(): a new row for the project
 * with this id, its ref filled in and the rest zero, for the caller to
 * fill; NULL when memory ran out (k->nomem is then set, and picking
 * fails). */
void *registry_pick_add(struct registry_pick *k, const char *id);

/*
 * Looks at the next `slots` slots of the registry, calling fn(p, data)
 * for each project there (it adds rows with registry_pick_add() for
 * those it wants). When the registry's table was rebuilt since the last
 * call, what was picked is dropped and the scan starts over, after
 * restart(data) (may be NULL) forgot what the caller kept on the side.
 * Each part's rows are sorted as it ends; once the whole table was seen,
 * later calls merge them, REGISTRY_PICK_MERGE_ROWS rows per call, into
 * registry_sorted()'s order, keeping one row per id, and then set
 * k->sorted. 1: call again; 0: sorted; PACED_ENOMEM.
 */
#define REGISTRY_PICK_MERGE_ROWS 16384
int registry_pick_more(struct registry_pick *k, const struct registry *reg,
		       size_t slots, void (*fn)(struct project *p, void *data),
		       void (*restart)(void *data), void *data);

/* The i-th row, and the id it was picked for (stable once sorted). */
void *registry_pick_row(const struct registry_pick *k, size_t i);
const char *registry_pick_id(const struct registry_pick *k, size_t i);

/* Frees the rows and ids; a large pick gives its memory back to the
 * system (glibc would otherwise keep it resident). */
void registry_pick_free(struct registry_pick *k);

#endif
