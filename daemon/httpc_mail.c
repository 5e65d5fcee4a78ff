/*
 * httpc_mail.c - httpc_mail(): one mail over SMTP, as one more kind of
 * httpc transfer. Only what differs from an HTTP POST lives here: checking
 * the envelope, feeding curl the message, and the TLS rule (STARTTLS
 * required except on loopback); httpc.c starts, drives, finishes and
 * aborts the transfer like any other.
 */
#include "httpc.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpc_internal.h"
#include "paced.h"

/* SMTP commands are lines too: an address or login holding CR or LF would
 * inject commands (a RCPT TO of the attacker's choosing). */
static bool httpc_smtp_arg_ok(const char *s, bool may_be_empty)
{
	return s && (may_be_empty || s[0] != '\0') && !strpbrk(s, "\r\n");
}

/* CURLOPT_READFUNCTION: hands curl the message (SMTP DATA). curl does the
 * dot-stuffing and the final "." itself. */
static size_t httpc_on_read(char *buf, size_t size, size_t nitems, void *ud)
{
	struct httpc_xfer *x = ud;
	size_t n = size * nitems, left = x->upload_len - x->upload_off;

	if (n > left)
		n = left;
	memcpy(buf, x->upload + x->upload_off, n);
	x->upload_off += n;
	return n;
}

/* CURLOPT_SEEKFUNCTION: curl rewinds when it must send the message again
 * on a fresh connection (a cached one that turned out to be dead). */
static int httpc_on_seek(void *ud, curl_off_t offset, int origin)
{
	struct httpc_xfer *x = ud;

	if (origin != SEEK_SET || offset < 0 ||
	    (uint64_t)offset > (uint64_t)x->upload_len)
		return CURL_SEEKFUNC_CANTSEEK;
	x->upload_off = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

/*
 * Whether the host of url is this machine's loopback: 127.0.0.0/8, ::1
 * (also as ::ffff:127.x.y.z) or the name "localhost", which curl resolves
 * to loopback itself without asking DNS. Only there may mail go out
 * without TLS: nothing on the path can read or change it. A URL curl
 * cannot parse is not loopback (the transfer then fails in curl anyway).
 */
static bool httpc_url_is_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	bool loopback = false;
	struct in_addr a4;
	struct in6_addr a6;
	size_t n;

	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host)
		goto done;
	n = strlen(host);
	if (strcasecmp(host, "localhost") == 0) {
		loopback = true;
	} else if (inet_pton(AF_INET, host, &a4) == 1) {
		loopback = (ntohl(a4.s_addr) >> 24) == 127;
	} else if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		/* An IPv6 literal; a zone id ("%eth0") is not loopback. */
		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a6) == 1)
			loopback = IN6_IS_ADDR_LOOPBACK(&a6) ||
				   (IN6_IS_ADDR_V4MAPPED(&a6) &&
				    a6.s6_addr[12] == 127);
	}
done:
	curl_free(host);
	curl_url_cleanup(u);
	return loopback;
}

static CURLcode httpc_mail_setup(struct httpc_xfer *x, const char *url,
				 const struct httpc_mail *m, long timeout_ms)
{
	CURL *e = x->easy;
	CURLcode rc;
	long use_ssl;

	rc = httpc_xfer_setup(x, url, "smtp,smtps", timeout_ms);
	if (rc != CURLE_OK)
		return rc;
	/* smtps:// is TLS from the first byte whatever this says; smtp://
	 * must upgrade with STARTTLS or not send at all (a server that does
	 * not offer it, or refuses it, fails the transfer with
	 * CURLE_USE_SSL_FAILED) - except on loopback, where STARTTLS is
	 * used when offered and plain text is fine otherwise. */
	use_ssl = httpc_url_is_loopback(url) ? (long)CURLUSESSL_TRY
					     : (long)CURLUSESSL_ALL;
	HTTPC_SET(CURLOPT_USE_SSL, use_ssl);
	/* curl waits for the reply to QUIT synchronously when it drops a
	 * cached SMTP connection (httpc_close); bound that wait by the
	 * transfer's own timeout instead of curl's default two minutes. */
	HTTPC_SET(CURLOPT_SERVER_RESPONSE_TIMEOUT,
		  (timeout_ms + 999) / 1000);
	HTTPC_SET(CURLOPT_MAIL_FROM, m->from);
	HTTPC_SET(CURLOPT_MAIL_RCPT, x->headers);
	if (m->username) {
		HTTPC_SET(CURLOPT_USERNAME, m->username);
		HTTPC_SET(CURLOPT_PASSWORD, m->password ? m->password : "");
	}
	HTTPC_SET(CURLOPT_UPLOAD, 1L);
	HTTPC_SET(CURLOPT_READFUNCTION, httpc_on_read);
	HTTPC_SET(CURLOPT_READDATA, (void *)x);
	HTTPC_SET(CURLOPT_SEEKFUNCTION, httpc_on_seek);
	HTTPC_SET(CURLOPT_SEEKDATA, (void *)x);
	HTTPC_SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->upload_len);
	/* The server's reply lines reach curl's header callback; kept as
	 * the response body, they tell why a send failed. */
	HTTPC_SET(CURLOPT_HEADERFUNCTION, httpc_on_body);
	return CURLE_OK;
}

int httpc_mail(struct httpc *c, const char *url, const struct httpc_mail *m,
	       const char *msg, size_t len, long timeout_ms,
	       httpc_done_fn done, void *data)
{
	struct httpc_xfer *x;
	struct curl_slist *l;
	int err;

	if (!c || !url || !m || !done || !msg || len == 0 || timeout_ms <= 0 ||
	    !httpc_smtp_arg_ok(m->from, true) || !m->rcpt || m->n_rcpt == 0 ||
	    (m->username && !httpc_smtp_arg_ok(m->username, false)) ||
	    (m->password && !httpc_smtp_arg_ok(m->password, true)))
		return PACED_EINVAL;
	for (size_t i = 0; i < m->n_rcpt; i++)
		if (!httpc_smtp_arg_ok(m->rcpt[i], false))
			return PACED_EINVAL;
	err = httpc_xfer_new(c, done, data, &x);
	if (err)
		return err;
	for (size_t i = 0; i < m->n_rcpt; i++) {
		l = curl_slist_append(x->headers, m->rcpt[i]);
		if (!l)
			goto nomem;
		x->headers = l;
	}
	x->upload = malloc(len);
	if (!x->upload)
		goto nomem;
	memcpy(x->upload, msg, len);
	x->upload_len = len;
	return httpc_xfer_start(x, httpc_mail_setup(x, url, m, timeout_ms));
nomem:
	httpc_xfer_free(x);
	return PACED_ENOMEM;
}
