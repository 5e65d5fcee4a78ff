/* api_metrics.c - GET /metrics (the exposition itself is metrics.c's). */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "metrics.h"
#include "timefmt.h"

void api_metrics(struct http_request *req, struct app *app)
{
	const char *method = http_request_method(req);
	char *body;
	size_t len;
	int rc;

	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		api_reply_error(req, 405, "method_not_allowed", NULL,
				"/metrics allows GET");
		return;
	}
	rc = metrics_render(app, timefmt_now(), &body, &len);
	if (rc < 0) {
		api_reply_failure(req, rc);
		return;
	}
	http_respond(req, 200, NULL, METRICS_CONTENT_TYPE, body, len);
	free(body);
}
