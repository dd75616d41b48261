/*
 * The per-attempt secrets of one login (RFC 7636 PKCE verifier and its
 * S256 challenge, the OAuth state and the OIDC nonce).  Every attempt,
 * even on the same PAM handle, draws fresh ones from the OS CSPRNG.
 */
#ifndef PAM_PKCE_PKCE_H
#define PAM_PKCE_PKCE_H

#include <stdbool.h>
#include <stddef.h>

/* 32 random bytes: 256 bits, 43 base64url characters. */
#define PKCE_RANDOM_BYTES 32
#define PKCE_TEXT_MAX 64

struct pkce_secrets {
	char verifier[PKCE_TEXT_MAX];
	char challenge[PKCE_TEXT_MAX];
	char state[PKCE_TEXT_MAX];
	char nonce[PKCE_TEXT_MAX];
};

/* Fill all four fields.  Returns 0, or -1 if the CSPRNG failed. */
int pkce_secrets_generate(struct pkce_secrets *secrets);

void pkce_secrets_wipe(struct pkce_secrets *secrets);

/* BASE64URL(SHA256(ASCII(verifier))) into OUT.  Returns 0 or -1. */
int pkce_challenge_s256(const char *verifier, char *out, size_t outlen);

/*
 * Compare a received value with an issued one without leaking, through
 * timing, how much of it matched.  NULL never matches.
 */
bool pkce_secret_equal(const char *received, const char *expected);

#endif
