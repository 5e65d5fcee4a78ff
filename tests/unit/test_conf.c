/*
 * test_conf.c - conf.c: defaults, a full config, every class of error at
 * its exact file:line, inline comments, Chinese values, projects as JSON,
 * and config/paced.conf (as shipped, and with its examples uncommented).
 * Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "paced.h"

#define REFERENCE_CONF "config/paced.conf"

static char tmpdir[64];
static char cfgpath[128];

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/paced-test-conf-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(cfgpath, sizeof(cfgpath), "%s/paced.conf", tmpdir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(cfgpath);
	return rmdir(tmpdir);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static struct conf *load_ok(const char *text)
{
	struct conf *c = NULL;
	char err[1024];
	int rc;

	write_file(cfgpath, text, strlen(text));
	rc = conf_load(cfgpath, &c, err, sizeof(err));
	if (rc)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
	assert_non_null(c);
	return c;
}

/* want is what follows "FILE:": "LINE: [section] key: what is wrong". */
static void expect_error_len(const char *text, size_t len, const char *want)
{
	struct conf *c = (struct conf *)&c;
	char err[1024], prefix[1024];
	int rc;

	write_file(cfgpath, text, len);
	rc = conf_load(cfgpath, &c, err, sizeof(err));
	snprintf(prefix, sizeof(prefix), "%s:%s", cfgpath, want);
	if (rc != PACED_EINVAL || strncmp(err, prefix, strlen(prefix)) != 0) {
		print_error("config:\n%s\ngot  (%d): %s\nwant (%d): %s...\n",
			    text, rc, err, PACED_EINVAL, prefix);
		fail();
	}
	assert_null(c);
}

static void expect_error(const char *text, const char *want)
{
	expect_error_len(text, strlen(text), want);
}

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
		    "type = webhook ;\n"
		    "url = http://127.0.0.1/a;b\n"
		    "secret = abc;def ; only \" ;\" starts a comment\n");
	assert_string_equal(c->listen[0], "127.0.0.1:9090");
	assert_int_equal(c->max_body, 2 * 1024 * 1024);
	assert_string_equal(c->log_level, "warning");
	/* An indented key is a key, not the continuation of the one
	 * above (inih's multi-line values are off). */
	assert_int_equal(c->idle_timeout_ms, 5000);
	assert_string_equal(c->public_url, "https://x.example/#frag");
	assert_string_equal(c->channels[0].type, "webhook");
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

struct error_case {
	const char *text;
	const char *want;
};

