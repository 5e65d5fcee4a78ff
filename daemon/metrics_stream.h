/*
 * metrics_stream.h - /metrics of a large registry made a piece at a time,
 * so that no loop turn holds paced for long: the projects are evaluated a
 * part of the registry per turn into rows of values, sorted by id once,
 * then each family is written a few thousand samples per piece, and the
 * families after the projects' are read when their turn comes. The text
 * is the one metrics_render() would give for the same state.
 */
#ifndef PACED_METRICS_STREAM_H
#define PACED_METRICS_STREAM_H

#include <stddef.h>

#include "app.h"
#include "paced.h"

/* Registries of more projects than this are answered streamed; smaller
 * ones at once by metrics_render(), as they always were. */
#define METRICS_STREAM_AT 4096

struct metrics_stream;

/* NULL on ENOMEM. app borrowed; it must outlive the stream. */
struct metrics_stream *metrics_stream_new(struct app *app);

/* The next piece (*piece malloc'd, the caller frees; NULL with *len 0
 * when a turn only evaluated projects), with projects evaluated at now:
 * 1 more follows, 0 that was the last, or PACED_ENOMEM. */
int metrics_stream_next(struct metrics_stream *s, paced_ms now, char **piece,
			size_t *len);

void metrics_stream_free(struct metrics_stream *s);

#endif
