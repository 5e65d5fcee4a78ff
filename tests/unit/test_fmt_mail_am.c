/*
 * test_fmt_mail_am.c - the email and alertmanager channel drivers: the
 * RFC 5322 message (headers, encoded subject, CRLF, base64 body, no header
 * injection), the alerts for each kind of event, and both judges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "b64.h"
#include "chan.h"
#include "paced.h"

/* 2022-05-01T02:00:00Z, a Sunday. */
#define T_NOW 1651370400000LL
#define T_EVENT (T_NOW - 90 * 1000)
#define H25 (25LL * 3600 * 1000)

#define TITLE_ZH "【落后】新增公共停车泊位"
#define LINE1 "当前 120 / 350 个（34.29%）"
#define LINE2 "按计划此时应达 200 个"
#define LINK "https://paced.example.gov.cn/projects/parking-2022"

static char *line_tab[] = {(char *)LINE1, (char *)LINE2};

static struct note zh_note = {
	.title = (char *)TITLE_ZH,
	.lines = line_tab,
	.n_lines = 2,
	.link = (char *)LINK,
	.text = (char *)TITLE_ZH "\n" LINE1 "\n" LINE2 "\n" LINK,
	.tone = NOTE_BAD,
};

static char *to_tab[] = {(char *)"a@example.gov.cn",
			 (char *)"b@example.gov.cn"};

static struct conf_channel mail_ch = {
	.name = (char *)"mail",
	.type = (char *)"email",
	.url = (char *)"smtp://127.0.0.1:2525",
	.mail_from = (char *)"paced@example.gov.cn",
	.mail_to = to_tab,
	.n_mail_to = 2,
	.timeout_ms = 10000,
};

/* ---- helpers ------------------------------------------------------------ */

static const struct chan_driver *driver(const char *type)
{
	const struct chan_driver *d = chan_driver_find(type);

	assert_non_null(d);
	assert_string_equal(d->type, type);
	return d;
}

static void render_one(const struct chan_driver *d,
		       const struct conf_channel *ch, const struct note *n,
		       struct chan_request *r)
{
	struct chan_msg m = {
		.kind = CHAN_ONE,
		.ch = ch,
		.language = "zh-CN",
		.note = n,
		.now = T_NOW,
		.id = "evt_0000abcd",
	};
	char err[128] = "";

	memset(r, 0, sizeof(*r));
	assert_int_equal(d->render(&m, r, err, sizeof(err)), 0);
	assert_non_null(r->body);
	assert_int_equal(strlen(r->body), r->len);
}

/* A parsed message: header fields unfolded, and the body. */
#define MAX_FIELDS 32

struct parsed {
	char *name[MAX_FIELDS];
	char *value[MAX_FIELDS]; /* unfolded (CRLF before WSP removed) */
	char *raw[MAX_FIELDS];   /* as on the wire, folds included */
	size_t n;
	const char *body;
};

static void parsed_free(struct parsed *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->name[i]);
		free(p->value[i]);
		free(p->raw[i]);
	}
	memset(p, 0, sizeof(*p));
}

/*
 * Checks the form every message must have and splits it: CRLF and nothing
 * else as line ends, no line over 998 characters (RFC 5322 2.1.1), header
 * lines within 78, every header line either "Name: value" or a
 * continuation starting with white space, and a blank line before the
 * body.
 */
static void parse_message(const char *msg, size_t len, struct parsed *p)
{
	const char *s = msg, *end = msg + len, *eol;

	memset(p, 0, sizeof(*p));
	assert_true(len >= 2);
	assert_memory_equal(end - 2, "\r\n", 2);
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '\n')
			assert_true(i > 0 && msg[i - 1] == '\r');
		if (msg[i] == '\r')
			assert_true(i + 1 < len && msg[i + 1] == '\n');
	}
	for (const char *l = msg; l < end; l = eol + 2) {
		eol = strstr(l, "\r\n");
		assert_non_null(eol);
		assert_true(eol - l <= 998);
	}
	while (s < end) {
		const char *colon;
		size_t nl;
		char *v;

		eol = strstr(s, "\r\n");
		if (eol == s) {
			p->body = s + 2;
			return;
		}
		assert_true(eol - s <= 78);
		if (*s == ' ' || *s == '\t') {
			/* A continuation of the field before it. */
			char *grown;
			size_t k = (size_t)(eol - s);

			assert_true(p->n > 0);
			/* Not only white space (RFC 5322 3.2.2). */
			assert_true(strspn(s, " \t") < k);
			v = p->value[p->n - 1];
			grown = realloc(v, strlen(v) + k + 1);
			assert_non_null(grown);
			strncat(grown, s, k);
			p->value[p->n - 1] = grown;
			v = p->raw[p->n - 1];
			grown = realloc(v, strlen(v) + k + 3);
			assert_non_null(grown);
			strcat(grown, "\r\n");
			strncat(grown, s, k);
			p->raw[p->n - 1] = grown;
			s = eol + 2;
			continue;
		}
		colon = memchr(s, ':', (size_t)(eol - s));
		assert_non_null(colon);
		nl = (size_t)(colon - s);
		assert_true(nl > 0);
		for (size_t i = 0; i < nl; i++)
			assert_true(s[i] > 32 && s[i] < 127);
		assert_true(p->n < MAX_FIELDS);
		p->name[p->n] = strndup(s, nl);
		/* The value after ": " (our writer always puts the space). */
		assert_int_equal(colon[1], ' ');
		p->value[p->n] = strndup(colon + 2, (size_t)(eol - colon - 2));
		p->raw[p->n] = strndup(s, (size_t)(eol - s));
		p->n++;
		s = eol + 2;
	}
	fail_msg("no blank line before the body");
}