static const struct error_case error_cases[] = {
	/* unknown section */
	{"[server]\nlisten = 127.0.0.1:8080\n\n[sever]\n",
	 "4: [sever]: unknown section (allowed: [server], [storage], "
	 "[alerts], [digest], [channel.NAME], [token.NAME], [project.ID])"},
	{"[channel]\n", "1: [channel]: unknown section"},
	{"[Server]\n", "1: [Server]: unknown section"},
	{"[ server ]\n", "1: [ server ]: unknown section"},
	/* unknown key */
	{"[server]\nlisten = 127.0.0.1:8080\nmax_bdy = 1m\n",
	 "3: [server] max_bdy: unknown key (allowed: listen, timezone, "
	 "max_body, max_header, idle_timeout, header_timeout, "
	 "body_timeout, max_connections, max_requests_per_connection, "
	 "log_level)"},
	{"[project.p]\ntitle = x\nname = y\n",
	 "3: [project.p] name: unknown key (allowed: title, unit"},
	{"[token.t]\nrole = admin\nsecret = x\n",
	 "3: [token.t] secret: unknown key (allowed: sha256, role, projects, rate)"},
	/* duplicate key and section */
	{"[alerts]\nlanguage = en\n; again\nlanguage = zh-CN\n",
	 "4: [alerts] language: given twice (first at line 2"},
	{"[project.p]\nat_risk = 0.1\nat_risk = 0.2\n",
	 "3: [project.p] at_risk: given twice (first at line 2"},
	{"[server]\n[storage]\n[server]\n",
	 "3: [server]: section given twice (first at line 1"},
	{"[channel.a]\ntype = slack\nurl = https://x\n[channel.a]\n",
	 "4: [channel.a]: section given twice (first at line 1"},
	{"[project.p]\n[token.p]\nsha256 = " /* different kinds: fine */
	 "0000000000000000000000000000000000000000000000000000000000000000\n"
	 "role = reader\n[project.p]\n",
	 "5: [project.p]: section given twice (first at line 1"},
	/* counts */
	{"[server]\nmax_connections = 1k\n",
	 "2: [server] max_connections: \"1k\" is not a whole number "
	 "(allowed: a whole number, 1..1000000)"},
	{"[server]\nmax_connections = -5\n",
	 "2: [server] max_connections: \"-5\" is not a whole number"},
	{"[server]\nmax_requests_per_connection = 0\n",
	 "2: [server] max_requests_per_connection: 0 is too small "
	 "(at least 1)"},
	/* durations */
	{"[server]\nidle_timeout = 10 minutes\n",
	 "2: [server] idle_timeout: \"10 minutes\" is not a duration "
	 "(allowed: a duration such as 30s, 15m, 24h or 7d, 1s..1h)"},
	{"[server]\nidle_timeout = 2h\n",
	 "2: [server] idle_timeout: 2h is too long (at most 1h)"},
	{"[server]\nidle_timeout = 0\n",
	 "2: [server] idle_timeout: 0 is too short (at least 1s)"},
	{"[alerts]\nrepeat_every = -1h\n",
	 "2: [alerts] repeat_every: \"-1h\" is not a duration (allowed: a "
	 "duration such as 30s, 15m, 24h or 7d, 1s..365d, or 0 for never)"},
	{"[channel.c]\ntype = slack\nurl = https://x\ntimeout = 1h\n",
	 "4: [channel.c] timeout: 1h is too long (at most 10m)"},
	{"[channel.c]\nmax_age = 1.5h\n",
	 "2: [channel.c] max_age: \"1.5h\" is not a duration"},
	/* sizes */
	{"[server]\nmax_body = 1t\n",
	 "2: [server] max_body: \"1t\" is not a size (allowed: bytes or a "
	 "size such as 64k or 1m, 1k..1g)"},
	{"[server]\nmax_body = 512\n",
	 "2: [server] max_body: 512 is too small (at least 1k)"},
	{"[server]\nmax_header = 2m\n",
	 "2: [server] max_header: 2m is too large (at most 1m)"},
	{"[server]\nmax_body =\n", "2: [server] max_body: \"\" is not a size"},
	/* thresholds */
	{"[alerts]\nat_risk = 0.2\nbehind = 0.1\n",
	 "3: [alerts] behind: 0.1 is less than at_risk 0.2 (allowed: a "
	 "number from at_risk to 1)"},
	{"[alerts]\nbehind = 0.1\nat_risk = 0.2\n",
	 "3: [alerts] at_risk: 0.2 is greater than behind 0.1 (allowed: "},
	{"[alerts]\nat_risk = 0.3\n",
	 "2: [alerts] at_risk: 0.3 is greater than behind 0.1 (the default)"},
	{"[alerts]\nbehind = 0.01\n",
	 "2: [alerts] behind: 0.01 is less than at_risk 0.05 (the default)"},
	{"[alerts]\nbehind = 1\n",
	 "2: [alerts] behind: \"1\" is not between 0 and 1"},
	{"[alerts]\nat_risk = 0\n",
	 "2: [alerts] at_risk: \"0\" is not between 0 and 1"},
	{"[alerts]\nat_risk = 5%\n",
	 "2: [alerts] at_risk: \"5%\" is not between 0 and 1"},
	/* channels */
	{"[channel.ops]\ntype = webhok\nurl = http://x\n",
	 "2: [channel.ops] type: \"webhok\" is not allowed (allowed: webhook, "
	 "dingtalk, wecom, feishu, slack, discord, teams, telegram, email, "
	 "alertmanager)"},
	{"\n[channel.ops]\ntype = webhook\n\n[server]\n",
	 "2: [channel.ops] url: missing; every [channel.NAME] needs it"},
	{"[channel.ops]\nurl = http://x\n",
	 "1: [channel.ops] type: missing; every [channel.NAME] needs it"},
	{"[channel.ops]\n", "1: [channel.ops] type: missing"},
	{"[channel.ops]\ntype = webhook\nurl = ftp://x\n",
	 "3: [channel.ops] url: not an http(s) or smtp(s) URL (allowed: "},
	{"[channel.ops]\ntype = webhook\nurl = http://\n",
	 "3: [channel.ops] url: not an http(s) or smtp(s) URL"},
	{"[channel.mail]\nurl = https://mail.example\ntype = email\n",
	 "2: [channel.mail] url: type email needs an smtp:// or smtps:// URL"},
	{"[channel.ops]\nurl = smtp://mail.example\ntype = dingtalk\n",
	 "2: [channel.ops] url: type dingtalk needs an http:// or https:// "
	 "URL"},
	{"[channel.ops]\nevents = behind, late\n",
	 "2: [channel.ops] events: \"late\" is not an event (allowed: at_risk, "
	 "behind, overdue, done, recovered, stale, resumed, reminder"},
	{"[channel.ops]\nevents = behind,, done\n",
	 "2: [channel.ops] events: empty item in the list"},
	{"[channel.ops]\nevents = behind, project.behind\n",
	 "2: [channel.ops] events: \"behind\" is listed twice"},
	{"[channel.ops]\nevents =\n", "2: [channel.ops] events: empty value"},
	{"[channel.ops]\ntags = 亚运,\n",
	 "2: [channel.ops] tags: empty item in the list"},
	{"[channel.ops]\nsecret =\n", "2: [channel.ops] secret: empty value"},
	{"[channel.ops]\nlanguage = fr\n",
	 "2: [channel.ops] language: \"fr\" is not allowed (allowed: zh-CN, "
	 "en)"},
	{"[channel.a b]\n", "1: [channel.a b]: bad channel name (allowed: "
			    "1-64 characters of A-Z a-z 0-9 _ . -)"},
	{"[channel.]\n", "1: [channel.]: bad channel name"},
	/* tokens */
	{"[token.a]\nsha256 = abc\nrole = admin\n",
	 "2: [token.a] sha256: 3 characters, not 64 hexadecimal digits "
	 "(allowed: 64 hexadecimal digits"},
	{"[token.a]\nsha256 = "
	 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g\n",
	 "2: [token.a] sha256: 64 characters, not 64 hexadecimal digits"},
	{"[token.a]\nsha256 = "
	 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
	 "1: [token.a] role: missing; every [token.NAME] needs it (allowed: "
	 "reader, reporter, admin)"},
	{"[token.a]\nrole = root\n",
	 "2: [token.a] role: \"root\" is not allowed (allowed: reader, "
	 "reporter, admin)"},
	{"[token.a]\nrole = admin\n[token.b]\n",
	 "1: [token.a] sha256: missing"},
	{"[token.a]\nrole = admin\nsha256 = "
	 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
	 "[token.b]\nrole = reader\nsha256 = "
	 "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n",
	 "6: [token.b] sha256: same as [token.a] at line 1"},
	{"[token.a]\nprojects = Parking-*\n",
	 "2: [token.a] projects: \"Parking-*\" can never match a project id"},
	/* projects */
	{"[project.Parking-2022]\n",
	 "1: [project.Parking-2022]: bad project id (allowed: 1-64 "
	 "characters of a-z 0-9 . _ -, the first a-z or 0-9)"},
	{"[project.-parking]\n", "1: [project.-parking]: bad project id"},
	{"[project.停车]\n", "1: [project.停车]: bad project id"},
	{"[project.]\n", "1: [project.]: bad project id"},
	{"[project.p]\nmilestones = 2022-06-30 5, 2022-09-01\n",
	 "2: [project.p] milestones: \"2022-09-01\" is not \"DAY VALUE\" "
	 "(allowed: DAY-OR-INSTANT VALUE, comma separated"},
	{"[project.p]\nmilestones = 2022-06-30 five\n",
	 "2: [project.p] milestones: \"five\" is not a number"},
	{"[project.p]\nmilestones = 2022-06-30:5\n",
	 "2: [project.p] milestones: \"2022-06-30:5\" is not \"DAY VALUE\""},
	{"[project.p]\nmilestones = 2022-06-30 5,\n",
	 "2: [project.p] milestones: empty item in the list"},
	{"[project.p]\npauses = 2022-01-31 春节\n",
	 "2: [project.p] pauses: \"2022-01-31\" is not \"FROM/TO\""},
	{"[project.p]\npauses = 2022-01-31/ 春节\n",
	 "2: [project.p] pauses: \"2022-01-31/\" is not \"FROM/TO\""},
	{"[project.p]\npauses = a/b/c\n",
	 "2: [project.p] pauses: \"a/b/c\" is not \"FROM/TO\""},
	{"[project.p]\ntarget = 35O\n",
	 "2: [project.p] target: \"35O\" is not a number (allowed: a decimal "
	 "number)"},
	{"[project.p]\ntarget = inf\n",
	 "2: [project.p] target: \"inf\" is not a number"},
	{"[project.p]\nbaseline = 0x10\n",
	 "2: [project.p] baseline: \"0x10\" is not a number"},
	{"[project.p]\ntarget = 1e999\n",
	 "2: [project.p] target: \"1e999\" is not a number"},
	{"[project.p]\ntarget =\n", "2: [project.p] target: \"\" is not"},
	{"[project.p]\nbehind = high\n",
	 "2: [project.p] behind: \"high\" is not a number"},
	{"[project.p]\ntags = a,,b\n",
	 "2: [project.p] tags: empty item in the list"},
	/* [server] and [storage] values */
	{"[server]\nlisten = 127.0.0.1\n",
	 "2: [server] listen: \"127.0.0.1\" is not an address (allowed: "
	 "HOST:PORT, [IPV6]:PORT or unix:/PATH"},
	{"[server]\nlisten = 127.0.0.1:8080, ::1:80\n",
	 "2: [server] listen: \"::1:80\" is not an address"},
	{"[server]\nlisten = 127.0.0.1:0\n",
	 "2: [server] listen: \"127.0.0.1:0\" is not an address"},
	{"[server]\nlisten = 127.0.0.1:65536\n",
	 "2: [server] listen: \"127.0.0.1:65536\" is not an address"},
	{"[server]\nlisten = 300.1.1.1:80\n",
	 "2: [server] listen: \"300.1.1.1:80\" is not an address"},
	{"[server]\nlisten = [::g]:80\n",
	 "2: [server] listen: \"[::g]:80\" is not an address"},
	{"[server]\nlisten = unix:run/paced.sock\n",
	 "2: [server] listen: \"unix:run/paced.sock\" is not an address"},
	{"[server]\nlisten = :8080\n",
	 "2: [server] listen: \":8080\" is not an address"},
	{"[server]\nlisten = a:1, a:1\n",
	 "2: [server] listen: \"a:1\" is listed twice"},
	{"[server]\nlisten =\n", "2: [server] listen: empty value"},
	{"[server]\ntimezone = Mars/Olympus_Mons\n",
	 "2: [server] timezone: no such time zone \"Mars/Olympus_Mons\" "
	 "(allowed: UTC or a zone in /usr/share/zoneinfo/ such as "
	 "Asia/Shanghai)"},
	{"[server]\ntimezone = Asia\n",
	 "2: [server] timezone: no such time zone \"Asia\""},
	{"[server]\ntimezone = ../../../etc/passwd\n",
	 "2: [server] timezone: no such time zone"},
	{"[server]\ntimezone = zone.tab\n",
	 "2: [server] timezone: no such time zone"},
	{"[server]\nlog_level = verbose\n",
	 "2: [server] log_level: \"verbose\" is not a log level (allowed: err, "
	 "warning, notice, info, debug)"},
	{"[storage]\ndurability = paranoid\n",
	 "2: [storage] durability: \"paranoid\" is not allowed (allowed: "
	 "full, normal)"},
	{"[storage]\npath =\n", "2: [storage] path: empty value"},
	{"[alerts]\nlanguage = zh\n",
	 "2: [alerts] language: \"zh\" is not allowed (allowed: zh-CN, en)"},
	{"[alerts]\npublic_url = paced.example.gov.cn\n",
	 "2: [alerts] public_url: not an http(s) URL (allowed: an http:// or "
	 "https:// URL)"},
	{"[alerts]\npublic_url = https://paced example\n",
	 "2: [alerts] public_url: not an http(s) URL"},
	/* lines inih or we cannot read */
	{"listen = 127.0.0.1:8080\n",
	 "1: listen: key outside any section (allowed: "},
	{"[server]\n= 1m\n", "2: \"\": no key"},
	{"[server]\nlisten\n",
	 "2: \"listen\": not a line inih understands (allowed: key = value, "
	 "[section], ; comment, # comment)"},
	{"[server]\nlog_level debug ; = in a comment\n",
	 "2: \"log_level debug ; = in a comment\": not a line"},
	{"[server]\nlisten 127.0.0.1:8080\n",
	 "2: [server] listen 127.0.0.1: unknown key, or \"=\" is missing "
	 "(allowed: listen, "},
	{"[server\nlisten = x\n", "1: \"[\" without \"]\""},
	{"[server] x\n", "1: text after \"]\""},
	{"[server]\nmax_body = 1m\x01\n",
	 "2: not UTF-8 text, or a control character"},
	{"[project.p]\ntitle = \xe6\x96\n",
	 "2: not UTF-8 text, or a control character"},
	{"[project.p]\ntitle = \xc0\xaf\n",
	 "2: not UTF-8 text, or a control character"},
	{"[project.p]\ntitle = a\rb\n",
	 "2: not UTF-8 text, or a control character"},
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(error_cases); i++)
		expect_error(error_cases[i].text, error_cases[i].want);
}

