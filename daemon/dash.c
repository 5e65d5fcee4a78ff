/*
 * dash.c - the dashboard's routes, its page frame and security headers,
 * and the SVG images (see dash.h). The pages themselves are in
 * dash_index.c and dash_project.c, the login in dash_auth.c.
 */
#include "dash.h"

#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "conf.h"
#include "dash_internal.h"
#include "html.h"
#include "registry.h"
#include "svg_chart.h"
#include "tracker.h"

#define PROJECTS_PAGE "/projects/"
#define API_PROJECTS "/v1/projects/"

/* No script, no frame, nothing from elsewhere: only the inline style.
 * form-action and frame-ancestors do not fall back to default-src. */
#define DASH_CSP                                                            \
	"Content-Security-Policy: default-src 'none'; "                      \
	"style-src 'unsafe-inline'; form-action 'self'; "                    \
	"frame-ancestors 'none'; base-uri 'none'\r\n"
#define DASH_HEADERS                                                        \
	DASH_CSP "X-Content-Type-Options: nosniff\r\n"                       \
		 "Referrer-Policy: no-referrer\r\n"                          \
		 "X-Frame-Options: DENY\r\n"                                 \
		 "Cache-Control: no-store\r\n"
/* An image needs no style of its own either; it may be cached briefly
 * by whoever embeds it, but must be fetched again to see news. */
#define SVG_HEADERS                                                         \
	"Content-Security-Policy: default-src 'none'; "                      \
	"style-src 'unsafe-inline'\r\n"                                      \
	"X-Content-Type-Options: nosniff\r\n"                                \
	"Cache-Control: no-cache\r\n"
#define SVG_TYPE "image/svg+xml; charset=utf-8"

