/*
 * auth.h - bearer tokens and roles (SPEC section 5, [token.NAME]): who a
 * request comes from, and whether that role may do what it asks. Pure
 * decisions over a struct conf (borrowed, read afresh on every request so
 * a reload takes effect at once); it keeps nothing and knows no HTTP.
 */
#ifndef PACED_AUTH_H
#define PACED_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* Ordered: each role may do everything the ones before it may. */
enum auth_role {
	AUTH_READER = 1,   /* reads everything */
	AUTH_REPORTER = 2, /* also posts updates to the projects it matches */
	AUTH_ADMIN = 3     /* also projects, silences, digests */
};

/* What a request asks to do. */
enum auth_action {
	AUTH_READ,   /* GET/HEAD anything, /metrics */
	AUTH_REPORT, /* post updates to one project */
	AUTH_MANAGE  /* create/replace/archive projects, silences, digest */
};

enum auth_verdict {
	AUTH_OK = 0,
	AUTH_UNAUTHORIZED,   /* no token, or not one of the configured ones */
	AUTH_FORBIDDEN_ROLE, /* the token's role does not allow it */
	AUTH_FORBIDDEN_PROJECT /* a reporter outside its project globs */
};

/*
 * The token an Authorization header value (NULL when absent) names, in
 * *out (borrowed from c; NULL when c has no tokens: the API is open).
 * Only "Bearer <token>" counts; its SHA-256 is compared in constant time
 * with every configured hash, all of them, whatever matched earlier.
 * AUTH_OK or AUTH_UNAUTHORIZED.
 */
enum auth_verdict auth_identify(const struct conf *c, const char *header,
				const struct conf_token **out);

/* The role of t; AUTH_ADMIN for NULL (the open API). */
enum auth_role auth_role_of(const struct conf_token *t);

/*
 * Whether t (NULL: open API, allowed everything) may do `action`, on
 * `project` (the id, for AUTH_REPORT; NULL otherwise). Project globs
 * (fnmatch) bind reporters only: admins act on every project.
 */
enum auth_verdict auth_allow(const struct conf_token *t,
			     enum auth_action action, const char *project);

/* Whether one of t's project globs matches id. */
bool auth_project_matches(const struct conf_token *t, const char *id);

/* Size of a token from auth_token_new(), NUL included: "pcd_" and 64 hex
 * digits (32 random bytes). */
#define AUTH_TOKEN_SIZE (4 + 64 + 1)
/* Size of a hex SHA-256, NUL included. */
#define AUTH_HASH_SIZE (64 + 1)

/* A fresh random token (RAND_bytes) and the hex SHA-256 to configure for
 * it. 0, or PACED_EIO when no randomness could be had. */
int auth_token_new(char token[AUTH_TOKEN_SIZE], char hash[AUTH_HASH_SIZE]);

/* Hex SHA-256 of len bytes of s. 0 or PACED_EIO. */
int auth_sha256_hex(const char *s, size_t len, char hash[AUTH_HASH_SIZE]);

/* Whether name can be a [token.NAME]: 1-64 of A-Z a-z 0-9 _ . - */
bool auth_name_ok(const char *name);

#endif
