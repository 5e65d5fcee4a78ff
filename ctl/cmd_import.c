/* cmd_import.c - pacectl import: a spreadsheet of updates, all or none. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "args.h"
#include "ctl.h"
#include "msg.h"
#include "request.h"
#include "view.h"

/* Far above any max_body paced is likely to take; paced refuses a body
 * over its own limit with 413 anyway. */
#define FILE_MAX (64u << 20)

static const char usage[] =
    "usage: pacectl import FILE.csv\n"
    "\n"
    "Posts a CSV file of updates to paced (POST /v1/updates, text/csv):\n"
    "every row is stored, or none. The first row names the columns:\n"
    "project, value or delta, and optionally at, note and id, e.g.\n"
    "  project,value,at,note\n"
    "  parking-2022,120,2022-05-31,五月报\n"
    "FILE - reads standard input. When paced refuses the file, each bad\n"
    "cell is listed as FILE:LINE with its column and what is wrong.\n"
    "\n";

/* The whole of FILE (or stdin for "-") in *buf; CTL_LOCAL after a
 * message when it cannot be read. */
static int slurp(const char *name, char **buf, size_t *len)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
	size_t cap = 65536, n = 0, got;
	char *p = NULL, *q;

	if (!f) {
		msg_error("import: cannot open %s: %s", name, strerror(errno));
		return CTL_LOCAL;
	}
	do {
		if (n + 1 >= cap || !p) {
			cap = p ? cap * 2 : cap;
			if (cap > FILE_MAX + 1 || !(q = realloc(p, cap))) {
				msg_error("import: %s is too large", name);
				goto fail;
			}
			p = q;
		}
		got = fread(p + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		msg_error("import: cannot read %s: %s", name, strerror(errno));
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	p[n] = '\0';
	*buf = p;
	*len = n;
	return CTL_OK;
fail:
	if (f != stdin)
		fclose(f);
	free(p);
	return CTL_LOCAL;
}

/* What was stored, and the projects it moved; data is the file name. */
static void show_stored(const struct ctl *ctl, const struct reply *r,
			void *data)
{
	size_t n = json_array_size(json_object_get(r->json, "updates"));

	if (ctl->format == CTL_FORMAT_TABLE)
		printf("stored %zu update%s from %s\n", n, n == 1 ? "" : "s",
		       (const char *)data);
	view_projects(ctl, json_object_get(r->json, "projects"));
}

int cmd_import(struct ctl *ctl, int argc, char **argv)
{
	struct args a = {.usage = usage, .min_pos = 1, .max_pos = 1};
	const char *name;
	struct reply r;
	char *csv;
	size_t len;
	long status;
	int rc;

	if ((rc = args_parse(ctl, &a, argc, argv)))
		return args_exit(rc);
	name = a.pos[0];
	if ((rc = slurp(name, &csv, &len)))
		return rc;
	if (len == 0) {
		msg_error("import: %s is empty", name);
		free(csv);
		return CTL_USAGE;
	}
	rc = request_send(ctl, "POST", "/v1/updates", "text/csv", csv, len, &r);
	free(csv);
	status = r.status;
	rc = answer_finish(ctl, rc, &r, strcmp(name, "-") == 0 ? "stdin" : name,
			   show_stored, (void *)name);
	if (status == 415)
		msg_error("import: this paced does not take CSV; post the rows "
			  "as JSON to /v1/updates");
	return rc;
}
