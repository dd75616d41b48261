/*
 * Unit tests for the configuration parser: every key of the contract,
 * the file rules (ownership, mode, symlink, size) and the argument rules.
 * Each test writes its own file with mkstemp in a private directory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "config.h"
#include "jwk.h"

#define MIN_CONF \
	"issuer = https://idp.example.com/\n" \
	"client_id = pam-client\n"

#define MAX_ARGS 16

/* Ends the argument lists of load(): NULL itself may be a plain 0. */
#define END ((const char *)NULL)

/* The per-run scratch directory (tests only: set once in group setup). */
static char tmpdir[PATH_MAX];

static char *
write_config_len(const char *text, size_t len, mode_t mode)
{
	char *path = NULL;
	size_t off = 0;
	int fd;

	assert_true(asprintf(&path, "%s/conf.XXXXXX", tmpdir) > 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		assert_true(n > 0);
		off += (size_t)n;
	}
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

static char *
write_config(const char *text, mode_t mode)
{
	return write_config_len(text, strlen(text), mode);
}

static bool
is_zeroed(const struct pkce_config *cfg)
{
	static const struct pkce_config zero;

	return memcmp(cfg, &zero, sizeof(zero)) == 0;
}

/* config_load with config=PATH first, then the NULL-terminated args. */
static int
load_path_v(const char *path, struct pkce_config *cfg, va_list ap)
{
	const char *argv[MAX_ARGS];
	char *config_arg = NULL;
	const char *arg;
	int argc = 0, rc;

	assert_true(asprintf(&config_arg, "config=%s", path) > 0);
	argv[argc++] = config_arg;
	while ((arg = va_arg(ap, const char *)) != NULL) {
		assert_true(argc < MAX_ARGS);
		argv[argc++] = arg;
	}
	rc = config_load(NULL, argc, argv, cfg);
	free(config_arg);
	/* The contract: on failure nothing is left to free. */
	if (rc != PAM_SUCCESS)
		assert_true(is_zeroed(cfg));
	return rc;
}

static int
load_path(const char *path, struct pkce_config *cfg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, cfg);
	rc = load_path_v(path, cfg, ap);
	va_end(ap);
	return rc;
}

static int
load_mode(const char *text, mode_t mode, struct pkce_config *cfg, ...)
{
	char *path = write_config(text, mode);
	va_list ap;
	int rc;

	va_start(ap, cfg);
	rc = load_path_v(path, cfg, ap);
	va_end(ap);
	unlink(path);
	free(path);
	return rc;
}

/* Load TEXT (mode 0600) with extra module arguments, NULL-terminated. */
static int
load(const char *text, struct pkce_config *cfg, ...)
{
	char *path = write_config(text, 0600);
	va_list ap;
	int rc;

	va_start(ap, cfg);
	rc = load_path_v(path, cfg, ap);
	va_end(ap);
	unlink(path);
	free(path);
	return rc;
}

/* MIN_CONF plus "KEY = VALUE", expected to load. */
static void
load_key(const char *key, const char *value, struct pkce_config *cfg)
{
	char *text = NULL;

	assert_true(asprintf(&text, MIN_CONF "%s = %s\n", key, value) > 0);
	assert_int_equal(load(text, cfg, END), PAM_SUCCESS);
	free(text);
}

/* KEY = VALUE is refused both in the file and as a module argument. */
static void
assert_value_refused(const char *key, const char *value)
{
	struct pkce_config cfg;
	char *text = NULL, *arg = NULL;
	int rc;

	assert_true(asprintf(&text, MIN_CONF "%s = %s\n", key, value) > 0);
	rc = load(text, &cfg, END);
	if (rc != PAM_SERVICE_ERR)
		fail_msg("file: %s = '%s' was accepted", key, value);
	config_free(&cfg);

	assert_true(asprintf(&arg, "%s=%s", key, value) > 0);
	rc = load(MIN_CONF, &cfg, arg, END);
	if (rc != PAM_SERVICE_ERR)
		fail_msg("argument: %s=%s' was accepted", key, value);
	config_free(&cfg);
	free(text);
	free(arg);
}

/* Only as a module argument: lets a test use exact bytes (no trimming). */
static void
assert_arg_refused(const char *arg)
{
	struct pkce_config cfg;

	if (load(MIN_CONF, &cfg, arg, END) != PAM_SERVICE_ERR)
		fail_msg("argument '%s' was accepted", arg);
	config_free(&cfg);
}

static void
assert_text_refused(const char *text)
{
	struct pkce_config cfg;

	if (load(text, &cfg, END) != PAM_SERVICE_ERR)
		fail_msg("file was accepted:\n%s", text);
	config_free(&cfg);
}

static void
test_minimal_defaults(void **state)
{
	struct pkce_config cfg;

	assert_int_equal(load(MIN_CONF, &cfg, END), PAM_SUCCESS);
	assert_non_null(cfg.config_path);
	assert_string_equal(cfg.issuer, "https://idp.example.com/");
	assert_true(cfg.discovery);
	assert_null(cfg.authorization_endpoint);
	assert_null(cfg.token_endpoint);
	assert_null(cfg.jwks_uri);
	assert_null(cfg.userinfo_endpoint);
	assert_string_equal(cfg.client_id, "pam-client");
	assert_null(cfg.client_secret);
	assert_int_equal(cfg.token_endpoint_auth, CONFIG_AUTH_NONE);
	assert_string_equal(cfg.scope, "openid profile email");
	assert_null(cfg.audience);
	assert_null(cfg.authorize_params);
	assert_true(cfg.login_hint);
	assert_int_equal(cfg.max_age, -1);
	assert_int_equal(cfg.redirect_host, CONFIG_HOST_IPV4);
	assert_int_equal(cfg.redirect_port_min, 0);
	assert_int_equal(cfg.redirect_port_max, 0);
	assert_string_equal(cfg.redirect_path, "/callback");
	assert_int_equal(cfg.prompt, CONFIG_PROMPT_AUTO);
	assert_true(cfg.paste);
	assert_false(cfg.qr);
	assert_int_equal(cfg.qr_style, CONFIG_QR_UTF8);
	assert_int_equal(cfg.timeout, 300);
	assert_int_equal(cfg.http_timeout, 10);
	assert_null(cfg.ca_file);
	assert_null(cfg.ca_path);
	assert_null(cfg.https_proxy);
	assert_int_equal(cfg.allowed_algs, JWS_ALGS_ALL);
	assert_int_equal(cfg.allowed_algs, 0x3ff);
	assert_int_equal(cfg.clock_skew, 60);
	assert_false(cfg.userinfo);
	assert_string_equal(cfg.username_claim, "preferred_username");
	assert_null(cfg.username_regex);
	assert_false(cfg.username_lowercase);
	assert_null(cfg.user_map);
	assert_null(cfg.require_claims);
	assert_int_equal(cfg.nrequire_claims, 0);
	assert_null(cfg.export_env);
	assert_int_equal(cfg.nexport_env, 0);
	assert_string_equal(cfg.cache_dir, "/var/cache/pam_pkce");
	assert_int_equal(cfg.cache_ttl, 3600);
	assert_false(cfg.debug);
	config_free(&cfg);
	assert_true(is_zeroed(&cfg));
	/* A second free of a freed config is harmless. */
	config_free(&cfg);
}

