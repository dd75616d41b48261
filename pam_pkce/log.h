/*
 * Logging through pam_syslog (LOG_AUTHPRIV).  Every refusal is one line.
 * Claim values and other outside text pass through log_escape() first so
 * that no control character reaches the log.
 */
#ifndef PAM_PKCE_LOG_H
#define PAM_PKCE_LOG_H

#include <stddef.h>
#include <syslog.h>
#include <security/pam_modules.h>

void log_msg(pam_handle_t *pamh, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

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
