/*
 * request.h - one HTTP exchange with paced through libcurl (easy
 * interface: pacectl does one request at a time). Owns the curl handle
 * of each request; the reply's body and JSON belong to the caller
 * (reply_free). What an answer means is answer.h's business.
 */
#ifndef PACECTL_REQUEST_H
#define PACECTL_REQUEST_H

#include <jansson.h>
#include <stddef.h>

#include "ctl.h"

struct reply {
	long status; /* HTTP status */
	char *body;  /* the body, NUL-terminated; owned */
	size_t len;
	json_t *json; /* the body parsed, when it is JSON; owned */
};

/*
 * Sends METHOD base-url+path (path starts with "/", already escaped) with
 * body (len bytes, NULL for none) of type ctype and the bearer token.
 * CTL_OK when an answer came, whatever its status; else CTL_UNREACHABLE
 * or CTL_LOCAL, with the reason written to stderr. r is always
 * initialised: reply_free it.
 */
int request_send(const struct ctl *ctl, const char *method, const char *path,
		 const char *ctype, const char *body, size_t len,
		 struct reply *r);

/* request_send with a JSON body (NULL for none; borrowed). */
int request_json(const struct ctl *ctl, const char *method, const char *path,
		 const json_t *body, struct reply *r);

void reply_free(struct reply *r);

/* s percent-encoded for a path segment or a query value (UTF-8 bytes as
 * %XX), or NULL without memory. The caller frees it. */
char *request_escape(const char *s);

/* "/v1/projects/" + escaped id + suffix (already escaped), or NULL after
 * a message. The caller frees it. */
char *request_project_path(const char *id, const char *suffix);

/* Appends "?key=value" or "&key=value" (value escaped; nothing for a
 * NULL value) to the path in path[n]. 0, or -1 when it does not fit. */
int request_add_query(char *path, size_t n, const char *key, const char *value);

#endif