static void
test_all_keys(void **state)
{
	static const char text[] =
		"issuer = https://login.example.org/realms/corp\n"
		"discovery = no\n"
		"authorization_endpoint = https://login.example.org/auth\n"
		"token_endpoint = https://login.example.org/token\n"
		"jwks_uri = https://login.example.org/certs\n"
		"userinfo_endpoint = https://login.example.org/userinfo\n"
		"client_id = host-42\n"
		"client_secret = s3cr=t with spaces\n"
		"token_endpoint_auth = client_secret_post\n"
		"scope = openid groups\n"
		"audience = https://api.example.org/\n"
		"authorize_params = prompt=login&acr_values=urn:x:mfa\n"
		"login_hint = no\n"
		"max_age = 600\n"
		"redirect_host = [::1]\n"
		"redirect_port = 49152-49160\n"
		"redirect_path = /oidc/cb\n"
		"prompt = always\n"
		"paste = no\n"
		"qr = yes\n"
		"qr_style = ascii\n"
		"timeout = 120\n"
		"http_timeout = 5\n"
		"ca_file = /etc/ssl/certs/corp.pem\n"
		"ca_path = /etc/ssl/corp\n"
		"https_proxy = http://proxy.example.org:3128\n"
		"allowed_algs = ES256 EdDSA\n"
		"clock_skew = 30\n"
		"userinfo = yes\n"
		"username_claim = email\n"
		"username_regex = ^([a-z0-9._-]+)@corp\\.example$\n"
		"username_lowercase = yes\n"
		"user_map = /etc/security/pam_pkce.users\n"
		"require_claim = groups=admins,ops\n"
		"export_env = email name\n"
		"cache_dir = /var/lib/pam_pkce\n"
		"cache_ttl = 60\n"
		"debug = yes\n";
	struct pkce_config cfg;

	assert_int_equal(load(text, &cfg, END), PAM_SUCCESS);
	assert_string_equal(cfg.issuer,
			    "https://login.example.org/realms/corp");
	assert_false(cfg.discovery);
	assert_string_equal(cfg.authorization_endpoint,
			    "https://login.example.org/auth");
	assert_string_equal(cfg.token_endpoint,
			    "https://login.example.org/token");
	assert_string_equal(cfg.jwks_uri, "https://login.example.org/certs");
	assert_string_equal(cfg.userinfo_endpoint,
			    "https://login.example.org/userinfo");
	assert_string_equal(cfg.client_id, "host-42");
	assert_string_equal(cfg.client_secret, "s3cr=t with spaces");
	assert_int_equal(cfg.token_endpoint_auth,
			 CONFIG_AUTH_CLIENT_SECRET_POST);
	assert_string_equal(cfg.scope, "openid groups");
	assert_string_equal(cfg.audience, "https://api.example.org/");
	assert_string_equal(cfg.authorize_params,
			    "prompt=login&acr_values=urn:x:mfa");
	assert_false(cfg.login_hint);
	assert_int_equal(cfg.max_age, 600);
	assert_int_equal(cfg.redirect_host, CONFIG_HOST_IPV6);
	assert_int_equal(cfg.redirect_port_min, 49152);
	assert_int_equal(cfg.redirect_port_max, 49160);
	assert_string_equal(cfg.redirect_path, "/oidc/cb");
	assert_int_equal(cfg.prompt, CONFIG_PROMPT_ALWAYS);
	assert_false(cfg.paste);
	assert_true(cfg.qr);
	assert_int_equal(cfg.qr_style, CONFIG_QR_ASCII);
	assert_int_equal(cfg.timeout, 120);
	assert_int_equal(cfg.http_timeout, 5);
	assert_string_equal(cfg.ca_file, "/etc/ssl/certs/corp.pem");
	assert_string_equal(cfg.ca_path, "/etc/ssl/corp");
	assert_string_equal(cfg.https_proxy, "http://proxy.example.org:3128");
	assert_int_equal(cfg.allowed_algs,
			 (1u << JWS_ALG_ES256) | (1u << JWS_ALG_EDDSA));
	assert_int_equal(cfg.clock_skew, 30);
	assert_true(cfg.userinfo);
	assert_string_equal(cfg.username_claim, "email");
	assert_string_equal(cfg.username_regex,
			    "^([a-z0-9._-]+)@corp\\.example$");
	assert_true(cfg.username_lowercase);
	assert_string_equal(cfg.user_map, "/etc/security/pam_pkce.users");
	assert_int_equal(cfg.nrequire_claims, 1);
	assert_string_equal(cfg.require_claims[0].name, "groups");
	assert_int_equal(cfg.require_claims[0].nvalues, 2);
	assert_string_equal(cfg.require_claims[0].values[0], "admins");
	assert_string_equal(cfg.require_claims[0].values[1], "ops");
	assert_int_equal(cfg.nexport_env, 2);
	assert_string_equal(cfg.export_env[0], "email");
	assert_string_equal(cfg.export_env[1], "name");
	assert_string_equal(cfg.cache_dir, "/var/lib/pam_pkce");
	assert_int_equal(cfg.cache_ttl, 60);
	assert_true(cfg.debug);
	config_free(&cfg);
}

static void
test_comments_blank_whitespace(void **state)
{
	static const char text[] =
		"# pam_pkce test\n"
		"\n"
		"   \t\n"
		"   # indented comment = with equals\n"
		"\t issuer\t=\thttps://idp.example.com/  \r\n"
		"client_id=abc\n"
		"#client_id = commented-out\n"
		"authorize_params = a=b=c&d=\n"
		"audience =  urn:x  y  \n"
		"username_regex = ^[a-z]+#x$";	/* '#' in a value; no final \n */
	struct pkce_config cfg;

	assert_int_equal(load(text, &cfg, END), PAM_SUCCESS);
	assert_string_equal(cfg.issuer, "https://idp.example.com/");
	assert_string_equal(cfg.client_id, "abc");
	/* Split at the first '=' only. */
	assert_string_equal(cfg.authorize_params, "a=b=c&d=");
	/* Inner spaces kept, outer ones trimmed. */
	assert_string_equal(cfg.audience, "urn:x  y");
	assert_string_equal(cfg.username_regex, "^[a-z]+#x$");
	config_free(&cfg);

	/* A file of comments only lacks the required keys. */
	assert_text_refused("# nothing here\n\n");
	assert_text_refused("");
}

