/*
 * api_digest.c - POST /v1/digest: sends the [digest] now, so an operator
 * can check the digest channels without waiting for the scheduled time.
 */
#include <string.h>

#include "api_internal.h"
#include "conf.h"
#include "digest.h"
#include "registry.h"
#include "timefmt.h"

void api_digest(struct http_request *req, struct app *app)
{
	const struct conf_digest *d = &app->conf->digest;
	json_t *channels;
	int rc;

	if (strcmp(http_request_method(req), "POST") != 0) {
		api_reply_405(req, "/v1/digest", "POST");
		return;
	}
	if (!api_no_query(req))
		return;
	if (!d->line) {
		api_reply_error(req, 409, "not_configured", NULL,
				"no [digest] section in %s", app->conf->file);
		return;
	}
	rc = digest_send_now(app, timefmt_now());
	if (rc < 0) {
		api_reply_failure(req, rc);
		return;
	}
	channels = json_array();
	for (size_t i = 0; i < d->n_channels; i++)
		json_array_append_new(channels, json_string(d->channels[i]));
	api_reply_json(req, 202,
		       json_pack("{s:o,s:I}", "channels", channels, "projects",
				 (json_int_t)registry_count(app->reg)));
}
