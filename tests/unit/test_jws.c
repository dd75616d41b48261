/*
 * Unit tests for b64url, jwk and jws: the published RFC 7515 / RFC 8037
 * vectors, every other accepted alg with keys made at test time, and the
 * attacks RFC 8725 and the field notes list.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "jwk.h"
#include "jws.h"

/* ---- published vectors ------------------------------------------------ */

/* RFC 7515 A.2 and A.3 share this payload (A.1 shows its bytes). */
#define RFC7515_PAYLOAD \
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt" \
	"cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

/* RFC 7515 A.2.1: the RSA key's public members. */
#define RFC7515_A2_N \
	"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx" \
	"HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs" \
	"D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH" \
	"SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV" \
	"MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8" \
	"NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
#define RFC7515_A2_E "AQAB"

/* RFC 7515 A.2.1: the complete JWS Compact Serialization (RS256). */
#define RFC7515_A2_SIG \
	"cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7" \
	"AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4" \
	"BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K" \
	"0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv" \
	"hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB" \
	"p0igcN_IoypGlUPQGe77Rw"
#define RFC7515_A2_TOKEN \
	"eyJhbGciOiJSUzI1NiJ9." RFC7515_PAYLOAD "." RFC7515_A2_SIG

/* RFC 7515 A.3.1: the P-256 key's public members. */
#define RFC7515_A3_X "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define RFC7515_A3_Y "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"

/* RFC 7515 A.3.1: the complete JWS Compact Serialization (ES256). */
#define RFC7515_A3_SIGNING_INPUT "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD
#define RFC7515_A3_SIG \
	"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA" \
	"pmWQxfKTUJqPP3-Kg6NU1Q"
#define RFC7515_A3_TOKEN RFC7515_A3_SIGNING_INPUT "." RFC7515_A3_SIG

/* RFC 8037 A.1 (private d) and A.2 (public x) of the Ed25519 key. */
#define RFC8037_D "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
#define RFC8037_X "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"

/* RFC 8037 A.4: EdDSA over the payload "Example of Ed25519 signing". */
#define RFC8037_A4_SIGNING_INPUT \
	"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
#define RFC8037_A4_SIG \
	"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5B" \
	"hVsPt9g7sVvpAr_MuM0KAg"

#define RFC7515_A2_JWKS \
	"{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" RFC7515_A2_N "\",\"e\":\"" \
	RFC7515_A2_E "\"}]}"
#define RFC7515_A3_JWKS \
	"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" RFC7515_A3_X \
	"\",\"y\":\"" RFC7515_A3_Y "\"}]}"
#define RFC8037_JWKS \
	"{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" \
	RFC8037_X "\"}]}"

#define CLAIMS \
	"{\"iss\":\"https://idp.example\",\"sub\":\"alice\"," \
	"\"aud\":\"pam\",\"exp\":2000000000}"

/* ---- keys made once for the whole group ------------------------------- */

struct fixture {
	EVP_PKEY *rsa;		/* 2048 bits */
	EVP_PKEY *p256;
	EVP_PKEY *p384;
	EVP_PKEY *p521;
	EVP_PKEY *ed25519;
	EVP_PKEY *attacker;	/* P-256, never in any JWKS */
};

static int
setup_keys(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	fx->rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	fx->p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	fx->p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	fx->p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	fx->ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	fx->attacker = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	*state = fx;
	if (fx->rsa == NULL || fx->p256 == NULL || fx->p384 == NULL ||
	    fx->p521 == NULL || fx->ed25519 == NULL || fx->attacker == NULL)
		return -1;
	return 0;
}

static int
teardown_keys(void **state)
{
	struct fixture *fx = *state;

	if (fx == NULL)
		return 0;
	EVP_PKEY_free(fx->rsa);
	EVP_PKEY_free(fx->p256);
	EVP_PKEY_free(fx->p384);
	EVP_PKEY_free(fx->p521);
	EVP_PKEY_free(fx->ed25519);
	EVP_PKEY_free(fx->attacker);
	free(fx);
	return 0;
}

static struct fixture *
get_fixture(void **state)
{
	assert_non_null(state);
	assert_non_null(*state);
	return *state;
}

/* ---- helpers ----------------------------------------------------------- */

/*
 * How the test signs, written out independently of the module's own table
 * so that a wrong digest or padding there cannot be matched by the signer.
 */
struct signer {
	enum jws_alg alg;
	const char *digest;	/* NULL for EdDSA */
	int padding;		/* RSA only */
	int saltlen;		/* PSS only */
	const char *mgf1;	/* PSS only */
	size_t coord;		/* ECDSA only */
};

static const struct signer signers[] = {
	{ JWS_ALG_RS256, "SHA256", RSA_PKCS1_PADDING, 0, NULL, 0 },
	{ JWS_ALG_RS384, "SHA384", RSA_PKCS1_PADDING, 0, NULL, 0 },
	{ JWS_ALG_RS512, "SHA512", RSA_PKCS1_PADDING, 0, NULL, 0 },
	{ JWS_ALG_PS256, "SHA256", RSA_PKCS1_PSS_PADDING, 32, "SHA256", 0 },
	{ JWS_ALG_PS384, "SHA384", RSA_PKCS1_PSS_PADDING, 48, "SHA384", 0 },
	{ JWS_ALG_PS512, "SHA512", RSA_PKCS1_PSS_PADDING, 64, "SHA512", 0 },
	{ JWS_ALG_ES256, "SHA256", 0, 0, NULL, 32 },
	{ JWS_ALG_ES384, "SHA384", 0, 0, NULL, 48 },
	{ JWS_ALG_ES512, "SHA512", 0, 0, NULL, 66 },
	{ JWS_ALG_EDDSA, NULL, 0, 0, NULL, 0 },
};

static const struct signer *
signer_for(enum jws_alg alg)
{
	size_t i;

	for (i = 0; i < sizeof(signers) / sizeof(signers[0]); i++)
		if (signers[i].alg == alg)
			return &signers[i];
	fail_msg("no signer for alg %d", (int)alg);
	return NULL;
}

static char *
b64(const void *data, size_t len)
{
	char *s = b64url_encode(data, len);

	assert_non_null(s);
	return s;
}

static unsigned char *
unb64(const char *s, size_t *len)
{
	unsigned char *out = NULL;

	assert_int_equal(b64url_decode(s, strlen(s), &out, len), 0);
	return out;
}

static char *
join3(const char *a, const char *b, const char *c)
{
	char *s = NULL;

	assert_true(asprintf(&s, "%s.%s.%s", a, b, c) > 0);
	return s;
}

/* ECDSA DER (what OpenSSL emits) to JOSE R||S of 2 * COORD bytes. */
static unsigned char *
der_to_raw(const unsigned char *der, size_t der_len, size_t coord)
{
	const unsigned char *p = der;
	ECDSA_SIG *esig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	const BIGNUM *r, *s;
	unsigned char *raw = malloc(2 * coord);

	assert_non_null(esig);
	assert_non_null(raw);
	ECDSA_SIG_get0(esig, &r, &s);
	assert_int_equal(BN_bn2binpad(r, raw, (int)coord), (int)coord);
	assert_int_equal(BN_bn2binpad(s, raw + coord, (int)coord),
			 (int)coord);
	ECDSA_SIG_free(esig);
	return raw;
}

/* Sign INPUT with KEY the way S says; ECDSA comes back as raw R||S. */
static unsigned char *
sign_with(EVP_PKEY *key, const struct signer *s, int saltlen,
	  const char *input, size_t *sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *sig, *raw;
	size_t len = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit_ex(ctx, &pctx, s->digest, NULL,
					       NULL, key, NULL), 1);
	if (s->padding != 0) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx,
							      s->padding), 1);
		if (s->padding == RSA_PKCS1_PSS_PADDING) {
			assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(
					 pctx, saltlen), 1);
			assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md_name(
					 pctx, s->mgf1, NULL), 1);
		}
	}
	assert_int_equal(EVP_DigestSign(ctx, NULL, &len,
					(const unsigned char *)input,
					strlen(input)), 1);
	sig = malloc(len);
	assert_non_null(sig);
	assert_int_equal(EVP_DigestSign(ctx, sig, &len,
					(const unsigned char *)input,
					strlen(input)), 1);
	EVP_MD_CTX_free(ctx);
	if (s->coord != 0) {
		raw = der_to_raw(sig, len, s->coord);
		free(sig);
		sig = raw;
		len = 2 * s->coord;
	}
	*sig_len = len;
	return sig;
}

