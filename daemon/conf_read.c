/*
 * conf_read.c - the file as lines: read whole, checked to be UTF-8 text,
 * then handed to inih one physical line at a time so that every message
 * has the line's true number. [section] lines are seen here before inih
 * sees them; key = value lines go to conf_key (conf.c).
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_internal.h"

/* Bytes per line, newline included: long enough for a long list of
 * pauses in Chinese, short enough for inih's line buffer on the stack. */
#define CONF_MAX_LINE 8192
#define CONF_MAX_FILE (16 << 20)

/* A "[section]" line, seen before inih sees it: inih keeps only the first
 * 49 bytes of a section name and says nothing about a section without
 * keys, and both matter ([project.<64-character id>], a [channel.x]
 * without its url). */
static void conf_section_line(struct conf_parse *p, const char *s)
{
	const char *close, *rest;
	char *name;

	if (p->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '[')
		return;
	close = strchr(s, ']');
	if (!close) {
		conf_fail(p, p->line, "\"[\" without \"]\" (allowed: "
				      "[section] on a line of its own)");
		return;
	}
	for (rest = close + 1; isspace((unsigned char)*rest); rest++)
		;
	if (*rest && *rest != ';' && *rest != '#') {
		conf_fail(p, p->line, "text after \"]\" (allowed: [section] "
				      "on a line of its own, or a ; comment)");
		return;
	}
	name = strndup(s + 1, (size_t)(close - s - 1));
	if (!name) {
		conf_nomem(p);
		return;
	}
	conf_section_begin(p, name);
	free(name);
}

/* Well-formed UTF-8 (JSON strings must be) without control characters,
 * which are always a mistake in a config file; CR only before LF. */
