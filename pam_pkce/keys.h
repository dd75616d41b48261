/* The provider's signing keys: the JWKS document behind jwks_uri. */
#ifndef PAM_PKCE_KEYS_H
#define PAM_PKCE_KEYS_H

#include "http.h"
#include "jwk.h"

/*
 * Fetch and parse the JWKS at URL.  Returns PAM_SUCCESS and *out, or
 * PAM_AUTHINFO_UNAVAIL (unreachable, not a JWKS; logged).
 */
int keys_fetch(pam_handle_t *pamh, struct http_client *http, const char *url,
	       struct jwks **out);

#endif
