/*
 * test_store_def.c - definitions shown from the database (store_def.c):
 * a live project keeps no text in memory, and the text read back for it
 * is byte for byte what was stored, after a create, a redefinition, an
 * archive and a restore; the project object shows the definition in
 * force.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "app.h"
#include "conf.h"
#include "log.h"
#include "project.h"
#include "registry.h"
#include "store.h"
#include "timefmt.h"
#include "tracker.h"

struct fixture {
	struct app app;
	paced_ms now;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(store_open(":memory:", STORE_DURABILITY_NORMAL,
				    &f->app.store, err, sizeof(err)),
			 0);
	f->app.conf = conf_new_defaults();
	f->app.reg = registry_new();
	assert_non_null(f->app.conf);
	assert_non_null(f->app.reg);
	assert_int_equal(timefmt_parse("2022-03-01", false, &f->now, NULL), 0);
	project_def_set_source(store_def_fetch, f->app.store);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	registry_free(f->app.reg);
	project_def_set_source(NULL, NULL);
	store_close(f->app.store);
	conf_free(f->app.conf);
	free(f);
	return 0;
}

/* A definition as a client gives it, and the text paced makes of it
 * (kept by the caller to compare). */
static struct project_def *define(const char *text, char **stored)
{
	json_t *j = json_loads(text, 0, NULL);
	struct project_def *d = NULL;
	struct field_error e;

	assert_non_null(j);
	assert_int_equal(project_def_parse("road-7", j, 0.05, 0.10, &d, &e),
			 0);
	json_decref(j);
	*stored = strdup(project_def_text(d));
	assert_non_null(*stored);
	return d;
}

static paced_ms instant_of(const json_t *o, const char *key)
{
	paced_ms t = 0;

	assert_int_equal(timefmt_parse(json_string_value(json_object_get(o, key)),
				       false, &t, NULL),
			 0);
	return t;
}

/* The live project keeps no text, the database has exactly the one
 * stored, and the object shows it. */
static void check_shown(struct fixture *f, const char *stored,
			const char *title, paced_ms created_at,
			paced_ms defined_at)
{
	struct project *p = registry_get(f->app.reg, "road-7");
	struct project_view v;
	char *back = NULL;
	json_t *o;

	assert_non_null(p);
	assert_null(project_def_text(p->def));
	assert_int_equal(store_project_definition(f->app.store, "road-7",
						  &back),
			 0);
	assert_string_equal(back, stored);
	free(back);
	assert_int_equal(tracker_view(&f->app, p, f->now, &v), 0);
	o = project_to_json(p, &v);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "title")),
			    title);
	assert_string_equal(json_string_value(json_object_get(o, "owner")),
			    "交通局");
	/* The times as stored with it. */
	assert_int_equal(instant_of(o, "created_at"), created_at);
	assert_int_equal(instant_of(o, "defined_at"), defined_at);
	/* Reals as given, to the last digit. */
	assert_true(json_real_value(json_object_get(o, "target")) ==
		    0.1 + 0.2);
	json_decref(o);
}

static const char *const first =
	"{\"title\": \"新建道路 7\", \"target\": 0.30000000000000004, "
	"\"start\": \"2022-01-01\", \"due\": \"2022-12-31\", "
	"\"tags\": [\"交通\"], \"owner\": \"交通局\"}";
static const char *const second =
	"{\"owner\": \"交通局\", \"title\": \"道路 7（二期）\", "
	"\"target\": 0.30000000000000004, \"start\": \"2022-01-01\", "
	"\"due\": \"2023-06-30\", \"report_every\": \"14d\"}";

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct project *p;
	char *stored, *again;
	bool created;
	paced_ms t0 = f->now;

	p = NULL;
	assert_int_equal(tracker_create(&f->app, define(first, &stored), false,
					f->now, &p),
			 0);
	check_shown(f, stored, "新建道路 7", t0, t0);
	assert_true(project_def_has_tag(p->def, "交通"));
	free(stored);

	/* A redefinition (PUT): the new text, shown at once. */
	f->now += PACED_MS_PER_DAY;
	assert_int_equal(tracker_replace(&f->app, define(second, &stored),
					 false, f->now, &p, &created),
			 0);
	assert_false(created);
	check_shown(f, stored, "道路 7（二期）", t0, t0 + PACED_MS_PER_DAY);
	assert_int_equal(p->def->n_tags, 0);

	/* Archived: gone from memory, its text kept in the database. */
	assert_int_equal(tracker_archive(&f->app, "road-7", f->now), 0);
	assert_null(registry_get(f->app.reg, "road-7"));
	assert_int_equal(store_project_definition(f->app.store, "road-7",
						  &again),
			 0);
	assert_string_equal(again, stored);
	free(again);
	free(stored);

	/* Restored by a PUT with the first definition again. */
	f->now += PACED_MS_PER_DAY;
	assert_int_equal(tracker_replace(&f->app, define(first, &stored),
					 false, f->now, &p, &created),
			 0);
	assert_true(created);
	/* Created when it was first created (as stored), defined now. */
	check_shown(f, stored, "新建道路 7", t0, t0 + 2 * PACED_MS_PER_DAY);
	free(stored);
}

/* A definition loaded at start-up is shown the same way, and an id the
 * database does not know gives nothing. */
static void test_load_and_unknown(void **state)
{
	struct fixture *f = *state;
	struct project_def *d = NULL;
	struct project *p = NULL;
	struct field_error e;
	char *stored, *none = (char *)"x";
	struct project_stored st;
	json_t *a, *b;

	assert_int_equal(tracker_create(&f->app, define(first, &stored), false,
					f->now, &p),
			 0);
	assert_int_equal(project_def_load("road-7", stored, 0.05, 0.10, &d,
					  &e),
			 0);
	assert_null(project_def_text(d));
	a = project_def_json(d);
	b = json_loads(stored, 0, NULL);
	assert_non_null(a);
	assert_true(json_equal(a, b));
	assert_true(project_def_equal(d, p->def));
	json_decref(a);
	json_decref(b);
	project_def_free(d);
	free(stored);
	assert_int_equal(store_project_definition(f->app.store, "nope", &none),
			 PACED_ENOENT);
	assert_null(none);
	assert_int_equal(store_def_fetch("nope", f->app.store, &st),
			 PACED_ENOENT);
	assert_null(st.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_and_unknown, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
