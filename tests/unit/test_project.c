/* test_project.c - project.c: the compact definition (text, tags, curve
 * arrays in one allocation), its reload from the stored text, equality
 * across key order, and the project object rendered from the text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonutil.h"
#include "jsonw.h"
#include "project.h"

static const char *const body_text =
	"{\"id\": \"road-7\", \"title\": \"新建道路 7\", \"target\": 12.5,"
	" \"start\": \"2022-01-01\", \"due\": \"2022-12-31\","
	" \"milestones\": [{\"at\": \"2022-06-30\", \"value\": 5}],"
	" \"pauses\": [{\"from\": \"2022-02-01\", \"to\": \"2022-02-07\","
	" \"reason\": \"春节\"}],"
	" \"thresholds\": {\"behind\": 0.2},"
	" \"tags\": [\"交通\", \"民生实事\"], \"owner\": \"交通局\"}";

static struct project_def *parse(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	struct project_def *d = NULL;
	struct field_error e;

	assert_non_null(j);
	assert_int_equal(project_def_parse(NULL, j, 0.05, 0.10, &d, &e), 0);
	json_decref(j);
	return d;
}

static void check_fields(const struct project_def *d)
{
	assert_string_equal(d->id, "road-7");
	assert_true(d->target == 12.5);
	assert_int_equal(d->n_milestones, 1);
	struct pace_curve c;

	assert_true(project_def_milestones(d)[0].value == 5);
	assert_int_equal(d->n_pauses, 1);
	assert_true(project_def_pauses(d)[0].to > project_def_pauses(d)[0].from);
	/* Its own behind; the default at_risk. */
	project_def_curve(d, 0.07, 0.5, &c);
	assert_true(c.behind == 0.2 && c.at_risk == 0.07);
	assert_int_equal(c.n_milestones, 1);
	assert_true(c.milestones == project_def_milestones(d));
	assert_int_equal(project_def_report_every(d), 0);
	assert_int_equal(project_def_grace(d), PACED_MS_PER_DAY);
	assert_int_equal(d->n_tags, 2);
	assert_string_equal(project_def_tag(d, 0), "交通");
	assert_string_equal(project_def_tag(d, 1), "民生实事");
	assert_true(project_def_has_tag(d, "民生实事"));
	assert_false(project_def_has_tag(d, "民生"));
}

/* A stand-in for the database: the text stored for one id, and how
 * often it was asked for. */
static char stored_text[2048];
static int fetches;

static int fetch_stored(const char *id, void *data,
			struct project_stored *out)
{
	assert_string_equal(id, "road-7");
	assert_ptr_equal(data, stored_text);
	fetches++;
	out->created_at = 1000;
	out->defined_at = 2000;
	out->text = stored_text[0] ? strdup(stored_text) : NULL;
	return out->text ? 0 : PACED_ENOENT;
}

/* The text kept is what paced stores: no "id", and it loads back into
 * the same definition. Loaded, the text is not kept: it is read from the
 * source when the definition is shown, once while the parse is cached. */
static void test_parse_and_load(void **state)
{
	struct project_def *d = parse(body_text), *back = NULL;
	struct field_error e;
	json_t *j, *jb;

	(void)state;
	check_fields(d);
	assert_null(strstr(project_def_text(d), "\"id\""));
	j = project_def_json(d);
	assert_string_equal(json_string_value(json_object_get(j, "owner")),
			    "交通局");
	snprintf(stored_text, sizeof(stored_text), "%s", project_def_text(d));
	project_def_set_source(fetch_stored, stored_text);
	assert_int_equal(project_def_load("road-7", project_def_text(d), 0.05,
					  0.10, &back, &e),
			 0);
	check_fields(back);
	assert_null(project_def_text(back));
	fetches = 0;
	jb = project_def_json(back);
	assert_non_null(jb);
	assert_true(json_equal(j, jb));
	json_decref(jb);
	jb = project_def_json(back);
	json_decref(jb);
	assert_int_equal(fetches, 1);
	assert_true(project_def_equal(d, back));
	assert_true(project_def_equal(back, d));
	project_def_free(back);
	/* A source that fails makes no document (and no crash). */
	assert_int_equal(project_def_load("road-7", project_def_text(d), 0.05,
					  0.10, &back, &e),
			 0);
	stored_text[0] = '\0';
	assert_null(project_def_json(back));
	project_def_free(back);
	project_def_set_source(NULL, NULL);
	json_decref(j);
	/* A stored text that still names an id is checked against it. */
	assert_int_equal(project_def_load("other", "{\"id\": \"road-7\"}", 0.05,
					  0.10, &back, &e),
			 PACED_EINVAL);
	assert_string_equal(e.field, "id");
	assert_int_equal(project_def_load("road-7", "{nope", 0.05, 0.10, &back,
					  &e),
			 PACED_EINVAL);
	project_def_free(d);
}

