/*
 * The provider's discovery document: parsed as http.c parses every
 * response body (JSON_REJECT_DUPLICATES, objects only), then checked by
 * discovery_document_apply() against a configuration without explicit
 * endpoints and one with all of them set.
 */
#include <stdlib.h>

#include "discovery.h"
#include "fuzz.h"
#include "http.h"

#define FUZZ_ISSUER "https://127.0.0.1:43307"

static void
apply_config(const struct pkce_config *cfg, json_t *doc)
{
	struct provider_endpoints endpoints;
	const char *why = NULL;

	if (discovery_document_apply(cfg, doc, &endpoints, &why) != 0)
		return;
	/* Whatever the document says, only allowed URLs come out. */
	if (!http_url_allowed(endpoints.authorization_endpoint) ||
	    !http_url_allowed(endpoints.token_endpoint) ||
	    !http_url_allowed(endpoints.jwks_uri) ||
	    (endpoints.userinfo_endpoint != NULL &&
	     !http_url_allowed(endpoints.userinfo_endpoint)))
		abort();
	discovery_clear(&endpoints);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkce_config discovered = {
		.issuer = FUZZ_ISSUER,
		.discovery = true,
	};
	struct pkce_config configured = {
		.issuer = FUZZ_ISSUER,
		.discovery = true,
		.authorization_endpoint = FUZZ_ISSUER "/auth",
		.token_endpoint = FUZZ_ISSUER "/token",
		.jwks_uri = FUZZ_ISSUER "/jwks",
		.userinfo_endpoint = FUZZ_ISSUER "/me",
	};
	json_t *doc;

	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (doc == NULL)
		return 0;
	if (json_is_object(doc)) {
		apply_config(&discovered, doc);
		apply_config(&configured, doc);
	}
	json_decref(doc);
	return 0;
}
