/* cmd_projects.c - pacectl list and pacectl show: reading projects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "args.h"
#include "ctl.h"
#include "msg.h"
#include "request.h"
#include "view.h"

static const char list_usage[] =
    "usage: pacectl list [--status S] [--tag T] [--stale]\n"
    "\n"
    "Every project with its status, progress against the plan (the bar's\n"
    "'|' is where the curve expects it now), value and due date.\n"
    "  --status S   only projects in status S: on_track, at_risk, behind,\n"
    "               overdue, done, not_started\n"
    "  --tag T      only projects tagged T (亚运)\n"
    "  --stale      only projects overdue for a report\n"
    "With --plain: id, title, status, stale, progress, expected_progress,\n"
    "current, target, unit, due, tab-separated.\n"
    "\n";

static const char show_usage[] =
    "usage: pacectl show ID\n"
    "\n"
    "One project in full: status, progress, curve, forecast, reporting,\n"
    "and its latest updates. With --json, the project as paced gives it;\n"
    "with --plain, key<TAB>value lines.\n"
    "\n";

static void show_list(const struct ctl *ctl, const struct reply *r, void *data)
{
	(void)data;
	view_projects(ctl, json_object_get(r->json, "projects"));
}

int cmd_list(struct ctl *ctl, int argc, char **argv)
{
	const char *status = NULL, *tag = NULL;
	bool stale = false;
	const struct args_opt opts[] = {
	    {"status", 0, &status, NULL},
	    {"tag", 0, &tag, NULL},
	    {"stale", 0, NULL, &stale},
	    {NULL, 0, NULL, NULL},
	};
	struct args a = {.usage = list_usage, .opts = opts};
	char path[1024] = "/v1/projects";
	struct reply r;
	int rc;

	if ((rc = args_parse(ctl, &a, argc, argv)))
		return args_exit(rc);
	if (request_add_query(path, sizeof(path), "status", status) ||
	    request_add_query(path, sizeof(path), "tag", tag) ||
	    request_add_query(path, sizeof(path), "stale",
			      stale ? "true" : NULL)) {
		msg_error("list: --status or --tag is too long");
		return CTL_USAGE;
	}
	rc = request_json(ctl, "GET", path, NULL, &r);
	return answer_finish(ctl, rc, &r, NULL, show_list, NULL);
}

/* The project's page; data is its id, for its latest updates. */
static void show_page(const struct ctl *ctl, const struct reply *r, void *data)
{
	struct reply u = {0};
	char *path;

	/* The latest updates are a courtesy of the page: without them (an
	 * old paced, say) the page is still right. */
	if (ctl->format == CTL_FORMAT_TABLE &&
	    (path = request_project_path(data, "/updates?limit=5"))) {
		request_json(ctl, "GET", path, NULL, &u);
		free(path);
	}
	view_project(ctl, r->json,
		     u.status == 200 ? json_object_get(u.json, "updates")
				     : NULL);
	reply_free(&u);
}

int cmd_show(struct ctl *ctl, int argc, char **argv)
{
	struct args a = {.usage = show_usage, .min_pos = 1, .max_pos = 1};
	struct reply r;
	char *path;
	int rc;

	if ((rc = args_parse(ctl, &a, argc, argv)))
		return args_exit(rc);
	if (!(path = request_project_path(a.pos[0], "")))
		return CTL_LOCAL;
	rc = request_json(ctl, "GET", path, NULL, &r);
	free(path);
	return answer_finish(ctl, rc, &r, NULL, show_page, (void *)a.pos[0]);
}