/* The first error is the one reported, even when more follow. */
static void test_first_error_wins(void **state)
{
	(void)state;
	expect_error("[server]\nmax_body = 5x\n[bogus]\nlisten\n",
		     "2: [server] max_body: \"5x\" is not a size");
	expect_error("[server]\nlisten\n[bogus]\n",
		     "2: \"listen\": not a line");
	expect_error("[channel.a]\ntype = slack\n[bogus]\n",
		     "1: [channel.a] url: missing");
}

static void test_nul_and_long_lines(void **state)
{
	static const char nul[] = "[server]\nlog_level = info\0x\n";
	char *text = malloc(20001);
	struct conf *c;

	(void)state;
	expect_error_len(nul, sizeof(nul) - 1,
			 "2: not UTF-8 text, or a control character");
	assert_non_null(text);
	/* A long line is an error, never split into two lines. */
	memset(text, 'a', 20000);
	text[20000] = '\0';
	memcpy(text, "[project.p]\ntitle = ", 20);
	memcpy(text + 9000, "\nbaseline = 1\n", 15);
	expect_error(text, "2: line longer than");
	/* A line of several thousand bytes is fine. */
	memcpy(text + 4000, "\nbaseline = 1\n", 15);
	text[4015] = '\0';
	c = load_ok(text);
	assert_int_equal(strlen(json_string_value(json_object_get(
				 c->projects[0].def, "title"))),
			 4000 - 20);
	conf_free(c);
	free(text);
}

