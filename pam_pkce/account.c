#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <security/pam_ext.h>

#include "account.h"
#include "log.h"

#define USER_MAP_LINE_MAX 1024

static int
apply_regex(const char *pattern, const char *value, char **name,
	    const char **why)
{
	regex_t re;
	regmatch_t m[2];
	int ret = -1;

	if (regcomp(&re, pattern, REG_EXTENDED) != 0) {
		*why = "username_regex does not compile";
		return -1;
	}
	/* The whole value must match, not just a part of it. */
	if (regexec(&re, value, 2, m, 0) != 0 || m[0].rm_so != 0 ||
	    (size_t)m[0].rm_eo != strlen(value)) {
		*why = "username_regex does not match";
		goto cleanup;
	}
	if (re.re_nsub >= 1 && m[1].rm_so >= 0)
		*name = strndup(value + m[1].rm_so,
				(size_t)(m[1].rm_eo - m[1].rm_so));
	else
		*name = strdup(value);
	if (*name == NULL || **name == '\0') {
		free(*name);
		*name = NULL;
		*why = "username_regex yields an empty name";
		goto cleanup;
	}
	ret = 0;
cleanup:
	regfree(&re);
	return ret;
}

int
account_name_from_claims(const struct pkce_config *cfg, json_t *claims,
			 char **name, const char **why)
{
	const char *value;

	*name = NULL;
	value = json_string_value(json_object_get(claims, cfg->username_claim));
	if (value == NULL || value[0] == '\0') {
		*why = "username claim missing or not a string";
		return -1;
	}
	if (strcmp(cfg->username_claim, "email") == 0 &&
	    !json_is_true(json_object_get(claims, "email_verified"))) {
		*why = "email_verified is not true";
		return -1;
	}
	if (cfg->username_regex != NULL) {
		if (apply_regex(cfg->username_regex, value, name, why) < 0)
			return -1;
	} else {
		*name = strdup(value);
		if (*name == NULL) {
			*why = "out of memory";
			return -1;
		}
	}
	if (cfg->username_lowercase)
		for (char *p = *name; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	return 0;
}

/* A claim value (string, number, boolean) in the textual form of the config. */
static bool
scalar_equals(json_t *v, const char *want)
{
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strcmp(json_string_value(v), want) == 0;
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return strcmp(buf, want) == 0;
	case JSON_TRUE:
		return strcmp(want, "true") == 0;
	case JSON_FALSE:
		return strcmp(want, "false") == 0;
	default:
		return false;
	}
}

static bool
rule_holds(const struct config_claim_rule *rule, json_t *claim)
{
	for (size_t i = 0; i < rule->nvalues; i++) {
		size_t k;
		json_t *item;

		if (json_is_array(claim)) {
			json_array_foreach(claim, k, item)
				if (scalar_equals(item, rule->values[i]))
					return true;
		} else if (scalar_equals(claim, rule->values[i])) {
			return true;
		}
	}
	return false;
}

int
account_claims_authorize(const struct pkce_config *cfg, json_t *claims,
			 const char **why)
{
	for (size_t i = 0; i < cfg->nrequire_claims; i++) {
		const struct config_claim_rule *rule = &cfg->require_claims[i];
		json_t *claim = json_object_get(claims, rule->name);

		if (claim == NULL || !rule_holds(rule, claim)) {
			*why = rule->name;
			return -1;
		}
	}
	return 0;
}

int
user_map_parse_line(char *line, char **claim_value, char **local_user)
{
	char *save = NULL, *key, *user;

	key = strtok_r(line, " \t\r\n", &save);
	if (key == NULL || key[0] == '#')
		return 0;
	user = strtok_r(NULL, " \t\r\n", &save);
	if (user == NULL || strtok_r(NULL, " \t\r\n", &save) != NULL)
		return -1;
	*claim_value = key;
	*local_user = user;
	return 1;
}

int
user_map_find(pam_handle_t *pamh, FILE *fp, const char *path,
	      const char *name, char **mapped)
{
	char line[USER_MAP_LINE_MAX];
	int lineno = 0, ret = -1;

	*mapped = NULL;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *key, *user;
		int rc;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			log_msg(pamh, LOG_ERR, "user_map %s:%d: line too long",
				path, lineno);
			goto cleanup;
		}
		rc = user_map_parse_line(line, &key, &user);
		if (rc == 0)
			continue;
		if (rc < 0) {
			log_msg(pamh, LOG_ERR,
				"user_map %s:%d: expected CLAIM_VALUE LOCAL_USER",
				path, lineno);
			goto cleanup;
		}
		if (strcmp(key, name) == 0) {
			free(*mapped);
			*mapped = strdup(user);
			if (*mapped == NULL)
				goto cleanup;
		}
	}
	ret = 0;
