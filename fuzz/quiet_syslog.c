/*
 * The fuzz targets run the parsers without a PAM handle, so every
 * refusal goes through log_msg() to syslog(3).  Left alone, that would
 * write the fuzzer's junk, by the million, into the host's auth log, as
 * if /etc/security/pam_pkce.conf were broken, and cost a socket round
 * trip per line.  These definitions, linked into the fuzz binaries only,
 * take the place of libc's: the message is still formatted, so a bad
 * format or argument still shows under the sanitizers, then dropped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

static void format_message(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

static void
format_message(const char *fmt, va_list ap)
{
	char line[1024];

	(void)vsnprintf(line, sizeof(line), fmt, ap);
}

void
openlog(const char *ident, int option, int facility)
{
}

void
closelog(void)
{
}

void
vsyslog(int priority, const char *fmt, va_list ap)
{
	format_message(fmt, ap);
}

void
syslog(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format_message(fmt, ap);
	va_end(ap);
}

#if defined(__USE_FORTIFY_LEVEL) && __USE_FORTIFY_LEVEL > 0
/* What vsyslog() and syslog() become under _FORTIFY_SOURCE. */
void
__vsyslog_chk(int priority, int flag, const char *fmt, va_list ap)
{
	format_message(fmt, ap);
}

void
__syslog_chk(int priority, int flag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format_message(fmt, ap);
	va_end(ap);
}
#endif
