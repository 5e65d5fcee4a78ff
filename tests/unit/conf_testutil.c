/*
 * conf_testutil.c - the config-file helpers the conf.c tests share (see
 * conf_testutil.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_testutil.h"
#include "paced.h"

char tmpdir[64];
char cfgpath[128];

int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/paced-test-conf-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(cfgpath, sizeof(cfgpath), "%s/paced.conf", tmpdir);
	return 0;
}

int group_teardown(void **state)
{
	(void)state;
	unlink(cfgpath);
	return rmdir(tmpdir);
}

void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

struct conf *load_ok(const char *text)
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
void expect_error_len(const char *text, size_t len, const char *want)
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

void expect_error(const char *text, const char *want)
{
	expect_error_len(text, strlen(text), want);
}
