/*
 * The provider's signing keys: the JWKS document behind jwks_uri, from
 * the cache or fetched when first needed, and fetched again at most once
 * per login when a token names a kid the document lacks (key rotation).
 */
#ifndef PAM_PKCE_KEYS_H
#define PAM_PKCE_KEYS_H

#include <stdbool.h>

#include "http.h"
#include "jwk.h"

struct keyring {
	pam_handle_t *pamh;
	const struct pkce_config *cfg;	/* for the cache */
	struct http_client *http;
	const char *url;
	struct jwks *jwks;
	bool refetched;
};

void keyring_init(struct keyring *ring, pam_handle_t *pamh,
		  const struct pkce_config *cfg, struct http_client *http,
		  const char *url);

/*
 * Keys to verify a token whose header names KID (may be NULL).  Returns
 * PAM_SUCCESS and *out (owned by RING), or PAM_AUTHINFO_UNAVAIL when the
 * JWKS cannot be had (logged).  A KID still unknown after the one
 * refetch is left for the signature check to refuse.
 */
int keyring_get(struct keyring *ring, const char *kid,
		const struct jwks **out);

void keyring_clear(struct keyring *ring);

#endif
