/* request.c - one HTTP request to paced with libcurl's easy interface. */
#include "request.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "paced.h"

/* A list of 10 000 projects is a few MB; anything far larger is not an
 * answer paced gives. */
#define REPLY_MAX (256u << 20)
#define CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_S 60L

struct sink {
	char *buf;
	size_t len, cap;
	bool too_big, no_memory;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;

	if (s->len + n + 1 > REPLY_MAX) {
		s->too_big = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 16384;
		char *p;

		while (cap < s->len + n + 1)
			cap *= 2;
		p = realloc(s->buf, cap);
		if (!p) {
			s->no_memory = true;
			return 0;
		}
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

/* PACED_TIMEOUT (whole seconds) bounds a whole request; default 60 s. */
static long timeout_ms(void)
{
	const char *e = getenv("PACED_TIMEOUT");
	char *end;
	long s;

	if (!e || !*e)
		return DEFAULT_TIMEOUT_S * 1000;
	errno = 0;
	s = strtol(e, &end, 10);
	if (errno || *end || s < 1 || s > 86400) {
		msg_error("ignoring PACED_TIMEOUT=%s (whole seconds, 1-86400)",
			  e);
		return DEFAULT_TIMEOUT_S * 1000;
	}
	return s * 1000;
}

/* The URL of path on the server, and the unix socket for "unix:/PATH". */
static char *make_url(const char *base, const char *path,
		      const char **unix_path)
{
	size_t n;
	char *url;

	*unix_path = NULL;
	if (strncmp(base, "unix:", 5) == 0) {
		*unix_path = base + 5;
		base = "http://localhost";
	}
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	url = malloc(n + strlen(path) + 1);
	if (url) {
		memcpy(url, base, n);
		memcpy(url + n, path, strlen(path) + 1);
	}
	return url;
}

/* Authorization and Content-Type; NULL without memory. The token is
 * copied into curl's list only, and never printed. */
static struct curl_slist *make_headers(const struct ctl *ctl, const char *ctype,
				       bool *ok)
{
	struct curl_slist *h = NULL, *t;
	char line[4200];

	*ok = true;
	if (ctl->token && *ctl->token) {
		if ((size_t)snprintf(line, sizeof(line),
				     "Authorization: Bearer %s",
				     ctl->token) >= sizeof(line)) {
			msg_error("PACED_TOKEN is too long");
			*ok = false;
			return NULL;
		}
		h = curl_slist_append(h, line);
		explicit_bzero(line, sizeof(line));
		if (!h)
			goto oom;
	}
	if (ctype) {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		if (!(t = curl_slist_append(h, line)))
			goto oom;
		h = t;
	}
	/* paced answers at once; skip curl's wait for "100 Continue". */
	if (!(t = curl_slist_append(h, "Expect:")))
		goto oom;
	return t;
oom:
	curl_slist_free_all(h);
	msg_error("out of memory");
	*ok = false;
	return NULL;
}

static int perform(const struct ctl *ctl, CURL *c, struct sink *s,
		   struct reply *r)
{
	char err[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	rc = curl_easy_perform(c);
	if (s->no_memory) {
		msg_error("out of memory reading the answer");
		return CTL_LOCAL;
	}
	if (s->too_big) {
		msg_error("the answer of %s is over %u MB", ctl->url,
			  REPLY_MAX >> 20);
		return CTL_UNREACHABLE;
	}
	if (rc != CURLE_OK) {
		msg_error("cannot reach paced at %s: %s", ctl->url,
			  err[0] ? err : curl_easy_strerror(rc));
		return CTL_UNREACHABLE;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	r->body = s->buf ? s->buf : calloc(1, 1);
	r->len = s->len;
	s->buf = NULL;
	if (!r->body) {
		msg_error("out of memory");
		return CTL_LOCAL;
	}
	r->json = json_loadb(r->body, r->len, JSON_DECODE_ANY, NULL);
	return CTL_OK;
}

int request_send(const struct ctl *ctl, const char *method, const char *path,
		 const char *ctype, const char *body, size_t len,
		 struct reply *r)
{
	struct sink s = {0};
	struct curl_slist *headers;
	const char *unix_path;
	char *url = NULL;
	CURL *c = NULL;
	bool ok;
	int rc = CTL_LOCAL;

	memset(r, 0, sizeof(*r));
	headers = make_headers(ctl, ctype, &ok);
	if (!ok)
		return CTL_LOCAL;
	url = make_url(ctl->url, path, &unix_path);
	c = curl_easy_init();
	if (!url || !c) {
		msg_error("out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (unix_path)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, unix_path);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "pacectl/" PACED_VERSION);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms());
	/* Only the server's own words count: no redirects, http(s) only. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = perform(ctl, c, &s, r);
out:
	free(s.buf);
	curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	free(url);
	return rc;
}

int request_json(const struct ctl *ctl, const char *method, const char *path,
		 const json_t *body, struct reply *r)
{
	char *text = NULL;
	int rc;

	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text) {
			memset(r, 0, sizeof(*r));
			msg_error("out of memory");
			return CTL_LOCAL;
		}
	}
	rc = request_send(ctl, method, path, body ? "application/json" : NULL,
			  text, text ? strlen(text) : 0, r);
	free(text);
	return rc;
}

void reply_free(struct reply *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

char *request_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(3 * strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

char *request_project_path(const char *id, const char *suffix)
{
	char *e = request_escape(id), *path = NULL;
	size_t n;

	if (e) {
		n = strlen("/v1/projects/") + strlen(e) + strlen(suffix) + 1;
		path = malloc(n);
		if (path)
			snprintf(path, n, "/v1/projects/%s%s", e, suffix);
	}
	free(e);
	if (!path)
		msg_error("out of memory");
	return path;
}

int request_add_query(char *path, size_t n, const char *key, const char *value)
{
	char *v;
	size_t len = strlen(path);
	int w;

	if (!value)
		return 0;
	if (!(v = request_escape(value)))
		return -1;
	w = snprintf(path + len, n - len, "%s%s=%s",
		     strchr(path, '?') ? "&" : "?", key, v);
	free(v);
	return w < 0 || (size_t)w >= n - len ? -1 : 0;
}
