/*
 * fmt_testutil.c - the helpers every channel-driver test shares (see
 * fmt_testutil.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fmt_testutil.h"

/* ---- drivers ------------------------------------------------------------ */

const struct chan_driver *ftu_driver(const char *type)
{
	const struct chan_driver *d = chan_driver_find(type);

	assert_non_null(d);
	assert_string_equal(d->type, type);
	return d;
}

void ftu_check_driver(const char *type, int rate_n, int64_t rate_period_ms,
		      bool digest)
{
	const struct chan_driver *d = ftu_driver(type);

	assert_int_equal(d->rate_n, rate_n);
	assert_int_equal(d->rate_period_ms, rate_period_ms);
	assert_int_equal(d->digest, digest);
}

/* ---- notes -------------------------------------------------------------- */

static json_t *project(const char *id, const char *title, const char *owner)
{
	/* 120 of 350 while the curve expects 291.67. */
	return json_pack("{s:s,s:s,s:s,s:i,s:i,s:f,s:f,s:f,s:f,s:s,s:s,"
			 "s:{s:f,s:f,s:s,s:f}}",
			 "id", id, "title", title, "unit", "个", "current",
			 120, "target", 350, "expected", 291.6666667,
			 "progress", 120.0 / 350, "expected_progress",
			 291.6666667 / 350, "gap", (291.6666667 - 120) / 350,
			 "due", "2022-12-31", "owner", owner, "forecast",
			 "rate_per_day", 0.9, "projected_at_due", 200.0, "eta",
			 "2023-04-12", "required_rate_per_day", 1.2345);
}

static void event_note_at(struct note *n, const char *type, const char *id,
			  const char *title, const char *owner,
			  const char *lang, const char *public_url)
{
	json_t *p = project(id, title, owner);

	assert_non_null(p);
	assert_int_equal(note_event(n, type, p, lang, public_url), 0);
	json_decref(p);
}

void ftu_event_note(struct note *n, const char *type, const char *title,
		    const char *owner, const char *lang)
{
	event_note_at(n, type, "parking-2022", title, owner, lang,
		      FTU_PUBLIC_URL);
}

void ftu_nasty_note(struct note *n, const char *lang)
{
	/* A public_url with a trailing slash makes the same link. */
	event_note_at(n, "project.behind", "parking-2022", FTU_NASTY,
		      "区建设局", lang, FTU_PUBLIC_URL "/");
	assert_non_null(strstr(n->title, FTU_NASTY));
	assert_true(n->n_lines >= 3);
	assert_string_equal(n->link, FTU_LINK);
}

void ftu_summary_note(struct note *out, size_t n, const char *prefix,
		      size_t first)
{
	struct note *ev = calloc(n, sizeof(*ev));
	const struct note **p = calloc(n, sizeof(*p));
	char id[32], title[512];

	assert_true(ev && p);
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "p%03zu", first + i);
		snprintf(title, sizeof(title), "%s%03zu", prefix, first + i);
		event_note_at(&ev[i], "project.behind", id, title, "区建设局",
			      "zh-CN", FTU_PUBLIC_URL);
		p[i] = &ev[i];
	}
	assert_int_equal(note_summary(out, p, n, "zh-CN", FTU_PUBLIC_URL), 0);
	assert_int_equal(out->n_lines, n);
	for (size_t i = 0; i < n; i++)
		note_clear(&ev[i]);
	free(ev);
	free(p);
}

void ftu_check_summary_titles(const char *text, size_t n, const char *prefix,
			      size_t first)
{
	char want[512];

	for (size_t i = first; i < first + n; i++) {
		snprintf(want, sizeof(want), "%s%03zu", prefix, i);
		if (!strstr(text, want))
			fail_msg("\"%s\" is not in the summary", want);
	}
}

void ftu_digest_behind(struct note *out, size_t n_behind)
{
	struct note_digest_item *items = calloc(n_behind + 1, sizeof(*items));
	char(*ids)[32] = calloc(n_behind + 1, sizeof(*ids));
	char(*titles)[128] = calloc(n_behind + 1, sizeof(*titles));
	struct note_digest d = {
		.at = FTU_NOW,
		.date = "2022-05-01",
		.n_projects = n_behind + 3,
		.n_on_track = 3,
		.n_behind = n_behind,
		.items = items,
		.n_items = n_behind,
	};

	assert_true(items && ids && titles);
	for (size_t i = 0; i < n_behind; i++) {
		snprintf(ids[i], sizeof(ids[i]), "site-%03zu", i);
		snprintf(titles[i], sizeof(titles[i]),
			 "上城区老旧小区综合改造提升工程%03zu", i);
		items[i] = (struct note_digest_item){
			.id = ids[i],
			.title = titles[i],
			.unit = "个",
			.status = "behind",
			.current = 10,
			.target = 63,
			.gap = 0.2 + (double)i / 10000,
		};
	}
	assert_int_equal(note_digest(out, &d, "zh-CN", FTU_PUBLIC_URL), 0);
	free(items);
	free(ids);
	free(titles);
}

