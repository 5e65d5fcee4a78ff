/* api_metrics.c - GET /metrics (the exposition itself is metrics.c's). */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "metrics.h"
#include "metrics_stream.h"
#include "registry.h"
#include "timefmt.h"

static int source_next(void *ctx, char **piece, size_t *len)
{
	/* Each part of the registry is evaluated when it is read. */
	return metrics_stream_next(ctx, timefmt_now(), piece, len);
}

static void source_release(void *ctx)
{
	metrics_stream_free(ctx);
}

static const struct http_source metrics_source = {source_next, source_release};

void api_metrics(struct http_request *req, struct app *app)
{
	const char *method = http_request_method(req);
	char *body;
	size_t len;
	int rc;

	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		api_reply_405(req, "/metrics", "GET, HEAD");
		return;
	}
	if (registry_count(app->reg) > METRICS_STREAM_AT) {
		/* Rendered at once, a million projects would hold the loop
		 * for seconds. */
		struct metrics_stream *ms = metrics_stream_new(app);

		if (!ms) {
			api_reply_failure(req, PACED_ENOMEM);
			return;
		}
		http_respond_stream(req, 200, NULL, METRICS_CONTENT_TYPE,
				    &metrics_source, ms);
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
