/*
 * Logging through pam_syslog (LOG_AUTHPRIV).  Every refusal is one line.
 * Claim values and other outside text pass through log_escape() first so
 * that no control character reaches the log.
 */
#ifndef PAM_PKCE_LOG_H
#define PAM_PKCE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>
#include <security/pam_modules.h>

void log_msg(pam_handle_t *pamh, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * For pam_pkce_check only (the module never calls it): when ON, a
 * message logged without a PAM handle is written to stderr as
 * "pam_pkce_check: MESSAGE" instead of going to syslog, so that the
 * administrator sees the very lines the module would log.  Process-wide.
 */
void log_to_stderr(bool on);

/*
 * Copy IN into OUT (size OUTLEN, always terminated), replacing control
 * characters, quotes, backslashes and non-ASCII bytes by \xHH and
 * truncating with "..." when it does not fit.  Returns OUT.
 */
const char *log_escape(const char *in, char *out, size_t outlen);

#define LOG_ESCAPE_MAX 256

/*
 * Debug lines, only with the debug option.  They name steps, endpoints
 * and public identifiers; never a code, verifier, state, nonce, token or
 * secret.
 */
#define log_debug(pamh, cfg, ...) \
	do { \
		if ((cfg)->debug) \
			log_msg((pamh), LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
