/*
 * An ID token as the module reads it: jws_parse() with every algorithm
 * allowed, then, when it parses, jws_verify() against a fixed JWKS of one
 * RSA, one EC (P-256) and one Ed25519 key.  The seed corpus holds tokens
 * signed with these keys, so that mutations start from inputs that reach
 * the signature check.  Test keys only: the private halves were thrown
 * away once the seeds were signed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jwk.h"
#include "jws.h"

static const char fuzz_jwks_json[] =
	"{\"keys\":["
	"{\"kty\":\"RSA\",\"kid\":\"fuzz-rsa\",\"use\":\"sig\",\"e\":\"AQAB\","
	"\"n\":\"wtlwF8LJMyjbSkNOlT0YJvhv2RzQFrb0GSvaD9PvYCoaSXtqK0BNuFFB"
	"16YnLhTRl1GP41-ZXA8NIR2Dz2vTAadgYUyFXuLwoustpClpdDSUFmr-XL8zJ3Gf"
	"Bj4_4swnUE3WosFjjTV6QzQ0OvcZCSHbPC0SWoUYC0U3U4bYt5xl8zO6HDd8VEBs"
	"UI5mUueCqbFBr-oQQliDHJJVTeSXgRDYoqYLcpgfw3IA9CjWUOdMuiQJDPtZxc67"
	"OylNwOx0qmZgluG8rdVU6oje8Ob5Rife5nCm9ZHzWEx0l2QTJIINzYVyJD7SwFyM"
	"mKDg8PaLxnXa2wj85eYQKdNJ-79IEw\"},"
	"{\"kty\":\"EC\",\"kid\":\"fuzz-ec\",\"use\":\"sig\",\"alg\":\"ES256\","
	"\"crv\":\"P-256\",\"x\":\"adcM2SkQTfQ1_e2osbnq72zp3kMokuB0DkPprJ5T2g8\","
	"\"y\":\"Co5h1BxlhKzt9Cg7u0fjjfW71bJaKSfC-9bOG01z9mo\"},"
	"{\"kty\":\"OKP\",\"kid\":\"fuzz-ed\",\"use\":\"sig\",\"alg\":\"EdDSA\","
	"\"crv\":\"Ed25519\",\"x\":\"M6GsDoeKJC1suXZBcDU7Ibu1tdrY6PqnK_7LzVTWLNc\"}"
	"]}";

static struct jwks *fuzz_jwks;

static void
free_jwks(void)
{
	jwks_free(fuzz_jwks);
	fuzz_jwks = NULL;
}

/* Parsed once: it is the same for every input, and RSA import is slow. */
static const struct jwks *
get_jwks(void)
{
	const char *why = NULL;

	if (fuzz_jwks != NULL)
		return fuzz_jwks;
	if (jwks_parse(fuzz_jwks_json, strlen(fuzz_jwks_json), &fuzz_jwks,
		       &why) != 0 || jwks_count(fuzz_jwks) != 3) {
		/* A harness that verifies against nothing would test little. */
		fprintf(stderr, "fuzz_jws: fixed JWKS unusable: %s\n",
			why != NULL ? why : "not every key usable");
		abort();
	}
	atexit(free_jwks);
	return fuzz_jwks;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct jwks *jwks = get_jwks();
	struct jws *jws = NULL;
	const char *why = NULL;
	char *token = fuzz_text(data, size);

	if (token == NULL)
		return 0;
	if (jws_parse(token, JWS_ALGS_ALL, &jws, &why) == 0) {
		/* jws.h: a parsed token has an allowed alg and an object payload. */
		if (jws_alg_get_info(jws_get_alg(jws)) == NULL ||
		    !json_is_object(jws_get_payload(jws)))
			abort();
		(void)jws_get_kid(jws);
		(void)jws_get_typ(jws);
		(void)jws_verify(jws, jwks, &why);
	}
	jws_free(jws);
	free(token);
	return 0;
}
