/* From claims to the local account: claim, regex, case, user_map, require_claim. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/_pam_types.h>

#include "account.h"

static struct pkce_config
base_cfg(void)
{
	struct pkce_config cfg = { .username_claim = "preferred_username",
				   .max_age = -1 };

	return cfg;
}

static json_t *
alice(void)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:[s,s], s:i, s:b}",
			 "sub", "alice-sub-0001", "preferred_username", "Alice",
			 "email", "alice@corp.example", "email_verified", 1,
			 "groups", "staff", "admins", "level", 3, "mfa", 1);
}

static char *
name_of(const struct pkce_config *cfg, json_t *claims, const char **why)
{
	char *name = NULL;

	*why = NULL;
	if (account_name_from_claims(cfg, claims, &name, why) < 0)
		name = NULL;
	json_decref(claims);
	return name;
}

static void
test_plain_claim(void **state)
{
	struct pkce_config cfg = base_cfg();
	const char *why;
	char *name = name_of(&cfg, alice(), &why);

	assert_string_equal(name, "Alice");
	free(name);
}

static void
test_missing_claim_no_fallback(void **state)
{
	struct pkce_config cfg = base_cfg();
	const char *why;
	json_t *c = alice();

	json_object_del(c, "preferred_username");
	assert_null(name_of(&cfg, c, &why));
	assert_non_null(why);
	/* A non-string value is no name either. */
	c = alice();
	json_object_set_new(c, "preferred_username", json_integer(5));
	assert_null(name_of(&cfg, c, &why));
}

static void
test_lowercase(void **state)
{
	struct pkce_config cfg = base_cfg();
	const char *why;
	char *name;

	cfg.username_lowercase = true;
	name = name_of(&cfg, alice(), &why);
	assert_string_equal(name, "alice");
	free(name);
}

static void
test_email_needs_verified(void **state)
{
	struct pkce_config cfg = base_cfg();
	const char *why;
	char *name;
	json_t *c;

	cfg.username_claim = "email";
	name = name_of(&cfg, alice(), &why);
	assert_string_equal(name, "alice@corp.example");
	free(name);
	c = alice();
	json_object_set_new(c, "email_verified", json_false());
	assert_null(name_of(&cfg, c, &why));
	assert_string_equal(why, "email_verified is not true");
	c = alice();
	json_object_del(c, "email_verified");
	assert_null(name_of(&cfg, c, &why));
	/* A string "true" is not a verified email. */
	c = alice();
	json_object_set_new(c, "email_verified", json_string("true"));
	assert_null(name_of(&cfg, c, &why));
}

static void
test_regex(void **state)
{
	struct pkce_config cfg = base_cfg();
	const char *why;
	char *name;
	json_t *c;

	cfg.username_claim = "email";
	cfg.username_regex = "^([a-z0-9._-]+)@corp\\.example$";
	name = name_of(&cfg, alice(), &why);
	assert_string_equal(name, "alice");
	free(name);
	/* The whole value must match: a suffix after the domain fails. */
	c = alice();
	json_object_set_new(c, "email", json_string("alice@corp.example.evil"));
	assert_null(name_of(&cfg, c, &why));
	/* Unanchored patterns still have to cover the whole value. */
	cfg.username_regex = "([a-z]+)@corp\\.example";
	c = alice();
	json_object_set_new(c, "email", json_string("x-alice@corp.example"));
	assert_null(name_of(&cfg, c, &why));
	/* Without a group the whole value is the name. */
	cfg.username_regex = "[a-z]+@corp\\.example";
	name = name_of(&cfg, alice(), &why);
	assert_string_equal(name, "alice@corp.example");
	free(name);
}

static struct config_claim_rule *
rule(const char *name, const char *v1, const char *v2)
{
	static char *values[2];
	static struct config_claim_rule r;

	values[0] = (char *)v1;
	values[1] = (char *)v2;
	r.name = (char *)name;
	r.values = values;
	r.nvalues = v2 != NULL ? 2 : 1;
	return &r;
}

