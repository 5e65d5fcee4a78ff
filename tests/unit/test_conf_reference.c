/* test_conf_reference.c - config/paced.conf, as shipped and uncommented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_testutil.h"
#include "paced.h"

#define REFERENCE_CONF "config/paced.conf"

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
		cmocka_unit_test(test_reference_conf),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
