/* ID token claim checks (OIDC Core 3.1.3.7) and at_hash (3.1.3.8). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "id_token.h"

#define NOW 1800000000L
#define ISSUER "https://idp.example"
#define CLIENT "pam-pkce-test"
#define NONCE "n-0S6_WzA2Mj"

static struct pkce_config cfg = {
	.issuer = ISSUER,
	.client_id = CLIENT,
	.clock_skew = 60,
	.max_age = -1,
};

/* A token's claims that pass every check; each test breaks one. */
static json_t *
good_claims(void)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", ISSUER,
			 "sub", "alice-sub", "aud", CLIENT, "exp",
			 (json_int_t)(NOW + 300), "iat", (json_int_t)(NOW - 10),
			 "nonce", NONCE);
}

static const char *
check(json_t *claims)
{
	const char *why = NULL;
	int rc = id_token_claims_check(&cfg, claims, NONCE, NOW, &why);

	json_decref(claims);
	return rc == 0 ? NULL : why;
}

static json_t *
with(json_t *claims, const char *name, json_t *value)
{
	if (value == NULL)
		json_object_del(claims, name);
	else
		json_object_set_new(claims, name, value);
	return claims;
}

static void
test_good(void **state)
{
	assert_null(check(good_claims()));
}

static void
test_iss(void **state)
{
	assert_string_equal(check(with(good_claims(), "iss", json_string(ISSUER "/"))), "iss");
	assert_string_equal(check(with(good_claims(), "iss", NULL)), "iss");
	assert_string_equal(check(with(good_claims(), "iss", json_integer(1))), "iss");
}

static void
test_aud(void **state)
{
	assert_string_equal(check(with(good_claims(), "aud", json_string("other"))), "aud");
	assert_string_equal(check(with(good_claims(), "aud", NULL)), "aud");
	assert_string_equal(check(with(good_claims(), "aud", json_pack("[s]", "other"))), "aud");
	assert_string_equal(check(with(good_claims(), "aud", json_pack("[s,i]", CLIENT, 5))), "aud");
	/* One audience in an array needs no azp. */
	assert_null(check(with(good_claims(), "aud", json_pack("[s]", CLIENT))));
}

static void
test_azp(void **state)
{
	json_t *c;

	/* Several audiences: azp required, and it must be us. */
	assert_string_equal(check(with(good_claims(), "aud", json_pack("[s,s]", CLIENT, "api"))), "azp");
	c = with(good_claims(), "aud", json_pack("[s,s]", CLIENT, "api"));
	assert_null(check(with(c, "azp", json_string(CLIENT))));
	c = with(good_claims(), "aud", json_pack("[s,s]", CLIENT, "api"));
	assert_string_equal(check(with(c, "azp", json_string("api"))), "azp");
	/* Present with one audience: still must be us. */
	assert_string_equal(check(with(good_claims(), "azp", json_string("other"))), "azp");
	assert_null(check(with(good_claims(), "azp", json_string(CLIENT))));
}

static void
test_exp(void **state)
{
	assert_string_equal(check(with(good_claims(), "exp", json_integer(NOW - 61))), "exp");
	assert_string_equal(check(with(good_claims(), "exp", json_integer(NOW - 60))), "exp");
	assert_null(check(with(good_claims(), "exp", json_integer(NOW - 59))));
	assert_null(check(with(good_claims(), "exp", json_real(NOW + 0.5))));
	assert_string_equal(check(with(good_claims(), "exp", NULL)), "exp");
	assert_string_equal(check(with(good_claims(), "exp", json_string("1900000000"))), "exp");
}

static void
test_iat(void **state)
{
	assert_string_equal(check(with(good_claims(), "iat", json_integer(NOW + 61))), "iat");
	assert_null(check(with(good_claims(), "iat", json_integer(NOW + 60))));
	assert_string_equal(check(with(good_claims(), "iat", NULL)), "iat");
	assert_string_equal(check(with(good_claims(), "iat", json_true())), "iat");
}

static void
test_nbf(void **state)
{
	assert_string_equal(check(with(good_claims(), "nbf", json_integer(NOW + 61))), "nbf");
	assert_null(check(with(good_claims(), "nbf", json_integer(NOW + 60))));
	assert_null(check(with(good_claims(), "nbf", json_integer(NOW - 100))));
	assert_string_equal(check(with(good_claims(), "nbf", json_string("0"))), "nbf");
}

static void
test_nonce(void **state)
{
	assert_string_equal(check(with(good_claims(), "nonce", json_string(NONCE "x"))), "nonce");
	assert_string_equal(check(with(good_claims(), "nonce", json_string("n-0S6_WzA2MJ"))), "nonce");
	assert_string_equal(check(with(good_claims(), "nonce", NULL)), "nonce");
	assert_string_equal(check(with(good_claims(), "nonce", json_integer(0))), "nonce");
}

static void
test_sub(void **state)
{
	assert_string_equal(check(with(good_claims(), "sub", NULL)), "sub");
	assert_string_equal(check(with(good_claims(), "sub", json_string(""))), "sub");
	assert_string_equal(check(with(good_claims(), "sub", json_integer(7))), "sub");
}

static void
test_auth_time(void **state)
{
	cfg.max_age = 300;
	assert_string_equal(check(good_claims()), "auth_time");
	assert_null(check(with(good_claims(), "auth_time", json_integer(NOW - 300))));
	assert_null(check(with(good_claims(), "auth_time", json_integer(NOW - 360))));
	assert_string_equal(check(with(good_claims(), "auth_time", json_integer(NOW - 361))), "auth_time");
	assert_string_equal(check(with(good_claims(), "auth_time", json_integer(NOW + 61))), "auth_time");
	assert_string_equal(check(with(good_claims(), "auth_time", json_string("x"))), "auth_time");
	cfg.max_age = -1;
	/* Without max_age, auth_time is not required. */
	assert_null(check(good_claims()));
}

/* OIDC Core 1.0 Appendix A.3: access token and at_hash of an RS256 ID token. */
static void
test_at_hash(void **state)
{
	const char *token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";

	assert_int_equal(id_token_at_hash_check(JWS_ALG_RS256, token,
						"77QmUPtjPfzWtF2AnpK9RQ"), 0);
	assert_int_equal(id_token_at_hash_check(JWS_ALG_RS256, token,
						"77QmUPtjPfzWtF2AnpK9RR"), -1);
	assert_int_equal(id_token_at_hash_check(JWS_ALG_RS256, token,
						"77QmUPtjPfzWtF2AnpK9RQAA"), -1);
	assert_int_equal(id_token_at_hash_check(JWS_ALG_RS256, token, NULL), -1);
	/* Another hash for another alg: the RS256 value must not pass. */
	assert_int_equal(id_token_at_hash_check(JWS_ALG_RS512, token,
						"77QmUPtjPfzWtF2AnpK9RQ"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_iss),
		cmocka_unit_test(test_aud),
		cmocka_unit_test(test_azp),
		cmocka_unit_test(test_exp),
		cmocka_unit_test(test_iat),
		cmocka_unit_test(test_nbf),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_sub),
		cmocka_unit_test(test_auth_time),
		cmocka_unit_test(test_at_hash),
	};

	return cmocka_run_group_tests_name("id_token", tests, NULL, NULL);
}