/* Phones first: one column, wide tables scroll sideways. */
static const char dash_css[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font:15px/1.5 system-ui,-apple-system,'PingFang SC',"
	"'Microsoft YaHei','Noto Sans CJK SC',sans-serif;color:#212121;"
	"background:#f4f5f7}"
	"a{color:#0d47a1}"
	".top{background:#263238;color:#fff;padding:8px 14px;display:flex;"
	"flex-wrap:wrap;gap:6px 14px;align-items:center}"
	".top a{color:#fff;text-decoration:none}"
	".top .site{font-weight:bold;font-size:17px;flex:1}"
	".top form{margin:0}"
	"main{max-width:1000px;margin:0 auto;padding:10px 12px 40px}"
	"h1{font-size:20px;margin:10px 0 6px}"
	"h2{font-size:17px;margin:18px 0 6px}"
	"h3{font-size:16px;margin:0 0 4px}"
	".chip{display:inline-block;padding:0 8px;border-radius:10px;"
	"color:#fff;font-size:13px;white-space:nowrap;margin-right:4px}"
	".chip.stale{background:#6a1b9a}"
	".card{background:#fff;border-radius:6px;padding:10px 12px;"
	"margin:8px 0;box-shadow:0 1px 2px rgba(0,0,0,.12)}"
	".bar{position:relative;height:12px;background:#e0e0e0;"
	"border-radius:6px;margin:6px 0}"
	".bar .fill{height:100%;border-radius:6px}"
	".bar .mark{position:absolute;top:-4px;bottom:-4px;width:3px;"
	"margin-left:-1px;background:#212121}"
	".meta{color:#616161;font-size:13px}"
	".counts a{margin-right:10px;white-space:nowrap}"
	".filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;"
	"margin:8px 0}"
	"select,input,button{font:inherit;padding:4px 8px}"
	".scroll{overflow-x:auto;background:#fff;border-radius:6px}"
	"table{border-collapse:collapse;width:100%;font-size:14px}"
	"th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eee;"
	"vertical-align:top}"
	"th{white-space:nowrap;color:#616161;font-weight:normal}"
	"td ul{margin:0;padding:0;list-style:none}"
	"figure.chart{margin:0}"
	"svg.chart{width:100%;height:auto;display:block;border-radius:6px}"
	"dl.facts{display:grid;grid-template-columns:max-content 1fr;"
	"gap:4px 14px;background:#fff;padding:10px 12px;border-radius:6px;"
	"margin:0}"
	"dl.facts dt{color:#616161}dl.facts dd{margin:0}"
	".err{color:#b71c1c}"
	".login{max-width:360px;margin:40px auto}"
	".login input{width:100%;margin:6px 0}"
	/* The chart is scaled to the width: its labels grow to stay legible
	 * (CSS outranks the SVG's font-size attribute). */
	"@media (max-width:600px){body{font-size:14px}main{padding:6px 8px}"
	"th,td{padding:4px 6px}svg.chart text{font-size:18px}}";

enum message_lang dash_lang(const struct app *app)
{
	return message_lang_parse(app->conf->language);
}

void dash_page_begin(struct fmt_text *b, const struct dash_ctx *ctx,
		     const char *title)
{
	const char *site = DASH_T(ctx->lang, "进度看板", "Progress dashboard");

	html_printf(b,
		    "<!DOCTYPE html>\n<html lang=\"%s\"><head>"
		    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
		    "content=\"width=device-width, initial-scale=1\">"
		    "<title>%s%s%s</title><style>",
		    DASH_T(ctx->lang, "zh-CN", "en"), title ? title : "",
		    title ? " · " : "", site);
	fmt_text_str(b, dash_css);
	for (int s = PACE_DONE; s <= PACE_ON_TRACK; s++)
		html_printf(b, ".st-%s{background:%s}",
			    pace_status_name((enum pace_status)s),
			    svg_status_colour((enum pace_status)s));
	html_printf(b,
		    "</style></head><body><header class=\"top\">"
		    "<a class=\"site\" href=\"/\">%s</a>",
		    site);
	if (ctx->by_cookie)
		html_printf(b,
			    "<form method=\"post\" action=\"/logout\">"
			    "<button type=\"submit\">%s</button></form>",
			    DASH_T(ctx->lang, "退出登录", "Log out"));
	fmt_text_str(b, "</header>\n<main>\n");
}

void dash_page_end(struct fmt_text *b)
{
	fmt_text_str(b, "</main></body></html>\n");
}

static void dash_send(struct http_request *req, int status,
		      struct fmt_text *b, const char *headers,
		      const char *ctype)
{
	size_t len = 0;
	char *body = fmt_text_finish(b, &len);

	if (!body) {
		api_reply_failure(req, PACED_ENOMEM);
		return;
	}
	http_respond(req, status, headers, ctype, body, len);
	free(body);
}

void dash_reply_html(struct http_request *req, int status,
		     struct fmt_text *b, const char *extra_headers)
{
	char headers[1024];

	snprintf(headers, sizeof(headers), "%s%s", DASH_HEADERS,
		 extra_headers ? extra_headers : "");
	dash_send(req, status, b, headers, "text/html; charset=utf-8");
}

void dash_reply_html_stream(struct http_request *req,
			    const struct http_source *src, void *ctx)
{
	http_respond_stream(req, 200, DASH_HEADERS, "text/html; charset=utf-8",
			    src, ctx);
}

static void reply_page(const struct dash_ctx *ctx, int status,
		       const char *headers, const char *heading,
		       const char *message)
{
	struct fmt_text b = {0};

	dash_page_begin(&b, ctx, heading);
	html_printf(&b, "<h1>%s</h1><p class=\"err\">%s</p><p><a href=\"/\">%s"
			"</a></p>",
		    heading, message,
		    DASH_T(ctx->lang, "返回项目列表", "Back to all projects"));
	dash_page_end(&b);
	dash_reply_html(ctx->req, status, &b, headers);
}

void dash_reply_message(const struct dash_ctx *ctx, int status,
			const char *heading, const char *message)
{
	reply_page(ctx, status, NULL, heading, message);
}

void dash_reply_405(const struct dash_ctx *ctx, const char *allow)
{
	char header[64], message[128];

	snprintf(header, sizeof(header), "Allow: %s\r\n", allow);
	snprintf(message, sizeof(message), "%s: %s",
		 http_request_path(ctx->req), allow);
	reply_page(ctx, 405, header,
		   DASH_T(ctx->lang, "不支持的请求方法", "Method not allowed"),
		   message);
}

char *dash_time(paced_ms t, char out[TIMEFMT_MAX])
{
	return timefmt_local(t, "%Y-%m-%d %H:%M", out);
}

void dash_status_chip(struct fmt_text *b, enum pace_status s,
		      enum message_lang lang)
{
	const char *name = pace_status_name(s);

	html_printf(b,
		    "<span class=\"chip st-%s\" data-status=\"%s\">%s</span>",
		    name, name, message_status_label(name, lang));
}

void dash_stale_chip(struct fmt_text *b, enum message_lang lang)
{
	html_printf(b,
		    "<span class=\"chip stale\" data-stale=\"true\">%s</span>",
		    message_status_label("stale", lang));
}

/* ---- the chart and the images ----------------------------------------- */

int dash_chart(struct fmt_text *b, struct app *app, const struct project *p,
	       const struct project_view *v, paced_ms now, bool with_title)
{
	json_t *def = project_def_json(p->def);
	const json_t *pauses = json_object_get(def, "pauses");
	struct pace_point *pts = NULL;
	size_t n_pts = 0;
	struct pace_curve curve;
	const char **reasons = NULL;
	struct svg_chart c;
	int rc;

	/* Every update since the first: the chart draws them all as steps
	 * (updates within a unit of each other share one). */
	rc = def ? tracker_points(app, p, INT64_MIN, &pts, &n_pts)
		 : PACED_ENOMEM;
	if (rc < 0)
		goto out;
	if (p->def->n_pauses) {
		reasons = calloc(p->def->n_pauses, sizeof(*reasons));
		if (!reasons) {
			rc = PACED_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < p->def->n_pauses; i++)
			reasons[i] = json_string_value(json_object_get(
				json_array_get(pauses, i), "reason"));
	}
	project_def_curve(p->def, app->conf->at_risk, app->conf->behind,
			  &curve);
	c = (struct svg_chart){
		.curve = &curve,
		.title = with_title ? json_string_value(
					      json_object_get(def, "title"))
				    : NULL,
		.unit = json_string_value(json_object_get(def, "unit")),
		.actual = pts,
		.n_actual = n_pts,
		.pause_reasons = reasons,
		.now = now,
		.status = v->eval.status,
		.current = project_current(p),
		.forecast = &v->forecast,
		.lang = dash_lang(app),
	};
	svg_chart_render(b, &c);
out:
	free(pts);
	free(reasons);
	json_decref(def);
	return rc;
}

/* GET /v1/projects/{id}/chart.svg and badge.svg. */
static void dash_image(const struct dash_ctx *ctx, const char *id,
		       bool badge)
{
	struct project *p = registry_get(ctx->app->reg, id);
	struct fmt_text b = {0};
	struct project_view v;
	paced_ms now = timefmt_now();
	int rc;

	if (!p) {
		api_reply_error(ctx->req, 404, "not_found", "id",
				"no project %s", id);
		return;
	}
	if (badge) {
		json_t *def = project_def_json(p->def);

		tracker_eval(ctx->app, p, now, &v);
		svg_badge_render(
			&b, &(struct svg_badge){
				    .title = json_string_value(
					    json_object_get(def, "title")),
				    .current = project_current(p),
				    .target = p->def->target,
				    .status = v.eval.status,
				    .lang = ctx->lang});
		json_decref(def);
	} else {
		rc = tracker_view(ctx->app, p, now, &v);
		if (rc == 0)
			rc = dash_chart(&b, ctx->app, p, &v, now, true);
		if (rc < 0) {
			free(fmt_text_finish(&b, NULL));
			api_reply_failure(ctx->req, rc);
			return;
		}
	}
	dash_send(ctx->req, 200, &b, SVG_HEADERS, SVG_TYPE);
}

/* ---- routes ------------------------------------------------------------- */

enum dash_route {
	DASH_NONE,
	DASH_INDEX,
	DASH_PROJECT,
	DASH_LOGIN,
	DASH_LOGOUT,
	DASH_CHART,
	DASH_BADGE
};

/* Which of the dashboard's routes path is, with the decoded {id}. */
static enum dash_route dash_route(const char *path, char *id, size_t len)
{
	size_t n = strlen(PROJECTS_PAGE), m = strlen(API_PROJECTS);
	const char *slash;

	if (strcmp(path, "/") == 0)
		return DASH_INDEX;
	if (strcmp(path, "/login") == 0)
		return DASH_LOGIN;
	if (strcmp(path, "/logout") == 0)
		return DASH_LOGOUT;
	if (strncmp(path, PROJECTS_PAGE, n) == 0 && path[n] &&
	    !strchr(path + n, '/') &&
	    api_path_decode(path + n, strlen(path + n), id, len))
		return DASH_PROJECT;
	if (strncmp(path, API_PROJECTS, m) != 0)
		return DASH_NONE;
	slash = strchr(path + m, '/');
	if (!slash || slash == path + m ||
	    !api_path_decode(path + m, (size_t)(slash - path - m), id, len))
		return DASH_NONE;
	return strcmp(slash, "/chart.svg") == 0   ? DASH_CHART
	       : strcmp(slash, "/badge.svg") == 0 ? DASH_BADGE
						  : DASH_NONE;
}

/* The path and query a login should come back to. */
static void dash_here(struct http_request *req, char *out, size_t len)
{
	const char *q = http_request_query(req);

	snprintf(out, len, "%s%s%s", http_request_path(req), *q ? "?" : "",
		 q);
}

bool dash_handle(struct http_request *req, struct app *app)
{
	const char *method = http_request_method(req);
	struct dash_ctx ctx = {req, app, dash_lang(app), false};
	enum dash_route r;
	const struct conf_token *tok = NULL;
	char id[256], here[1024];
	bool image;

	r = dash_route(http_request_path(req), id, sizeof(id));
	image = r == DASH_CHART || r == DASH_BADGE;
	if (r == DASH_NONE)
		return false;
	if (r == DASH_LOGIN || r == DASH_LOGOUT) {
		if (r == DASH_LOGIN)
			dash_auth_login(&ctx);
		else
			dash_auth_logout(&ctx);
		return true;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		if (image)
			api_reply_405(req, http_request_path(req),
				      "GET, HEAD");
		else
			dash_reply_405(&ctx, "GET, HEAD");
		return true;
	}
	if (dash_auth_identify(req, app, &tok, &ctx.by_cookie) != AUTH_OK) {
		if (image) {
			api_reply_error_headers(
				req, 401, "WWW-Authenticate: Bearer\r\n",
				"unauthorized", NULL,
				"this image needs an Authorization: Bearer "
				"token or the dashboard's login cookie");
		} else {
			dash_here(req, here, sizeof(here));
			dash_auth_form(&ctx, 401, NULL, here);
		}
		return true;
	}
	if (tok && !api_within_rate(req, app, tok))
		return true;
	if (r == DASH_INDEX)
		dash_index(&ctx);
	else if (r == DASH_PROJECT)
		dash_project(&ctx, id);
	else
		dash_image(&ctx, id, r == DASH_BADGE);
	return true;
}