static void
test_last_wins(void **state)
{
	static const char text[] = MIN_CONF
		"timeout = 100\n"
		"client_id = second\n"
		"timeout = 200\n"
		"export_env = email\n"
		"export_env = name groups\n"
		"cache_dir = none\n"
		"cache_dir = /srv/cache\n";
	struct pkce_config cfg;

	assert_int_equal(load(text, &cfg, END), PAM_SUCCESS);
	assert_int_equal(cfg.timeout, 200);
	assert_string_equal(cfg.client_id, "second");
	assert_int_equal(cfg.nexport_env, 2);
	assert_string_equal(cfg.export_env[0], "name");
	assert_string_equal(cfg.export_env[1], "groups");
	assert_string_equal(cfg.cache_dir, "/srv/cache");
	config_free(&cfg);
}

static void
test_require_claim_accumulates(void **state)
{
	static const char text[] = MIN_CONF
		"require_claim = groups = admins , ops\n"
		"require_claim = email_verified=true\n";
	struct pkce_config cfg;

	assert_int_equal(load(text, &cfg, "require_claim=hd=example.com",
			      "require_claim=acr=a=1,b", END),
			 PAM_SUCCESS);
	assert_int_equal(cfg.nrequire_claims, 4);
	assert_string_equal(cfg.require_claims[0].name, "groups");
	assert_int_equal(cfg.require_claims[0].nvalues, 2);
	assert_string_equal(cfg.require_claims[0].values[0], "admins");
	assert_string_equal(cfg.require_claims[0].values[1], "ops");
	assert_string_equal(cfg.require_claims[1].name, "email_verified");
	assert_int_equal(cfg.require_claims[1].nvalues, 1);
	assert_string_equal(cfg.require_claims[1].values[0], "true");
	assert_string_equal(cfg.require_claims[2].name, "hd");
	assert_string_equal(cfg.require_claims[2].values[0], "example.com");
	/* The name ends at the first '='. */
	assert_string_equal(cfg.require_claims[3].name, "acr");
	assert_int_equal(cfg.require_claims[3].nvalues, 2);
	assert_string_equal(cfg.require_claims[3].values[0], "a=1");
	assert_string_equal(cfg.require_claims[3].values[1], "b");
	config_free(&cfg);

	assert_value_refused("require_claim", "groups");
	assert_value_refused("require_claim", "=admins");
	assert_value_refused("require_claim", "groups=");
	assert_value_refused("require_claim", "groups=a,,b");
	assert_value_refused("require_claim", "groups=a,");
	assert_value_refused("require_claim", "groups=,a");
	assert_value_refused("require_claim", "groups=a, ,b");
}

static void
test_args_override_file(void **state)
{
	static const char text[] = MIN_CONF
		"timeout = 100\n"
		"qr = yes\n"
		"scope = openid email\n";
	struct pkce_config cfg;

	assert_int_equal(load(text, &cfg, "timeout=200", "client_id=other",
			      "qr=no", "scope=openid profile", END),
			 PAM_SUCCESS);
	assert_int_equal(cfg.timeout, 200);
	assert_string_equal(cfg.client_id, "other");
	assert_false(cfg.qr);
	assert_string_equal(cfg.scope, "openid profile");
	config_free(&cfg);

	/* Required keys may come from arguments alone. */
	assert_int_equal(load("# empty\n", &cfg,
			      "issuer=https://idp.example.net",
			      "client_id=x", END),
			 PAM_SUCCESS);
	assert_string_equal(cfg.issuer, "https://idp.example.net");
	config_free(&cfg);
}

static void
test_bare_debug(void **state)
{
	struct pkce_config cfg;

	assert_int_equal(load(MIN_CONF, &cfg, "debug", END), PAM_SUCCESS);
	assert_true(cfg.debug);
	config_free(&cfg);

	assert_int_equal(load(MIN_CONF "debug = no\n", &cfg, "debug", END),
			 PAM_SUCCESS);
	assert_true(cfg.debug);
	config_free(&cfg);

	assert_int_equal(load(MIN_CONF "debug = yes\n", &cfg, "debug=no",
			      END), PAM_SUCCESS);
	assert_false(cfg.debug);
	config_free(&cfg);
}

static void
test_config_path_arg(void **state)
{
	struct pkce_config cfg;
	char *good = write_config(MIN_CONF "timeout = 42\n", 0600);
	char *missing = NULL, *first = NULL;

	assert_int_equal(load_path(good, &cfg, END), PAM_SUCCESS);
	assert_string_equal(cfg.config_path, good);
	assert_int_equal(cfg.timeout, 42);
	config_free(&cfg);

	/* The last config= wins. */
	assert_true(asprintf(&missing, "%s/no-such.conf", tmpdir) > 0);
	assert_true(asprintf(&first, "config=%s", good) > 0);
	assert_int_equal(load_path(missing, &cfg, END), PAM_SERVICE_ERR);
	assert_int_equal(load_path(good, &cfg, END), PAM_SUCCESS);
	config_free(&cfg);
	{
		const char *argv[] = { "config=/nonexistent/x.conf", first };

		assert_int_equal(config_load(NULL, 2, argv, &cfg),
				 PAM_SUCCESS);
		assert_string_equal(cfg.config_path, good);
		config_free(&cfg);
	}
	/* A relative path would depend on the application's directory. */
	{
		const char *argv[] = { "config=pam_pkce.conf" };

		assert_int_equal(config_load(NULL, 1, argv, &cfg),
				 PAM_SERVICE_ERR);
		assert_true(is_zeroed(&cfg));
	}
	{
		const char *argv[] = { "config=" };

		assert_int_equal(config_load(NULL, 1, argv, &cfg),
				 PAM_SERVICE_ERR);
	}
	unlink(good);
	free(good);
	free(missing);
	free(first);
}

static void
test_unknown_key(void **state)
{
	assert_text_refused(MIN_CONF "clientid = x\n");
	assert_text_refused(MIN_CONF "Issuer = https://idp.example.com/\n");
	/* config= is an argument, not a file key. */
	assert_text_refused(MIN_CONF "config = /etc/other.conf\n");
	assert_arg_refused("foo=bar");
	assert_arg_refused("use_first_pass");
	assert_arg_refused("Debug");
	assert_arg_refused("=x");
}

