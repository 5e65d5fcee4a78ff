/*
 * test_httpc.c - httpc against a tiny blocking HTTP/1.1 server running in a
 * thread on 127.0.0.1, and httpc_mail against a small SMTP server (further
 * down). The HTTP server answers by path:
 *   /ok     200 "hello, paced" and records the raw request
 *   /retry  503 with "Retry-After: 7"
 *   /date   429 with Retry-After as an HTTP-date two minutes ahead
 *   /big    200 with a 100000-byte body
 *   /n/K    200 with body "K"
 *   /hang   reads the request and never answers (connection held open)
 * Every answer carries "Connection: close", so each request is one
 * connection and the server can stay sequential.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
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
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <uv.h>

#include "b64.h"
#include "httpc.h"
#include "paced.h"

#define SRV_MAX_REQ (4 * 1024 * 1024)
#define SRV_MAX_HELD 32
#define BIG_BODY_LEN 100000

/* ---- the server thread -------------------------------------------------- */

struct srv {
	int fd;
	int port;
	pthread_t thread;
	atomic_bool stop;
	atomic_int hung;      /* /hang requests received */
	int held[SRV_MAX_HELD];
	size_t nheld;
	pthread_mutex_t mu;   /* guards recorded */
	char *recorded;       /* last /ok request, raw; owned */
	size_t recorded_len;
};

static bool srv_send_all(int fd, const char *p, size_t n)
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
static int bind_loopback(bool do_listen, int *port)
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

static void srv_start(struct srv *s)
{
	memset(s, 0, sizeof(*s));
	atomic_init(&s->stop, false);
	atomic_init(&s->hung, 0);
	pthread_mutex_init(&s->mu, NULL);
	s->fd = bind_loopback(true, &s->port);
	assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

static void srv_stop(struct srv *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->nheld; i++)
		close(s->held[i]);
	close(s->fd);
	free(s->recorded);
	pthread_mutex_destroy(&s->mu);
}

/* ---- an SMTP server thread ---------------------------------------------- */

/*
 * Plain-text SMTP (RFC 5321), one thread per connection so a connection
 * curl keeps cached never blocks another. Replies by address:
 *   RCPT TO:<reject…>  550      RCPT TO:<later…>  451
 *   MAIL FROM:<dataerr…>  the message is refused with 554 after DATA
 * With `starttls` it offers STARTTLS and refuses it (454), with `auth` it
 * offers AUTH PLAIN and accepts only user / secret.
 */
#define SMTP_MAX_CONNS 16
#define SMTP_USER "user"
#define SMTP_PASS "secret"

struct smtp_srv {
	int fd;
	int port;
	char host[INET6_ADDRSTRLEN + 2]; /* for URLs: "[::1]" */
	bool starttls;
	bool auth;
	pthread_t thread;
	atomic_bool stop;
	pthread_t conns[SMTP_MAX_CONNS];
	size_t nconns;           /* touched by the accept thread only */
	pthread_mutex_t mu;      /* guards what follows */
	char log[16384];         /* "\n" + every command line + "\n" */
	size_t log_len;
	char *data;              /* the last message taken, unstuffed */
	size_t data_len;
	int messages;            /* messages taken */
	int connections;
};

struct smtp_conn {
	struct smtp_srv *s;
	int fd;
};

static void smtp_log(struct smtp_srv *s, const char *line, size_t n)
{
	pthread_mutex_lock(&s->mu);
	if (s->log_len + n + 2 < sizeof(s->log)) {
		memcpy(s->log + s->log_len, line, n);
		s->log_len += n;
		s->log[s->log_len++] = '\n';
		s->log[s->log_len] = '\0';
	}
	pthread_mutex_unlock(&s->mu);
}

static bool smtp_reply(int fd, const char *text)
{
	return srv_send_all(fd, text, strlen(text));
}

static bool smtp_auth_ok(const char *b64)
{
	static const char plain[] = "\0" SMTP_USER "\0" SMTP_PASS;
	char want[64];

	assert_int_equal(b64_encode(plain, sizeof(plain) - 1, want,
				    sizeof(want)),
			 0);
	return strcmp(b64, want) == 0;
}

struct smtp_session {
	bool in_data, auth_wait, quit;
	bool refuse_data;
	char *msg;
	size_t msg_len, msg_cap;
};

static void smtp_append(struct smtp_session *k, const char *p, size_t n)
{
	if (k->msg_len + n + 2 > k->msg_cap) {
		size_t cap = k->msg_cap ? k->msg_cap : 4096;

		while (cap < k->msg_len + n + 2)
			cap *= 2;
		k->msg = realloc(k->msg, cap);
		assert_non_null(k->msg);
		k->msg_cap = cap;
	}
	memcpy(k->msg + k->msg_len, p, n);
	k->msg_len += n;
	memcpy(k->msg + k->msg_len, "\r\n", 2);
	k->msg_len += 2;
}

