/* test_conf.c - conf.c: defaults and the values a valid config loads to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_testutil.h"
#include "paced.h"

static void test_defaults(void **state)
{
	struct conf *c = conf_new_defaults();

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->file, "(defaults)");
	assert_int_equal(c->n_listen, 1);
	assert_string_equal(c->listen[0], "127.0.0.1:8080");
	assert_null(c->timezone);
	assert_int_equal(c->max_body, 1024 * 1024);
	assert_int_equal(c->max_header, 16 * 1024);
	assert_int_equal(c->idle_timeout_ms, 60000);
	assert_string_equal(c->log_level, "info");
	assert_string_equal(c->db_path, "./paced.db");
	assert_int_equal(c->durability, CONF_DURABILITY_FULL);
	assert_string_equal(c->language, "zh-CN");
	assert_int_equal(c->repeat_every_ms, 24 * 3600 * 1000LL);
	assert_true(c->at_risk == 0.05);
	assert_true(c->behind == 0.10);
	assert_null(c->public_url);
	assert_int_equal(c->n_channels, 0);
	assert_int_equal(c->n_tokens, 0);
	assert_int_equal(c->n_projects, 0);
	assert_null(conf_channel_find(c, "ops"));
	conf_free(c);
	conf_free(NULL);
}

/* An empty file, and one with only comments, is the defaults. */
static void test_empty_file(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok("");
	assert_string_equal(c->file, cfgpath);
	assert_string_equal(c->listen[0], "127.0.0.1:8080");
	assert_string_equal(c->db_path, "./paced.db");
	conf_free(c);
	c = load_ok("; nothing\n# here\n\n   \n");
	assert_int_equal(c->max_body, 1024 * 1024);
	conf_free(c);
	/* Empty sections keep their defaults. */
	c = load_ok("[server]\n[storage]\n[alerts]\n");
	assert_string_equal(c->language, "zh-CN");
	conf_free(c);
}

static const char full_conf[] =
	"[server]\n"
	"listen = 0.0.0.0:8080, [::1]:9090, unix:/run/paced/paced.sock, "
	"localhost:80\n"
	"timezone = Asia/Shanghai\n"
	"max_body = 64k\n"
	"max_header = 8192\n"
	"idle_timeout = 2m\n"
	"log_level = debug\n"
	"\n"
	"[storage]\n"
	"path = /var/lib/paced/paced.db\n"
	"durability = normal\n"
	"\n"
	"[alerts]\n"
	"language = en\n"
	"repeat_every = 0\n"
	"at_risk = 0.1\n"
	"behind = 0.1\n"
	"public_url = https://paced.example.gov.cn\n"
	"\n"
	"[channel.ops]\n"
	"type = webhook\n"
	"url = http://127.0.0.1:9000/hook\n"
	"secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"
	"events = behind, project.overdue, stale, recovered, done\n"
	"tags = 亚运, 民生实事\n"
	"language = zh-CN\n"
	"timeout = 5s\n"
	"max_age = 2h\n"
	"\n"
	"[channel.mail]\n"
	"type = email\n"
	"url = smtps://mail.example.gov.cn:465\n"
	"from = paced@example.gov.cn\n"
	"to = zhang@example.gov.cn, li@example.gov.cn\n"
	"\n"
	"[token.jianshe]\n"
	"sha256 = 9F86D081884C7D659A2FEAA0C55AD015"
	"A3BF4F1B2B0B822CD15D6C15B0F00A08\n"
	"role = reporter\n"
	"projects = parking-*, schools-*\n"
	"\n"
	"[token.admin]\n"
	"sha256 = 60303ae22b998861bce3b28f33eec1be"
	"758a213c86c93c076dbe9f558c11c752\n"
	"role = admin\n"
	"\n"
	"[project.parking-2022]\n"
	"title = 新增公共停车泊位\n"
	"target = 350\n"
	"start = 2022-01-01\n"
	"due = 2022-12-31\n";

