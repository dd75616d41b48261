/*
 * The provider's JWKS document: jwks_parse(), then key selection for
 * every algorithm, with and without a kid, as jws_verify() would ask.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "jwk.h"

/* The kids of the seed documents, plus one no document has. */
static const char *const kids[] = {
	NULL, "fuzz-rsa", "fuzz-ec", "fuzz-ed",
	"8LWUwIYd5QX7hv6QWfCYzew7aDVyih7Httk9mPOp7N8",
	"PCrK-938_Jq26zn_71sLLFywcptjraJg5jC13g2TeWU", "absent",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwks *jwks = NULL;
	const char *why = NULL;

	if (jwks_parse((const char *)data, size, &jwks, &why) != 0)
		return 0;
	(void)jwks_count(jwks);
	for (size_t k = 0; k < sizeof(kids) / sizeof(kids[0]); k++) {
		if (kids[k] != NULL)
			(void)jwks_has_kid(jwks, kids[k]);
		for (int alg = 0; alg < JWS_ALG_COUNT; alg++) {
			EVP_PKEY *key = jwks_key_find(jwks, kids[k],
						      (enum jws_alg)alg, &why);

			/* A key handed out must be one that ALG may use. */
			if (key != NULL &&
			    jws_alg_check_key((enum jws_alg)alg, key, &why) != 0)
				abort();
		}
	}
	jwks_free(jwks);
	return 0;
}
