#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "jws.h"

#define ED25519_SIG_LEN	64

struct jws {
	enum jws_alg alg;
	json_t *header;
	json_t *payload;
	const char *kid;	/* borrowed from header */
	const char *typ;	/* borrowed from header */
	char *signing_input;	/* "b64header.b64payload", as received */
	size_t signing_input_len;
	unsigned char *sig;
	size_t sig_len;
};

static int
set_why(const char **why, const char *msg)
{
	if (why != NULL)
		*why = msg;
	return -1;
}

/*
 * Decode one segment into a JSON object: 0 with *out, -1 if it is not
 * strict base64url, -2 if it is not a JSON object.  Duplicate members are
 * refused: if this parser kept the last "alg" and another the first, the
 * two would not be checking the same token.
 */
static int
decode_object(const char *seg, size_t len, json_t **out)
{
	unsigned char *raw = NULL;
	size_t raw_len;
	int rc = -1;

	*out = NULL;
	if (b64url_decode(seg, len, &raw, &raw_len) != 0)
		goto cleanup;
	rc = -2;
	*out = json_loadb((const char *)raw, raw_len, JSON_REJECT_DUPLICATES,
			  NULL);
	if (*out == NULL)
		goto cleanup;
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		goto cleanup;
	}
	rc = 0;

cleanup:
	free(raw);
	return rc;
}

/* Optional string member: 0 with *out (NULL if absent), -1 if not a string. */
static int
get_optional_string(const json_t *obj, const char *name, const char **out)
{
	const json_t *member = json_object_get(obj, name);

	*out = NULL;
	if (member == NULL)
		return 0;
	if (!json_is_string(member))
		return -1;
	*out = json_string_value(member);
	return 0;
}

int
jws_parse(const char *token, unsigned int allowed_algs, struct jws **out,
	  const char **why)
{
	const char *dot1, *dot2, *p, *alg_name;
	size_t len, dots = 0;
	struct jws *jws = NULL;
	int alg, r, rc = -1;

	if (out == NULL || token == NULL)
		return set_why(why, "invalid argument");
	*out = NULL;

	len = strlen(token);
	for (p = token; *p != '\0'; p++)
		if (*p == '.')
			dots++;
	/* Four dots is the JWE compact form: encrypted, not signed. */
	if (dots == 4)
		return set_why(why, "JWE not supported");
	if (dots != 2)
		return set_why(why, "token not three segments");
	dot1 = strchr(token, '.');
	dot2 = strchr(dot1 + 1, '.');

	jws = calloc(1, sizeof(*jws));
	if (jws == NULL) {
		set_why(why, "out of memory");
		goto cleanup;
	}

	r = decode_object(token, (size_t)(dot1 - token), &jws->header);
	if (r != 0) {
		set_why(why, r == -1 ? "header not base64url"
				     : "header not a JSON object");
		goto cleanup;
	}
	if (get_optional_string(jws->header, "alg", &alg_name) != 0 ||
	    alg_name == NULL) {
		set_why(why, "alg missing");
		goto cleanup;
	}
	/* "none" and HS* have no enum value, so no bit can let them in. */
	alg = jws_alg_from_name(alg_name);
	if (alg < 0 || (allowed_algs & (1u << alg)) == 0) {
		set_why(why, "alg not allowed");
		goto cleanup;
	}
	jws->alg = (enum jws_alg)alg;
	/*
	 * RFC 7515 section 4.1.11: a recipient must refuse a crit it does not
	 * understand, and no extension is understood here.
	 */
	if (json_object_get(jws->header, "crit") != NULL) {
		set_why(why, "crit header present");
		goto cleanup;
	}
	if (get_optional_string(jws->header, "kid", &jws->kid) != 0) {
		set_why(why, "kid not a string");
		goto cleanup;
	}
	if (get_optional_string(jws->header, "typ", &jws->typ) != 0) {
		set_why(why, "typ not a string");
		goto cleanup;
	}
	/*
	 * jku, x5u, jwk and x5c are never read: a key named by the token
	 * itself would let its author choose who vouches for it.
	 */

	r = decode_object(dot1 + 1, (size_t)(dot2 - dot1 - 1), &jws->payload);
	if (r != 0) {
		set_why(why, r == -1 ? "payload not base64url"
				     : "payload not a JSON object");
		goto cleanup;
	}
	if (b64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token),
			  &jws->sig, &jws->sig_len) != 0) {
		set_why(why, "signature not base64url");
		goto cleanup;
	}
	if (jws->sig_len == 0) {
		set_why(why, "signature empty");
		goto cleanup;
	}
	/* Verify the bytes as sent, never a re-encoding of the parsed JSON. */
	jws->signing_input_len = (size_t)(dot2 - token);
	jws->signing_input = strndup(token, jws->signing_input_len);
	if (jws->signing_input == NULL) {
		set_why(why, "out of memory");
		goto cleanup;
	}

	*out = jws;
	jws = NULL;
	rc = 0;

cleanup:
	jws_free(jws);
	return rc;
}

void
jws_free(struct jws *jws)
{
	if (jws == NULL)
		return;
	json_decref(jws->header);
	json_decref(jws->payload);
	free(jws->signing_input);
	free(jws->sig);
	free(jws);
}

enum jws_alg
jws_get_alg(const struct jws *jws)
{
	return jws != NULL ? jws->alg : JWS_ALG_COUNT;
}

const char *
jws_get_kid(const struct jws *jws)
{
	return jws != NULL ? jws->kid : NULL;
}

