/* test_message.c - alert texts and the delivery backoff schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "note.h"
#include "notify.h"

static void test_number(void **state)
{
	static const struct {
		double v;
		const char *want;
	} t[] = {
		{120, "120"},       {291.666666, "291.67"}, {0.5, "0.5"},
		{-0.001, "0"},      {1e6, "1000000"},       {-12.25, "-12.25"},
		{180.1, "180.1"},
	};
	char buf[48];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(message_number(t[i].v, buf, sizeof(buf)),
				    t[i].want);
}

static json_t *parking(void)
{
	/* 120 of 350 while the curve expects 291.67: 34.29 % against
	 * 83.33 %, 49.05 points behind. */
	return json_pack("{s:s,s:s,s:s,s:i,s:i,s:f,s:f,s:f,s:f,s:s,s:s,"
			 "s:{s:f,s:f,s:s,s:f}}",
			 "id", "parking-2022", "title", "新增公共停车泊位",
			 "unit", "个", "current", 120, "target", 350,
			 "expected", 291.6666667, "progress", 120.0 / 350,
			 "expected_progress", 291.6666667 / 350, "gap",
			 (291.6666667 - 120) / 350, "due", "2022-12-31",
			 "owner", "区建设局", "forecast", "rate_per_day", 0.9,
			 "projected_at_due", 200.0, "eta", "2023-04-12",
			 "required_rate_per_day", 1.2345);
}

static void test_text_zh(void **state)
{
	json_t *p = parking();
	char *t = message_text("project.behind", p, MESSAGE_ZH,
			       "https://paced.example.gov.cn/");

	(void)state;
	assert_non_null(t);
	/* What happened comes first. */
	assert_true(strncmp(t, "【落后】新增公共停车泊位", strlen("【落后】新增公共停车泊位")) == 0);
	assert_non_null(strstr(t, "当前 120 / 350 个（34.29%）"));
	assert_non_null(strstr(t, "应达 291.67 个（83.33%）"));
	assert_non_null(strstr(t, "落后 49.05 个百分点"));
	assert_non_null(strstr(t, "区建设局"));
	assert_non_null(strstr(t, "预计 2023-04-12 完成（截止 2022-12-31）"));
	assert_non_null(strstr(t, "需每天新增 1.23 个才能按期完成"));
	/* One slash between the public URL and the path. */
	assert_non_null(
		strstr(t, "https://paced.example.gov.cn/projects/parking-2022"));
	assert_null(strstr(t, "cn//projects"));
	free(t);
	json_decref(p);
}

static void test_text_en_recovered(void **state)
{
	json_t *p = parking();
	char *t;

	(void)state;
	json_object_set_new(p, "gap", json_real(-0.02));
	t = message_text("project.recovered", p, MESSAGE_EN, NULL);
	assert_non_null(t);
	assert_true(strncmp(t, "[Recovered] ", 12) == 0);
	assert_non_null(strstr(t, "120 / 350 个"));
	assert_non_null(strstr(t, "ahead by 2 points"));
	assert_non_null(strstr(t, "Forecast: done by 2023-04-12 (due "
				  "2022-12-31)"));
	assert_non_null(strstr(t, "Needs 1.23 个 a day"));
	assert_null(strstr(t, "http"));
	free(t);
	json_decref(p);
}

static void test_text_burn_down_and_no_unit(void **state)
{
	/* 495 sites to clear to zero, 360 left: "360 of 0" would read as
	 * nonsense, so a burn-down shows where it is heading. */
	json_t *p = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:f,s:f,s:f,s:f,s:s}",
			      "id", "sites", "title", "清零495处", "unit", "处",
			      "baseline", 495, "current", 360, "target", 0,
			      "expected", 300.0, "progress", 135.0 / 495,
			      "expected_progress", 195.0 / 495, "gap",
			      60.0 / 495, "due", "2022-12-31");
	char *t;

	(void)state;
	t = message_text("project.behind", p, MESSAGE_ZH, NULL);
	assert_non_null(t);
	assert_non_null(strstr(t, "当前 360 → 0 处（27.27%）"));
	assert_null(strstr(t, "360 / 0"));
	free(t);
	t = message_text("project.behind", p, MESSAGE_EN, NULL);
	assert_non_null(t);
	assert_non_null(strstr(t, "360 → 0 处 (27.27%)"));
	free(t);
	/* No unit: no space left for it. */
	json_object_set_new(p, "unit", json_string(""));
	json_object_set_new(p, "baseline", json_integer(0));
	json_object_set_new(p, "target", json_integer(10));
	json_object_set_new(p, "current", json_integer(0));
	t = message_text("project.behind", p, MESSAGE_ZH, NULL);
	assert_non_null(t);
	assert_non_null(strstr(t, "当前 0 / 10（27.27%）"));
	assert_non_null(strstr(t, "应达 300（"));
	free(t);
	json_decref(p);
}

