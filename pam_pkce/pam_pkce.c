/*
 * pam_pkce: sign in with an OpenID Connect provider through the OAuth 2.0
 * Authorization Code grant with PKCE.  The entry points stay thin; the
 * work is in login.c.
 */
#define PAM_SM_AUTH
#include <security/pam_modules.h>

#include "login.h"

#define PAM_PKCE_EXPORT __attribute__((visibility("default")))

PAM_PKCE_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return login_authenticate(pamh, flags, argc, argv);
}

PAM_PKCE_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}
