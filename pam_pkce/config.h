/*
 * Module configuration: the file (KEY = VALUE lines) and the module
 * arguments (KEY=VALUE, which override the file).  Every key of the
 * contract is parsed and validated here, so that a bad value is a
 * configuration error at load time rather than a surprise mid-login.
 */
#ifndef PAM_PKCE_CONFIG_H
#define PAM_PKCE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <security/pam_modules.h>

#ifndef PAM_PKCE_DEFAULT_CONFIG
#define PAM_PKCE_DEFAULT_CONFIG "/etc/security/pam_pkce.conf"
#endif

enum config_prompt {
	CONFIG_PROMPT_AUTO = 0,
	CONFIG_PROMPT_ALWAYS,
	CONFIG_PROMPT_NEVER,
};

enum config_auth_method {
	CONFIG_AUTH_NONE = 0,
	CONFIG_AUTH_CLIENT_SECRET_BASIC,
	CONFIG_AUTH_CLIENT_SECRET_POST,
};

enum config_qr_style {
	CONFIG_QR_UTF8 = 0,
	CONFIG_QR_ASCII,
};

enum config_redirect_host {
	CONFIG_HOST_IPV4 = 0,	/* 127.0.0.1 */
	CONFIG_HOST_IPV6,	/* [::1] */
	CONFIG_HOST_LOCALHOST,	/* localhost: both families, same port */
};

/* One require_claim line: NAME=V1,V2,... (any value may match). */
struct config_claim_rule {
	char *name;
	char **values;
	size_t nvalues;
};

struct pkce_config {
	char *config_path;		/* file actually read */

	char *issuer;
	bool discovery;
	char *authorization_endpoint;
	char *token_endpoint;
	char *jwks_uri;
	char *userinfo_endpoint;

	char *client_id;
	char *client_secret;
	enum config_auth_method token_endpoint_auth;

	char *scope;			/* always contains "openid" */
	char *audience;
	char *authorize_params;		/* validated name=value&... */
	bool login_hint;
	long max_age;			/* -1: not set */

	enum config_redirect_host redirect_host;
	unsigned int redirect_port_min;	/* 0 and 0: ephemeral */
	unsigned int redirect_port_max;
	char *redirect_path;		/* starts with '/' */

	enum config_prompt prompt;
	bool paste;
	bool qr;
	enum config_qr_style qr_style;
	long timeout;			/* seconds, > 0 */
	long http_timeout;		/* seconds, > 0 */

	char *ca_file;
	char *ca_path;
	char *https_proxy;

	unsigned int allowed_algs;	/* bit set of enum jws_alg */
	long clock_skew;
	bool userinfo;

	char *username_claim;
	char *username_regex;		/* compiles as POSIX ERE */
	bool username_lowercase;
	char *user_map;

	struct config_claim_rule *require_claims;
	size_t nrequire_claims;

	char **export_env;		/* claim names */
	char **export_env_var;		/* OIDC_<NAME> for each, distinct */
	size_t nexport_env;

	char *cache_dir;		/* NULL when "none" */
	long cache_ttl;
	bool debug;
};

/*
 * Fill *cfg from the config file (config=PATH argument, else
 * PAM_PKCE_DEFAULT_CONFIG) and the module arguments.  Returns PAM_SUCCESS,
 * PAM_SERVICE_ERR for any configuration error (logged with file, line and
 * key), or PAM_BUF_ERR.  On failure *cfg is left freed.
 */
int config_load(pam_handle_t *pamh, int argc, const char **argv,
		struct pkce_config *cfg);

/*
 * The part of config_load after the file is read, with the same rules:
 * defaults, then TEXT (LEN bytes of the file named PATH), then the module
 * arguments, then the checks that need every key.  TEXT is split into
 * lines in place and TEXT[LEN] must be writable.  MODE is the file's
 * mode, for the client_secret warning; PATH only names the file in the
 * log.  Returns as config_load.
 */
int config_parse(pam_handle_t *pamh, const char *path, mode_t mode,
		 char *text, size_t len, int argc, const char **argv,
		 struct pkce_config *cfg);

void config_free(struct pkce_config *cfg);

/*
 * Check that PATH is a regular file owned by root (or by the effective
 * user, for a module run by an unprivileged program) and not writable by
 * group or others.  Returns 0 if safe, -1 (with the reason logged).  Used
 * for the config file and the user_map file alike.
 */
int config_file_check_safe(pam_handle_t *pamh, int fd, const char *path);

#endif
