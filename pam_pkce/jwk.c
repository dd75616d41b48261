#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include "b64url.h"
#include "jwk.h"

/* RFC 8725 section 3.5 and NIST SP 800-131A: nothing weaker is trusted. */
#define RSA_MIN_BITS	2048
/* Verification cost grows with the modulus; no provider needs more. */
#define RSA_MAX_BITS	16384
/* SP 800-56B's upper bound; a huge exponent only makes verifying slow. */
#define RSA_MAX_E_BITS	256
/* 0x04 || X || Y for P-521, the largest curve accepted. */
#define EC_POINT_MAX	(1 + 2 * 66)
#define ED25519_LEN	32
#define GROUP_NAME_MAX	64

/*
 * "none" and HS* are deliberately absent: an HMAC "key" would be whatever
 * public bytes a JWKS holds, and "none" is no signature at all.
 */
static const struct jws_alg_info alg_table[JWS_ALG_COUNT] = {
	[JWS_ALG_RS256] = { "RS256", JWK_FAMILY_RSA, "SHA256", false,
			    NULL, NULL, 0 },
	[JWS_ALG_RS384] = { "RS384", JWK_FAMILY_RSA, "SHA384", false,
			    NULL, NULL, 0 },
	[JWS_ALG_RS512] = { "RS512", JWK_FAMILY_RSA, "SHA512", false,
			    NULL, NULL, 0 },
	[JWS_ALG_PS256] = { "PS256", JWK_FAMILY_RSA, "SHA256", true,
			    NULL, NULL, 0 },
	[JWS_ALG_PS384] = { "PS384", JWK_FAMILY_RSA, "SHA384", true,
			    NULL, NULL, 0 },
	[JWS_ALG_PS512] = { "PS512", JWK_FAMILY_RSA, "SHA512", true,
			    NULL, NULL, 0 },
	[JWS_ALG_ES256] = { "ES256", JWK_FAMILY_EC, "SHA256", false,
			    "P-256", "prime256v1", 32 },
	[JWS_ALG_ES384] = { "ES384", JWK_FAMILY_EC, "SHA384", false,
			    "P-384", "secp384r1", 48 },
	[JWS_ALG_ES512] = { "ES512", JWK_FAMILY_EC, "SHA512", false,
			    "P-521", "secp521r1", 66 },
	[JWS_ALG_EDDSA] = { "EdDSA", JWK_FAMILY_OKP, NULL, false,
			    "Ed25519", NULL, 0 },
};

struct jwk {
	EVP_PKEY *pkey;		/* NULL for a key kept only as unusable */
	const char *unusable;	/* why pkey is NULL */
	char *kid;		/* NULL if absent */
	int alg;		/* the key's own "alg", -1 if absent */
	bool has_use;
	bool use_sig;
	bool has_key_ops;
	bool ops_verify;
};

struct jwks {
	struct jwk *keys;
	size_t count;
};

static int
set_why(const char **why, const char *msg)
{
	if (why != NULL)
		*why = msg;
	return -1;
}

const struct jws_alg_info *
jws_alg_get_info(enum jws_alg alg)
{
	if ((unsigned int)alg >= JWS_ALG_COUNT)
		return NULL;
	return &alg_table[alg];
}

const char *
jws_alg_name(enum jws_alg alg)
{
	const struct jws_alg_info *info = jws_alg_get_info(alg);

	/* Never NULL: callers put this straight into log lines. */
	return info != NULL ? info->name : "unknown";
}

int
jws_alg_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	/* JOSE names are case-sensitive (RFC 7515 section 4.1.1). */
	for (i = 0; i < JWS_ALG_COUNT; i++)
		if (strcmp(alg_table[i].name, name) == 0)
			return i;
	return -1;
}

/* Map either an OpenSSL short name or a NIST name to one NID. */
static int
nid_of_group(const char *name)
{
	int nid = OBJ_sn2nid(name);

	if (nid == NID_undef)
		nid = EC_curve_nist2nid(name);
	return nid;
}

