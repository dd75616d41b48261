/*
 * The authorization response (RFC 6749 4.1.2, RFC 9207): the query of
 * the redirect that reaches the loopback listener, or the redirect URL
 * (or bare code) the person pastes at the prompt.
 */
#ifndef PAM_PKCE_CALLBACK_H
#define PAM_PKCE_CALLBACK_H

struct callback_params {
	char *code;
	char *state;
	char *iss;
	char *error;
	char *error_description;
};

/*
 * Parse a query string (without the leading '?').  Values are
 * percent-decoded ('+' is a space).  A parameter given twice, a value
 * with a NUL or control character, or an over-long query is refused.
 * Unknown parameters are ignored.  Returns 0, or -1 with *why set.
 */
int callback_query_parse(const char *query, struct callback_params *out,
			 const char **why);

/*
 * Parse what the person pasted: a URL, which must be REDIRECT_URI (same
 * scheme, host, port and path) with a query, or a bare authorization
 * code (state then stays NULL: the caller decides whether that is
 * acceptable).  Returns 0, or -1 with *why set.
 */
int callback_paste_parse(const char *pasted, const char *redirect_uri,
			 struct callback_params *out, const char **why);

/* Free and wipe every member. */
void callback_params_clear(struct callback_params *params);

#endif
