/*
 * The person's side of a login: show the sign-in address (text, and a
 * QR code if configured) and collect the authorization response, from
 * the loopback listener or pasted at the prompt, per the prompt mode.
 */
#ifndef PAM_PKCE_PROMPT_H
#define PAM_PKCE_PROMPT_H

#include <time.h>
#include <security/pam_modules.h>

#include "callback.h"
#include "config.h"
#include "listener.h"

struct prompt_request {
	const struct pkce_config *cfg;
	struct listener *listener;
	const char *authorize_url;
	const char *redirect_uri;
	const char *state;
	const char *user;		/* the PAM user, escaped for the log */
	time_t deadline;	/* listener_now() clock */
};

/*
 * Returns PAM_SUCCESS with OUT filled (a callback whose state matched,
 * or a pasted code), PAM_AUTH_ERR (timed out, pasted value refused),
 * PAM_CONV_ERR (the conversation failed), PAM_AUTHINFO_UNAVAIL (the
 * listener failed) or PAM_BUF_ERR.  Refusals are logged.
 */
int prompt_collect(pam_handle_t *pamh, const struct prompt_request *req,
		   struct callback_params *out);

#endif