/* A stored text the fast reader leaves to jansson (an escape, a name
 * twice, as an older paced or a hand-edited row may have) loads as
 * jansson reads it. */
static void test_load_escaped_text(void **state)
{
	struct project_def *d = NULL;
	struct field_error e;

	(void)state;
	assert_int_equal(project_def_load("road-7",
					  "{\"title\": \"t\", \"target\": 5, "
					  "\"start\": \"2022-01-01\", \"due\": "
					  "\"2022-12-31\", \"tags\": "
					  "[\"\xe6\x96\xb0\\u5efa \\\"A\\\"\"]}",
					  0.05, 0.10, &d, &e),
			 0);
	assert_string_equal(project_def_tag(d, 0),
			    "\xe6\x96\xb0\xe5\xbb\xba \"A\"");
	project_def_free(d);
	assert_int_equal(project_def_load("road-7",
					  "{\"title\": \"t\", \"target\": 5, "
					  "\"target\": 7, \"start\": "
					  "\"2022-01-01\", \"due\": "
					  "\"2022-12-31\"}",
					  0.05, 0.10, &d, &e),
			 0);
	assert_true(d->target == 7);
	project_def_free(d);
}

/* Reloads compare documents: key order does not make a change, a value
 * does. */
static void test_equal(void **state)
{
	struct project_def *a = parse("{\"id\": \"x\", \"title\": \"t\", "
				      "\"target\": 1, \"start\": \"2022-01-01\","
				      " \"due\": \"2022-12-31\"}");
	struct project_def *b = parse("{\"due\": \"2022-12-31\", \"id\": \"x\","
				      " \"start\": \"2022-01-01\", "
				      "\"target\": 1, \"title\": \"t\"}");
	struct project_def *c = parse("{\"id\": \"x\", \"title\": \"t\", "
				      "\"target\": 2, \"start\": \"2022-01-01\","
				      " \"due\": \"2022-12-31\"}");

	(void)state;
	assert_true(project_def_equal(a, b));
	assert_false(project_def_equal(a, c));
	project_def_free(a);
	project_def_free(b);
	project_def_free(c);
}

/* Forgetting the text keeps every field, the tags and the arrays. */
static void test_forget_text(void **state)
{
	struct project_def *d = parse(body_text), *ref = parse(body_text);
	struct project_def *before = d;

	(void)state;
	assert_non_null(project_def_text(d));
	/* Kept while there is nowhere to read it back from. */
	assert_int_equal(project_def_forget_text(&d), 0);
	assert_ptr_equal(d, before);
	assert_non_null(project_def_text(d));
	project_def_set_source(fetch_stored, stored_text);
	assert_int_equal(project_def_forget_text(&d), 0);
	assert_true(d != before);
	assert_null(project_def_text(d));
	check_fields(d);
	assert_memory_equal(project_def_milestones(d),
			    project_def_milestones(ref),
			    sizeof(struct pace_point));
	assert_memory_equal(project_def_pauses(d), project_def_pauses(ref),
			    sizeof(struct pace_pause));
	assert_true(project_def_size(d) < project_def_size(ref));
	assert_true(d->start == ref->start && d->due == ref->due);
	project_def_free(ref);
	/* Nothing to forget twice. */
	before = d;
	assert_int_equal(project_def_forget_text(&d), 0);
	assert_ptr_equal(d, before);
	check_fields(d);
	project_def_free(d);
	project_def_set_source(NULL, NULL);
}

/* The numbers a definition may give are kept only when given, each
 * read back as given; a project made with project_new holds a copy of
 * its definition that reads the same. */
