/* args.c - parsing the command line of one pacectl command. */
#include "args.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

const char args_common_help[] =
    "Options every command takes:\n"
    "  --json       print the server's JSON answer as it came\n"
    "  --table      aligned columns with progress bars, even when the\n"
    "               output is not a terminal (the default on one)\n"
    "  --plain      tab-separated lines (the default when piped)\n"
    "  --no-color   no colours (also NO_COLOR=1)\n"
    "  --url URL    the server (default: $PACED_URL, else\n"
    "               http://127.0.0.1:8080; unix:/PATH for a unix socket)\n"
    "  -h, --help   this help\n";

int args_exit(int rc)
{
	return rc == ARGS_HELP ? CTL_OK : rc;
}

/* "--name=value" or "--name value": the value, moving *i past it. */
static int take_value(int argc, char **argv, int *i, const char *name,
		      const char *eq, const char **out)
{
	if (eq) {
		*out = eq + 1;
		return 0;
	}
	if (*i + 1 >= argc) {
		msg_error("option %s needs a value", name);
		return CTL_USAGE;
	}
	*out = argv[++*i];
	return 0;
}

/* The option name of "--name=value" matches name exactly. */
static bool long_is(const char *arg, const char *name, const char **eq)
{
	size_t n = strlen(name);

	if (strncmp(arg + 2, name, n) != 0)
		return false;
	if (arg[2 + n] == '\0') {
		*eq = NULL;
		return true;
	}
	if (arg[2 + n] == '=') {
		*eq = arg + 2 + n;
		return true;
	}
	return false;
}

int args_global(struct ctl *ctl, int argc, char **argv, int *i)
{
	const char *arg = argv[*i], *eq;

	if (strncmp(arg, "--", 2) != 0)
		return 0;
	if (strcmp(arg, "--json") == 0)
		ctl->format = CTL_FORMAT_JSON;
	else if (strcmp(arg, "--table") == 0)
		ctl->format = CTL_FORMAT_TABLE;
	else if (strcmp(arg, "--plain") == 0)
		ctl->format = CTL_FORMAT_PLAIN;
	else if (strcmp(arg, "--no-color") == 0)
		ctl->color = false;
	else if (long_is(arg, "url", &eq)) {
		if (take_value(argc, argv, i, "--url", eq, &ctl->url))
			return CTL_USAGE;
	} else
		return 0;
	(*i)++;
	return 1;
}

/* A number written as an operand: 12, 3.5, +5, -5, 1e3. */
static bool is_number(const char *s)
{
	char *end;
	double v;

	if (!*s || !(s[0] == '+' || s[0] == '-' || s[0] == '.' ||
		     (s[0] >= '0' && s[0] <= '9')))
		return false;
	v = strtod(s, &end);
	return end != s && *end == '\0' && isfinite(v);
}

static const struct args_opt *find_long(const struct args_opt *o,
					const char *arg, const char **eq)
{
	for (; o && o->name; o++)
		if (long_is(arg, o->name, eq))
			return o;
	return NULL;
}

static const struct args_opt *find_short(const struct args_opt *o, char c)
{
	for (; o && o->name; o++)
		if (o->letter && o->letter == c)
			return o;
	return NULL;
}

/* Applies the option o found at argv[*i]; eq is its "=value" (long form)
 * or the letters after "-m" (short form), else NULL. */
static int apply(const struct args_opt *o, int argc, char **argv, int *i,
		 const char *eq, const char *shown)
{
	if (o->flag) {
		if (eq) {
			msg_error("option %s takes no value", shown);
			return CTL_USAGE;
		}
		*o->flag = true;
		return 0;
	}
	return take_value(argc, argv, i, shown, eq, o->value);
}

static int add_operand(struct args *a, const char *cmd, const char *arg)
{
	if (a->npos >= a->max_pos || a->npos >= ARGS_MAX_POS) {
		msg_error(
		    "%s: unexpected argument '%s' (see pacectl %s --help)", cmd,
		    arg, cmd);
		return CTL_USAGE;
	}
	a->pos[a->npos++] = arg;
	return 0;
}

static int one(struct ctl *ctl, struct args *a, int argc, char **argv, int *i)
{
	const char *arg = argv[*i], *eq = NULL;
	const struct args_opt *o;
	int rc;

	if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
		fputs(a->usage, stdout);
		fputs(args_common_help, stdout);
		return ARGS_HELP;
	}
	rc = args_global(ctl, argc, argv, i);
	if (rc == 1)
		return 0;
	if (rc)
		return rc;
	if (arg[0] != '-' || arg[1] == '\0' || (a->numbers && is_number(arg))) {
		rc = add_operand(a, argv[0], arg);
		(*i)++;
		return rc;
	}
	if (arg[1] == '-')
		o = find_long(a->opts, arg, &eq);
	else {
		o = find_short(a->opts, arg[1]);
		eq = arg[2] ? arg + 1 : NULL; /* "-mNOTE": eq + 1 is NOTE */
	}
	if (!o) {
		msg_error("%s: unknown option '%s' (see pacectl %s --help)",
			  argv[0], arg, argv[0]);
		return CTL_USAGE;
	}
	rc = apply(o, argc, argv, i, eq, arg);
	(*i)++;
	return rc;
}

int args_parse(struct ctl *ctl, struct args *a, int argc, char **argv)
{
	int i = 1, rc;
	bool operands_only = false;

	a->npos = 0;
	while (i < argc) {
		if (operands_only) {
			if ((rc = add_operand(a, argv[0], argv[i++])))
				return rc;
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			operands_only = true;
			i++;
			continue;
		}
		if ((rc = one(ctl, a, argc, argv, &i)))
			return rc;
	}
	if (a->npos < a->min_pos) {
		msg_error("%s: missing argument (see pacectl %s --help)",
			  argv[0], argv[0]);
		return CTL_USAGE;
	}
	return 0;
}
