/*
 * fmt_testutil.h - what the channel-driver tests (test_fmt_<type>.c) share:
 * sample notes (an event, a summary, digests, notes far over every size
 * limit), rendering a message and parsing its JSON body, a table runner for
 * judges, and UTF-8 / UTF-16 checks. Everything here fails the running
 * cmocka test on its own when something is off. The prefix is ftu_ (fmt
 * test util), short because test lines are long.
 */
#ifndef PACED_FMT_TESTUTIL_H
#define PACED_FMT_TESTUTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "note.h"
#include "paced.h"

#define FTU_PUBLIC_URL "https://paced.example.gov.cn"
/* The link of the sample project "parking-2022". */
#define FTU_LINK FTU_PUBLIC_URL "/projects/parking-2022"
/* 2022-05-01T02:00:00Z, a Sunday. */
#define FTU_NOW 1651370400000LL
/* The id every rendered message carries. */
#define FTU_MSG_ID "evt_0000abcd"
#define FTU_ELLIPSIS "\xe2\x80\xa6"
/* Markup of every platform at once, in a project title. */
#define FTU_NASTY "停车<b>&\"泊位"
/* A project title so long that a summary of a few dozen is too big. */
#define FTU_LONG_TITLE "上城区老旧小区综合改造提升工程上城区老旧小区"

/* ---- drivers ------------------------------------------------------------ */

/* The registered driver of type. */
const struct chan_driver *ftu_driver(const char *type);

/* The driver of type is registered with these defaults. */
void ftu_check_driver(const char *type, int rate_n, int64_t rate_period_ms,
		      bool digest);

/* ---- notes -------------------------------------------------------------- */

/* The note of event `type` about project "parking-2022" (120 of 350 while
 * the curve expects 291.67) titled title, owned by owner. */
void ftu_event_note(struct note *n, const char *type, const char *title,
		    const char *owner, const char *lang);

/* The zh-CN / en "project.behind" note of a project titled FTU_NASTY. */
void ftu_nasty_note(struct note *n, const char *lang);

/* A zh-CN summary of n "project.behind" events about projects titled
 * prefix followed by first, first + 1, … as "%03zu". */
void ftu_summary_note(struct note *out, size_t n, const char *prefix,
		      size_t first);

/* Every title of that summary is somewhere in text. */
void ftu_check_summary_titles(const char *text, size_t n, const char *prefix,
			      size_t first);

/* The zh-CN digest of n_behind projects behind (and 3 on track), titled
 * "上城区老旧小区综合改造提升工程000", …: long, to overflow limits. */
void ftu_digest_behind(struct note *out, size_t n_behind);

/* The zh-CN digest of three projects: "道路<改造>" behind, "污水管网"
 * overdue, "学校扩建" on track but stale. */
void ftu_digest_mixed(struct note *out);

/* A hand-made note whose lines (and title, for ftu_note_huge) it owns. */
struct ftu_note {
	struct note n;
	char **lines;
	char *title; /* NULL when borrowed */
};

/* n lines, each a copy of line; title borrowed; link FTU_LINK. */
void ftu_note_repeat(struct ftu_note *b, const char *title, const char *line,
		     size_t n, enum note_tone tone);

/* n lines "L0000 xxx…" of len ASCII characters each; no link. */
void ftu_note_numbered(struct ftu_note *b, size_t n, size_t len);

/* Far over every limit: a 600-character title and, between two ordinary
 * lines, a line of 300 000 characters mixing 1- to 4-byte UTF-8 and
 * markup characters. */
void ftu_note_huge(struct ftu_note *b);

void ftu_note_free(struct ftu_note *b);

/* A malloc'd line of `bytes` bytes or a little less: `lead` ASCII letters,
 * then 3-byte and 4-byte characters in turn, so that a cut at any offset
 * lands inside a character sooner or later. */
char *ftu_mixed_line(size_t lead, size_t bytes);

/* ---- rendering ---------------------------------------------------------- */

/* The message of kind for ch with note n: language lang, public_url
 * FTU_PUBLIC_URL, id FTU_MSG_ID, no events; a digest's counts for
 * CHAN_DIGEST. */
struct chan_msg ftu_msg(const struct conf_channel *ch, enum chan_kind kind,
			const struct note *n, const char *lang, paced_ms now);

/* Renders ftu_msg(…) with the driver of ch->type into *r (zeroed first);
 * the driver's return code, its message in err (may be NULL). */
int ftu_render(const struct conf_channel *ch, enum chan_kind kind,
	       const struct note *n, const char *lang, paced_ms now,
	       struct chan_request *r, char *err, size_t errlen);

/* Renders m and expects success: a URL and a body of r->len bytes. */
void ftu_render_msg_ok(const struct chan_msg *m, struct chan_request *r);

/* ftu_render_msg_ok, then: one header, the platform's JSON Content-Type,
 * no mail envelope, and the body parsed (jansson refuses a body that is
 * not UTF-8). A new reference. */
json_t *ftu_render_msg_json(const struct chan_msg *m, struct chan_request *r);

/* ftu_render_msg_json of ftu_msg(…), expecting a JSON object. */
json_t *ftu_render_json(const struct conf_channel *ch, enum chan_kind kind,
			const struct note *n, const char *lang, paced_ms now,
			struct chan_request *r);

/* Rendering is refused as over the platform's limit (PACED_E2BIG), which
 * tells the caller to merge fewer events. */
void ftu_check_too_big(const struct conf_channel *ch, enum chan_kind kind,
		       const struct note *n, const char *lang, paced_ms now);

/* ftu_render_json at FTU_NOW to the channel's URL as configured; the
 * request is dropped, its length put in *len (len may be NULL). */
json_t *ftu_render_body(const struct conf_channel *ch, enum chan_kind kind,
			const struct note *n, const char *lang, size_t *len);

/* ---- reading what was rendered ------------------------------------------ */

/* The string at a dotted path ("card.header.title.content"); fails the
 * test when there is none. Borrowed from o. */
const char *ftu_str(const json_t *o, const char *path);

bool ftu_has(const char *hay, const char *needle);
bool ftu_starts_with(const char *s, const char *prefix);

/* Strict UTF-8: no truncated, overlong or surrogate sequences. */
bool ftu_utf8_valid(const void *s, size_t len);

/* UTF-16 code units of a valid UTF-8 string (how Slack, Discord and
 * Telegram count). */
size_t ftu_u16_len(const char *s);

/* s, without a trailing ellipsis, is a byte prefix of orig: a cut on a
 * character boundary of the original text. */
void ftu_assert_prefix_cut(const char *s, const char *orig);

/* ---- judging ------------------------------------------------------------ */

/* An answer, and what the driver must make of it. */
struct ftu_judge_case {
	long status;
	int curl_code;
	const char *body;
	long retry_after_s;
	enum chan_verdict verdict;
	long pause_s;
	const char *why_has;  /* NULL: why is "" if sent, else not empty */
	const char *why_has2; /* NULL, or a second piece why must hold */
};

/* Judges each case with the driver of type; a case with a curl_code has
 * curl_error for the transfer's message. Every why must also fit, be
 * UTF-8 and be one line. */
void ftu_run_judge_cases(const char *type, const char *curl_error,
			 const struct ftu_judge_case *c, size_t n);

/* A transfer that never got an answer is retried. */
void ftu_check_transport_error(const char *type);

/* A long error message (body_fmt: the platform's error answer with one
 * "%s" for it) is dead and cut to fit why on a character boundary. */
void ftu_check_long_why(const char *type, const char *body_fmt);

#endif