static void test_open_errors(void **state)
{
	struct conf *c = (struct conf *)&c;
	char err[256], want[256];

	(void)state;
	assert_int_equal(conf_load("/nonexistent/paced.conf", &c, err,
				   sizeof(err)),
			 PACED_EIO);
	assert_null(c);
	assert_string_equal(err, "/nonexistent/paced.conf: cannot open: No "
				 "such file or directory");
	assert_int_equal(conf_load(tmpdir, &c, err, sizeof(err)), PACED_EIO);
	snprintf(want, sizeof(want), "%s: cannot read: Is a directory",
		 tmpdir);
	assert_string_equal(err, want);
	/* A small or absent error buffer is not written past. */
	assert_int_equal(conf_load("/nonexistent/x", &c, err, 5), PACED_EIO);
	assert_string_equal(err, "/non");
	write_file(cfgpath, "[x]\n", 4);
	assert_int_equal(conf_load(cfgpath, &c, NULL, 0), PACED_EINVAL);
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

/* config/paced.conf with "#key = value" and "#[section]" lines made
 * active: its examples must be valid too. */
static char *uncomment(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	const char *s = text;

	assert_non_null(out);
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) + 1 : strlen(s);

		if (s[0] == '#' && n > 1 && s[1] != ' ' && s[1] != '\n' &&
		    s[1] != '#') {
			s++;
			n--;
		}
		memcpy(o, s, n);
		o += n;
		s += n;
	}
	*o = '\0';
	return out;
}