static int
authorize(struct config_claim_rule *rules, size_t n, const char **why)
{
	struct pkce_config cfg = base_cfg();
	json_t *c = alice();
	int rc;

	cfg.require_claims = rules;
	cfg.nrequire_claims = n;
	rc = account_claims_authorize(&cfg, c, why);
	json_decref(c);
	return rc;
}

static void
test_require_claim(void **state)
{
	const char *why = NULL;
	struct config_claim_rule two[2];

	assert_int_equal(authorize(rule("groups", "admins", NULL), 1, &why), 0);
	assert_int_equal(authorize(rule("groups", "wheel", "staff"), 1, &why), 0);
	assert_int_equal(authorize(rule("groups", "wheel", NULL), 1, &why), -1);
	assert_string_equal(why, "groups");
	assert_int_equal(authorize(rule("level", "3", NULL), 1, &why), 0);
	assert_int_equal(authorize(rule("level", "4", NULL), 1, &why), -1);
	assert_int_equal(authorize(rule("mfa", "true", NULL), 1, &why), 0);
	assert_int_equal(authorize(rule("mfa", "false", NULL), 1, &why), -1);
	assert_int_equal(authorize(rule("absent", "x", NULL), 1, &why), -1);
	/* Substrings and case variants never match. */
	assert_int_equal(authorize(rule("groups", "admin", NULL), 1, &why), -1);
	assert_int_equal(authorize(rule("groups", "Admins", NULL), 1, &why), -1);
	/* Every rule must hold. */
	static char *admins[] = { "admins" }, *four[] = { "4" };
	two[0] = (struct config_claim_rule){ "groups", admins, 1 };
	two[1] = (struct config_claim_rule){ "level", four, 1 };
	assert_int_equal(authorize(two, 2, &why), -1);
	assert_string_equal(why, "level");
}

static char *
write_map(const char *text, mode_t mode)
{
	static char path[] = "/tmp/test_account_map.XXXXXX";
	int fd;

	strcpy(path, "/tmp/test_account_map.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static int
check_map(const char *map, mode_t mode, const char *pam_user)
{
	struct pkce_config cfg = base_cfg();
	json_t *c = alice();
	int rc;

	cfg.user_map = write_map(map, mode);
	rc = account_check(NULL, &cfg, c, pam_user);
	unlink(cfg.user_map);
	json_decref(c);
	return rc;
}

static void
test_user_map(void **state)
{
	const char *map = "# claim value   local user\n"
			  "Bob bob\n"
			  "Alice alice_local\n";

	assert_int_equal(check_map(map, 0600, "alice_local"), PAM_SUCCESS);
	assert_int_equal(check_map(map, 0600, "Alice"), PAM_AUTH_ERR);
	assert_int_equal(check_map(map, 0600, "bob"), PAM_AUTH_ERR);
	/* Only mapped values can log in. */
	assert_int_equal(check_map("Bob bob\n", 0600, "Alice"), PAM_AUTH_ERR);
	/* A map anyone may write is not trusted. */
	assert_int_equal(check_map(map, 0666, "alice_local"), PAM_SERVICE_ERR);
	assert_int_equal(check_map("Alice\n", 0600, "alice"), PAM_SERVICE_ERR);
}

static void
test_exact_comparison(void **state)
{
	struct pkce_config cfg = base_cfg();
	json_t *c = alice();

	assert_int_equal(account_check(NULL, &cfg, c, "Alice"), PAM_SUCCESS);
	assert_int_equal(account_check(NULL, &cfg, c, "alice"), PAM_AUTH_ERR);
	assert_int_equal(account_check(NULL, &cfg, c, "Alice "), PAM_AUTH_ERR);
	assert_int_equal(account_check(NULL, &cfg, c, "Alic"), PAM_AUTH_ERR);
	json_decref(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_claim),
		cmocka_unit_test(test_missing_claim_no_fallback),
		cmocka_unit_test(test_lowercase),
		cmocka_unit_test(test_email_needs_verified),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_require_claim),
		cmocka_unit_test(test_user_map),
		cmocka_unit_test(test_exact_comparison),
	};

	return cmocka_run_group_tests_name("account", tests, NULL, NULL);
}