/* "b64(header).b64(payload)" for literal JSON texts. */
static char *
signing_input(const char *header, const char *payload)
{
	char *h = b64(header, strlen(header));
	char *p = b64(payload, strlen(payload));
	char *in = NULL;

	assert_true(asprintf(&in, "%s.%s", h, p) > 0);
	free(h);
	free(p);
	return in;
}

/*
 * A compact JWS with HEADER and PAYLOAD, signed by KEY as SIGN_AS says,
 * whatever the header claims, so that mismatches can be built.
 */
static char *
make_token(EVP_PKEY *key, enum jws_alg sign_as, const char *header,
	   const char *payload)
{
	const struct signer *s = signer_for(sign_as);
	char *in = signing_input(header, payload);
	char *sig_b64, *token = NULL;
	unsigned char *sig;
	size_t sig_len;

	sig = sign_with(key, s, s->saltlen, in, &sig_len);
	sig_b64 = b64(sig, sig_len);
	assert_true(asprintf(&token, "%s.%s", in, sig_b64) > 0);
	free(in);
	free(sig);
	free(sig_b64);
	return token;
}

/* TOKEN with its signature segment replaced by SIG. */
static char *
resign(const char *token, const unsigned char *sig, size_t len)
{
	const char *dot = strrchr(token, '.');
	char *sig_b64 = b64(sig, len), *out = NULL;

	assert_non_null(dot);
	assert_true(asprintf(&out, "%.*s.%s", (int)(dot - token), token,
			     sig_b64) > 0);
	free(sig_b64);
	return out;
}

/* The decoded signature segment of TOKEN. */
static unsigned char *
token_sig(const char *token, size_t *len)
{
	const char *dot = strrchr(token, '.');

	assert_non_null(dot);
	return unb64(dot + 1, len);
}

static void
set_b64_member(json_t *obj, const char *name, const unsigned char *data,
	       size_t len)
{
	char *s = b64(data, len);

	assert_int_equal(json_object_set_new(obj, name, json_string(s)), 0);
	free(s);
}

static void
set_bn_member(json_t *obj, const char *name, const BIGNUM *bn, size_t pad)
{
	size_t len = pad != 0 ? pad : (size_t)BN_num_bytes(bn);
	unsigned char *buf = malloc(len ? len : 1);

	assert_non_null(buf);
	assert_int_equal(BN_bn2binpad(bn, buf, (int)len), (int)len);
	set_b64_member(obj, name, buf, len);
	free(buf);
}

/* The public JWK of KEY, built from its OpenSSL parameters. */
static json_t *
jwk_of(EVP_PKEY *key, const char *kid, const char *alg, const char *use)
{
	json_t *jwk = json_object();
	BIGNUM *a = NULL, *b = NULL;

	assert_non_null(jwk);
	if (EVP_PKEY_is_a(key, "RSA")) {
		assert_int_equal(EVP_PKEY_get_bn_param(key,
				 OSSL_PKEY_PARAM_RSA_N, &a), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(key,
				 OSSL_PKEY_PARAM_RSA_E, &b), 1);
		json_object_set_new(jwk, "kty", json_string("RSA"));
		set_bn_member(jwk, "n", a, 0);
		set_bn_member(jwk, "e", b, 0);
	} else if (EVP_PKEY_is_a(key, "EC")) {
		int bits = EVP_PKEY_get_bits(key);
		size_t coord = ((size_t)bits + 7) / 8;
		const char *crv = bits == 256 ? "P-256" :
				  bits == 384 ? "P-384" : "P-521";

		assert_int_equal(EVP_PKEY_get_bn_param(key,
				 OSSL_PKEY_PARAM_EC_PUB_X, &a), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(key,
				 OSSL_PKEY_PARAM_EC_PUB_Y, &b), 1);
		json_object_set_new(jwk, "kty", json_string("EC"));
		json_object_set_new(jwk, "crv", json_string(crv));
		set_bn_member(jwk, "x", a, coord);
		set_bn_member(jwk, "y", b, coord);
	} else {
		unsigned char raw[32];
		size_t len = sizeof(raw);

		assert_true(EVP_PKEY_is_a(key, "ED25519"));
		assert_int_equal(EVP_PKEY_get_raw_public_key(key, raw, &len),
				 1);
		json_object_set_new(jwk, "kty", json_string("OKP"));
		json_object_set_new(jwk, "crv", json_string("Ed25519"));
		set_b64_member(jwk, "x", raw, len);
	}
	BN_free(a);
	BN_free(b);
	if (kid != NULL)
		json_object_set_new(jwk, "kid", json_string(kid));
	if (alg != NULL)
		json_object_set_new(jwk, "alg", json_string(alg));
	if (use != NULL)
		json_object_set_new(jwk, "use", json_string(use));
	return jwk;
}

/* {"keys":[...]} from a NULL-terminated list of JWKs (references stolen). */
static char *
jwks_text(json_t *first, ...)
{
	json_t *keys = json_array(), *doc, *k;
	va_list ap;
	char *s;

	assert_non_null(keys);
	va_start(ap, first);
	for (k = first; k != NULL; k = va_arg(ap, json_t *))
		assert_int_equal(json_array_append_new(keys, k), 0);
	va_end(ap);
	doc = json_pack("{s:o}", "keys", keys);
	assert_non_null(doc);
	s = json_dumps(doc, JSON_COMPACT);
	assert_non_null(s);
	json_decref(doc);
	return s;
}

static struct jwks *
load_jwks(const char *text)
{
	struct jwks *jwks = NULL;
	const char *why = NULL;

	if (jwks_parse(text, strlen(text), &jwks, &why) != 0)
		fail_msg("jwks_parse: %s", why);
	return jwks;
}

/* The whole path a caller runs: JWKS, token, signature. */
static int
check_token(const char *token, const char *jwks_json, unsigned int allowed,
	    const char **why)
{
	struct jwks *jwks = load_jwks(jwks_json);
	struct jws *jws = NULL;
	int rc;

	*why = NULL;
	rc = jws_parse(token, allowed, &jws, why);
	if (rc == 0)
		rc = jws_verify(jws, jwks, why);
	jws_free(jws);
	jwks_free(jwks);
	return rc;
}

static void
expect_ok(const char *token, const char *jwks_json)
{
	const char *why = NULL;

	if (check_token(token, jwks_json, JWS_ALGS_ALL, &why) != 0)
		fail_msg("expected a valid token, refused: %s", why);
}

