/*
 * fmt_text.c - building, measuring and shortening the text of a channel
 * message (see fmt_text.h).
 */
#include "fmt_text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "paced.h"

/* ---- a growing string --------------------------------------------------- */

/* Most messages are a few hundred bytes; doubling from there keeps the
 * number of reallocations small for the 20 KB ones. */
#define FMT_TEXT_FIRST_CAP 512

void fmt_text_add_grow(struct fmt_text *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (arr_grow(&b->p, &b->cap, b->len + n + 1, 1, FMT_TEXT_FIRST_CAP)) {
		b->nomem = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void fmt_text_str(struct fmt_text *b, const char *s)
{
	fmt_text_add(b, s, strlen(s));
}

char *fmt_text_finish(struct fmt_text *b, size_t *len)
{
	char *p;

	/* Nothing appended is the empty string, not a failure. */
	if (!b->p)
		fmt_text_add(b, "", 0);
	p = b->nomem ? NULL : b->p;
	if (!p)
		free(b->p);
	if (p && len)
		*len = b->len;
	*b = (struct fmt_text){0};
	return p;
}

/* ---- UTF-8: measuring and cutting -------------------------------------- */

static bool fmt_text_continuation(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

size_t fmt_text_char_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;

	for (size_t i = 1; i < n; i++)
		if (!fmt_text_continuation(s[i]))
			return i;
	return n;
}

size_t fmt_text_utf8_len(const unsigned char *s, const unsigned char *end)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if ((size_t)(end - s) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return n;
}

size_t fmt_text_prefix(const char *s, size_t len, size_t max)
{
	size_t k = len < max ? len : max;

	/* Step back over continuation bytes so no character is split. */
	if (k < len)
		while (k > 0 && fmt_text_continuation(s[k]))
			k--;
	return k;
}

size_t fmt_text_copy_prefix(const char *s, size_t len, char *out, size_t n)
{
	size_t k = fmt_text_prefix(s, len, n - 1);

	memcpy(out, s, k);
	out[k] = '\0';
	return k;
}

size_t fmt_text_drop_cut_char(char *s, size_t len)
{
	size_t lead = len;
	unsigned char c;

	/* Back over the continuation bytes at the end to their lead byte. */
	while (lead > 0 && fmt_text_continuation(s[lead - 1]))
		lead--;
	if (lead == 0 || (unsigned char)s[lead - 1] < 0xC0)
		return len; /* ends with ASCII or stray bytes: nothing cut */
	c = (unsigned char)s[--lead];
	if ((size_t)(c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4) > len - lead) {
		s[lead] = '\0';
		return lead;
	}
	return len;
}

size_t fmt_text_copy_valid(const char *s, char *out, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + strlen(s);
	size_t k = 0;

	while (p < end) {
		size_t c = fmt_text_utf8_len(p, end);

		if (c == 0) {
			if (k + 4 >= n)
				break;
			snprintf(out + k, 5, "\\x%02X", *p);
			k += 4;
			p++;
			continue;
		}
		if (k + c >= n)
			break;
		memcpy(out + k, p, c);
		k += c;
		p += c;
	}
	out[k] = '\0';
	return k;
}

size_t fmt_text_utf16(const char *s, size_t k, bool bol)
{
	(void)s;
	(void)bol;
	return k == 4 ? 2 : 1;
}

size_t fmt_text_cost(const char *s, fmt_text_cost_fn cost)
{
	size_t n = 0;
	bool bol = true;

	while (*s) {
		size_t k = fmt_text_char_len(s);

		n += cost(s, k, bol);
		bol = *s == '\n';
		s += k;
	}
	return n;
}

size_t fmt_text_cut_len(const char *s, size_t cap, fmt_text_cost_fn cost,
			bool *ellipsis)
{
	size_t ell = fmt_text_cost(FMT_TEXT_ELLIPSIS, cost), used = 0, i = 0;
	bool bol = true;

	*ellipsis = false;
	if (fmt_text_cost(s, cost) <= cap)
		return strlen(s);
	while (s[i]) {
		size_t k = fmt_text_char_len(s + i);
		size_t c = cost(s + i, k, bol);

		if (used + c + ell > cap)
			break;
		used += c;
		bol = s[i] == '\n';
		i += k;
	}
	/* A cap below an ellipsis's own cost gets nothing at all. */
	*ellipsis = cap >= ell;
	return i;
}

char *fmt_text_cut(const char *s, size_t cap, fmt_text_cost_fn cost)
{
	bool ellipsis;
	size_t i = fmt_text_cut_len(s, cap, cost, &ellipsis);
	char *out = malloc(i + sizeof(FMT_TEXT_ELLIPSIS));

	if (!out)
		return NULL;
	memcpy(out, s, i);
	out[i] = '\0';
	if (ellipsis)
		memcpy(out + i, FMT_TEXT_ELLIPSIS, sizeof(FMT_TEXT_ELLIPSIS));
	return out;
}

/* ---- fitting a message's lines into a limit ---------------------------- */

static size_t fmt_text_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* What the lines cost with each cut to cap, per_line included. */
static size_t fmt_text_capped(const size_t *cost, size_t n, size_t cap,
			      size_t per_line)
{
	size_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += fmt_text_min(cost[i], cap) + per_line;
	return sum;
}

int fmt_text_fit_lines(char *const *lines, size_t n, size_t budget,
		       bool keep_all, const struct fmt_text_fit *fit,
		       char ***out, size_t *n_out)
{
	size_t *cost = calloc(n ? n : 1, sizeof(*cost));
	size_t cap = SIZE_MAX, keep = n, total = 0, max = 0;
	bool ellipsis = false;
	char **l = NULL;
	int err = PACED_ENOMEM;

	*out = NULL;
	*n_out = 0;
	if (!cost)
		return err;
	for (size_t i = 0; i < n; i++) {
		cost[i] = fmt_text_cost(lines[i], fit->cost);
		total += cost[i] + fit->per_line;
		if (cost[i] > max)
			max = cost[i];
	}
	if (total > budget) {
		size_t lo = fit->min_cap, hi = max;

		if (fmt_text_capped(cost, n, lo, fit->per_line) <= budget) {
			/* The largest cap that fits: the sum grows with it. */
			while (lo < hi) {
				size_t mid = lo + (hi - lo + 1) / 2;

				if (fmt_text_capped(cost, n, mid,
						    fit->per_line) <= budget)
					lo = mid;
				else
					hi = mid - 1;
			}
			cap = lo;
		} else if (keep_all) {
			err = PACED_E2BIG;
			goto fail;
		} else {
			/* The ellipsis line that says lines were left out. */
			size_t used =
			    fmt_text_cost(FMT_TEXT_ELLIPSIS, fit->cost) +
			    fit->per_line;

			cap = fit->min_cap;
			ellipsis = used <= budget;
			for (keep = 0; keep < n && ellipsis; keep++) {
				size_t c = fmt_text_min(cost[keep], cap) +
					   fit->per_line;

				if (used + c > budget)
					break;
				used += c;
			}
		}
	}
	l = calloc(keep + 1, sizeof(*l));
	if (!l)
		goto fail;
	for (size_t i = 0; i < keep; i++)
		if (!(l[i] = fmt_text_cut(lines[i], cap, fit->cost)))
			goto fail;
	if (ellipsis && !(l[keep++] = strdup(FMT_TEXT_ELLIPSIS)))
		goto fail;
	*out = l;
	*n_out = keep;
	free(cost);
	return 0;
fail:
	if (l)
		fmt_text_free_lines(l, keep + 1);
	free(cost);
	return err;
}

void fmt_text_free_lines(char **lines, size_t n)
{
	for (size_t i = 0; lines && i < n; i++)
		free(lines[i]);
	free(lines);
}

struct fmt_text_head {
	fmt_text_render_fn render;
	const void *ctx;
	size_t max;
};

/* 1 when the message with (keep, cut) is within the limit, 0 when not,
 * PACED_ENOMEM. */
static int fmt_text_head_fits(const struct fmt_text_head *h, size_t keep,
			      size_t cut)
{
	size_t len = 0;
	char *s = h->render(h->ctx, keep, cut, &len);

	if (!s)
		return PACED_ENOMEM;
	free(s);
	return len <= h->max;
}

/*
 * Binary search over one of keep and cut (*v points at it): the message
 * fits with *v as it is and not with hi; leaves *v at the largest value
 * below hi that fits. 0 or PACED_ENOMEM.
 */
static int fmt_text_head_most(const struct fmt_text_head *h, size_t *keep,
			      size_t *cut, size_t *v, size_t hi)
{
	size_t lo = *v;
	int rc;

	while (hi - lo > 1) {
		*v = lo + (hi - lo) / 2;
		rc = fmt_text_head_fits(h, *keep, *cut);
		if (rc < 0)
			return rc;
		if (rc)
			lo = *v;
		else
			hi = *v;
	}
	*v = lo;
	return 0;
}

int fmt_text_fit_head(char *const *lines, size_t n, size_t max, bool keep_all,
		      fmt_text_render_fn render, const void *ctx, char **out,
		      size_t *len)
{
	const struct fmt_text_head h = {render, ctx, max};
	size_t keep = 0, cut = 0;
	int rc;

	*out = render(ctx, n, 0, len);
	if (!*out)
		return PACED_ENOMEM;
	if (*len <= max)
		return 0;
	free(*out);
	*out = NULL;
	if (keep_all)
		return PACED_E2BIG;
	rc = fmt_text_head_fits(&h, 0, 0);
	if (rc <= 0)
		return rc < 0 ? rc : PACED_E2BIG;
	rc = fmt_text_head_most(&h, &keep, &cut, &keep, n);
	if (rc == 0)
		rc = fmt_text_head_most(&h, &keep, &cut, &cut,
					strlen(lines[keep]) + 1);
	if (rc < 0)
		return rc;
	*out = render(ctx, keep, cut, len);
	return *out ? 0 : PACED_ENOMEM;
}
