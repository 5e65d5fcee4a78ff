/* token_rate.c - a throttle per configured token (see token_rate.h). */
#include "token_rate.h"

#include <stdlib.h>
#include <string.h>

#include "throttle.h"

struct token_state {
	char *name;
	int rate_n;
	int64_t rate_period_ms;
	struct throttle t;
};

struct token_rates {
	/* Parallel to the tokens of the conf last seen: tokens[i] of that
	 * conf is state[i]. Checked by name on every use, so a new conf at
	 * the address of a freed one cannot mislead it. */
	struct token_state *state;
	size_t n;
};

struct token_rates *token_rates_new(void)
{
	return calloc(1, sizeof(struct token_rates));
}

static void states_free(struct token_state *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].name);
	free(s);
}

void token_rates_free(struct token_rates *tr)
{
	if (!tr)
		return;
	states_free(tr->state, tr->n);
	free(tr);
}

static bool state_fits(const struct token_state *s,
		       const struct conf_token *t)
{
	return strcmp(s->name, t->name) == 0 && s->rate_n == t->rate_n &&
	       s->rate_period_ms == t->rate_period_ms;
}

/* Rebuilds the table for c's tokens, keeping the state of each token
 * whose name and rate are unchanged. 0 or -1 (ENOMEM: table unchanged). */
static int repair(struct token_rates *tr, const struct conf *c)
{
	struct token_state *next = calloc(c->n_tokens ? c->n_tokens : 1,
					  sizeof(*next));

	if (!next)
		return -1;
	for (size_t i = 0; i < c->n_tokens; i++) {
		const struct conf_token *t = &c->tokens[i];
		size_t j;

		next[i].name = strdup(t->name);
		if (!next[i].name) {
			states_free(next, i);
			return -1;
		}
		next[i].rate_n = t->rate_n;
		next[i].rate_period_ms = t->rate_period_ms;
		for (j = 0; j < tr->n && !state_fits(&tr->state[j], t); j++)
			;
		if (j < tr->n)
			next[i].t = tr->state[j].t;
		else
			throttle_init(&next[i].t, t->rate_n, t->rate_period_ms);
	}
	states_free(tr->state, tr->n);
	tr->state = next;
	tr->n = c->n_tokens;
	return 0;
}

bool token_rates_take(struct token_rates *tr, const struct conf *c,
		      const struct conf_token *tok, int64_t now_us,
		      int64_t *retry_after_us)
{
	size_t i = (size_t)(tok - c->tokens);

	*retry_after_us = 0;
	if (i >= tr->n || tr->n != c->n_tokens ||
	    !state_fits(&tr->state[i], tok)) {
		if (repair(tr, c) != 0)
			return false;
	}
	return throttle_take(&tr->state[i].t, now_us, retry_after_us);
}