/* Refused, and for the reason the test is about. */
static void
expect_refused(const char *token, const char *jwks_json, unsigned int allowed,
	       const char *reason)
{
	const char *why = NULL;

	assert_int_equal(check_token(token, jwks_json, allowed, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void
expect_parse_refused(const char *token, unsigned int allowed,
		     const char *reason)
{
	struct jws *jws = (struct jws *)1;
	const char *why = NULL;

	assert_int_equal(jws_parse(token, allowed, &jws, &why), -1);
	assert_null(jws);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

/* ---- b64url ------------------------------------------------------------ */

static void
test_b64url_known_answers(void **state)
{
	/* RFC 4648 section 10, padding removed as RFC 7515 section 2 says. */
	static const struct {
		const char *plain, *enc;
	} v[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" },
	};
	static const unsigned char urlsafe[] = { 0xfb, 0xff, 0xbf };
	unsigned char *out;
	size_t i, len;
	char *s;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		s = b64(v[i].plain, strlen(v[i].plain));
		assert_string_equal(s, v[i].enc);
		free(s);
		out = unb64(v[i].enc, &len);
		assert_int_equal(len, strlen(v[i].plain));
		assert_memory_equal(out, v[i].plain, len);
		assert_int_equal(out[len], '\0');
		free(out);
	}
	/* 62 and 63 are '-' and '_', never '+' and '/'. */
	s = b64(urlsafe, sizeof(urlsafe));
	assert_string_equal(s, "-_-_");
	free(s);
}

static void
test_b64url_round_trip(void **state)
{
	unsigned char buf[300], *out;
	size_t n, i, len;
	char *s;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 131 + 7);
	for (n = 0; n <= sizeof(buf); n++) {
		s = b64(buf, n);
		assert_int_equal(strlen(s),
				 n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0));
		assert_null(strpbrk(s, "+/="));
		out = unb64(s, &len);
		assert_int_equal(len, n);
		assert_memory_equal(out, buf, n);
		free(out);
		free(s);
	}
}

static void
test_b64url_rejects(void **state)
{
	static const char *bad[] = {
		"Zg==",		/* padding */
		"Zm8=",		/* padding */
		"Zg=",		/* padding */
		"ab+c",		/* standard alphabet */
		"ab/c",		/* standard alphabet */
		"Zm9v Yg",	/* white space */
		"Zm9v\nYg",	/* white space */
		" Zm9v",	/* white space */
		"Zm9v\t",	/* white space */
		"Z",		/* len % 4 == 1 */
		"Zm9vY",	/* len % 4 == 1 */
		"Zh",		/* trailing bits not zero */
		"Zm9",		/* trailing bits not zero */
		"AB",		/* 'B' leaves a 1 bit past the byte */
		"ab=c",		/* '=' inside */
		"\303\251ab",	/* non-ASCII */
		".abc",		/* segment separator */
	};
	unsigned char *out = (unsigned char *)1;
	size_t i, len = 99;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = (unsigned char *)1;
		if (b64url_decode(bad[i], strlen(bad[i]), &out, &len) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(out);
	}
	/* An embedded NUL within the given length is not in the alphabet. */
	assert_int_equal(b64url_decode("ab\0c", 4, &out, &len), -1);
	/* The length bounds the input; what follows is not read. */
	assert_int_equal(b64url_decode("Zm9v+++", 4, &out, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "foo", 3);
	free(out);
}

/* ---- alg table --------------------------------------------------------- */

static void
test_alg_names(void **state)
{
	static const char *never[] = {
		"none", "None", "NONE", "HS256", "HS384", "HS512", "rs256",
		"RS256 ", "ES256K", "Ed25519", "RSA-OAEP", "", "PS1024",
	};
	int i;

	for (i = 0; i < JWS_ALG_COUNT; i++)
		assert_int_equal(jws_alg_from_name(
				 jws_alg_name((enum jws_alg)i)), i);
	assert_string_equal(jws_alg_name(JWS_ALG_EDDSA), "EdDSA");
	assert_string_equal(jws_alg_name(JWS_ALG_PS384), "PS384");
	assert_string_equal(jws_alg_name(JWS_ALG_COUNT), "unknown");
	for (i = 0; i < (int)(sizeof(never) / sizeof(never[0])); i++)
		assert_int_equal(jws_alg_from_name(never[i]), -1);
	assert_int_equal(jws_alg_from_name(NULL), -1);
	assert_null(jws_alg_get_info(JWS_ALG_COUNT));
	assert_int_equal(jws_alg_get_info(JWS_ALG_ES512)->coord_size, 66);
	assert_int_equal(jws_alg_get_info(JWS_ALG_ES384)->coord_size, 48);
	assert_int_equal(jws_alg_get_info(JWS_ALG_ES256)->coord_size, 32);
	assert_true(jws_alg_get_info(JWS_ALG_PS256)->rsa_pss);
	assert_false(jws_alg_get_info(JWS_ALG_RS256)->rsa_pss);
}

/* ---- published vectors ------------------------------------------------- */

static void
test_rfc7515_a2_rs256(void **state)
{
	struct jwks *jwks = load_jwks(RFC7515_A2_JWKS);
	struct jws *jws = NULL;
	const char *why = NULL;
	json_t *payload;

	assert_int_equal(jwks_count(jwks), 1);
	assert_int_equal(jws_parse(RFC7515_A2_TOKEN, JWS_ALGS_ALL, &jws,
				   &why), 0);
	assert_int_equal(jws_get_alg(jws), JWS_ALG_RS256);
	assert_null(jws_get_kid(jws));
	assert_null(jws_get_typ(jws));
	payload = jws_get_payload(jws);
	assert_string_equal(json_string_value(json_object_get(payload,
				"iss")), "joe");
	assert_int_equal(json_integer_value(json_object_get(payload, "exp")),
			 1300819380);
	assert_true(json_is_true(json_object_get(payload,
				"http://example.com/is_root")));
	if (jws_verify(jws, jwks, &why) != 0)
		fail_msg("RFC 7515 A.2 refused: %s", why);
	assert_int_equal(jws_verify_key(jws, jwks_key_find(jwks, NULL,
				JWS_ALG_RS256, &why), &why), 0);
	jws_free(jws);
	jwks_free(jwks);
}

static void
test_rfc7515_a3_es256(void **state)
{
	struct jwks *jwks = load_jwks(RFC7515_A3_JWKS);
	struct jws *jws = NULL;
	const char *why = NULL;

	assert_int_equal(jwks_count(jwks), 1);
	assert_int_equal(jws_parse(RFC7515_A3_TOKEN, JWS_ALGS_ALL, &jws,
				   &why), 0);
	assert_int_equal(jws_get_alg(jws), JWS_ALG_ES256);
	assert_string_equal(json_string_value(json_object_get(
				jws_get_payload(jws), "iss")), "joe");
	if (jws_verify(jws, jwks, &why) != 0)
		fail_msg("RFC 7515 A.3 refused: %s", why);
	jws_free(jws);
	jwks_free(jwks);
}

static void
test_rfc8037_ed25519(void **state)
{
	struct jwks *jwks = load_jwks(RFC8037_JWKS);
	const char *in = RFC8037_A4_SIGNING_INPUT, *why = NULL;
	unsigned char *sig, *d, *mine;
	size_t sig_len, d_len, mine_len;
	EVP_PKEY *pub, *priv;
	char *token;

	assert_int_equal(jwks_count(jwks), 1);
	pub = jwks_key_find(jwks, NULL, JWS_ALG_EDDSA, &why);
	assert_non_null(pub);
	sig = unb64(RFC8037_A4_SIG, &sig_len);
	assert_int_equal(sig_len, 64);

	/* A.4 exactly as published; its payload is text, not a claim set. */
	if (jws_signature_verify(JWS_ALG_EDDSA, pub,
				 (const unsigned char *)in, strlen(in), sig,
				 sig_len, &why) != 0)
		fail_msg("RFC 8037 A.4 refused: %s", why);
	expect_parse_refused(RFC8037_A4_SIGNING_INPUT "." RFC8037_A4_SIG,
			     JWS_ALGS_ALL, "payload not a JSON object");
	/* One octet short or one over is not an Ed25519 signature. */
	assert_int_equal(jws_signature_verify(JWS_ALG_EDDSA, pub,
				(const unsigned char *)in, strlen(in), sig,
				sig_len - 1, &why), -1);
	assert_string_equal(why, "signature length wrong");
	{
		unsigned char longer[65];

		memcpy(longer, sig, 64);
		longer[64] = 0;
		assert_int_equal(jws_signature_verify(JWS_ALG_EDDSA, pub,
					(const unsigned char *)in, strlen(in),
					longer, sizeof(longer), &why), -1);
		assert_string_equal(why, "signature length wrong");
	}
	sig[10] ^= 0x01;
	assert_int_equal(jws_signature_verify(JWS_ALG_EDDSA, pub,
				(const unsigned char *)in, strlen(in), sig,
				sig_len, &why), -1);
	assert_string_equal(why, "signature invalid");

	/* A.1's private key re-creates A.4 (Ed25519 is deterministic)... */
	d = unb64(RFC8037_D, &d_len);
	priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, d, d_len);
	assert_non_null(priv);
	mine = sign_with(priv, signer_for(JWS_ALG_EDDSA), 0, in, &mine_len);
	sig[10] ^= 0x01;
	assert_int_equal(mine_len, sig_len);
	assert_memory_equal(mine, sig, sig_len);

	/* ...and signs a real claim set that verifies through the JWKS. */
	token = make_token(priv, JWS_ALG_EDDSA, "{\"alg\":\"EdDSA\"}", CLAIMS);
	expect_ok(token, RFC8037_JWKS);

	free(token);
	free(mine);
	free(d);
	free(sig);
	EVP_PKEY_free(priv);
	jwks_free(jwks);
}

/* ---- every alg with keys made here ------------------------------------- */

static EVP_PKEY *
key_for(struct fixture *fx, enum jws_alg alg)
{
	switch (alg) {
	case JWS_ALG_ES256:
		return fx->p256;
	case JWS_ALG_ES384:
		return fx->p384;
	case JWS_ALG_ES512:
		return fx->p521;
	case JWS_ALG_EDDSA:
		return fx->ed25519;
	default:
		return fx->rsa;
	}
}

/* Sign with a fresh key, publish its JWK, verify through the full path. */
static void
check_generated(void **state, enum jws_alg alg)
{
	struct fixture *fx = get_fixture(state);
	EVP_PKEY *key = key_for(fx, alg);
	const char *name = jws_alg_name(alg);
	struct jwks *jwks;
	struct jws *jws = NULL;
	const char *why = NULL;
	char header[128], *token, *doc, *bad;
	unsigned char *sig;
	size_t sig_len;

	snprintf(header, sizeof(header),
		 "{\"alg\":\"%s\",\"kid\":\"k-%s\",\"typ\":\"JWT\"}", name,
		 name);
	token = make_token(key, alg, header, CLAIMS);
	snprintf(header, sizeof(header), "k-%s", name);
	doc = jwks_text(jwk_of(fx->rsa, "other-rsa", NULL, "sig"),
			jwk_of(key, header, name, "sig"),
			jwk_of(fx->p384, "other-ec", NULL, NULL), NULL);

	jwks = load_jwks(doc);
	assert_int_equal(jws_parse(token, 1u << alg, &jws, &why), 0);
	assert_int_equal(jws_get_alg(jws), alg);
	assert_string_equal(jws_get_kid(jws), header);
	assert_string_equal(jws_get_typ(jws), "JWT");
	assert_string_equal(json_string_value(json_object_get(
				jws_get_payload(jws), "sub")), "alice");
	if (jws_verify(jws, jwks, &why) != 0)
		fail_msg("%s refused: %s", name, why);
	jws_free(jws);
	jwks_free(jwks);

	/* The same token with one signature bit flipped must fail. */
	sig = token_sig(token, &sig_len);
	sig[sig_len / 2] ^= 0x40;
	bad = resign(token, sig, sig_len);
	expect_refused(bad, doc, JWS_ALGS_ALL, "signature invalid");

	free(bad);
	free(sig);
	free(doc);
	free(token);
}

static void
test_generated_rs256(void **state)
{
	check_generated(state, JWS_ALG_RS256);
}

static void
test_generated_rs384(void **state)
{
	check_generated(state, JWS_ALG_RS384);
}

static void
test_generated_rs512(void **state)
{
	check_generated(state, JWS_ALG_RS512);
}

static void
test_generated_ps256(void **state)
{
	check_generated(state, JWS_ALG_PS256);
}

static void
test_generated_ps384(void **state)
{
	check_generated(state, JWS_ALG_PS384);
}

static void
test_generated_ps512(void **state)
{
	check_generated(state, JWS_ALG_PS512);
}

static void
test_generated_es256(void **state)
{
	check_generated(state, JWS_ALG_ES256);
}

static void
test_generated_es384(void **state)
{
	check_generated(state, JWS_ALG_ES384);
}

static void
test_generated_es512(void **state)
{
	check_generated(state, JWS_ALG_ES512);
}

static void
test_generated_eddsa(void **state)
{
	check_generated(state, JWS_ALG_EDDSA);
}

/* ---- refusals ---------------------------------------------------------- */

static void
test_alg_none(void **state)
{
	char *in = signing_input("{\"alg\":\"none\"}", CLAIMS), *token = NULL;

	assert_true(asprintf(&token, "%s.", in) > 0);
	expect_parse_refused(token, JWS_ALGS_ALL, "alg not allowed");
	/* Every bit set, even those past the enum, does not let it in. */
	expect_parse_refused(token, ~0u, "alg not allowed");
	free(token);
	/* With something in the signature slot, still refused. */
	assert_true(asprintf(&token, "%s.c2lnbmF0dXJl", in) > 0);
	expect_refused(token, RFC7515_A2_JWKS, ~0u, "alg not allowed");
	free(token);
	free(in);

	in = signing_input("{\"alg\":\"None\"}", CLAIMS);
	assert_true(asprintf(&token, "%s.c2ln", in) > 0);
	expect_parse_refused(token, ~0u, "alg not allowed");
	free(token);
	free(in);
}

static void
test_alg_hs256(void **state)
{
	unsigned char *n, mac[64];
	size_t n_len, mac_len = 0;
	char *in, *mac_b64, *token = NULL, *doc;
	struct jwks *jwks;

	assert_int_equal(jws_alg_from_name("HS256"), -1);
	assert_int_equal(jws_alg_from_name("HS384"), -1);
	assert_int_equal(jws_alg_from_name("HS512"), -1);

	/*
	 * The classic confusion: HMAC keyed with the RSA public key's bytes,
	 * which anyone can read from the JWKS.
	 */
	n = unb64(RFC7515_A2_N, &n_len);
	in = signing_input("{\"alg\":\"HS256\"}", CLAIMS);
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, n,
				  n_len, (const unsigned char *)in,
				  strlen(in), mac, sizeof(mac), &mac_len));
	mac_b64 = b64(mac, mac_len);
	assert_true(asprintf(&token, "%s.%s", in, mac_b64) > 0);
	expect_parse_refused(token, ~0u, "alg not allowed");
	expect_refused(token, RFC7515_A2_JWKS, ~0u, "alg not allowed");

	/* An RSA JWK claiming HS256 is no usable key... */
	doc = "{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"HS256\",\"n\":\""
	      RFC7515_A2_N "\",\"e\":\"AQAB\"}]}";
	jwks = load_jwks(doc);
	assert_int_equal(jwks_count(jwks), 0);
	jwks_free(jwks);
	/* ...and neither is a symmetric key. */
	jwks = load_jwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}");
	assert_int_equal(jwks_count(jwks), 0);
	jwks_free(jwks);

	free(token);
	free(mac_b64);
	free(in);
	free(n);
}

