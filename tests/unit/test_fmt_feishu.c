/*
 * test_fmt_feishu.c - the Feishu channel driver: the signer against the
 * vector of issue 4 (computed from Feishu's documented algorithm), the
 * interactive card for each kind of event, signed or not, a summary and
 * the digest (parsed back and checked field by field), escaping in
 * lark_md, the 20 000-byte limit with notes far too long (never a
 * character cut in half), and the judge on Feishu's own answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fmt_feishu.h"
#include "fmt_testutil.h"

/* Issue 4's vector: seconds. */
#define FEISHU_SECRET "demo"
#define FEISHU_TS 1599360473LL
#define FEISHU_SIGN "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8="
/* When the tests render, in milliseconds. */
#define T_NOW (FEISHU_TS * 1000)

#define FEISHU_URL "https://open.feishu.cn/open-apis/bot/v2/hook/5d1e6c0f"
/* Feishu's limit on a request, as documented. */
#define FEISHU_LIMIT 20000

static struct conf_channel feishu_ch(void)
{
	return (struct conf_channel){
		.name = (char *)"fei",
		.type = (char *)"feishu",
		.url = (char *)FEISHU_URL,
	};
}

/* The card's one lark_md block. */
static const char *feishu_content(const json_t *o)
{
	const json_t *els = json_object_get(json_object_get(o, "card"),
					    "elements");
	const json_t *div = json_array_get(els, 0);

	assert_int_equal(json_array_size(els), 1);
	assert_string_equal(ftu_str(div, "tag"), "div");
	assert_string_equal(ftu_str(div, "text.tag"), "lark_md");
	return ftu_str(div, "text.content");
}

static void test_feishu_registered(void **state)
{
	(void)state;
	ftu_check_driver("feishu", 5, 1000, true);
}

static void test_feishu_sign(void **state)
{
	char sig[FMT_FEISHU_SIGN_MAX];

	(void)state;
	assert_int_equal(fmt_feishu_sign(FEISHU_SECRET, FEISHU_TS, sig,
					 sizeof(sig)),
			 0);
	assert_string_equal(sig, FEISHU_SIGN);
	assert_int_equal(fmt_feishu_sign(FEISHU_SECRET, FEISHU_TS + 1, sig,
					 sizeof(sig)),
			 0);
	assert_string_not_equal(sig, FEISHU_SIGN);
	assert_int_equal(fmt_feishu_sign("demO", FEISHU_TS, sig, sizeof(sig)),
			 0);
	assert_string_not_equal(sig, FEISHU_SIGN);
	assert_int_equal(fmt_feishu_sign("", FEISHU_TS, sig, sizeof(sig)),
			 PACED_EINVAL);
	assert_string_equal(sig, "");
	assert_int_equal(fmt_feishu_sign(FEISHU_SECRET, FEISHU_TS, sig, 44),
			 PACED_ERANGE);
	assert_string_equal(sig, "");
}

static void test_feishu_one_signed(void **state)
{
	static const struct {
		const char *type, *template;
	} t[] = {
		{"project.behind", "red"},     {"project.overdue", "red"},
		{"project.at_risk", "orange"}, {"project.recovered", "green"},
		{"project.done", "green"},     {"project.resumed", "blue"},
	};
	struct conf_channel ch = feishu_ch();
	struct chan_request r;
	struct note n;
	const char *content;
	json_t *o, *card;

	(void)state;
	ch.secret = (char *)FEISHU_SECRET;
	for (size_t i = 0; i < PACED_ARRAY_LEN(t); i++) {
		ftu_event_note(&n, t[i].type, "新增公共停车泊位", "区建设局",
			       "zh-CN");
		o = ftu_render_json(&ch, CHAN_ONE, &n, "zh-CN",
				    FEISHU_TS * 1000 + 999, &r);
		assert_string_equal(r.url, FEISHU_URL);
		assert_string_equal(ftu_str(o, "msg_type"), "interactive");
		/* Issue 4's vector: seconds, as a string. */
		assert_string_equal(ftu_str(o, "timestamp"), "1599360473");
		assert_string_equal(ftu_str(o, "sign"), FEISHU_SIGN);
		card = json_object_get(o, "card");
		assert_string_equal(ftu_str(card, "header.title.tag"),
				    "plain_text");
		assert_string_equal(ftu_str(card, "header.title.content"),
				    n.title);
		assert_string_equal(ftu_str(card, "header.template"),
				    t[i].template);
		content = feishu_content(o);
		for (size_t k = 0; k < n.n_lines; k++)
			assert_non_null(strstr(content, n.lines[k]));
		assert_non_null(strstr(content, "[查看详情](" FTU_LINK ")"));
		assert_true(r.len <= FEISHU_LIMIT);
		json_decref(o);
		chan_request_clear(&r);
		note_clear(&n);
	}
}