static void
test_missing_equals(void **state)
{
	assert_text_refused(MIN_CONF "timeout 30\n");
	assert_text_refused(MIN_CONF "just some words\n");
	assert_text_refused(MIN_CONF " = value\n");
	assert_arg_refused("timeout");
}

static void
test_missing_required(void **state)
{
	assert_text_refused("issuer = https://idp.example.com/\n");
	assert_text_refused("client_id = pam-client\n");
	assert_value_refused("client_id", "");
	assert_value_refused("issuer", "");
}

static void
test_empty_and_control_values(void **state)
{
	assert_text_refused(MIN_CONF "audience =\n");
	assert_text_refused(MIN_CONF "audience =   \n");
	assert_arg_refused("audience=");
	assert_arg_refused("audience=a\tb");
	assert_arg_refused("audience=a\x1b[2Jb");
	assert_arg_refused("scope=openid\x7f");
}

static void
test_bad_booleans(void **state)
{
	static const char *const keys[] = {
		"discovery", "login_hint", "paste", "qr", "userinfo",
		"username_lowercase", "debug",
	};
	static const char *const bad[] = {
		"Yes", "YES", "true", "false", "1", "0", "on", "off", "y", "n",
		"yess", "no no",
	};
	struct pkce_config cfg;

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++)
			assert_value_refused(keys[k], bad[b]);
	}
	assert_arg_refused("qr=yes ");
	assert_arg_refused("qr= yes");
	load_key("qr", "yes", &cfg);
	assert_true(cfg.qr);
	config_free(&cfg);
}

static void
test_bad_integers(void **state)
{
	static const char *const keys[] = {
		"max_age", "timeout", "http_timeout", "clock_skew",
		"cache_ttl",
	};
	static const char *const bad[] = {
		"+5", "-5", "5s", "0x10", "1e3", "5.0", "1 2", "five",
		"18446744073709551616", "99999999999999999999999999",
	};

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++)
			assert_value_refused(keys[k], bad[b]);
	}
	assert_arg_refused("timeout= 5");
	assert_arg_refused("timeout=5 ");
}

