/* One authentication attempt, start to finish; the core of pam_sm_authenticate. */
#ifndef PAM_PKCE_LOGIN_H
#define PAM_PKCE_LOGIN_H

#include <security/pam_modules.h>

/* Returns the PAM code of the outcome; exactly one log line says why. */
int login_authenticate(pam_handle_t *pamh, int flags, int argc,
		       const char **argv);

#endif
