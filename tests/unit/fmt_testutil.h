/*
 * fmt_testutil.h - what the channel-driver tests (test_fmt_<type>.c) share:
 * sample notes (an event, a summary, a digest, notes far over every size
 * limit), rendering a message and parsing its JSON body, a table runner for
 * judges, and UTF-8 checks. Everything here fails the running
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

/* A hand-made note whose lines it owns. */
struct ftu_note {
	struct note n;
	char **lines;
};

/* n lines, each a copy of line; title borrowed; link FTU_LINK. */
void ftu_note_repeat(struct ftu_note *b, const char *title, const char *line,
		     size_t n, enum note_tone tone);

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

/* ---- reading what was rendered ------------------------------------------ */

/* The string at a dotted path ("card.header.title.content"); fails the
 * test when there is none. Borrowed from o. */
const char *ftu_str(const json_t *o, const char *path);

bool ftu_starts_with(const char *s, const char *prefix);

/* Strict UTF-8: no truncated, overlong or surrogate sequences. */
bool ftu_utf8_valid(const void *s, size_t len);

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

/* A long error message (body_fmt: the platform's error answer with one
 * "%s" for it) is dead and cut to fit why on a character boundary. */
void ftu_check_long_why(const char *type, const char *body_fmt);

#endif