static void test_numbers_and_inline(void **state)
{
	static const struct {
		const char *extra;
		double at_risk, behind;
		int64_t report_every, grace, repeat;
		bool own_repeat;
		double baseline;
	} cases[] = {
		{"", 0.05, 0.10, 0, PACED_MS_PER_DAY, 0, false, 0},
		{", \"baseline\": 12.5", 0.05, 0.10, 0, PACED_MS_PER_DAY, 0,
		 false, 12.5},
		{", \"baseline\": -0.0, \"repeat_every\": \"1d\"", 0.05, 0.10, 0,
		 PACED_MS_PER_DAY, PACED_MS_PER_DAY, true, -0.0},
		{", \"thresholds\": {\"at_risk\": 0.02}", 0.02, 0.10, 0,
		 PACED_MS_PER_DAY, 0, false, 0},
		{", \"report_every\": \"14d\", \"grace\": \"1d\"", 0.05, 0.10,
		 14 * PACED_MS_PER_DAY, PACED_MS_PER_DAY, 0, false, 0},
		{", \"grace\": \"1500ms\", \"repeat_every\": \"0\"", 0.05,
		 0.10, 0, 1500, 0, true, 0},
		{", \"thresholds\": {\"at_risk\": 0.3, \"behind\": 0.4}, "
		 "\"report_every\": \"1s\", \"grace\": \"2w\", "
		 "\"repeat_every\": \"3h\", \"tags\": [\"a\", \"bcd\"], "
		 "\"pauses\": [{\"from\": \"2022-02-01\", "
		 "\"to\": \"2022-02-03\"}, {\"from\": \"2022-03-01\", "
		 "\"to\": \"2022-03-02\"}]",
		 0.3, 0.4, 1000, 14 * PACED_MS_PER_DAY, 3 * 3600 * 1000, true,
		 0},
	};

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(cases); i++) {
		char text[1024];
		struct project_def *d, *copy;
		struct project state0 = {.current = 3, .has_current = true};
		struct project *p;
		struct pace_curve c;
		int64_t own = -1;

		snprintf(text, sizeof(text),
			 "{\"id\": \"n-%zu\", \"title\": \"t\", "
			 "\"target\": 10, \"start\": \"2022-01-01\", "
			 "\"due\": \"2022-12-31\"%s}",
			 i, cases[i].extra);
		d = parse(text);
		copy = parse(text);
		p = project_new(copy, &state0);
		assert_non_null(p);
		assert_true(p->def_inline);
		assert_true(p->current == 3 && p->has_current);
		assert_true((void *)p->def == (void *)(p + 1));
		for (int k = 0; k < 2; k++) {
			const struct project_def *x = k ? p->def : d;

			project_def_curve(x, 0.05, 0.10, &c);
			assert_true(c.at_risk == cases[i].at_risk);
			assert_true(c.behind == cases[i].behind);
			assert_int_equal(project_def_report_every(x),
					 cases[i].report_every);
			assert_int_equal(project_def_grace(x),
					 cases[i].grace);
			assert_memory_equal(&(double){project_def_baseline(x)},
					    &cases[i].baseline,
					    sizeof(double));
			assert_true(c.baseline == cases[i].baseline);
			assert_int_equal(project_def_repeat_every(x, &own),
					 cases[i].own_repeat);
			if (cases[i].own_repeat)
				assert_int_equal(own, cases[i].repeat);
			assert_int_equal(project_def_size(x),
					 project_def_size(d));
			assert_memory_equal(x, d, project_def_size(d));
		}
		if (i == PACED_ARRAY_LEN(cases) - 1) {
			assert_string_equal(project_def_tag(p->def, 1), "bcd");
			assert_int_equal(project_def_pauses(p->def)[1].from -
						 project_def_pauses(p->def)[0].from,
					 28 * PACED_MS_PER_DAY);
		}
		/* A redefinition replaces the inline one with its own. */
		project_drop_def(p);
		p->def = d;
		assert_false(p->def_inline);
		project_free(p);
	}
	project_slab_release();
}

