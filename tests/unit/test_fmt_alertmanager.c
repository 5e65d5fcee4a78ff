/*
 * test_fmt_alertmanager.c - the Alertmanager channel driver: the alerts
 * (labels, annotations, firing or resolved times) for each kind of event
 * and for a summary, the API URL from the configured one, no digest, and
 * the judge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "fmt_testutil.h"

#define T_EVENT (FTU_NOW - 90 * 1000)
#define H25 (25LL * 3600 * 1000)

static void test_am_driver(void **state)
{
	(void)state;
	ftu_check_driver("alertmanager", 0, 0, false);
}

static const struct conf_channel am_ch = {
	.name = (char *)"am",
	.type = (char *)"alertmanager",
	.url = (char *)"http://127.0.0.1:9093/",
	.timeout_ms = 10000,
};

/* One event: the stored event, its snapshot, its note. */
struct ev {
	struct store_event e;
	json_t *project;
	struct note note;
	char title[128], text[256];
};

static void ev_make(struct ev *v, const char *type, const char *prev,
		    const char *status, bool stale, paced_ms at,
		    const char *link)
{
	memset(v, 0, sizeof(*v));
	v->e.id = "evt_1";
	v->e.project_id = "parking-2022";
	v->e.type = type;
	v->e.at = at;
	v->e.previous_status = prev;
	v->e.status = status;
	v->project = json_pack("{s:s,s:s,s:s,s:b}", "id", "parking-2022",
			       "title", "新增公共停车泊位", "status", status,
			       "stale", stale);
	assert_non_null(v->project);
	snprintf(v->title, sizeof(v->title), "[%s] 新增公共停车泊位", type);
	snprintf(v->text, sizeof(v->text), "%s\n当前 120 / 350 个", v->title);
	v->note.title = v->title;
	v->note.text = v->text;
	v->note.link = (char *)link;
}

static void ev_free(struct ev *v)
{
	json_decref(v->project);
}

static struct chan_event ev_chan(const struct ev *v)
{
	return (struct chan_event){&v->e, v->project, &v->note};
}

/* Renders the events (one: CHAN_ONE; more: CHAN_SUMMARY) and returns the
 * parsed body, an array. */
static json_t *am_render(struct ev *evs, size_t n, struct chan_request *r)
{
	struct chan_event ce[8];
	struct note summary = {.title = (char *)"【汇总】", .text = (char *)"x"};
	struct chan_msg m = ftu_msg(&am_ch, n == 1 ? CHAN_ONE : CHAN_SUMMARY,
				    n == 1 ? &evs[0].note : &summary, "zh-CN",
				    FTU_NOW);
	json_t *body;

	assert_true(n <= PACED_ARRAY_LEN(ce));
	for (size_t i = 0; i < n; i++)
		ce[i] = ev_chan(&evs[i]);
	m.events = ce;
	m.n_events = n;
	m.id = "evt_1";
	body = ftu_render_msg_json(&m, r);
	assert_string_equal(r->url, "http://127.0.0.1:9093/api/v2/alerts");
	assert_true(json_is_array(body));
	return body;
}