int
jws_alg_check_key(enum jws_alg alg, EVP_PKEY *key, const char **why)
{
	const struct jws_alg_info *info = jws_alg_get_info(alg);
	char group[GROUP_NAME_MAX];
	int bits;

	if (info == NULL)
		return set_why(why, "alg unknown");
	if (key == NULL)
		return set_why(why, "no key");

	switch (info->family) {
	case JWK_FAMILY_RSA:
		/*
		 * An RSA-PSS-typed key would carry its own restrictions that
		 * this table does not model; JWKs never produce one.
		 */
		if (!EVP_PKEY_is_a(key, "RSA"))
			return set_why(why, "key type does not match alg");
		bits = EVP_PKEY_get_bits(key);
		if (bits < RSA_MIN_BITS)
			return set_why(why, "key too small");
		if (bits > RSA_MAX_BITS)
			return set_why(why, "key too large");
		return 0;
	case JWK_FAMILY_EC:
		if (!EVP_PKEY_is_a(key, "EC"))
			return set_why(why, "key type does not match alg");
		if (EVP_PKEY_get_group_name(key, group, sizeof(group),
					    NULL) != 1) {
			ERR_clear_error();
			return set_why(why, "key curve unknown");
		}
		if (nid_of_group(group) == NID_undef ||
		    nid_of_group(group) != nid_of_group(info->group))
			return set_why(why, "key curve does not match alg");
		return 0;
	case JWK_FAMILY_OKP:
		/* Ed448 shares "EdDSA" but is not accepted here. */
		if (!EVP_PKEY_is_a(key, "ED25519"))
			return set_why(why, "key type does not match alg");
		return 0;
	}
	return set_why(why, "alg unknown");
}

/* Decode a required base64url string member; any deviation is an error. */
static int
decode_member(const json_t *obj, const char *name, unsigned char **out,
	      size_t *outlen)
{
	const json_t *member = json_object_get(obj, name);

	*out = NULL;
	*outlen = 0;
	if (!json_is_string(member))
		return -1;
	return b64url_decode(json_string_value(member),
			     json_string_length(member), out, outlen);
}

static EVP_PKEY *
build_key(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params == NULL || ctx == NULL)
		goto cleanup;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}

cleanup:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

/*
 * Full public-key validation: for EC this is the point-on-curve, range
 * and order check that stops invalid-curve keys.
 */
static int
check_public_key(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int ok = ctx != NULL && EVP_PKEY_public_check(ctx) == 1;

	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

static EVP_PKEY *
parse_rsa_key(const json_t *obj, const char **why)
{
	unsigned char *nbin = NULL, *ebin = NULL;
	size_t nlen, elen;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;

	if (decode_member(obj, "n", &nbin, &nlen) != 0 ||
	    decode_member(obj, "e", &ebin, &elen) != 0)
		goto cleanup;
	/* One leading zero octet is a common encoder slip; more is junk. */
	if (nlen > RSA_MAX_BITS / 8 + 1 || elen > RSA_MAX_E_BITS / 8 + 1)
		goto cleanup;
	n = BN_bin2bn(nbin, (int)nlen, NULL);
	e = BN_bin2bn(ebin, (int)elen, NULL);
	if (n == NULL || e == NULL)
		goto cleanup;
	/*
	 * Checked here, before OpenSSL sees the key, so that a short key is
	 * dropped from the set instead of being found and refused later.
	 */
	if (BN_num_bits(n) < RSA_MIN_BITS) {
		*why = "key too small";
		goto cleanup;
	}
	if (BN_num_bits(n) > RSA_MAX_BITS || !BN_is_odd(n))
		goto cleanup;
	/* e = 1 makes every message its own signature. */
	if (!BN_is_odd(e) || BN_is_one(e) || BN_num_bits(e) > RSA_MAX_E_BITS)
		goto cleanup;

	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
		goto cleanup;
	pkey = build_key("RSA", bld);

cleanup:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nbin);
	free(ebin);
	return pkey;
}

static const struct jws_alg_info *
find_ec_curve(const char *crv)
{
	int i;

	for (i = 0; i < JWS_ALG_COUNT; i++)
		if (alg_table[i].family == JWK_FAMILY_EC &&
		    strcmp(alg_table[i].crv, crv) == 0)
			return &alg_table[i];
	return NULL;
}

static EVP_PKEY *
parse_ec_key(const json_t *obj, const char **why)
{
	const struct jws_alg_info *info;
	const char *crv;
	unsigned char *x = NULL, *y = NULL;
	unsigned char point[EC_POINT_MAX];
	size_t xlen, ylen;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;

	crv = json_string_value(json_object_get(obj, "crv"));
	if (crv == NULL || (info = find_ec_curve(crv)) == NULL)
		goto cleanup;
	if (decode_member(obj, "x", &x, &xlen) != 0 ||
	    decode_member(obj, "y", &y, &ylen) != 0)
		goto cleanup;
	/* RFC 7518 section 6.2.1.2: full length, no more, no less. */
	if (xlen != info->coord_size || ylen != info->coord_size)
		goto cleanup;
	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1, x, xlen);
	memcpy(point + 1 + xlen, y, ylen);

	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    info->group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     point, 1 + xlen + ylen) != 1)
		goto cleanup;
	pkey = build_key("EC", bld);
	if (pkey != NULL && check_public_key(pkey) != 0) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}

