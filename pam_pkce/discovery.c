#include <stdlib.h>
#include <string.h>
#include <security/_pam_types.h>

#include "cache.h"
#include "discovery.h"
#include "log.h"

#define WELL_KNOWN "/.well-known/openid-configuration"

void
discovery_clear(struct provider_endpoints *endpoints)
{
	free(endpoints->authorization_endpoint);
	free(endpoints->token_endpoint);
	free(endpoints->jwks_uri);
	free(endpoints->userinfo_endpoint);
	memset(endpoints, 0, sizeof(*endpoints));
}

/* The configured value wins; otherwise the document's, if it is a URL we may use. */
static int
pick_endpoint(const char *configured, json_t *doc, const char *member,
	      bool required, char **out, const char **why)
{
	const char *value = configured;

	if (value == NULL && doc != NULL) {
		json_t *v = json_object_get(doc, member);

		if (v != NULL && !json_is_string(v)) {
			*why = member;
			return -1;
		}
		value = json_string_value(v);
	}
	if (value == NULL) {
		if (required) {
			*why = member;
			return -1;
		}
		return 0;
	}
	if (!http_url_allowed(value)) {
		*why = member;
		return -1;
	}
	*out = strdup(value);
	if (*out == NULL) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static bool
offers_s256(json_t *doc)
{
	json_t *methods = json_object_get(doc, "code_challenge_methods_supported");
	size_t i;
	json_t *m;

	/* Absent means "not advertised", which many providers do. */
	if (methods == NULL)
		return true;
	if (!json_is_array(methods))
		return false;
	json_array_foreach(methods, i, m)
		if (json_is_string(m) && strcmp(json_string_value(m), "S256") == 0)
			return true;
	return false;
}

int
discovery_document_apply(const struct pkce_config *cfg, json_t *doc,
			 struct provider_endpoints *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (doc != NULL) {
		const char *issuer = json_string_value(json_object_get(doc, "issuer"));

		/* OIDC Discovery 4.3: exactly the configured issuer. */
		if (issuer == NULL || strcmp(issuer, cfg->issuer) != 0) {
			*why = "issuer does not match the configured issuer";
			return -1;
		}
		if (!offers_s256(doc)) {
			*why = "code_challenge_methods_supported lacks S256";
			return -1;
		}
		out->iss_parameter_supported = json_is_true(json_object_get(
			doc, "authorization_response_iss_parameter_supported"));
	}
	if (pick_endpoint(cfg->authorization_endpoint, doc,
			  "authorization_endpoint", true,
			  &out->authorization_endpoint, why) < 0 ||
	    pick_endpoint(cfg->token_endpoint, doc, "token_endpoint", true,
			  &out->token_endpoint, why) < 0 ||
	    pick_endpoint(cfg->jwks_uri, doc, "jwks_uri", true, &out->jwks_uri,
			  why) < 0 ||
	    pick_endpoint(cfg->userinfo_endpoint, doc, "userinfo_endpoint",
			  false, &out->userinfo_endpoint, why) < 0) {
		discovery_clear(out);
		return -1;
	}
	return 0;
}

static char *
discovery_url(const char *issuer)
{
	size_t len = strlen(issuer);
	char *url;

	/* OIDC Discovery 4: strip one trailing '/' before appending. */
	if (len > 0 && issuer[len - 1] == '/')
		len--;
	url = malloc(len + sizeof(WELL_KNOWN));
	if (url == NULL)
		return NULL;
	memcpy(url, issuer, len);
	memcpy(url + len, WELL_KNOWN, sizeof(WELL_KNOWN));
	return url;
}

int
discovery_resolve(pam_handle_t *pamh, struct http_client *http,
		  const struct pkce_config *cfg, struct provider_endpoints *out)
{
	json_t *doc = NULL;
	char *url = NULL;
	const char *why = NULL;
	bool cached = false;
	int ret = PAM_AUTHINFO_UNAVAIL;

	memset(out, 0, sizeof(*out));
	if (cfg->discovery) {
		url = discovery_url(cfg->issuer);
		if (url == NULL) {
			ret = PAM_BUF_ERR;
			goto cleanup;
		}
		doc = cache_load(pamh, cfg, url);
		cached = doc != NULL;
		/* A cached copy is checked like a fetched one: it may be stale. */
		if (cached && discovery_document_apply(cfg, doc, out, &why) == 0) {
			ret = PAM_SUCCESS;
			goto cleanup;
		}
		json_decref(doc);
		doc = NULL;
		if (http_get_json(http, "discovery", url, NULL, &doc) != HTTP_OK)
			goto cleanup;
	}
	if (discovery_document_apply(cfg, doc, out, &why) < 0) {
		log_msg(pamh, LOG_ERR, "discovery document of %s rejected: %s",
			cfg->issuer, why);
		goto cleanup;
	}
	if (doc != NULL)
		cache_store(pamh, cfg, url, doc);
	ret = PAM_SUCCESS;
cleanup:
	json_decref(doc);
	free(url);
	return ret;
}
