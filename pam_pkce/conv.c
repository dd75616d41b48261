#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <security/pam_appl.h>

#include "conv.h"
#include "secret.h"

static int
converse(pam_handle_t *pamh, int style, const char *text, char **reply)
{
	const struct pam_conv *conv = NULL;
	struct pam_message msg = { .msg_style = style, .msg = text };
	const struct pam_message *msgs[1] = { &msg };
	struct pam_response *resp = NULL;
	int rc;

	rc = pam_get_item(pamh, PAM_CONV, (const void **)&conv);
	if (rc != PAM_SUCCESS || conv == NULL || conv->conv == NULL)
		return PAM_CONV_ERR;
	rc = conv->conv(1, msgs, &resp, conv->appdata_ptr);
	if (rc != PAM_SUCCESS) {
		rc = PAM_CONV_ERR;
		goto cleanup;
	}
	if (reply != NULL) {
		if (resp == NULL || resp[0].resp == NULL) {
			/* Some applications answer an empty line with no string. */
			*reply = strdup("");
		} else {
			*reply = resp[0].resp;
			resp[0].resp = NULL;
		}
		if (*reply == NULL)
			rc = PAM_BUF_ERR;
	}
cleanup:
	if (resp != NULL) {
		secret_free(resp[0].resp);
		free(resp);
	}
	return rc;
}

void
conv_describe_login(pam_handle_t *pamh, char *out, size_t len)
{
	const char *service = NULL;
	char host[256] = "";

	/* The checker has no PAM handle, and libpam would log about it. */
	if (pamh != NULL)
		pam_get_item(pamh, PAM_SERVICE, (const void **)&service);
	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "this host");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, len, "%s (%s)", host,
		 service != NULL && service[0] != '\0' ? service : "login");
}

int
conv_check(pam_handle_t *pamh)
{
	const struct pam_conv *conv = NULL;

	if (pam_get_item(pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS ||
	    conv == NULL || conv->conv == NULL)
		return PAM_CONV_ERR;
	return PAM_SUCCESS;
}

int
conv_info(pam_handle_t *pamh, const char *text)
{
	return converse(pamh, PAM_TEXT_INFO, text, NULL);
}

int
conv_error(pam_handle_t *pamh, const char *text)
{
	return converse(pamh, PAM_ERROR_MSG, text, NULL);
}

int
conv_ask(pam_handle_t *pamh, const char *prompt, char **reply)
{
	*reply = NULL;
	return converse(pamh, PAM_PROMPT_ECHO_ON, prompt, reply);
}