cleanup:
	OSSL_PARAM_BLD_free(bld);
	free(x);
	free(y);
	return pkey;
}

static EVP_PKEY *
parse_okp_key(const json_t *obj, const char **why)
{
	const char *crv;
	unsigned char *x = NULL;
	size_t xlen;
	EVP_PKEY *pkey = NULL;

	crv = json_string_value(json_object_get(obj, "crv"));
	if (crv == NULL || strcmp(crv, "Ed25519") != 0)
		goto cleanup;
	if (decode_member(obj, "x", &x, &xlen) != 0 || xlen != ED25519_LEN)
		goto cleanup;
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, xlen);

cleanup:
	free(x);
	return pkey;
}

/* 0 with *verify set, -1 if key_ops is not an array of strings. */
static int
read_key_ops(const json_t *ops, bool *verify)
{
	const json_t *op;
	size_t i;

	*verify = false;
	if (!json_is_array(ops))
		return -1;
	json_array_foreach(ops, i, op) {
		if (!json_is_string(op))
			return -1;
		if (strcmp(json_string_value(op), "verify") == 0)
			*verify = true;
	}
	return 0;
}

/*
 * 1 if OBJ became a usable key in *OUT, 0 if it was skipped, -1 if memory
 * ran out.  Skipping rather than failing lets one odd key (an encryption
 * key, a new kty) sit in a provider's JWKS without breaking logins.
 */
static int
parse_key(const json_t *obj, struct jwk *out)
{
	const json_t *member, *kid_member;
	const char *kty, *unusable = "key unusable";
	struct jwk key = { .alg = -1 };
	EVP_PKEY *pkey = NULL;

	if (!json_is_object(obj))
		return 0;
	kid_member = json_object_get(obj, "kid");
	if (kid_member != NULL && !json_is_string(kid_member))
		return 0;
	kty = json_string_value(json_object_get(obj, "kty"));
	if (kty == NULL)
		goto skip;

	member = json_object_get(obj, "use");
	if (member != NULL) {
		if (!json_is_string(member) ||
		    strcmp(json_string_value(member), "sig") != 0) {
			unusable = "key use not sig";
			goto skip;
		}
		key.has_use = true;
		key.use_sig = true;
	}
	member = json_object_get(obj, "key_ops");
	if (member != NULL) {
		if (read_key_ops(member, &key.ops_verify) != 0)
			goto skip;
		key.has_key_ops = true;
	}
	member = json_object_get(obj, "alg");
	if (member != NULL) {
		/* A key bound to an alg we never accept can verify nothing. */
		key.alg = jws_alg_from_name(json_string_value(member));
		if (key.alg < 0) {
			unusable = "key alg not allowed";
			goto skip;
		}
	}

	if (strcmp(kty, "RSA") == 0)
		pkey = parse_rsa_key(obj, &unusable);
	else if (strcmp(kty, "EC") == 0)
		pkey = parse_ec_key(obj, &unusable);
	else if (strcmp(kty, "OKP") == 0)
		pkey = parse_okp_key(obj, &unusable);
	/* "oct" is never usable: symmetric keys do not belong in a JWKS. */
	if (pkey == NULL)
		goto skip;
	if (key.alg >= 0 &&
	    jws_alg_check_key((enum jws_alg)key.alg, pkey, &unusable) != 0) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
		goto skip;
	}
	key.pkey = pkey;
	unusable = NULL;

skip:
	/*
	 * An unusable key is kept by its kid only: a token naming it is then
	 * refused for the key's real fault, and triggers no refetch.
	 */
	if (unusable != NULL && kid_member == NULL)
		return 0;
	if (kid_member != NULL) {
		key.kid = strdup(json_string_value(kid_member));
		if (key.kid == NULL) {
			EVP_PKEY_free(pkey);
			return -1;
		}
	}
	if (unusable != NULL)
		key = (struct jwk){ .kid = key.kid, .alg = -1,
				    .unusable = unusable };
	*out = key;
	return 1;
}