static void
test_segment_count(void **state)
{
	const char *a2 = RFC7515_A2_TOKEN;
	const char *last = strrchr(a2, '.');
	char *two = strndup(a2, (size_t)(last - a2)), *four = NULL;

	assert_non_null(two);
	expect_parse_refused(two, JWS_ALGS_ALL, "token not three segments");
	expect_parse_refused("eyJhbGciOiJSUzI1NiJ9", JWS_ALGS_ALL,
			     "token not three segments");
	expect_parse_refused("", JWS_ALGS_ALL, "token not three segments");
	assert_true(asprintf(&four, "%s.e30", a2) > 0);
	expect_parse_refused(four, JWS_ALGS_ALL, "token not three segments");
	free(four);
	free(two);
}

static void
test_jwe_refused(void **state)
{
	/* RFC 7516 compact form: header.key.iv.ciphertext.tag */
	const char *jwe_hdr = "{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\"}";
	char *hdr = b64(jwe_hdr, strlen(jwe_hdr));
	char *token = NULL;

	assert_true(asprintf(&token, "%s.a2V5.aXY.Y2lwaGVy.dGFn", hdr) > 0);
	expect_parse_refused(token, JWS_ALGS_ALL, "JWE not supported");
	expect_parse_refused("a.b.c.d.e", JWS_ALGS_ALL, "JWE not supported");
	free(token);
	free(hdr);
}

static void
test_tampered_payload(void **state)
{
	const char *eve = "{\"iss\":\"eve\",\r\n \"exp\":1300819380,\r\n"
			  " \"http://example.com/is_root\":true}";
	char *payload = b64(eve, strlen(eve));
	char *token = join3("eyJhbGciOiJSUzI1NiJ9", payload, RFC7515_A2_SIG);

	expect_refused(token, RFC7515_A2_JWKS, JWS_ALGS_ALL,
		       "signature invalid");
	free(token);
	free(payload);

	/* A.3 with "joe" changed to "jof": still valid JSON, wrong bytes. */
	payload = strdup(RFC7515_PAYLOAD);
	assert_non_null(payload);
	assert_int_equal(payload[14], 'U');
	payload[14] = 'Y';
	token = join3("eyJhbGciOiJFUzI1NiJ9", payload, RFC7515_A3_SIG);
	expect_refused(token, RFC7515_A3_JWKS, JWS_ALGS_ALL,
		       "signature invalid");
	free(token);
	free(payload);
}

static void
test_tampered_signature(void **state)
{
	unsigned char *sig;
	size_t len;
	char *token;

	sig = token_sig(RFC7515_A2_TOKEN, &len);
	assert_int_equal(len, 256);
	sig[len - 1] ^= 0x01;
	token = resign(RFC7515_A2_TOKEN, sig, len);
	expect_refused(token, RFC7515_A2_JWKS, JWS_ALGS_ALL,
		       "signature invalid");
	free(token);
	free(sig);

	sig = token_sig(RFC7515_A3_TOKEN, &len);
	assert_int_equal(len, 64);
	sig[0] ^= 0x80;
	token = resign(RFC7515_A3_TOKEN, sig, len);
	expect_refused(token, RFC7515_A3_JWKS, JWS_ALGS_ALL,
		       "signature invalid");
	free(token);
	free(sig);

	/* RSA: one octet more or less than the modulus is refused outright. */
	sig = token_sig(RFC7515_A2_TOKEN, &len);
	token = resign(RFC7515_A2_TOKEN, sig, len - 1);
	expect_refused(token, RFC7515_A2_JWKS, JWS_ALGS_ALL,
		       "signature length wrong");
	free(token);
	free(sig);

	/* Empty signature segment. */
	expect_parse_refused("eyJhbGciOiJSUzI1NiJ9." RFC7515_PAYLOAD ".",
			     JWS_ALGS_ALL, "signature empty");
	/* Signature segment not strict base64url. */
	expect_parse_refused(RFC7515_A3_TOKEN "=", JWS_ALGS_ALL,
			     "signature not base64url");
}

