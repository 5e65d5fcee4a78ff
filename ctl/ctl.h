/*
 * ctl.h - pacectl, the command-line client of paced's HTTP API: what every
 * part of it shares. The exit codes are a contract with scripts (they are
 * documented in doc/pacectl.1); struct ctl carries the settings of one run.
 */
#ifndef PACECTL_CTL_H
#define PACECTL_CTL_H

#include <stdbool.h>

enum ctl_exit {
	CTL_OK = 0,	     /* done */
	CTL_REFUSED = 1,     /* paced answered 4xx: the request was refused */
	CTL_USAGE = 2,	     /* bad command line: nothing was sent */
	CTL_UNREACHABLE = 3, /* no answer, a timeout, 5xx or a garbled answer */
	CTL_LOCAL = 4	     /* a local failure: unreadable file, no memory */
};

/* How results are written to standard output. */
enum ctl_format {
	CTL_FORMAT_TABLE, /* aligned columns and progress bars (a terminal) */
	CTL_FORMAT_PLAIN, /* one tab-separated record a line (a pipe) */
	CTL_FORMAT_JSON	  /* the server's JSON as it came */
};

struct ctl {
	const char *url;   /* PACED_URL or --url, borrowed from env/argv */
	const char *token; /* PACED_TOKEN; NULL: send no Authorization */
	enum ctl_format format;
	bool color;  /* ANSI colours for statuses (table on a terminal) */
	int columns; /* width of the terminal; 0: unlimited */
};

#define PACECTL_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The commands (cmd_*.c). argv[0] is the command's name; each returns an
 * enum ctl_exit. */
int cmd_list(struct ctl *ctl, int argc, char **argv);
int cmd_show(struct ctl *ctl, int argc, char **argv);
int cmd_update(struct ctl *ctl, int argc, char **argv);
int cmd_import(struct ctl *ctl, int argc, char **argv);
int cmd_events(struct ctl *ctl, int argc, char **argv);
int cmd_silence(struct ctl *ctl, int argc, char **argv);

#endif
