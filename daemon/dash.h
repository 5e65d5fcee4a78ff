/*
 * dash.h - the dashboard paced serves itself: server-rendered HTML pages
 * (GET / lists the projects by tag, GET /projects/{id} shows one with its
 * chart, history and events), the login form that keeps a reader's token
 * in a cookie (/login, /logout), and the SVG images
 * /v1/projects/{id}/chart.svg and /v1/projects/{id}/badge.svg. No script
 * and no external asset: it runs on an intranet and on phones.
 */
#ifndef PACED_DASH_H
#define PACED_DASH_H

#include <stdbool.h>

#include "app.h"
#include "http.h"

/* Answers the request and returns true when its path is one of the
 * dashboard's (which do their own authentication: the bearer token or
 * the cookie); false, having done nothing, for any other path. */
bool dash_handle(struct http_request *req, struct app *app);

#endif