static void
test_es256_signature_length(void **state)
{
	unsigned char *sig, big[65], *der = NULL;
	ECDSA_SIG *esig;
	BIGNUM *r, *s;
	size_t len;
	int der_len;
	char *token;

	sig = token_sig(RFC7515_A3_TOKEN, &len);
	assert_int_equal(len, 64);

	token = resign(RFC7515_A3_TOKEN, sig, 63);
	expect_refused(token, RFC7515_A3_JWKS, JWS_ALGS_ALL,
		       "signature length wrong");
	free(token);

	memcpy(big, sig, 64);
	big[64] = 0;
	token = resign(RFC7515_A3_TOKEN, big, 65);
	expect_refused(token, RFC7515_A3_JWKS, JWS_ALGS_ALL,
		       "signature length wrong");
	free(token);

	/* The same (valid) signature in OpenSSL's DER form. */
	r = BN_bin2bn(sig, 32, NULL);
	s = BN_bin2bn(sig + 32, 32, NULL);
	esig = ECDSA_SIG_new();
	assert_non_null(esig);
	assert_int_equal(ECDSA_SIG_set0(esig, r, s), 1);
	der_len = i2d_ECDSA_SIG(esig, &der);
	assert_true(der_len > 64);
	token = resign(RFC7515_A3_TOKEN, der, (size_t)der_len);
	expect_refused(token, RFC7515_A3_JWKS, JWS_ALGS_ALL,
		       "signature length wrong");
	free(token);

	OPENSSL_free(der);
	ECDSA_SIG_free(esig);
	free(sig);
}

static void
test_es256_zero_r_s(void **state)
{
	unsigned char *orig, sig[64];
	size_t len;
	char *token;

	orig = token_sig(RFC7515_A3_TOKEN, &len);

	memcpy(sig, orig, 64);
	memset(sig, 0, 32);
	token = resign(RFC7515_A3_TOKEN, sig, 64);
	expect_refused(token, RFC7515_A3_JWKS, JWS_ALGS_ALL,
		       "signature r or s zero");
	free(token);

	memcpy(sig, orig, 64);
	memset(sig + 32, 0, 32);
	token = resign(RFC7515_A3_TOKEN, sig, 64);
	expect_refused(token, RFC7515_A3_JWKS, JWS_ALGS_ALL,
		       "signature r or s zero");
	free(token);

	memset(sig, 0, 64);
	token = resign(RFC7515_A3_TOKEN, sig, 64);
	expect_refused(token, RFC7515_A3_JWKS, JWS_ALGS_ALL,
		       "signature r or s zero");
	free(token);
	free(orig);
}

static void
test_rsa1024_skipped(void **state)
{
	EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	struct jws *jws = NULL;
	struct jwks *jwks;
	const char *why = NULL;
	char *token, *doc, *token_nokid;

	assert_non_null(small);
	token = make_token(small, JWS_ALG_RS256,
			   "{\"alg\":\"RS256\",\"kid\":\"small\"}", CLAIMS);
	token_nokid = make_token(small, JWS_ALG_RS256, "{\"alg\":\"RS256\"}",
				 CLAIMS);
	doc = jwks_text(jwk_of(small, "small", "RS256", "sig"), NULL);
	jwks = load_jwks(doc);
	assert_int_equal(jwks_count(jwks), 0);
	jwks_free(jwks);
	/* Kept by its kid, so the refusal names the real fault. */
	expect_refused(token, doc, JWS_ALGS_ALL, "key too small");
	expect_refused(token_nokid, doc, JWS_ALGS_ALL, "no key for alg");
	free(doc);
	/* Without "alg" the size rule alone must drop it. */
	doc = jwks_text(jwk_of(small, "small", NULL, NULL), NULL);
	jwks = load_jwks(doc);
	assert_int_equal(jwks_count(jwks), 0);
	assert_true(jwks_has_kid(jwks, "small"));
	jwks_free(jwks);
	expect_refused(token, doc, JWS_ALGS_ALL, "key too small");

	/* Handed the key directly, jws_verify_key still refuses it. */
	assert_int_equal(jws_parse(token, JWS_ALGS_ALL, &jws, &why), 0);
	assert_int_equal(jws_verify_key(jws, small, &why), -1);
	assert_string_equal(why, "key too small");

	jws_free(jws);
	free(doc);
	free(token_nokid);
	free(token);
	EVP_PKEY_free(small);
}

static void
test_crit_header(void **state)
{
	struct fixture *fx = get_fixture(state);
	static const char *headers[] = {
		"{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}",
		"{\"alg\":\"RS256\",\"crit\":[]}",
		"{\"alg\":\"RS256\",\"b64\":false,\"crit\":[\"b64\"]}",
		"{\"crit\":null,\"alg\":\"RS256\"}",
	};
	char *doc = jwks_text(jwk_of(fx->rsa, NULL, NULL, NULL), NULL);
	size_t i;
	char *token;

	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		token = make_token(fx->rsa, JWS_ALG_RS256, headers[i], CLAIMS);
		expect_refused(token, doc, JWS_ALGS_ALL,
			       "crit header present");
		free(token);
	}
	free(doc);
}

static void
test_unknown_kid(void **state)
{
	struct fixture *fx = get_fixture(state);
	char *doc = jwks_text(jwk_of(fx->rsa, "k1", NULL, NULL), NULL);
	char *token = make_token(fx->rsa, JWS_ALG_RS256,
				 "{\"alg\":\"RS256\",\"kid\":\"k2\"}", CLAIMS);

	expect_refused(token, doc, JWS_ALGS_ALL, "no key for kid");
	free(token);
	free(doc);

	/* A kid in the token never matches a key that has none. */
	doc = jwks_text(jwk_of(fx->rsa, NULL, NULL, NULL), NULL);
	token = make_token(fx->rsa, JWS_ALG_RS256,
			   "{\"alg\":\"RS256\",\"kid\":\"k1\"}", CLAIMS);
	expect_refused(token, doc, JWS_ALGS_ALL, "no key for kid");
	free(token);
	free(doc);

	/* kid must be a string. */
	token = make_token(fx->rsa, JWS_ALG_RS256,
			   "{\"alg\":\"RS256\",\"kid\":7}", CLAIMS);
	expect_parse_refused(token, JWS_ALGS_ALL, "kid not a string");
	free(token);
}

static void
test_key_alg_mismatch(void **state)
{
	struct fixture *fx = get_fixture(state);
	char *doc = jwks_text(jwk_of(fx->rsa, "k1", "RS384", "sig"), NULL);
	char *token = make_token(fx->rsa, JWS_ALG_RS256,
				 "{\"alg\":\"RS256\",\"kid\":\"k1\"}", CLAIMS);
	char *nokid = make_token(fx->rsa, JWS_ALG_RS256, "{\"alg\":\"RS256\"}",
				 CLAIMS);
	char *ps = make_token(fx->rsa, JWS_ALG_PS256,
			      "{\"alg\":\"PS256\",\"kid\":\"k1\"}", CLAIMS);

	expect_refused(token, doc, JWS_ALGS_ALL, "key alg mismatch");
	expect_refused(nokid, doc, JWS_ALGS_ALL, "no key for alg");
	expect_refused(ps, doc, JWS_ALGS_ALL, "key alg mismatch");
	free(ps);
	free(nokid);
	free(token);
	free(doc);

	/* A JWK whose own alg contradicts its kty is dropped. */
	doc = jwks_text(jwk_of(fx->p256, "k1", "RS256", NULL),
			jwk_of(fx->p256, "k2", "ES384", NULL), NULL);
	{
		struct jwks *jwks = load_jwks(doc);

		assert_int_equal(jwks_count(jwks), 0);
		jwks_free(jwks);
	}
	free(doc);
}

