/* base64url without padding (RFC 4648 section 5, RFC 7515 section 2). */
#ifndef PAM_PKCE_B64URL_H
#define PAM_PKCE_B64URL_H

#include <stddef.h>

/* Returns a malloc'd NUL-terminated string, or NULL on allocation failure. */
char *b64url_encode(const unsigned char *in, size_t len);

/*
 * Strict decoder: only the URL-safe alphabet, no padding, no white space,
 * no impossible length (len % 4 == 1), unused trailing bits must be zero.
 * On success returns 0 and a malloc'd buffer (NUL-terminated for
 * convenience, *outlen excludes the NUL); -1 on any error.
 */
int b64url_decode(const char *in, size_t len, unsigned char **out,
		  size_t *outlen);

#endif
