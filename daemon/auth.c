/* auth.c - bearer tokens and roles; see auth.h. */
#include "auth.h"

#include <ctype.h>
#include <fnmatch.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "paced.h"

#define TOKEN_PREFIX "pcd_"
#define TOKEN_BYTES 32

static const char hexdigits[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int from_hex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *hi = s[2 * i] ? strchr(hexdigits, s[2 * i]) : NULL;
		const char *lo = hi && s[2 * i + 1]
					 ? strchr(hexdigits, s[2 * i + 1])
					 : NULL;

		if (!hi || !lo)
			return PACED_EINVAL;
		out[i] = (unsigned char)((hi - hexdigits) << 4 |
					 (lo - hexdigits));
	}
	return 0;
}

static int sha256(const char *s, size_t len,
		  unsigned char md[EVP_MAX_MD_SIZE])
{
	unsigned int md_len = 0;

	if (!EVP_Digest(s, len, md, &md_len, EVP_sha256(), NULL) ||
	    md_len != 32)
		return PACED_EIO;
	return 0;
}

int auth_sha256_hex(const char *s, size_t len, char hash[AUTH_HASH_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	int rc = sha256(s, len, md);

	if (rc == 0)
		to_hex(md, 32, hash);
	return rc;
}

enum auth_verdict auth_identify(const struct conf *c, const char *header,
				const struct conf_token **out)
{
	unsigned char md[EVP_MAX_MD_SIZE], want[32];
	const struct conf_token *found = NULL;
	const char *tok;
	size_t len;

	*out = NULL;
	if (c->n_tokens == 0)
		return AUTH_OK;
	if (!header || strncasecmp(header, "Bearer ", 7) != 0)
		return AUTH_UNAUTHORIZED;
	tok = header + 7;
	while (*tok == ' ' || *tok == '\t')
		tok++;
	/* The header's value ends before trailing whitespace (RFC 9110's
	 * OWS), which the parser leaves in. */
	len = strlen(tok);
	while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
		len--;
	if (!len || sha256(tok, len, md) < 0)
		return AUTH_UNAUTHORIZED;
	/* Every hash is compared, so the time taken says nothing about
	 * which one (if any) matched. */
	for (size_t i = 0; i < c->n_tokens; i++) {
		bool same;

		if (from_hex(c->tokens[i].sha256, want, sizeof(want)) < 0)
			continue; /* conf.c accepts only 64 hex digits */
		same = CRYPTO_memcmp(md, want, sizeof(want)) == 0;
		if (same && !found)
			found = &c->tokens[i];
	}
	OPENSSL_cleanse(md, sizeof(md));
	if (!found)
		return AUTH_UNAUTHORIZED;
	*out = found;
	return AUTH_OK;
}

enum auth_role auth_role_of(const struct conf_token *t)
{
	if (!t)
		return AUTH_ADMIN;
	if (t->role && strcmp(t->role, "admin") == 0)
		return AUTH_ADMIN;
	if (t->role && strcmp(t->role, "reporter") == 0)
		return AUTH_REPORTER;
	return AUTH_READER;
}

bool auth_project_matches(const struct conf_token *t, const char *id)
{
	for (size_t i = 0; i < t->n_projects; i++)
		if (fnmatch(t->projects[i], id, 0) == 0)
			return true;
	return false;
}

enum auth_verdict auth_allow(const struct conf_token *t,
			     enum auth_action action, const char *project)
{
	enum auth_role role = auth_role_of(t);

	if (!t)
		return AUTH_OK;
	switch (action) {
	case AUTH_READ:
		return AUTH_OK;
	case AUTH_REPORT:
		if (role < AUTH_REPORTER)
			return AUTH_FORBIDDEN_ROLE;
		if (role == AUTH_REPORTER &&
		    (!project || !auth_project_matches(t, project)))
			return AUTH_FORBIDDEN_PROJECT;
		return AUTH_OK;
	case AUTH_MANAGE:
		return role == AUTH_ADMIN ? AUTH_OK : AUTH_FORBIDDEN_ROLE;
	}
	return AUTH_FORBIDDEN_ROLE;
}

int auth_token_new(char token[AUTH_TOKEN_SIZE], char hash[AUTH_HASH_SIZE])
{
	unsigned char raw[TOKEN_BYTES];
	int rc;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return PACED_EIO;
	memcpy(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX));
	to_hex(raw, sizeof(raw), token + strlen(TOKEN_PREFIX));
	OPENSSL_cleanse(raw, sizeof(raw));
	rc = auth_sha256_hex(token, strlen(token), hash);
	if (rc < 0)
		OPENSSL_cleanse(token, AUTH_TOKEN_SIZE);
	return rc;
}

bool auth_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    !strchr("_.-", name[i]))
			return false;
	return true;
}
