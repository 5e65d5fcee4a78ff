/* alert.c - transitions to events, events to outbox rows. */
#include "alert.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_plain.h"
#include "jsonutil.h"
#include "jsonw.h"
#include "log.h"
#include "message.h"

const char *alert_event_type(enum pace_status from, enum pace_status to)
{
	if (from == to)
		return NULL;
	switch (to) {
	case PACE_DONE: return "project.done";
	case PACE_OVERDUE: return "project.overdue";
	case PACE_BEHIND: return "project.behind";
	case PACE_AT_RISK: return "project.at_risk";
	case PACE_ON_TRACK:
		if (from == PACE_AT_RISK || from == PACE_BEHIND ||
		    from == PACE_OVERDUE)
			return "project.recovered";
		return NULL;
	default: return NULL;
	}
}

bool alert_channel_wants(const struct conf_channel *ch, const struct project *p,
			 const char *type)
{
	const char *short_type = strncmp(type, "project.", 8) == 0 ? type + 8
								   : type;
	bool wanted = ch->n_events == 0, tagged = ch->n_tags == 0;

	for (size_t i = 0; i < ch->n_events && !wanted; i++)
		wanted = strcmp(ch->events[i], short_type) == 0;
	for (size_t i = 0; i < ch->n_tags && !tagged; i++)
		tagged = project_def_has_tag(p->def, ch->tags[i]);
	return wanted && tagged;
}

/* "evt_" + 12 hex digits of the instant + 16 random hex digits: sortable
 * by time, unique without coordination. */
static int event_id(paced_ms now, char out[40])
{
	unsigned char rnd[8];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return PACED_EIO;
	snprintf(out, 40, "evt_%012llx", (unsigned long long)now);
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(out + 16 + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}

/* Whether an event of `type` about p is to be held back by a silence:
 * one covers the project or a tag of it, and the event is not a recovery
 * or completion answering bad news that was delivered (SPEC section 3). */
static int held_by_silence(struct store *s, const struct project *p,
			   const char *type, paced_ms now, bool *held)
{
	json_t *tags = json_array();
	char *tags_json;
	bool delivered = false;
	int rc;

	for (size_t i = 0; tags && i < p->def->n_tags; i++)
		json_array_append_new(tags,
				      json_string(project_def_tag(p->def, i)));
	tags_json = tags ? jsonutil_dump(tags, NULL) : NULL;
	json_decref(tags);
	if (!tags_json)
		return PACED_ENOMEM;
	rc = store_silenced(s, p->def->id, tags_json, now, held);
	free(tags_json);
	if (rc < 0 || !*held)
		return rc;
	if (strcmp(type, "project.recovered") == 0 ||
	    strcmp(type, "project.done") == 0) {
		rc = store_last_bad_news_delivered(s, p->def->id, type,
						   &delivered);
		if (rc == 0 && delivered)
			*held = false;
	}
	return rc;
}

int alert_record(struct store *s, const struct conf *conf,
		 const struct project *p, const struct project_view *v,
		 const char *type, enum pace_status previous, paced_ms now,
		 int *deliveries)
{
	char id[40];
	struct jsonw w;
	char *text = NULL;
	struct store_event e = {0};
	int rc;

	rc = event_id(now, id);
	if (rc == 0)
		rc = held_by_silence(s, p, type, now, &e.silenced);
	if (rc < 0)
		return rc;
	/* Stored at 17 digits: the event shows the very numbers judged. */
	jsonw_init(&w, 17);
	rc = project_write_json(&w, p, v);
	text = rc < 0 ? NULL : jsonw_finish(&w, NULL);
	if (!text) {
		if (rc < 0)
			jsonw_discard(&w);
		else
			rc = PACED_ENOMEM;
		goto done;
	}
	e.id = id;
	e.project_id = p->def->id;
	e.type = type;
	e.at = now;
	e.previous_status =
		previous == PACE_NONE ? NULL : pace_status_name(previous);
	e.status = pace_status_name(v->eval.status);
	e.project = text;
	rc = store_event_insert(s, &e);
	if (rc < 0)
		goto done;
	rc = store_project_set_last_event(s, p->def->id, now);
	for (size_t i = 0; rc == 0 && !e.silenced && i < conf->n_channels;
	     i++) {
		const struct conf_channel *ch = &conf->channels[i];

		if (!alert_channel_wants(ch, p, type))
			continue;
		rc = store_delivery_insert(s, e.seq, ch->name, now);
		if (rc == 0 && deliveries)
			(*deliveries)++;
	}
	if (rc == 0)
		log_notice("event %s %s project=%s status=%s%s", id, type,
			   p->def->id, e.status,
			   e.silenced ? " (silenced: not delivered)" : "");
done:
	free(text);
	return rc;
}

json_t *alert_event_json_from(const struct store_event *e,
			      const json_t *project, const char *text)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "type", json_string(e->type));
	json_object_set_new(o, "at", jsonutil_instant(e->at));
	json_object_set_new(o, "previous_status",
			    jsonutil_string_or_null(e->previous_status));
	json_object_set_new(o, "status", json_string(e->status));
	if (e->silenced)
		json_object_set_new(o, "silenced", json_true());
	/* Shared, not copied: nobody changes a snapshot once parsed. */
	json_object_set(o, "project", (json_t *)project);
	json_object_set_new(o, "text", json_string(text));
	return o;
}

json_t *alert_event_json(const struct store_event *e, const char *language,
			 const char *public_url)
{
	json_t *project = json_stored_load(e->project);
	json_t *o = NULL;
	char *text = NULL;

	if (project)
		text = message_text(e->type, project,
				    message_lang_parse(language), public_url);
	if (text)
		o = alert_event_json_from(e, project, text);
	json_decref(project);
	free(text);
	return o;
}