static void test_feishu_unsigned_escaped_en(void **state)
{
	struct conf_channel ch = feishu_ch();
	struct chan_request r;
	struct note n;
	const char *content;
	char err[256];
	json_t *o;

	(void)state;
	/* A department name cannot @ everybody or open a tag. */
	ftu_event_note(&n, "project.behind", "Parking <b>",
		       "<at id=all></at> R&D", "en");
	o = ftu_render_json(&ch, CHAN_ONE, &n, "en", T_NOW, &r);
	assert_null(json_object_get(o, "timestamp"));
	assert_null(json_object_get(o, "sign"));
	/* The header is plain text: as it is. */
	assert_string_equal(ftu_str(o, "card.header.title.content"),
			    "[Behind] Parking <b>");
	content = feishu_content(o);
	assert_null(strchr(content, '<'));
	assert_non_null(
		strstr(content, "&lt;at id=all&gt;&lt;/at&gt; R&amp;D"));
	assert_non_null(strstr(content, "[View details](" FTU_LINK ")"));
	json_decref(o);
	chan_request_clear(&r);

	ch.secret = (char *)"";
	assert_int_equal(ftu_render(&ch, CHAN_ONE, &n, "en", T_NOW, &r, err,
				    sizeof(err)),
			 PACED_EINVAL);
	assert_non_null(strstr(err, "secret"));
	chan_request_clear(&r);
	note_clear(&n);
}

static void test_feishu_summary_digest_and_limit(void **state)
{
	struct conf_channel ch = feishu_ch();
	struct chan_request r;
	struct note sum, dig;
	struct ftu_note b;
	const char *content;
	json_t *o;

	(void)state;
	ch.secret = (char *)FEISHU_SECRET;
	ftu_summary_note(&sum, 6, "拆违点位", 0);
	o = ftu_render_json(&ch, CHAN_SUMMARY, &sum, "zh-CN", T_NOW, &r);
	assert_string_equal(ftu_str(o, "card.header.title.content"),
			    "【汇总】6 条项目动态");
	content = feishu_content(o);
	ftu_check_summary_titles(content, 6, "拆违点位", 0);
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&sum);

	ftu_summary_note(&sum, 300, FTU_LONG_TITLE, 0);
	ftu_check_too_big(&ch, CHAN_SUMMARY, &sum, "zh-CN", T_NOW);
	note_clear(&sum);

	ftu_digest_behind(&dig, 400);
	o = ftu_render_json(&ch, CHAN_DIGEST, &dig, "zh-CN", T_NOW, &r);
	assert_true(r.len <= FEISHU_LIMIT);
	assert_true(r.len >= FEISHU_LIMIT - 1000);
	assert_string_equal(ftu_str(o, "card.header.title.content"),
			    dig.title);
	assert_string_equal(ftu_str(o, "card.header.template"), "red");
	assert_non_null(strstr(feishu_content(o), dig.lines[0]));
	assert_non_null(strstr(feishu_content(o), "已省略"));
	/* Still signed. */
	assert_non_null(json_object_get(o, "sign"));
	json_decref(o);
	chan_request_clear(&r);
	note_clear(&dig);

	/* Escaping is counted: a line of '<' grows fourfold. */
	for (size_t lead = 0; lead < 4; lead++) {
		char *line = ftu_mixed_line(lead, 30000);

		/* The ASCII lead as '<', which lark_md gets as "&lt;". */
		memset(line, '<', lead);
		ftu_note_repeat(&b, "【逾期】新增公共停车泊位", line, 2,
				NOTE_BAD);
		o = ftu_render_json(&ch, CHAN_ONE, &b.n, "zh-CN", T_NOW, &r);
		content = feishu_content(o);
		assert_true(r.len <= FEISHU_LIMIT);
		assert_true(r.len >= FEISHU_LIMIT - 8);
		assert_true(ftu_utf8_valid(content, strlen(content)));
		assert_non_null(strstr(content, "…"));
		assert_non_null(strstr(content, "[查看详情](" FTU_LINK ")"));
		json_decref(o);
		chan_request_clear(&r);
		ftu_note_free(&b);
		free(line);
	}
	ftu_note_repeat(&b, "【逾期】新增公共停车泊位", "<<<<<<<<", 5000,
			NOTE_BAD);
	o = ftu_render_json(&ch, CHAN_ONE, &b.n, "zh-CN", T_NOW, &r);
	assert_true(r.len <= FEISHU_LIMIT);
	assert_null(strchr(feishu_content(o), '<'));
	json_decref(o);
	chan_request_clear(&r);
	ftu_note_free(&b);
}

