/*
 * test_fmt_email.c - the email channel driver: the RFC 5322 message
 * (headers in order, encoded and folded subject, display names, CRLF,
 * base64 body, no header injection), the SMTP envelope, configuration
 * errors, and the judge on SMTP replies and transfer errors.
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

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "b64.h"
#include "fmt_testutil.h"

#define TITLE_ZH "【落后】新增公共停车泊位"
#define LINE1 "当前 120 / 350 个（34.29%）"
#define LINE2 "按计划此时应达 200 个"

static char *line_tab[] = {(char *)LINE1, (char *)LINE2};

static struct note zh_note = {
	.title = (char *)TITLE_ZH,
	.lines = line_tab,
	.n_lines = 2,
	.link = (char *)FTU_LINK,
	.text = (char *)TITLE_ZH "\n" LINE1 "\n" LINE2 "\n" FTU_LINK,
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

/* The message of n to ch rendered into *r, and parsed into *p. */
static void render_parse(const struct conf_channel *ch, const struct note *n,
			 struct chan_request *r, struct parsed *p)
{
	struct chan_msg m = ftu_msg(ch, CHAN_ONE, n, "zh-CN", FTU_NOW);

	ftu_render_msg_ok(&m, r);
	parse_message(r->body, r->len, p);
}

static void render_clear(struct chan_request *r, struct parsed *p)
{
	parsed_free(p);
	chan_request_clear(r);
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
			assert_true(ftu_utf8_valid(dec, dl));
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
	(void)state;
	ftu_check_driver("email", 0, 0, true);
}

static void test_email_message(void **state)
{
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
	render_parse(&mail_ch, &zh_note, &r, &p);
	/* The envelope. */
	assert_string_equal(r.url, "smtp://127.0.0.1:2525");
	assert_string_equal(r.mail_from, "paced@example.gov.cn");
	assert_int_equal(r.n_rcpt, 2);
	assert_string_equal(r.rcpt[0], "a@example.gov.cn");
	assert_string_equal(r.rcpt[1], "b@example.gov.cn");
	assert_int_equal(r.n_headers, 0);

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
	assert_string_equal(text,
			    LINE1 "\r\n" LINE2 "\r\n\r\n" FTU_LINK "\r\n");
	free(text);
	render_clear(&r, &p);
}

/* Titles longer than a line: several encoded-words on folded lines, each
 * of whole characters, or ASCII folded at spaces. */
static void test_email_long_subjects(void **state)
{
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
	render_parse(&mail_ch, &n, &r, &p);
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
	render_clear(&r, &p);

	/* ASCII with spaces: folded, not encoded; unfolding restores it. */
	snprintf(title, sizeof(title), "%s",
		 "[Behind] New public parking spaces in the eastern district "
		 "and the riverside, phase two of the plan agreed in March");
	n.title = title;
	render_parse(&mail_ch, &n, &r, &p);
	assert_non_null(strstr(p.raw[field_index(&p, "Subject")], "\r\n "));
	assert_null(strstr(field(&p, "Subject"), "=?"));
	assert_string_equal(field(&p, "Subject"), title);
	render_clear(&r, &p);

	/* ASCII that cannot be folded (no spaces): encoded instead. */
	memset(title, 'x', 120);
	title[120] = '\0';
	render_parse(&mail_ch, &n, &r, &p);
	got = decode_words(field(&p, "Subject"), &words);
	assert_true(words >= 2);
	assert_string_equal(got, title);
	free(got);
	render_clear(&r, &p);

	/* Short ASCII stays as it is. */
	n.title = (char *)"[Behind] Parking";
	render_parse(&mail_ch, &n, &r, &p);
	assert_string_equal(field(&p, "Subject"), "[Behind] Parking");
	render_clear(&r, &p);
}

/* CR and LF never reach the headers or the envelope, whatever the title
 * or the configuration hold. */
static void test_email_header_injection(void **state)
{
	static char *to[] = {
		(char *)"a@example.gov.cn\r\nBcc: evil@example.com",
		(char *)"b@example.gov.cn",
	};
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
	render_parse(&ch, &n, &r, &p);
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
	render_clear(&r, &p);
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
	struct conf_channel ch = mail_ch;
	struct chan_request r;
	struct parsed p;
	char *from;
	int words;

	(void)state;
	ch.mail_from = (char *)"进度提醒 <paced@example.gov.cn>";
	ch.mail_to = to;
	ch.n_mail_to = 3;
	render_parse(&ch, &zh_note, &r, &p);
	assert_string_equal(r.mail_from, "paced@example.gov.cn");
	assert_int_equal(r.n_rcpt, 3);
	assert_string_equal(r.rcpt[0], "a@example.gov.cn");
	assert_string_equal(r.rcpt[1], "b@example.gov.cn");
	assert_string_equal(r.rcpt[2], "c@example.gov.cn");
	from = decode_words(field(&p, "From"), &words);
	assert_int_equal(words, 1);
	assert_string_equal(from, "进度提醒 <paced@example.gov.cn>");
	free(from);
	assert_string_equal(field(&p, "To"),
			    "Ops Team <a@example.gov.cn>, \"Doe, J.\" "
			    "<b@example.gov.cn>, c@example.gov.cn");
	assert_string_equal(field(&p, "Message-ID"),
			    "<evt_0000abcd@example.gov.cn>");
	render_clear(&r, &p);
}

