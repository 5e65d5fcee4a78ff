/*
 * httpc_internal.h - what httpc.c (the client, its sockets and timer, HTTP
 * POSTs) and httpc_mail.c (sending mail over SMTP) share: a transfer and
 * the steps every transfer goes through whatever its protocol. Not for
 * use outside httpc*.c.
 */
#ifndef PACED_HTTPC_INTERNAL_H
#define PACED_HTTPC_INTERNAL_H

#include <curl/curl.h>
#include <stddef.h>

#include "httpc.h"

/* One POST or one mail. Owns its easy handle, header or recipient list,
 * outgoing message and response buffer from httpc_xfer_new() until its
 * callback has returned. */
struct httpc_xfer {
	struct httpc *c;                  /* borrowed */
	CURL *easy;                       /* owned */
	/* HTTP: the request headers; SMTP: the envelope recipients. Owned;
	 * curl only borrows it. */
	struct curl_slist *headers;
	/* SMTP: a copy of the message, fed to curl by httpc_mail.c. */
	char *upload;                     /* owned */
	size_t upload_len, upload_off;
	httpc_done_fn done;
	void *data;                       /* the caller's, never touched */
	char *body;                       /* owned, NUL-terminated or NULL */
	size_t body_len, body_cap;
	long retry_after_s;
	char errbuf[CURL_ERROR_SIZE];
	struct httpc_xfer *prev, *next;   /* in c->xfers until done */
};

/* A new transfer on c with its easy handle, not yet started, in *out. 0,
 * PACED_ECLOSED once httpc_close() ran, or PACED_ENOMEM. */
int httpc_xfer_new(struct httpc *c, httpc_done_fn done, void *data,
		   struct httpc_xfer **out);

/* Frees x and all it owns; only for a transfer that never started (a
 * started one is freed when it finishes). */
void httpc_xfer_free(struct httpc_xfer *x);

/* Sets on x's easy handle what every transfer needs, whatever its
 * protocol: the URL, the protocols allowed, no redirects, no signals,
 * the timeout, the response kept in x. */
CURLcode httpc_xfer_setup(struct httpc_xfer *x, const char *url,
			  const char *protocols, long timeout_ms);

/* Hands x, set up (setup_rc being how that went), to the multi handle.
 * 0, or PACED_E* and x is freed. */
int httpc_xfer_start(struct httpc_xfer *x, CURLcode setup_rc);

/* A CURLOPT_WRITEFUNCTION (and for SMTP, whose reply lines reach the
 * header callback, a CURLOPT_HEADERFUNCTION) keeping the first 64 KiB in
 * x->body; ud is x. */
size_t httpc_on_body(char *ptr, size_t size, size_t nmemb, void *ud);

/* Sets one option on the easy handle e, returning its CURLcode from the
 * calling function (which has `CURL *e` and `CURLcode rc`) on failure. */
#define HTTPC_SET(opt, val)                                                  \
	do {                                                                 \
		rc = curl_easy_setopt(e, opt, val);                          \
		if (rc != CURLE_OK)                                          \
			return rc;                                           \
	} while (0)

#endif