static void
test_integer_ranges(void **state)
{
	static const struct {
		const char *key;
		const char *value;
		long expect;	/* -2: refused */
	} cases[] = {
		{ "timeout", "0", -2 },
		{ "timeout", "1", 1 },
		{ "timeout", "86400", 86400 },
		{ "timeout", "86401", -2 },
		{ "http_timeout", "0", -2 },
		{ "http_timeout", "1", 1 },
		{ "http_timeout", "300", 300 },
		{ "http_timeout", "301", -2 },
		{ "clock_skew", "0", 0 },
		{ "clock_skew", "3600", 3600 },
		{ "clock_skew", "3601", -2 },
		{ "cache_ttl", "0", 0 },
		{ "cache_ttl", "604800", 604800 },
		{ "cache_ttl", "604801", -2 },
		{ "max_age", "0", 0 },
		{ "max_age", "0086400", 86400 },
		{ "max_age", "2147483647", 2147483647 },
		{ "max_age", "2147483648", -2 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkce_config cfg;
		long got;

		if (cases[i].expect == -2) {
			assert_value_refused(cases[i].key, cases[i].value);
			continue;
		}
		load_key(cases[i].key, cases[i].value, &cfg);
		if (strcmp(cases[i].key, "timeout") == 0)
			got = cfg.timeout;
		else if (strcmp(cases[i].key, "http_timeout") == 0)
			got = cfg.http_timeout;
		else if (strcmp(cases[i].key, "clock_skew") == 0)
			got = cfg.clock_skew;
		else if (strcmp(cases[i].key, "cache_ttl") == 0)
			got = cfg.cache_ttl;
		else
			got = cfg.max_age;
		assert_int_equal(got, cases[i].expect);
		config_free(&cfg);
	}
}

static void
test_redirect_port(void **state)
{
	static const struct {
		const char *value;
		unsigned int min, max;
	} good[] = {
		{ "0", 0, 0 },
		{ "8080", 8080, 8080 },
		{ "1", 1, 1 },
		{ "65535", 65535, 65535 },
		{ "49152-49200", 49152, 49200 },
		{ "5000-5000", 5000, 5000 },
		{ "1-65535", 1, 65535 },
	};
	static const char *const bad[] = {
		"65536", "-1", "+80", "0-10", "10-0", "10-5", "1-", "-", "a-b",
		"80 - 90", "1-2-3", "0080x", "1-65536", "99999999999999999999",
		"00", "http",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pkce_config cfg;

		load_key("redirect_port", good[i].value, &cfg);
		assert_int_equal(cfg.redirect_port_min, good[i].min);
		assert_int_equal(cfg.redirect_port_max, good[i].max);
		config_free(&cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_value_refused("redirect_port", bad[i]);
}

static void
test_redirect_host(void **state)
{
	static const struct {
		const char *value;
		enum config_redirect_host host;
	} good[] = {
		{ "127.0.0.1", CONFIG_HOST_IPV4 },
		{ "[::1]", CONFIG_HOST_IPV6 },
		{ "localhost", CONFIG_HOST_LOCALHOST },
	};
	static const char *const bad[] = {
		"::1", "0.0.0.0", "127.0.0.2", "LOCALHOST", "localhost.",
		"192.168.1.1", "[::]", "127.0.0.1:8080",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pkce_config cfg;

		load_key("redirect_host", good[i].value, &cfg);
		assert_int_equal(cfg.redirect_host, good[i].host);
		config_free(&cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_value_refused("redirect_host", bad[i]);
}

static void
test_redirect_path(void **state)
{
	static const char *const good[] = {
		"/", "/cb", "/oidc/callback", "/a-b_c.d~e", "/x/.well/y",
		"/a..b", "/p;v=1", "/user@host:1",
	};
	static const char *const bad[] = {
		"callback", "cb/", "/cb?x=1", "/cb#frag", "/c%20b", "/c b",
		"/../cb", "/a/../cb", "/a/..", "/./cb", "/a/.", "/cb\"",
		"/cb<", "/cb\\x", "/caf\xc3\xa9", "/a|b", "/a^b", "/a`b",
		"/{x}", "/x[1]",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pkce_config cfg;

		load_key("redirect_path", good[i], &cfg);
		assert_string_equal(cfg.redirect_path, good[i]);
		config_free(&cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_value_refused("redirect_path", bad[i]);
}

static void
test_choices(void **state)
{
	static const struct {
		const char *key, *value;
		int expect;
	} good[] = {
		{ "prompt", "auto", CONFIG_PROMPT_AUTO },
		{ "prompt", "always", CONFIG_PROMPT_ALWAYS },
		{ "prompt", "never", CONFIG_PROMPT_NEVER },
		{ "qr_style", "utf8", CONFIG_QR_UTF8 },
		{ "qr_style", "ascii", CONFIG_QR_ASCII },
	};
	struct pkce_config cfg;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		load_key(good[i].key, good[i].value, &cfg);
		if (strcmp(good[i].key, "prompt") == 0)
			assert_int_equal(cfg.prompt, good[i].expect);
		else
			assert_int_equal(cfg.qr_style, good[i].expect);
		config_free(&cfg);
	}
	assert_value_refused("prompt", "sometimes");
	assert_value_refused("prompt", "Auto");
	assert_value_refused("qr_style", "UTF-8");
	assert_value_refused("qr_style", "ansi");
	assert_value_refused("token_endpoint_auth", "private_key_jwt");
	assert_value_refused("token_endpoint_auth", "basic");
}

static void
test_authorize_params(void **state)
{
	static const char *const owned[] = {
		"response_type", "client_id", "redirect_uri", "scope",
		"state", "nonce", "code_challenge", "code_challenge_method",
	};
	static const char *const bad[] = {
		"a=b&&c=d", "&a=b", "a=b&", "=x", "abc", "a=b&c", "a b=c",
		"caf\xc3\xa9=1", "a=caf\xc3\xa9",
	};
	struct pkce_config cfg;

	load_key("authorize_params", "prompt=login&ui_locales=de en&x=",
		 &cfg);
	assert_string_equal(cfg.authorize_params,
			    "prompt=login&ui_locales=de en&x=");
	config_free(&cfg);

	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		char *alone = NULL, *later = NULL;

		assert_true(asprintf(&alone, "%s=x", owned[i]) > 0);
		assert_true(asprintf(&later, "prompt=login&%s=x", owned[i]) > 0);
		assert_value_refused("authorize_params", alone);
		assert_value_refused("authorize_params", later);
		free(alone);
		free(later);
	}
	/* Names are compared exactly: a longer name is someone else's. */
	load_key("authorize_params", "state_hint=1&scopes=x", &cfg);
	config_free(&cfg);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_value_refused("authorize_params", bad[i]);
}

static void
test_allowed_algs(void **state)
{
	static const char *const bad[] = {
		"none", "HS256", "HS384", "HS512", "RS256 HS256", "none RS256",
		"RS1", "FOO", "RS256 ES999", "RS256,ES256",
	};
	struct pkce_config cfg;

	load_key("allowed_algs", "RS256 ES256", &cfg);
	assert_int_equal(cfg.allowed_algs,
			 (1u << JWS_ALG_RS256) | (1u << JWS_ALG_ES256));
	config_free(&cfg);

	load_key("allowed_algs",
		 "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA",
		 &cfg);
	assert_int_equal(cfg.allowed_algs, JWS_ALGS_ALL);
	config_free(&cfg);

	load_key("allowed_algs", "EdDSA  EdDSA", &cfg);
	assert_int_equal(cfg.allowed_algs, 1u << JWS_ALG_EDDSA);
	config_free(&cfg);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_value_refused("allowed_algs", bad[i]);
	assert_arg_refused("allowed_algs=");
	assert_arg_refused("allowed_algs=   ");
}

static void
test_scope(void **state)
{
	struct pkce_config cfg;

	load_key("scope", "profile email", &cfg);
	assert_string_equal(cfg.scope, "openid profile email");
	config_free(&cfg);

	load_key("scope", "email   openid", &cfg);
	assert_string_equal(cfg.scope, "email openid");
	config_free(&cfg);

	load_key("scope", "openid", &cfg);
	assert_string_equal(cfg.scope, "openid");
	config_free(&cfg);

	/* "openidx" is not "openid". */
	load_key("scope", "openidx", &cfg);
	assert_string_equal(cfg.scope, "openid openidx");
	config_free(&cfg);

	load_key("scope", "https://graph.example/.default offline_access",
		 &cfg);
	assert_string_equal(cfg.scope,
		"openid https://graph.example/.default offline_access");
	config_free(&cfg);

	assert_value_refused("scope", "openid \"email\"");
	assert_value_refused("scope", "openid a\\b");
	assert_value_refused("scope", "openid caf\xc3\xa9");
	assert_arg_refused("scope=   ");
}

static void
test_provider_urls(void **state)
{
	static const char *const url_keys[] = {
		"issuer", "authorization_endpoint", "token_endpoint",
		"jwks_uri", "userinfo_endpoint",
	};
	static const char *const bad[] = {
		"http://idp.example.com/", "http://10.0.0.1/",
		"http://192.168.1.5:8080/", "ftp://idp.example.com/",
		"idp.example.com", "/relative",
	};
	struct pkce_config cfg;

	for (size_t k = 0; k < sizeof(url_keys) / sizeof(url_keys[0]); k++) {
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++)
			assert_value_refused(url_keys[k], bad[b]);
	}

	assert_int_equal(load("issuer = http://127.0.0.1:8443/\n"
			      "client_id = x\n", &cfg, END), PAM_SUCCESS);
	assert_string_equal(cfg.issuer, "http://127.0.0.1:8443/");
	config_free(&cfg);

	assert_int_equal(load("issuer = http://[::1]:8443/realm\n"
			      "client_id = x\n", &cfg, END), PAM_SUCCESS);
	config_free(&cfg);

	load_key("token_endpoint", "http://127.0.0.1:9000/token", &cfg);
	assert_string_equal(cfg.token_endpoint, "http://127.0.0.1:9000/token");
	config_free(&cfg);
}

static void
test_discovery_no(void **state)
{
	static const char endpoints[] =
		"authorization_endpoint = https://idp.example.com/authorize\n"
		"token_endpoint = https://idp.example.com/token\n"
		"jwks_uri = https://idp.example.com/jwks\n";
	struct pkce_config cfg;

	assert_text_refused(MIN_CONF "discovery = no\n");
	assert_text_refused(MIN_CONF "discovery = no\n"
			    "authorization_endpoint = https://i.example/a\n"
			    "token_endpoint = https://i.example/t\n");
	assert_text_refused(MIN_CONF "discovery = no\n"
			    "token_endpoint = https://i.example/t\n"
			    "jwks_uri = https://i.example/j\n");
	assert_text_refused(MIN_CONF "discovery = no\n"
			    "authorization_endpoint = https://i.example/a\n"
			    "jwks_uri = https://i.example/j\n");
	/* userinfo = yes needs its endpoint too when not discovered. */
	assert_text_refused(MIN_CONF "discovery = no\nuserinfo = yes\n"
			    "authorization_endpoint = https://i.example/a\n"
			    "token_endpoint = https://i.example/t\n"
			    "jwks_uri = https://i.example/j\n");

	assert_int_equal(load(MIN_CONF "discovery = no\n", &cfg,
			      "authorization_endpoint=https://i.example/a",
			      "token_endpoint=https://i.example/t",
			      "jwks_uri=https://i.example/j", END),
			 PAM_SUCCESS);
	assert_false(cfg.discovery);
	config_free(&cfg);

	assert_int_equal(load(MIN_CONF "discovery = no\n", &cfg, END),
			 PAM_SERVICE_ERR);
	assert_int_equal(load(MIN_CONF "discovery=no\n", &cfg,
			      "discovery=yes", END), PAM_SUCCESS);
	config_free(&cfg);

	{
		char *text = NULL;

		assert_true(asprintf(&text, MIN_CONF "discovery = no\n%s",
				     endpoints) > 0);
		assert_int_equal(load(text, &cfg, END), PAM_SUCCESS);
		assert_string_equal(cfg.jwks_uri, "https://idp.example.com/jwks");
		config_free(&cfg);
		free(text);
	}
	/* With discovery, an explicit endpoint is simply an override. */
	load_key("jwks_uri", "https://idp.example.com/other-jwks", &cfg);
	assert_true(cfg.discovery);
	config_free(&cfg);
}

static void
test_file_writable_refused(void **state)
{
	static const mode_t bad[] = { 0664, 0646, 0620, 0602, 0666, 0777 };
	static const mode_t ok[] = { 0600, 0400, 0644, 0640, 0604 };
	struct pkce_config cfg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (load_mode(MIN_CONF, bad[i], &cfg, END) != PAM_SERVICE_ERR)
			fail_msg("mode %04o was accepted", (unsigned)bad[i]);
	}
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (load_mode(MIN_CONF, ok[i], &cfg, END) != PAM_SUCCESS)
			fail_msg("mode %04o was refused", (unsigned)ok[i]);
		config_free(&cfg);
	}
}

static void
test_file_owner_refused(void **state)
{
	struct pkce_config cfg;
	char *path;

	if (geteuid() != 0)
		skip();
	path = write_config(MIN_CONF, 0600);
	assert_int_equal(chown(path, 12345, 0), 0);
	assert_int_equal(load_path(path, &cfg, END), PAM_SERVICE_ERR);
	/* Group ownership does not matter: only the group write bit. */
	assert_int_equal(chown(path, 0, 12345), 0);
	assert_int_equal(load_path(path, &cfg, END), PAM_SUCCESS);
	config_free(&cfg);
	unlink(path);
	free(path);
}

static void
test_symlink_refused(void **state)
{
	struct pkce_config cfg;
	char *target = write_config(MIN_CONF, 0600);
	char *link = NULL;

	assert_true(asprintf(&link, "%s/link.conf", tmpdir) > 0);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(load_path(target, &cfg, END), PAM_SUCCESS);
	config_free(&cfg);
	assert_int_equal(load_path(link, &cfg, END), PAM_SERVICE_ERR);
	unlink(link);
	unlink(target);
	free(link);
	free(target);
}

static void
test_directory_refused(void **state)
{
	struct pkce_config cfg;
	char *dir = NULL;

	assert_true(asprintf(&dir, "%s/dir.conf", tmpdir) > 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(load_path(dir, &cfg, END), PAM_SERVICE_ERR);
	rmdir(dir);
	free(dir);
}

static void
test_fifo_refused(void **state)
{
	struct pkce_config cfg;
	char *fifo = NULL;

	assert_true(asprintf(&fifo, "%s/fifo.conf", tmpdir) > 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* Must not block waiting for a writer. */
	assert_int_equal(load_path(fifo, &cfg, END), PAM_SERVICE_ERR);
	unlink(fifo);
	free(fifo);
}

static void
test_missing_file_refused(void **state)
{
	struct pkce_config cfg;
	char *path = NULL;

	assert_true(asprintf(&path, "%s/absent.conf", tmpdir) > 0);
	assert_int_equal(load_path(path, &cfg, END), PAM_SERVICE_ERR);
	free(path);
}

static void
test_file_limits(void **state)
{
	struct pkce_config cfg;
	size_t big = 300 * 1024, line = 5000;
	char *text = malloc(big + 1);

	assert_non_null(text);
	/* A line over 4096 bytes, even a comment, is refused. */
	memset(text, 'x', line);
	memcpy(text, "# ", 2);
	text[line] = '\0';
	{
		char *full = NULL;

		assert_true(asprintf(&full, MIN_CONF "%s\n", text) > 0);
		assert_text_refused(full);
		free(full);
	}
	/* 4096 bytes exactly is fine. */
	text[4096] = '\0';
	{
		char *full = NULL;

		assert_true(asprintf(&full, MIN_CONF "%s\n", text) > 0);
		assert_int_equal(load(full, &cfg, END), PAM_SUCCESS);
		config_free(&cfg);
		free(full);
	}
	/* An oversized file of short comment lines is refused. */
	for (size_t i = 0; i < big; i += 64) {
		memset(text + i, ' ', 64);
		text[i] = '#';
		text[i + 63] = '\n';
	}
	memcpy(text, MIN_CONF, sizeof(MIN_CONF) - 1);
	text[big] = '\0';
	assert_text_refused(text);
	free(text);
}

static void
test_nul_byte_refused(void **state)
{
	static const char text[] = MIN_CONF "audience = a\0b\n";
	struct pkce_config cfg;
	char *path = write_config_len(text, sizeof(text) - 1, 0600);

	assert_int_equal(load_path(path, &cfg, END), PAM_SERVICE_ERR);
	unlink(path);
	free(path);
}

static void
test_client_secret(void **state)
{
	struct pkce_config cfg;

	/* A secret makes client_secret_basic the default. */
	load_key("client_secret", "hunter2", &cfg);
	assert_string_equal(cfg.client_secret, "hunter2");
	assert_int_equal(cfg.token_endpoint_auth,
			 CONFIG_AUTH_CLIENT_SECRET_BASIC);
	config_free(&cfg);

	assert_int_equal(load(MIN_CONF "client_secret = s\n"
			      "token_endpoint_auth = client_secret_post\n",
			      &cfg, END), PAM_SUCCESS);
	assert_int_equal(cfg.token_endpoint_auth,
			 CONFIG_AUTH_CLIENT_SECRET_POST);
	config_free(&cfg);

	assert_int_equal(load(MIN_CONF "client_secret = s\n"
			      "token_endpoint_auth = client_secret_basic\n",
			      &cfg, END), PAM_SUCCESS);
	assert_int_equal(cfg.token_endpoint_auth,
			 CONFIG_AUTH_CLIENT_SECRET_BASIC);
	config_free(&cfg);

	/* A secret with method none, or a secret method without one. */
	assert_text_refused(MIN_CONF "client_secret = s\n"
			    "token_endpoint_auth = none\n");
	assert_text_refused(MIN_CONF "token_endpoint_auth = "
			    "client_secret_basic\n");
	assert_text_refused(MIN_CONF "token_endpoint_auth = "
			    "client_secret_post\n");
	assert_int_equal(load(MIN_CONF "client_secret = s\n", &cfg,
			      "token_endpoint_auth=none", END),
			 PAM_SERVICE_ERR);

	load_key("token_endpoint_auth", "none", &cfg);
	assert_int_equal(cfg.token_endpoint_auth, CONFIG_AUTH_NONE);
	config_free(&cfg);

	/* An argument secret overrides the file's (with a warning). */
	assert_int_equal(load(MIN_CONF "client_secret = from-file\n", &cfg,
			      "client_secret=from-arg", END), PAM_SUCCESS);
	assert_string_equal(cfg.client_secret, "from-arg");
	config_free(&cfg);

	/* A readable file with a secret only warns. */
	assert_int_equal(load_mode(MIN_CONF "client_secret = s\n", 0644,
				   &cfg, END), PAM_SUCCESS);
	assert_string_equal(cfg.client_secret, "s");
	config_free(&cfg);

	assert_value_refused("client_secret", "caf\xc3\xa9");
}

static void
test_username_regex(void **state)
{
	struct pkce_config cfg;

	load_key("username_regex", "^([a-z0-9._-]+)@corp\\.example$", &cfg);
	assert_string_equal(cfg.username_regex,
			    "^([a-z0-9._-]+)@corp\\.example$");
	config_free(&cfg);

	assert_value_refused("username_regex", "([a-z");
	assert_value_refused("username_regex", "a{2,1}");
	assert_value_refused("username_regex", "[[:nope:]]");
	assert_value_refused("username_regex", "*a");
	/* Patterns that make glibc's regcomp run out of memory or time. */
	assert_value_refused("username_regex", "a++++++++++++++++++++++++++++++");
	assert_value_refused("username_regex", "^(a?){1,300}$");
	assert_value_refused("username_regex", "(a|)+");
	assert_value_refused("username_regex", "^((((()+)+)+)+)+)+)+)$");
	assert_value_refused("username_regex", "^(a)\\1$");
	load_key("username_regex", "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}$", &cfg);
	config_free(&cfg);
	load_key("username_regex", "^(corp|eng)-([a-z]{1,32})$", &cfg);
	config_free(&cfg);
}

static void
test_paths(void **state)
{
	static const char *const keys[] = {
		"ca_file", "ca_path", "user_map", "cache_dir",
	};
	struct pkce_config cfg;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		assert_value_refused(keys[i], "relative/path");
		assert_value_refused(keys[i], "./x");
		assert_value_refused(keys[i], "~/x");
	}
	/* Existence is checked at login, not here. */
	load_key("user_map", "/nonexistent/users", &cfg);
	assert_string_equal(cfg.user_map, "/nonexistent/users");
	config_free(&cfg);

	load_key("ca_file", "/none", &cfg);
	assert_string_equal(cfg.ca_file, "/none");
	config_free(&cfg);
}

static void
test_cache_dir(void **state)
{
	struct pkce_config cfg;

	load_key("cache_dir", "none", &cfg);
	assert_null(cfg.cache_dir);
	config_free(&cfg);

	assert_int_equal(load(MIN_CONF, &cfg, "cache_dir=none", END),
			 PAM_SUCCESS);
	assert_null(cfg.cache_dir);
	config_free(&cfg);

	load_key("cache_dir", "/run/pam_pkce", &cfg);
	assert_string_equal(cfg.cache_dir, "/run/pam_pkce");
	config_free(&cfg);

	assert_value_refused("cache_dir", "None");
}

static void
test_https_proxy(void **state)
{
	static const char *const good[] = {
		"http://proxy.example.org:3128", "https://proxy.example.org",
		"socks5://127.0.0.1:1080", "socks5h://proxy:1080",
		"http://user:pass@proxy.example.org:3128/",
	};
	static const char *const bad[] = {
		"proxy.example.org:3128", "ftp://proxy.example.org",
		"http://", "file:///tmp/x", "socks5://", "not a url",
	};
	struct pkce_config cfg;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		load_key("https_proxy", good[i], &cfg);
		assert_string_equal(cfg.https_proxy, good[i]);
		config_free(&cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_value_refused("https_proxy", bad[i]);
}

static void
test_export_env(void **state)
{
	struct pkce_config cfg;

	load_key("export_env", "email  name https://example.com/roles", &cfg);
	assert_int_equal(cfg.nexport_env, 3);
	assert_string_equal(cfg.export_env[0], "email");
	assert_string_equal(cfg.export_env_var[0], "OIDC_EMAIL");
	assert_string_equal(cfg.export_env[1], "name");
	assert_string_equal(cfg.export_env_var[1], "OIDC_NAME");
	/* Auth0's namespaced custom claims. */
	assert_string_equal(cfg.export_env[2], "https://example.com/roles");
	assert_string_equal(cfg.export_env_var[2],
			    "OIDC_HTTPS___EXAMPLE_COM_ROLES");
	config_free(&cfg);

	/* '=' would end the variable name: "OIDC_A=b=value" sets OIDC_A. */
	assert_value_refused("export_env", "a=b");
	/* Two claims, one variable: refused rather than one hiding the other. */
	assert_value_refused("export_env", "given.name given_name");
	assert_value_refused("export_env", "email EMAIL");
	assert_value_refused("export_env", "caf\xc3\xa9");
	assert_value_refused("export_env", "a\x01b");
	assert_arg_refused("export_env=  ");
}

static void
test_text_keys(void **state)
{
	struct pkce_config cfg;

	load_key("audience", "https://api.example.com/", &cfg);
	assert_string_equal(cfg.audience, "https://api.example.com/");
	config_free(&cfg);

	load_key("username_claim", "https://example.com/claims/login", &cfg);
	assert_string_equal(cfg.username_claim,
			    "https://example.com/claims/login");
	config_free(&cfg);

	assert_value_refused("username_claim", "");
	assert_value_refused("audience", "");
}

static void
test_failure_leaves_zeroed(void **state)
{
	struct pkce_config cfg;

	/* Fill with garbage: config_load must not trust the input struct. */
	memset(&cfg, 0xa5, sizeof(cfg));
	assert_int_equal(load(MIN_CONF "client_secret = s\n"
			      "require_claim = a=b\nexport_env = x\n"
			      "bogus = 1\n", &cfg, END), PAM_SERVICE_ERR);
	assert_true(is_zeroed(&cfg));
	config_free(&cfg);

	memset(&cfg, 0xa5, sizeof(cfg));
	assert_int_equal(load(MIN_CONF "client_secret = s\n", &cfg,
			      "require_claim=a=b", "bogus=1", END),
			 PAM_SERVICE_ERR);
	assert_true(is_zeroed(&cfg));
}

/* The shipped example, from the source tree; NULL if not found. */
static char *
read_example_config(void)
{
	const char *srcdir = getenv("PKCE_SRCDIR");
	char *path = NULL, *text = NULL;
	size_t len = 0;
	FILE *f;

	assert_true(asprintf(&path, "%s/conf/pam_pkce.conf",
			     srcdir != NULL ? srcdir : ".") > 0);
	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return NULL;
	text = malloc(64 * 1024);
	assert_non_null(text);
	len = fread(text, 1, 64 * 1024 - 1, f);
	assert_true(feof(f));
	fclose(f);
	text[len] = '\0';
	return text;
}

/* "#key = value" lines with a value become settings. */
static char *
uncomment_settings(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	const char *line = text;

	assert_non_null(out);
	while (*line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line + 1) : strlen(line);
		const char *key = line + 1;
		size_t keylen = strspn(key, "abcdefghijklmnopqrstuvwxyz_");

		if (line[0] == '#' && keylen > 0 &&
		    strncmp(key + keylen, " = ", 3) == 0 &&
		    key[keylen + 3] != '\n' && key[keylen + 3] != '\0') {
			memcpy(o, line + 1, len - 1);
			o += len - 1;
		} else {
			memcpy(o, line, len);
			o += len;
		}
		line += len;
	}
	*o = '\0';
	return out;
}

static void
test_example_config(void **state)
{
	struct pkce_config cfg, defaults;
	char *text = read_example_config(), *active;

	if (text == NULL)
		fail_msg("conf/pam_pkce.conf not found (set PKCE_SRCDIR)");
	/* As shipped, everything is commented out: issuer is missing. */
	assert_text_refused(text);
	assert_int_equal(load(MIN_CONF, &defaults, END), PAM_SUCCESS);
	assert_int_equal(load(text, &cfg, "issuer=https://idp.example.com/",
			      "client_id=pam-client", END), PAM_SUCCESS);
	assert_int_equal(cfg.allowed_algs, defaults.allowed_algs);
	config_free(&cfg);

	/* Every default shown in the file is the real default. */
	active = uncomment_settings(text);
	assert_int_equal(load(active, &cfg, END), PAM_SUCCESS);
	assert_string_equal(cfg.issuer, "https://idp.example.com/");
	assert_int_equal(cfg.discovery, defaults.discovery);
	assert_int_equal(cfg.token_endpoint_auth, defaults.token_endpoint_auth);
	assert_string_equal(cfg.scope, defaults.scope);
	assert_int_equal(cfg.login_hint, defaults.login_hint);
	assert_int_equal(cfg.redirect_host, defaults.redirect_host);
	assert_int_equal(cfg.redirect_port_min, defaults.redirect_port_min);
	assert_int_equal(cfg.redirect_port_max, defaults.redirect_port_max);
	assert_string_equal(cfg.redirect_path, defaults.redirect_path);
	assert_int_equal(cfg.prompt, defaults.prompt);
	assert_int_equal(cfg.paste, defaults.paste);
	assert_int_equal(cfg.qr, defaults.qr);
	assert_int_equal(cfg.qr_style, defaults.qr_style);
	assert_int_equal(cfg.timeout, defaults.timeout);
	assert_int_equal(cfg.http_timeout, defaults.http_timeout);
	assert_int_equal(cfg.allowed_algs, defaults.allowed_algs);
	assert_int_equal(cfg.clock_skew, defaults.clock_skew);
	assert_int_equal(cfg.userinfo, defaults.userinfo);
	assert_string_equal(cfg.username_claim, defaults.username_claim);
	assert_int_equal(cfg.username_lowercase, defaults.username_lowercase);
	assert_string_equal(cfg.cache_dir, defaults.cache_dir);
	assert_int_equal(cfg.cache_ttl, defaults.cache_ttl);
	assert_int_equal(cfg.debug, defaults.debug);
	/* The two require_claim examples. */
	assert_int_equal(cfg.nrequire_claims, 2);
	config_free(&cfg);
	config_free(&defaults);
	free(active);
	free(text);
}

static int
group_setup(void **state)
{
	char templ[] = "/tmp/pam_pkce_test_config.XXXXXX";

	if (mkdtemp(templ) == NULL)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", templ);
	return 0;
}

static int
group_teardown(void **state)
{
	/* Tests remove their own files; a leftover shows up as an error. */
	if (rmdir(tmpdir) != 0) {
		fprintf(stderr, "rmdir %s: %s\n", tmpdir, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_comments_blank_whitespace),
		cmocka_unit_test(test_last_wins),
		cmocka_unit_test(test_require_claim_accumulates),
		cmocka_unit_test(test_args_override_file),
		cmocka_unit_test(test_bare_debug),
		cmocka_unit_test(test_config_path_arg),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_missing_equals),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_empty_and_control_values),
		cmocka_unit_test(test_bad_booleans),
		cmocka_unit_test(test_bad_integers),
		cmocka_unit_test(test_integer_ranges),
		cmocka_unit_test(test_redirect_port),
		cmocka_unit_test(test_redirect_host),
		cmocka_unit_test(test_redirect_path),
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_authorize_params),
		cmocka_unit_test(test_allowed_algs),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_provider_urls),
		cmocka_unit_test(test_discovery_no),
		cmocka_unit_test(test_file_writable_refused),
		cmocka_unit_test(test_file_owner_refused),
		cmocka_unit_test(test_symlink_refused),
		cmocka_unit_test(test_directory_refused),
		cmocka_unit_test(test_fifo_refused),
		cmocka_unit_test(test_missing_file_refused),
		cmocka_unit_test(test_file_limits),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_client_secret),
		cmocka_unit_test(test_username_regex),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_cache_dir),
		cmocka_unit_test(test_https_proxy),
		cmocka_unit_test(test_export_env),
		cmocka_unit_test(test_text_keys),
		cmocka_unit_test(test_failure_leaves_zeroed),
		cmocka_unit_test(test_example_config),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
