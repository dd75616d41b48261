#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <security/pam_ext.h>

#include "log.h"

/* Set once, before any logging, by the checker's main(). */
static bool log_stderr;

void
log_to_stderr(bool on)
{
	log_stderr = on;
}

void
log_msg(pam_handle_t *pamh, int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (pamh != NULL) {
		pam_vsyslog(pamh, priority, fmt, ap);
	} else if (log_stderr) {
		char line[2048];

		/* One write per line, so that lines never interleave. */
		vsnprintf(line, sizeof(line), fmt, ap);
		fprintf(stderr, "pam_pkce_check: %s\n", line);
	} else {
		/* Unit tests and tools run without a PAM handle. */
		openlog("pam_pkce", LOG_PID, LOG_AUTHPRIV);
		vsyslog(priority, fmt, ap);
	}
	va_end(ap);
}

const char *
log_escape(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (outlen == 0)
		return out;
	if (in == NULL)
		in = "(null)";
	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;
		bool plain = c >= 0x20 && c < 0x7f && c != '\\' && c != '"';
		size_t need = plain ? 1 : 4;

		if (o + need + 4 > outlen) {
			/* Leave room for "..." and the terminator. */
			if (o + 4 <= outlen) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	out[o] = '\0';
	return out;
}