static char *read_reference(void)
{
	FILE *f = fopen(REFERENCE_CONF, "rb");
	char *buf = malloc(1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Every key of SPEC section 5 and of the brief, as section:key. */
static const char *const documented_keys[] = {
	"server:listen",        "server:timezone",     "server:max_body",
	"server:max_header",    "server:idle_timeout", "server:log_level",
	"server:header_timeout", "server:body_timeout",
	"server:max_connections", "server:max_requests_per_connection",
	"storage:path",         "storage:durability",  "alerts:language",
	"alerts:repeat_every",  "alerts:at_risk",      "alerts:behind",
	"alerts:public_url",    "channel:type",        "channel:url",
	"channel:secret",       "channel:events",      "channel:tags",
	"channel:language",     "channel:timeout",     "channel:max_age",
	"token:sha256",         "token:role",          "token:projects",
	"project:title",        "project:unit",        "project:owner",
	"project:baseline",     "project:target",      "project:start",
	"project:due",          "project:curve",       "project:milestones",
	"project:pauses",       "project:at_risk",     "project:behind",
	"project:report_every", "project:grace",       "project:tags",
	"project:repeat_every", "channel:rate",         "channel:mention_mobiles",
	"channel:mention_all",  "channel:from",        "channel:to",
	"channel:username",     "channel:password",    "digest:at",
	"digest:every",         "digest:channels",     "channel:chat_id",
	"token:rate",
};

/* Whether text sets key (as "key =") in a section of that kind. */
static bool sets_key(const char *text, const char *want)
{
	char kind[32] = "", line[512], key[64];
	const char *s = text;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		char *eq;

		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		s += nl ? n + 1 : n;
		if (line[0] == '[') {
			snprintf(kind, sizeof(kind), "%.*s",
				 (int)strcspn(line + 1, ".]"), line + 1);
			continue;
		}
		eq = strchr(line, '=');
		if (line[0] == ';' || line[0] == '#' || !eq)
			continue;
		while (eq > line && eq[-1] == ' ')
			eq--;
		snprintf(key, sizeof(key), "%s:%.*s", kind, (int)(eq - line),
			 line);
		if (strcmp(key, want) == 0)
			return true;
	}
	return false;
}

static void test_reference_conf(void **state)
{
	struct conf *c, *d;
	char err[1024], *text, *all;
	int rc;

	(void)state;
	/* As shipped: loads, and the values it sets are the built-in
	 * defaults, so the comments and the table agree. */
	rc = conf_load(REFERENCE_CONF, &c, err, sizeof(err));
	if (rc)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
	d = conf_new_defaults();
	assert_non_null(d);
	assert_int_equal(c->n_listen, d->n_listen);
	assert_string_equal(c->listen[0], d->listen[0]);
	assert_int_equal(c->max_body, d->max_body);
	assert_int_equal(c->max_header, d->max_header);
	assert_int_equal(c->idle_timeout_ms, d->idle_timeout_ms);
	assert_string_equal(c->log_level, d->log_level);
	assert_int_equal(c->durability, d->durability);
	assert_string_equal(c->language, d->language);
	assert_int_equal(c->repeat_every_ms, d->repeat_every_ms);
	assert_true(c->at_risk == d->at_risk);
	assert_true(c->behind == d->behind);
	assert_int_equal(c->n_channels, 0);
	assert_int_equal(c->n_tokens, 0);
	assert_int_equal(c->n_projects, 0);
	conf_free(c);
	conf_free(d);

	/* With its examples active: loads, and every key is there. */
	text = read_reference();
	all = uncomment(text);
	for (size_t i = 0; i < PACED_ARRAY_LEN(documented_keys); i++) {
		if (!sets_key(all, documented_keys[i])) {
			print_error("%s: no line for %s\n", REFERENCE_CONF,
				    documented_keys[i]);
			fail();
		}
	}
	c = load_ok(all);
	assert_non_null(c->timezone);
	assert_non_null(c->public_url);
	assert_true(c->n_channels >= 4);
	assert_int_equal(c->digest.weekdays, (1u << 1) | (1u << 4));
	assert_int_equal(c->digest.at_min, 9 * 60);
	assert_true(c->n_tokens >= 1);
	assert_true(c->n_projects >= 1);
	assert_int_equal(json_object_size(c->projects[0].lines), 16);
	conf_free(c);
	free(all);
	free(text);
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
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_utc_and_zero_repeat),
		cmocka_unit_test(test_reference_conf),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
