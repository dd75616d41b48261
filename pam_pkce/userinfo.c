#include <string.h>
#include <security/_pam_types.h>

#include "log.h"
#include "userinfo.h"

int
userinfo_merge(pam_handle_t *pamh, struct http_client *http,
	       const char *endpoint, const char *access_token, json_t *claims)
{
	json_t *info = NULL;
	const char *sub, *info_sub;
	int ret = PAM_AUTHINFO_UNAVAIL;

	if (endpoint == NULL) {
		log_msg(pamh, LOG_ERR,
			"userinfo = yes but the provider has no userinfo_endpoint");
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (access_token == NULL) {
		log_msg(pamh, LOG_ERR,
			"userinfo = yes but the token response has no access_token");
		return PAM_AUTH_ERR;
	}
	switch (http_get_json(http, "userinfo", endpoint, access_token, &info)) {
	case HTTP_OK:
		break;
	case HTTP_ERR_STATUS:
		ret = PAM_AUTH_ERR;
		goto cleanup;
	default:
		goto cleanup;
	}
	sub = json_string_value(json_object_get(claims, "sub"));
	info_sub = json_string_value(json_object_get(info, "sub"));
	if (sub == NULL || info_sub == NULL || strcmp(sub, info_sub) != 0) {
		log_msg(pamh, LOG_ERR,
			"userinfo sub does not match the ID token's sub");
		ret = PAM_AUTH_ERR;
		goto cleanup;
	}
	/* Only add: the ID token's signed claims are never overridden. */
	if (json_object_update_missing(claims, info) != 0) {
		ret = PAM_BUF_ERR;
		goto cleanup;
	}
	ret = PAM_SUCCESS;
cleanup:
	json_decref(info);
	return ret;
}