/* The digest names itself without "daily" and shows a burn-down as
 * where it is heading; a 32-character unit of 4-byte characters fits
 * whole (the text stays UTF-8). */
static void test_digest_burn_down_and_long_unit(void **state)
{
	char unit[32 * 4 + 1] = "";
	struct note_digest_item items[] = {
		{.id = "sites", .title = "清零495处", .unit = "处",
		 .status = "behind", .current = 360, .target = 0,
		 .burn_down = true, .gap = 0.1212},
		{.id = "long", .title = "长单位", .unit = unit,
		 .status = "behind", .current = 123456789012.25,
		 .target = 987654321098.5, .gap = 0.5},
	};
	struct note_digest d = {.date = "2022-05-01", .n_projects = 2,
				.n_behind = 2, .items = items, .n_items = 2};
	struct note n;
	json_t *p;
	char *t;

	(void)state;
	for (int i = 0; i < 32; i++)
		strcat(unit, "\xf0\x9f\x9a\x97"); /* U+1F697 */
	assert_int_equal(note_digest(&n, &d, "zh-CN", NULL), 0);
	assert_non_null(strstr(n.title, "【进度汇总】"));
	assert_null(strstr(n.title, "每日"));
	assert_non_null(strstr(n.text, "· 清零495处 360 → 0 处，落后 12.12 个"));
	assert_non_null(strstr(n.text, unit));
	note_clear(&n);
	p = json_pack("{s:s,s:s,s:s,s:f,s:f,s:f,s:f,s:f,s:f,s:s}", "id",
		      "long", "title", "长单位", "unit", unit, "current",
		      123456789012.25, "target", 987654321098.5, "expected",
		      500000000.25, "progress", 0.125, "expected_progress",
		      0.5, "gap", 0.375, "due", "2022-12-31");
	t = message_text("project.behind", p, MESSAGE_ZH, NULL);
	assert_non_null(t);
	assert_non_null(strstr(t, unit));
	free(t);
	json_decref(p);
}

/* A burn-down needs a daily decrease; no eta says so; done has no
 * forecast at all. */
static void test_forecast_variants(void **state)
{
	json_t *p = parking();
	json_t *f = json_object_get(p, "forecast");
	char *t;

	(void)state;
	json_object_set_new(f, "eta", json_null());
	json_object_set_new(f, "required_rate_per_day", json_real(-3.5));
	t = message_text("project.behind", p, MESSAGE_ZH, NULL);
	assert_non_null(strstr(t, "按目前进度无法完成"));
	assert_non_null(strstr(t, "需每天减少 3.5 个"));
	free(t);
	json_object_set_new(p, "progress", json_real(1.0));
	t = message_text("project.done", p, MESSAGE_ZH, NULL);
	assert_null(strstr(t, "预计"));
	assert_null(strstr(t, "需每天"));
	free(t);
	json_decref(p);
}

static void test_labels(void **state)
{
	(void)state;
	assert_string_equal(message_label("project.at_risk", MESSAGE_ZH),
			    "【预警】");
	assert_string_equal(message_label("project.overdue", MESSAGE_ZH),
			    "【逾期】");
	assert_string_equal(message_label("project.done", MESSAGE_EN),
			    "[Done]");
	assert_int_equal(message_lang_parse("en"), MESSAGE_EN);
	assert_int_equal(message_lang_parse("zh-CN"), MESSAGE_ZH);
}

/* 5 s doubling per failed attempt, never above 15 min. */
static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(notify_backoff_ms(1), 5000);
	assert_int_equal(notify_backoff_ms(2), 10000);
	assert_int_equal(notify_backoff_ms(3), 20000);
	assert_int_equal(notify_backoff_ms(8), 640000);
	assert_int_equal(notify_backoff_ms(9), 900000);
	assert_int_equal(notify_backoff_ms(1000), 900000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_text_zh),
		cmocka_unit_test(test_text_en_recovered),
		cmocka_unit_test(test_text_burn_down_and_no_unit),
		cmocka_unit_test(test_digest_burn_down_and_long_unit),
		cmocka_unit_test(test_forecast_variants),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
