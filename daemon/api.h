/*
 * api.h - the HTTP API of SPEC section 4: routes each request to its
 * handler, decodes JSON bodies with errors that name the field, and
 * answers in JSON. The entry point is the http_handler_fn of http.h.
 */
#ifndef PACED_API_H
#define PACED_API_H

#include "app.h"
#include "http.h"

/* http_handler_fn; data is the struct app (borrowed). */
void api_handle(struct http_request *req, void *data);

#endif
