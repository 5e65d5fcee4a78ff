/* main.c - pacectl: settings from the environment, then one command. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "args.h"
#include "ctl.h"
#include "msg.h"
#include "paced.h"
#include "width.h"

#define DEFAULT_URL "http://127.0.0.1:8080"

static const struct command {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
	const char *summary;
} commands[] = {
    {"list", cmd_list, "every project: status, progress bar, value, due"},
    {"show", cmd_show, "one project in full, with its latest updates"},
    {"update", cmd_update, "report progress: VALUE, +DELTA or -DELTA"},
    {"import", cmd_import, "post a CSV file of updates, all or none"},
    {"events", cmd_events, "status changes and where they were delivered"},
    {"silence", cmd_silence, "hold back a project's or a tag's alerts"},
};

static void usage(FILE *out)
{
	fputs("usage: pacectl [OPTIONS] COMMAND [ARGS]\n"
	      "\n"
	      "The command-line client of paced, the progress-tracking "
	      "daemon.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < PACECTL_LEN(commands); i++)
		fprintf(out, "  %-9s%s\n", commands[i].name,
			commands[i].summary);
	fputs("\n", out);
	fputs(args_common_help, out);
	fputs(
	    "  --version    the version\n"
	    "\n"
	    "Environment: PACED_URL (the server), PACED_TOKEN (sent as\n"
	    "Authorization: Bearer), PACED_TIMEOUT (seconds a request may\n"
	    "take, default 60), NO_COLOR.\n"
	    "Exit status: 0 done; 1 paced refused the request (4xx, its\n"
	    "message on stderr); 2 bad command line; 3 paced could not be\n"
	    "reached, timed out or failed (5xx); 4 a local failure.\n"
	    "\"pacectl COMMAND --help\" describes each command; man pacectl.\n",
	    out);
}

/* Terminal width for shortening titles: the tty's, else $COLUMNS. */
static int terminal_columns(bool tty)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	char *end;
	long n;

	if (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	if (env && *env) {
		n = strtol(env, &end, 10);
		if (!*end && n > 0 && n < 10000)
			return (int)n;
	}
	return 0;
}

static void defaults(struct ctl *ctl)
{
	bool tty = isatty(STDOUT_FILENO);
	const char *term = getenv("TERM"), *no_color = getenv("NO_COLOR");

	ctl->url = getenv("PACED_URL");
	if (!ctl->url || !*ctl->url)
		ctl->url = DEFAULT_URL;
	ctl->token = getenv("PACED_TOKEN");
	ctl->format = tty ? CTL_FORMAT_TABLE : CTL_FORMAT_PLAIN;
	ctl->color = tty && !(no_color && *no_color) &&
		     !(term && strcmp(term, "dumb") == 0);
	ctl->columns = terminal_columns(tty);
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < PACECTL_LEN(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* "pacectl help [COMMAND]". */
static int help(struct ctl *ctl, int argc, char **argv)
{
	static char help_flag[] = "--help";
	const struct command *c = argc > 1 ? find(argv[1]) : NULL;
	char *sub[] = {argc > 1 ? argv[1] : NULL, help_flag, NULL};

	if (argc <= 1) {
		usage(stdout);
		return CTL_OK;
	}
	if (!c) {
		msg_error("no command '%s' (see pacectl --help)", argv[1]);
		return CTL_USAGE;
	}
	return c->run(ctl, 2, sub);
}

int main(int argc, char **argv)
{
	struct ctl ctl = {0};
	const struct command *c;
	int i = 1, rc;

	width_init();
	defaults(&ctl);
	/* Options before the command apply to it as if written after. */
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return CTL_OK;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("pacectl %s\n", PACED_VERSION);
			return CTL_OK;
		}
		rc = args_global(&ctl, argc, argv, &i);
		if (rc == 0) {
			msg_error("unknown option '%s' (see pacectl --help)",
				  argv[i]);
			return CTL_USAGE;
		}
		if (rc != 1)
			return rc;
	}
	if (i >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return help(&ctl, argc - i, argv + i);
	if (!(c = find(argv[i]))) {
		msg_error("no command '%s' (see pacectl --help)", argv[i]);
		return CTL_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		msg_error("cannot initialise libcurl");
		return CTL_LOCAL;
	}
	rc = c->run(&ctl, argc - i, argv + i);
	curl_global_cleanup();
	if (fflush(stdout) != 0 && rc == CTL_OK) {
		msg_error("cannot write the output");
		rc = CTL_LOCAL;
	}
	return rc;
}