void ftu_digest_mixed(struct note *out)
{
	static const struct note_digest_item items[] = {
		{.id = "a", .title = "道路<改造>", .unit = "公里",
		 .status = "behind", .current = 3, .target = 10, .gap = 0.2},
		{.id = "b", .title = "污水管网", .unit = "公里",
		 .status = "overdue", .current = 8, .target = 12, .gap = 0.33},
		{.id = "c", .title = "学校扩建", .unit = "所",
		 .status = "on_track", .stale = true, .current = 1,
		 .target = 2},
	};
	static const struct note_digest d = {
		.date = "2022-05-01",
		.n_projects = 3,
		.n_behind = 1,
		.n_overdue = 1,
		.n_on_track = 1,
		.n_stale = 1,
		.items = items,
		.n_items = 3,
	};

	assert_int_equal(note_digest(out, &d, "zh-CN", FTU_PUBLIC_URL), 0);
	assert_int_equal(out->tone, NOTE_BAD);
}

static void note_alloc(struct ftu_note *b, size_t n)
{
	memset(b, 0, sizeof(*b));
	b->lines = calloc(n ? n : 1, sizeof(*b->lines));
	assert_non_null(b->lines);
	b->n.lines = b->lines;
	b->n.n_lines = n;
}

void ftu_note_repeat(struct ftu_note *b, const char *title, const char *line,
		     size_t n, enum note_tone tone)
{
	note_alloc(b, n);
	for (size_t i = 0; i < n; i++) {
		b->lines[i] = strdup(line);
		assert_non_null(b->lines[i]);
	}
	b->n.title = (char *)title;
	b->n.link = (char *)FTU_LINK;
	b->n.text = (char *)"";
	b->n.tone = tone;
}

void ftu_note_numbered(struct ftu_note *b, size_t n, size_t len)
{
	note_alloc(b, n);
	for (size_t i = 0; i < n; i++) {
		b->lines[i] = malloc(len + 1);
		assert_non_null(b->lines[i]);
		snprintf(b->lines[i], len + 1, "L%04zu ", i);
		memset(b->lines[i] + 6, 'x', len - 6);
		b->lines[i][len] = '\0';
	}
	b->n.title = (char *)"Many lines";
	b->n.text = (char *)"Many lines";
	b->n.tone = NOTE_INFO;
}

void ftu_note_huge(struct ftu_note *b)
{
	static const char unit[] = "进😀é&<*_"; /* 3+4+2+1+1+1+1 bytes */
	const size_t reps = 300000 / 7, ul = sizeof(unit) - 1;
	char *big = malloc(reps * ul + 1);

	note_alloc(b, 3);
	b->title = malloc(600 * 3 + 1);
	assert_non_null(b->title);
	for (size_t i = 0; i < 600; i++)
		memcpy(b->title + 3 * i, "超", 3);
	b->title[600 * 3] = '\0';
	assert_non_null(big);
	for (size_t i = 0; i < reps; i++)
		memcpy(big + i * ul, unit, ul);
	big[reps * ul] = '\0';
	b->lines[0] = strdup("当前 120 / 350 个（34.29%）");
	b->lines[1] = big;
	b->lines[2] = strdup("责任单位：区建设局");
	assert_true(b->lines[0] && b->lines[2]);
	b->n.title = b->title;
	b->n.link = (char *)FTU_LINK;
	b->n.text = big;
	b->n.tone = NOTE_WARN;
}

void ftu_note_free(struct ftu_note *b)
{
	for (size_t i = 0; i < b->n.n_lines; i++)
		free(b->lines[i]);
	free(b->lines);
	free(b->title);
}

