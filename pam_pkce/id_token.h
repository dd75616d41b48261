/* ID token validation: OIDC Core 3.1.3.7 on top of the JWS checks. */
#ifndef PAM_PKCE_ID_TOKEN_H
#define PAM_PKCE_ID_TOKEN_H

#include <time.h>
#include <jansson.h>
#include <security/pam_modules.h>

#include "config.h"
#include "jwk.h"

/*
 * The claim checks of a signature-verified token: iss, aud, azp, exp,
 * iat, nbf, nonce, sub, auth_time (with max_age), all against NOW with
 * cfg->clock_skew.  Returns 0, or -1 with *why naming the failed claim.
 */
int id_token_claims_check(const struct pkce_config *cfg, json_t *claims,
			  const char *nonce, time_t now, const char **why);

/*
 * Parse TOKEN, verify its signature with KEYS, check its claims.
 * Returns PAM_SUCCESS with *claims (a new reference), or PAM_AUTH_ERR
 * with the failed check logged.
 */
int id_token_validate(pam_handle_t *pamh, const struct pkce_config *cfg,
		      const struct jwks *keys, const char *token,
		      const char *nonce, json_t **claims);

#endif