cleanup:
	if (ret < 0) {
		free(*mapped);
		*mapped = NULL;
	}
	return ret;
}

/* Look NAME up in the user_map file; *mapped stays NULL when absent. */
static int
map_lookup(pam_handle_t *pamh, const char *path, const char *name,
	   char **mapped)
{
	FILE *fp;
	int fd, ret;

	*mapped = NULL;
	/* O_NONBLOCK: a FIFO put at the path must not hang the login. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		log_msg(pamh, LOG_ERR, "user_map %s: %s", path, strerror(errno));
		return -1;
	}
	if (config_file_check_safe(pamh, fd, path) < 0) {
		close(fd);
		return -1;
	}
	fp = fdopen(fd, "r");
	if (fp == NULL) {
		close(fd);
		return -1;
	}
	ret = user_map_find(pamh, fp, path, name, mapped);
	fclose(fp);
	return ret;
}

/* Each export_env claim present, as its OIDC_<NAME> variable. */
static int
export_claims(pam_handle_t *pamh, const struct pkce_config *cfg,
	      json_t *claims)
{
	for (size_t i = 0; i < cfg->nexport_env; i++) {
		json_t *v = json_object_get(claims, cfg->export_env[i]);
		char *text = NULL, *entry = NULL;
		int rc;

		if (v == NULL)
			continue;
		text = json_is_string(v) ? strdup(json_string_value(v)) :
			json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text == NULL)
			return -1;
		/* A value with a newline would forge a second variable. */
		for (char *p = text; *p != '\0'; p++)
			if (iscntrl((unsigned char)*p))
				*p = ' ';
		if (asprintf(&entry, "%s=%s", cfg->export_env_var[i], text) < 0) {
			free(text);
			return -1;
		}
		rc = pam_putenv(pamh, entry);
		free(entry);
		free(text);
		if (rc != PAM_SUCCESS)
			return -1;
	}
	return 0;
}

int
account_check(pam_handle_t *pamh, const struct pkce_config *cfg,
	      json_t *claims, const char *pam_user)
{
	char esc[LOG_ESCAPE_MAX], esc2[LOG_ESCAPE_MAX];
	char *name = NULL, *mapped = NULL;
	const char *why = NULL, *local;
	int ret = PAM_AUTH_ERR;

	if (account_claims_authorize(cfg, claims, &why) < 0) {
		log_msg(pamh, LOG_NOTICE,
			"user %s refused: require_claim %s not satisfied",
			log_escape(pam_user, esc, sizeof(esc)), why);
		goto cleanup;
	}
	if (account_name_from_claims(cfg, claims, &name, &why) < 0) {
		log_msg(pamh, LOG_NOTICE, "user %s refused: %s (%s)",
			log_escape(pam_user, esc, sizeof(esc)), why,
			cfg->username_claim);
		goto cleanup;
	}
	local = name;
	if (cfg->user_map != NULL) {
		if (map_lookup(pamh, cfg->user_map, name, &mapped) < 0) {
			ret = PAM_SERVICE_ERR;
			goto cleanup;
		}
		if (mapped == NULL) {
			log_msg(pamh, LOG_NOTICE,
				"user %s refused: %s %s is not in user_map",
				log_escape(pam_user, esc, sizeof(esc)),
				cfg->username_claim,
				log_escape(name, esc2, sizeof(esc2)));
			goto cleanup;
		}
		local = mapped;
	}
	if (strcmp(local, pam_user) != 0) {
		log_msg(pamh, LOG_NOTICE,
			"user %s refused: the identity maps to account %s",
			log_escape(pam_user, esc, sizeof(esc)),
			log_escape(local, esc2, sizeof(esc2)));
		goto cleanup;
	}
	if (export_claims(pamh, cfg, claims) < 0) {
		ret = PAM_BUF_ERR;
		goto cleanup;
	}
	ret = PAM_SUCCESS;
cleanup:
	free(name);
	free(mapped);
	return ret;
}
