/*
 * JSON Web Keys (RFC 7517) and the signature algorithms pam_pkce accepts
 * (RFC 7518, RFC 8037).  Keys are imported through OSSL_PARAM_BLD and
 * EVP_PKEY_fromdata; each key is pinned to the algorithm family of its
 * kty/crv so that no token can pick how its key is used (RFC 8725).
 */
#ifndef PAM_PKCE_JWK_H
#define PAM_PKCE_JWK_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <openssl/evp.h>

enum jws_alg {
	JWS_ALG_RS256 = 0,
	JWS_ALG_RS384,
	JWS_ALG_RS512,
	JWS_ALG_PS256,
	JWS_ALG_PS384,
	JWS_ALG_PS512,
	JWS_ALG_ES256,
	JWS_ALG_ES384,
	JWS_ALG_ES512,
	JWS_ALG_EDDSA,
	JWS_ALG_COUNT
};

#define JWS_ALGS_ALL ((1u << JWS_ALG_COUNT) - 1)

/* Name as in the JOSE header ("RS256", ..., "EdDSA"). */
const char *jws_alg_name(enum jws_alg alg);

/*
 * Map a JOSE alg name to the enum.  Returns -1 for unknown names and for
 * names that can never be enabled ("none", "HS256", "HS384", "HS512").
 */
int jws_alg_from_name(const char *name);

/*
 * How each algorithm is computed.  jwk.c (key selection) and jws.c
 * (signature check) both read this one table, so that a key's family and
 * the verification parameters can never disagree.
 */
enum jwk_family {
	JWK_FAMILY_RSA,
	JWK_FAMILY_EC,
	JWK_FAMILY_OKP,
};

struct jws_alg_info {
	const char *name;	/* JOSE name */
	enum jwk_family family;
	const char *digest;	/* OpenSSL digest name; NULL for EdDSA */
	bool rsa_pss;		/* PSS, salt = digest length, MGF1 = digest */
	const char *crv;	/* JWK crv; NULL for RSA */
	const char *group;	/* OpenSSL group name; NULL unless EC */
	size_t coord_size;	/* EC bytes per coordinate; 0 unless EC */
};

/* Table entry for ALG, or NULL if ALG is out of range. */
const struct jws_alg_info *jws_alg_get_info(enum jws_alg alg);

/*
 * Whether KEY may verify ALG: its type (and curve) is ALG's family, and an
 * RSA key has at least 2048 bits.  Returns 0, or -1 with *why set.
 */
int jws_alg_check_key(enum jws_alg alg, EVP_PKEY *key, const char **why);

struct jwks;

/*
 * Parse a JWKS document ({"keys": [...]}) of at most LEN bytes.  Keys of
 * unknown or unusable types (enc keys, oct keys, RSA under 2048 bits,
 * malformed members) are skipped, not fatal; a document that is not a
 * JSON object with a "keys" array is an error.  Returns 0 and *out, or -1
 * with *why naming the problem (static string).
 */
int jwks_parse(const char *json, size_t len, struct jwks **out,
	       const char **why);

/*
 * The same for a document already parsed (with JSON_REJECT_DUPLICATES,
 * as http.c does).
 */
int jwks_from_json(const json_t *root, struct jwks **out, const char **why);

void jwks_free(struct jwks *jwks);

/* Number of usable keys held. */
size_t jwks_count(const struct jwks *jwks);

/* Whether a usable key carries KID. */
bool jwks_has_kid(const struct jwks *jwks, const char *kid);

/*
 * Find the key for a token signed with ALG.  With KID, the key whose kid
 * equals it; without, the only key usable with ALG.  The key must be
 * consistent with ALG: kty (RSA for RS/PS, EC with the matching crv for
 * ES, OKP Ed25519 for EdDSA), its "alg" if present equal to ALG, "use"
 * if present "sig", "key_ops" if present containing "verify".  Returns a
 * borrowed key or NULL with *why set.
 */
EVP_PKEY *jwks_key_find(const struct jwks *jwks, const char *kid,
			enum jws_alg alg, const char **why);

#endif
