/*
 * args.h - the command line of pacectl: each command's own options, the
 * options every command takes (--json, --table, --plain, --url,
 * --no-color) and --help. Hand-written rather than getopt because
 * "update ID -5" must read -5 as a number, not as an option.
 */
#ifndef PACECTL_ARGS_H
#define PACECTL_ARGS_H

#include <stdbool.h>

#include "ctl.h"

#define ARGS_MAX_POS 4
#define ARGS_HELP (-1) /* args_parse printed the help: exit 0 */

struct args_opt {
	const char *name;   /* long name without "--"; NULL ends a table */
	char letter;	    /* short form "-m", or 0 */
	const char **value; /* option with an argument: set to it (borrowed
			       from argv); NULL for a flag */
	bool *flag;	    /* flag: set to true */
};

struct args {
	const char *usage;	     /* the command's --help text */
	const struct args_opt *opts; /* may be NULL */
	int min_pos, max_pos;	     /* how many operands are allowed */
	bool numbers;		     /* "-5" and "+5" are operands */
	const char *pos[ARGS_MAX_POS];
	int npos;
};

/*
 * Parses argv[1..argc-1] (argv[0] is the command) into a and ctl. Returns
 * 0 to run the command, ARGS_HELP after writing the help to stdout, or
 * CTL_USAGE after writing what is wrong to stderr.
 */
int args_parse(struct ctl *ctl, struct args *a, int argc, char **argv);

/* The exit code for a non-zero args_parse result. */
int args_exit(int rc);

/*
 * If argv[*i] is an option every command takes, applies it to ctl, moves
 * *i past it (and its value) and returns 1; returns 0 if it is not one,
 * CTL_USAGE (after a message) if its value is missing.
 */
int args_global(struct ctl *ctl, int argc, char **argv, int *i);

/* The lines on the common options, for the help texts. */
extern const char args_common_help[];

#endif
