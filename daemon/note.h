/*
 * note.h - what a person reads, before any platform's markup: a short
 * title, detail lines, a link, a tone. One note per event (in the words of
 * message.c), one for a summary of several events (a channel's backlog
 * merged under its rate limit), one for the scheduled digest. The channel
 * drivers (fmt_*.c) turn notes into markdown, cards, HTML or mail.
 */
#ifndef PACED_NOTE_H
#define PACED_NOTE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "paced.h"

/* How the news feels, for platforms that colour messages. */
enum note_tone {
	NOTE_INFO, /* neither good nor bad (digest, resumed) */
	NOTE_GOOD, /* recovered, done */
	NOTE_WARN, /* at_risk, stale, reminder of those */
	NOTE_BAD,  /* behind, overdue */
};

struct note {
	/* One line: "【落后】新增公共停车泊位" / "[Behind] New public parking
	 * spaces". Used as subject, card header, notification preview. */
	char *title;
	/* The details, one per line, no markup: "当前 120 / 350 个（34.29%）",
	 * "按计划此时应达 …", … */
	char **lines;
	size_t n_lines;
	/* The project (or the overview) under public_url, or NULL. */
	char *link;
	/* The whole text as plain text, title first and link last, as the
	 * generic webhook and /v1/events carry it. */
	char *text;
	enum note_tone tone;
};

void note_clear(struct note *n);

/* The note for one event of `type` ("project.behind") about project (the
 * object of SPEC section 1). lang "en" or "zh-CN"; public_url may be NULL.
 * 0 or PACED_ENOMEM. */
int note_event(struct note *out, const char *type, const json_t *project,
	       const char *lang, const char *public_url);

/* The note for several events merged into one message, in the order
 * given: title "【汇总】3 条项目动态", one line per event (its title and
 * its first detail line). 0 or PACED_ENOMEM. */
int note_summary(struct note *out, const struct note *const *events,
		 size_t n, const char *lang, const char *public_url);

/* One project as the digest sees it. */
struct note_digest_item {
	const char *id;
	const char *title;
	const char *unit;
	const char *status; /* "behind", ... */
	bool stale;
	double current, target;
	bool burn_down; /* target below the baseline: counting down */
	double gap; /* fraction of the target span, positive = behind */
};

/* The digest: every live project at `at`. Counts are by status name in
 * the order of SPEC section 2. */
struct note_digest {
	paced_ms at;
	const char *date; /* "2026-11-26", in the configured time zone */
	size_t n_projects;
	size_t n_done, n_overdue, n_behind, n_at_risk, n_on_track,
		n_not_started;
	size_t n_stale;
	const struct note_digest_item *items;
	size_t n_items;
};

/* The digest note: counts by status, then the overdue and behind projects
 * with their gaps (largest first), then the stale ones. 0 or
 * PACED_ENOMEM. */
int note_digest(struct note *out, const struct note_digest *d,
		const char *lang, const char *public_url);

#endif