/* One line from the client, without its CRLF. */
static bool smtp_line(struct smtp_srv *s, struct smtp_session *k, int fd,
		      char *line, size_t n)
{
	char ehlo[256];

	line[n] = '\0';
	if (k->in_data) {
		if (strcmp(line, ".") != 0) {
			/* RFC 5321 4.5.2: a leading dot was doubled. */
			if (line[0] == '.')
				smtp_append(k, line + 1, n - 1);
			else
				smtp_append(k, line, n);
			return true;
		}
		k->in_data = false;
		if (k->refuse_data)
			return smtp_reply(fd, "554 5.6.0 message refused\r\n");
		pthread_mutex_lock(&s->mu);
		free(s->data);
		s->data = k->msg ? k->msg : strdup("");
		s->data_len = k->msg_len;
		s->messages++;
		pthread_mutex_unlock(&s->mu);
		k->msg = NULL;
		k->msg_len = k->msg_cap = 0;
		return smtp_reply(fd, "250 2.0.0 queued as 42\r\n");
	}
	smtp_log(s, line, n);
	if (k->auth_wait) {
		k->auth_wait = false;
		return smtp_reply(fd, smtp_auth_ok(line)
					      ? "235 2.7.0 ok\r\n"
					      : "535 5.7.8 bad credentials\r\n");
	}
	if (strncasecmp(line, "EHLO ", 5) == 0) {
		snprintf(ehlo, sizeof(ehlo), "250-test.invalid\r\n%s%s"
			 "250 8BITMIME\r\n",
			 s->starttls ? "250-STARTTLS\r\n" : "",
			 s->auth ? "250-AUTH PLAIN\r\n" : "");
		return smtp_reply(fd, ehlo);
	}
	if (strcasecmp(line, "STARTTLS") == 0)
		return smtp_reply(fd, "454 4.7.0 TLS not available\r\n");
	if (strncasecmp(line, "AUTH PLAIN", 10) == 0) {
		if (line[10] == ' ')
			return smtp_reply(fd, smtp_auth_ok(line + 11)
						      ? "235 2.7.0 ok\r\n"
						      : "535 5.7.8 no\r\n");
		k->auth_wait = true;
		return smtp_reply(fd, "334 \r\n");
	}
	if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
		k->refuse_data = strncmp(line + 10, "<dataerr", 8) == 0;
		return smtp_reply(fd, "250 2.1.0 ok\r\n");
	}
	if (strncasecmp(line, "RCPT TO:", 8) == 0) {
		if (strncmp(line + 8, "<reject", 7) == 0)
			return smtp_reply(fd, "550 5.1.1 no such user\r\n");
		if (strncmp(line + 8, "<later", 6) == 0)
			return smtp_reply(fd, "451 4.3.0 try later\r\n");
		return smtp_reply(fd, "250 2.1.5 ok\r\n");
	}
	if (strcasecmp(line, "DATA") == 0) {
		k->in_data = true;
		k->msg_len = 0;
		return smtp_reply(fd, "354 go ahead\r\n");
	}
	if (strcasecmp(line, "QUIT") == 0) {
		k->quit = true;
		return smtp_reply(fd, "221 2.0.0 bye\r\n");
	}
	if (strcasecmp(line, "RSET") == 0 || strcasecmp(line, "NOOP") == 0)
		return smtp_reply(fd, "250 2.0.0 ok\r\n");
	return smtp_reply(fd, "500 5.5.2 what\r\n");
}

static void *smtp_conn_main(void *arg)
{
	struct smtp_conn *c = arg;
	struct smtp_srv *s = c->s;
	int fd = c->fd;
	struct timeval tv = {.tv_usec = 50 * 1000};
	struct smtp_session k = {0};
	char buf[8192];
	size_t len = 0;

	free(c);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!smtp_reply(fd, "220 test.invalid ESMTP ready\r\n"))
		goto out;
	while (!atomic_load(&s->stop) && !k.quit) {
		ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		char *eol;

		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
			      errno == EINTR))
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		while (!k.quit && (eol = memmem(buf, len, "\r\n", 2))) {
			size_t n = (size_t)(eol - buf);

			if (!smtp_line(s, &k, fd, buf, n))
				goto out;
			len -= n + 2;
			memmove(buf, buf + n + 2, len);
		}
		if (len == sizeof(buf) - 1)
			break; /* a line longer than SMTP allows */
	}
out:
	free(k.msg);
	close(fd);
	return NULL;
}