static void
test_key_use_enc(void **state)
{
	struct fixture *fx = get_fixture(state);
	json_t *ops = jwk_of(fx->rsa, "k1", NULL, NULL);
	char *doc = jwks_text(jwk_of(fx->rsa, "k1", NULL, "enc"), NULL);
	char *token = make_token(fx->rsa, JWS_ALG_RS256,
				 "{\"alg\":\"RS256\",\"kid\":\"k1\"}", CLAIMS);
	struct jwks *jwks = load_jwks(doc);

	assert_int_equal(jwks_count(jwks), 0);
	jwks_free(jwks);
	expect_refused(token, doc, JWS_ALGS_ALL, "key use not sig");
	free(doc);

	/* key_ops without "verify" is found, then refused. */
	json_object_set_new(ops, "key_ops", json_pack("[ss]", "encrypt",
						       "wrapKey"));
	doc = jwks_text(ops, NULL);
	expect_refused(token, doc, JWS_ALGS_ALL, "key_ops lacks verify");
	free(doc);

	/* With "verify" it is fine. */
	ops = jwk_of(fx->rsa, "k1", NULL, "sig");
	json_object_set_new(ops, "key_ops", json_pack("[s]", "verify"));
	doc = jwks_text(ops, NULL);
	expect_ok(token, doc);
	free(doc);
	free(token);
}

static void
test_p384_key_for_es256(void **state)
{
	struct fixture *fx = get_fixture(state);
	char *doc = jwks_text(jwk_of(fx->p384, "k384", NULL, NULL), NULL);
	/* An honest ES384 signature under a header that says ES256. */
	char *token = make_token(fx->p384, JWS_ALG_ES384,
				 "{\"alg\":\"ES256\",\"kid\":\"k384\"}",
				 CLAIMS);
	char *nokid = make_token(fx->p384, JWS_ALG_ES384, "{\"alg\":\"ES256\"}",
				 CLAIMS);
	struct jws *jws = NULL;
	const char *why = NULL;

	expect_refused(token, doc, JWS_ALGS_ALL,
		       "key curve does not match alg");
	expect_refused(nokid, doc, JWS_ALGS_ALL, "no key for alg");
	assert_int_equal(jws_parse(token, JWS_ALGS_ALL, &jws, &why), 0);
	assert_int_equal(jws_verify_key(jws, fx->p384, &why), -1);
	assert_string_equal(why, "key curve does not match alg");
	jws_free(jws);
	free(nokid);
	free(token);
	free(doc);
}

static void
test_wrong_kty_for_alg(void **state)
{
	struct fixture *fx = get_fixture(state);
	char *doc = jwks_text(jwk_of(fx->rsa, "rsa", "RS256", "sig"),
			      jwk_of(fx->ed25519, "ed", NULL, NULL),
			      jwk_of(fx->p256, "ec", NULL, NULL), NULL);
	char *es = make_token(fx->p256, JWS_ALG_ES256,
			      "{\"alg\":\"ES256\",\"kid\":\"rsa\"}", CLAIMS);
	char *ed = make_token(fx->ed25519, JWS_ALG_EDDSA,
			      "{\"alg\":\"ES256\",\"kid\":\"ed\"}", CLAIMS);
	char *rs = make_token(fx->rsa, JWS_ALG_RS256,
			      "{\"alg\":\"EdDSA\",\"kid\":\"rsa\"}", CLAIMS);
	char *ec_as_rs = make_token(fx->p256, JWS_ALG_ES256,
				    "{\"alg\":\"RS256\",\"kid\":\"ec\"}",
				    CLAIMS);
	char *ec_as_ed = make_token(fx->ed25519, JWS_ALG_EDDSA,
				    "{\"alg\":\"EdDSA\",\"kid\":\"ec\"}",
				    CLAIMS);
	struct jws *jws = NULL;
	const char *why = NULL;

	expect_refused(es, doc, JWS_ALGS_ALL, "key type does not match alg");
	expect_refused(ed, doc, JWS_ALGS_ALL, "key type does not match alg");
	expect_refused(rs, doc, JWS_ALGS_ALL, "key type does not match alg");
	expect_refused(ec_as_rs, doc, JWS_ALGS_ALL,
		       "key type does not match alg");
	expect_refused(ec_as_ed, doc, JWS_ALGS_ALL,
		       "key type does not match alg");
	/* The public per-key entry point checks the pairing on its own. */
	assert_int_equal(jws_parse(es, JWS_ALGS_ALL, &jws, &why), 0);
	assert_int_equal(jws_verify_key(jws, fx->rsa, &why), -1);
	assert_string_equal(why, "key type does not match alg");
	assert_int_equal(jws_verify_key(jws, fx->ed25519, &why), -1);
	assert_string_equal(why, "key type does not match alg");
	assert_int_equal(jws_verify_key(jws, NULL, &why), -1);
	jws_free(jws);
	jws = NULL;
	assert_int_equal(jws_parse(ec_as_ed, JWS_ALGS_ALL, &jws, &why), 0);
	assert_int_equal(jws_verify_key(jws, fx->p256, &why), -1);
	assert_string_equal(why, "key type does not match alg");
	assert_int_equal(jws_verify_key(jws, fx->rsa, &why), -1);
	assert_string_equal(why, "key type does not match alg");
	jws_free(jws);

	free(ec_as_ed);
	free(ec_as_rs);
	free(rs);
	free(ed);
	free(es);
	free(doc);
}

static void
test_duplicate_members(void **state)
{
	struct fixture *fx = get_fixture(state);
	char *token;
	struct jwks *jwks = NULL;
	const char *why = NULL;
	const char *dup_jwks;

	token = make_token(fx->rsa, JWS_ALG_RS256,
			   "{\"alg\":\"RS256\",\"alg\":\"none\"}", CLAIMS);
	expect_parse_refused(token, JWS_ALGS_ALL, "header not a JSON object");
	free(token);
	token = make_token(fx->rsa, JWS_ALG_RS256,
			   "{\"alg\":\"none\",\"alg\":\"RS256\"}", CLAIMS);
	expect_parse_refused(token, JWS_ALGS_ALL, "header not a JSON object");
	free(token);
	token = make_token(fx->rsa, JWS_ALG_RS256,
			   "{\"alg\":\"RS256\",\"kid\":\"k1\",\"kid\":\"k2\"}",
			   CLAIMS);
	expect_parse_refused(token, JWS_ALGS_ALL, "header not a JSON object");
	free(token);
	token = make_token(fx->rsa, JWS_ALG_RS256, "{\"alg\":\"RS256\"}",
			   "{\"sub\":\"alice\",\"sub\":\"root\"}");
	expect_parse_refused(token, JWS_ALGS_ALL, "payload not a JSON object");
	free(token);

	dup_jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"kid\":\"b\","
		   "\"n\":\"" RFC7515_A2_N "\",\"e\":\"AQAB\"}]}";
	assert_int_equal(jwks_parse(dup_jwks, strlen(dup_jwks), &jwks, &why),
			 -1);
	assert_null(jwks);
	assert_string_equal(why, "JWKS not valid JSON");
}

static void
test_header_jwk_ignored(void **state)
{
	struct fixture *fx = get_fixture(state);
	json_t *hdr = json_object(), *evil = jwk_of(fx->attacker, NULL, NULL,
						    NULL);
	char *hdr_text, *token, *real;

	/* The attacker's key, embedded, with the real key's kid. */
	real = jwks_text(jwk_of(fx->p256, "real", NULL, NULL), NULL);
	json_object_set_new(hdr, "alg", json_string("ES256"));
	json_object_set_new(hdr, "kid", json_string("real"));
	json_object_set(hdr, "jwk", evil);
	hdr_text = json_dumps(hdr, JSON_COMPACT);
	token = make_token(fx->attacker, JWS_ALG_ES256, hdr_text, CLAIMS);
	expect_refused(token, real, JWS_ALGS_ALL, "signature invalid");
	free(token);
	free(hdr_text);

	/* No kid: the only ES256 key in the JWKS is still the one used. */
	json_object_del(hdr, "kid");
	hdr_text = json_dumps(hdr, JSON_COMPACT);
	token = make_token(fx->attacker, JWS_ALG_ES256, hdr_text, CLAIMS);
	expect_refused(token, real, JWS_ALGS_ALL, "signature invalid");
	free(token);
	free(hdr_text);

	/* Nor do jku, x5u or x5c lead anywhere. */
	json_object_set_new(hdr, "jku", json_string("https://evil.example/"));
	json_object_set_new(hdr, "x5u", json_string("https://evil.example/c"));
	json_object_set_new(hdr, "x5c", json_pack("[s]", "MIIB"));
	hdr_text = json_dumps(hdr, JSON_COMPACT);
	token = make_token(fx->attacker, JWS_ALG_ES256, hdr_text, CLAIMS);
	expect_refused(token, real, JWS_ALGS_ALL, "signature invalid");
	free(token);
	free(hdr_text);

	/* Sanity: the real key's token under the same header verifies. */
	hdr_text = json_dumps(hdr, JSON_COMPACT);
	token = make_token(fx->p256, JWS_ALG_ES256, hdr_text, CLAIMS);
	expect_ok(token, real);
	free(token);
	free(hdr_text);

	free(real);
	json_decref(evil);
	json_decref(hdr);
}

