/* Talking to the person through the application's PAM conversation. */
#ifndef PAM_PKCE_CONV_H
#define PAM_PKCE_CONV_H

#include <security/pam_modules.h>

#include <stddef.h>

/*
 * "HOST (SERVICE)": what the person is signing in to, for the messages
 * and the browser pages.
 */
void conv_describe_login(pam_handle_t *pamh, char *out, size_t len);

/* PAM_SUCCESS if a conversation function is set, else PAM_CONV_ERR. */
int conv_check(pam_handle_t *pamh);

/* Show TEXT (PAM_TEXT_INFO). Returns a PAM code. */
int conv_info(pam_handle_t *pamh, const char *text);

/* Show TEXT (PAM_ERROR_MSG). Returns a PAM code. */
int conv_error(pam_handle_t *pamh, const char *text);

/*
 * Ask with PROMPT (echo on); *reply is malloc'd (possibly empty) and the
 * caller wipes and frees it.  Returns a PAM code.
 */
int conv_ask(pam_handle_t *pamh, const char *prompt, char **reply);

#endif