/* The value of the one field called name; fails if there are several. */
static const char *field(const struct parsed *p, const char *name)
{
	const char *v = NULL;

	for (size_t i = 0; i < p->n; i++) {
		if (strcasecmp(p->name[i], name) == 0) {
			assert_null(v);
			v = p->value[i];
		}
	}
	return v;
}

static size_t field_index(const struct parsed *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcasecmp(p->name[i], name) == 0)
			return i;
	fail_msg("no %s", name);
	return 0;
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = s[i] < 0x80 ? 1 : (s[i] & 0xE0) == 0xC0 ? 2
					  : (s[i] & 0xF0) == 0xE0 ? 3
					  : (s[i] & 0xF8) == 0xF0 ? 4 : 0;

		if (k == 0 || i + k > n)
			return false;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

/*
 * An unstructured field value as a reader sees it (RFC 2047 6): every
 * "=?UTF-8?B?...?=" decoded, white space between two encoded-words
 * dropped. Each word must be at most 75 characters and hold whole UTF-8
 * characters. *n_words counts them. Returns a new string.
 */
static char *decode_words(const char *v, int *n_words)
{
	char *out = calloc(1, strlen(v) + 1);
	size_t o = 0;
	bool prev_word = false;

	assert_non_null(out);
	*n_words = 0;
	while (*v) {
		if (strncasecmp(v, "=?UTF-8?B?", 10) == 0) {
			const char *e = strstr(v + 10, "?=");
			unsigned char dec[128];
			size_t dl, el;

			assert_non_null(e);
			assert_true(e + 2 - v <= 75);
			el = (size_t)(e - v - 10);
			assert_int_equal(b64_decode(v + 10, el, dec,
						    sizeof(dec), &dl),
					 0);
			assert_true(utf8_valid(dec, dl));
			/* Drop the white space since the previous word. */
			if (prev_word)
				while (o > 0 && (out[o - 1] == ' ' ||
						 out[o - 1] == '\t'))
					o--;
			memcpy(out + o, dec, dl);
			o += dl;
			v = e + 2;
			prev_word = true;
			(*n_words)++;
			continue;
		}
		if (*v != ' ' && *v != '\t')
			prev_word = false;
		out[o++] = *v++;
	}
	out[o] = '\0';
	return out;
}

/* The base64 body decoded; lines of at most 76 characters. */
static char *decode_body(const char *body, size_t *out_len)
{
	char *joined = calloc(1, strlen(body) + 1), *out;
	size_t j = 0, cap;

	assert_non_null(joined);
	for (const char *l = body; *l;) {
		const char *eol = strstr(l, "\r\n");

		assert_non_null(eol);
		assert_true(eol - l <= 76);
		memcpy(joined + j, l, (size_t)(eol - l));
		j += (size_t)(eol - l);
		l = eol + 2;
	}
	cap = B64_DECODED_MAX(j) + 1;
	out = malloc(cap);
	assert_non_null(out);
	assert_int_equal(b64_decode(joined, j, out, cap, out_len), 0);
	out[*out_len] = '\0';
	free(joined);
	return out;
}

/* ---- email -------------------------------------------------------------- */

static void test_email_driver(void **state)
{
	const struct chan_driver *d = driver("email");

	(void)state;
	assert_true(d->digest);
	assert_int_equal(d->rate_n, 0);
}