static void test_feishu_judge(void **state)
{
	static const struct ftu_judge_case c[] = {
		{200, 0, "{\"code\":0,\"msg\":\"success\",\"data\":{}}", -1,
		 CHAN_SENT, -1, NULL, NULL},
		/* Older deployments. */
		{200, 0,
		 "{\"Extra\":null,\"StatusCode\":0,\"StatusMessage\":"
		 "\"success\"}",
		 -1, CHAN_SENT, -1, NULL, NULL},
		{200, 0,
		 "{\"code\":11232,\"msg\":\"frequency limited\",\"data\":{}}",
		 -1, CHAN_RETRY, 60, "feishu code 11232", "frequency limited"},
		{200, 0,
		 "{\"code\":19021,\"msg\":\"sign match fail or timestamp is "
		 "not within one hour from current time\",\"data\":{}}",
		 -1, CHAN_DEAD, -1, "19021", "configuration error"},
		{200, 0, "{\"StatusCode\":19021,\"StatusMessage\":\"sign "
			 "match fail\"}",
		 -1, CHAN_DEAD, -1, "feishu code 19021", "sign match fail"},
		{200, 0, "{\"code\":19022,\"msg\":\"Ip Not Allowed\"}", -1,
		 CHAN_DEAD, -1, "19022", "configuration error"},
		{200, 0, "{\"code\":19024,\"msg\":\"Key Words Not Found\"}", -1,
		 CHAN_DEAD, -1, "19024", "configuration error"},
		{200, 0, "{\"code\":9499,\"msg\":\"Bad Request\",\"data\":{}}",
		 -1, CHAN_DEAD, -1, "feishu code 9499: Bad Request", NULL},
		{200, 0, "<html></html>", -1, CHAN_RETRY, -1, "HTTP 200",
		 "code"},
		{200, 0, "[0]", -1, CHAN_RETRY, -1, "HTTP 200", NULL},
		{500, 0, NULL, -1, CHAN_RETRY, -1, "HTTP 500", NULL},
		{400, 0, "{\"code\":9499,\"msg\":\"Bad Request\"}", -1,
		 CHAN_DEAD, -1, "HTTP 400", "9499"},
		{0, 6, NULL, -1, CHAN_RETRY, -1, "Connection refused", NULL},
	};

	(void)state;
	ftu_run_judge_cases("feishu", "Connection refused", c,
			    PACED_ARRAY_LEN(c));
}

/* A long msg is cut to fit, on a character boundary. */
static void test_feishu_judge_long_errmsg(void **state)
{
	(void)state;
	ftu_check_long_why("feishu",
			   "{\"code\":19021,\"msg\":\"%s\",\"data\":{}}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feishu_registered),
		cmocka_unit_test(test_feishu_sign),
		cmocka_unit_test(test_feishu_one_signed),
		cmocka_unit_test(test_feishu_unsigned_escaped_en),
		cmocka_unit_test(test_feishu_summary_digest_and_limit),
		cmocka_unit_test(test_feishu_judge),
		cmocka_unit_test(test_feishu_judge_long_errmsg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