static void test_full(void **state)
{
	const struct conf_channel *ch;
	struct conf *c;

	(void)state;
	c = load_ok(full_conf);
	assert_int_equal(c->n_listen, 4);
	assert_string_equal(c->listen[0], "0.0.0.0:8080");
	assert_string_equal(c->listen[1], "[::1]:9090");
	assert_string_equal(c->listen[2], "unix:/run/paced/paced.sock");
	assert_string_equal(c->listen[3], "localhost:80");
	assert_string_equal(c->timezone, "Asia/Shanghai");
	assert_int_equal(c->max_body, 64 * 1024);
	assert_int_equal(c->max_header, 8192);
	assert_int_equal(c->idle_timeout_ms, 120000);
	assert_string_equal(c->log_level, "debug");
	assert_string_equal(c->db_path, "/var/lib/paced/paced.db");
	assert_int_equal(c->durability, CONF_DURABILITY_NORMAL);
	assert_string_equal(c->language, "en");
	assert_int_equal(c->repeat_every_ms, 0);
	assert_true(c->at_risk == 0.1 && c->behind == 0.1);
	assert_string_equal(c->public_url, "https://paced.example.gov.cn");

	assert_int_equal(c->n_channels, 2);
	ch = conf_channel_find(c, "ops");
	assert_ptr_equal(ch, &c->channels[0]);
	assert_string_equal(ch->name, "ops");
	assert_string_equal(ch->type, "webhook");
	assert_string_equal(ch->url, "http://127.0.0.1:9000/hook");
	assert_string_equal(ch->secret,
			    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	assert_int_equal(ch->n_events, 5);
	assert_string_equal(ch->events[0], "behind");
	assert_string_equal(ch->events[1], "overdue");
	assert_string_equal(ch->events[4], "done");
	assert_int_equal(ch->n_tags, 2);
	assert_string_equal(ch->tags[0], "亚运");
	assert_string_equal(ch->tags[1], "民生实事");
	assert_string_equal(ch->language, "zh-CN");
	assert_int_equal(ch->timeout_ms, 5000);
	assert_int_equal(ch->max_age_ms, 2 * 3600 * 1000);
	assert_int_equal(ch->line, 20);

	ch = conf_channel_find(c, "mail");
	assert_non_null(ch);
	assert_string_equal(ch->type, "email");
	assert_null(ch->secret);
	assert_int_equal(ch->n_events, 0);
	assert_int_equal(ch->n_tags, 0);
	assert_null(ch->language);
	assert_int_equal(ch->timeout_ms, 10000);
	assert_int_equal(ch->max_age_ms, 24 * 3600 * 1000);
	assert_int_equal(ch->line, 30);
	assert_string_equal(ch->mail_from, "paced@example.gov.cn");
	assert_int_equal(ch->n_mail_to, 2);
	assert_string_equal(ch->mail_to[1], "li@example.gov.cn");
	assert_false(ch->mention_all);
	assert_int_equal(ch->rate_n, 0);
	assert_null(conf_channel_find(c, "nope"));
	assert_int_equal(c->digest.line, 0);

	assert_int_equal(c->n_tokens, 2);
	assert_string_equal(c->tokens[0].name, "jianshe");
	assert_string_equal(c->tokens[0].sha256,
			    "9f86d081884c7d659a2feaa0c55ad015"
			    "a3bf4f1b2b0b822cd15d6c15b0f00a08");
	assert_string_equal(c->tokens[0].role, "reporter");
	assert_int_equal(c->tokens[0].n_projects, 2);
	assert_string_equal(c->tokens[0].projects[0], "parking-*");
	assert_string_equal(c->tokens[0].projects[1], "schools-*");
	assert_int_equal(c->tokens[0].line, 36);
	assert_string_equal(c->tokens[1].role, "admin");
	assert_int_equal(c->tokens[1].n_projects, 1);
	assert_string_equal(c->tokens[1].projects[0], "*");

	assert_int_equal(c->n_projects, 1);
	assert_string_equal(c->projects[0].id, "parking-2022");
	assert_int_equal(c->projects[0].line, 45);
	assert_string_equal(json_string_value(json_object_get(
				    c->projects[0].def, "title")),
			    "新增公共停车泊位");
	conf_free(c);
}

static void test_project_json(void **state)
{
	json_t *want, *want_lines;
	json_error_t jerr;
	struct conf *c;

	(void)state;
	c = load_ok("[project.parking-2022]\n"
		    "title = 新增公共停车泊位\n"
		    "unit = 个\n"
		    "owner = 区建设局\n"
		    "baseline = 0\n"
		    "target = 350\n"
		    "start = 2022-01-01\n"
		    "due = 2022-12-31\n"
		    "curve = milestones\n"
		    "milestones = 2022-06-30 120, 2022-09-30T00:00:00+08:00 "
		    "260.5\n"
		    "pauses = 2022-01-31/2022-02-06 春节 假期, "
		    "2022-05-01/2022-05-03\n"
		    "at_risk = 0.05 ; a comment\n"
		    "behind = 0.1\n"
		    "report_every = 7d\n"
		    "grace = 1d\n"
		    "tags = 亚运, 民生实事\n"
		    "\n"
		    "[project.demolition]\n"
		    "title = 拆违清零\n"
		    "unit = 处\n"
		    "baseline = 495\n"
		    "target = -0\n"
		    "tags =\n"
		    "milestones =\n"
		    "[project.renovation]\n"
		    "target = 1.8e2\n"
		    "baseline = -3.25\n"
		    "behind = 0.2\n");
	assert_int_equal(c->n_projects, 3);
	want = json_loads(
		"{\"title\": \"新增公共停车泊位\", \"unit\": \"个\","
		" \"owner\": \"区建设局\", \"baseline\": 0, \"target\": 350,"
		" \"start\": \"2022-01-01\", \"due\": \"2022-12-31\","
		" \"curve\": \"milestones\","
		" \"milestones\": [{\"at\": \"2022-06-30\", \"value\": 120},"
		"  {\"at\": \"2022-09-30T00:00:00+08:00\", \"value\": 260.5}],"
		" \"pauses\": [{\"from\": \"2022-01-31\","
		"  \"to\": \"2022-02-06\", \"reason\": \"春节 假期\"},"
		"  {\"from\": \"2022-05-01\", \"to\": \"2022-05-03\"}],"
		" \"thresholds\": {\"at_risk\": 0.05, \"behind\": 0.1},"
		" \"report_every\": \"7d\", \"grace\": \"1d\","
		" \"tags\": [\"亚运\", \"民生实事\"]}",
		0, &jerr);
	assert_non_null(want);
	want_lines = json_loads(
		"{\"title\": 2, \"unit\": 3, \"owner\": 4, \"baseline\": 5,"
		" \"target\": 6, \"start\": 7, \"due\": 8, \"curve\": 9,"
		" \"milestones\": 10, \"pauses\": 11,"
		" \"thresholds.at_risk\": 12, \"thresholds.behind\": 13,"
		" \"report_every\": 14, \"grace\": 15, \"tags\": 16}",
		0, &jerr);
	assert_non_null(want_lines);
	if (!json_equal(c->projects[0].def, want)) {
		char *got = json_dumps(c->projects[0].def, JSON_SORT_KEYS);

		print_error("got %s\n", got);
		free(got);
		fail();
	}
	assert_true(json_equal(c->projects[0].lines, want_lines));
	assert_int_equal(c->projects[0].line, 1);
	json_decref(want);
	json_decref(want_lines);

	/* Integers stay integers (as over the API); empty lists are []. */
	want = json_loads("{\"title\": \"拆违清零\", \"unit\": \"处\","
			  " \"baseline\": 495, \"target\": 0, \"tags\": [],"
			  " \"milestones\": []}",
			  0, &jerr);
	assert_true(json_equal(c->projects[1].def, want));
	assert_true(json_is_integer(json_object_get(c->projects[1].def,
						    "baseline")));
	json_decref(want);
	assert_string_equal(c->projects[1].id, "demolition");
	assert_int_equal(c->projects[1].line, 18);

	want = json_loads("{\"target\": 180.0, \"baseline\": -3.25,"
			  " \"thresholds\": {\"behind\": 0.2}}",
			  0, &jerr);
	assert_true(json_equal(c->projects[2].def, want));
	json_decref(want);
	conf_free(c);
}

static void test_inline_comments(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok("; comment\n"
		    "# comment\n"
		    "[server]   ; the server\n"
		    "listen = 127.0.0.1:9090 ; several, comma separated\n"
		    "max_body = 2m\t; tab before the comment\n"
		    "log_level = warning   \n"
		    "  idle_timeout = 5s\n"
		    "[alerts] # hash comment\n"
		    "public_url = https://x.example/#frag ; '#' is kept\n"
		    "[channel.ops]\n"
		    "type = dingtalk ;\n"
		    "url = http://127.0.0.1/a;b\n"
		    "secret = abc;def ; only \" ;\" starts a comment\n");
	assert_string_equal(c->listen[0], "127.0.0.1:9090");
	assert_int_equal(c->max_body, 2 * 1024 * 1024);
	assert_string_equal(c->log_level, "warning");
	/* An indented key is a key, not the continuation of the one
	 * above (inih's multi-line values are off). */
	assert_int_equal(c->idle_timeout_ms, 5000);
	assert_string_equal(c->public_url, "https://x.example/#frag");
	assert_string_equal(c->channels[0].type, "dingtalk");
	assert_string_equal(c->channels[0].url, "http://127.0.0.1/a;b");
	assert_string_equal(c->channels[0].secret, "abc;def");
	conf_free(c);
	/* conf_load put inih's process-wide options back. */
	assert_true(ini_allow_multiline);
	assert_int_equal(ini_max_line, 200);
}

static void test_chinese_values(void **state)
{
	struct conf *c;
	json_t *tags;

	(void)state;
	c = load_ok("\xef\xbb\xbf[project.parking-2022]\r\n"
		    "title = 新增公共停车泊位\r\n"
		    "tags = 亚运, 民生实事\r\n"
		    "owner = 区住建局（城建科）\r\n");
	assert_string_equal(json_string_value(json_object_get(
				    c->projects[0].def, "title")),
			    "新增公共停车泊位");
	assert_string_equal(json_string_value(json_object_get(
				    c->projects[0].def, "owner")),
			    "区住建局（城建科）");
	tags = json_object_get(c->projects[0].def, "tags");
	assert_int_equal(json_array_size(tags), 2);
	assert_string_equal(json_string_value(json_array_get(tags, 0)), "亚运");
	assert_string_equal(json_string_value(json_array_get(tags, 1)),
			    "民生实事");
	conf_free(c);
}

/* Names longer than inih's 49-byte section buffer are read in full. */
static void test_long_names(void **state)
{
	char text[512];
	const char *id = "a123456789-123456789-123456789-123456789-123456789-"
			 "123456789-123";
	const char *name = "A123456789_123456789.123456789-123456789_"
			   "123456789_123456789_123";
	struct conf *c;

	(void)state;
	assert_int_equal(strlen(id), 64);
	assert_int_equal(strlen(name), 64);
	snprintf(text, sizeof(text),
		 "[project.%s]\ntitle = x\n[channel.%s]\ntype = slack\n"
		 "url = https://hooks.slack.com/services/T/B/X\n",
		 id, name);
	c = load_ok(text);
	assert_string_equal(c->projects[0].id, id);
	assert_non_null(conf_channel_find(c, name));
	conf_free(c);
	snprintf(text, sizeof(text), "[project.%s4]\n", id);
	expect_error(text, "1: [project.a123456789");
	/* Two sections that differ only after byte 49 are two sections. */
	snprintf(text, sizeof(text), "[project.%s]\n[project.%.63sx]\n", id,
		 id);
	c = load_ok(text);
	assert_int_equal(c->n_projects, 2);
	conf_free(c);
}

static void test_utc_and_zero_repeat(void **state)
{
	struct conf *c;

	(void)state;
	c = load_ok("[server]\ntimezone = UTC\nlisten = unix:/tmp/p.sock\n"
		    "max_body = 1g\nmax_header = 1k\nidle_timeout = 1h\n"
		    "[alerts]\nrepeat_every = 0\nat_risk = 0.999\n"
		    "behind = 0.999\n");
	assert_string_equal(c->timezone, "UTC");
	assert_int_equal(c->max_body, 1024ULL * 1024 * 1024);
	assert_int_equal(c->repeat_every_ms, 0);
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_project_json),
		cmocka_unit_test(test_inline_comments),
		cmocka_unit_test(test_chinese_values),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_utc_and_zero_repeat),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
