/*
 * message.h - the text people read in an alert: what happened first
 * (【落后】...), then current/target with unit and percent, the value the
 * curve expects now and the gap. zh-CN is the primary language, en the
 * second. Rendered from an event's project snapshot so every channel says
 * the same thing.
 */
#ifndef PACED_MESSAGE_H
#define PACED_MESSAGE_H

#include <jansson.h>
#include <stddef.h>

/* "en" gives English, anything else Chinese. */
enum message_lang { MESSAGE_ZH, MESSAGE_EN };
enum message_lang message_lang_parse(const char *name);

/* "【落后】" / "[Behind]" for an event type ("project.behind"). */
const char *message_label(const char *type, enum message_lang lang);

/*
 * The alert text for an event of `type` about `project` (the project
 * object of SPEC section 1). public_url may be NULL; with one the text ends
 * with a link to the project. malloc'd; NULL on ENOMEM.
 */
char *message_text(const char *type, const json_t *project,
		   enum message_lang lang, const char *public_url);

/* A status for people: "落后" / "Behind" for "behind" (a status name of
 * pace.h; "stale" too: "未按时报送" / "Stale"). An unknown name is
 * returned as it is. */
const char *message_status_label(const char *status, enum message_lang lang);

/* The label of a link to a project or the overview: "查看详情" / "View
 * details". Every chat channel words its link the same way. */
const char *message_link_label(enum message_lang lang);

/* Where a channel had to shorten a message to its platform's limit:
 * "（消息过长，其余内容已省略）" / "(message too long: the rest is left
 * out)". */
const char *message_left_out(enum message_lang lang);

/* A number for people: at most two decimals, no trailing zeros
 * ("120", "291.67", "0.5"). Returns out. */
char *message_number(double v, char *out, size_t len);

#endif
