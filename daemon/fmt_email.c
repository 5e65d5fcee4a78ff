/*
 * fmt_email.c - the email channel: one RFC 5322 message per request, sent
 * by httpc_mail() over SMTP (STARTTLS required off loopback, see httpc.h).
 *
 * The message is plain text, UTF-8, base64 (RFC 2045) so any title or line
 * survives every relay. Headers:
 *   Date                 m->now in UTC, "Thu, 26 Nov 2026 20:43:10 +0000"
 *   From, To             the channel's from / to, as configured
 *   Subject              the note's title; RFC 2047 encoded-words
 *                        (=?UTF-8?B?…?=) when not plain ASCII, folded so
 *                        no line passes 76 characters (78 for ASCII)
 *   Message-ID           <message id@domain of from>: a retried delivery
 *                        keeps its id, so receivers can drop duplicates
 *   MIME-Version, Content-Type, Content-Transfer-Encoding, Content-Language
 *   Auto-Submitted       auto-generated (RFC 3834), and Microsoft's
 *                        X-Auto-Response-Suppress, so nobody's
 *                        out-of-office answers the robot
 * Every configured or note-supplied value has CR, LF and other control
 * characters removed before it goes into a header: a title cannot add a
 * Bcc.
 */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b64.h"
#include "chan.h"
#include "fmt_text.h"
#include "paced.h"

/* RFC 5322 2.1.1: lines SHOULD stay within 78 characters; RFC 2047 2:
 * a line holding an encoded-word within 76, the word itself within 75. */
#define EMAIL_LINE_MAX 78
#define EMAIL_EW_LINE_MAX 76
#define EMAIL_EW_OPEN "=?UTF-8?B?"
#define EMAIL_EW_CLOSE "?="
/* RFC 2045 6.8: base64 lines of at most 76 characters, 57 bytes each. */
#define EMAIL_B64_CHUNK 57

/* A header value as it may appear: control characters (CR and LF first of
 * all) removed, a tab becoming a space. NULL on ENOMEM. */
