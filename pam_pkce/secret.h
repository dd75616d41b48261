/*
 * Releasing memory that held a secret (code, verifier, state, nonce,
 * tokens, client_secret): wiped first, so no copy outlives its use.
 */
#ifndef PAM_PKCE_SECRET_H
#define PAM_PKCE_SECRET_H

/* Wipe and free a NUL-terminated string from malloc.  NULL is fine. */
void secret_free(char *s);

/* The same for a string allocated by libcurl. */
void secret_curl_free(char *s);

#endif