/* The thresholds are the one part that depends on the configuration. */
static void test_check_thresholds(void **state)
{
	struct project_def *d = parse(body_text);
	struct field_error e;

	(void)state;
	assert_int_equal(project_def_check_thresholds(d, 0.05, 0.10, &e), 0);
	assert_int_equal(project_def_check_thresholds(d, 0.3, 0.4, &e),
			 PACED_EINVAL);
	assert_string_equal(e.field, "thresholds.behind");
	project_def_free(d);
}

/* The project object: SPEC's keys in SPEC's order, the definition's
 * values as given and defaults for the rest. */
static void test_to_json(void **state)
{
	struct project p = {.def = parse(body_text)};
	struct project_view v = {.at_risk = 0.05, .behind = 0.2};
	json_t *o;
	char *s;
	const char *key;
	json_t *val;
	static const char *const keys[] = {
		"id", "title", "unit", "baseline", "target", "start", "due",
		"curve", "milestones", "pauses", "thresholds", "report_every",
		"grace", "repeat_every", "tags", "owner", "declared", "current",
		"updated_at", "expected", "progress", "expected_progress",
		"gap", "status", "status_since", "stale", "forecast",
		"created_at", "defined_at",
	};
	size_t i = 0;

	(void)state;
	o = project_to_json(&p, &v);
	json_object_foreach(o, key, val) {
		assert_true(i < PACED_ARRAY_LEN(keys));
		assert_string_equal(key, keys[i++]);
	}
	assert_int_equal(i, PACED_ARRAY_LEN(keys));
	s = jsonutil_dump(json_object_get(o, "pauses"), NULL);
	assert_string_equal(s, "[{\"from\":\"2022-02-01\",\"to\":\"2022-02-07\","
			       "\"reason\":\"春节\"}]");
	free(s);
	assert_string_equal(json_string_value(json_object_get(o, "unit")), "");
	assert_true(json_real_value(json_object_get(o, "target")) == 12.5);
	assert_int_equal(json_integer_value(json_object_get(o, "baseline")), 0);
	assert_string_equal(json_string_value(json_object_get(o, "curve")),
			    "milestones");
	assert_string_equal(json_string_value(json_object_get(o, "grace")),
			    "1d");
	assert_true(json_is_null(json_object_get(o, "report_every")));
	json_decref(o);
	project_def_free(p.def);
}

/* The text written and the tree built by the same calls agree: the
 * tree dumps to the very bytes written, and holds the very doubles
 * evaluated (test_to_json checks the keys and their order). */
static void test_written_and_tree_agree(void **state)
{
	struct project p = {.def = parse(body_text)};
	struct project_view v = {.at_risk = 0.05, .behind = 0.2};
	struct jsonw w;
	char *written, *dumped;
	json_t *o;

	(void)state;
	v.eval.expected = 0.1 + 0.2;
	v.eval.progress = 1.0 / 3;
	v.eval.gap = 2.0 / 3 - 0.1;
	v.forecast.rate_per_day = 7;
	v.forecast.has_required_rate = true;
	v.forecast.required_rate_per_day = 1e-7;
	jsonw_init(&w, 15);
	assert_int_equal(project_write_json(&w, &p, &v), 0);
	written = jsonw_finish(&w, NULL);
	o = project_to_json(&p, &v);
	assert_non_null(written);
	assert_non_null(o);
	dumped = jsonutil_dump(o, NULL);
	assert_string_equal(written, dumped);
	assert_true(json_real_value(json_object_get(o, "expected")) ==
		    0.1 + 0.2);
	assert_true(json_real_value(json_object_get(o, "progress")) ==
		    1.0 / 3);
	assert_true(json_real_value(json_object_get(
			    json_object_get(o, "forecast"),
			    "required_rate_per_day")) == 1e-7);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(o, "forecast"),
				 "rate_per_day")),
			 7);
	free(written);
	free(dumped);
	json_decref(o);
	project_def_free(p.def);
}

static char *written_at_15(const struct project *p,
			   const struct project_view *v)
{
	struct jsonw w;

	jsonw_init(&w, 15);
	assert_int_equal(project_write_json(&w, p, v), 0);
	return jsonw_finish(&w, NULL);
}

static char *tree_dumped(const struct project *p, const struct project_view *v)
{
	json_t *o = project_to_json(p, v);
	char *t;

	assert_non_null(o);
	t = jsonutil_dump(o, NULL);
	json_decref(o);
	return t;
}

