/*
 * conf_text.h - a configuration read from text in memory rather than from
 * a file on disk, for the fuzz targets. conf_load() takes only a path, so
 * the text goes into an anonymous memory file (memfd) and conf_load()
 * reads it by its /proc/self/fd path: the daemon is fuzzed unchanged.
 */
#ifndef PACED_FUZZ_CONF_TEXT_H
#define PACED_FUZZ_CONF_TEXT_H

#include <stddef.h>

#include "conf.h"

/* conf_load() of len bytes of text: 0 and *out, or PACED_E* with err
 * filled as conf_load() fills it (PACED_EIO when the memfd failed). */
int conf_text_load(const char *text, size_t len, struct conf **out,
		   char *err, size_t errlen);

#endif