static void *smtp_main(void *arg)
{
	struct smtp_srv *s = arg;

	while (!atomic_load(&s->stop)) {
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		struct smtp_conn *c;
		int fd;

		if (poll(&pfd, 1, 20) <= 0)
			continue;
		fd = accept(s->fd, NULL, NULL);
		if (fd < 0)
			continue;
		c = malloc(sizeof(*c));
		if (c) {
			/* Before the thread starts: it may finish and free c
			 * before pthread_create even returns. */
			c->s = s;
			c->fd = fd;
		}
		if (!c || s->nconns == SMTP_MAX_CONNS ||
		    pthread_create(&s->conns[s->nconns], NULL, smtp_conn_main,
				   c) != 0) {
			free(c);
			close(fd);
			continue;
		}
		s->nconns++;
		pthread_mutex_lock(&s->mu);
		s->connections++;
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

/*
 * Starts a server listening on the numeric address addr (IPv4 or IPv6).
 * false when the address cannot be bound here (no IPv6, say), so callers
 * can skip rather than fail.
 */
static bool smtp_start(struct smtp_srv *s, const char *addr, bool starttls,
		       bool auth)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	bool v6 = strchr(addr, ':') != NULL;

	memset(s, 0, sizeof(*s));
	atomic_init(&s->stop, false);
	s->starttls = starttls;
	s->auth = auth;
	s->log[0] = '\n';
	s->log[1] = '\0';
	s->log_len = 1;
	if (v6) {
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
		sl = sizeof(*s6);
	} else {
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
		sl = sizeof(*s4);
	}
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return false;
	if (bind(s->fd, (struct sockaddr *)&ss, sl) != 0 ||
	    listen(s->fd, 16) != 0 ||
	    getsockname(s->fd, (struct sockaddr *)&ss, &sl) != 0) {
		close(s->fd);
		return false;
	}
	s->port = ntohs(v6 ? s6->sin6_port : s4->sin_port);
	snprintf(s->host, sizeof(s->host), v6 ? "[%s]" : "%s", addr);
	pthread_mutex_init(&s->mu, NULL);
	assert_int_equal(pthread_create(&s->thread, NULL, smtp_main, s), 0);
	return true;
}

static void smtp_stop(struct smtp_srv *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->nconns; i++)
		pthread_join(s->conns[i], NULL);
	close(s->fd);
	free(s->data);
	pthread_mutex_destroy(&s->mu);
}

/* How many times the client sent exactly this command line. */
static int smtp_count(struct smtp_srv *s, const char *line)
{
	char want[512];
	int n = 0;

	snprintf(want, sizeof(want), "\n%s\n", line);
	pthread_mutex_lock(&s->mu);
	for (const char *p = s->log; (p = strstr(p, want)); p++)
		n++;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* How many command lines start with prefix (case-insensitive). */
static int smtp_count_prefix(struct smtp_srv *s, const char *prefix)
{
	size_t pl = strlen(prefix);
	int n = 0;

	pthread_mutex_lock(&s->mu);
	for (const char *p = s->log; (p = strchr(p, '\n')); ) {
		p++;
		if (strncasecmp(p, prefix, pl) == 0)
			n++;
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* ---- the client side ---------------------------------------------------- */

struct got {
	int calls;
	long status;
	int curl_code;
	bool error_null;
	char error[CURL_ERROR_SIZE];
	char *body;          /* owned copy */
	size_t body_len;
	long retry_after_s;
};

static void got_reset(struct got *g)
{
	free(g->body);
	memset(g, 0, sizeof(*g));
}

/* The response is borrowed only for the call, so everything is copied. */
static void on_done(const struct httpc_response *res, void *data)
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

struct fx {
	uv_loop_t loop;
	struct httpc *c;
	struct srv srv;
	char base[64];       /* "http://127.0.0.1:PORT" */
};

static int fx_setup(void **state)
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
static bool run_until(uv_loop_t *loop, bool (*pred)(void *), void *arg,
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

static bool run_until_count(uv_loop_t *loop, const int *n, int want,
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
static void fx_close_client(struct fx *f)
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

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	fx_close_client(f);
	srv_stop(&f->srv);
	free(f);
	return 0;
}

static void url_for(const struct fx *f, const char *path, char *out,
		    size_t size)
{
	snprintf(out, size, "%s%s", f->base, path);
}

/* ---- tests -------------------------------------------------------------- */

static void test_ok_body(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/ok", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "{}", 2, 5000, on_done,
				    &g),
			 0);
	assert_int_equal(httpc_in_flight(f->c), 1);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.status, 200);
	assert_int_equal(g.curl_code, CURLE_OK);
	assert_true(g.error_null);
	assert_int_equal(g.body_len, 12);
	assert_string_equal(g.body, "hello, paced");
	assert_int_equal(g.retry_after_s, -1);
	assert_int_equal(httpc_in_flight(f->c), 0);
	fx_close_client(f);
	assert_int_equal(g.calls, 1);
	got_reset(&g);
}

/* Finds header line `line` (without CRLF) in the head, whole-line match. */
static int count_header(const char *head, size_t head_len, const char *line)
{
	size_t ll = strlen(line);
	int n = 0;

	for (const char *p = head; p < head + head_len;) {
		const char *eol = memmem(p, (size_t)(head + head_len - p),
					 "\r\n", 2);

		if (!eol)
			break;
		if ((size_t)(eol - p) == ll && memcmp(p, line, ll) == 0)
			n++;
		p = eol + 2;
	}
	return n;
}

/*
 * The server must see exactly the posted headers and body, plus only what
 * HTTP needs (Host, Content-Length) and curl's Accept, our User-Agent, and
 * no "Expect: 100-continue" even for a body well above curl's threshold
 * for sending it. The body holds NULs to prove it is sent by length.
 */
static void test_request_exact(void **state)
{
	static const char *const headers[] = {
		"Content-Type: application/json",
		"webhook-id: evt_123",
		"webhook-timestamp: 1614265330",
		"webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIO"
		"LJ1OE=",
		NULL,
	};
	struct fx *f = *state;
	struct got g = {0};
	const size_t blen = 1536 * 1024 + 7;
	char url[128], line[128];
	char *body = malloc(blen), *req;
	const char *eoh;
	size_t req_len, head_len, nlines = 0, expected_lines;

	assert_non_null(body);
	for (size_t i = 0; i < blen; i++)
		body[i] = (char)(i * 7 % 251);
	url_for(f, "/ok", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, headers, body, blen, 10000,
				    on_done, &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 10000));
	assert_int_equal(g.status, 200);
	assert_int_equal(g.curl_code, CURLE_OK);

	pthread_mutex_lock(&f->srv.mu);
	req = f->srv.recorded;
	req_len = f->srv.recorded_len;
	f->srv.recorded = NULL;
	pthread_mutex_unlock(&f->srv.mu);
	assert_non_null(req);

	eoh = memmem(req, req_len, "\r\n\r\n", 4);
	assert_non_null(eoh);
	head_len = (size_t)(eoh - req) + 2; /* keep the last line's CRLF */
	assert_int_equal(req_len - head_len - 2, blen);
	assert_memory_equal(eoh + 4, body, blen);

	assert_int_equal(count_header(req, head_len, "POST /ok HTTP/1.1"), 1);
	for (size_t i = 0; headers[i]; i++)
		assert_int_equal(count_header(req, head_len, headers[i]), 1);
	snprintf(line, sizeof(line), "Host: 127.0.0.1:%d", f->srv.port);
	assert_int_equal(count_header(req, head_len, line), 1);
	assert_int_equal(count_header(req, head_len, "User-Agent: paced/0.1"),
			 1);
	assert_int_equal(count_header(req, head_len, "Accept: */*"), 1);
	snprintf(line, sizeof(line), "Content-Length: %zu", blen);
	assert_int_equal(count_header(req, head_len, line), 1);
	/* Nothing else: request line + 4 posted + Host, User-Agent, Accept,
	 * Content-Length. So no Expect, no second Content-Type. */
	for (const char *p = req; p < req + head_len; p++) {
		if (p[0] == '\r' && p[1] == '\n')
			nlines++;
	}
	expected_lines = 1 + 4 + 4;
	assert_int_equal(nlines, expected_lines);
	assert_null(strcasestr(req, "\r\nExpect:"));

	free(req);
	free(body);
	got_reset(&g);
}

