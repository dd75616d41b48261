/* PKCE verifier/challenge, state and nonce generation, secret comparison. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "b64url.h"
#include "pkce.h"

/* RFC 7636 Appendix B. */
static const unsigned char rfc7636_octets[32] = {
	116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173,
	187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83,
	132, 141, 121
};
#define RFC7636_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC7636_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

static void
test_rfc7636_verifier_encoding(void **state)
{
	char *text = b64url_encode(rfc7636_octets, sizeof(rfc7636_octets));

	assert_non_null(text);
	assert_string_equal(text, RFC7636_VERIFIER);
	free(text);
}

static void
test_rfc7636_challenge(void **state)
{
	char out[PKCE_TEXT_MAX];

	assert_int_equal(pkce_challenge_s256(RFC7636_VERIFIER, out, sizeof(out)), 0);
	assert_string_equal(out, RFC7636_CHALLENGE);
}

static void
test_challenge_buffer_too_small(void **state)
{
	char out[43];	/* no room for the terminator */

	assert_int_equal(pkce_challenge_s256(RFC7636_VERIFIER, out, sizeof(out)), -1);
}

static bool
is_unreserved(const char *s)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789-._~") == strlen(s);
}

static void
test_generate_shapes(void **state)
{
	struct pkce_secrets s;
	char challenge[PKCE_TEXT_MAX];

	assert_int_equal(pkce_secrets_generate(&s), 0);
	/* 256 bits each: 43 characters, RFC 7636 4.1 alphabet. */
	assert_int_equal(strlen(s.verifier), 43);
	assert_int_equal(strlen(s.state), 43);
	assert_int_equal(strlen(s.nonce), 43);
	assert_true(is_unreserved(s.verifier));
	assert_true(is_unreserved(s.state));
	assert_true(is_unreserved(s.nonce));
	assert_int_equal(pkce_challenge_s256(s.verifier, challenge,
					     sizeof(challenge)), 0);
	assert_string_equal(s.challenge, challenge);
	pkce_secrets_wipe(&s);
	assert_int_equal(s.verifier[0], 0);
	assert_int_equal(s.state[0], 0);
}

static void
test_generate_fresh_each_time(void **state)
{
	struct pkce_secrets a, b;

	assert_int_equal(pkce_secrets_generate(&a), 0);
	assert_int_equal(pkce_secrets_generate(&b), 0);
	assert_string_not_equal(a.verifier, b.verifier);
	assert_string_not_equal(a.state, b.state);
	assert_string_not_equal(a.nonce, b.nonce);
	assert_string_not_equal(a.state, a.nonce);
	pkce_secrets_wipe(&a);
	pkce_secrets_wipe(&b);
}

static void
test_secret_equal(void **state)
{
	assert_true(pkce_secret_equal("abc", "abc"));
	assert_false(pkce_secret_equal("abd", "abc"));
	assert_false(pkce_secret_equal("ab", "abc"));
	assert_false(pkce_secret_equal("abcd", "abc"));
	assert_false(pkce_secret_equal("", "abc"));
	assert_false(pkce_secret_equal(NULL, "abc"));
	assert_false(pkce_secret_equal("abc", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7636_verifier_encoding),
		cmocka_unit_test(test_rfc7636_challenge),
		cmocka_unit_test(test_challenge_buffer_too_small),
		cmocka_unit_test(test_generate_shapes),
		cmocka_unit_test(test_generate_fresh_each_time),
		cmocka_unit_test(test_secret_equal),
	};

	return cmocka_run_group_tests_name("pkce", tests, NULL, NULL);
}
