/*
 * The config file: its content through config_parse(), the code
 * config_load() runs once the file is read, with no module arguments.
 * Refusals are logged through log_msg() without a PAM handle, that is
 * to syslog(3): see README.md for what that costs.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "jwk.h"

#define FUZZ_CONFIG_PATH "/etc/security/pam_pkce.conf"
/* config.c's CONFIG_FILE_MAX: read_file() refuses anything longer. */
#define FUZZ_CONFIG_MAX (256 * 1024)

/*
 * export_env: each variable is OIDC_ and [A-Z0-9_] only (nothing that
 * pam_putenv() would read as the end of the name), and no two are equal.
 */
static void
check_export_env(const struct pkce_config *cfg)
{
	for (size_t i = 0; i < cfg->nexport_env; i++) {
		const char *var = cfg->export_env_var[i];

		if (strncmp(var, "OIDC_", 5) != 0 || var[5] == '\0' ||
		    strspn(var, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
			    strlen(var))
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(var, cfg->export_env_var[j]) == 0)
				abort();
	}
}

/* What config.h promises about a configuration that loaded. */
static void
check_config(const struct pkce_config *cfg)
{
	if (cfg->issuer == NULL || cfg->client_id == NULL ||
	    cfg->scope == NULL || strstr(cfg->scope, "openid") == NULL ||
	    cfg->redirect_path == NULL || cfg->redirect_path[0] != '/' ||
	    cfg->timeout <= 0 || cfg->http_timeout <= 0 ||
	    cfg->allowed_algs == 0 || (cfg->allowed_algs & ~JWS_ALGS_ALL) != 0 ||
	    cfg->redirect_port_min > cfg->redirect_port_max ||
	    cfg->username_claim == NULL)
		abort();
	if (!cfg->discovery &&
	    (cfg->authorization_endpoint == NULL ||
	     cfg->token_endpoint == NULL || cfg->jwks_uri == NULL))
		abort();
	if (cfg->token_endpoint_auth != CONFIG_AUTH_NONE &&
	    cfg->client_secret == NULL)
		abort();
	check_export_env(cfg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkce_config cfg;
	char *text;

	if (size > FUZZ_CONFIG_MAX)
		return 0;
	/* config_parse() terminates lines in place, TEXT[SIZE] included. */
	text = fuzz_text(data, size);
	if (text == NULL)
		return 0;
	if (config_parse(NULL, FUZZ_CONFIG_PATH, 0600, text, size, 0, NULL,
			 &cfg) == PAM_SUCCESS) {
		check_config(&cfg);
		config_free(&cfg);
	}
	free(text);
	return 0;
}
