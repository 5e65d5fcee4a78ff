/*
 * reschedule - how long one reschedule takes: computing a project's next
 * wake-up (pace_next_change, staleness, reminder) and moving its entry in
 * the scheduler's heap, with N projects (default 100 000) in the heap.
 *   make bench-reschedule   (or build/bench/reschedule [N] [ROUNDS])
 */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "app.h"
#include "conf.h"
#include "project.h"
#include "sched.h"
#include "seconds.h"
#include "timefmt.h"
#include "tracker.h"

static void fire(void *item, paced_ms at, paced_ms now, void *data)
{
	(void)item, (void)at, (void)now, (void)data;
}

static struct project *make_project(int i, paced_ms now)
{
	char buf[512];
	char start[TIMEFMT_MAX], due[TIMEFMT_MAX];
	struct project_def *def;
	struct project *p;
	struct field_error err;
	json_t *j;

	/* Spans from a month to three years, some with milestones and a
	 * reporting cadence, so the costly paths are exercised. */
	timefmt_rfc3339(now - PACED_MS_PER_DAY * (i % 300), start);
	timefmt_rfc3339(now + PACED_MS_PER_DAY * (30 + i % 900), due);
	snprintf(buf, sizeof(buf),
		 "{\"title\": \"项目\", \"target\": %d, \"start\": \"%s\", "
		 "\"due\": \"%s\"%s}",
		 100 + i % 500, start, due,
		 i % 10 == 0 ? ", \"report_every\": \"7d\"" : "");
	j = json_loads(buf, 0, NULL);
	if (!j || project_def_parse("p", j, 0.05, 0.10, &def, &err) < 0) {
		fprintf(stderr, "bad definition: %s\n", err.message);
		exit(1);
	}
	json_decref(j);
	p = calloc(1, sizeof(*p));
	p->def = def;
	p->status = PACE_ON_TRACK;
	p->has_current = true;
	p->current = (i % 7) * 10;
	p->current_at = now;
	return p;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 100000;
	int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 10;
	struct app app = {0};
	struct project **ps = calloc((size_t)n, sizeof(*ps));
	paced_ms now = timefmt_now();
	double t0, t1, t2;

	app.loop = uv_default_loop();
	app.conf = conf_new_defaults();
	if (!ps || !app.conf ||
	    sched_new(&app.sched, app.loop, fire, NULL, NULL) < 0)
		return 1;
	for (int i = 0; i < n; i++)
		ps[i] = make_project(i, now);
	t0 = seconds();
	for (int i = 0; i < n; i++)
		tracker_reschedule(&app, ps[i], now);
	t1 = seconds();
	/* Every project again, as after an update each: the entry moves. */
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < n; i++)
			tracker_reschedule(&app, ps[i], now + 1000 * (r + 1));
	t2 = seconds();
	printf("projects in the heap: %zu\n", sched_count(app.sched));
	printf("first schedule: %.0f ns per project\n", (t1 - t0) / n * 1e9);
	printf("reschedule (next wake-up + heap move): %.0f ns per project "
	       "(%d x %d)\n",
	       (t2 - t1) / ((double)n * rounds) * 1e9, rounds, n);
	for (int i = 0; i < n; i++)
		project_free(ps[i]);
	free(ps);
	sched_close(app.sched, NULL, NULL);
	uv_run(app.loop, UV_RUN_DEFAULT);
	conf_free(app.conf);
	return 0;
}
