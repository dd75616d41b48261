#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <security/_pam_types.h>

#include "b64url.h"
#include "id_token.h"
#include "jws.h"
#include "log.h"
#include "pkce.h"

static bool
audience_contains(json_t *aud, const char *client_id, size_t *count)
{
	size_t i;
	json_t *v;
	bool found = false;

	*count = 0;
	if (json_is_string(aud)) {
		*count = 1;
		return strcmp(json_string_value(aud), client_id) == 0;
	}
	if (!json_is_array(aud))
		return false;
	json_array_foreach(aud, i, v) {
		if (!json_is_string(v))
			return false;
		if (strcmp(json_string_value(v), client_id) == 0)
			found = true;
	}
	*count = json_array_size(aud);
	return found;
}

/* Numeric date (RFC 7519 2): integer or real seconds. */
static int
get_time(json_t *claims, const char *name, bool required, double *out)
{
	json_t *v = json_object_get(claims, name);

	if (v == NULL)
		return required ? -1 : 0;
	if (!json_is_number(v))
		return -1;
	*out = json_number_value(v);
	return 1;
}

int
id_token_claims_check(const struct pkce_config *cfg, json_t *claims,
		      const char *nonce, time_t now, const char **why)
{
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	json_t *azp = json_object_get(claims, "azp");
	double skew = (double)cfg->clock_skew, t = 0;
	size_t naud;
	int r;

	if (iss == NULL || strcmp(iss, cfg->issuer) != 0) {
		*why = "iss";
		return -1;
	}
	if (!audience_contains(json_object_get(claims, "aud"), cfg->client_id,
			       &naud)) {
		*why = "aud";
		return -1;
	}
	if ((azp != NULL || naud > 1) &&
	    (!json_is_string(azp) ||
	     strcmp(json_string_value(azp), cfg->client_id) != 0)) {
		*why = "azp";
		return -1;
	}
	if (get_time(claims, "exp", true, &t) < 0 || t + skew <= (double)now) {
		*why = "exp";
		return -1;
	}
	if (get_time(claims, "iat", true, &t) < 0 || t - skew > (double)now) {
		*why = "iat";
		return -1;
	}
	r = get_time(claims, "nbf", false, &t);
	if (r < 0 || (r > 0 && t - skew > (double)now)) {
		*why = "nbf";
		return -1;
	}
	if (!pkce_secret_equal(json_string_value(json_object_get(claims, "nonce")),
			       nonce)) {
		*why = "nonce";
		return -1;
	}
	if (sub == NULL || sub[0] == '\0') {
		*why = "sub";
		return -1;
	}
	if (cfg->max_age >= 0) {
		/* OIDC Core 3.1.2.1: auth_time is then required. */
		if (get_time(claims, "auth_time", true, &t) < 0 ||
		    t - skew > (double)now ||
		    t + (double)cfg->max_age + skew < (double)now) {
			*why = "auth_time";
			return -1;
		}
	}
	return 0;
}

int
id_token_at_hash_check(enum jws_alg alg, const char *access_token,
		       const char *at_hash)
{
	const struct jws_alg_info *info = jws_alg_get_info(alg);
	/* Ed25519 signs with SHA-512 inside; OIDC uses SHA-512 here too. */
	const char *digest = info != NULL && info->digest != NULL ?
		info->digest : "SHA512";
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	char *expected = NULL;
	int ret = -1;

	if (access_token == NULL || at_hash == NULL ||
	    EVP_Q_digest(NULL, digest, NULL, access_token,
			 strlen(access_token), md, &mdlen) != 1)
		return -1;
	expected = b64url_encode(md, mdlen / 2);
	if (expected != NULL && strlen(expected) == strlen(at_hash) &&
	    CRYPTO_memcmp(expected, at_hash, strlen(at_hash)) == 0)
		ret = 0;
	free(expected);
	OPENSSL_cleanse(md, sizeof(md));
	return ret;
}

int
id_token_validate(pam_handle_t *pamh, const struct pkce_config *cfg,
		  struct keyring *keys, const char *token,
		  const char *nonce, const char *access_token,
		  json_t **claims)
{
	struct jws *jws = NULL;
	const struct jwks *jwks = NULL;
	const char *why = NULL, *typ;
	json_t *payload, *at_hash;
	int ret = PAM_AUTH_ERR, rc;

	*claims = NULL;
	if (jws_parse(token, cfg->allowed_algs, &jws, &why) < 0) {
		log_msg(pamh, LOG_ERR, "ID token rejected: %s", why);
		goto cleanup;
	}
	typ = jws_get_typ(jws);
	/* RFC 9068: an access token must never pass as an ID token. */
	if (typ != NULL && (strcasecmp(typ, "at+jwt") == 0 ||
			    strcasecmp(typ, "application/at+jwt") == 0)) {
		log_msg(pamh, LOG_ERR, "ID token rejected: typ is an access token");
		goto cleanup;
	}
	rc = keyring_get(keys, jws_get_kid(jws), &jwks);
	if (rc != PAM_SUCCESS) {
		ret = rc;
		goto cleanup;
	}
	if (jws_verify(jws, jwks, &why) < 0) {
		log_msg(pamh, LOG_ERR, "ID token rejected: %s", why);
		goto cleanup;
	}
	payload = jws_get_payload(jws);
	if (id_token_claims_check(cfg, payload, nonce, time(NULL), &why) < 0) {
		log_msg(pamh, LOG_ERR, "ID token rejected: claim %s failed", why);
		goto cleanup;
	}
	/* OIDC Core 3.1.3.8: optional for the code flow, binding when present. */
	at_hash = json_object_get(payload, "at_hash");
	if (at_hash != NULL && access_token != NULL &&
	    id_token_at_hash_check(jws_get_alg(jws), access_token,
				   json_string_value(at_hash)) < 0) {
		log_msg(pamh, LOG_ERR, "ID token rejected: claim at_hash failed");
		goto cleanup;
	}
	if (cfg->debug) {
		char kid[LOG_ESCAPE_MAX];

		log_msg(pamh, LOG_DEBUG, "ID token verified: alg %s, kid %s",
			jws_alg_name(jws_get_alg(jws)),
			jws_get_kid(jws) != NULL ?
				log_escape(jws_get_kid(jws), kid, sizeof(kid)) :
				"(none)");
	}
	*claims = json_incref(payload);
	ret = PAM_SUCCESS;
cleanup:
	jws_free(jws);
	return ret;
}
