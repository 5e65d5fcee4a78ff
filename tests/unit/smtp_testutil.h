/*
 * smtp_testutil.h - a small plain-text SMTP server (RFC 5321) for the
 * httpc_mail tests, one thread per connection so a connection curl keeps
 * cached never blocks another. Replies by address:
 *   RCPT TO:<reject…>  550      RCPT TO:<later…>  451
 *   MAIL FROM:<dataerr…>  the message is refused with 554 after DATA
 * With `starttls` it offers STARTTLS and refuses it (454), with `auth` it
 * offers AUTH PLAIN and accepts only SMTP_USER / SMTP_PASS. The names are
 * the ones these helpers had when they were static in test_httpc.c.
 */
#ifndef PACED_SMTP_TESTUTIL_H
#define PACED_SMTP_TESTUTIL_H

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

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

/*
 * Starts a server listening on the numeric address addr (IPv4 or IPv6).
 * false when the address cannot be bound here (no IPv6, say), so callers
 * can skip rather than fail.
 */
bool smtp_start(struct smtp_srv *s, const char *addr, bool starttls,
		bool auth);

void smtp_stop(struct smtp_srv *s);

/* How many times the client sent exactly this command line. */
int smtp_count(struct smtp_srv *s, const char *line);

/* How many command lines start with prefix (case-insensitive). */
int smtp_count_prefix(struct smtp_srv *s, const char *prefix);

#endif
