#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <security/pam_ext.h>

#include "account.h"
#include "authorize.h"
#include "callback.h"
#include "config.h"
#include "conv.h"
#include "discovery.h"
#include "http.h"
#include "id_token.h"
#include "keys.h"
#include "listener.h"
#include "log.h"
#include "login.h"
#include "pkce.h"
#include "prompt.h"
#include "secret.h"
#include "token.h"
#include "userinfo.h"

/* Everything one attempt owns, released in one place. */
struct login {
	pam_handle_t *pamh;
	struct pkce_config cfg;
	bool cfg_loaded;
	const char *user;
	char user_shown[LOG_ESCAPE_MAX];	/* USER escaped, for the log */
	struct http_client *http;
	struct provider_endpoints endpoints;
	struct pkce_secrets secrets;
	struct listener *listener;
	char *redirect_uri;	/* outlives the listener: the token request repeats it */
	char *authorize_url;
	struct callback_params callback;
	struct token_response tokens;
	struct keyring keys;
	json_t *claims;
};

static void
login_release(struct login *lg)
{
	json_decref(lg->claims);
	keyring_clear(&lg->keys);
	token_response_clear(&lg->tokens);
	callback_params_clear(&lg->callback);
	authorize_url_free(lg->authorize_url);
	listener_close(lg->listener);
	free(lg->redirect_uri);
	pkce_secrets_wipe(&lg->secrets);
	discovery_clear(&lg->endpoints);
	http_client_free(lg->http);
	if (lg->cfg_loaded)
		config_free(&lg->cfg);
}

