/*
 * metrics_stream.c - the exposition of a large registry, a piece per
 * loop turn (metrics_stream.h). A project is read once, into a row of
 * values (metrics_internal.h) with a copy of its id: a project archived
 * or changed after that is shown as it was, whole, in every family; one
 * archived before its part of the registry was read is not shown at all.
 */
#include "metrics_stream.h"

#include <stdlib.h>
#include <string.h>

#include "fmt_text.h"
#include "metrics_internal.h"
#include "registry.h"
#include "registry_pick.h"

/* Slots of the registry's table read per turn (a quarter to a half hold
 * a project, each some 300 ns to evaluate), and samples written per
 * piece (some 70 bytes and 0.5 us each): a few milliseconds a turn. */
#define STREAM_PICK_SLOTS 16384
#define STREAM_SAMPLES 4096

enum stream_phase { PHASE_PICK, PHASE_PROJECTS, PHASE_TAIL, PHASE_DONE };

struct metrics_stream {
	struct app *app;
	enum stream_phase phase;
	/* Reading the registry: the rows (struct metrics_row) with copies
	 * of their ids, the instant of this turn's evaluations. */
	struct registry_pick pick;
	paced_ms now;
	struct metrics_row *rows; /* pick's, once sorted */
	size_t n;
	/* Writing: the family and the row it is at. */
	size_t fam, pos;
};

struct metrics_stream *metrics_stream_new(struct app *app)
{
	struct metrics_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->app = app;
	/* Room for what is there now, so the rows are rarely moved. */
	registry_pick_init(&s->pick, app->reg, sizeof(struct metrics_row),
			   registry_count(app->reg) + 64);
	if (!s->pick.rows) {
		free(s);
		return NULL;
	}
	return s;
}

void metrics_stream_free(struct metrics_stream *s)
{
	if (!s)
		return;
	/* The rows of a million projects are some 120 MB that glibc would
	 * otherwise keep resident: the pick gives them back. */
	registry_pick_free(&s->pick);
	free(s);
}

static void pick(struct project *p, void *data)
{
	struct metrics_stream *s = data;
	struct metrics_row *r = registry_pick_add(&s->pick, p->def->id);
	struct registry_id_ref ref;

	if (!r)
		return;
	ref = r->ref;
	metrics_row_fill(r, s->app, p, s->now);
	r->ref = ref; /* where the pick keeps its copy of the id */
	r->id = NULL;
}

/* Reads the next part of the registry; once all of it was read (and
 * sorted, one row per id), points each row at its id, which stays put
 * from now on, and writing begins. 0 or PACED_ENOMEM. */
static int pick_more(struct metrics_stream *s)
{
	int rc = registry_pick_more(&s->pick, s->app->reg, STREAM_PICK_SLOTS,
				    pick, NULL, s);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	s->rows = s->pick.rows;
	s->n = s->pick.n;
	for (size_t i = 0; i < s->n; i++)
		s->rows[i].id = registry_pick_id(&s->pick, i);
	s->phase = PHASE_PROJECTS;
	return 0;
}

/* Up to STREAM_SAMPLES samples of the project families into o, opening
 * with the families before them, and each family with its HELP. */
static void put_projects_part(struct metrics_stream *s, struct metrics_out *o)
{
	size_t budget = STREAM_SAMPLES, nfam = metrics_project_families();

	if (s->fam == 0 && s->pos == 0) {
		metrics_put_head(o, s->app);
		metrics_put_project_count(o, s->n);
	}
	while (s->fam < nfam && budget > 0) {
		size_t width = metrics_project_family_width(s->fam);
		size_t take = budget / width ? budget / width : 1;

		if (take > s->n - s->pos)
			take = s->n - s->pos;
		if (s->pos == 0)
			metrics_project_family_head(o, s->fam);
		metrics_project_samples(o, s->fam, s->rows, s->pos,
					s->pos + take);
		s->pos += take;
		budget = take * width < budget ? budget - take * width : 0;
		if (s->pos == s->n) {
			s->fam++;
			s->pos = 0;
		}
	}
	if (s->fam == nfam)
		s->phase = PHASE_TAIL;
}

int metrics_stream_next(struct metrics_stream *s, paced_ms now, char **piece,
			size_t *len)
{
	struct metrics_out o = {0};
	int rc = 0;

	*piece = NULL;
	*len = 0;
	s->now = now;
	/* One part of the work per piece. */
	switch (s->phase) {
	case PHASE_PICK: rc = pick_more(s); break;
	case PHASE_PROJECTS: put_projects_part(s, &o); break;
	case PHASE_TAIL:
		/* Read now, as metrics_render() reads them at its end. */
		metrics_put_tail(&o, s->app);
		s->phase = PHASE_DONE;
		break;
	case PHASE_DONE: break;
	}
	if (rc == 0 && o.oom)
		rc = PACED_ENOMEM;
	if (rc < 0) {
		free(o.p);
		return rc;
	}
	*piece = o.p;
	*len = o.len;
	return s->phase == PHASE_DONE ? 0 : 1;
}
