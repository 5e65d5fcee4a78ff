/* cmd_silence.c - pacectl silence: hold back a project's or a tag's alerts
 * until a time (they are still recorded). */
#include <stdio.h>

#include "answer.h"
#include "args.h"
#include "ctl.h"
#include "fmt.h"
#include "msg.h"
#include "request.h"
#include "view.h"

static const char usage[] =
    "usage: pacectl silence ID --until WHEN [--reason R]\n"
    "       pacectl silence --tag T --until WHEN [--reason R]\n"
    "\n"
    "Holds back the alerts of project ID, or of every project tagged T,\n"
    "until WHEN: a day YYYY-MM-DD (until its end) or an RFC 3339 instant.\n"
    "The events are still recorded (pacectl events shows them as\n"
    "silenced); a recovery that follows bad news already sent is always\n"
    "delivered.\n"
    "  --until WHEN  required\n"
    "  --reason R    why, for the record (国庆假期)\n"
    "\n";

static int build(const char *project, const char *tag, const char *until,
		 const char *reason, json_t **out)
{
	json_t *b = json_object();
	const char *keys[] = {"project", "tag", "until", "reason"};
	const char *vals[] = {project, tag, until, reason};

	if (!b)
		return CTL_LOCAL;
	for (int i = 0; i < 4; i++) {
		json_t *s;

		if (!vals[i])
			continue;
		if (!(s = json_string(vals[i]))) {
			msg_error("silence: %s is not UTF-8 text", keys[i]);
			json_decref(b);
			return CTL_USAGE;
		}
		json_object_set_new(b, keys[i], s);
	}
	*out = b;
	return CTL_OK;
}

static void print_silence(const struct ctl *ctl, const struct reply *r,
			  void *data)
{
	const json_t *s = json_object_get(r->json, "silence");
	const char *project = view_str(s, "project");
	const char *tag = view_str(s, "tag");
	char until[FMT_MAX];

	(void)data;
	if (ctl->format == CTL_FORMAT_PLAIN) {
		printf("%s\t", view_str(s, "id") ? view_str(s, "id") : "-");
		msg_clean(stdout,
			  view_str(s, "until") ? view_str(s, "until") : "-");
		putchar('\n');
		return;
	}
	fmt_instant(until, sizeof(until), view_str(s, "until"));
	fputs("silenced ", stdout);
	if (project) {
		msg_clean(stdout, project);
	} else {
		fputs("tag ", stdout);
		msg_clean(stdout, tag ? tag : "-");
	}
	printf(" until %s (", until);
	msg_clean(stdout, view_str(s, "id") ? view_str(s, "id") : "-");
	puts(")");
}

int cmd_silence(struct ctl *ctl, int argc, char **argv)
{
	const char *tag = NULL, *until = NULL, *reason = NULL;
	const struct args_opt opts[] = {
	    {"tag", 0, &tag, NULL},
	    {"until", 0, &until, NULL},
	    {"reason", 0, &reason, NULL},
	    {NULL, 0, NULL, NULL},
	};
	struct args a = {.usage = usage, .opts = opts, .max_pos = 1};
	json_t *body = NULL;
	struct reply r;
	int rc;

	if ((rc = args_parse(ctl, &a, argc, argv)))
		return args_exit(rc);
	if ((a.npos == 1) == (tag != NULL)) {
		msg_error("silence: give a project ID or --tag T, one of them "
			  "(see pacectl silence --help)");
		return CTL_USAGE;
	}
	if (!until) {
		msg_error("silence: --until WHEN is required");
		return CTL_USAGE;
	}
	if ((rc = build(a.npos ? a.pos[0] : NULL, tag, until, reason, &body)))
		return rc;
	rc = request_json(ctl, "POST", "/v1/silences", body, &r);
	json_decref(body);
	return answer_finish(ctl, rc, &r, NULL, print_silence, NULL);
}