static void
test_alg_not_allowed(void **state)
{
	expect_parse_refused(RFC7515_A2_TOKEN, 1u << JWS_ALG_ES256,
			     "alg not allowed");
	expect_parse_refused(RFC7515_A2_TOKEN, 0, "alg not allowed");
	expect_parse_refused(RFC7515_A2_TOKEN,
			     JWS_ALGS_ALL & ~(1u << JWS_ALG_RS256),
			     "alg not allowed");
	expect_parse_refused(RFC7515_A3_TOKEN, 1u << JWS_ALG_ES384,
			     "alg not allowed");
	/* Exactly its own bit is enough. */
	assert_int_equal(check_token(RFC7515_A2_TOKEN, RFC7515_A2_JWKS,
				     1u << JWS_ALG_RS256,
				     &(const char *){ NULL }), 0);
}

/* ---- further checks ---------------------------------------------------- */

static void
test_rsa_padding_confusion(void **state)
{
	struct fixture *fx = get_fixture(state);
	char *doc = jwks_text(jwk_of(fx->rsa, NULL, NULL, NULL), NULL);
	char *in = signing_input("{\"alg\":\"PS256\"}", CLAIMS);
	unsigned char *sig;
	size_t len;
	char *token, *sig_b64;

	/* A PKCS#1 v1.5 signature under a PS256 header, and vice versa. */
	token = make_token(fx->rsa, JWS_ALG_RS256, "{\"alg\":\"PS256\"}",
			   CLAIMS);
	expect_refused(token, doc, JWS_ALGS_ALL, "signature invalid");
	free(token);
	token = make_token(fx->rsa, JWS_ALG_PS256, "{\"alg\":\"RS256\"}",
			   CLAIMS);
	expect_refused(token, doc, JWS_ALGS_ALL, "signature invalid");
	free(token);

	/* PSS salt must be the digest length: 0 and max are refused. */
	sig = sign_with(fx->rsa, signer_for(JWS_ALG_PS256), 0, in, &len);
	sig_b64 = b64(sig, len);
	token = NULL;
	assert_true(asprintf(&token, "%s.%s", in, sig_b64) > 0);
	expect_refused(token, doc, JWS_ALGS_ALL, "signature invalid");
	free(token);
	free(sig_b64);
	free(sig);
	sig = sign_with(fx->rsa, signer_for(JWS_ALG_PS256),
			RSA_PSS_SALTLEN_MAX, in, &len);
	sig_b64 = b64(sig, len);
	token = NULL;
	assert_true(asprintf(&token, "%s.%s", in, sig_b64) > 0);
	expect_refused(token, doc, JWS_ALGS_ALL, "signature invalid");
	free(token);
	free(sig_b64);
	free(sig);

	/* RS384 header over an RS256 signature: the digest is pinned too. */
	token = make_token(fx->rsa, JWS_ALG_RS256, "{\"alg\":\"RS384\"}",
			   CLAIMS);
	expect_refused(token, doc, JWS_ALGS_ALL, "signature invalid");
	free(token);

	free(in);
	free(doc);
}

static void
test_ambiguous_keys(void **state)
{
	struct fixture *fx = get_fixture(state);
	EVP_PKEY *ec2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char *doc, *token;

	assert_non_null(ec2);
	/* Two P-256 keys, no kid anywhere: refuse, do not try both. */
	doc = jwks_text(jwk_of(fx->p256, NULL, NULL, NULL),
			jwk_of(ec2, NULL, NULL, NULL), NULL);
	token = make_token(fx->p256, JWS_ALG_ES256, "{\"alg\":\"ES256\"}",
			   CLAIMS);
	expect_refused(token, doc, JWS_ALGS_ALL,
		       "several keys match, no kid");
	free(token);
	free(doc);

	/* Same kid twice for keys that both fit. */
	doc = jwks_text(jwk_of(fx->p256, "k", NULL, NULL),
			jwk_of(ec2, "k", NULL, NULL), NULL);
	token = make_token(fx->p256, JWS_ALG_ES256,
			   "{\"alg\":\"ES256\",\"kid\":\"k\"}", CLAIMS);
	expect_refused(token, doc, JWS_ALGS_ALL, "several keys share kid");
	free(token);
	free(doc);

	/* With distinct kids both work; a key of another kind is no rival. */
	doc = jwks_text(jwk_of(fx->p256, "a", NULL, NULL),
			jwk_of(ec2, "b", NULL, NULL),
			jwk_of(fx->rsa, NULL, NULL, NULL), NULL);
	token = make_token(ec2, JWS_ALG_ES256,
			   "{\"alg\":\"ES256\",\"kid\":\"b\"}", CLAIMS);
	expect_ok(token, doc);
	free(token);
	token = make_token(fx->rsa, JWS_ALG_RS256, "{\"alg\":\"RS256\"}",
			   CLAIMS);
	expect_ok(token, doc);
	free(token);
	free(doc);
	EVP_PKEY_free(ec2);
}

static void
check_skipped(const char *doc)
{
	struct jwks *jwks = load_jwks(doc);

	if (jwks_count(jwks) != 0)
		fail_msg("key not skipped: %s", doc);
	jwks_free(jwks);
}

static void
test_bad_keys_skipped(void **state)
{
	unsigned char *y, *x;
	size_t y_len, x_len;
	char *y_b64, *x_b64, *doc = NULL;

	/* The A.3 point with one bit of y changed is off the curve. */
	y = unb64(RFC7515_A3_Y, &y_len);
	y[y_len - 1] ^= 0x01;
	y_b64 = b64(y, y_len);
	assert_true(asprintf(&doc, "{\"keys\":[{\"kty\":\"EC\",\"crv\":"
			     "\"P-256\",\"x\":\"" RFC7515_A3_X "\",\"y\":"
			     "\"%s\"}]}", y_b64) > 0);
	check_skipped(doc);
	free(doc);
	free(y_b64);
	free(y);

	/* x one byte short, or with a leading zero (33 bytes). */
	x = unb64(RFC7515_A3_X, &x_len);
	x_b64 = b64(x + 1, x_len - 1);
	doc = NULL;
	assert_true(asprintf(&doc, "{\"keys\":[{\"kty\":\"EC\",\"crv\":"
			     "\"P-256\",\"x\":\"%s\",\"y\":\"" RFC7515_A3_Y
			     "\"}]}", x_b64) > 0);
	check_skipped(doc);
	free(doc);
	free(x_b64);
	free(x);
	check_skipped("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA"
		      RFC7515_A3_X "\",\"y\":\"" RFC7515_A3_Y "\"}]}");

	/* Coordinates far longer than any curve's must not be copied. */
	{
		unsigned char big[100];

		memset(big, 0x11, sizeof(big));
		x_b64 = b64(big, sizeof(big));
		doc = NULL;
		assert_true(asprintf(&doc, "{\"keys\":[{\"kty\":\"EC\",\"crv\":"
				     "\"P-521\",\"x\":\"%s\",\"y\":\"%s\"}]}",
				     x_b64, x_b64) > 0);
		check_skipped(doc);
		free(doc);
		free(x_b64);
	}

	/* The A.3 coordinates claimed for other or unknown curves. */
	check_skipped("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\""
		      RFC7515_A3_X "\",\"y\":\"" RFC7515_A3_Y "\"}]}");
	check_skipped("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":"
		      "\"" RFC7515_A3_X "\",\"y\":\"" RFC7515_A3_Y "\"}]}");
	check_skipped("{\"keys\":[{\"kty\":\"EC\",\"x\":\"" RFC7515_A3_X
		      "\",\"y\":\"" RFC7515_A3_Y "\"}]}");

	/* OKP: only Ed25519, only 32 bytes. */
	check_skipped("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\""
		      RFC8037_X "\"}]}");
	check_skipped("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\""
		      RFC8037_X "\"}]}");
	check_skipped("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
		      "\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR\"}]}");

	/* RSA: e = 1, even e, missing e, n as a number, padded n. */
	check_skipped("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" RFC7515_A2_N
		      "\",\"e\":\"AQ\"}]}");
	check_skipped("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" RFC7515_A2_N
		      "\",\"e\":\"AQAC\"}]}");
	check_skipped("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" RFC7515_A2_N
		      "\"}]}");
	check_skipped("{\"keys\":[{\"kty\":\"RSA\",\"n\":12,\"e\":\"AQAB\"}]}");
	check_skipped("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" RFC7515_A2_N
		      "==\",\"e\":\"AQAB\"}]}");

	/* Malformed optional members: the key is dropped, not half-read. */
	check_skipped("{\"keys\":[{\"kty\":\"RSA\",\"kid\":5,\"n\":\""
		      RFC7515_A2_N "\",\"e\":\"AQAB\"}]}");
	check_skipped("{\"keys\":[{\"kty\":\"RSA\",\"use\":[\"sig\"],\"n\":\""
		      RFC7515_A2_N "\",\"e\":\"AQAB\"}]}");
	check_skipped("{\"keys\":[{\"kty\":\"RSA\",\"key_ops\":\"verify\","
		      "\"n\":\"" RFC7515_A2_N "\",\"e\":\"AQAB\"}]}");
	check_skipped("{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RSA-OAEP\","
		      "\"n\":\"" RFC7515_A2_N "\",\"e\":\"AQAB\"}]}");
	check_skipped("{\"keys\":[{\"n\":\"" RFC7515_A2_N
		      "\",\"e\":\"AQAB\"}]}");
	check_skipped("{\"keys\":[\"RSA\",3,null,[]]}");
}

