#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "b64url.h"
#include "pkce.h"

/* getrandom(2) straight from the kernel: no user-space seeding to get wrong. */
static int
fill_random(unsigned char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

static int
encode_into(const unsigned char *raw, size_t rawlen, char *out, size_t outlen)
{
	char *text = b64url_encode(raw, rawlen);
	size_t len;
	int ret = -1;

	if (text == NULL)
		return -1;
	len = strlen(text);
	if (len < outlen) {
		memcpy(out, text, len + 1);
		ret = 0;
	}
	OPENSSL_cleanse(text, len);
	free(text);
	return ret;
}

static int
generate_one(char *out, size_t outlen)
{
	unsigned char raw[PKCE_RANDOM_BYTES];
	int ret = -1;

	if (fill_random(raw, sizeof(raw)) < 0)
		goto cleanup;
	ret = encode_into(raw, sizeof(raw), out, outlen);
cleanup:
	OPENSSL_cleanse(raw, sizeof(raw));
	return ret;
}

int
pkce_challenge_s256(const char *verifier, char *out, size_t outlen)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	int ret;

	if (SHA256((const unsigned char *)verifier, strlen(verifier),
		   digest) == NULL)
		return -1;
	ret = encode_into(digest, sizeof(digest), out, outlen);
	OPENSSL_cleanse(digest, sizeof(digest));
	return ret;
}

int
pkce_secrets_generate(struct pkce_secrets *secrets)
{
	memset(secrets, 0, sizeof(*secrets));
	if (generate_one(secrets->verifier, sizeof(secrets->verifier)) < 0 ||
	    generate_one(secrets->state, sizeof(secrets->state)) < 0 ||
	    generate_one(secrets->nonce, sizeof(secrets->nonce)) < 0 ||
	    pkce_challenge_s256(secrets->verifier, secrets->challenge,
				sizeof(secrets->challenge)) < 0) {
		pkce_secrets_wipe(secrets);
		return -1;
	}
	return 0;
}

void
pkce_secrets_wipe(struct pkce_secrets *secrets)
{
	OPENSSL_cleanse(secrets, sizeof(*secrets));
}

bool
pkce_secret_equal(const char *received, const char *expected)
{
	size_t len;

	if (received == NULL || expected == NULL)
		return false;
	len = strlen(expected);
	/* The expected length is public (it is fixed by the module). */
	if (strlen(received) != len)
		return false;
	return CRYPTO_memcmp(received, expected, len) == 0;
}
