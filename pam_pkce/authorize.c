#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "authorize.h"
#include "secret.h"

/* Append name=value, letting libcurl percent-encode the value. */
static int
append_param(CURLU *url, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;
	char *pair = malloc(len);
	CURLUcode rc;

	if (pair == NULL)
		return -1;
	snprintf(pair, len, "%s=%s", name, value);
	rc = curl_url_set(url, CURLUPART_QUERY, pair,
			  CURLU_APPENDQUERY | CURLU_URLENCODE);
	OPENSSL_cleanse(pair, len);
	free(pair);
	return rc == CURLUE_OK ? 0 : -1;
}

/* authorize_params was validated by the config parser: name=value&... */
static int
append_extra_params(CURLU *url, const char *params)
{
	char *copy, *save = NULL;
	int ret = 0;

	copy = strdup(params);
	if (copy == NULL)
		return -1;
	for (char *pair = strtok_r(copy, "&", &save); pair != NULL && ret == 0;
	     pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');

		if (eq == NULL) {
			ret = append_param(url, pair, "");
		} else {
			*eq = '\0';
			ret = append_param(url, pair, eq + 1);
		}
	}
	free(copy);
	return ret;
}

char *
authorize_url_build(const struct pkce_config *cfg, const char *endpoint,
		    const char *redirect_uri, const char *login_hint,
		    const struct pkce_secrets *secrets)
{
	CURLU *url = NULL;
	char *text = NULL, *ret = NULL;
	char max_age[24];

	url = curl_url();
	if (url == NULL)
		return NULL;
	if (curl_url_set(url, CURLUPART_URL, endpoint, 0) != CURLUE_OK)
		goto cleanup;
	if (append_param(url, "response_type", "code") < 0 ||
	    append_param(url, "client_id", cfg->client_id) < 0 ||
	    append_param(url, "redirect_uri", redirect_uri) < 0 ||
	    append_param(url, "scope", cfg->scope) < 0 ||
	    append_param(url, "state", secrets->state) < 0 ||
	    append_param(url, "nonce", secrets->nonce) < 0 ||
	    append_param(url, "code_challenge", secrets->challenge) < 0 ||
	    append_param(url, "code_challenge_method", "S256") < 0)
		goto cleanup;
	if (cfg->audience != NULL &&
	    append_param(url, "audience", cfg->audience) < 0)
		goto cleanup;
	if (login_hint != NULL &&
	    append_param(url, "login_hint", login_hint) < 0)
		goto cleanup;
	if (cfg->max_age >= 0) {
		snprintf(max_age, sizeof(max_age), "%ld", cfg->max_age);
		if (append_param(url, "max_age", max_age) < 0)
			goto cleanup;
	}
	if (cfg->authorize_params != NULL &&
	    append_extra_params(url, cfg->authorize_params) < 0)
		goto cleanup;
	if (curl_url_get(url, CURLUPART_URL, &text, 0) != CURLUE_OK)
		goto cleanup;
	/* Hand out memory from malloc, not libcurl's allocator. */
	ret = strdup(text);
cleanup:
	secret_curl_free(text);
	curl_url_cleanup(url);
	return ret;
}

void
authorize_url_free(char *url)
{
	secret_free(url);
}