static void test_email_message(void **state)
{
	const struct chan_driver *d = driver("email");
	struct chan_request r;
	struct parsed p;
	char *subject, *text;
	size_t text_len;
	int words;
	static const char *const order[] = {
		"Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
		"Content-Type", "Content-Transfer-Encoding",
	};

	(void)state;
	render_one(d, &mail_ch, &zh_note, &r);
	/* The envelope. */
	assert_string_equal(r.url, "smtp://127.0.0.1:2525");
	assert_string_equal(r.mail_from, "paced@example.gov.cn");
	assert_int_equal(r.n_rcpt, 2);
	assert_string_equal(r.rcpt[0], "a@example.gov.cn");
	assert_string_equal(r.rcpt[1], "b@example.gov.cn");
	assert_int_equal(r.n_headers, 0);

	parse_message(r.body, r.len, &p);
	assert_string_equal(field(&p, "Date"),
			    "Sun, 01 May 2022 02:00:00 +0000");
	assert_string_equal(field(&p, "From"), "paced@example.gov.cn");
	assert_string_equal(field(&p, "To"),
			    "a@example.gov.cn, b@example.gov.cn");
	assert_string_equal(field(&p, "Message-ID"),
			    "<evt_0000abcd@example.gov.cn>");
	assert_string_equal(field(&p, "MIME-Version"), "1.0");
	assert_string_equal(field(&p, "Content-Type"),
			    "text/plain; charset=UTF-8");
	assert_string_equal(field(&p, "Content-Transfer-Encoding"),
			    "base64");
	assert_string_equal(field(&p, "Auto-Submitted"), "auto-generated");
	for (size_t i = 1; i < PACED_ARRAY_LEN(order); i++)
		assert_true(field_index(&p, order[i - 1]) <
			    field_index(&p, order[i]));

	/* The subject: encoded because it is not ASCII, and decoding it
	 * gives the title back. */
	for (const char *c = field(&p, "Subject"); *c; c++)
		assert_true((unsigned char)*c < 0x80);
	subject = decode_words(field(&p, "Subject"), &words);
	assert_true(words >= 1);
	assert_string_equal(subject, TITLE_ZH);
	free(subject);

	/* The body is 7-bit base64 of the lines and the link. */
	for (const char *b = p.body; *b; b++)
		assert_true((unsigned char)*b < 0x80);
	text = decode_body(p.body, &text_len);
	assert_string_equal(text, LINE1 "\r\n" LINE2 "\r\n\r\n" LINK "\r\n");
	free(text);
	parsed_free(&p);
	chan_request_clear(&r);
}

/* Titles longer than a line: several encoded-words on folded lines, each
 * of whole characters, or ASCII folded at spaces. */
static void test_email_long_subjects(void **state)
{
	const struct chan_driver *d = driver("email");
	struct note n = zh_note;
	struct chan_request r;
	struct parsed p;
	char title[1024], *got;
	const char *raw;
	int words;

	(void)state;
	/* 40 Chinese characters and 8 emoji (4 bytes each) mixed. */
	title[0] = '\0';
	for (int i = 0; i < 40; i++) {
		strcat(title, "进");
		if (i % 5 == 0)
			strcat(title, "\xF0\x9F\x9A\x97");
	}
	n.title = title;
	render_one(d, &mail_ch, &n, &r);
	parse_message(r.body, r.len, &p);
	raw = p.raw[field_index(&p, "Subject")];
	/* Every line holding an encoded-word within 76 (RFC 2047 2). */
	for (const char *l = raw; l;) {
		const char *eol = strstr(l, "\r\n");

		assert_true((eol ? (size_t)(eol - l) : strlen(l)) <= 76);
		l = eol ? eol + 2 : NULL;
	}
	got = decode_words(field(&p, "Subject"), &words);
	assert_true(words >= 4);
	assert_string_equal(got, title);
	free(got);
	parsed_free(&p);
	chan_request_clear(&r);

	/* ASCII with spaces: folded, not encoded; unfolding restores it. */
	snprintf(title, sizeof(title), "%s",
		 "[Behind] New public parking spaces in the eastern district "
		 "and the riverside, phase two of the plan agreed in March");
	n.title = title;
	render_one(d, &mail_ch, &n, &r);
	parse_message(r.body, r.len, &p);
	assert_non_null(strstr(p.raw[field_index(&p, "Subject")], "\r\n "));
	assert_null(strstr(field(&p, "Subject"), "=?"));
	assert_string_equal(field(&p, "Subject"), title);
	parsed_free(&p);
	chan_request_clear(&r);

	/* ASCII that cannot be folded (no spaces): encoded instead. */
	memset(title, 'x', 120);
	title[120] = '\0';
	render_one(d, &mail_ch, &n, &r);
	parse_message(r.body, r.len, &p);
	got = decode_words(field(&p, "Subject"), &words);
	assert_true(words >= 2);
	assert_string_equal(got, title);
	free(got);
	parsed_free(&p);
	chan_request_clear(&r);

	/* Short ASCII stays as it is. */
	n.title = (char *)"[Behind] Parking";
	render_one(d, &mail_ch, &n, &r);
	parse_message(r.body, r.len, &p);
	assert_string_equal(field(&p, "Subject"), "[Behind] Parking");
	parsed_free(&p);
	chan_request_clear(&r);
}

/* CR and LF never reach the headers or the envelope, whatever the title
 * or the configuration hold. */
