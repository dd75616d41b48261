/*
 * From verified claims to the local account: the username claim, its
 * optional regex and user_map, the require_claim rules, and the claims
 * exported to the PAM environment.
 */
#ifndef PAM_PKCE_ACCOUNT_H
#define PAM_PKCE_ACCOUNT_H

#include <jansson.h>
#include <security/pam_modules.h>

#include "config.h"

/*
 * Derive the account name the claims designate (username_claim,
 * email_verified for email, username_regex, username_lowercase).  No
 * fallback to any other claim.  Returns 0 and a malloc'd *name, or -1
 * with *why set.
 */
int account_name_from_claims(const struct pkce_config *cfg, json_t *claims,
			     char **name, const char **why);

/* Every require_claim rule holds.  Returns 0, or -1 and the failed rule's claim in *why. */
int account_claims_authorize(const struct pkce_config *cfg, json_t *claims,
			     const char **why);

/*
 * Decide whether CLAIMS may log in as PAM_USER: authorization rules,
 * mapped name (through user_map if set) byte-equal to PAM_USER, then
 * export_env.  Returns PAM_SUCCESS or PAM_AUTH_ERR (logged).
 */
int account_check(pam_handle_t *pamh, const struct pkce_config *cfg,
		  json_t *claims, const char *pam_user);

#endif
