/*
 * api_list.h - the projects GET /v1/projects and /v1/projects.csv list,
 * chosen once and rendered a slice at a time, so a list of many projects
 * can be sent over several loop turns (http_respond_stream) without
 * keeping pointers to projects that may be archived or replaced between
 * turns: a list holds the ids of its matches, in id order.
 */
#ifndef PACED_API_LIST_H
#define PACED_API_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "fmt_text.h"
#include "http.h"
#include "project.h"

/* Projects rendered per slice: a loop turn spends some 2-5 ms on them
 * (each costs a forecast read from SQLite unless cached; 256 made other
 * requests wait 25 ms at the median during a 50 000-project list, 64
 * made them wait 3-8 ms, for the same total time), and a list of no more
 * is answered at once, with a Content-Length. */
#define API_LIST_SLICE 64

struct api_list;

/* Reads the filters (?status=, ?tag=, ?stale=) from req and picks the
 * live projects that match them at now, without reading the database
 * (from a registry of more than 4096 projects, later: a part of it in
 * each piece of the streamed answer). NULL after answering a bad query
 * or a failure itself. */
struct api_list *api_list_select(struct http_request *req, struct app *app,
				 paced_ms now);

/* How many projects were picked (all of them once picking is over: from
 * a registry of more than 4096 projects, picking goes on while the answer
 * is streamed). */
size_t api_list_count(const struct api_list *l);

/* Whether picking is over and every picked project has been through
 * api_list_next() (which renders nothing while picking goes on). */
bool api_list_done(const struct api_list *l);

/*
 * Hands the next picked projects to fn, at most `max` of them, each with
 * its view evaluated at now (with the forecast), for fn to render. A
 * project archived since it was picked, or that no longer matches the
 * filters, is skipped: every project given matches in the state its view
 * shows. 0 or the first negative code of fn or of the evaluation
 * (PACED_EDB, PACED_ENOMEM).
 */
int api_list_next(struct api_list *l, size_t max, paced_ms now,
		  int (*fn)(const struct project *p,
			    const struct project_view *v, void *data),
		  void *data);

void api_list_free(struct api_list *l);

/* How a list is written: its media type and extra header lines (NULL or
 * "Name: value\r\n"...), what comes before the first project, each
 * project (first: whether it is the first written; 0 or PACED_E*), and
 * what comes after the last. */
struct api_list_format {
	const char *content_type, *extra_headers;
	void (*open)(struct fmt_text *b);
	int (*item)(struct fmt_text *b, const struct project *p,
		    const struct project_view *v, bool first);
	void (*close)(struct fmt_text *b);
};

/* {"projects":[...]}, SPEC section 1. */
extern const struct api_list_format api_list_json;

/* Answers 200 with l written in fmt (static), taking l: a list of one
 * slice at once with a Content-Length, as evaluated at now; a longer one
 * streamed a slice per loop turn (Transfer-Encoding: chunked), each slice
 * evaluated when it is made. */
void api_list_reply(struct http_request *req, struct api_list *l,
		    paced_ms now, const struct api_list_format *fmt);

#endif
