/*
 * answer.h - what an answer of paced means for pacectl's exit code, and
 * the server's error written so that a person can act on it: its
 * message, the field it names and, for batches and CSV files, every bad
 * item with its line and column.
 */
#ifndef PACECTL_ANSWER_H
#define PACECTL_ANSWER_H

#include "ctl.h"
#include "request.h"

/*
 * CTL_OK for a 2xx answer with JSON (or an empty 204). Otherwise the
 * server's error goes to stderr, its items labelled with `what` (a file
 * name, or NULL for "updates[N]"), and the result is CTL_REFUSED for 4xx,
 * CTL_UNREACHABLE for 5xx or anything else. With --json an error's JSON
 * body is also printed to stdout, so scripts can read it.
 */
int answer_outcome(const struct ctl *ctl, const struct reply *r,
		   const char *what);

/*
 * The end of every command: rc is what request_send/request_json returned
 * for r. On success, --json prints the server's answer as it came, else
 * show(ctl, r, data) writes it for people. Frees r; returns the exit code.
 */
int answer_finish(const struct ctl *ctl, int rc, struct reply *r,
		  const char *what,
		  void (*show)(const struct ctl *ctl, const struct reply *r,
			       void *data),
		  void *data);

/* Prints the body of r (the server's JSON, unchanged) to stdout. */
void answer_print_json(const struct reply *r);

#endif
