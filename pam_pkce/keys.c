#include <string.h>
#include <security/_pam_types.h>

#include "keys.h"
#include "log.h"

static int
fetch(struct keyring *ring)
{
	json_t *doc = NULL;
	struct jwks *jwks = NULL;
	const char *why = NULL;
	int ret = PAM_AUTHINFO_UNAVAIL;

	if (http_get_json(ring->http, "JWKS", ring->url, NULL, &doc) != HTTP_OK)
		goto cleanup;
	if (jwks_from_json(doc, &jwks, &why) < 0) {
		log_msg(ring->pamh, LOG_ERR, "JWKS document rejected: %s", why);
		goto cleanup;
	}
	if (jwks_count(jwks) == 0) {
		log_msg(ring->pamh, LOG_ERR,
			"JWKS document holds no usable signing key");
		jwks_free(jwks);
		goto cleanup;
	}
	jwks_free(ring->jwks);
	ring->jwks = jwks;
	ret = PAM_SUCCESS;
cleanup:
	json_decref(doc);
	return ret;
}

void
keyring_init(struct keyring *ring, pam_handle_t *pamh,
	     struct http_client *http, const char *url)
{
	memset(ring, 0, sizeof(*ring));
	ring->pamh = pamh;
	ring->http = http;
	ring->url = url;
}

int
keyring_get(struct keyring *ring, const char *kid, const struct jwks **out)
{
	int rc;

	*out = NULL;
	if (ring->jwks == NULL) {
		rc = fetch(ring);
		if (rc != PAM_SUCCESS)
			return rc;
	}
	/*
	 * One refetch per login, however many unknown kids come along: a
	 * stream of made-up kids must not turn us into a JWKS hammer.
	 */
	if (kid != NULL && !jwks_has_kid(ring->jwks, kid) && !ring->refetched) {
		ring->refetched = true;
		log_msg(ring->pamh, LOG_INFO,
			"ID token names an unknown key; fetching the JWKS again");
		rc = fetch(ring);
		if (rc != PAM_SUCCESS)
			return rc;
	}
	*out = ring->jwks;
	return PAM_SUCCESS;
}

void
keyring_clear(struct keyring *ring)
{
	jwks_free(ring->jwks);
	ring->jwks = NULL;
}