/* The definition's fields are written from their memo after the first
 * time: the bytes the field-by-field tree gives, every time; and a new
 * definition where the old one was freed (malloc often hands back the
 * same address) shows its own fields, with the defaults filled in. */
static void test_def_fields_memo(void **state)
{
	static const char *const short_text =
		"{\"id\": \"road-8\", \"title\": \"改造小区 8\", \"target\": 63,"
		" \"start\": \"2022-01-01\", \"due\": \"2022-12-31\"}";
	char same_size[512];
	struct project p = {.def = parse(body_text)};
	struct project_view v = {.at_risk = 0.05, .behind = 0.2};
	char *first, *again, *tree, *other;

	(void)state;
	first = written_at_15(&p, &v);
	again = written_at_15(&p, &v);
	tree = tree_dumped(&p, &v);
	assert_non_null(first);
	assert_string_equal(first, again);
	assert_string_equal(first, tree);
	assert_non_null(strstr(first, "\"owner\":\"交通局\""));
	free(again);
	free(tree);

	/* The same definition but its owner, at the same size: the block
	 * freed is the one malloc hands out next (not under ASan). */
	snprintf(same_size, sizeof(same_size), "%s", body_text);
	memcpy(strstr(same_size, "交通局"), "住建局", strlen("住建局"));
	project_def_free(p.def);
	p.def = parse(same_size);
	other = written_at_15(&p, &v);
	tree = tree_dumped(&p, &v);
	assert_string_equal(other, tree);
	assert_non_null(strstr(other, "\"owner\":\"住建局\""));
	free(other);
	free(tree);

	project_def_free(p.def);
	p.def = parse(short_text);
	other = written_at_15(&p, &v);
	tree = tree_dumped(&p, &v);
	assert_non_null(other);
	assert_string_equal(other, tree);
	assert_string_not_equal(other, first);
	assert_non_null(strstr(other, "\"title\":\"改造小区 8\""));
	assert_non_null(strstr(other, "\"unit\":\"\",\"baseline\":0,"));
	assert_non_null(strstr(other, "\"tags\":[],\"owner\":null,"));
	assert_null(strstr(other, "road-7"));
	free(first);
	free(other);
	free(tree);
	project_def_free(p.def);
}

/* More definitions than the cache holds, shown in turn, forwards and
 * backwards: each shows its own fields whether its document and memo
 * were kept, evicted by another of its set, or read again. */
static void test_def_cache_evictions(void **state)
{
	enum { N = 6000 };
	struct project *p = calloc(N, sizeof(*p));
	struct project_view v = {.at_risk = 0.05, .behind = 0.2};
	char text[256], want[128];

	(void)state;
	assert_non_null(p);
	for (int i = 0; i < N; i++) {
		snprintf(text, sizeof(text),
			 "{\"id\": \"p%d\", \"title\": \"项目 %d\","
			 " \"target\": %d, \"start\": \"2022-01-01\","
			 " \"due\": \"2022-12-31\"}",
			 i, i, i + 1);
		p[i].def = parse(text);
	}
	for (int round = 0; round < 3; round++) {
		for (int k = 0; k < N; k++) {
			int i = round == 1 ? N - 1 - k : (k * 7919) % N;
			char *got = written_at_15(&p[i], &v);

			snprintf(want, sizeof(want),
				 "{\"id\":\"p%d\",\"title\":\"项目 %d\","
				 "\"unit\":\"\",\"baseline\":0,\"target\":%d,",
				 i, i, i + 1);
			assert_non_null(got);
			assert_memory_equal(got, want, strlen(want));
			free(got);
		}
	}
	for (int i = 0; i < N; i++)
		project_def_free(p[i].def);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_load),
		cmocka_unit_test(test_load_escaped_text),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_forget_text),
		cmocka_unit_test(test_numbers_and_inline),
		cmocka_unit_test(test_check_thresholds),
		cmocka_unit_test(test_to_json),
		cmocka_unit_test(test_written_and_tree_agree),
		cmocka_unit_test(test_def_fields_memo),
		cmocka_unit_test(test_def_cache_evictions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
