/* Provider metadata (OpenID Connect Discovery 1.0, RFC 8414, RFC 9207). */
#ifndef PAM_PKCE_DISCOVERY_H
#define PAM_PKCE_DISCOVERY_H

#include <stdbool.h>
#include <jansson.h>

#include "config.h"
#include "http.h"

struct provider_endpoints {
	char *authorization_endpoint;
	char *token_endpoint;
	char *jwks_uri;
	char *userinfo_endpoint;	/* may be NULL */
	/* RFC 9207: the authorization response must then carry iss. */
	bool iss_parameter_supported;
};

/*
 * Check a discovery document against the configuration and fill OUT:
 * issuer must equal cfg->issuer exactly, endpoints must be allowed URLs,
 * S256 must be offered if code_challenge_methods_supported is given.
 * Endpoints set in CFG take precedence.  Returns 0, or -1 with *why.
 */
int discovery_document_apply(const struct pkce_config *cfg, json_t *doc,
			     struct provider_endpoints *out, const char **why);

/*
 * Fill OUT from discovery (unless cfg->discovery is off) and the explicit
 * endpoint keys.  Returns a PAM code: PAM_SUCCESS, PAM_AUTHINFO_UNAVAIL
 * (unreachable provider, bad document; logged), PAM_BUF_ERR.
 */
int discovery_resolve(pam_handle_t *pamh, struct http_client *http,
		      const struct pkce_config *cfg,
		      struct provider_endpoints *out);

void discovery_clear(struct provider_endpoints *endpoints);

#endif