static void test_email_header_injection(void **state)
{
	static char *to[] = {
		(char *)"a@example.gov.cn\r\nBcc: evil@example.com",
		(char *)"b@example.gov.cn",
	};
	const struct chan_driver *d = driver("email");
	struct conf_channel ch = mail_ch;
	struct note n = zh_note;
	struct chan_request r;
	struct parsed p;
	char *subject;
	int words;

	(void)state;
	ch.mail_from = (char *)"paced@example.gov.cn\nBcc: x@example.com";
	ch.mail_to = to;
	n.title = (char *)"Hi\r\nBcc: evil@example.com\r\n\r\nbody";
	render_one(d, &ch, &n, &r);
	parse_message(r.body, r.len, &p);
	for (size_t i = 0; i < p.n; i++)
		assert_true(strcasecmp(p.name[i], "Bcc") != 0);
	subject = decode_words(field(&p, "Subject"), &words);
	assert_string_equal(subject, "HiBcc: evil@example.com" "body");
	free(subject);
	assert_null(strpbrk(r.mail_from, "\r\n"));
	for (size_t i = 0; i < r.n_rcpt; i++)
		assert_null(strpbrk(r.rcpt[i], "\r\n"));
	assert_string_equal(r.rcpt[0], "a@example.gov.cnBcc: evil@example.com");
	/* The body is still the note's lines: nothing spilled into it. */
	parsed_free(&p);
	chan_request_clear(&r);
}

/* "Name <addr>" in from and to: the envelope gets the address, the header
 * the name (encoded when not ASCII, quoted when it has specials). */
static void test_email_display_names(void **state)
{
	static char *to[] = {
		(char *)"Ops Team <a@example.gov.cn>",
		(char *)"\"Doe, J.\" <b@example.gov.cn>",
		(char *)"c@example.gov.cn",
	};
	const struct chan_driver *d = driver("email");
	struct conf_channel ch = mail_ch;
	struct chan_request r;
	struct parsed p;
	char *from;
	int words;

	(void)state;
	ch.mail_from = (char *)"进度提醒 <paced@example.gov.cn>";
	ch.mail_to = to;
	ch.n_mail_to = 3;
	render_one(d, &ch, &zh_note, &r);
	assert_string_equal(r.mail_from, "paced@example.gov.cn");
	assert_int_equal(r.n_rcpt, 3);
	assert_string_equal(r.rcpt[0], "a@example.gov.cn");
	assert_string_equal(r.rcpt[1], "b@example.gov.cn");
	assert_string_equal(r.rcpt[2], "c@example.gov.cn");
	parse_message(r.body, r.len, &p);
	from = decode_words(field(&p, "From"), &words);
	assert_int_equal(words, 1);
	assert_string_equal(from, "进度提醒 <paced@example.gov.cn>");
	free(from);
	assert_string_equal(field(&p, "To"),
			    "Ops Team <a@example.gov.cn>, \"Doe, J.\" "
			    "<b@example.gov.cn>, c@example.gov.cn");
	assert_string_equal(field(&p, "Message-ID"),
			    "<evt_0000abcd@example.gov.cn>");
	parsed_free(&p);
	chan_request_clear(&r);
}

/* Many recipients fold the To field between addresses. */
static void test_email_many_rcpt(void **state)
{
	const struct chan_driver *d = driver("email");
	struct conf_channel ch = mail_ch;
	char *to[12], want[1024] = "";
	struct chan_request r;
	struct parsed p;

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(to); i++) {
		assert_true(asprintf(&to[i], "someone-%zu@example.gov.cn", i) >
			    0);
		if (i)
			strcat(want, ", ");
		strcat(want, to[i]);
	}
	ch.mail_to = to;
	ch.n_mail_to = PACED_ARRAY_LEN(to);
	render_one(d, &ch, &zh_note, &r);
	parse_message(r.body, r.len, &p);
	assert_non_null(strstr(p.raw[field_index(&p, "To")], "\r\n "));
	assert_string_equal(field(&p, "To"), want);
	assert_int_equal(r.n_rcpt, PACED_ARRAY_LEN(to));
	parsed_free(&p);
	chan_request_clear(&r);
	for (size_t i = 0; i < PACED_ARRAY_LEN(to); i++)
		free(to[i]);
}

/* A note without a link, and one whose line holds a newline. */
static void test_email_body_forms(void **state)
{
	static char *lines[] = {(char *)"one\ntwo", (char *)"three"};
	const struct chan_driver *d = driver("email");
	struct note n = zh_note;
	struct chan_request r;
	struct parsed p;
	char *text;
	size_t len;

	(void)state;
	n.lines = lines;
	n.link = NULL;
	render_one(d, &mail_ch, &n, &r);
	parse_message(r.body, r.len, &p);
	text = decode_body(p.body, &len);
	assert_string_equal(text, "one\r\ntwo\r\nthree\r\n");
	free(text);
	parsed_free(&p);
	chan_request_clear(&r);
}

