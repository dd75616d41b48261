#include <security/_pam_types.h>

#include "keys.h"
#include "log.h"

int
keys_fetch(pam_handle_t *pamh, struct http_client *http, const char *url,
	   struct jwks **out)
{
	json_t *doc = NULL;
	const char *why = NULL;
	int ret = PAM_AUTHINFO_UNAVAIL;

	*out = NULL;
	if (http_get_json(http, "JWKS", url, NULL, &doc) != HTTP_OK)
		goto cleanup;
	if (jwks_from_json(doc, out, &why) < 0) {
		log_msg(pamh, LOG_ERR, "JWKS document rejected: %s", why);
		goto cleanup;
	}
	if (jwks_count(*out) == 0) {
		log_msg(pamh, LOG_ERR, "JWKS document holds no usable signing key");
		jwks_free(*out);
		*out = NULL;
		goto cleanup;
	}
	ret = PAM_SUCCESS;
cleanup:
	json_decref(doc);
	return ret;
}