const char *
jws_get_typ(const struct jws *jws)
{
	return jws != NULL ? jws->typ : NULL;
}

json_t *
jws_get_payload(const struct jws *jws)
{
	return jws != NULL ? jws->payload : NULL;
}

/*
 * RFC 7518 section 3.4: R||S, each exactly the coordinate size.  The
 * length is checked exactly so that a DER signature, or one padded or cut
 * by a byte, is refused rather than guessed at.
 */
static int
encode_ecdsa_der(const unsigned char *sig, size_t sig_len, size_t coord,
		 unsigned char **der, size_t *der_len, const char **why)
{
	ECDSA_SIG *esig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int n, rc = -1;

	*der = NULL;
	*der_len = 0;
	if (sig_len != 2 * coord)
		return set_why(why, "signature length wrong");

	r = BN_bin2bn(sig, (int)coord, NULL);
	s = BN_bin2bn(sig + coord, (int)coord, NULL);
	esig = ECDSA_SIG_new();
	if (r == NULL || s == NULL || esig == NULL) {
		set_why(why, "out of memory");
		goto cleanup;
	}
	/* r = s = 0 "verifies" under some implementations; never here. */
	if (BN_is_zero(r) || BN_is_zero(s)) {
		set_why(why, "signature r or s zero");
		goto cleanup;
	}
	if (ECDSA_SIG_set0(esig, r, s) != 1) {
		set_why(why, "signature not encodable");
		goto cleanup;
	}
	r = NULL;
	s = NULL;
	n = i2d_ECDSA_SIG(esig, der);
	if (n <= 0) {
		*der = NULL;
		set_why(why, "signature not encodable");
		goto cleanup;
	}
	*der_len = (size_t)n;
	rc = 0;

cleanup:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(esig);
	return rc;
}

int
jws_signature_verify(enum jws_alg alg, EVP_PKEY *key,
		     const unsigned char *input, size_t input_len,
		     const unsigned char *sig, size_t sig_len,
		     const char **why)
{
	const struct jws_alg_info *info = jws_alg_get_info(alg);
	EVP_MD_CTX *mdctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	const unsigned char *check_sig = sig;
	size_t check_len = sig_len, der_len;
	int rc = -1;

	if (info == NULL || input == NULL || sig == NULL)
		return set_why(why, "invalid argument");
	/* A public entry point: never trust the caller to have paired them. */
	if (jws_alg_check_key(alg, key, why) != 0)
		return -1;

	switch (info->family) {
	case JWK_FAMILY_RSA:
		/* RFC 8017 section 8.2.2 step 1: exactly k octets. */
		if (EVP_PKEY_get_size(key) <= 0 ||
		    sig_len != (size_t)EVP_PKEY_get_size(key))
			return set_why(why, "signature length wrong");
		break;
	case JWK_FAMILY_EC:
		if (encode_ecdsa_der(sig, sig_len, info->coord_size, &der,
				     &der_len, why) != 0)
			goto cleanup;
		check_sig = der;
		check_len = der_len;
		break;
	case JWK_FAMILY_OKP:
		if (sig_len != ED25519_SIG_LEN)
			return set_why(why, "signature length wrong");
		break;
	}

	mdctx = EVP_MD_CTX_new();
	if (mdctx == NULL) {
		set_why(why, "out of memory");
		goto cleanup;
	}
	/* info->digest is NULL for EdDSA, which hashes internally. */
	if (EVP_DigestVerifyInit_ex(mdctx, &pctx, info->digest, NULL, NULL,
				    key, NULL) != 1) {
		set_why(why, "verify setup failed");
		goto cleanup;
	}
	if (info->family == JWK_FAMILY_RSA) {
		/*
		 * Padding is set explicitly for every RSA alg so that no
		 * default decides it; PSS salt must equal the digest length
		 * (RFC 7518 section 3.5), not be auto-detected.
		 */
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, info->rsa_pss ?
						 RSA_PKCS1_PSS_PADDING :
						 RSA_PKCS1_PADDING) != 1) {
			set_why(why, "verify setup failed");
			goto cleanup;
		}
		if (info->rsa_pss &&
		    (EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
					RSA_PSS_SALTLEN_DIGEST) != 1 ||
		     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, info->digest,
					NULL) != 1)) {
			set_why(why, "verify setup failed");
			goto cleanup;
		}
	}
	if (EVP_DigestVerify(mdctx, check_sig, check_len, input,
			     input_len) != 1) {
		set_why(why, "signature invalid");
		goto cleanup;
	}
	rc = 0;

cleanup:
	/* A failed verify leaves errors on the thread's queue; drop them. */
	if (rc != 0)
		ERR_clear_error();
	EVP_MD_CTX_free(mdctx);
	OPENSSL_free(der);
	return rc;
}

int
jws_verify_key(const struct jws *jws, EVP_PKEY *key, const char **why)
{
	if (jws == NULL)
		return set_why(why, "invalid argument");
	return jws_signature_verify(jws->alg, key,
				    (const unsigned char *)jws->signing_input,
				    jws->signing_input_len, jws->sig,
				    jws->sig_len, why);
}

int
jws_verify(const struct jws *jws, const struct jwks *jwks, const char **why)
{
	EVP_PKEY *key;

	if (jws == NULL || jwks == NULL)
		return set_why(why, "invalid argument");
	key = jwks_key_find(jwks, jws->kid, jws->alg, why);
	if (key == NULL)
		return -1;
	return jws_verify_key(jws, key, why);
}