static void test_retry_after_seconds(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/retry", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 5000, on_done,
				    &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.status, 503);
	assert_int_equal(g.curl_code, CURLE_OK);
	assert_int_equal(g.retry_after_s, 7);
	assert_string_equal(g.body, "busy");
	got_reset(&g);
}

static void test_retry_after_date(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/date", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 5000, on_done,
				    &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.status, 429);
	assert_int_equal(g.curl_code, CURLE_OK);
	/* Two minutes ahead, less the seconds the exchange took. */
	assert_in_range(g.retry_after_s, 110, 120);
	assert_int_equal(g.body_len, 0);
	assert_string_equal(g.body, "");
	got_reset(&g);
}

static void test_refused(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];
	int port;
	/* Bound but not listening: connect() is refused, and holding the
	 * port means nobody else can start listening on it meanwhile. */
	int fd = bind_loopback(false, &port);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok", port);
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 5000, on_done,
				    &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	close(fd);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.status, 0);
	assert_int_not_equal(g.curl_code, CURLE_OK);
	assert_int_equal(g.curl_code, CURLE_COULDNT_CONNECT);
	assert_false(g.error_null);
	assert_true(strlen(g.error) > 0);
	assert_int_equal(g.retry_after_s, -1);
	got_reset(&g);
}

static void test_timeout(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/hang", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 300, on_done,
				    &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.status, 0);
	assert_int_equal(g.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_true(strlen(g.error) > 0);
	assert_int_equal(httpc_in_flight(f->c), 0);
	got_reset(&g);
}

#define N_CONCURRENT 12

static void test_concurrent(void **state)
{
	struct fx *f = *state;
	struct got g[N_CONCURRENT];
	int done_total;
	char url[128], want[16];

	memset(g, 0, sizeof(g));
	for (int i = 0; i < N_CONCURRENT; i++) {
		snprintf(url, sizeof(url), "%s/n/%d", f->base, i);
		assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 5000,
					    on_done, &g[i]),
				 0);
	}
	assert_int_equal(httpc_in_flight(f->c), N_CONCURRENT);
	for (int i = 0; i < N_CONCURRENT; i++)
		assert_true(run_until_count(&f->loop, &g[i].calls, 1, 5000));
	done_total = 0;
	for (int i = 0; i < N_CONCURRENT; i++) {
		done_total += g[i].calls;
		snprintf(want, sizeof(want), "%d", i);
		assert_int_equal(g[i].status, 200);
		assert_string_equal(g[i].body, want);
		got_reset(&g[i]);
	}
	assert_int_equal(done_total, N_CONCURRENT);
	assert_int_equal(httpc_in_flight(f->c), 0);
}

/* A callback may post the next request: transfers finish from inside
 * httpc's own loop callbacks, and that must be safe. */
struct chain {
	struct fx *f;
	int calls;
	long last_status;
};

