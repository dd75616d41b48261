/* The authorization request URL (RFC 6749 4.1.1, RFC 7636, OIDC Core 3.1.2.1). */
#ifndef PAM_PKCE_AUTHORIZE_H
#define PAM_PKCE_AUTHORIZE_H

#include "config.h"
#include "pkce.h"

/*
 * Build ENDPOINT?response_type=code&client_id=...&redirect_uri=...&scope=
 * ...&state=...&nonce=...&code_challenge=...&code_challenge_method=S256
 * plus, per CFG, audience, login_hint (LOGIN_HINT, may be NULL), max_age
 * and authorize_params.  Any query ENDPOINT already has is kept.  Returns
 * a malloc'd string (free with authorize_url_free, it holds the state and
 * nonce), or NULL.
 */
char *authorize_url_build(const struct pkce_config *cfg, const char *endpoint,
			  const char *redirect_uri, const char *login_hint,
			  const struct pkce_secrets *secrets);

void authorize_url_free(char *url);

#endif
