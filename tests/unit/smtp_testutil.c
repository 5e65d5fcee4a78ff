/*
 * smtp_testutil.c - the SMTP test server of the httpc_mail tests (see
 * smtp_testutil.h).
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
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "b64.h"
#include "httpc_testutil.h"
#include "smtp_testutil.h"

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
bool smtp_start(struct smtp_srv *s, const char *addr, bool starttls,
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

void smtp_stop(struct smtp_srv *s)
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
int smtp_count(struct smtp_srv *s, const char *line)
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
int smtp_count_prefix(struct smtp_srv *s, const char *prefix)
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
