/*
 * The loopback redirect listener (RFC 8252 7.3).  It binds loopback
 * only, answers only GET redirect_path with the expected Host header,
 * bounds request size, per-connection time and connection count, and
 * keeps waiting after any request that is not this login's callback.
 */
#ifndef PAM_PKCE_LISTENER_H
#define PAM_PKCE_LISTENER_H

#include <time.h>
#include <security/pam_modules.h>

#include "callback.h"
#include "config.h"

#define LISTENER_REQUEST_MAX 8192
#define LISTENER_CONN_MAX 16
#define LISTENER_CONN_SECONDS 5

struct listener;

enum listener_result {
	LISTENER_GOT,		/* a callback with the expected state */
	LISTENER_TIMEOUT,	/* deadline passed */
	LISTENER_CANCELLED,	/* CANCEL_FD became readable */
	LISTENER_FAILED,	/* poll/accept failed */
};

/*
 * Bind per cfg->redirect_host/redirect_port.  Returns PAM_SUCCESS,
 * PAM_AUTHINFO_UNAVAIL when no port is free (logged), PAM_BUF_ERR.
 */
int listener_open(pam_handle_t *pamh, const struct pkce_config *cfg,
		  struct listener **out);

/* http://HOST:PORT/PATH of this listener. */
const char *listener_redirect_uri(const struct listener *listener);

/*
 * Serve requests until one carries STATE, DEADLINE (CLOCK_MONOTONIC
 * seconds) passes, or CANCEL_FD (-1: none) becomes readable.  On
 * LISTENER_GOT, OUT holds the callback (code or error).  The browser gets
 * a short page in every case.
 */
enum listener_result listener_wait(struct listener *listener,
				   const char *state, time_t deadline,
				   int cancel_fd, struct callback_params *out);

/* What the listener does with one complete request. */
enum listener_verdict {
	LISTENER_BAD_REQUEST,	/* no request line, or not HTTP/1.x */
	LISTENER_WRONG_METHOD,	/* not GET */
	LISTENER_NOT_FOUND,	/* another path */
	LISTENER_WRONG_HOST,	/* Host header missing or not ours */
	LISTENER_BAD_CALLBACK,	/* query refused, or neither code nor error */
	LISTENER_WRONG_STATE,	/* state missing or not this login's */
	LISTENER_CALLBACK,	/* this login's callback: OUT filled */
};

/*
 * Decide what REQUEST, a header block as read from the socket (NUL-
 * terminated, at most LISTENER_REQUEST_MAX bytes), means for a listener
 * serving PATH at HOST ("127.0.0.1:PORT", compared case-insensitively
 * with the Host header) and waiting for STATE.  REQUEST is cut into
 * pieces in place.  Only LISTENER_CALLBACK fills OUT (the caller clears
 * it); on LISTENER_BAD_CALLBACK *WHY says why the query was refused, or
 * stays NULL when it parsed but carried neither code nor error.  Pure:
 * no I/O, no logging, so that it can be fuzzed.
 */
enum listener_verdict listener_request_parse(char *request, const char *path,
					     const char *host,
					     const char *state,
					     struct callback_params *out,
					     const char **why);

/* Close every socket.  NULL is fine. */
void listener_close(struct listener *listener);

/* CLOCK_MONOTONIC seconds, the clock listener_wait's deadline is on. */
time_t listener_now(void);

#endif