static char *iso(paced_ms t, char *buf, size_t n)
{
	time_t s = (time_t)(t / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* Checks one alert: exactly the three labels, the annotations from the
 * note, and its times: firing (startsAt = event, endsAt = now + 25 h) or
 * resolved (endsAt = event, no startsAt). */
static void check_alert(const json_t *a, const struct ev *v,
			const char *status, bool firing)
{
	const json_t *labels = json_object_get(a, "labels");
	const json_t *ann = json_object_get(a, "annotations");
	char want[64];

	assert_int_equal(json_object_size(labels), 3);
	assert_string_equal(ftu_str(labels, "alertname"), "PacedProject");
	assert_string_equal(ftu_str(labels, "project"), "parking-2022");
	assert_string_equal(ftu_str(labels, "status"), status);
	assert_string_equal(ftu_str(ann, "summary"), v->note.title);
	assert_string_equal(ftu_str(ann, "description"), v->note.text);
	if (v->note.link)
		assert_string_equal(ftu_str(a, "generatorURL"), v->note.link);
	else
		assert_null(json_object_get(a, "generatorURL"));
	if (firing) {
		assert_string_equal(ftu_str(a, "startsAt"),
				    iso(v->e.at, want, sizeof(want)));
		assert_string_equal(ftu_str(a, "endsAt"),
				    iso(FTU_NOW + H25, want, sizeof(want)));
	} else {
		assert_null(json_object_get(a, "startsAt"));
		assert_string_equal(ftu_str(a, "endsAt"),
				    iso(v->e.at, want, sizeof(want)));
	}
}

/* One event of a project, and the alerts it must come out as, in order:
 * by status label, firing or (false) resolved. */
struct am_case {
	const char *type, *prev, *status;
	bool stale;
	const char *link;
	struct {
		const char *status;
		bool firing;
	} alerts[3]; /* up to the first NULL status */
};

static void run_am_cases(const struct am_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct chan_request r;
		struct ev v;
		json_t *body;
		size_t k;

		ev_make(&v, c[i].type, c[i].prev, c[i].status, c[i].stale,
			T_EVENT, c[i].link);
		body = am_render(&v, 1, &r);
		for (k = 0; c[i].alerts[k].status;)
			k++;
		if (json_array_size(body) != k)
			fail_msg("%s %s -> %s: %zu alerts, want %zu",
				 c[i].type, c[i].prev, c[i].status,
				 json_array_size(body), k);
		for (k = 0; c[i].alerts[k].status; k++)
			check_alert(json_array_get(body, k), &v,
				    c[i].alerts[k].status,
				    c[i].alerts[k].firing);
		json_decref(body);
		chan_request_clear(&r);
		ev_free(&v);
	}
}

static void test_am_behind_fires(void **state)
{
	static const struct am_case c[] = {
		/* at_risk -> behind: at_risk resolved, behind firing. */
		{"project.behind", "at_risk", "behind", false, FTU_LINK,
		 {{"at_risk", false}, {"behind", true}}},
		/* on_track -> behind, no public_url: just the firing one. */
		{"project.behind", "on_track", "behind", false, NULL,
		 {{"behind", true}}},
	};

	(void)state;
	run_am_cases(c, PACED_ARRAY_LEN(c));
}

static void test_am_recovered_resolves(void **state)
{
	static const struct am_case c[] = {
		{"project.recovered", "behind", "on_track", false, FTU_LINK,
		 {{"behind", false}}},
		{"project.done", "overdue", "done", false, FTU_LINK,
		 {{"overdue", false}}},
		/* on_track -> done: nothing was firing, nothing to say. */
		{"project.done", "on_track", "done", false, FTU_LINK, {{NULL}}},
	};

	(void)state;
	run_am_cases(c, PACED_ARRAY_LEN(c));
}

static void test_am_status_change_two_alerts(void **state)
{
	static const struct am_case c[] = {
		{"project.at_risk", "behind", "at_risk", false, FTU_LINK,
		 {{"behind", false}, {"at_risk", true}}},
		{"project.overdue", "behind", "overdue", false, FTU_LINK,
		 {{"behind", false}, {"overdue", true}}},
	};

	(void)state;
	run_am_cases(c, PACED_ARRAY_LEN(c));
}

/* Stale is its own alert beside the status; reminders restate all. */
static void test_am_stale_and_reminders(void **state)
{
	static const struct am_case c[] = {
		{"project.stale", "on_track", "on_track", true, FTU_LINK,
		 {{"stale", true}}},
		/* Resumed while behind: stale resolved, behind still
		 * firing. */
		{"project.resumed", "behind", "behind", false, FTU_LINK,
		 {{"stale", false}, {"behind", true}}},
		{"project.reminder", "behind", "behind", true, FTU_LINK,
		 {{"behind", true}, {"stale", true}}},
		/* A recovery while still stale keeps the stale alert
		 * alive. */
		{"project.recovered", "at_risk", "on_track", true, FTU_LINK,
		 {{"at_risk", false}, {"stale", true}}},
	};

	(void)state;
	run_am_cases(c, PACED_ARRAY_LEN(c));
}

/* A summary is every event's alerts, in order, in one array. */
static void test_am_summary(void **state)
{
	struct ev v[3];
	struct chan_request r;
	json_t *body;

	(void)state;
	ev_make(&v[0], "project.at_risk", "on_track", "at_risk", false,
		T_EVENT - 3000, FTU_LINK);
	ev_make(&v[1], "project.behind", "at_risk", "behind", false,
		T_EVENT - 2000, FTU_LINK);
	ev_make(&v[2], "project.recovered", "behind", "on_track", false,
		T_EVENT - 1000, NULL);
	body = am_render(v, 3, &r);
	assert_int_equal(json_array_size(body), 4);
	check_alert(json_array_get(body, 0), &v[0], "at_risk", true);
	check_alert(json_array_get(body, 1), &v[1], "at_risk", false);
	check_alert(json_array_get(body, 2), &v[1], "behind", true);
	check_alert(json_array_get(body, 3), &v[2], "behind", false);
	json_decref(body);
	chan_request_clear(&r);
	for (size_t i = 0; i < 3; i++)
		ev_free(&v[i]);
}

static void test_am_urls_and_digest(void **state)
{
	static const struct {
		const char *url, *want;
	} urls[] = {
		{"http://127.0.0.1:9093",
		 "http://127.0.0.1:9093/api/v2/alerts"},
		{"http://127.0.0.1:9093/",
		 "http://127.0.0.1:9093/api/v2/alerts"},
		{"https://am.example/prefix//",
		 "https://am.example/prefix/api/v2/alerts"},
		{"http://am:9093/api/v2/alerts",
		 "http://am:9093/api/v2/alerts"},
	};
	const struct chan_driver *d = ftu_driver("alertmanager");
	struct conf_channel ch = am_ch;
	struct ev v;
	struct chan_event ce;
	struct chan_msg m;
	struct chan_request r = {0};
	char err[128] = "";

	(void)state;
	ev_make(&v, "project.behind", "on_track", "behind", false, T_EVENT,
		FTU_LINK);
	ce = ev_chan(&v);
	m = ftu_msg(&ch, CHAN_ONE, &v.note, "en", FTU_NOW);
	m.events = &ce;
	m.n_events = 1;
	for (size_t i = 0; i < PACED_ARRAY_LEN(urls); i++) {
		ch.url = (char *)urls[i].url;
		assert_int_equal(d->render(&m, &r, err, sizeof(err)), 0);
		assert_string_equal(r.url, urls[i].want);
		chan_request_clear(&r);
	}
	/* Alertmanager has no place for a digest. */
	m = ftu_msg(&ch, CHAN_DIGEST, &v.note, "en", FTU_NOW);
	assert_int_equal(d->render(&m, &r, err, sizeof(err)), PACED_EINVAL);
	assert_true(strlen(err) > 0);
	chan_request_clear(&r);
	ev_free(&v);
}

static void test_am_judge(void **state)
{
	static const struct ftu_judge_case c[] = {
		{200, CURLE_OK, "", -1, CHAN_SENT, -1, NULL, NULL},
		{400, CURLE_OK, "\"start time must be before end time\"", -1,
		 CHAN_DEAD, -1, "start time must be before", NULL},
		{404, CURLE_OK, "404 page not found\n", -1, CHAN_DEAD, -1, NULL,
		 NULL},
		{500, CURLE_OK, "oops", -1, CHAN_RETRY, -1, NULL, NULL},
		{503, CURLE_OK, "", -1, CHAN_RETRY, -1, NULL, NULL},
		{0, CURLE_COULDNT_CONNECT, "", -1, CHAN_RETRY, -1, NULL, NULL},
		{0, CURLE_OPERATION_TIMEDOUT, "", -1, CHAN_RETRY, -1, NULL,
		 NULL},
	};

	(void)state;
	ftu_run_judge_cases("alertmanager", "curl says no", c,
			    PACED_ARRAY_LEN(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_am_driver),
		cmocka_unit_test(test_am_behind_fires),
		cmocka_unit_test(test_am_recovered_resolves),
		cmocka_unit_test(test_am_status_change_two_alerts),
		cmocka_unit_test(test_am_stale_and_reminders),
		cmocka_unit_test(test_am_summary),
		cmocka_unit_test(test_am_urls_and_digest),
		cmocka_unit_test(test_am_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