static char *email_clean(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\t')
			*o++ = ' ';
		else if (c >= 0x20 && c != 0x7F)
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

static bool email_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Bytes of the UTF-8 character starting at s (1 for a stray byte, so
 * invalid input still moves forward). */
static size_t email_utf8_len(const char *s, size_t left)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = 1;

	if (c >= 0xF0)
		n = 4;
	else if (c >= 0xE0)
		n = 3;
	else if (c >= 0xC0)
		n = 2;

	if (n > left)
		return 1;
	for (size_t i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

/*
 * Appends s as RFC 2047 "B" encoded-words starting at column col, each
 * holding whole characters (RFC 2047 5) and each on its own line after the
 * first (CRLF SP between them: readers drop that whitespace between two
 * encoded-words, RFC 2047 6.2). Returns the column after the last word.
 */
static size_t email_encode_words(struct fmt_text *b, size_t col, const char *s)
{
	const size_t over = strlen(EMAIL_EW_OPEN) + strlen(EMAIL_EW_CLOSE);
	size_t n = strlen(s), i = 0;
	char enc[B64_ENCODED_SIZE(64)];

	while (i < n) {
		size_t room, max, take = 0, k;

		/* Room for at least 6 bytes (any one character). */
		if (i > 0 || col + over + 8 > EMAIL_EW_LINE_MAX) {
			fmt_text_str(b, "\r\n ");
			col = 1;
		}
		room = EMAIL_EW_LINE_MAX - col - over;
		max = room / 4 * 3;
		if (max > 45)
			max = 45; /* keeps each word within 75 */
		while (i + take < n) {
			k = email_utf8_len(s + i + take, n - i - take);
			if (take + k > max)
				break;
			take += k;
		}
		if (take == 0)
			take = email_utf8_len(s + i, n - i);
		if (b64_encode(s + i, take, enc, sizeof(enc)) < 0) {
			b->nomem = true;
			return col;
		}
		fmt_text_str(b, EMAIL_EW_OPEN);
		fmt_text_str(b, enc);
		fmt_text_str(b, EMAIL_EW_CLOSE);
		col += over + strlen(enc);
		i += take;
	}
	return col;
}

/*
 * Appends the ASCII text s at column col folded at spaces (CRLF before a
 * space, which unfolding removes again) so no line passes EMAIL_LINE_MAX.
 * false, and nothing appended, when a run without spaces is too long to
 * fit or s would be mistaken for an encoded-word.
 */
static bool email_fold_ascii(struct fmt_text *b, size_t col, const char *s)
{
	size_t n = strlen(s), start = 0, end;
	struct fmt_text t = {0};

	if (strstr(s, "=?"))
		return false;
	while (start < n) {
		/* The longest piece from start that fits, ending before a
		 * space (or at the end). */
		size_t best = 0;

		for (end = start + 1; end <= n; end++) {
			if (col + (end - start) > EMAIL_LINE_MAX)
				break;
			/* At the end of a word, so that no folded line is
			 * only white space. */
			if ((end == n || s[end] == ' ') && s[end - 1] != ' ')
				best = end;
		}
		if (best == 0) {
			free(t.p);
			return false;
		}
		if (start > 0)
			fmt_text_str(&t, "\r\n");
		fmt_text_add(&t, s + start, best - start);
		col = 0;
		start = best;
	}
	fmt_text_add(b, t.p ? t.p : "", t.len);
	if (t.nomem)
		b->nomem = true;
	free(t.p);
	return true;
}

/* "Name: value" with the value cleaned and encoded or folded as needed. */
static void email_text_header(struct fmt_text *b, const char *name,
			      const char *value)
{
	char *v = email_clean(value);
	size_t col = strlen(name) + 2;

	if (!v) {
		b->nomem = true;
		return;
	}
	fmt_text_str(b, name);
	fmt_text_str(b, ": ");
	if (!email_ascii(v) || !email_fold_ascii(b, col, v))
		email_encode_words(b, col, v);
	fmt_text_str(b, "\r\n");
	free(v);
}

/* The addr-spec of "Name <addr>" or "addr", trimmed, into a new string. */
static char *email_addr_spec(const char *mailbox)
{
	const char *lt = strrchr(mailbox, '<'), *gt;
	const char *p = mailbox, *e;
	char *out;

	if (lt && (gt = strchr(lt, '>'))) {
		p = lt + 1;
		e = gt;
	} else {
		e = p + strlen(p);
	}
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	out = strndup(p, (size_t)(e - p));
	if (!out)
		return NULL;
	/* Cleaned too: these go into SMTP commands and headers. */
	p = out;
	out = email_clean(p);
	free((char *)p);
	return out;
}

/* Whether s may stand as an unquoted display name (RFC 5322 atoms and
 * spaces). */
static bool email_atoms(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == ' ' ||
		      strchr("!#$%&'*+-/=?^_`{|}~", *s)))
			return false;
	return true;
}

/* The display name of "Name <addr>" (outer quotes dropped), cleaned; ""
 * for a bare address. NULL on ENOMEM. */
static char *email_display_name(const char *mailbox)
{
	const char *lt = strrchr(mailbox, '<');
	char *raw, *name;
	size_t n;

	if (!lt || !strchr(lt, '>'))
		return strdup("");
	raw = strndup(mailbox, (size_t)(lt - mailbox));
	name = raw ? email_clean(raw) : NULL;
	free(raw);
	if (!name)
		return NULL;
	n = strlen(name);
	while (n > 0 && name[n - 1] == ' ')
		name[--n] = '\0';
	if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
		memmove(name, name + 1, n - 2);
		name[n - 2] = '\0';
	}
	return name;
}

/*
 * Appends a space and then piece at column col, folding first (CRLF, so
 * the space starts the next line) when it and a comma after it would pass
 * EMAIL_LINE_MAX and something precedes it on this line. Returns the new
 * column.
 */
static size_t email_word(struct fmt_text *b, size_t col, const char *piece,
			 size_t len, bool may_fold)
{
	if (may_fold && col + 1 + len + 1 > EMAIL_LINE_MAX) {
		fmt_text_str(b, "\r\n");
		col = 0;
	}
	fmt_text_str(b, " ");
	fmt_text_add(b, piece, len);
	return col + 1 + len;
}

/*
 * Appends one mailbox of a From or To list at column col (after the
 * previous one's comma unless first): "addr", or "Name <addr>" with the
 * name as atoms, a quoted-string or encoded-words. Returns the column
 * after it.
 */
