/* app_testutil.c - a struct app for a test (app_testutil.h). */
#include "app_testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "conf.h"
#include "registry.h"

void app_testutil_open(struct app *app, uv_loop_t *loop, const char *path,
		       enum store_durability durability)
{
	char err[256];

	memset(app, 0, sizeof(*app));
	app->loop = loop;
	app->conf = conf_new_defaults();
	app->reg = registry_new();
	assert_non_null(app->conf);
	assert_non_null(app->reg);
	assert_int_equal(store_open(path, durability, &app->store, err,
				    sizeof(err)),
			 0);
}

void app_testutil_close(struct app *app)
{
	registry_free(app->reg);
	store_close(app->store);
	conf_free(app->conf);
}
