/*
 * The token endpoint's answer: parsed as http.c parses it
 * (JSON_REJECT_DUPLICATES, objects only), then token_response_parse() as
 * token_exchange() runs it.  The same object also goes through
 * id_token_claims_check() as if it were an ID token's claims, and so does
 * the payload of the id_token it carries, when that parses; at_hash is
 * checked against the access_token as id_token_validate() would.
 * Signatures are fuzz_jws's business.
 */
#include <stdlib.h>
#include <security/_pam_types.h>

#include "fuzz.h"
#include "id_token.h"
#include "jws.h"
#include "token.h"

/* The claims of the seed documents, from the test provider. */
#define FUZZ_ISSUER "https://127.0.0.1:43307"
#define FUZZ_CLIENT_ID "pam-pkce-test"
#define FUZZ_NONCE "ejMYpKCr2ghe8oDEpwtKPSHCLcJZjFJPBPyA_GyFiGM"
/* A few seconds after the seeds' iat, so that they pass every check. */
#define FUZZ_NOW ((time_t)1795601500)

static void
check_claims(json_t *claims)
{
	struct pkce_config cfg = {
		.issuer = FUZZ_ISSUER,
		.client_id = FUZZ_CLIENT_ID,
		.clock_skew = 60,
		.max_age = -1,
	};
	const char *why = NULL;

	(void)id_token_claims_check(&cfg, claims, FUZZ_NONCE, FUZZ_NOW, &why);
	/* max_age makes auth_time required and bounded. */
	cfg.max_age = 300;
	(void)id_token_claims_check(&cfg, claims, FUZZ_NONCE, FUZZ_NOW, &why);
}

static void
check_id_token(const struct token_response *tokens)
{
	struct jws *jws = NULL;
	const char *why = NULL;
	json_t *at_hash;

	if (jws_parse(tokens->id_token, JWS_ALGS_ALL, &jws, &why) != 0)
		return;
	check_claims(jws_get_payload(jws));
	at_hash = json_object_get(jws_get_payload(jws), "at_hash");
	if (at_hash != NULL && tokens->access_token != NULL)
		(void)id_token_at_hash_check(jws_get_alg(jws),
					     tokens->access_token,
					     json_string_value(at_hash));
	jws_free(jws);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct token_response tokens;
	const char *why = NULL;
	json_t *response;

	response = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
			      NULL);
	if (response == NULL)
		return 0;
	if (!json_is_object(response))
		goto cleanup;
	check_claims(response);
	if (token_response_parse(response, &tokens, &why) == PAM_SUCCESS) {
		if (tokens.id_token == NULL)
			abort();
		check_id_token(&tokens);
	} else if (tokens.id_token != NULL || tokens.access_token != NULL) {
		/* token.h: a refused response leaves nothing behind. */
		abort();
	}
	token_response_clear(&tokens);
cleanup:
	json_decref(response);
	return 0;
}
