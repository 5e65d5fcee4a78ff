/*
 * dash_internal.h - what the dashboard's files (dash*.c) share: the page
 * frame and the replies with their security headers, the words in the
 * configured language, local times, the chart of a project, and the
 * cookie login. Not for use outside dash*.c.
 */
#ifndef PACED_DASH_INTERNAL_H
#define PACED_DASH_INTERNAL_H

#include <stdbool.h>

#include "app.h"
#include "auth.h"
#include "fmt_text.h"
#include "http.h"
#include "message.h"
#include "project.h"
#include "timefmt.h"

/* The words of a page: zh-CN or en per [alerts] language. */
#define DASH_T(lang, zh, en) ((lang) == MESSAGE_EN ? (en) : (zh))

/* One request to a page. */
struct dash_ctx {
	struct http_request *req; /* borrowed */
	struct app *app;          /* borrowed */
	enum message_lang lang;
	/* The reader came with the login cookie: the page offers to log
	 * out. */
	bool by_cookie;
};

/* The language [alerts] language names. */
enum message_lang dash_lang(const struct app *app);

/* Opens a page: doctype, head with the inline style, the top bar (with
 * a log-out button when ctx->by_cookie) and <main>. title is text. */
void dash_page_begin(struct fmt_text *b, const struct dash_ctx *ctx,
		     const char *title);
/* Closes what dash_page_begin opened. */
void dash_page_end(struct fmt_text *b);

/* Sends b (finished here, so b is empty afterwards) as text/html with
 * the security headers and extra_headers (NULL or "Name: v\r\n" lines);
 * a 500 when b ran out of memory. */
void dash_reply_html(struct http_request *req, int status,
		     struct fmt_text *b, const char *extra_headers);

/* Answers 200 with a text/html body made piece by piece from src
 * (http_respond_stream, which takes ctx), with the security headers. */
void dash_reply_html_stream(struct http_request *req,
			    const struct http_source *src, void *ctx);

/* A whole page saying what went wrong: heading and message are text. */
void dash_reply_message(const struct dash_ctx *ctx, int status,
			const char *heading, const char *message);

/* The 405 page for a page that takes only `allow` ("GET, HEAD"), with
 * the Allow header RFC 9110 asks of a 405. */
void dash_reply_405(const struct dash_ctx *ctx, const char *allow);

/* "2022-05-01 10:00" in the configured time zone. Returns out. */
char *dash_time(paced_ms t, char out[TIMEFMT_MAX]);

/* A status as a coloured chip, and the stale flag's chip. */
void dash_status_chip(struct fmt_text *b, enum pace_status s,
		      enum message_lang lang);
void dash_stale_chip(struct fmt_text *b, enum message_lang lang);

/* Appends p's chart (svg_chart.h) as evaluated in v, with its updates
 * read from the database; with_title for the image served alone.
 * 0, PACED_EDB or PACED_ENOMEM. */
int dash_chart(struct fmt_text *b, struct app *app, const struct project *p,
	       const struct project_view *v, paced_ms now, bool with_title);

/* The pages (dash_index.c, dash_project.c). */
void dash_index(const struct dash_ctx *ctx);
void dash_project(const struct dash_ctx *ctx, const char *id);

/* ---- dash_auth.c: the cookie login ---- */

/*
 * Who the request comes from: the Authorization header when it has one,
 * else - for GET and HEAD only, so a cookie can never change anything -
 * the token in the paced_token cookie (*by_cookie then true). *tok is
 * NULL on the open API. AUTH_OK or AUTH_UNAUTHORIZED.
 */
enum auth_verdict dash_auth_identify(struct http_request *req,
				     struct app *app,
				     const struct conf_token **tok,
				     bool *by_cookie);

/* The login form page with status (200, or 401 for a page that needs a
 * token), an error to show (NULL: none) and the local path to return to
 * after logging in (NULL: "/"). */
void dash_auth_form(const struct dash_ctx *ctx, int status,
		    const char *error, const char *next);

/* /login (GET: the form; POST: check the token, set the cookie and
 * redirect) and /logout (POST: clear the cookie). */
void dash_auth_login(const struct dash_ctx *ctx);
void dash_auth_logout(const struct dash_ctx *ctx);

#endif
