/* The token request (RFC 6749 4.1.3 with the RFC 7636 code_verifier). */
#ifndef PAM_PKCE_TOKEN_H
#define PAM_PKCE_TOKEN_H

#include <jansson.h>

#include "config.h"
#include "http.h"

struct token_response {
	char *id_token;
	char *access_token;	/* may be NULL */
};

/*
 * Redeem CODE at ENDPOINT.  Returns PAM_SUCCESS and fills OUT,
 * PAM_AUTH_ERR when the provider refuses the grant (4xx, or a response
 * without id_token), PAM_AUTHINFO_UNAVAIL when it cannot be reached or
 * answers nonsense, PAM_BUF_ERR.  Every failure is logged.
 */
int token_exchange(pam_handle_t *pamh, struct http_client *http,
		   const struct pkce_config *cfg, const char *endpoint,
		   const char *code, const char *redirect_uri,
		   const char *verifier, struct token_response *out);

/*
 * Read a successful token response (RFC 6749 5.1): token_type, when
 * given, must be Bearer; id_token is required, access_token optional.
 * Returns PAM_SUCCESS with OUT filled (free with token_response_clear),
 * PAM_AUTHINFO_UNAVAIL (a token type the module cannot use) or
 * PAM_AUTH_ERR (no id_token), with OUT cleared and *WHY a log line that
 * holds nothing from the response.
 */
int token_response_parse(json_t *response, struct token_response *out,
			 const char **why);

/* Free and wipe. */
void token_response_clear(struct token_response *tokens);

#endif
