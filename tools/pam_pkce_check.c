/*
 * pam_pkce_check: what pam_pkce would do with a configuration, up to the
 * point where a person would open the sign-in address.  It runs the
 * module's own code (libpkce), without a PAM handle: the config parser
 * with the module's argument rules, discovery and its cache, the JWKS,
 * the loopback listener and the /authorize URL.  The module's log lines
 * go to stderr instead of syslog (log_to_stderr), so an administrator
 * sees exactly what a failed login would have logged.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <security/_pam_types.h>

#include "account.h"
#include "authorize.h"
#include "cache.h"
#include "config.h"
#include "discovery.h"
#include "http.h"
#include "jwk.h"
#include "keys.h"
#include "listener.h"
#include "log.h"
#include "pkce.h"

/* Exit statuses; the usage text documents them. */
enum check_status {
	CHECK_OK = 0,
	CHECK_USAGE = 1,	/* bad command line, or an internal failure */
	CHECK_CONFIG = 2,	/* the module would log a configuration error */
	CHECK_PROVIDER = 3,	/* discovery or JWKS unavailable or rejected */
	CHECK_LISTENER = 4,	/* no free loopback port for the redirect */
};

#define WELL_KNOWN "/.well-known/openid-configuration"

/* Room for a long URL escaped (a byte may become \xHH). */
#define URL_SHOWN_MAX (4 * 4096 + 4)

static const char usage_line[] =
	"Usage: pam_pkce_check [--config PATH] [--user NAME] [KEY=VALUE ...]\n"
	"Try pam_pkce_check --help for more.\n";

static const char usage_text[] =
	"Usage: pam_pkce_check [--config PATH] [--user NAME] [KEY=VALUE ...]\n"
	"\n"
	"Check a pam_pkce configuration the way the module would use it, short\n"
	"of a login: read the config file and the arguments with the module's\n"
	"own parser, resolve discovery (through the document cache) and fetch\n"
	"the JWKS, then open the loopback listener, print the authorize URL the\n"
	"person would be shown, and close the listener again.  Nothing waits for\n"
	"a browser and no code is exchanged.\n"
	"\n"
	"Options:\n"
	"  --config PATH  config file (default " PAM_PKCE_DEFAULT_CONFIG ");\n"
	"                 the same as a config=PATH argument\n"
	"  --user NAME    the PAM user to build the URL for (login_hint);\n"
	"                 default: the name of the user running the check\n"
	"  --help         show this text\n"
	"  --version      show the version\n"
	"\n"
	"Arguments are the module's arguments, as on the PAM line: config=PATH,\n"
	"debug, KEY=VALUE (overriding the file).\n"
	"\n"
	"The report (effective settings with defaults, endpoints, signing keys,\n"
	"authorize URL) goes to stdout.  Problems go to stderr as the lines the\n"
	"module would log, prefixed \"pam_pkce_check: \"; the checker's own\n"
	"remarks are prefixed \"pam_pkce_check: check: \".  Never shown: the\n"
	"value of client_secret, the credentials in https_proxy, the PKCE\n"
	"verifier.  The state and nonce in the URL are used for nothing else.\n"
	"\n"
	"The file must pass the module's checks: a regular file owned by root\n"
	"(or by the user running the check), not writable by group or others.\n"
	"Run the check as root to see what sshd, sudo, su or login will see.\n"
	"\n"
	"Exit status:\n"
	"  0  everything the check covers works\n"
	"  1  usage error or internal failure\n"
	"  2  configuration error: the module would refuse the config file, an\n"
	"     argument or the user_map file (PAM_SERVICE_ERR), or no key of the\n"
	"     provider verifies an algorithm of allowed_algs\n"
	"  3  provider unavailable: discovery or the JWKS cannot be had or is\n"
	"     rejected (the module would return PAM_AUTHINFO_UNAVAIL)\n"
	"  4  no free loopback port for redirect_port (PAM_AUTHINFO_UNAVAIL)\n";

/* Everything one run owns, released in one place. */
struct check {
	const char **args;	/* the module arguments, in command-line order */
	int nargs;
	char **owned;		/* the args this program made up (--config) */
	int nowned;
	char *user;
	struct pkce_config cfg;
	bool cfg_loaded;
	struct http_client *http;
	struct provider_endpoints endpoints;
	struct keyring keys;
	json_t *jwks_doc;
	struct pkce_secrets secrets;
	struct listener *listener;
	char *authorize_url;
};

