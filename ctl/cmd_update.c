/* cmd_update.c - pacectl update: post one progress report. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "args.h"
#include "ctl.h"
#include "fmt.h"
#include "msg.h"
#include "request.h"
#include "view.h"

static const char usage[] =
    "usage: pacectl update ID VALUE|+DELTA|-DELTA [-m NOTE] [--at WHEN]\n"
    "                      [--id KEY]\n"
    "\n"
    "Reports progress on project ID: VALUE is the new value (120), +DELTA\n"
    "and -DELTA change the current value (+15, -3). Write =-5 for a\n"
    "negative value.\n"
    "  -m, --note NOTE  what the report is about (up to 1000 characters)\n"
    "  --at WHEN        when the value was reached: a day YYYY-MM-DD or an\n"
    "                   RFC 3339 instant (default: now); not before the\n"
    "                   project's start less a day, not in the future\n"
    "  --id KEY         an idempotency key (up to 64 characters): sending\n"
    "                   the same KEY again stores nothing the second time\n"
    "\n";

/* The operand as a JSON number: "+5"/"-5" deltas, "5"/"=-5" values. */
static int parse_amount(const char *s, bool *is_delta, json_t **out)
{
	char *end;
	double v;

	*is_delta = s[0] == '+' || s[0] == '-';
	if (s[0] == '=')
		s++;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno == ERANGE || !isfinite(v) ||
	    !strpbrk(s, "0123456789")) {
		msg_error("update: '%s' is not a number (VALUE, +DELTA or "
			  "-DELTA)",
			  s);
		return CTL_USAGE;
	}
	/* Whole numbers go as JSON integers: 120, not 120.0. */
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		*out = json_integer((json_int_t)v);
	else
		*out = json_real(v);
	return *out ? CTL_OK : CTL_LOCAL;
}

static int set_string(json_t *body, const char *key, const char *value)
{
	json_t *s;

	if (!value)
		return 0;
	s = json_string(value);
	if (!s) {
		msg_error("update: --%s is not UTF-8 text", key);
		return CTL_USAGE;
	}
	return json_object_set_new(body, key, s) ? CTL_LOCAL : 0;
}

static int build(const struct args *a, const char *note, const char *at,
		 const char *id, json_t **out)
{
	json_t *body = json_object(), *amount = NULL;
	bool is_delta;
	int rc;

	if (!body)
		return CTL_LOCAL;
	rc = parse_amount(a->pos[1], &is_delta, &amount);
	if (rc == CTL_OK &&
	    json_object_set_new(body, is_delta ? "delta" : "value", amount))
		rc = CTL_LOCAL;
	if (rc == CTL_OK)
		rc = set_string(body, "note", note);
	if (rc == CTL_OK)
		rc = set_string(body, "at", at);
	if (rc == CTL_OK)
		rc = set_string(body, "id", id);
	if (rc != CTL_OK) {
		if (rc == CTL_LOCAL)
			msg_error("out of memory");
		json_decref(body);
		return rc;
	}
	*out = body;
	return CTL_OK;
}

/* Two amounts as fmt_number shows them, with all their digits when
 * that would show them alike. */
static void two_numbers(double x, double y, char *a, char *b, size_t n)
{
	fmt_number(a, n, x);
	fmt_number(b, n, y);
	if (strcmp(a, b) == 0) {
		snprintf(a, n, "%.17g", x);
		snprintf(b, n, "%.17g", y);
	}
}

/* An id sent again with another amount: the first one stands (the SPEC's
 * idempotency), which the user may not expect after a typo's retry.
 * Said on stderr, whatever the output's format. */
static void warn_if_other_amount(const json_t *sent, const json_t *stored)
{
	const char *id = json_string_value(json_object_get(sent, "id"));
	bool delta = json_object_get(sent, "delta") != NULL;
	const json_t *was = json_object_get(stored, delta ? "delta" : "value");
	double want = json_number_value(
		json_object_get(sent, delta ? "delta" : "value"));
	char a[FMT_MAX], b[FMT_MAX];

	if (delta && !json_is_number(was)) {
		/* Recorded as a value: there is no delta to compare. */
		two_numbers(json_number_value(json_object_get(stored, "value")),
			    want, a, b, sizeof(a));
		msg_error("the update already recorded under id %s set value "
			  "%s, not delta %s; it stands (send another id to "
			  "record the delta)",
			  id, a, b);
		return;
	}
	if (!json_is_number(was) || json_number_value(was) == want)
		return;
	two_numbers(json_number_value(was), want, a, b, sizeof(a));
	msg_error("the update already recorded under id %s has %s %s, not "
		  "%s; it stands (send another id to record %s)",
		  id, delta ? "delta" : "value", a, b, b);
}

static void show_update(const struct ctl *ctl, const struct reply *r,
			void *data)
{
	(void)data;
	/* 200 rather than 201: the id was known, nothing was stored. */
	view_update(ctl, r->json, r->status == 200);
}

int cmd_update(struct ctl *ctl, int argc, char **argv)
{
	const char *note = NULL, *at = NULL, *id = NULL;
	const struct args_opt opts[] = {
	    {"note", 'm', &note, NULL},
	    {"at", 0, &at, NULL},
	    {"id", 0, &id, NULL},
	    {NULL, 0, NULL, NULL},
	};
	struct args a = {.usage = usage,
			 .opts = opts,
			 .min_pos = 2,
			 .max_pos = 2,
			 .numbers = true};
	json_t *body = NULL;
	struct reply r;
	char *path;
	int rc;

	if ((rc = args_parse(ctl, &a, argc, argv)))
		return args_exit(rc);
	if ((rc = build(&a, note, at, id, &body)))
		return rc;
	if (!(path = request_project_path(a.pos[0], "/updates"))) {
		json_decref(body);
		return CTL_LOCAL;
	}
	rc = request_json(ctl, "POST", path, body, &r);
	free(path);
	if (rc == CTL_OK && r.status == 200)
		warn_if_other_amount(body, json_object_get(r.json, "update"));
	json_decref(body);
	return answer_finish(ctl, rc, &r, NULL, show_update, NULL);
}