static size_t email_mailbox(struct fmt_text *b, size_t col, const char *mailbox,
			    bool first)
{
	char *addr = email_addr_spec(mailbox);
	char *name = email_display_name(mailbox);
	struct fmt_text q = {0};

	if (!addr || !name) {
		b->nomem = true;
		goto out;
	}
	if (!first) {
		fmt_text_str(b, ",");
		col++;
	}
	if (name[0] && !email_ascii(name)) {
		fmt_text_str(b, " ");
		col = email_encode_words(b, col + 1, name);
	} else if (name[0] && email_atoms(name)) {
		col = email_word(b, col, name, strlen(name), !first);
	} else if (name[0]) {
		fmt_text_str(&q, "\"");
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				fmt_text_add(&q, "\\", 1);
			fmt_text_add(&q, p, 1);
		}
		fmt_text_str(&q, "\"");
		if (q.nomem) {
			b->nomem = true;
			goto out;
		}
		col = email_word(b, col, q.p, q.len, !first);
	}
	if (name[0]) {
		free(q.p);
		q = (struct fmt_text){0};
		fmt_text_str(&q, "<");
		fmt_text_str(&q, addr);
		fmt_text_str(&q, ">");
		if (q.nomem) {
			b->nomem = true;
			goto out;
		}
		col = email_word(b, col, q.p, q.len, true);
	} else {
		col = email_word(b, col, addr, strlen(addr), !first);
	}
out:
	free(q.p);
	free(name);
	free(addr);
	return col;
}

/* RFC 5322 3.3 in UTC, with English names whatever the locale. */
static void email_date(struct fmt_text *b, paced_ms now)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
					   "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
					     "May", "Jun", "Jul", "Aug",
					     "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	char s[64];

	if (!gmtime_r(&t, &tm)) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	snprintf(s, sizeof(s),
		 "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
		 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	fmt_text_str(b, s);
}

/* <id@domain>: the id kept to dot-atom characters, the domain that of
 * the sender ("paced" when it has none). */
static void email_message_id(struct fmt_text *b, const char *id,
			     const char *from_addr)
{
	const char *at = strrchr(from_addr, '@');
	const char *domain = at && at[1] ? at + 1 : "paced";

	fmt_text_str(b, "Message-ID: <");
	for (const char *p = id && *id ? id : "paced"; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			c = '_';
		fmt_text_add(b, &c, 1);
	}
	fmt_text_str(b, "@");
	for (const char *p = domain; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == '[' || c == ']' || c == ':'))
			c = '-';
		fmt_text_add(b, &c, 1);
	}
	fmt_text_str(b, ">\r\n");
}

/* Appends s to the body text with every line break as CRLF. */
static void email_body_line(struct fmt_text *t, const char *s)
{
	for (; *s; s++) {
		if (*s == '\r')
			continue;
		if (*s == '\n')
			fmt_text_str(t, "\r\n");
		else
			fmt_text_add(t, s, 1);
	}
	fmt_text_str(t, "\r\n");
}

/* The body: the note's lines, then the link after a blank line, in
 * canonical CRLF form (RFC 2046 4.1.1), base64 in 76-character lines. */
static void email_body(struct fmt_text *b, const struct note *n)
{
	struct fmt_text t = {0};
	char enc[B64_ENCODED_SIZE(EMAIL_B64_CHUNK)];

	for (size_t i = 0; i < n->n_lines; i++)
		email_body_line(&t, n->lines[i]);
	if (n->link) {
		if (n->n_lines)
			fmt_text_str(&t, "\r\n");
		email_body_line(&t, n->link);
	}
	if (t.nomem) {
		b->nomem = true;
		free(t.p);
		return;
	}
	for (size_t i = 0; i < t.len; i += EMAIL_B64_CHUNK) {
		size_t k = t.len - i < EMAIL_B64_CHUNK ? t.len - i
						       : EMAIL_B64_CHUNK;

		if (b64_encode(t.p + i, k, enc, sizeof(enc)) < 0) {
			b->nomem = true;
			break;
		}
		fmt_text_str(b, enc);
		fmt_text_str(b, "\r\n");
	}
	free(t.p);
}

