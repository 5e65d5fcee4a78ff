/*
 * dash_auth.c - the dashboard's login: a form that takes a token (any
 * role may read) and keeps it in an HttpOnly, SameSite=Strict cookie, so
 * a browser can read the pages without sending an Authorization header.
 * The cookie counts for GET and HEAD only: with SameSite=Strict that
 * leaves another site no way to make a logged-in browser change anything.
 * The token is never logged and never written into a page.
 */
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "conf.h"
#include "dash_internal.h"
#include "html.h"
#include "log.h"

#define DASH_COOKIE "paced_token"
/* A month, so a phone does not ask every morning; /logout ends it. */
#define DASH_COOKIE_AGE_S (30 * 24 * 3600)
/* Longer tokens than this are not paced's (`paced token new` makes 68
 * characters) and are refused without hashing. */
#define DASH_TOKEN_MAX 512
#define FORM_TYPE "application/x-www-form-urlencoded"

/* The percent-decoded value of cookie `name` in a Cookie header. */
static bool dash_cookie(const char *header, const char *name, char *buf,
			size_t len)
{
	size_t n = strlen(name);
	const char *p = header;

	while (p && *p) {
		const char *end = strchr(p, ';');
		size_t k = end ? (size_t)(end - p) : strlen(p);

		while (k && *p == ' ')
			p++, k--;
		if (k > n && strncmp(p, name, n) == 0 && p[n] == '=')
			return api_path_decode(p + n + 1, k - n - 1, buf, len);
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* Whether `token` is one of the configured ones; *tok gets it. */
static bool dash_token_ok(struct app *app, const char *token,
			  const struct conf_token **tok)
{
	char header[DASH_TOKEN_MAX + 16];
	bool ok;

	if (!*token || strlen(token) > DASH_TOKEN_MAX)
		return false;
	snprintf(header, sizeof(header), "Bearer %s", token);
	ok = auth_identify(app->conf, header, tok) == AUTH_OK && *tok;
	explicit_bzero(header, sizeof(header));
	return ok;
}

enum auth_verdict dash_auth_identify(struct http_request *req,
				     struct app *app,
				     const struct conf_token **tok,
				     bool *by_cookie)
{
	const char *header = http_request_header(req, "Authorization");
	const char *method = http_request_method(req);
	char token[DASH_TOKEN_MAX + 1];
	bool ok;

	*by_cookie = false;
	if (header || app->conf->n_tokens == 0 ||
	    (strcmp(method, "GET") && strcmp(method, "HEAD")))
		return auth_identify(app->conf, header, tok);
	*tok = NULL;
	if (!dash_cookie(http_request_header(req, "Cookie"), DASH_COOKIE,
			 token, sizeof(token)))
		return AUTH_UNAUTHORIZED;
	ok = dash_token_ok(app, token, tok);
	explicit_bzero(token, sizeof(token));
	*by_cookie = ok;
	return ok ? AUTH_OK : AUTH_UNAUTHORIZED;
}

/* Where to go after logging in: a local path only ("/..." but not
 * "//host" or "/\host"), visible ASCII only (it goes into a header). */
static const char *dash_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return "/";
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return "/";
	return next;
}

void dash_auth_form(const struct dash_ctx *ctx, int status,
		    const char *error, const char *next)
{
	struct fmt_text b = {0};
	enum message_lang lang = ctx->lang;

	dash_page_begin(&b, ctx, DASH_T(lang, "登录", "Log in"));
	html_printf(&b,
		    "<form class=\"login card\" method=\"post\" "
		    "action=\"/login\"><h1>%s</h1><p class=\"meta\">%s</p>",
		    DASH_T(lang, "登录", "Log in"),
		    DASH_T(lang,
			   "请输入访问令牌（任一角色均可查看）。"
			   "令牌保存在本浏览器的 Cookie 中，"
			   "退出登录即清除。",
			   "Enter an access token (any role may read). It is "
			   "kept in a cookie of this browser until you log "
			   "out."));
	if (error)
		html_printf(&b, "<p class=\"err\" role=\"alert\">%s</p>",
			    error);
	html_printf(&b,
		    "<label for=\"token\">%s</label><input id=\"token\" "
		    "name=\"token\" type=\"password\" required "
		    "autocomplete=\"current-password\" autofocus>"
		    "<input type=\"hidden\" name=\"next\" value=\"%s\">"
		    "<button type=\"submit\">%s</button></form>",
		    DASH_T(lang, "访问令牌", "Access token"), dash_next(next),
		    DASH_T(lang, "登录", "Log in"));
	dash_page_end(&b);
	dash_reply_html(ctx->req, status, &b, NULL);
}

/* 303 to `to` with extra header lines (a Set-Cookie). */
static void dash_redirect(const struct dash_ctx *ctx, const char *to,
			  const char *cookie)
{
	struct fmt_text b = {0};
	char headers[2048];

	snprintf(headers, sizeof(headers), "Location: %s\r\n%s", to, cookie);
	html_printf(&b, "<!DOCTYPE html>\n<a href=\"%s\">%s</a>\n", to, to);
	dash_reply_html(ctx->req, 303, &b, headers);
}

/* Behind a proxy that speaks HTTPS the cookie must not travel in
 * clear; paced itself speaks plain HTTP on an intranet. */
static const char *dash_secure(struct http_request *req)
{
	const char *proto = http_request_header(req, "X-Forwarded-Proto");

	return proto && strcasecmp(proto, "https") == 0 ? "; Secure" : "";
}

static void dash_login_post(const struct dash_ctx *ctx)
{
	const char *ctype = http_request_header(ctx->req, "Content-Type");
	const char *body = http_request_body(ctx->req, &(size_t){0});
	const struct conf_token *tok = NULL;
	char token[DASH_TOKEN_MAX + 1], next[1024], cookie[1024];
	struct fmt_text enc = {0};
	char *value;
	bool bad, ok;

	if (!ctype || strncasecmp(ctype, FORM_TYPE, strlen(FORM_TYPE)) != 0) {
		dash_auth_form(ctx, 415,
			       DASH_T(ctx->lang, "请通过登录表单提交。",
				      "Send the login form as "
				      "application/x-www-form-urlencoded."),
			       NULL);
		return;
	}
	if (!api_query(body, "next", next, sizeof(next), &bad))
		next[0] = '\0';
	ok = api_query(body, "token", token, sizeof(token), &bad) &&
	     dash_token_ok(ctx->app, token, &tok);
	if (!ok) {
		explicit_bzero(token, sizeof(token));
		log_notice("dashboard: failed login from %s",
			   http_request_peer(ctx->req));
		dash_auth_form(ctx, 401,
			       DASH_T(ctx->lang, "令牌无效，请重试。",
				      "That token is not valid; try again."),
			       next);
		return;
	}
	/* The cookie holds the token itself, percent-encoded so any byte
	 * fits a cookie value. */
	html_url(&enc, token);
	explicit_bzero(token, sizeof(token));
	value = fmt_text_finish(&enc, NULL);
	if (!value) {
		api_reply_failure(ctx->req, PACED_ENOMEM);
		return;
	}
	snprintf(cookie, sizeof(cookie),
		 "Set-Cookie: " DASH_COOKIE "=%s; Path=/; HttpOnly; "
		 "SameSite=Strict; Max-Age=%d%s\r\n",
		 value, DASH_COOKIE_AGE_S, dash_secure(ctx->req));
	explicit_bzero(value, strlen(value));
	free(value);
	log_info("dashboard: token %s logged in from %s", tok->name,
		 http_request_peer(ctx->req));
	dash_redirect(ctx, dash_next(next), cookie);
	explicit_bzero(cookie, sizeof(cookie));
}

void dash_auth_login(const struct dash_ctx *ctx)
{
	const char *method = http_request_method(ctx->req);
	char next[1024];
	bool bad;

	/* Without tokens the API is open: nothing to log in to. */
	if (ctx->app->conf->n_tokens == 0) {
		dash_redirect(ctx, "/", "");
		return;
	}
	if (strcmp(method, "POST") == 0) {
		dash_login_post(ctx);
		return;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		dash_reply_405(ctx, "GET, HEAD, POST");
		return;
	}
	if (!api_query(http_request_query(ctx->req), "next", next,
		       sizeof(next), &bad))
		next[0] = '\0';
	dash_auth_form(ctx, 200, NULL, next);
}

void dash_auth_logout(const struct dash_ctx *ctx)
{
	char cookie[256];

	if (strcmp(http_request_method(ctx->req), "POST")) {
		dash_reply_405(ctx, "POST");
		return;
	}
	snprintf(cookie, sizeof(cookie),
		 "Set-Cookie: " DASH_COOKIE "=; Path=/; HttpOnly; "
		 "SameSite=Strict; Max-Age=0%s\r\n",
		 dash_secure(ctx->req));
	dash_redirect(ctx, "/", cookie);
}
