/* test_conf_errors.c - conf.c: every class of error, at its exact file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_testutil.h"
#include "paced.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