int
jwks_from_json(const json_t *root, struct jwks **out, const char **why)
{
	const json_t *keys, *elem;
	struct jwks *jwks = NULL;
	size_t i, n;
	int r, rc = -1;

	if (out == NULL || root == NULL)
		return set_why(why, "invalid argument");
	*out = NULL;
	if (!json_is_object(root)) {
		set_why(why, "JWKS not an object");
		goto cleanup;
	}
	keys = json_object_get(root, "keys");
	if (!json_is_array(keys)) {
		set_why(why, "JWKS has no keys array");
		goto cleanup;
	}

	jwks = calloc(1, sizeof(*jwks));
	if (jwks == NULL) {
		set_why(why, "out of memory");
		goto cleanup;
	}
	n = json_array_size(keys);
	if (n > 0) {
		jwks->keys = calloc(n, sizeof(*jwks->keys));
		if (jwks->keys == NULL) {
			set_why(why, "out of memory");
			goto cleanup;
		}
	}
	json_array_foreach(keys, i, elem) {
		r = parse_key(elem, &jwks->keys[jwks->count]);
		if (r < 0) {
			set_why(why, "out of memory");
			goto cleanup;
		}
		if (r > 0)
			jwks->count++;
	}

	*out = jwks;
	jwks = NULL;
	rc = 0;

cleanup:
	/*
	 * Skipped keys leave errors queued; drop them so that they are not
	 * blamed on some later, unrelated OpenSSL call in this thread.
	 */
	ERR_clear_error();
	jwks_free(jwks);
	return rc;
}

int
jwks_parse(const char *json, size_t len, struct jwks **out, const char **why)
{
	json_error_t error;
	json_t *root;
	int rc;

	if (out == NULL || json == NULL)
		return set_why(why, "invalid argument");
	*out = NULL;
	/*
	 * Duplicate members are refused: two parsers that keep different
	 * copies of "kid" or "n" would not agree on which key this is.
	 */
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &error);
	if (root == NULL)
		return set_why(why, "JWKS not valid JSON");
	rc = jwks_from_json(root, out, why);
	json_decref(root);
	return rc;
}

void
jwks_free(struct jwks *jwks)
{
	size_t i;

	if (jwks == NULL)
		return;
	for (i = 0; i < jwks->count; i++) {
		EVP_PKEY_free(jwks->keys[i].pkey);
		free(jwks->keys[i].kid);
	}
	free(jwks->keys);
	free(jwks);
}

size_t
jwks_count(const struct jwks *jwks)
{
	size_t usable = 0;

	for (size_t i = 0; jwks != NULL && i < jwks->count; i++)
		if (jwks->keys[i].unusable == NULL)
			usable++;
	return usable;
}

bool
jwks_has_kid(const struct jwks *jwks, const char *kid)
{
	for (size_t i = 0; jwks != NULL && i < jwks->count; i++)
		if (jwks->keys[i].kid != NULL && strcmp(jwks->keys[i].kid, kid) == 0)
			return true;
	return false;
}

static int
check_key_fits(const struct jwk *key, enum jws_alg alg, const char **why)
{
	if (key->unusable != NULL)
		return set_why(why, key->unusable);
	/* Type first, so a kid naming the wrong kind of key says so. */
	if (jws_alg_check_key(alg, key->pkey, why) != 0)
		return -1;
	if (key->alg >= 0 && key->alg != (int)alg)
		return set_why(why, "key alg mismatch");
	/* jwks_parse already drops these; kept so the rule lives here too. */
	if (key->has_use && !key->use_sig)
		return set_why(why, "key use not sig");
	if (key->has_key_ops && !key->ops_verify)
		return set_why(why, "key_ops lacks verify");
	return 0;
}

EVP_PKEY *
jwks_key_find(const struct jwks *jwks, const char *kid, enum jws_alg alg,
	      const char **why)
{
	const struct jwk *found = NULL;
	const char *reason = NULL, *r;
	size_t i, matches = 0;

	if (jwks == NULL || jws_alg_get_info(alg) == NULL) {
		set_why(why, "invalid argument");
		return NULL;
	}
	for (i = 0; i < jwks->count; i++) {
		const struct jwk *key = &jwks->keys[i];

		if (kid != NULL &&
		    (key->kid == NULL || strcmp(key->kid, kid) != 0))
			continue;
		if (check_key_fits(key, alg, &r) != 0) {
			if (reason == NULL)
				reason = r;
			continue;
		}
		matches++;
		found = key;
	}

	if (matches == 1)
		return found->pkey;
	/*
	 * Trying each candidate in turn would let a token pick among keys;
	 * refuse instead and let the provider fix its kids.
	 */
	if (matches > 1)
		set_why(why, kid != NULL ? "several keys share kid"
					 : "several keys match, no kid");
	else if (kid != NULL)
		set_why(why, reason != NULL ? reason : "no key for kid");
	else
		set_why(why, "no key for alg");
	return NULL;
}