static int email_render(const struct chan_msg *m, struct chan_request *r,
			char *err, size_t errlen)
{
	const struct conf_channel *ch = m->ch;
	struct fmt_text b = {0};
	size_t col;

	if (!ch->url || !ch->mail_from || ch->n_mail_to == 0) {
		snprintf(err, errlen,
			 "an email channel needs url, from and to");
		return PACED_EINVAL;
	}
	r->url = strdup(ch->url);
	r->mail_from = email_addr_spec(ch->mail_from);
	r->rcpt = calloc(ch->n_mail_to, sizeof(*r->rcpt));
	if (!r->url || !r->mail_from || !r->rcpt)
		return PACED_ENOMEM;
	for (size_t i = 0; i < ch->n_mail_to; i++) {
		r->rcpt[i] = email_addr_spec(ch->mail_to[i]);
		if (!r->rcpt[i])
			return PACED_ENOMEM;
		r->n_rcpt++;
		if (!r->rcpt[i][0]) {
			snprintf(err, errlen, "an empty address in to");
			return PACED_EINVAL;
		}
	}

	email_date(&b, m->now);
	fmt_text_str(&b, "From:");
	email_mailbox(&b, 5, ch->mail_from, true);
	fmt_text_str(&b, "\r\nTo:");
	col = 3;
	for (size_t i = 0; i < ch->n_mail_to; i++)
		col = email_mailbox(&b, col, ch->mail_to[i], i == 0);
	fmt_text_str(&b, "\r\n");
	email_text_header(&b, "Subject", m->note->title);
	email_message_id(&b, m->id, r->mail_from);
	fmt_text_str(&b, "MIME-Version: 1.0\r\n"
			 "Content-Type: text/plain; charset=UTF-8\r\n"
			 "Content-Transfer-Encoding: base64\r\n");
	if (m->language && email_atoms(m->language) &&
	    !strchr(m->language, ' '))
		email_text_header(&b, "Content-Language", m->language);
	fmt_text_str(&b, "Auto-Submitted: auto-generated\r\n"
			 "X-Auto-Response-Suppress: All\r\n"
			 "\r\n");
	email_body(&b, m->note);
	r->body = fmt_text_finish(&b, &r->len);
	return r->body ? 0 : PACED_ENOMEM;
}

/* The last reply line the server sent (the body holds them all), without
 * its CRLF, into out. */
static void email_last_reply(const struct httpc_response *res, char *out,
			     size_t n)
{
	const char *end = res->body + res->body_len, *start;

	out[0] = '\0';
	while (end > res->body && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	start = end;
	while (start > res->body && start[-1] != '\n')
		start--;
	if (end > start)
		fmt_text_copy_prefix(start, (size_t)(end - start), out, n);
}

/*
 * SENT when curl says the mail was taken. Otherwise DEAD for what waiting
 * cannot fix: a refused login, no STARTTLS where it is required, a URL
 * that is not SMTP, a permanent (5xx) reply; RETRY for 4xx replies
 * (temporary by RFC 5321 4.2.1, also a 454 to AUTH, RFC 4954 6) and for
 * connection trouble.
 */
static void email_judge(const struct httpc_response *res,
			struct chan_judgement *j)
{
	char reply[160];
	bool temp = res->status >= 400 && res->status < 500;

	j->pause_s = -1;
	j->why[0] = '\0';
	if (res->curl_code == CURLE_OK) {
		j->verdict = CHAN_SENT;
		return;
	}
	switch (res->curl_code) {
	case CURLE_LOGIN_DENIED:
		j->verdict = temp ? CHAN_RETRY : CHAN_DEAD;
		break;
	case CURLE_USE_SSL_FAILED:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		j->verdict = CHAN_DEAD;
		break;
	default:
		j->verdict = res->status >= 500 && res->status < 600
				     ? CHAN_DEAD
				     : CHAN_RETRY;
	}
	email_last_reply(res, reply, sizeof(reply));
	if (res->status > 0 && reply[0])
		snprintf(j->why, sizeof(j->why), "SMTP %ld: %s (%s)",
			 res->status, res->error ? res->error : "failed",
			 reply);
	else
		snprintf(j->why, sizeof(j->why), "%s",
			 res->error ? res->error : "no response");
}

const struct chan_driver chan_email = {
	.type = "email",
	.digest = true,
	.render = email_render,
	.judge = email_judge,
};