char *ftu_mixed_line(size_t lead, size_t bytes)
{
	char *s = malloc(bytes + 1);
	size_t k = 0;

	assert_non_null(s);
	for (; k < lead; k++)
		s[k] = 'a';
	for (int i = 0; k + 4 <= bytes; i++) {
		const char *c = i % 2 ? "\xF0\x9F\x9A\xA7" /* U+1F6A7 */
				      : "\xE6\xB3\x8A";   /* 泊 */

		memcpy(s + k, c, strlen(c));
		k += strlen(c);
	}
	s[k] = '\0';
	return s;
}

/* ---- rendering ---------------------------------------------------------- */

struct chan_msg ftu_msg(const struct conf_channel *ch, enum chan_kind kind,
			const struct note *n, const char *lang, paced_ms now)
{
	static const struct note_digest counts = {.date = "2022-05-01"};

	return (struct chan_msg){
		.kind = kind,
		.ch = ch,
		.language = lang,
		.public_url = FTU_PUBLIC_URL,
		.note = n,
		.digest = kind == CHAN_DIGEST ? &counts : NULL,
		.now = now,
		.id = FTU_MSG_ID,
	};
}

static int render_msg(const struct chan_msg *m, struct chan_request *r,
		      char *err, size_t errlen)
{
	char buf[256];

	if (!err) {
		err = buf;
		errlen = sizeof(buf);
	}
	memset(r, 0, sizeof(*r));
	err[0] = '\0';
	return ftu_driver(m->ch->type)->render(m, r, err, errlen);
}

int ftu_render(const struct conf_channel *ch, enum chan_kind kind,
	       const struct note *n, const char *lang, paced_ms now,
	       struct chan_request *r, char *err, size_t errlen)
{
	struct chan_msg m = ftu_msg(ch, kind, n, lang, now);

	return render_msg(&m, r, err, errlen);
}

void ftu_render_msg_ok(const struct chan_msg *m, struct chan_request *r)
{
	char err[256];
	int rc = render_msg(m, r, err, sizeof(err));

	if (rc != 0)
		fail_msg("%s: render gave %d (%s)", m->ch->type, rc, err);
	assert_non_null(r->url);
	assert_non_null(r->body);
	assert_int_equal(strlen(r->body), r->len);
}

/* DingTalk asks for the charset to be named ("发起POST请求时，必须将字符集
 * 编码设置成UTF-8"); the Teams driver names it too. */
static const char *json_content_type(const char *type)
{
	if (strcmp(type, "dingtalk") == 0 || strcmp(type, "teams") == 0)
		return "Content-Type: application/json; charset=utf-8";
	return "Content-Type: application/json";
}

json_t *ftu_render_msg_json(const struct chan_msg *m, struct chan_request *r)
{
	json_error_t je;
	json_t *o;

	ftu_render_msg_ok(m, r);
	assert_int_equal(r->n_headers, 1);
	assert_string_equal(r->headers[0], json_content_type(m->ch->type));
	assert_null(r->mail_from);
	o = json_loadb(r->body, r->len, 0, &je);
	if (!o)
		fail_msg("%s: body is not JSON (%s): %.200s", m->ch->type,
			 je.text, r->body);
	return o;
}

json_t *ftu_render_json(const struct conf_channel *ch, enum chan_kind kind,
			const struct note *n, const char *lang, paced_ms now,
			struct chan_request *r)
{
	struct chan_msg m = ftu_msg(ch, kind, n, lang, now);
	json_t *o = ftu_render_msg_json(&m, r);

	assert_true(json_is_object(o));
	return o;
}

void ftu_check_too_big(const struct conf_channel *ch, enum chan_kind kind,
		       const struct note *n, const char *lang, paced_ms now)
{
	struct chan_request r;

	assert_int_equal(ftu_render(ch, kind, n, lang, now, &r, NULL, 0),
			 PACED_E2BIG);
	chan_request_clear(&r);
}

json_t *ftu_render_body(const struct conf_channel *ch, enum chan_kind kind,
			const struct note *n, const char *lang, size_t *len)
{
	struct chan_request r;
	json_t *o = ftu_render_json(ch, kind, n, lang, FTU_NOW, &r);

	assert_string_equal(r.url, ch->url);
	if (len)
		*len = r.len;
	chan_request_clear(&r);
	return o;
}

/* ---- reading what was rendered ------------------------------------------ */

const char *ftu_str(const json_t *o, const char *path)
{
	const char *p = path, *dot;
	char key[64];

	while ((dot = strchr(p, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - p), p);
		o = json_object_get(o, key);
		p = dot + 1;
	}
	o = json_object_get(o, p);
	if (!json_is_string(o))
		fail_msg("no string at \"%s\"", path);
	return json_string_value(o);
}

