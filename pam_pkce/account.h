/*
 * From verified claims to the local account: the username claim, its
 * optional regex and user_map, the require_claim rules, and the claims
 * exported to the PAM environment.
 */
#ifndef PAM_PKCE_ACCOUNT_H
#define PAM_PKCE_ACCOUNT_H

#include <stdio.h>
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
 * One line of a user_map file as fgets() returned it, split in place on
 * blanks.  Returns 1 with *CLAIM_VALUE and *LOCAL_USER pointing into
 * LINE, 0 for a blank or comment line, -1 for any other shape.
 */
int user_map_parse_line(char *line, char **claim_value, char **local_user);

/*
 * Look NAME up in the user_map text read from FP (PATH only names it in
 * the log).  The last line for NAME wins.  Returns 0 with *MAPPED
 * malloc'd, or NULL when NAME is absent; -1 (logged) for a line too long
 * or malformed, with *MAPPED NULL.
 */
int user_map_find(pam_handle_t *pamh, FILE *fp, const char *path,
		  const char *name, char **mapped);

/*
 * Decide whether CLAIMS may log in as PAM_USER: authorization rules,
 * mapped name (through user_map if set) byte-equal to PAM_USER, then
 * export_env.  Returns PAM_SUCCESS or PAM_AUTH_ERR (logged).
 */
int account_check(pam_handle_t *pamh, const struct pkce_config *cfg,
		  json_t *claims, const char *pam_user);

#endif
