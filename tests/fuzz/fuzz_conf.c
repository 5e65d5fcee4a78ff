/*
 * fuzz_conf.c - libFuzzer target for the configuration parser: the input
 * is a whole configuration file, read by conf_load() (inih, the option
 * table, every value checker). A file that loads has its [project.ID]
 * definitions validated as the daemon validates them at start-up
 * (project_def_parse), so the JSON conf.c builds from INI values is
 * fuzzed too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "conf.h"
#include "conf_text.h"
#include "log.h"
#include "project.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LVL_ERR);
	/* Days in definitions are read in TZ; the daemon sets it from
	 * [server] timezone, which would make one input's zone leak into
	 * the next. */
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c;
	char err[1024];

	if (conf_text_load((const char *)data, size, &c, err, sizeof(err)) < 0)
		return 0;
	for (size_t i = 0; i < c->n_projects; i++) {
		const struct conf_project *cp = &c->projects[i];
		struct project_def *def;
		struct field_error fe;

		if (project_def_parse(cp->id, cp->def, c->at_risk, c->behind,
				      &def, &fe) == 0)
			project_def_free(def);
	}
	conf_free(c);
	return 0;
}