static bool conf_text_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], k;
		uint32_t cp, min;

		if (c < 0x80) {
			bool crlf = c == '\r' &&
				    (i + 1 == n || s[i + 1] == '\n');

			if ((c < 0x20 && c != '\t' && c != '\n' && !crlf) ||
			    c == 0x7f)
				return false;
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			k = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (unsigned j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* inih's reader: one physical line per call, so inih's line numbers are
 * ours; a line that does not fit is an error, never split in two. */
static char *conf_read_line(char *str, int num, void *stream)
{
	struct conf_parse *p = stream;
	const char *s, *nl;
	size_t n;

	if (p->rc || p->pos >= p->len)
		return NULL;
	s = p->buf + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	n = nl ? (size_t)(nl - s) + 1 : p->len - p->pos;
	p->pos += n;
	p->line++;
	if (num < 3 || n > (size_t)num - 2) {
		conf_fail(p, p->line, "line longer than %d bytes",
			  num < 3 ? 0 : num - 3);
		return NULL;
	}
	if (!conf_text_ok((const unsigned char *)s, n)) {
		conf_fail(p, p->line, "not UTF-8 text, or a control "
				      "character");
		return NULL;
	}
	memcpy(str, s, n);
	str[n] = '\0';
	conf_section_line(p, str);
	return p->rc ? NULL : str;
}

/* inih's handler: the checks of the line itself; the key is conf.c's. */
static int conf_read_on_key(void *user, const char *section,
			    const char *name, const char *value)
{
	struct conf_parse *p = user;
	char q[72];

	if (p->rc)
		return 0;
	if (p->sec == CONF_SEC_NONE || !*name) {
		conf_fail(p, p->line,
			  "%s%s: %s (allowed: key = value lines after a "
			  "[section] line)",
			  conf_err_quote(name, q), *name ? "" : "\"\"",
			  *name ? "key outside any section" : "no key");
		return 0;
	}
	/* inih keeps only the first 49 bytes of a section name; they must
	 * be the start of ours. */
	if (!*section || strncmp(section, p->sec_name, strlen(section))) {
		conf_fail(p, p->line, "[%s]: inih saw the section as [%s]",
			  p->sec_name, section);
		return 0;
	}
	return conf_key(p, name, value) == 0;
}

/* inih refuses only lines that are neither blank, a comment, a [section]
 * (those are ours) nor key = value. */
static void conf_syntax_error(struct conf_parse *p, int line)
{
	const char *s = p->buf, *end = p->buf + p->len, *nl;
	char text[256], q[72];

	for (int l = 1; s && l < line; l++) {
		nl = memchr(s, '\n', (size_t)(end - s));
		s = nl ? nl + 1 : NULL;
	}
	if (!s)
		s = end;
	nl = memchr(s, '\n', (size_t)(end - s));
	snprintf(text, sizeof(text), "%.*s",
		 (int)((nl ? nl : end) - s), s);
	conf_fail(p, line,
		  "\"%s\": not a line inih understands (allowed: key = "
		  "value, [section], ; comment, # comment)",
		  conf_err_quote(conf_value_trim(text), q));
}

struct conf_inih {
	bool multiline, inline_comments, bom, use_stack, no_value, stop;
	int max_line;
	char *inline_prefixes, *start_prefixes;
};

static char conf_inline_prefixes[] = ";";
static char conf_start_prefixes[] = ";#";

/*
 * Debian's inih makes its build options process-wide variables. Set every
 * one that changes what we see, and put them back afterwards, so that
 * neither we nor any other user of the library depends on the other.
 * Multi-line values are off: with them an indented "key = value" line
 * would silently continue the key above it. Because of these variables,
 * conf_load must not run on two threads at once.
 */
static void conf_inih_set(struct conf_inih *saved)
{
	saved->multiline = ini_allow_multiline;
	saved->inline_comments = ini_allow_inline_comments;
	saved->bom = ini_allow_bom;
	saved->use_stack = ini_use_stack;
	saved->no_value = ini_allow_no_value;
	saved->stop = ini_stop_on_first_error;
	saved->max_line = ini_max_line;
	saved->inline_prefixes = ini_inline_comment_prefixes;
	saved->start_prefixes = ini_start_comment_prefixes;
	ini_allow_multiline = false;
	ini_allow_inline_comments = true;
	ini_allow_bom = true;
	ini_use_stack = true;
	ini_allow_no_value = false;
	ini_stop_on_first_error = true;
	ini_max_line = CONF_MAX_LINE;
	ini_inline_comment_prefixes = conf_inline_prefixes;
	ini_start_comment_prefixes = conf_start_prefixes;
}

static void conf_inih_restore(const struct conf_inih *saved)
{
	ini_allow_multiline = saved->multiline;
	ini_allow_inline_comments = saved->inline_comments;
	ini_allow_bom = saved->bom;
	ini_use_stack = saved->use_stack;
	ini_allow_no_value = saved->no_value;
	ini_stop_on_first_error = saved->stop;
	ini_max_line = saved->max_line;
	ini_inline_comment_prefixes = saved->inline_prefixes;
	ini_start_comment_prefixes = saved->start_prefixes;
}

int conf_read_file(struct conf_parse *p, const char *path, char **out,
		   size_t *out_len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL, *grown;
	size_t n = 0, cap = 0, got;

	if (!f) {
		conf_err(p, PACED_EIO, 0, "cannot open: %s", strerror(errno));
		return p->rc;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= CONF_MAX_FILE) {
				conf_fail(p, 0, "larger than %d MiB",
					  CONF_MAX_FILE >> 20);
				break;
			}
			cap = cap ? cap * 2 : 16384;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				conf_nomem(p);
				break;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				conf_err(p, PACED_EIO, 0, "cannot read: %s",
					 strerror(errno));
			break;
		}
	}
	fclose(f);
	if (p->rc) {
		free(buf);
		return p->rc;
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return 0;
}

int conf_read_parse(struct conf_parse *p)
{
	struct conf_inih saved;
	int iret;

	conf_inih_set(&saved);
	iret = ini_parse_stream(conf_read_line, p, conf_read_on_key, p);
	conf_inih_restore(&saved);
	if (!p->rc && iret > 0)
		conf_syntax_error(p, iret);
	else if (!p->rc && iret < 0)
		conf_nomem(p);
	return p->rc;
}