bool ftu_has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

bool ftu_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool ftu_utf8_valid(const void *s, size_t len)
{
	const unsigned char *p = s, *end = p + len;

	while (p < end) {
		size_t n;
		uint32_t c;

		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xE0) == 0xC0) {
			n = 1, c = *p & 0x1F;
		} else if ((*p & 0xF0) == 0xE0) {
			n = 2, c = *p & 0x0F;
		} else if ((*p & 0xF8) == 0xF0) {
			n = 3, c = *p & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			c = c << 6 | (p[i] & 0x3F);
		}
		if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) ||
		    (n == 3 && (c < 0x10000 || c > 0x10FFFF)) ||
		    (c >= 0xD800 && c <= 0xDFFF))
			return false;
		p += n + 1;
	}
	return true;
}

size_t ftu_u16_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xC0) != 0x80)
			n += c >= 0xF0 ? 2 : 1;
	}
	return n;
}

void ftu_assert_prefix_cut(const char *s, const char *orig)
{
	const size_t el = strlen(FTU_ELLIPSIS);
	size_t len = strlen(s);

	if (len >= el && memcmp(s + len - el, FTU_ELLIPSIS, el) == 0)
		len -= el;
	assert_true(len <= strlen(orig));
	assert_memory_equal(s, orig, len);
}

/* ---- judging ------------------------------------------------------------ */

void ftu_run_judge_cases(const char *type, const char *curl_error,
			 const struct ftu_judge_case *c, size_t n)
{
	const struct chan_driver *d = ftu_driver(type);

	for (size_t i = 0; i < n; i++) {
		struct httpc_response res = {
			.status = c[i].status,
			.curl_code = c[i].curl_code,
			.error = c[i].curl_code ? curl_error : NULL,
			.body = c[i].body,
			.body_len = c[i].body ? strlen(c[i].body) : 0,
			.retry_after_s = c[i].retry_after_s,
		};
		struct chan_judgement j;

		memset(&j, 0x55, sizeof(j));
		d->judge(&res, &j);
		if (j.verdict != c[i].verdict || j.pause_s != c[i].pause_s)
			fail_msg("%s case %zu (%ld %s): verdict %d pause %ld, "
				 "want %d pause %ld (why %s)",
				 type, i, c[i].status,
				 c[i].body ? c[i].body : "", j.verdict,
				 j.pause_s, c[i].verdict, c[i].pause_s,
				 j.why);
		assert_true(strlen(j.why) < sizeof(j.why));
		if (!c[i].why_has && j.verdict == CHAN_SENT)
			assert_string_equal(j.why, "");
		else if (!c[i].why_has && j.why[0] == '\0')
			fail_msg("%s case %zu: no why", type, i);
		else if (c[i].why_has && (!strstr(j.why, c[i].why_has) ||
					  (c[i].why_has2 &&
					   !strstr(j.why, c[i].why_has2))))
			fail_msg("%s case %zu: why \"%s\" lacks \"%s\" / "
				 "\"%s\"",
				 type, i, j.why, c[i].why_has,
				 c[i].why_has2 ? c[i].why_has2 : "");
		assert_true(ftu_utf8_valid(j.why, strlen(j.why)));
		assert_null(strpbrk(j.why, "\r\n"));
	}
}

void ftu_check_transport_error(const char *type)
{
	static const struct ftu_judge_case c = {
		0, 28, NULL, -1, CHAN_RETRY, -1, "timed out", NULL,
	};

	ftu_run_judge_cases(type, "Operation timed out", &c, 1);
}

void ftu_check_long_why(const char *type, const char *body_fmt)
{
	const struct chan_driver *d = ftu_driver(type);

	for (size_t lead = 0; lead < 4; lead++) {
		char *msg = ftu_mixed_line(lead, 900), *body;
		struct httpc_response res = {.status = 200,
					     .retry_after_s = -1};
		struct chan_judgement j;

		assert_true(asprintf(&body, body_fmt, msg) > 0);
		res.body = body;
		res.body_len = strlen(body);
		d->judge(&res, &j);
		assert_int_equal(j.verdict, CHAN_DEAD);
		assert_true(strlen(j.why) > 100);
		assert_true(ftu_utf8_valid(j.why, strlen(j.why)));
		free(body);
		free(msg);
	}
}
