/*
 * lookup - how long the registry takes to find a project by id with N
 * projects in it (default 1 000 000): random ids present (as every
 * request about a project looks up its own) and random ids absent (a
 * create's check, a 404), in a tight loop. With many projects each probe
 * that loads a project misses the caches, so the figure is mostly how
 * many memory loads a look-up makes.
 *   make bench-lookup   (or build/bench/lookup [N] [LOOKUPS])
 */
#include <stdio.h>
#include <stdlib.h>

#include "project.h"
#include "registry.h"
#include "seconds.h"

static struct project *make_project(const char *id)
{
	json_t *j = json_pack("{s:s, s:i, s:s, s:s}", "title", id, "target",
			      100, "start", "2022-01-01", "due", "2022-12-31");
	struct project *p = calloc(1, sizeof(*p));
	struct field_error err;

	if (!j || !p || project_def_parse(id, j, 0.05, 0.10, &p->def, &err)) {
		fprintf(stderr, "cannot make project %s\n", id);
		exit(1);
	}
	json_decref(j);
	return p;
}

enum { ID_MAX = 16 };

/* Looks up every id of ids (k of them); the seconds per look-up, and how
 * many were found into *found. */
static double time_lookups(const struct registry *r, char (*ids)[ID_MAX], int k,
			   int *found)
{
	double t0 = seconds();

	*found = 0;
	for (int i = 0; i < k; i++)
		*found += registry_get(r, ids[i]) != NULL;
	return (seconds() - t0) / k;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1000000;
	int k = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 2000000;
	struct registry *r = registry_new();
	char(*ids)[ID_MAX] = malloc((size_t)k * ID_MAX);
	char id[ID_MAX];
	int found;
	double hit, miss;

	if (n < 1 || k < 1 || !r || !ids || registry_reserve(r, (size_t)n))
		return 1;
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "p%d", i);
		if (registry_put_new(r, make_project(id)))
			return 1;
	}
	/* The ids made before the clock starts, in random order: the
	 * loop reads them in sequence, which the caches prefetch. */
	srand(7);
	for (int i = 0; i < k; i++)
		snprintf(ids[i], ID_MAX, "p%d", rand() % n);
	hit = time_lookups(r, ids, k, &found);
	if (found != k)
		return 1;
	for (int i = 0; i < k; i++)
		snprintf(ids[i], ID_MAX, "q%d", rand() % n);
	miss = time_lookups(r, ids, k, &found);
	if (found)
		return 1;
	printf("projects: %d\n", n);
	printf("look-up of a present id: %.0f ns (%d random)\n", hit * 1e9, k);
	printf("look-up of an absent id: %.0f ns (%d random)\n", miss * 1e9, k);
	registry_free(r);
	free(ids);
	return 0;
}