static void test_email_config_errors(void **state)
{
	const struct chan_driver *d = driver("email");
	struct conf_channel ch = mail_ch;
	struct chan_msg m = {
		.kind = CHAN_ONE, .ch = &ch, .language = "en",
		.note = &zh_note, .now = T_NOW, .id = "evt_1",
	};
	struct chan_request r = {0};
	char err[128] = "";

	(void)state;
	ch.mail_from = NULL;
	assert_int_equal(d->render(&m, &r, err, sizeof(err)), PACED_EINVAL);
	assert_true(strlen(err) > 0);
	chan_request_clear(&r);
	ch = mail_ch;
	ch.n_mail_to = 0;
	err[0] = '\0';
	assert_int_equal(d->render(&m, &r, err, sizeof(err)), PACED_EINVAL);
	assert_true(strlen(err) > 0);
	chan_request_clear(&r);
}

static void test_email_judge(void **state)
{
	static const struct {
		int curl_code;
		long status;
		const char *body;
		enum chan_verdict want;
	} cases[] = {
		{CURLE_OK, 250, "250 2.0.0 queued\r\n", CHAN_SENT},
		/* Waiting will not fix these. */
		{CURLE_LOGIN_DENIED, 535, "535 5.7.8 bad credentials\r\n",
		 CHAN_DEAD},
		{CURLE_USE_SSL_FAILED, 250, "250 8BITMIME\r\n", CHAN_DEAD},
		{CURLE_USE_SSL_FAILED, 454, "454 4.7.0 no TLS\r\n",
		 CHAN_DEAD},
		{CURLE_SEND_ERROR, 550, "550 5.1.1 no such user\r\n",
		 CHAN_DEAD},
		{CURLE_WEIRD_SERVER_REPLY, 554, "554 5.6.0 refused\r\n",
		 CHAN_DEAD},
		{CURLE_UNSUPPORTED_PROTOCOL, 0, "", CHAN_DEAD},
		/* Temporary by RFC 5321 4.2.1 and RFC 4954 6. */
		{CURLE_SEND_ERROR, 451, "451 4.3.0 try later\r\n", CHAN_RETRY},
		{CURLE_WEIRD_SERVER_REPLY, 452, "452 4.3.1 full\r\n",
		 CHAN_RETRY},
		{CURLE_LOGIN_DENIED, 454, "454 4.7.0 try later\r\n",
		 CHAN_RETRY},
		/* Connection trouble. */
		{CURLE_COULDNT_CONNECT, 0, "", CHAN_RETRY},
		{CURLE_COULDNT_RESOLVE_HOST, 0, "", CHAN_RETRY},
		{CURLE_OPERATION_TIMEDOUT, 0, "", CHAN_RETRY},
		{CURLE_RECV_ERROR, 0, "", CHAN_RETRY},
		{CURLE_ABORTED_BY_CALLBACK, 0, "", CHAN_RETRY},
	};
	const struct chan_driver *d = driver("email");

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(cases); i++) {
		struct httpc_response res = {
			.status = cases[i].status,
			.curl_code = cases[i].curl_code,
			.error = cases[i].curl_code ? "curl says no" : NULL,
			.body = cases[i].body,
			.body_len = strlen(cases[i].body),
			.retry_after_s = -1,
		};
		struct chan_judgement j;

		memset(&j, 0x55, sizeof(j));
		d->judge(&res, &j);
		if (j.verdict != cases[i].want)
			fail_msg("case %zu: verdict %d, want %d", i, j.verdict,
				 cases[i].want);
		assert_int_equal(j.pause_s, -1);
		if (cases[i].want == CHAN_SENT) {
			assert_string_equal(j.why, "");
			continue;
		}
		assert_true(strlen(j.why) > 0);
		if (cases[i].status >= 400) {
			char code[24];

			snprintf(code, sizeof(code), "%ld", cases[i].status);
			assert_non_null(strstr(j.why, code));
			char words[64];

			/* The server's own words are kept. */
			snprintf(words, sizeof(words), "%.*s",
				 (int)strcspn(cases[i].body + 4, "\r"),
				 cases[i].body + 4);
			assert_non_null(strstr(j.why, words));
		}
	}
}

/* ---- alertmanager ------------------------------------------------------- */

static void test_am_driver(void **state)
{
	const struct chan_driver *d = driver("alertmanager");

	(void)state;
	assert_false(d->digest);
	assert_int_equal(d->rate_n, 0);
}

static struct conf_channel am_ch = {
	.name = (char *)"am",
	.type = (char *)"alertmanager",
	.url = (char *)"http://127.0.0.1:9093/",
	.timeout_ms = 10000,
};

/* One event: the stored event, its snapshot, its note. */
struct ev {
	struct store_event e;
	json_t *project;
	struct note note;
	char title[128], text[256];
};

