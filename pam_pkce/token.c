#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <security/_pam_types.h>

#include "log.h"
#include "secret.h"
#include "token.h"

void
token_response_clear(struct token_response *tokens)
{
	secret_free(tokens->id_token);
	secret_free(tokens->access_token);
	memset(tokens, 0, sizeof(*tokens));
}

/* Append "&name=escaped(value)" (no '&' for the first pair). */
static int
form_append(char **form, size_t *len, const char *name, const char *value)
{
	char *escaped = curl_easy_escape(NULL, value, 0);
	size_t add, newlen;
	char *grown;
	int ret = -1;

	if (escaped == NULL)
		return -1;
	add = strlen(name) + strlen(escaped) + 2;
	newlen = *len + add;
	grown = malloc(newlen + 1);
	if (grown == NULL)
		goto cleanup;
	if (*form != NULL) {
		memcpy(grown, *form, *len);
		OPENSSL_cleanse(*form, *len);
		free(*form);
	}
	snprintf(grown + *len, add + 1, "%s%s=%s", *len ? "&" : "", name,
		 escaped);
	*form = grown;
	*len = strlen(grown);
	ret = 0;
cleanup:
	secret_curl_free(escaped);
	return ret;
}

/*
 * RFC 6749 2.3.1: client_id and secret are form-encoded before they go
 * into HTTP Basic.
 */
static int
basic_credentials(const struct pkce_config *cfg, char **user, char **password)
{
	*user = curl_easy_escape(NULL, cfg->client_id, 0);
	*password = curl_easy_escape(NULL, cfg->client_secret, 0);
	if (*user == NULL || *password == NULL) {
		secret_curl_free(*user);
		secret_curl_free(*password);
		*user = *password = NULL;
		return -1;
	}
	return 0;
}

static char *
build_form(const struct pkce_config *cfg, const char *code,
	   const char *redirect_uri, const char *verifier)
{
	char *form = NULL;
	size_t len = 0;
	bool ok;

	ok = form_append(&form, &len, "grant_type", "authorization_code") == 0 &&
	     form_append(&form, &len, "code", code) == 0 &&
	     form_append(&form, &len, "redirect_uri", redirect_uri) == 0 &&
	     form_append(&form, &len, "code_verifier", verifier) == 0;
	/* With Basic authentication the client is named in the header. */
	if (ok && cfg->token_endpoint_auth != CONFIG_AUTH_CLIENT_SECRET_BASIC)
		ok = form_append(&form, &len, "client_id", cfg->client_id) == 0;
	if (ok && cfg->token_endpoint_auth == CONFIG_AUTH_CLIENT_SECRET_POST)
		ok = form_append(&form, &len, "client_secret",
				 cfg->client_secret) == 0;
	if (!ok) {
		secret_free(form);
		return NULL;
	}
	return form;
}

/*
 * RFC 6749 5.2: the provider refused this code (invalid_grant and the
 * like) only when it answers 400 or 401 with an OAuth error.  Anything
 * else (404, 429, an HTML page) is the provider being unavailable, so that
 * a fallback module can still take over.  http.c logged the response.
 */
static int
refusal_outcome(struct http_client *http, json_t *response)
{
	long status = http_last_status(http);

	if ((status == 400 || status == 401) &&
	    json_is_string(json_object_get(response, "error")))
		return PAM_AUTH_ERR;
	return PAM_AUTHINFO_UNAVAIL;
}

static char *
take_string(json_t *response, const char *member)
{
	const char *v = json_string_value(json_object_get(response, member));

	return v != NULL ? strdup(v) : NULL;
}

int
token_response_parse(json_t *response, struct token_response *out,
		     const char **why)
{
	const char *type;

	memset(out, 0, sizeof(*out));
	type = json_string_value(json_object_get(response, "token_type"));
	/* A sender-constrained (DPoP) token would be misused as Bearer. */
	if (type != NULL && strcasecmp(type, "Bearer") != 0) {
		*why = "token response: unexpected token_type";
		return PAM_AUTHINFO_UNAVAIL;
	}
	out->id_token = take_string(response, "id_token");
	if (out->id_token == NULL) {
		*why = "token response carries no id_token";
		return PAM_AUTH_ERR;
	}
	out->access_token = take_string(response, "access_token");
	return PAM_SUCCESS;
}

int
token_exchange(pam_handle_t *pamh, struct http_client *http,
	       const struct pkce_config *cfg, const char *endpoint,
	       const char *code, const char *redirect_uri,
	       const char *verifier, struct token_response *out)
{
	char *form = NULL, *user = NULL, *password = NULL;
	json_t *response = NULL;
	const char *why = NULL;
	int ret = PAM_BUF_ERR;

	memset(out, 0, sizeof(*out));
	form = build_form(cfg, code, redirect_uri, verifier);
	if (form == NULL)
		goto cleanup;
	if (cfg->token_endpoint_auth == CONFIG_AUTH_CLIENT_SECRET_BASIC &&
	    basic_credentials(cfg, &user, &password) < 0)
		goto cleanup;
	switch (http_post_form(http, "token", endpoint, form, user, password,
			       &response)) {
	case HTTP_OK:
		break;
	case HTTP_ERR_STATUS:
		ret = refusal_outcome(http, response);
		goto cleanup;
	default:
		ret = PAM_AUTHINFO_UNAVAIL;
		goto cleanup;
	}
	ret = token_response_parse(response, out, &why);
	if (ret != PAM_SUCCESS)
		log_msg(pamh, LOG_ERR, "%s", why);
cleanup:
	if (ret != PAM_SUCCESS)
		token_response_clear(out);
	json_decref(response);
	secret_free(form);
	secret_curl_free(user);
	secret_curl_free(password);
	return ret;
}
