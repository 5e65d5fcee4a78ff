/* test_httpc_mail.c - httpc_mail against a local SMTP server. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <uv.h>

#include "httpc.h"
#include "httpc_testutil.h"
#include "paced.h"
#include "smtp_testutil.h"

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

	unset_proxies();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