static void
test_jwks_documents(void **state)
{
	static const char *bad[] = {
		"",
		"[]",
		"{}",
		"{\"keys\":{}}",
		"{\"keys\":null}",
		"{\"keys\":[]} x",
		"{\"keys\":[],\"keys\":[]}",
		"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\\u0000b\"}]}",
	};
	const char *good = "{\"keys\":[" "{\"kty\":\"oct\",\"k\":\"AA\"},"
		"{\"kty\":\"RSA\",\"kid\":\"r\",\"use\":\"sig\",\"n\":\""
		RFC7515_A2_N "\",\"e\":\"AQAB\",\"x5c\":[\"MIIB\"]},"
		"{\"kty\":\"EC\",\"kid\":\"e\",\"crv\":\"P-256\",\"x\":\""
		RFC7515_A3_X "\",\"y\":\"" RFC7515_A3_Y "\",\"use\":\"enc\"},"
		"{\"kty\":\"OKP\",\"kid\":\"o\",\"crv\":\"Ed25519\",\"x\":\""
		RFC8037_X "\",\"alg\":\"EdDSA\"}],\"extra\":true}";
	struct jwks *jwks = (struct jwks *)1;
	const char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		jwks = (struct jwks *)1;
		if (jwks_parse(bad[i], strlen(bad[i]), &jwks, &why) != -1)
			fail_msg("accepted JWKS %s", bad[i]);
		assert_null(jwks);
		assert_non_null(why);
	}
	/* The length given is honoured: a valid prefix is enough. */
	assert_int_equal(jwks_parse("{\"keys\":[]}garbage", 11, &jwks, &why),
			 0);
	assert_int_equal(jwks_count(jwks), 0);
	jwks_free(jwks);

	jwks = load_jwks(good);
	assert_int_equal(jwks_count(jwks), 2);
	assert_non_null(jwks_key_find(jwks, "r", JWS_ALG_PS512, &why));
	assert_non_null(jwks_key_find(jwks, "o", JWS_ALG_EDDSA, &why));
	assert_null(jwks_key_find(jwks, "e", JWS_ALG_ES256, &why));
	assert_string_equal(why, "key use not sig");
	assert_null(jwks_key_find(jwks, "nope", JWS_ALG_ES256, &why));
	assert_string_equal(why, "no key for kid");
	assert_null(jwks_key_find(jwks, NULL, JWS_ALG_ES256, &why));
	assert_string_equal(why, "no key for alg");
	assert_null(jwks_key_find(jwks, "r", JWS_ALG_COUNT, &why));
	jwks_free(jwks);
	jwks_free(NULL);
	assert_int_equal(jwks_count(NULL), 0);
}

static void
test_malformed_tokens(void **state)
{
	struct fixture *fx = get_fixture(state);
	char *token;

	expect_parse_refused("..", JWS_ALGS_ALL, "header not a JSON object");
	expect_parse_refused("e30.e30.c2ln", JWS_ALGS_ALL, "alg missing");
	/* Header in the standard alphabet / padded. */
	expect_parse_refused("eyJhbGciOiJSUzI1NiJ9=." RFC7515_PAYLOAD
			     "." RFC7515_A2_SIG, JWS_ALGS_ALL,
			     "header not base64url");
	expect_parse_refused("eyJhbGciOiJSUzI1NiJ9." RFC7515_PAYLOAD
			     "+." RFC7515_A2_SIG, JWS_ALGS_ALL,
			     "payload not base64url");
	token = make_token(fx->rsa, JWS_ALG_RS256, "[\"RS256\"]", CLAIMS);
	expect_parse_refused(token, JWS_ALGS_ALL, "header not a JSON object");
	free(token);
	token = make_token(fx->rsa, JWS_ALG_RS256, "{\"alg\":256}", CLAIMS);
	expect_parse_refused(token, JWS_ALGS_ALL, "alg missing");
	free(token);
	token = make_token(fx->rsa, JWS_ALG_RS256,
			   "{\"alg\":\"RS256\",\"typ\":[]}", CLAIMS);
	expect_parse_refused(token, JWS_ALGS_ALL, "typ not a string");
	free(token);
	token = make_token(fx->rsa, JWS_ALG_RS256, "{\"alg\":\"RS256\"}",
			   "[1,2]");
	expect_parse_refused(token, JWS_ALGS_ALL, "payload not a JSON object");
	free(token);
	token = make_token(fx->rsa, JWS_ALG_RS256, "{\"alg\":\"RS256\"}",
			   "{\"sub\":\"a\"} trailing");
	expect_parse_refused(token, JWS_ALGS_ALL, "payload not a JSON object");
	free(token);
	/* A NUL smuggled into the kid cannot shorten it. */
	token = make_token(fx->rsa, JWS_ALG_RS256,
			   "{\"alg\":\"RS256\",\"kid\":\"k1\\u0000x\"}",
			   CLAIMS);
	expect_parse_refused(token, JWS_ALGS_ALL, "header not a JSON object");
	free(token);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url_known_answers),
		cmocka_unit_test(test_b64url_round_trip),
		cmocka_unit_test(test_b64url_rejects),
		cmocka_unit_test(test_alg_names),
		cmocka_unit_test(test_rfc7515_a2_rs256),
		cmocka_unit_test(test_rfc7515_a3_es256),
		cmocka_unit_test(test_rfc8037_ed25519),
		cmocka_unit_test(test_generated_rs256),
		cmocka_unit_test(test_generated_rs384),
		cmocka_unit_test(test_generated_rs512),
		cmocka_unit_test(test_generated_ps256),
		cmocka_unit_test(test_generated_ps384),
		cmocka_unit_test(test_generated_ps512),
		cmocka_unit_test(test_generated_es256),
		cmocka_unit_test(test_generated_es384),
		cmocka_unit_test(test_generated_es512),
		cmocka_unit_test(test_generated_eddsa),
		cmocka_unit_test(test_alg_none),
		cmocka_unit_test(test_alg_hs256),
		cmocka_unit_test(test_segment_count),
		cmocka_unit_test(test_jwe_refused),
		cmocka_unit_test(test_tampered_payload),
		cmocka_unit_test(test_tampered_signature),
		cmocka_unit_test(test_es256_signature_length),
		cmocka_unit_test(test_es256_zero_r_s),
		cmocka_unit_test(test_rsa1024_skipped),
		cmocka_unit_test(test_crit_header),
		cmocka_unit_test(test_unknown_kid),
		cmocka_unit_test(test_key_alg_mismatch),
		cmocka_unit_test(test_key_use_enc),
		cmocka_unit_test(test_p384_key_for_es256),
		cmocka_unit_test(test_wrong_kty_for_alg),
		cmocka_unit_test(test_duplicate_members),
		cmocka_unit_test(test_header_jwk_ignored),
		cmocka_unit_test(test_alg_not_allowed),
		cmocka_unit_test(test_rsa_padding_confusion),
		cmocka_unit_test(test_ambiguous_keys),
		cmocka_unit_test(test_bad_keys_skipped),
		cmocka_unit_test(test_jwks_documents),
		cmocka_unit_test(test_malformed_tokens),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
