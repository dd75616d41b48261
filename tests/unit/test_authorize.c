/* The /authorize URL: every parameter present once, correctly encoded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "authorize.h"

struct fixture {
	struct pkce_config cfg;
	struct pkce_secrets secrets;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->cfg.client_id = "pam-pkce-test";
	f->cfg.scope = "openid profile email";
	f->cfg.max_age = -1;
	strcpy(f->secrets.state, "STATE-value_0123456789abcdefghijklmnopqrstu");
	strcpy(f->secrets.nonce, "NONCE-value_0123456789abcdefghijklmnopqrstu");
	strcpy(f->secrets.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

/* Decoded value of NAME in URL's query; NULL if absent; fails if repeated. */
static char *
param(const char *url, const char *name)
{
	CURLU *u = curl_url();
	char *query = NULL, *save = NULL, *found = NULL;

	assert_int_equal(curl_url_set(u, CURLUPART_URL, url, 0), CURLUE_OK);
	assert_int_equal(curl_url_get(u, CURLUPART_QUERY, &query, 0), CURLUE_OK);
	for (char *pair = strtok_r(query, "&", &save); pair != NULL;
	     pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		int len = 0;
		char *v;

		assert_non_null(eq);
		*eq = '\0';
		if (strcmp(pair, name) != 0)
			continue;
		assert_null(found);
		for (char *p = eq + 1; *p; p++)
			if (*p == '+')
				*p = ' ';
		v = curl_easy_unescape(NULL, eq + 1, 0, &len);
		found = strdup(v);
		curl_free(v);
	}
	curl_free(query);
	curl_url_cleanup(u);
	return found;
}

static void
expect(const char *url, const char *name, const char *value)
{
	char *v = param(url, name);

	if (value == NULL) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, value);
	free(v);
}

static void
test_required_params(void **state)
{
	struct fixture *f = *state;
	char *url = authorize_url_build(&f->cfg, "https://idp.example/authorize",
					"http://127.0.0.1:5000/callback", NULL,
					&f->secrets);

	assert_non_null(url);
	assert_true(strncmp(url, "https://idp.example/authorize?", 30) == 0);
	expect(url, "response_type", "code");
	expect(url, "client_id", "pam-pkce-test");
	expect(url, "redirect_uri", "http://127.0.0.1:5000/callback");
	expect(url, "scope", "openid profile email");
	expect(url, "state", f->secrets.state);
	expect(url, "nonce", f->secrets.nonce);
	expect(url, "code_challenge", f->secrets.challenge);
	expect(url, "code_challenge_method", "S256");
	expect(url, "login_hint", NULL);
	expect(url, "audience", NULL);
	expect(url, "max_age", NULL);
	/* One line, no characters a terminal would break on. */
	assert_null(strpbrk(url, " \n\t\""));
	authorize_url_free(url);
}

static void
test_optional_params(void **state)
{
	struct fixture *f = *state;
	char *url;

	f->cfg.audience = "https://api.example/";
	f->cfg.max_age = 600;
	f->cfg.authorize_params = "prompt=login&acr_values=urn:mace:x y&ui_locales=de";
	url = authorize_url_build(&f->cfg, "https://idp.example/authorize",
				  "http://[::1]:5000/callback", "alice+x@corp&y",
				  &f->secrets);
	assert_non_null(url);
	expect(url, "audience", "https://api.example/");
	expect(url, "login_hint", "alice+x@corp&y");
	expect(url, "max_age", "600");
	expect(url, "prompt", "login");
	expect(url, "acr_values", "urn:mace:x y");
	expect(url, "ui_locales", "de");
	expect(url, "redirect_uri", "http://[::1]:5000/callback");
	authorize_url_free(url);
}

static void
test_endpoint_query_kept(void **state)
{
	struct fixture *f = *state;
	char *url = authorize_url_build(&f->cfg,
					"https://login.example/tenant/oauth2/authorize?p=B2C_1_signin",
					"http://localhost:5000/callback", "bob",
					&f->secrets);

	assert_non_null(url);
	expect(url, "p", "B2C_1_signin");
	expect(url, "client_id", "pam-pkce-test");
	expect(url, "login_hint", "bob");
	authorize_url_free(url);
}

static void
test_bad_endpoint(void **state)
{
	struct fixture *f = *state;

	assert_null(authorize_url_build(&f->cfg, "not a url",
					"http://127.0.0.1:1/callback", NULL,
					&f->secrets));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_required_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_optional_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_query_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_endpoint, setup, teardown),
	};

	return cmocka_run_group_tests_name("authorize", tests, NULL, NULL);
}
