/* message.c - the words alerts share: labels, numbers for people; the
 * texts themselves are built in note.c. */
#include "message.h"

#include "note.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum message_lang message_lang_parse(const char *name)
{
	return name && strncmp(name, "en", 2) == 0 ? MESSAGE_EN : MESSAGE_ZH;
}

static const struct {
	const char *type;
	const char *zh;
	const char *en;
} labels[] = {
	{"project.behind", "【落后】", "[Behind]"},
	{"project.at_risk", "【预警】", "[At risk]"},
	{"project.overdue", "【逾期】", "[Overdue]"},
	{"project.recovered", "【恢复】", "[Recovered]"},
	{"project.done", "【完成】", "[Done]"},
	{"project.stale", "【未报送】", "[No report]"},
	{"project.resumed", "【恢复报送】", "[Reporting resumed]"},
	{"project.reminder", "【提醒】", "[Reminder]"},
};

const char *message_label(const char *type, enum message_lang lang)
{
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(type, labels[i].type) == 0)
			return lang == MESSAGE_EN ? labels[i].en : labels[i].zh;
	return lang == MESSAGE_EN ? "[Update]" : "【通知】";
}

static const struct {
	const char *status;
	const char *zh;
	const char *en;
} status_labels[] = {
	{"done", "完成", "Done"},
	{"overdue", "逾期", "Overdue"},
	{"not_started", "未开始", "Not started"},
	{"behind", "落后", "Behind"},
	{"at_risk", "预警", "At risk"},
	{"on_track", "正常", "On track"},
	{"stale", "未按时报送", "Stale"},
};

const char *message_status_label(const char *status, enum message_lang lang)
{
	for (size_t i = 0; i < PACED_ARRAY_LEN(status_labels); i++)
		if (strcmp(status, status_labels[i].status) == 0)
			return lang == MESSAGE_EN ? status_labels[i].en
						  : status_labels[i].zh;
	return status;
}

const char *message_link_label(enum message_lang lang)
{
	return lang == MESSAGE_EN ? "View details" : "查看详情";
}

const char *message_left_out(enum message_lang lang)
{
	return lang == MESSAGE_EN ? "(message too long: the rest is left out)"
				  : "（消息过长，其余内容已省略）";
}

char *message_number(double v, char *out, size_t len)
{
	char *p;

	if (!isfinite(v))
		v = 0;
	snprintf(out, len, "%.2f", round(v * 100) / 100);
	p = out + strlen(out) - 1;
	while (p > out && *p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
	if (strcmp(out, "-0") == 0)
		snprintf(out, len, "0");
	return out;
}

char *message_text(const char *type, const json_t *project,
		   enum message_lang lang, const char *public_url)
{
	struct note n;
	char *t;

	if (note_event(&n, type, project, lang == MESSAGE_EN ? "en" : "zh-CN",
		       public_url) < 0)
		return NULL;
	t = n.text;
	n.text = NULL;
	note_clear(&n);
	return t;
}
