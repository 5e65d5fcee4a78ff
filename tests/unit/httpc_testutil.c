/*
 * httpc_testutil.c - the HTTP test server and the client fixture the httpc
 * tests share (see httpc_testutil.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <uv.h>

#include "httpc.h"
#include "httpc_testutil.h"

#define SRV_MAX_REQ (4 * 1024 * 1024)
#define BIG_BODY_LEN 100000

/* ---- the server thread -------------------------------------------------- */

bool srv_send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void srv_respond(int fd, int status, const char *reason,
			const char *extra, const char *body, size_t len)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n%s\r\n",
		     status, reason, len, extra ? extra : "");
	if (n > 0 && (size_t)n < sizeof(head) &&
	    srv_send_all(fd, head, (size_t)n))
		srv_send_all(fd, body, len);
}

/* Reads one request (headers and a Content-Length body) into a new buffer
 * the caller frees; NULL on error or EOF. */
static char *srv_read_request(int fd, size_t *out_len)
{
	size_t cap = 8192, len = 0, need = 0;
	char *buf = malloc(cap), *p;
	const char *eoh, *cl;

	if (!buf)
		return NULL;
	for (;;) {
		ssize_t r;

		if (need == 0) {
			buf[len] = '\0';
			eoh = strstr(buf, "\r\n\r\n");
			if (eoh) {
				need = (size_t)(eoh - buf) + 4;
				cl = strcasestr(buf, "\r\nContent-Length:");
				if (cl && cl < eoh)
					need += strtoul(cl + 17, NULL, 10);
			}
		}
		if (need && len >= need)
			break;
		if (len + 1 >= cap) {
			if (cap >= SRV_MAX_REQ)
				goto fail;
			cap *= 2;
			p = realloc(buf, cap);
			if (!p)
				goto fail;
			buf = p;
		}
		r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out_len = len;
	return buf;
fail:
	free(buf);
	return NULL;
}

static void srv_handle(struct srv *s, int fd)
{
	struct timeval tv = {.tv_sec = 5};
	char path[128], extra[128], date[64], *req;
	size_t len = 0;
	struct tm tm;
	time_t when;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	req = srv_read_request(fd, &len);
	if (!req || sscanf(req, "POST %127s HTTP/1.1", path) != 1) {
		free(req);
		close(fd);
		return;
	}
	if (strcmp(path, "/hang") == 0) {
		if (s->nheld < SRV_MAX_HELD)
			s->held[s->nheld++] = fd;
		else
			close(fd);
		atomic_fetch_add(&s->hung, 1);
		free(req);
		return;
	}
	if (strcmp(path, "/ok") == 0) {
		pthread_mutex_lock(&s->mu);
		free(s->recorded);
		s->recorded = req;
		s->recorded_len = len;
		req = NULL;
		pthread_mutex_unlock(&s->mu);
		srv_respond(fd, 200, "OK", NULL, "hello, paced", 12);
	} else if (strcmp(path, "/retry") == 0) {
		srv_respond(fd, 503, "Service Unavailable",
			    "Retry-After: 7\r\n", "busy", 4);
	} else if (strcmp(path, "/date") == 0) {
		when = time(NULL) + 120;
		gmtime_r(&when, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		snprintf(extra, sizeof(extra), "Retry-After: %s\r\n", date);
		srv_respond(fd, 429, "Too Many Requests", extra, "", 0);
	} else if (strcmp(path, "/big") == 0) {
		char *big = malloc(BIG_BODY_LEN);

		if (big) {
			for (size_t i = 0; i < BIG_BODY_LEN; i++)
				big[i] = (char)('a' + i % 26);
			srv_respond(fd, 200, "OK", NULL, big, BIG_BODY_LEN);
			free(big);
		}
	} else if (strncmp(path, "/n/", 3) == 0) {
		srv_respond(fd, 200, "OK", NULL, path + 3, strlen(path + 3));
	} else {
		srv_respond(fd, 404, "Not Found", NULL, "", 0);
	}
	free(req);
	close(fd);
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;

	while (!atomic_load(&s->stop)) {
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		int fd;

		if (poll(&pfd, 1, 20) <= 0)
			continue;
		fd = accept(s->fd, NULL, NULL);
		if (fd >= 0)
			srv_handle(s, fd);
	}
	return NULL;
}

/* A socket bound to 127.0.0.1 on an ephemeral port; listening if asked. */
int bind_loopback(bool do_listen, int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (do_listen)
		assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

void srv_start(struct srv *s)
{
	memset(s, 0, sizeof(*s));
	atomic_init(&s->stop, false);
	atomic_init(&s->hung, 0);
	pthread_mutex_init(&s->mu, NULL);
	s->fd = bind_loopback(true, &s->port);
	assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

void srv_stop(struct srv *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->nheld; i++)
		close(s->held[i]);
	close(s->fd);
	free(s->recorded);
	pthread_mutex_destroy(&s->mu);
}

/* ---- the client side ---------------------------------------------------- */

void got_reset(struct got *g)
{
	free(g->body);
	memset(g, 0, sizeof(*g));
}

/* The response is borrowed only for the call, so everything is copied. */
void on_done(const struct httpc_response *res, void *data)
{
	struct got *g = data;

	g->calls++;
	g->status = res->status;
	g->curl_code = res->curl_code;
	g->error_null = res->error == NULL;
	snprintf(g->error, sizeof(g->error), "%s",
		 res->error ? res->error : "");
	free(g->body);
	g->body = malloc(res->body_len + 1);
	assert_non_null(g->body);
	assert_non_null(res->body);
	memcpy(g->body, res->body, res->body_len);
	/* The body is documented as NUL-terminated. */
	assert_int_equal(res->body[res->body_len], '\0');
	g->body[res->body_len] = '\0';
	g->body_len = res->body_len;
	g->retry_after_s = res->retry_after_s;
}

int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	assert_int_equal(httpc_new(&f->c, &f->loop), 0);
	srv_start(&f->srv);
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d",
		 f->srv.port);
	*state = f;
	return 0;
}

struct ticker {
	bool (*pred)(void *);
	void *arg;
	uint64_t left_ms;
	bool expired;
	bool closed;
};

static void on_tick_closed(uv_handle_t *h)
{
	((struct ticker *)h->data)->closed = true;
}

static void on_tick(uv_timer_t *t)
{
	struct ticker *tk = t->data;

	if (tk->pred(tk->arg) || tk->left_ms <= 10) {
		tk->expired = !tk->pred(tk->arg);
		uv_timer_stop(t);
		return;
	}
	tk->left_ms -= 10;
}

/* Runs the loop until pred(arg) holds or ms pass; a 10 ms tick re-checks
 * conditions that change outside the loop (the server thread). */
bool run_until(uv_loop_t *loop, bool (*pred)(void *), void *arg,
	       uint64_t ms)
{
	struct ticker tk = {.pred = pred, .arg = arg, .left_ms = ms};
	uv_timer_t tick;

	assert_int_equal(uv_timer_init(loop, &tick), 0);
	tick.data = &tk;
	assert_int_equal(uv_timer_start(&tick, on_tick, 10, 10), 0);
	while (!pred(arg) && !tk.expired)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tick, on_tick_closed);
	/* Let the close finish: tick lives on this stack frame. */
	while (!tk.closed)
		uv_run(loop, UV_RUN_NOWAIT);
	return pred(arg);
}

struct count_goal {
	const int *n;
	int want;
};

static bool count_reached(void *arg)
{
	const struct count_goal *g = arg;

	return *g->n >= g->want;
}

bool run_until_count(uv_loop_t *loop, const int *n, int want,
		     uint64_t ms)
{
	struct count_goal g = {.n = n, .want = want};

	return run_until(loop, count_reached, &g, ms);
}

static void on_closed(void *data)
{
	(*(int *)data)++;
}

/* Closes the client and checks that no handle outlives it. */
void fx_close_client(struct fx *f)
{
	int closed = 0;

	if (!f->c)
		return;
	httpc_close(f->c, on_closed, &closed);
	f->c = NULL;
	assert_true(run_until_count(&f->loop, &closed, 1, 5000));
	assert_int_equal(closed, 1);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
}

int fx_teardown(void **state)
{
	struct fx *f = *state;

	fx_close_client(f);
	srv_stop(&f->srv);
	free(f);
	return 0;
}

void url_for(const struct fx *f, const char *path, char *out,
	     size_t size)
{
	snprintf(out, size, "%s%s", f->base, path);
}

void unset_proxies(void)
{
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
}
