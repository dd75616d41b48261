/*
 * The one HTTP client of the module: libcurl, talking to the provider.
 * TLS peer and host verification are always on; only https is spoken,
 * except to literal loopback addresses (for local testing); redirects are
 * never followed; bodies are capped; nothing is taken from the process
 * environment (proxy, netrc, CA overrides).
 */
#ifndef PAM_PKCE_HTTP_H
#define PAM_PKCE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <security/pam_modules.h>

#include "config.h"

/* Largest response body accepted from the provider. */
#define HTTP_BODY_MAX (512 * 1024)

enum http_result {
	HTTP_OK = 0,		/* 2xx with a JSON object body */
	HTTP_ERR_TRANSPORT,	/* connect, TLS, timeout, oversize, 5xx */
	HTTP_ERR_STATUS,	/* 4xx: the provider refused the request */
	HTTP_ERR_BODY,		/* 2xx but not a JSON object */
};

/*
 * True if URL is absolute, has no user info or fragment, and is https,
 * or http to a literal loopback address (127.0.0.0/8, [::1]).
 */
bool http_url_allowed(const char *url);

/*
 * libcurl's global set-up and tear-down for one login, made deaf to the
 * process environment.  Returns 0, or -1 if libcurl cannot start.
 */
int http_global_init(void);
void http_global_cleanup(void);

struct http_client;

struct http_client *http_client_new(pam_handle_t *pamh,
				    const struct pkce_config *cfg);
void http_client_free(struct http_client *client);

/* HTTP status of the client's last response (0 if none). */
long http_last_status(const struct http_client *client);

/*
 * GET URL expecting a JSON object.  On HTTP_OK *out holds it.  With
 * BEARER, sends it as "Authorization: Bearer".  Failures are logged with
 * WHAT naming the document ("discovery", "JWKS", ...).
 */
enum http_result http_get_json(struct http_client *client, const char *what,
			       const char *url, const char *bearer,
			       json_t **out);

/*
 * POST an application/x-www-form-urlencoded BODY.  A 4xx is logged once,
 * with the OAuth error code when the body has one.  With BASIC_USER set,
 * sends HTTP Basic authentication.  On HTTP_OK and on HTTP_ERR_STATUS
 * with a JSON body, *out holds the parsed object (an OAuth error
 * response).
 */
enum http_result http_post_form(struct http_client *client, const char *what,
				const char *url, const char *body,
				const char *basic_user,
				const char *basic_password, json_t **out);

#endif