static int
check_user(struct login *lg)
{
	char buf[4096];
	struct passwd pw, *found = NULL;
	int rc;

	rc = pam_get_user(lg->pamh, &lg->user, NULL);
	if (rc != PAM_SUCCESS || lg->user == NULL || lg->user[0] == '\0') {
		log_msg(lg->pamh, LOG_ERR, "cannot determine the user name");
		return rc == PAM_SUCCESS ? PAM_USER_UNKNOWN : rc;
	}
	log_escape(lg->user, lg->user_shown, sizeof(lg->user_shown));
	if (getpwnam_r(lg->user, &pw, buf, sizeof(buf), &found) != 0 ||
	    found == NULL) {
		log_msg(lg->pamh, LOG_NOTICE, "user %s is not a local account",
			lg->user_shown);
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

/* The authorization response itself: provider error, RFC 9207 iss. */
static int
check_callback(struct login *lg)
{
	char esc[LOG_ESCAPE_MAX];

	if (lg->callback.error != NULL) {
		log_msg(lg->pamh, LOG_NOTICE,
			"user %s: provider returned error=%s", lg->user_shown,
			log_escape(lg->callback.error, esc, sizeof(esc)));
		(void)conv_error(lg->pamh, "The identity provider refused the sign-in.");
		return PAM_AUTH_ERR;
	}
	if (lg->callback.iss != NULL ?
		    strcmp(lg->callback.iss, lg->cfg.issuer) != 0 :
		    lg->endpoints.iss_parameter_supported &&
			    lg->callback.state != NULL) {
		log_msg(lg->pamh, LOG_NOTICE,
			"user %s: authorization response iss does not match the issuer",
			lg->user_shown);
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

/*
 * What the person reads when a step fails after the address was shown
 * (or the provider cannot be reached at all); the log has the details.
 */
static int
tell(struct login *lg, int rc, const char *refused)
{
	if (rc == PAM_AUTH_ERR && refused != NULL)
		(void)conv_error(lg->pamh, refused);
	else if (rc == PAM_AUTHINFO_UNAVAIL)
		(void)conv_error(lg->pamh, "The identity provider cannot be "
				 "reached now; browser sign-in is not possible.");
	return rc;
}

static int
run(struct login *lg, int flags, int argc, const char **argv)
{
	char refused[512];

	int rc;

	rc = config_load(lg->pamh, argc, argv, &lg->cfg);
	if (rc != PAM_SUCCESS)
		return rc;
	lg->cfg_loaded = true;
	rc = check_user(lg);
	if (rc != PAM_SUCCESS)
		return rc;
	if ((flags & PAM_SILENT) || conv_check(lg->pamh) != PAM_SUCCESS) {
		log_msg(lg->pamh, LOG_ERR,
			"no way to show the sign-in address (%s)",
			(flags & PAM_SILENT) ? "PAM_SILENT" : "no conversation function");
		return PAM_AUTHINFO_UNAVAIL;
	}
	lg->http = http_client_new(lg->pamh, &lg->cfg);
	if (lg->http == NULL)
		return PAM_BUF_ERR;
	rc = discovery_resolve(lg->pamh, lg->http, &lg->cfg, &lg->endpoints);
	/*
	 * No provider connection is held open while the person signs in:
	 * libcurl's handle keeps descriptors (the connection, a wake-up
	 * socket pair) that an exec from the conversation would inherit.
	 */
	http_client_free(lg->http);
	lg->http = NULL;
	if (rc != PAM_SUCCESS)
		return tell(lg, rc, NULL);
	log_debug(lg->pamh, &lg->cfg,
		  "endpoints: authorization %s, token %s, jwks %s, userinfo %s",
		  lg->endpoints.authorization_endpoint,
		  lg->endpoints.token_endpoint, lg->endpoints.jwks_uri,
		  lg->endpoints.userinfo_endpoint != NULL ?
			  lg->endpoints.userinfo_endpoint : "(none)");
	if (pkce_secrets_generate(&lg->secrets) < 0) {
		log_msg(lg->pamh, LOG_ERR, "the system random generator failed");
		return PAM_AUTHINFO_UNAVAIL;
	}
	rc = listener_open(lg->pamh, &lg->cfg, &lg->listener);
	if (rc == PAM_AUTHINFO_UNAVAIL)
		(void)conv_error(lg->pamh,
				 "Browser sign-in is not possible now: no free local port "
				 "for the sign-in response.");
	if (rc != PAM_SUCCESS)
		return rc;
	lg->redirect_uri = strdup(listener_redirect_uri(lg->listener));
	if (lg->redirect_uri == NULL)
		return PAM_BUF_ERR;
	log_debug(lg->pamh, &lg->cfg, "listening for the browser at %s",
		  lg->redirect_uri);
	lg->authorize_url = authorize_url_build(
		&lg->cfg, lg->endpoints.authorization_endpoint, lg->redirect_uri,
		lg->cfg.login_hint ? lg->user : NULL, &lg->secrets);
	if (lg->authorize_url == NULL)
		return PAM_BUF_ERR;
	rc = prompt_collect(lg->pamh,
			    &(struct prompt_request){
				    .cfg = &lg->cfg,
				    .listener = lg->listener,
				    .authorize_url = lg->authorize_url,
				    .redirect_uri = lg->redirect_uri,
				    .state = lg->secrets.state,
				    .user = lg->user_shown,
				    .deadline = listener_now() + lg->cfg.timeout,
			    },
			    &lg->callback);
	/* The browser is done with us: free the port before the slow part. */
	listener_close(lg->listener);
	lg->listener = NULL;
	if (rc != PAM_SUCCESS)
		return rc;
	rc = check_callback(lg);
	if (rc != PAM_SUCCESS)
		return rc;
	log_debug(lg->pamh, &lg->cfg,
		  "authorization response accepted; redeeming the code");
	lg->http = http_client_new(lg->pamh, &lg->cfg);
	if (lg->http == NULL)
		return PAM_BUF_ERR;
	rc = token_exchange(lg->pamh, lg->http, &lg->cfg,
			    lg->endpoints.token_endpoint, lg->callback.code,
			    lg->redirect_uri, lg->secrets.verifier,
			    &lg->tokens);
	if (rc != PAM_SUCCESS)
		return tell(lg, rc, "The identity provider did not accept the sign-in.");
	log_debug(lg->pamh, &lg->cfg, "token response received (%s access token)",
		  lg->tokens.access_token != NULL ? "with" : "without");
	keyring_init(&lg->keys, lg->pamh, &lg->cfg, lg->http,
		     lg->endpoints.jwks_uri);
	rc = id_token_validate(lg->pamh, &lg->cfg, &lg->keys,
			       lg->tokens.id_token, lg->secrets.nonce,
			       lg->tokens.access_token, &lg->claims);
	if (rc != PAM_SUCCESS)
		return tell(lg, rc, "The sign-in could not be verified.");
	if (lg->cfg.userinfo) {
		rc = userinfo_merge(lg->pamh, lg->http,
				    lg->endpoints.userinfo_endpoint,
				    lg->tokens.access_token, lg->claims);
		if (rc != PAM_SUCCESS)
			return tell(lg, rc, "The sign-in could not be verified.");
	}
	snprintf(refused, sizeof(refused),
		 "The account you signed in with may not log in as %s.", lg->user);
	return tell(lg, account_check(lg->pamh, &lg->cfg, lg->claims, lg->user),
		    refused);
}

int
login_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct login lg = { .pamh = pamh };
	char esc_sub[LOG_ESCAPE_MAX];
	int rc;

	if (http_global_init() < 0) {
		log_msg(pamh, LOG_ERR, "libcurl initialisation failed");
		return PAM_AUTHINFO_UNAVAIL;
	}
	rc = run(&lg, flags, argc, argv);
	if (rc == PAM_SUCCESS)
		log_msg(pamh, LOG_INFO, "user %s authenticated by %s as sub %s",
			lg.user_shown, lg.cfg.issuer,
			log_escape(json_string_value(json_object_get(lg.claims, "sub")),
				   esc_sub, sizeof(esc_sub)));
	login_release(&lg);
	http_global_cleanup();
	return rc;
}
