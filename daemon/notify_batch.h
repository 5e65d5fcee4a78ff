/*
 * notify_batch.h - the outbox rows the worker holds between reading them
 * and recording their outcome (owned copies, since the store's rows live
 * only for a callback), and turning one or several of them, or a digest,
 * into a channel request through the channel's driver.
 */
#ifndef PACED_NOTIFY_BATCH_H
#define PACED_NOTIFY_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "conf.h"
#include "note.h"
#include "store.h"

/* One pending delivery and its event. A cleared row has channel NULL. */
struct batch_row {
	int64_t event_seq;
	char *channel;
	int attempts; /* before this one */
	char *event_id, *project_id, *type, *previous_status, *status;
	char *project; /* JSON of the project at the event */
	paced_ms event_at;
	bool silenced;
};

struct batch_rows {
	struct batch_row *rows;
	size_t n, cap;
};

void notify_batch_rows_init(struct batch_rows *b);
void notify_batch_rows_clear(struct batch_rows *b);
void notify_batch_row_clear(struct batch_row *r);

/* Frees an array of rows (cleared ones included) and the array. */
void notify_batch_rows_free(struct batch_row *rows, size_t n);

/* Appends up to `limit` due rows. 0 or PACED_E*. */
int notify_batch_read_due(struct store *s, paced_ms now, int limit,
			  struct batch_rows *out);

/* Moves every row of b from index i on with the channel of row i into a
 * new array (*n rows), leaving them cleared in b. NULL on ENOMEM. */
struct batch_row *notify_batch_group(struct batch_rows *b, size_t i,
				     size_t *n);

/* Orders rows by event (the order the events happened). */
void notify_batch_sort(struct batch_row *rows, size_t n);

/* Moves rows[0..n) into a new array, leaving them cleared. Never fails
 * for n > 0 except on ENOMEM, where it returns NULL and leaves them. */
struct batch_row *notify_batch_rows_take(struct batch_row *rows, size_t n);

/* The request for rows[0..n): one event, or a summary when n > 1.
 * 0, or what the driver's render returned (err set by it, or here). */
int notify_batch_render(const struct chan_driver *drv,
			const struct conf_channel *ch, const char *lang,
			const char *public_url, const struct batch_row *rows,
			size_t n, paced_ms now, struct chan_request *req,
			char *err, size_t errlen);

/* The request for a digest already worded in `note`. */
int notify_batch_render_digest(const struct chan_driver *drv,
			       const struct conf_channel *ch, const char *lang,
			       const char *public_url, const struct note *note,
			       const struct note_digest *d, paced_ms now,
			       struct chan_request *req, char *err,
			       size_t errlen);

/* A deep copy of a digest (it waits in memory for its channel). */
struct note_digest *notify_batch_digest_copy(const struct note_digest *d);
void notify_batch_digest_free(struct note_digest *d);

#endif