static void
release_check(struct check *ck)
{
	authorize_url_free(ck->authorize_url);
	listener_close(ck->listener);
	pkce_secrets_wipe(&ck->secrets);
	json_decref(ck->jwks_doc);
	keyring_clear(&ck->keys);
	discovery_clear(&ck->endpoints);
	http_client_free(ck->http);
	if (ck->cfg_loaded)
		config_free(&ck->cfg);
	for (int i = 0; i < ck->nowned; i++)
		free(ck->owned[i]);
	free(ck->owned);
	free(ck->args);
	free(ck->user);
}

static void complain(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* The checker's own remarks, told apart from the module's log lines. */
static void
complain(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "pam_pkce_check: check: %s\n", line);
}

static void show(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One "  key = value" line of the report. */
static void
show(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("  %-22s = ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const char *
yes_no(bool b)
{
	return b ? "yes" : "no";
}

static const char *
or_unset(const char *value)
{
	return value != NULL ? value : "(not set)";
}

/* --config PATH: relative to where the check runs, unlike config=PATH. */
static char *
config_argument(const char *path)
{
	char cwd[PATH_MAX];
	char *arg = NULL;
	int n;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		n = asprintf(&arg, "config=%s", path);
	else
		n = asprintf(&arg, "config=%s/%s", cwd, path);
	return n < 0 ? NULL : arg;
}

/* Value of --NAME VALUE or --NAME=VALUE at argv[*i], advancing *i. */
static const char *
option_value(int argc, char **argv, int *i, const char *name)
{
	const char *arg = argv[*i] + 2;
	size_t len = strlen(name);

	if (strncmp(arg, name, len) != 0)
		return NULL;
	if (arg[len] == '=')
		return arg + len + 1;
	if (arg[len] != '\0' || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/*
 * Fill CK from the command line.  Returns CHECK_OK, CHECK_USAGE, or -1
 * when the run is over with success (--help, --version).
 */
static int
parse_command_line(struct check *ck, int argc, char **argv)
{
	bool options = true;
	const char *value;

	ck->args = calloc((size_t)argc + 1, sizeof(*ck->args));
	ck->owned = calloc((size_t)argc + 1, sizeof(*ck->owned));
	if (ck->args == NULL || ck->owned == NULL)
		return CHECK_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!options || arg[0] != '-') {
			ck->args[ck->nargs++] = arg;
		} else if (strcmp(arg, "--") == 0) {
			options = false;
		} else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(usage_text, stdout);
			return -1;
		} else if (strcmp(arg, "--version") == 0) {
			printf("pam_pkce_check (%s) %s\n", PACKAGE_NAME,
			       PACKAGE_VERSION);
			return -1;
		} else if ((value = option_value(argc, argv, &i, "config")) !=
			   NULL) {
			char *made = config_argument(value);

			if (made == NULL)
				return CHECK_USAGE;
			/* In order: the last config= wins, as for the module. */
			ck->owned[ck->nowned++] = made;
			ck->args[ck->nargs++] = made;
		} else if ((value = option_value(argc, argv, &i, "user")) !=
			   NULL) {
			if (value[0] == '\0') {
				fprintf(stderr, "pam_pkce_check: --user: "
					"empty name\n%s", usage_line);
				return CHECK_USAGE;
			}
			free(ck->user);
			ck->user = strdup(value);
			if (ck->user == NULL)
				return CHECK_USAGE;
		} else {
			fprintf(stderr, "pam_pkce_check: unknown option or "
				"missing value: %s\n%s", arg, usage_line);
			return CHECK_USAGE;
		}
	}
	return CHECK_OK;
}

/* The user running the check, as the default PAM user. */
static int
pick_default_user(struct check *ck)
{
	struct passwd *pw;

	if (ck->user != NULL)
		return CHECK_OK;
	pw = getpwuid(getuid());
	if (pw == NULL) {
		complain("cannot name the user running the check; use --user");
		return CHECK_USAGE;
	}
	ck->user = strdup(pw->pw_name);
	return ck->user != NULL ? CHECK_OK : CHECK_USAGE;
}

/*
 * The module accepts a file owned by the user it runs as.  Run by a user
 * on their own file, the check passes where sshd or sudo (root) would
 * refuse: say so.
 */
static void
warn_not_root_owned(const char *what, const char *path)
{
	char shown[LOG_ESCAPE_MAX];
	struct stat st;

	if (lstat(path, &st) != 0 || st.st_uid == 0)
		return;
	complain("warning: %s %s is owned by uid %lu, not root: accepted "
		 "here because the check runs as that user, but the module "
		 "run by root (sshd, sudo, su, login) refuses it", what,
		 log_escape(path, shown, sizeof(shown)),
		 (unsigned long)st.st_uid);
}

static int
load_config(struct check *ck)
{
	int rc = config_load(NULL, ck->nargs, ck->args, &ck->cfg);

	if (rc == PAM_SERVICE_ERR)
		return CHECK_CONFIG;
	if (rc != PAM_SUCCESS)
		return CHECK_USAGE;
	ck->cfg_loaded = true;
	warn_not_root_owned("config file", ck->cfg.config_path);
	return CHECK_OK;
}

/*
 * The module reads user_map only when a login gets that far; a broken
 * one is a configuration error all the same, so read it now, with the
 * module's checks and parser.
 */
static int
check_user_map(struct check *ck)
{
	const char *path = ck->cfg.user_map;
	char *mapped = NULL;
	FILE *fp = NULL;
	int fd, ret = CHECK_CONFIG;

	if (path == NULL)
		return CHECK_OK;
	/* NONBLOCK: a FIFO at PATH must not hang the check. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		log_msg(NULL, LOG_ERR, "user_map %s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (config_file_check_safe(NULL, fd, path) < 0)
		goto cleanup;
	fp = fdopen(fd, "r");
	if (fp == NULL) {
		ret = CHECK_USAGE;
		goto cleanup;
	}
	fd = -1;
	/* No line maps the empty name, so every line is read and checked. */
	if (user_map_find(NULL, fp, path, "", &mapped) < 0)
		goto cleanup;
	warn_not_root_owned("user_map", path);
	ret = CHECK_OK;
cleanup:
	free(mapped);
	if (fp != NULL)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* The module's login step: a PAM user that is no local account fails. */
static void
check_user(const struct check *ck)
{
	char shown[LOG_ESCAPE_MAX];

	if (getpwnam(ck->user) != NULL)
		return;
	log_msg(NULL, LOG_NOTICE, "user %s is not a local account",
		log_escape(ck->user, shown, sizeof(shown)));
	complain("warning: a login as %s would fail (PAM_USER_UNKNOWN)",
		 shown);
}

/* scheme://host[:port] only: the URL may carry user:password. */
static void
show_proxy(const char *proxy)
{
	CURLU *url;
	char *scheme = NULL, *host = NULL, *port = NULL;

	if (proxy == NULL) {
		show("https_proxy", "(not set)");
		return;
	}
	url = curl_url();
	if (url != NULL &&
	    curl_url_set(url, CURLUPART_URL, proxy,
			 CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(url, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		/* No port for a scheme libcurl has no default for (socks). */
		if (curl_url_get(url, CURLUPART_PORT, &port,
				 CURLU_DEFAULT_PORT) != CURLUE_OK)
			port = NULL;
		show("https_proxy", "%s://%s%s%s (credentials, if any, not shown)",
		     scheme, host, port != NULL ? ":" : "",
		     port != NULL ? port : "");
	} else {
		show("https_proxy", "(set)");
	}
	curl_free(port);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(url);
}

static void
show_endpoint_key(const struct pkce_config *cfg, const char *key,
		  const char *value)
{
	if (value != NULL)
		show(key, "%s", value);
	else
		show(key, "%s", cfg->discovery ? "(from discovery)" : "(not set)");
}

static void
show_allowed_algs(const struct pkce_config *cfg)
{
	char names[256] = "";

	for (int a = 0; a < JWS_ALG_COUNT; a++) {
		if ((cfg->allowed_algs & (1u << a)) == 0)
			continue;
		if (names[0] != '\0')
			strcat(names, " ");
		strcat(names, jws_alg_name((enum jws_alg)a));
	}
	show("allowed_algs", "%s", names);
}

static void
show_require_claims(const struct pkce_config *cfg)
{
	if (cfg->nrequire_claims == 0) {
		show("require_claim", "(not set)");
		return;
	}
	for (size_t i = 0; i < cfg->nrequire_claims; i++) {
		const struct config_claim_rule *rule = &cfg->require_claims[i];

		printf("  %-22s = %s=", "require_claim", rule->name);
		for (size_t v = 0; v < rule->nvalues; v++)
			printf("%s%s", v > 0 ? "," : "", rule->values[v]);
		putchar('\n');
	}
}

static void
show_export_env(const struct pkce_config *cfg)
{
	if (cfg->nexport_env == 0) {
		show("export_env", "(not set)");
		return;
	}
	printf("  %-22s = ", "export_env");
	for (size_t i = 0; i < cfg->nexport_env; i++)
		printf("%s%s (as %s)", i > 0 ? " " : "", cfg->export_env[i],
		       cfg->export_env_var[i]);
	putchar('\n');
}

/*
 * Every key, defaults included, in the order of the contract.  Values
 * passed the parser, which refuses control characters, so they print
 * as they are.
 */
static void
print_settings(const struct pkce_config *cfg)
{
	static const char *const auth_names[] = {
		[CONFIG_AUTH_NONE] = "none",
		[CONFIG_AUTH_CLIENT_SECRET_BASIC] = "client_secret_basic",
		[CONFIG_AUTH_CLIENT_SECRET_POST] = "client_secret_post",
	};
	static const char *const host_names[] = {
		[CONFIG_HOST_IPV4] = "127.0.0.1",
		[CONFIG_HOST_IPV6] = "[::1]",
		[CONFIG_HOST_LOCALHOST] = "localhost",
	};
	static const char *const prompt_names[] = {
		[CONFIG_PROMPT_AUTO] = "auto",
		[CONFIG_PROMPT_ALWAYS] = "always",
		[CONFIG_PROMPT_NEVER] = "never",
	};
	static const char *const qr_names[] = {
		[CONFIG_QR_UTF8] = "utf8",
		[CONFIG_QR_ASCII] = "ascii",
	};

	printf("Configuration %s: OK\n", cfg->config_path);
	printf("Effective settings (defaults included):\n");
	show("issuer", "%s", cfg->issuer);
	show("discovery", "%s", yes_no(cfg->discovery));
	show_endpoint_key(cfg, "authorization_endpoint",
			  cfg->authorization_endpoint);
	show_endpoint_key(cfg, "token_endpoint", cfg->token_endpoint);
	show_endpoint_key(cfg, "jwks_uri", cfg->jwks_uri);
	show_endpoint_key(cfg, "userinfo_endpoint", cfg->userinfo_endpoint);
	show("client_id", "%s", cfg->client_id);
	show("client_secret", "%s",
	     cfg->client_secret != NULL ? "(set)" : "(not set)");
	show("token_endpoint_auth", "%s", auth_names[cfg->token_endpoint_auth]);
	show("scope", "%s", cfg->scope);
	show("audience", "%s", or_unset(cfg->audience));
	show("authorize_params", "%s", or_unset(cfg->authorize_params));
	show("login_hint", "%s", yes_no(cfg->login_hint));
	if (cfg->max_age >= 0)
		show("max_age", "%ld", cfg->max_age);
	else
		show("max_age", "(not set)");
	show("redirect_host", "%s", host_names[cfg->redirect_host]);
	if (cfg->redirect_port_min == cfg->redirect_port_max)
		show("redirect_port", "%u%s", cfg->redirect_port_min,
		     cfg->redirect_port_min == 0 ? " (ephemeral)" : "");
	else
		show("redirect_port", "%u-%u", cfg->redirect_port_min,
		     cfg->redirect_port_max);
	show("redirect_path", "%s", cfg->redirect_path);
	show("prompt", "%s", prompt_names[cfg->prompt]);
	show("paste", "%s", yes_no(cfg->paste));
	show("qr", "%s", yes_no(cfg->qr));
	show("qr_style", "%s", qr_names[cfg->qr_style]);
	show("timeout", "%ld", cfg->timeout);
	show("http_timeout", "%ld", cfg->http_timeout);
	if (cfg->ca_file == NULL && cfg->ca_path == NULL) {
		show("ca_file", "(not set: system store)");
		show("ca_path", "(not set: system store)");
	} else {
		show("ca_file", "%s", or_unset(cfg->ca_file));
		show("ca_path", "%s", or_unset(cfg->ca_path));
	}
	show_proxy(cfg->https_proxy);
	show_allowed_algs(cfg);
	show("clock_skew", "%ld", cfg->clock_skew);
	show("userinfo", "%s", yes_no(cfg->userinfo));
	show("username_claim", "%s", cfg->username_claim);
	show("username_regex", "%s", or_unset(cfg->username_regex));
	show("username_lowercase", "%s", yes_no(cfg->username_lowercase));
	show("user_map", "%s", or_unset(cfg->user_map));
	show_require_claims(cfg);
	show_export_env(cfg);
	show("cache_dir", "%s", cfg->cache_dir != NULL ? cfg->cache_dir : "none");
	show("cache_ttl", "%ld", cfg->cache_ttl);
	show("debug", "%s", yes_no(cfg->debug));
}

/* Where discovery's URL is; discovery.c builds it the same way. */
static char *
discovery_url(const char *issuer)
{
	size_t len = strlen(issuer);
	char *url = NULL;

	/* OIDC Discovery 4: one trailing '/' is dropped before appending. */
	if (len > 0 && issuer[len - 1] == '/')
		len--;
	if (asprintf(&url, "%.*s%s", (int)len, issuer, WELL_KNOWN) < 0)
		return NULL;
	return url;
}

/*
 * Whether discovery_resolve will be served by the cache: a fresh copy
 * that the configuration accepts.  Read only, so the module's own step
 * still decides; this only lets the report say where the answer came
 * from (a cache hit says nothing about the provider being up).
 */
static bool
discovery_cached(const struct pkce_config *cfg, const char *url)
{
	struct provider_endpoints tmp;
	const char *why = NULL;
	json_t *doc = cache_load(NULL, cfg, url);
	bool hit;

	hit = doc != NULL && discovery_document_apply(cfg, doc, &tmp, &why) == 0;
	if (hit)
		discovery_clear(&tmp);
	json_decref(doc);
	return hit;
}

/* An endpoint from the provider's document: outside text. */
static void
show_url(const char *key, const char *url)
{
	static char shown[URL_SHOWN_MAX];

	show(key, "%s", url != NULL ? log_escape(url, shown, sizeof(shown))
				    : "(none)");
}

static int
resolve_endpoints(struct check *ck)
{
	const struct pkce_config *cfg = &ck->cfg;
	const struct provider_endpoints *ep = &ck->endpoints;
	char *url = NULL;
	bool cached = false;
	int rc, ret = CHECK_USAGE;

	if (cfg->discovery) {
		url = discovery_url(cfg->issuer);
		if (url == NULL)
			goto cleanup;
		cached = discovery_cached(cfg, url);
	}
	ck->http = http_client_new(NULL, cfg);
	if (ck->http == NULL)
		goto cleanup;
	rc = discovery_resolve(NULL, ck->http, cfg, &ck->endpoints);
	/* As the module does: the JWKS step gets a client of its own. */
	http_client_free(ck->http);
	ck->http = NULL;
	if (rc != PAM_SUCCESS) {
		ret = rc == PAM_AUTHINFO_UNAVAIL ? CHECK_PROVIDER : CHECK_USAGE;
		goto cleanup;
	}
	if (!cfg->discovery)
		printf("Endpoints (discovery = no: from the configuration):\n");
	else if (cached)
		printf("Endpoints (discovery document %s, from the cache in %s; "
		       "the provider was not contacted):\n", url, cfg->cache_dir);
	else
		printf("Endpoints (discovery document %s, fetched):\n", url);
	show_url("authorization_endpoint", ep->authorization_endpoint);
	show_url("token_endpoint", ep->token_endpoint);
	show_url("jwks_uri", ep->jwks_uri);
	show_url("userinfo_endpoint", ep->userinfo_endpoint);
	show("RFC 9207 iss", "%s", ep->iss_parameter_supported ?
	     "advertised: required in the response" :
	     "not advertised: checked when present");
	ret = CHECK_OK;
cleanup:
	free(url);
	return ret;
}

/* A JWKS document the module would accept, or NULL. */
static bool
jwks_usable(const json_t *doc)
{
	struct jwks *jwks = NULL;
	const char *why = NULL;
	bool usable;

	if (doc == NULL || jwks_from_json(doc, &jwks, &why) < 0)
		return false;
	usable = jwks_count(jwks) > 0;
	jwks_free(jwks);
	return usable;
}

/* Member NAME of KEY escaped into OUT, or NULL if absent or not text. */
static const char *
key_member(const json_t *key, const char *name, char *out, size_t outlen)
{
	const char *text = json_string_value(json_object_get(key, name));

	return text != NULL ? log_escape(text, out, outlen) : NULL;
}

/*
 * One member of the JWKS, judged alone by the module's key parser: the
 * allowed_algs it can verify, or why the module skips it.  Returns
 * whether it verifies at least one allowed algorithm.
 */
static bool
show_key(const struct pkce_config *cfg, json_t *key)
{
	char kid[LOG_ESCAPE_MAX], kty[64], crv[64], alg[64], desc[256];
	char algs[256] = "";
	const char *kid_text = json_string_value(json_object_get(key, "kid"));
	const char *why = NULL, *kty_shown, *crv_shown, *alg_shown;
	json_t *alone = json_pack("{s:[O]}", "keys", key);
	struct jwks *set = NULL;
	bool fits = false;

	if (kid_text == NULL)
		snprintf(kid, sizeof(kid), "(none)");
	else
		log_escape(kid_text, kid, sizeof(kid));
	kty_shown = key_member(key, "kty", kty, sizeof(kty));
	crv_shown = key_member(key, "crv", crv, sizeof(crv));
	alg_shown = key_member(key, "alg", alg, sizeof(alg));
	snprintf(desc, sizeof(desc), "%s%s%s%s%s",
		 kty_shown != NULL ? kty_shown : "no kty",
		 crv_shown != NULL ? " " : "", crv_shown != NULL ? crv_shown : "",
		 alg_shown != NULL ? ", alg " : "",
		 alg_shown != NULL ? alg_shown : "");
	if (alone == NULL || jwks_from_json(alone, &set, &why) < 0) {
		printf("  kid %s: %s\n", kid, why != NULL ? why : "out of memory");
		goto cleanup;
	}
	if (jwks_count(set) == 0) {
		/* The module keeps an unusable key (by kid) only to say why. */
		if (kid_text == NULL ||
		    jwks_key_find(set, kid_text, JWS_ALG_RS256, &why) != NULL ||
		    why == NULL)
			why = "unsupported type, size, use or alg";
		printf("  kid %s: %s: skipped: %s\n", kid, desc, why);
		goto cleanup;
	}
	for (int a = 0; a < JWS_ALG_COUNT; a++) {
		if ((cfg->allowed_algs & (1u << a)) == 0 ||
		    jwks_key_find(set, NULL, (enum jws_alg)a, &why) == NULL)
			continue;
		if (algs[0] != '\0')
			strcat(algs, " ");
		strcat(algs, jws_alg_name((enum jws_alg)a));
		fits = true;
	}
	if (fits)
		printf("  kid %s: %s: verifies %s\n", kid, desc, algs);
	else
		printf("  kid %s: %s: verifies no algorithm of allowed_algs\n",
		       kid, desc);
cleanup:
	jwks_free(set);
	json_decref(alone);
	return fits;
}

static int
fetch_keys(struct check *ck)
{
	const struct pkce_config *cfg = &ck->cfg;
	const char *url = ck->endpoints.jwks_uri;
	const struct jwks *jwks = NULL;
	bool cached;
	size_t i, fitting = 0;
	json_t *key, *list;

	ck->http = http_client_new(NULL, cfg);
	if (ck->http == NULL)
		return CHECK_USAGE;
	/* Read only, as for discovery: only to say where the keys came from. */
	ck->jwks_doc = cache_load(NULL, cfg, url);
	cached = jwks_usable(ck->jwks_doc);
	/* The module's own step: cache, provider, checks, cache store. */
	keyring_init(&ck->keys, NULL, cfg, ck->http, url);
	if (keyring_get(&ck->keys, NULL, &jwks) != PAM_SUCCESS)
		return CHECK_PROVIDER;
	/*
	 * The keyring keeps no document, only the keys: fetch it once more
	 * to list them, unless the cache gave it.
	 */
	if (!cached) {
		json_decref(ck->jwks_doc);
		ck->jwks_doc = NULL;
		if (http_get_json(ck->http, "JWKS", url, NULL, &ck->jwks_doc) !=
		    HTTP_OK)
			return CHECK_PROVIDER;
	}
	printf("Signing keys (%s, %s; %zu usable):\n", url,
	       cached ? "from the cache" : "fetched", jwks_count(jwks));
	list = json_object_get(ck->jwks_doc, "keys");
	json_array_foreach(list, i, key) {
		if (show_key(cfg, key))
			fitting++;
	}
	if (fitting == 0) {
		/* Every ID token would then fail its signature check. */
		complain("no key of %s verifies an algorithm of allowed_algs: "
			 "every ID token would be refused", url);
		return CHECK_CONFIG;
	}
	return CHECK_OK;
}

/*
 * The module's steps up to the URL it shows: fresh secrets, the
 * listener per redirect_host/redirect_port, the /authorize URL.  The
 * listener is closed at once; the verifier is never shown and is wiped
 * with the rest of the secrets.
 */
static int
show_authorize_url(struct check *ck)
{
	char shown[LOG_ESCAPE_MAX];
	const char *redirect_uri;
	int rc;

	if (pkce_secrets_generate(&ck->secrets) < 0) {
		log_msg(NULL, LOG_ERR, "the system random generator failed");
		return CHECK_USAGE;
	}
	rc = listener_open(NULL, &ck->cfg, &ck->listener);
	if (rc == PAM_AUTHINFO_UNAVAIL)
		return CHECK_LISTENER;
	if (rc != PAM_SUCCESS)
		return CHECK_USAGE;
	redirect_uri = listener_redirect_uri(ck->listener);
	ck->authorize_url = authorize_url_build(
		&ck->cfg, ck->endpoints.authorization_endpoint, redirect_uri,
		ck->cfg.login_hint ? ck->user : NULL, &ck->secrets);
	if (ck->authorize_url == NULL)
		return CHECK_USAGE;
	log_escape(ck->user, shown, sizeof(shown));
	printf("Authorize URL for user %s%s (listening at %s, now closed: "
	       "this URL cannot complete a login):\n", shown,
	       ck->cfg.login_hint ? "" : " (login_hint = no)", redirect_uri);
	printf("%s\n", ck->authorize_url);
	listener_close(ck->listener);
	ck->listener = NULL;
	return CHECK_OK;
}

static int
run_check(struct check *ck)
{
	int rc;

	rc = load_config(ck);
	if (rc == CHECK_OK)
		rc = check_user_map(ck);
	if (rc == CHECK_OK)
		rc = pick_default_user(ck);
	if (rc != CHECK_OK)
		return rc;
	check_user(ck);
	print_settings(&ck->cfg);
	rc = resolve_endpoints(ck);
	if (rc == CHECK_OK)
		rc = fetch_keys(ck);
	if (rc == CHECK_OK)
		rc = show_authorize_url(ck);
	if (rc == CHECK_OK)
		printf("OK\n");
	return rc;
}

int
main(int argc, char **argv)
{
	struct check ck;
	bool curl_ready = false;
	int rc;

	memset(&ck, 0, sizeof(ck));
	/* Report and log lines interleave in the order they happen. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_to_stderr(true);
	rc = parse_command_line(&ck, argc, argv);
	if (rc != CHECK_OK)
		goto cleanup;
	if (http_global_init() < 0) {
		log_msg(NULL, LOG_ERR, "libcurl initialisation failed");
		rc = CHECK_USAGE;
		goto cleanup;
	}
	curl_ready = true;
	rc = run_check(&ck);
cleanup:
	/* Before curl's global clean-up: the clients belong to it. */
	release_check(&ck);
	if (curl_ready)
		http_global_cleanup();
	/* -1: --help or --version, which succeed. */
	return rc < 0 ? CHECK_OK : rc;
}