static void ev_make(struct ev *v, const char *type, const char *prev,
		    const char *status, bool stale, paced_ms at,
		    const char *link)
{
	memset(v, 0, sizeof(*v));
	v->e.id = "evt_1";
	v->e.project_id = "parking-2022";
	v->e.type = type;
	v->e.at = at;
	v->e.previous_status = prev;
	v->e.status = status;
	v->project = json_pack("{s:s,s:s,s:s,s:b}", "id", "parking-2022",
			       "title", "新增公共停车泊位", "status", status,
			       "stale", stale);
	assert_non_null(v->project);
	snprintf(v->title, sizeof(v->title), "[%s] 新增公共停车泊位", type);
	snprintf(v->text, sizeof(v->text), "%s\n当前 120 / 350 个", v->title);
	v->note.title = v->title;
	v->note.text = v->text;
	v->note.link = (char *)link;
}

static void ev_free(struct ev *v)
{
	json_decref(v->project);
}

/* Renders the events (one: CHAN_ONE; more: CHAN_SUMMARY) and returns the
 * parsed body, an array. */
static json_t *am_render(struct ev *evs, size_t n, struct chan_request *r)
{
	const struct chan_driver *d = driver("alertmanager");
	struct chan_event ce[8];
	struct note summary = {.title = (char *)"【汇总】", .text = (char *)"x"};
	struct chan_msg m = {
		.kind = n == 1 ? CHAN_ONE : CHAN_SUMMARY,
		.ch = &am_ch,
		.language = "zh-CN",
		.events = ce,
		.n_events = n,
		.note = n == 1 ? &evs[0].note : &summary,
		.now = T_NOW,
		.id = "evt_1",
	};
	char err[128] = "";
	json_error_t jerr;
	json_t *body;

	assert_true(n <= PACED_ARRAY_LEN(ce));
	for (size_t i = 0; i < n; i++) {
		ce[i].e = &evs[i].e;
		ce[i].project = evs[i].project;
		ce[i].note = &evs[i].note;
	}
	memset(r, 0, sizeof(*r));
	assert_int_equal(d->render(&m, r, err, sizeof(err)), 0);
	assert_string_equal(r->url, "http://127.0.0.1:9093/api/v2/alerts");
	assert_int_equal(r->n_headers, 1);
	assert_string_equal(r->headers[0], "Content-Type: application/json");
	assert_null(r->mail_from);
	body = json_loadb(r->body, r->len, 0, &jerr);
	assert_non_null(body);
	assert_true(json_is_array(body));
	return body;
}

