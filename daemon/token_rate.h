/*
 * token_rate.h - each bearer token's request rate ([token.NAME] rate),
 * kept across reloads. The configuration is replaced on SIGHUP while a
 * token's spent allowance must not be: the table pairs itself with
 * whichever struct conf the request was checked against, carrying each
 * surviving token's state over by name (a token whose rate changed
 * starts afresh on the new rate).
 */
#ifndef PACED_TOKEN_RATE_H
#define PACED_TOKEN_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

struct token_rates;

/* An empty table. NULL on ENOMEM. */
struct token_rates *token_rates_new(void);

void token_rates_free(struct token_rates *tr);

/*
 * One request by tok (one of c->tokens) at now_us (monotonic). true: it
 * may go. false: over the token's rate, *retry_after_us until it may
 * try again; also false with *retry_after_us 0 when memory ran out (the
 * caller answers with a server error, not 429).
 */
bool token_rates_take(struct token_rates *tr, const struct conf *c,
		      const struct conf_token *tok, int64_t now_us,
		      int64_t *retry_after_us);

#endif