static void on_chain(const struct httpc_response *res, void *data)
{
	struct chain *ch = data;
	char url[128];

	ch->calls++;
	ch->last_status = res->status;
	if (ch->calls < 3) {
		snprintf(url, sizeof(url), "%s/n/%d", ch->f->base, ch->calls);
		assert_int_equal(httpc_post(ch->f->c, url, NULL, "", 0, 5000,
					    on_chain, ch),
				 0);
	}
}

static void test_post_from_callback(void **state)
{
	struct fx *f = *state;
	struct chain ch = {.f = f};
	char url[128];

	url_for(f, "/n/0", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, NULL, 0, 5000, on_chain,
				    &ch),
			 0);
	assert_true(run_until_count(&f->loop, &ch.calls, 3, 5000));
	assert_int_equal(ch.calls, 3);
	assert_int_equal(ch.last_status, 200);
	assert_int_equal(httpc_in_flight(f->c), 0);
}

static void test_big_response_capped(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/big", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 5000, on_done,
				    &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.status, 200);
	assert_int_equal(g.curl_code, CURLE_OK);
	assert_int_equal(g.body_len, 64 * 1024);
	assert_int_equal(g.body[0], 'a');
	assert_int_equal(g.body[64 * 1024 - 1], 'a' + (64 * 1024 - 1) % 26);
	got_reset(&g);
}

