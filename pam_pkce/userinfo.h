/* The UserInfo endpoint (OIDC Core 5.3), when userinfo = yes. */
#ifndef PAM_PKCE_USERINFO_H
#define PAM_PKCE_USERINFO_H

#include <jansson.h>
#include <security/pam_modules.h>

#include "http.h"

/*
 * Fetch ENDPOINT with ACCESS_TOKEN and add its claims to CLAIMS (the
 * verified ID token's).  Its sub must equal the ID token's (OIDC Core
 * 5.3.2); a claim the ID token already carries keeps the ID token's
 * value, since only that one is signed.  Returns PAM_SUCCESS,
 * PAM_AUTH_ERR (sub mismatch, access token refused) or
 * PAM_AUTHINFO_UNAVAIL; each failure logged.
 */
int userinfo_merge(pam_handle_t *pamh, struct http_client *http,
		   const char *endpoint, const char *access_token,
		   json_t *claims);

#endif
