#include <stdint.h>
#include <stdlib.h>

#include "b64url.h"

static const char b64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* -1 for anything outside the URL-safe alphabet, '=' and '+' '/' included. */
static int
value_of_char(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

char *
b64url_encode(const unsigned char *in, size_t len)
{
	size_t outlen, i, o = 0;
	char *out;

	if (in == NULL && len != 0)
		return NULL;
	if (len > (SIZE_MAX - 1) / 4 * 3)
		return NULL;
	outlen = len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
	out = malloc(outlen + 1);
	if (out == NULL)
		return NULL;

	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			in[i + 2];

		out[o++] = b64url_alphabet[v >> 18 & 0x3f];
		out[o++] = b64url_alphabet[v >> 12 & 0x3f];
		out[o++] = b64url_alphabet[v >> 6 & 0x3f];
		out[o++] = b64url_alphabet[v & 0x3f];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = b64url_alphabet[v >> 18 & 0x3f];
		out[o++] = b64url_alphabet[v >> 12 & 0x3f];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = b64url_alphabet[v >> 18 & 0x3f];
		out[o++] = b64url_alphabet[v >> 12 & 0x3f];
		out[o++] = b64url_alphabet[v >> 6 & 0x3f];
	}
	out[o] = '\0';
	return out;
}

int
b64url_decode(const char *in, size_t len, unsigned char **out,
	      size_t *outlen)
{
	size_t full = len / 4, rest = len % 4, n, i, o = 0;
	unsigned char *buf;
	int v[4], rc = -1;

	if (out == NULL || outlen == NULL || (in == NULL && len != 0))
		return -1;
	*out = NULL;
	*outlen = 0;
	/* One character left over carries only 6 bits: never a whole byte. */
	if (rest == 1)
		return -1;
	n = full * 3 + (rest == 0 ? 0 : rest - 1);
	buf = malloc(n + 1);
	if (buf == NULL)
		return -1;

	for (i = 0; i < full * 4; i += 4) {
		v[0] = value_of_char((unsigned char)in[i]);
		v[1] = value_of_char((unsigned char)in[i + 1]);
		v[2] = value_of_char((unsigned char)in[i + 2]);
		v[3] = value_of_char((unsigned char)in[i + 3]);
		if ((v[0] | v[1] | v[2] | v[3]) < 0)
			goto cleanup;
		buf[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		buf[o++] = (unsigned char)((v[1] & 0x0f) << 4 | v[2] >> 2);
		buf[o++] = (unsigned char)((v[2] & 0x03) << 6 | v[3]);
	}
	if (rest >= 2) {
		v[0] = value_of_char((unsigned char)in[i]);
		v[1] = value_of_char((unsigned char)in[i + 1]);
		if ((v[0] | v[1]) < 0)
			goto cleanup;
		buf[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (rest == 2) {
			/*
			 * Bits that fall off the end must be zero, or two
			 * different strings would decode to the same bytes
			 * and a signed token could be altered unnoticed.
			 */
			if ((v[1] & 0x0f) != 0)
				goto cleanup;
		} else {
			v[2] = value_of_char((unsigned char)in[i + 2]);
			if (v[2] < 0 || (v[2] & 0x03) != 0)
				goto cleanup;
			buf[o++] = (unsigned char)((v[1] & 0x0f) << 4 |
						   v[2] >> 2);
		}
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	buf = NULL;
	rc = 0;

cleanup:
	free(buf);
	return rc;
}
