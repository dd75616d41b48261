#include <string.h>
#include <security/_pam_types.h>

#include "cache.h"
#include "keys.h"
#include "log.h"

/* A usable key set from DOC, or NULL with *why set. */
static struct jwks *
usable_keys(json_t *doc, const char **why)
{
	struct jwks *jwks = NULL;

	if (jwks_from_json(doc, &jwks, why) < 0)
		return NULL;
	if (jwks_count(jwks) == 0) {
		jwks_free(jwks);
		*why = "no usable signing key";
		return NULL;
	}
	return jwks;
}

/*
 * From the cache if allowed and usable, else from the provider (and then
 * into the cache).  Replaces ring->jwks on success.
 */
static int
fetch(struct keyring *ring, bool from_cache)
{
	json_t *doc = NULL;
	struct jwks *jwks = NULL;
	const char *why = NULL;
	int ret = PAM_AUTHINFO_UNAVAIL;

	if (from_cache) {
		doc = cache_load(ring->pamh, ring->cfg, ring->url);
		jwks = doc != NULL ? usable_keys(doc, &why) : NULL;
	}
	if (jwks == NULL) {
		json_decref(doc);
		doc = NULL;
		if (http_get_json(ring->http, "JWKS", ring->url, NULL, &doc) !=
		    HTTP_OK)
			goto cleanup;
		jwks = usable_keys(doc, &why);
		if (jwks == NULL) {
			log_msg(ring->pamh, LOG_ERR, "JWKS document rejected: %s",
				why);
			goto cleanup;
		}
		cache_store(ring->pamh, ring->cfg, ring->url, doc);
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
	     const struct pkce_config *cfg, struct http_client *http,
	     const char *url)
{
	memset(ring, 0, sizeof(*ring));
	ring->pamh = pamh;
	ring->cfg = cfg;
	ring->http = http;
	ring->url = url;
}

int
keyring_get(struct keyring *ring, const char *kid, const struct jwks **out)
{
	int rc;

	*out = NULL;
	if (ring->jwks == NULL) {
		rc = fetch(ring, true);
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
		rc = fetch(ring, false);
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
