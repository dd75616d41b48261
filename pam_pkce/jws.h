/*
 * JWS compact serialization (RFC 7515) as used by ID tokens: parse,
 * check the header, verify the signature against a JWKS.
 */
#ifndef PAM_PKCE_JWS_H
#define PAM_PKCE_JWS_H

#include <jansson.h>
#include "jwk.h"

struct jws;

/*
 * Split and decode TOKEN: exactly three base64url segments (five, i.e.
 * JWE, is refused), a JSON object header with a string "alg" that is one
 * of ALLOWED_ALGS (bit set of enum jws_alg; "none" and HS* never pass),
 * no "crit" (no extension is understood), a JSON object payload.  Header
 * members jku, x5u, jwk, x5c are ignored.  Returns 0 and *out, or -1 with
 * *why naming the failed check (static string, safe to log).
 */
int jws_parse(const char *token, unsigned int allowed_algs, struct jws **out,
	      const char **why);

void jws_free(struct jws *jws);

enum jws_alg jws_get_alg(const struct jws *jws);
const char *jws_get_kid(const struct jws *jws);	/* NULL if absent */
const char *jws_get_typ(const struct jws *jws);	/* NULL if absent */
json_t *jws_get_payload(const struct jws *jws);	/* borrowed */

/*
 * Verify the signature with the key jwks_key_find() selects.  ES* take
 * the raw R||S form of exactly twice the curve's coordinate size.
 * Returns 0 if valid, -1 with *why set otherwise.
 */
int jws_verify(const struct jws *jws, const struct jwks *jwks,
	       const char **why);

/* Verify with an explicit key (used by jws_verify and the unit tests). */
int jws_verify_key(const struct jws *jws, EVP_PKEY *key, const char **why);

/*
 * The layer under jws_verify_key: SIG over INPUT (the ASCII
 * "b64header.b64payload") for ALG with KEY, same checks.  For signing
 * inputs whose payload is not a JSON object (RFC 8037 A.4's vector).
 */
int jws_signature_verify(enum jws_alg alg, EVP_PKEY *key,
			 const unsigned char *input, size_t input_len,
			 const unsigned char *sig, size_t sig_len,
			 const char **why);

#endif
