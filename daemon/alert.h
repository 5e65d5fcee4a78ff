/*
 * alert.h - status changes become events (SPEC section 3), and each event
 * becomes one outbox row per channel that wants it, written in the
 * caller's transaction so an event and its deliveries are never apart.
 */
#ifndef PACED_ALERT_H
#define PACED_ALERT_H

#include <stdbool.h>

#include "conf.h"
#include "pace.h"
#include "project.h"
#include "store.h"

/* The event type a status change produces ("project.behind", ...), or
 * NULL when the change is not one to tell anybody about (e.g.
 * not_started -> on_track). `from` may be PACE_NONE (a new project). */
const char *alert_event_type(enum pace_status from, enum pace_status to);

/* Whether channel ch wants events of `type` about p (its events and
 * tags filters). */
bool alert_channel_wants(const struct conf_channel *ch, const struct project *p,
			 const char *type);

/*
 * Records an event of `type` for p (whose evaluation at `now` is v) and a
 * pending delivery for every channel that wants it, unless a silence in
 * force holds the event back (it is then recorded as silenced, with no
 * deliveries). Must run inside the
 * caller's store transaction. *deliveries is incremented by the number of
 * deliveries queued (may be NULL). 0 or PACED_E*.
 */
int alert_record(struct store *s, const struct conf *conf,
		 const struct project *p, const struct project_view *v,
		 const char *type, enum pace_status previous, paced_ms now,
		 int *deliveries);

/* The event as receivers and clients see it (the webhook body of SPEC
 * section 3): id, type, at, previous_status, status, the project as it
 * was, and the text in `language` with a link under public_url (may be
 * NULL). New reference; NULL on ENOMEM or a corrupt stored project. */
json_t *alert_event_json(const struct store_event *e, const char *language,
			 const char *public_url);

/* The same from parts already made: the parsed project snapshot (a
 * reference is taken) and the text. A channel worker has both from
 * rendering its note. */
json_t *alert_event_json_from(const struct store_event *e,
			      const json_t *project, const char *text);

#endif
