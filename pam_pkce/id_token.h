/* ID token validation: OIDC Core 3.1.3.7 on top of the JWS checks. */
#ifndef PAM_PKCE_ID_TOKEN_H
#define PAM_PKCE_ID_TOKEN_H

#include <time.h>
#include <jansson.h>
#include <security/pam_modules.h>

#include "config.h"
#include "keys.h"

/*
 * The claim checks of a signature-verified token: iss, aud, azp, exp,
 * iat, nbf, nonce, sub, auth_time (with max_age), all against NOW with
 * cfg->clock_skew.  Returns 0, or -1 with *why naming the failed claim.
 */
int id_token_claims_check(const struct pkce_config *cfg, json_t *claims,
			  const char *nonce, time_t now, const char **why);

/*
 * OIDC Core 3.1.3.8: at_hash is the left half of the hash of
 * ACCESS_TOKEN with the hash function of ALG, base64url.  Returns 0 when
 * AT_HASH matches, -1 otherwise.
 */
int id_token_at_hash_check(enum jws_alg alg, const char *access_token,
			   const char *at_hash);

/*
 * Parse TOKEN, verify its signature with keys from KEYS, check its claims
 * (and at_hash against ACCESS_TOKEN, which may be NULL).  Returns
 * PAM_SUCCESS with *claims (a new reference), PAM_AUTH_ERR with the failed
 * check logged, or PAM_AUTHINFO_UNAVAIL when the keys cannot be fetched.
 */
int id_token_validate(pam_handle_t *pamh, const struct pkce_config *cfg,
		      struct keyring *keys, const char *token,
		      const char *nonce, const char *access_token,
		      json_t **claims);

#endif