/* Many recipients fold the To field between addresses. */
static void test_email_many_rcpt(void **state)
{
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
	render_parse(&ch, &zh_note, &r, &p);
	assert_non_null(strstr(p.raw[field_index(&p, "To")], "\r\n "));
	assert_string_equal(field(&p, "To"), want);
	assert_int_equal(r.n_rcpt, PACED_ARRAY_LEN(to));
	render_clear(&r, &p);
	for (size_t i = 0; i < PACED_ARRAY_LEN(to); i++)
		free(to[i]);
}

/* A note without a link, and one whose line holds a newline. */
static void test_email_body_forms(void **state)
{
	static char *lines[] = {(char *)"one\ntwo", (char *)"three"};
	struct note n = zh_note;
	struct chan_request r;
	struct parsed p;
	char *text;
	size_t len;

	(void)state;
	n.lines = lines;
	n.link = NULL;
	render_parse(&mail_ch, &n, &r, &p);
	text = decode_body(p.body, &len);
	assert_string_equal(text, "one\r\ntwo\r\nthree\r\n");
	free(text);
	render_clear(&r, &p);
}

static void test_email_config_errors(void **state)
{
	struct conf_channel ch = mail_ch;
	struct chan_request r;
	char err[128];

	(void)state;
	ch.mail_from = NULL;
	assert_int_equal(ftu_render(&ch, CHAN_ONE, &zh_note, "en", FTU_NOW, &r,
				    err, sizeof(err)),
			 PACED_EINVAL);
	assert_true(strlen(err) > 0);
	chan_request_clear(&r);
	ch = mail_ch;
	ch.n_mail_to = 0;
	assert_int_equal(ftu_render(&ch, CHAN_ONE, &zh_note, "en", FTU_NOW, &r,
				    err, sizeof(err)),
			 PACED_EINVAL);
	assert_true(strlen(err) > 0);
	chan_request_clear(&r);
}

/* A reply the server sent is named in why by its code and its words. */
static void test_email_judge(void **state)
{
	static const struct ftu_judge_case c[] = {
		{250, CURLE_OK, "250 2.0.0 queued\r\n", -1, CHAN_SENT, -1,
		 NULL, NULL},
		/* Waiting will not fix these. */
		{535, CURLE_LOGIN_DENIED, "535 5.7.8 bad credentials\r\n", -1,
		 CHAN_DEAD, -1, "535", "5.7.8 bad credentials"},
		{250, CURLE_USE_SSL_FAILED, "250 8BITMIME\r\n", -1, CHAN_DEAD,
		 -1, NULL, NULL},
		{454, CURLE_USE_SSL_FAILED, "454 4.7.0 no TLS\r\n", -1,
		 CHAN_DEAD, -1, "454", "4.7.0 no TLS"},
		{550, CURLE_SEND_ERROR, "550 5.1.1 no such user\r\n", -1,
		 CHAN_DEAD, -1, "550", "5.1.1 no such user"},
		{554, CURLE_WEIRD_SERVER_REPLY, "554 5.6.0 refused\r\n", -1,
		 CHAN_DEAD, -1, "554", "5.6.0 refused"},
		{0, CURLE_UNSUPPORTED_PROTOCOL, "", -1, CHAN_DEAD, -1, NULL,
		 NULL},
		/* Temporary by RFC 5321 4.2.1 and RFC 4954 6. */
		{451, CURLE_SEND_ERROR, "451 4.3.0 try later\r\n", -1,
		 CHAN_RETRY, -1, "451", "4.3.0 try later"},
		{452, CURLE_WEIRD_SERVER_REPLY, "452 4.3.1 full\r\n", -1,
		 CHAN_RETRY, -1, "452", "4.3.1 full"},
		{454, CURLE_LOGIN_DENIED, "454 4.7.0 try later\r\n", -1,
		 CHAN_RETRY, -1, "454", "4.7.0 try later"},
		/* Connection trouble. */
		{0, CURLE_COULDNT_CONNECT, "", -1, CHAN_RETRY, -1, NULL, NULL},
		{0, CURLE_COULDNT_RESOLVE_HOST, "", -1, CHAN_RETRY, -1, NULL,
		 NULL},
		{0, CURLE_OPERATION_TIMEDOUT, "", -1, CHAN_RETRY, -1, NULL,
		 NULL},
		{0, CURLE_RECV_ERROR, "", -1, CHAN_RETRY, -1, NULL, NULL},
		{0, CURLE_ABORTED_BY_CALLBACK, "", -1, CHAN_RETRY, -1, NULL,
		 NULL},
	};

	(void)state;
	ftu_run_judge_cases("email", "curl says no", c, PACED_ARRAY_LEN(c));
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
