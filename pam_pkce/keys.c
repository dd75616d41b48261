#include <stdlib.h>
#include <string.h>
#include <security/_pam_types.h>

#include "keys.h"
#include "log.h"

int
keys_fetch(pam_handle_t *pamh, struct http_client *http, const char *url,
	   struct jwks **out)
{
	json_t *doc = NULL;
	char *text = NULL;
	const char *why = NULL;
	int ret = PAM_AUTHINFO_UNAVAIL;

	*out = NULL;
	if (http_get_json(http, "JWKS", url, NULL, &doc) != HTTP_OK)
		goto cleanup;
	/* jwks_parse owns the JWK rules; hand it the document as text. */
	text = json_dumps(doc, JSON_COMPACT);
	if (text == NULL) {
		ret = PAM_BUF_ERR;
		goto cleanup;
	}
	if (jwks_parse(text, strlen(text), out, &why) < 0) {
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
	free(text);
	json_decref(doc);
	return ret;
}
