/* answer.c - the meaning of paced's answers, and its errors for people. */
#include "answer.h"

#include <stdlib.h>
#include <string.h>

#include "msg.h"

void answer_print_json(const struct reply *r)
{
	fwrite(r->body, 1, r->len, stdout);
	if (r->len == 0 || r->body[r->len - 1] != '\n')
		fputc('\n', stdout);
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * One bad item on a line of its own, where it is first:
 *   FILE:12: column value: MESSAGE      (a CSV row: line, column name)
 *   FILE:12:3: MESSAGE                  (line and column number)
 *   updates[4].value: MESSAGE           (a JSON batch: index, field)
 * With a line, "field" only repeats it in words and is left out.
 */
static void print_item(const json_t *item, const char *what)
{
	const json_t *line = json_object_get(item, "line");
	const json_t *col = json_object_get(item, "column");
	const json_t *index = json_object_get(item, "index");
	const char *field = str(item, "field");
	const char *msg = str(item, "message"), *code = str(item, "code");

	fputs("  ", stderr);
	msg_clean(stderr, what ? what : "updates");
	if (json_is_integer(line)) {
		fprintf(stderr, ":%lld", (long long)json_integer_value(line));
		if (json_is_integer(col))
			fprintf(stderr, ":%lld",
				(long long)json_integer_value(col));
		if (json_is_string(col)) {
			fputs(": column ", stderr);
			msg_clean(stderr, json_string_value(col));
		}
	} else {
		if (json_is_integer(index))
			fprintf(stderr, "[%lld]",
				(long long)json_integer_value(index));
		if (field && *field) {
			fputc('.', stderr);
			msg_clean(stderr, field);
		}
	}
	fputs(": ", stderr);
	msg_clean(stderr, msg ? msg : code ? code : "invalid");
	fputc('\n', stderr);
}

/* An answer that is not paced's JSON error (a proxy's page, say): its
 * first line, shortened. */
static void print_foreign(const struct reply *r)
{
	char head[201];
	size_t n = 0;

	while (n < r->len && n < sizeof(head) - 1 && r->body[n] != '\n' &&
	       r->body[n] != '\r') {
		head[n] = r->body[n];
		n++;
	}
	head[n] = '\0';
	fprintf(stderr, "pacectl: HTTP %ld", r->status);
	if (n) {
		fputs(": ", stderr);
		msg_clean(stderr, head);
	}
	fputc('\n', stderr);
}

static void print_error(const struct ctl *ctl, const struct reply *r,
			const char *what)
{
	const json_t *e = json_object_get(r->json, "error");
	const json_t *items = json_object_get(e, "items");
	const char *code = str(e, "code"), *msg = str(e, "message");
	const char *field = str(e, "field");
	size_t i;

	if (!json_is_object(e)) {
		print_foreign(r);
		return;
	}
	fprintf(stderr, "pacectl: HTTP %ld", r->status);
	if (code) {
		fputc(' ', stderr);
		msg_clean(stderr, code);
	}
	fputs(": ", stderr);
	msg_clean(stderr, msg ? msg : "(no message)");
	/* With items, each names its own place. */
	if (field && *field && !json_array_size(items)) {
		fputs(" (field: ", stderr);
		msg_clean(stderr, field);
		fputc(')', stderr);
	}
	fputc('\n', stderr);
	for (i = 0; i < json_array_size(items); i++)
		print_item(json_array_get(items, i), what);
	if (r->status == 401 && !(ctl->token && *ctl->token))
		msg_error("this server wants a token: set PACED_TOKEN");
}

int answer_outcome(const struct ctl *ctl, const struct reply *r,
		   const char *what)
{
	if (r->status >= 200 && r->status < 300) {
		if (r->json || (r->status == 204 && r->len == 0))
			return CTL_OK;
		msg_error("HTTP %ld, but the answer is not JSON: is %s paced?",
			  r->status, ctl->url);
		return CTL_UNREACHABLE;
	}
	if (ctl->format == CTL_FORMAT_JSON && r->json)
		answer_print_json(r);
	print_error(ctl, r, what);
	return r->status >= 400 && r->status < 500 ? CTL_REFUSED
						   : CTL_UNREACHABLE;
}

int answer_finish(const struct ctl *ctl, int rc, struct reply *r,
		  const char *what,
		  void (*show)(const struct ctl *ctl, const struct reply *r,
			       void *data),
		  void *data)
{
	if (rc == CTL_OK)
		rc = answer_outcome(ctl, r, what);
	if (rc == CTL_OK && ctl->format == CTL_FORMAT_JSON)
		answer_print_json(r);
	else if (rc == CTL_OK)
		show(ctl, r, data);
	reply_free(r);
	return rc;
}
