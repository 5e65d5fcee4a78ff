/*
 * fuzz_json.c - libFuzzer target for the JSON request decoders: project
 * definitions (project_def_parse via POST and PUT), single and batch
 * updates, silences. The first byte picks the request, the rest is its
 * body, sent with a well-formed head and a token allowed to make it, so
 * every input reaches a decoder; the handler then acts on what decodes,
 * against the seeded in-memory database of fuzz_daemon.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Readable letters, so seeds are plain text: "U{\"value\": 3}". */
static const struct route {
	char key;
	const char *method, *path, *token;
} routes[] = {
	{'P', "POST", "/v1/projects", FUZZ_TOKEN_ADMIN},
	{'R', "PUT", "/v1/projects/parking-2022", FUZZ_TOKEN_ADMIN},
	{'N', "PUT", "/v1/projects/fuzz-new", FUZZ_TOKEN_ADMIN},
	{'U', "POST", "/v1/projects/parking-2022/updates",
	 FUZZ_TOKEN_REPORTER},
	{'B', "POST", "/v1/updates", FUZZ_TOKEN_REPORTER},
	{'S', "POST", "/v1/silences", FUZZ_TOKEN_ADMIN},
};

static const struct route *route_of(uint8_t b)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (routes[i].key == (char)b)
			return &routes[i];
	return &routes[b % (sizeof(routes) / sizeof(routes[0]))];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct route *r;
	char head[512];
	uint8_t *req;
	int n;

	if (size == 0)
		return 0;
	r = route_of(data[0]);
	n = snprintf(head, sizeof(head),
		     "%s %s HTTP/1.1\r\nHost: paced\r\n"
		     "Authorization: Bearer %s\r\n"
		     "Content-Type: application/json\r\n"
		     "Content-Length: %zu\r\n\r\n",
		     r->method, r->path, r->token, size - 1);
	if (n < 0 || (size_t)n >= sizeof(head))
		abort();
	req = malloc((size_t)n + size - 1);
	if (!req)
		abort();
	memcpy(req, head, (size_t)n);
	memcpy(req + n, data + 1, size - 1);
	fuzz_daemon_exchange(req, (size_t)n + size - 1);
	free(req);
	return 0;
}
