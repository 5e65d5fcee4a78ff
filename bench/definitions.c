/*
 * definitions - what reading one stored project definition costs, as
 * start-up reads a million of them: jansson's json_loads, paced's
 * json_plain_load, and project_def_load in all (read, check, pack),
 * each in jansson's scratch arena as the load runs. The definition is
 * one bench/scale-gen.py writes: Chinese title and unit, one tag.
 *   make bench-definitions   (or build/bench/definitions [ROUNDS])
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_plain.h"
#include "jsonutil.h"
#include "project.h"
#include "seconds.h"

static const char stored[] =
    "{\"title\":\"\xe9\xa1\xb9\xe7\x9b\xae 0\",\"unit\":\"\xe4\xb8\xaa\","
    "\"target\":100,\"start\":\"2026-08-21T05:43:27Z\","
    "\"due\":\"2026-12-29T05:43:27Z\",\"report_every\":\"14d\","
    "\"tags\":[\"\xe6\xb0\x91\xe7\x94\x9f\xe5\xae\x9e\xe4\xba\x8b\"]}";

static void drop(json_t *j)
{
	if (!j) {
		fprintf(stderr, "the definition did not parse\n");
		exit(1);
	}
	json_decref(j);
	jsonutil_scratch_reset();
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 300000;
	double t;

	if (rounds <= 0) {
		fprintf(stderr, "usage: definitions [ROUNDS]\n");
		return 2;
	}
	jsonutil_scratch_begin();
	t = seconds();
	for (long i = 0; i < rounds; i++)
		drop(json_loads(stored, 0, NULL));
	printf("json_loads        %6.0f ns\n", (seconds() - t) / rounds * 1e9);
	t = seconds();
	for (long i = 0; i < rounds; i++)
		drop(json_plain_load(stored, strlen(stored)));
	printf("json_plain_load   %6.0f ns\n", (seconds() - t) / rounds * 1e9);
	t = seconds();
	for (long i = 0; i < rounds; i++) {
		struct project_def *d;
		struct field_error err;

		if (project_def_load("p0", stored, 0.05, 0.10, &d, &err)) {
			fprintf(stderr, "refused: %s\n", err.message);
			return 1;
		}
		project_def_free(d);
	}
	printf("project_def_load  %6.0f ns\n", (seconds() - t) / rounds * 1e9);
	jsonutil_scratch_end();
	jsonutil_scratch_free();
	return 0;
}