static const char *sget(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char *iso(paced_ms t, char *buf, size_t n)
{
	time_t s = (time_t)(t / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* Checks one alert: exactly the three labels, the annotations from the
 * note, and its times: firing (startsAt = event, endsAt = now + 25 h) or
 * resolved (endsAt = event, no startsAt). */
static void check_alert(const json_t *a, const struct ev *v,
			const char *status, bool firing)
{
	const json_t *labels = json_object_get(a, "labels");
	const json_t *ann = json_object_get(a, "annotations");
	char want[64];

	assert_int_equal(json_object_size(labels), 3);
	assert_string_equal(sget(labels, "alertname"), "PacedProject");
	assert_string_equal(sget(labels, "project"), "parking-2022");
	assert_string_equal(sget(labels, "status"), status);
	assert_string_equal(sget(ann, "summary"), v->note.title);
	assert_string_equal(sget(ann, "description"), v->note.text);
	if (v->note.link)
		assert_string_equal(sget(a, "generatorURL"), v->note.link);
	else
		assert_null(json_object_get(a, "generatorURL"));
	if (firing) {
		assert_string_equal(sget(a, "startsAt"),
				    iso(v->e.at, want, sizeof(want)));
		assert_string_equal(sget(a, "endsAt"),
				    iso(T_NOW + H25, want, sizeof(want)));
	} else {
		assert_null(json_object_get(a, "startsAt"));
		assert_string_equal(sget(a, "endsAt"),
				    iso(v->e.at, want, sizeof(want)));
	}
}

static void test_am_behind_fires(void **state)
{
	struct ev v;
	struct chan_request r;
	json_t *body;

	(void)state;
	ev_make(&v, "project.behind", "at_risk", "behind", false, T_EVENT,
		LINK);
	/* at_risk -> behind: at_risk resolved, behind firing. */
	body = am_render(&v, 1, &r);
	assert_int_equal(json_array_size(body), 2);
	check_alert(json_array_get(body, 0), &v, "at_risk", false);
	check_alert(json_array_get(body, 1), &v, "behind", true);
	json_decref(body);
	chan_request_clear(&r);
	ev_free(&v);

	/* on_track -> behind, no public_url: just the firing one. */
	ev_make(&v, "project.behind", "on_track", "behind", false, T_EVENT,
		NULL);
	body = am_render(&v, 1, &r);
	assert_int_equal(json_array_size(body), 1);
	check_alert(json_array_get(body, 0), &v, "behind", true);
	json_decref(body);
	chan_request_clear(&r);
	ev_free(&v);
}

static void test_am_recovered_resolves(void **state)
{
	struct ev v;
	struct chan_request r;
	json_t *body;

	(void)state;
	ev_make(&v, "project.recovered", "behind", "on_track", false, T_EVENT,
		LINK);
	body = am_render(&v, 1, &r);
	assert_int_equal(json_array_size(body), 1);
	check_alert(json_array_get(body, 0), &v, "behind", false);
	json_decref(body);
	chan_request_clear(&r);
	ev_free(&v);

	ev_make(&v, "project.done", "overdue", "done", false, T_EVENT, LINK);
	body = am_render(&v, 1, &r);
	assert_int_equal(json_array_size(body), 1);
	check_alert(json_array_get(body, 0), &v, "overdue", false);
	json_decref(body);
	chan_request_clear(&r);
	ev_free(&v);

	/* on_track -> done: nothing was firing, nothing to say. */
	ev_make(&v, "project.done", "on_track", "done", false, T_EVENT, LINK);
	body = am_render(&v, 1, &r);
	assert_int_equal(json_array_size(body), 0);
	json_decref(body);
	chan_request_clear(&r);
	ev_free(&v);
}

static void test_am_status_change_two_alerts(void **state)
{
	struct ev v;
	struct chan_request r;
	json_t *body;

	(void)state;
	ev_make(&v, "project.at_risk", "behind", "at_risk", false, T_EVENT,
		LINK);
	body = am_render(&v, 1, &r);
	assert_int_equal(json_array_size(body), 2);
	check_alert(json_array_get(body, 0), &v, "behind", false);
	check_alert(json_array_get(body, 1), &v, "at_risk", true);
	json_decref(body);
	chan_request_clear(&r);
	ev_free(&v);

	ev_make(&v, "project.overdue", "behind", "overdue", false, T_EVENT,
		LINK);
	body = am_render(&v, 1, &r);
	assert_int_equal(json_array_size(body), 2);
	check_alert(json_array_get(body, 0), &v, "behind", false);
	check_alert(json_array_get(body, 1), &v, "overdue", true);
	json_decref(body);
	chan_request_clear(&r);
	ev_free(&v);
}

/* Stale is its own alert beside the status; reminders restate all. */
static void test_am_stale_and_reminders(void **state)
{
	struct ev v;
	struct chan_request r;
	json_t *body;

	(void)state;
	ev_make(&v, "project.stale", "on_track", "on_track", true, T_EVENT,
		LINK);
	body = am_render(&v, 1, &r);
	assert_int_equal(json_array_size(body), 1);
	check_alert(json_array_get(body, 0), &v, "stale", true);
	json_decref(body);
	chan_request_clear(&r);
	ev_free(&v);

	/* Resumed while behind: stale resolved, behind still firing. */
	ev_make(&v, "project.resumed", "behind", "behind", false, T_EVENT,
		LINK);
	body = am_render(&v, 1, &r);
	assert_int_equal(json_array_size(body), 2);
	check_alert(json_array_get(body, 0), &v, "stale", false);
	check_alert(json_array_get(body, 1), &v, "behind", true);
	json_decref(body);
	chan_request_clear(&r);
	ev_free(&v);

	ev_make(&v, "project.reminder", "behind", "behind", true, T_EVENT,
		LINK);
	body = am_render(&v, 1, &r);
	assert_int_equal(json_array_size(body), 2);
	check_alert(json_array_get(body, 0), &v, "behind", true);
	check_alert(json_array_get(body, 1), &v, "stale", true);
	json_decref(body);
	chan_request_clear(&r);
	ev_free(&v);

	/* A recovery while still stale keeps the stale alert alive. */
	ev_make(&v, "project.recovered", "at_risk", "on_track", true,
		T_EVENT, LINK);
	body = am_render(&v, 1, &r);
	assert_int_equal(json_array_size(body), 2);
	check_alert(json_array_get(body, 0), &v, "at_risk", false);
	check_alert(json_array_get(body, 1), &v, "stale", true);
	json_decref(body);
	chan_request_clear(&r);
	ev_free(&v);
}

/* A summary is every event's alerts, in order, in one array. */
static void test_am_summary(void **state)
{
	struct ev v[3];
	struct chan_request r;
	json_t *body;

	(void)state;
	ev_make(&v[0], "project.at_risk", "on_track", "at_risk", false,
		T_EVENT - 3000, LINK);
	ev_make(&v[1], "project.behind", "at_risk", "behind", false,
		T_EVENT - 2000, LINK);
	ev_make(&v[2], "project.recovered", "behind", "on_track", false,
		T_EVENT - 1000, NULL);
	body = am_render(v, 3, &r);
	assert_int_equal(json_array_size(body), 4);
	check_alert(json_array_get(body, 0), &v[0], "at_risk", true);
	check_alert(json_array_get(body, 1), &v[1], "at_risk", false);
	check_alert(json_array_get(body, 2), &v[1], "behind", true);
	check_alert(json_array_get(body, 3), &v[2], "behind", false);
	json_decref(body);
	chan_request_clear(&r);
	for (size_t i = 0; i < 3; i++)
		ev_free(&v[i]);
}

static void test_am_urls_and_digest(void **state)
{
	static const struct {
		const char *url, *want;
	} urls[] = {
		{"http://127.0.0.1:9093",
		 "http://127.0.0.1:9093/api/v2/alerts"},
		{"http://127.0.0.1:9093/",
		 "http://127.0.0.1:9093/api/v2/alerts"},
		{"https://am.example/prefix//",
		 "https://am.example/prefix/api/v2/alerts"},
		{"http://am:9093/api/v2/alerts",
		 "http://am:9093/api/v2/alerts"},
	};
	const struct chan_driver *d = driver("alertmanager");
	struct conf_channel ch = am_ch;
	struct ev v;
	struct chan_event ce;
	struct note_digest dg = {0};
	struct chan_msg m = {
		.kind = CHAN_ONE, .ch = &ch, .language = "en", .events = &ce,
		.n_events = 1, .now = T_NOW, .id = "evt_1",
	};
	struct chan_request r = {0};
	char err[128] = "";

	(void)state;
	ev_make(&v, "project.behind", "on_track", "behind", false, T_EVENT,
		LINK);
	ce.e = &v.e;
	ce.project = v.project;
	ce.note = &v.note;
	m.note = &v.note;
	for (size_t i = 0; i < PACED_ARRAY_LEN(urls); i++) {
		ch.url = (char *)urls[i].url;
		assert_int_equal(d->render(&m, &r, err, sizeof(err)), 0);
		assert_string_equal(r.url, urls[i].want);
		chan_request_clear(&r);
	}
	m.kind = CHAN_DIGEST;
	m.events = NULL;
	m.n_events = 0;
	m.digest = &dg;
	assert_int_equal(d->render(&m, &r, err, sizeof(err)), PACED_EINVAL);
	assert_true(strlen(err) > 0);
	chan_request_clear(&r);
	ev_free(&v);
}

static void test_am_judge(void **state)
{
	static const struct {
		int curl_code;
		long status;
		const char *body;
		enum chan_verdict want;
	} cases[] = {
		{CURLE_OK, 200, "", CHAN_SENT},
		{CURLE_OK, 400, "\"start time must be before end time\"",
		 CHAN_DEAD},
		{CURLE_OK, 404, "404 page not found\n", CHAN_DEAD},
		{CURLE_OK, 500, "oops", CHAN_RETRY},
		{CURLE_OK, 503, "", CHAN_RETRY},
		{CURLE_COULDNT_CONNECT, 0, "", CHAN_RETRY},
		{CURLE_OPERATION_TIMEDOUT, 0, "", CHAN_RETRY},
	};
	const struct chan_driver *d = driver("alertmanager");

	(void)state;
	for (size_t i = 0; i < PACED_ARRAY_LEN(cases); i++) {
		struct httpc_response res = {
			.status = cases[i].status,
			.curl_code = cases[i].curl_code,
			.error = cases[i].curl_code ? "curl says no" : NULL,
			.body = cases[i].body,
			.body_len = strlen(cases[i].body),
			.retry_after_s = -1,
		};
		struct chan_judgement j;

		memset(&j, 0x55, sizeof(j));
		d->judge(&res, &j);
		if (j.verdict != cases[i].want)
			fail_msg("case %zu: verdict %d, want %d", i, j.verdict,
				 cases[i].want);
		if (cases[i].want == CHAN_SENT)
			continue;
		assert_true(strlen(j.why) > 0);
		assert_null(strpbrk(j.why, "\r\n"));
		if (cases[i].body[0] && cases[i].status == 400)
			assert_non_null(strstr(j.why,
					       "start time must be before"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email_driver),
		cmocka_unit_test(test_email_message),
		cmocka_unit_test(test_email_long_subjects),
		cmocka_unit_test(test_email_header_injection),
		cmocka_unit_test(test_email_display_names),
		cmocka_unit_test(test_email_many_rcpt),
		cmocka_unit_test(test_email_body_forms),
		cmocka_unit_test(test_email_config_errors),
		cmocka_unit_test(test_email_judge),
		cmocka_unit_test(test_am_driver),
		cmocka_unit_test(test_am_behind_fires),
		cmocka_unit_test(test_am_recovered_resolves),
		cmocka_unit_test(test_am_status_change_two_alerts),
		cmocka_unit_test(test_am_stale_and_reminders),
		cmocka_unit_test(test_am_summary),
		cmocka_unit_test(test_am_urls_and_digest),
		cmocka_unit_test(test_am_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