static void test_rejected_requests(void **state)
{
	static const char *const smuggle[] = {
		"X-A: 1\r\nX-B: 2", NULL,
	};
	static const char *const empty[] = {"", NULL};
	struct fx *f = *state;
	struct got g = {0};
	char url[128];

	url_for(f, "/ok", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, smuggle, "x", 1, 5000, on_done,
				    &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_post(f->c, url, empty, "x", 1, 5000, on_done,
				    &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_post(f->c, NULL, NULL, "x", 1, 5000, on_done,
				    &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_post(f->c, url, NULL, NULL, 1, 5000, on_done,
				    &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 0, on_done, &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_in_flight(f->c), 0);

	/* Only http and https: a file:// URL is refused by curl, reported
	 * through the callback like any other transfer failure. */
	assert_int_equal(httpc_post(f->c, "file:///etc/passwd", NULL, "x", 1,
				    5000, on_done, &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.status, 0);
	assert_int_equal(g.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
	assert_int_equal(g.body_len, 0);
	got_reset(&g);
}

struct order {
	int step;
	int aborted_at;
	int closed_at;
	struct got g;
	struct httpc *c;
	int repost;
};

static void on_abort_done(const struct httpc_response *res, void *data)
{
	struct order *o = data;

	on_done(res, &o->g);
	o->aborted_at = ++o->step;
	/* Closing already: new work is refused, synchronously. */
	o->repost = httpc_post(o->c, "http://127.0.0.1:1/", NULL, "", 0, 1000,
			       on_done, &o->g);
}

static void on_order_closed(void *data)
{
	struct order *o = data;

	o->closed_at = ++o->step;
}

static bool hung_seen(void *arg)
{
	struct fx *f = arg;

	return atomic_load(&f->srv.hung) >= 1;
}

static bool order_closed(void *arg)
{
	return ((struct order *)arg)->closed_at != 0;
}

static void test_close_in_flight(void **state)
{
	struct fx *f = *state;
	struct order o = {0};
	char url[128];

	o.c = f->c;
	url_for(f, "/hang", url, sizeof(url));
	assert_int_equal(httpc_post(f->c, url, NULL, "x", 1, 10000,
				    on_abort_done, &o),
			 0);
	/* Wait until the request is really on the wire and unanswered. */
	assert_true(run_until(&f->loop, hung_seen, f, 5000));
	assert_int_equal(o.g.calls, 0);
	assert_int_equal(httpc_in_flight(f->c), 1);

	httpc_close(f->c, on_order_closed, &o);
	f->c = NULL;
	/* The aborted transfer is reported at once; the client is freed
	 * only after its handles are closed, by the loop. */
	assert_int_equal(o.g.calls, 1);
	assert_int_equal(o.closed_at, 0);
	assert_true(run_until(&f->loop, order_closed, &o, 5000));

	assert_int_equal(o.g.calls, 1);
	assert_int_equal(o.g.status, 0);
	assert_int_equal(o.g.curl_code, CURLE_ABORTED_BY_CALLBACK);
	assert_string_equal(o.g.error, "shutting down");
	assert_int_equal(o.g.retry_after_s, -1);
	assert_int_equal(o.repost, PACED_ECLOSED);
	assert_int_equal(o.aborted_at, 1);
	assert_int_equal(o.closed_at, 2);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	got_reset(&o.g);
}

/* Closing an idle client also leaves nothing behind. */
static void test_close_idle(void **state)
{
	fx_close_client(*state);
}

/* ---- SMTP --------------------------------------------------------------- */

/* The message: CRLF lines, 8-bit UTF-8, and a line that starts with a dot
 * (which must arrive as sent, so curl's dot-stuffing is undone by the
 * server and nothing else changed it). */
static const char mail_msg[] =
	"From: paced@example.gov.cn\r\n"
	"To: a@example.gov.cn\r\n"
	"Subject: test\r\n"
	"\r\n"
	"\xe6\x96\xb0\xe5\xa2\x9e line one\r\n"
	".leading dot\r\n"
	".\r\n"
	"last\r\n";

static const char *const mail_two_rcpt[] = {
	"a@example.gov.cn",
	"b@example.gov.cn",
};

static void mail_send(struct fx *f, const char *url,
		      const struct httpc_mail *m, struct got *g)
{
	assert_int_equal(httpc_mail(f->c, url, m, mail_msg,
				    sizeof(mail_msg) - 1, 5000, on_done, g),
			 0);
	assert_true(run_until_count(&f->loop, &g->calls, 1, 5000));
	assert_int_equal(g->calls, 1);
}

static void mail_url(const struct smtp_srv *s, const char *host, char *out,
		     size_t size)
{
	snprintf(out, size, "smtp://%s:%d", host ? host : s->host, s->port);
}

/* The envelope and the message arrive as given; the reply code of the
 * final "." is the status and the server's replies are the body. */
static void test_mail_ok(void **state)
{
	struct fx *f = *state;
	struct smtp_srv s;
	struct got g = {0};
	struct httpc_mail m = {
		.from = "paced@example.gov.cn",
		.rcpt = mail_two_rcpt,
		.n_rcpt = 2,
	};
	char url[128];

	assert_true(smtp_start(&s, "127.0.0.1", false, false));
	mail_url(&s, NULL, url, sizeof(url));
	mail_send(f, url, &m, &g);
	assert_int_equal(g.curl_code, CURLE_OK);
	assert_true(g.error_null);
	assert_int_equal(g.status, 250);
	assert_non_null(strstr(g.body, "220 test.invalid ESMTP ready\r\n"));
	assert_non_null(strstr(g.body, "250 2.0.0 queued as 42\r\n"));
	assert_int_equal(httpc_in_flight(f->c), 0);

	assert_int_equal(smtp_count_prefix(&s, "EHLO "), 1);
	assert_int_equal(smtp_count(&s, "MAIL FROM:<paced@example.gov.cn>"),
			 1);
	assert_int_equal(smtp_count(&s, "RCPT TO:<a@example.gov.cn>"), 1);
	assert_int_equal(smtp_count(&s, "RCPT TO:<b@example.gov.cn>"), 1);
	assert_int_equal(smtp_count_prefix(&s, "RCPT TO:"), 2);
	assert_int_equal(smtp_count(&s, "DATA"), 1);
	/* Loopback without STARTTLS on offer: plain text, no attempt. */
	assert_int_equal(smtp_count(&s, "STARTTLS"), 0);
	/* No login was configured. */
	assert_int_equal(smtp_count_prefix(&s, "AUTH"), 0);
	pthread_mutex_lock(&s.mu);
	assert_int_equal(s.messages, 1);
	assert_int_equal(s.data_len, sizeof(mail_msg) - 1);
	assert_memory_equal(s.data, mail_msg, sizeof(mail_msg) - 1);
	pthread_mutex_unlock(&s.mu);

	/* A second mail: the same data arrives again. */
	got_reset(&g);
	mail_send(f, url, &m, &g);
	assert_int_equal(g.curl_code, CURLE_OK);
	assert_int_equal(g.status, 250);
	assert_int_equal(smtp_count(&s, "DATA"), 2);
	fx_close_client(f);
	smtp_stop(&s);
	got_reset(&g);
}

static void test_mail_auth(void **state)
{
	static const char *const rcpt[] = {"a@example.gov.cn"};
	struct fx *f = *state;
	struct smtp_srv s;
	struct got g = {0};
	struct httpc_mail m = {
		.from = "paced@example.gov.cn",
		.rcpt = rcpt,
		.n_rcpt = 1,
		.username = SMTP_USER,
		.password = SMTP_PASS,
	};
	char url[128];

	assert_true(smtp_start(&s, "127.0.0.1", false, true));
	mail_url(&s, NULL, url, sizeof(url));
	mail_send(f, url, &m, &g);
	assert_int_equal(g.curl_code, CURLE_OK);
	assert_int_equal(g.status, 250);
	assert_int_equal(smtp_count_prefix(&s, "AUTH PLAIN"), 1);
	assert_int_equal(smtp_count(&s, "DATA"), 1);
	fx_close_client(f);
	smtp_stop(&s);
	got_reset(&g);
}

/* A login the server refuses: nothing is sent, and the caller learns it
 * was the login (CURLE_LOGIN_DENIED) and the server's 535. */
static void test_mail_auth_denied(void **state)
{
	static const char *const rcpt[] = {"a@example.gov.cn"};
	struct fx *f = *state;
	struct smtp_srv s;
	struct got g = {0};
	struct httpc_mail m = {
		.from = "paced@example.gov.cn",
		.rcpt = rcpt,
		.n_rcpt = 1,
		.username = SMTP_USER,
		.password = "wrong",
	};
	char url[128];

	assert_true(smtp_start(&s, "127.0.0.1", false, true));
	mail_url(&s, NULL, url, sizeof(url));
	mail_send(f, url, &m, &g);
	assert_int_equal(g.curl_code, CURLE_LOGIN_DENIED);
	assert_int_equal(g.status, 535);
	assert_false(g.error_null);
	assert_int_equal(smtp_count_prefix(&s, "AUTH PLAIN"), 1);
	assert_int_equal(smtp_count_prefix(&s, "MAIL FROM:"), 0);
	assert_int_equal(smtp_count(&s, "DATA"), 0);
	fx_close_client(f);
	smtp_stop(&s);
	got_reset(&g);
}

/* Refusals: status is the refusing reply, and nothing was taken. */
static void test_mail_refused(void **state)
{
	static const char *const reject[] = {"a@example.gov.cn",
					     "reject@example.gov.cn"};
	static const char *const later[] = {"later@example.gov.cn"};
	static const char *const one[] = {"a@example.gov.cn"};
	struct fx *f = *state;
	struct smtp_srv s;
	struct got g = {0};
	struct httpc_mail m = {.from = "paced@example.gov.cn"};
	char url[128];

	assert_true(smtp_start(&s, "127.0.0.1", false, false));
	mail_url(&s, NULL, url, sizeof(url));

	/* One bad recipient of two: nothing is sent to anybody. */
	m.rcpt = reject;
	m.n_rcpt = 2;
	mail_send(f, url, &m, &g);
	assert_int_not_equal(g.curl_code, CURLE_OK);
	assert_int_equal(g.status, 550);
	assert_non_null(strstr(g.body, "550 5.1.1 no such user"));
	assert_int_equal(smtp_count(&s, "DATA"), 0);

	got_reset(&g);
	m.rcpt = later;
	m.n_rcpt = 1;
	mail_send(f, url, &m, &g);
	assert_int_not_equal(g.curl_code, CURLE_OK);
	assert_int_equal(g.status, 451);
	assert_int_equal(smtp_count(&s, "DATA"), 0);

	/* Refused after DATA. */
	got_reset(&g);
	m.from = "dataerr@example.gov.cn";
	m.rcpt = one;
	mail_send(f, url, &m, &g);
	assert_int_not_equal(g.curl_code, CURLE_OK);
	assert_int_equal(g.status, 554);
	assert_int_equal(smtp_count(&s, "DATA"), 1);
	pthread_mutex_lock(&s.mu);
	assert_int_equal(s.messages, 0);
	pthread_mutex_unlock(&s.mu);
	fx_close_client(f);
	smtp_stop(&s);
	got_reset(&g);
}

/*
 * Loopback in each of its spellings: STARTTLS is tried when offered (this
 * server offers it and then refuses it) and the mail still goes out in
 * plain text, which nothing off this machine can see.
 */
static void test_mail_loopback_opportunistic(void **state)
{
	static const struct {
		const char *bind, *host; /* host NULL: the bound address */
	} where[] = {
		{"127.0.0.1", NULL},
		{"127.0.0.2", NULL},
		{"127.0.0.1", "localhost"},
		{"127.0.0.1", "LocalHost"},
		{"::1", NULL},
	};
	struct fx *f = *state;
	struct got g = {0};
	struct httpc_mail m = {
		.from = "paced@example.gov.cn",
		.rcpt = mail_two_rcpt,
		.n_rcpt = 1,
	};
	char url[128];

	for (size_t i = 0; i < PACED_ARRAY_LEN(where); i++) {
		struct smtp_srv s;

		if (!smtp_start(&s, where[i].bind, true, false)) {
			/* Only IPv6 may be missing in a container. */
			assert_string_equal(where[i].bind, "::1");
			print_message("no ::1 here; [::1] not tried\n");
			continue;
		}
		mail_url(&s, where[i].host, url, sizeof(url));
		mail_send(f, url, &m, &g);
		assert_int_equal(g.curl_code, CURLE_OK);
		assert_int_equal(g.status, 250);
		assert_int_equal(smtp_count(&s, "STARTTLS"), 1);
		assert_int_equal(smtp_count(&s, "DATA"), 1);
		got_reset(&g);
		/* Drop curl's cached connection before the server goes. */
		fx_close_client(f);
		smtp_stop(&s);
		assert_int_equal(uv_loop_init(&f->loop), 0);
		assert_int_equal(httpc_new(&f->c, &f->loop), 0);
	}
}

/* A local address that is not loopback, or false. */
static bool non_loopback_addr(char *out, size_t size)
{
	struct ifaddrs *ifs, *i;
	bool found = false;

	if (getifaddrs(&ifs) != 0)
		return false;
	for (i = ifs; i && !found; i = i->ifa_next) {
		const struct sockaddr_in *sa =
			(const struct sockaddr_in *)(void *)i->ifa_addr;

		if (!sa || sa->sin_family != AF_INET ||
		    (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP) ||
		    (ntohl(sa->sin_addr.s_addr) >> 24) == 127)
			continue;
		found = inet_ntop(AF_INET, &sa->sin_addr, out,
				  (socklen_t)size) != NULL;
	}
	freeifaddrs(ifs);
	return found;
}

/*
 * Anywhere but loopback, plain text is not an option: a server that does
 * not offer STARTTLS, or offers and refuses it, gets no MAIL FROM at all
 * and the transfer fails with CURLE_USE_SSL_FAILED. The server runs on a
 * real non-loopback address of this machine.
 */
static void test_mail_requires_starttls(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	struct httpc_mail m = {
		.from = "paced@example.gov.cn",
		.rcpt = mail_two_rcpt,
		.n_rcpt = 2,
	};
	char addr[INET_ADDRSTRLEN], url[128];

	if (!non_loopback_addr(addr, sizeof(addr))) {
		print_message("no non-loopback IPv4 address to listen on\n");
		skip();
	}
	for (int offer = 0; offer <= 1; offer++) {
		struct smtp_srv s;

		assert_true(smtp_start(&s, addr, offer, false));
		mail_url(&s, NULL, url, sizeof(url));
		mail_send(f, url, &m, &g);
		assert_int_equal(g.curl_code, CURLE_USE_SSL_FAILED);
		assert_false(g.error_null);
		assert_int_equal(smtp_count(&s, "STARTTLS"), offer);
		assert_int_equal(smtp_count_prefix(&s, "MAIL FROM:"), 0);
		assert_int_equal(smtp_count_prefix(&s, "RCPT TO:"), 0);
		assert_int_equal(smtp_count(&s, "DATA"), 0);
		pthread_mutex_lock(&s.mu);
		assert_int_equal(s.connections, 1);
		assert_int_equal(s.messages, 0);
		pthread_mutex_unlock(&s.mu);
		got_reset(&g);
		smtp_stop(&s);
	}
}

static void test_mail_rejected_args(void **state)
{
	static const char *const inject[] = {
		"a@example.gov.cn>\r\nRCPT TO:<evil@example.com"};
	static const char *const empty[] = {""};
	static const char *const one[] = {"a@example.gov.cn"};
	struct fx *f = *state;
	struct got g = {0};
	struct httpc_mail m = {.from = "paced@example.gov.cn", .rcpt = one,
			       .n_rcpt = 1};
	struct httpc_mail bad;
	const char *u = "smtp://127.0.0.1:1";
	const size_t len = sizeof(mail_msg) - 1;

	assert_int_equal(httpc_mail(f->c, u, NULL, mail_msg, len, 5000,
				    on_done, &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_mail(f->c, u, &m, NULL, len, 5000, on_done,
				    &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_mail(f->c, u, &m, mail_msg, 0, 5000, on_done,
				    &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_mail(f->c, u, &m, mail_msg, len, 0, on_done,
				    &g),
			 PACED_EINVAL);
	bad = m;
	bad.n_rcpt = 0;
	assert_int_equal(httpc_mail(f->c, u, &bad, mail_msg, len, 5000,
				    on_done, &g),
			 PACED_EINVAL);
	bad = m;
	bad.rcpt = inject;
	assert_int_equal(httpc_mail(f->c, u, &bad, mail_msg, len, 5000,
				    on_done, &g),
			 PACED_EINVAL);
	bad.rcpt = empty;
	assert_int_equal(httpc_mail(f->c, u, &bad, mail_msg, len, 5000,
				    on_done, &g),
			 PACED_EINVAL);
	bad = m;
	bad.from = "a@b\nRSET";
	assert_int_equal(httpc_mail(f->c, u, &bad, mail_msg, len, 5000,
				    on_done, &g),
			 PACED_EINVAL);
	bad = m;
	bad.username = SMTP_USER;
	bad.password = "x\r\nQUIT";
	assert_int_equal(httpc_mail(f->c, u, &bad, mail_msg, len, 5000,
				    on_done, &g),
			 PACED_EINVAL);
	assert_int_equal(httpc_in_flight(f->c), 0);
	assert_int_equal(g.calls, 0);

	/* Each call speaks only its own protocols. */
	assert_int_equal(httpc_mail(f->c, "http://127.0.0.1:1/", &m, mail_msg,
				    len, 5000, on_done, &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
	got_reset(&g);
	assert_int_equal(httpc_post(f->c, "smtp://127.0.0.1:1/", NULL, "x", 1,
				    5000, on_done, &g),
			 0);
	assert_true(run_until_count(&f->loop, &g.calls, 1, 5000));
	assert_int_equal(g.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
	got_reset(&g);
}

/* No server: a connection error, no reply code. */
static void test_mail_refused_connect(void **state)
{
	struct fx *f = *state;
	struct got g = {0};
	struct httpc_mail m = {.from = "paced@example.gov.cn",
			       .rcpt = mail_two_rcpt, .n_rcpt = 1};
	char url[128];
	int port;
	int fd = bind_loopback(false, &port);

	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", port);
	mail_send(f, url, &m, &g);
	close(fd);
	assert_int_equal(g.curl_code, CURLE_COULDNT_CONNECT);
	assert_int_equal(g.status, 0);
	got_reset(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ok_body, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_request_exact, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_seconds,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_date,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_refused, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_timeout, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_post_from_callback,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_big_response_capped,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rejected_requests,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_close_in_flight,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_close_idle, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_mail_ok, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_mail_auth, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_mail_auth_denied,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mail_refused, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_mail_loopback_opportunistic, fx_setup,
			fx_teardown),
		cmocka_unit_test_setup_teardown(test_mail_requires_starttls,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mail_rejected_args,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mail_refused_connect,
						fx_setup, fx_teardown),
	};

	/* The tests talk to 127.0.0.1 directly; a proxy from the
	 * environment would change what the server sees. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
