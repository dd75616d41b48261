#include <ctype.h>
#include <stddef.h>
#include <strings.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "callback.h"
#include "secret.h"

/* Longer than any real provider's code + state + iss. */
#define CALLBACK_QUERY_MAX 8192
#define CALLBACK_VALUE_MAX 4096

void
callback_params_clear(struct callback_params *params)
{
	secret_free(params->code);
	secret_free(params->state);
	secret_free(params->iss);
	secret_free(params->error);
	secret_free(params->error_description);
	memset(params, 0, sizeof(*params));
}

/* Percent-decode [s, s+len) with '+' as space; refuse control bytes. */
static char *
decode_component(const char *s, size_t len)
{
	char *plus = NULL, *decoded = NULL, *ret = NULL;
	int outlen = 0;
	int i;

	if (len > CALLBACK_VALUE_MAX)
		return NULL;
	plus = strndup(s, len);
	if (plus == NULL)
		return NULL;
	for (char *p = plus; *p != '\0'; p++)
		if (*p == '+')
			*p = ' ';
	decoded = curl_easy_unescape(NULL, plus, (int)len, &outlen);
	if (decoded == NULL)
		goto cleanup;
	for (i = 0; i < outlen; i++)
		if (iscntrl((unsigned char)decoded[i]))
			goto cleanup;
	ret = strdup(decoded);
cleanup:
	if (decoded != NULL) {
		OPENSSL_cleanse(decoded, (size_t)outlen);
		curl_free(decoded);
	}
	OPENSSL_cleanse(plus, len);
	free(plus);
	return ret;
}

static char **
slot_for(struct callback_params *out, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
	} slots[] = {
		{ "code", offsetof(struct callback_params, code) },
		{ "state", offsetof(struct callback_params, state) },
		{ "iss", offsetof(struct callback_params, iss) },
		{ "error", offsetof(struct callback_params, error) },
		{ "error_description",
		  offsetof(struct callback_params, error_description) },
	};

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strlen(slots[i].name) == len &&
		    memcmp(slots[i].name, name, len) == 0)
			return (char **)((char *)out + slots[i].offset);
	return NULL;
}

int
callback_query_parse(const char *query, struct callback_params *out,
		     const char **why)
{
	const char *p = query;

	memset(out, 0, sizeof(*out));
	if (strlen(query) > CALLBACK_QUERY_MAX) {
		*why = "query too long";
		return -1;
	}
	while (*p != '\0') {
		size_t pairlen = strcspn(p, "&");
		const char *eq = memchr(p, '=', pairlen);
		size_t namelen = eq != NULL ? (size_t)(eq - p) : pairlen;
		char **slot = slot_for(out, p, namelen);

		if (slot != NULL) {
			if (*slot != NULL) {
				/* RFC 6749 3.1: parameters must not repeat. */
				*why = "duplicated parameter";
				goto fail;
			}
			*slot = eq != NULL ?
				decode_component(eq + 1, pairlen - namelen - 1) :
				strdup("");
			if (*slot == NULL) {
				*why = "malformed parameter value";
				goto fail;
			}
		}
		p += pairlen;
		if (*p == '&')
			p++;
	}
	return 0;
fail:
	callback_params_clear(out);
	return -1;
}

static bool
looks_like_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* Scheme, host, port and path of two URLs, compared after parsing. */
static int
url_same_endpoint(CURLU *a, CURLU *b)
{
	static const CURLUPart parts[] = {
		CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT, CURLUPART_PATH
	};
	int same = 1;

	for (size_t i = 0; same && i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *va = NULL, *vb = NULL;

		if (curl_url_get(a, parts[i], &va, CURLU_DEFAULT_PORT) != CURLUE_OK ||
		    curl_url_get(b, parts[i], &vb, CURLU_DEFAULT_PORT) != CURLUE_OK ||
		    strcasecmp(va, vb) != 0)
			same = 0;
		curl_free(va);
		curl_free(vb);
	}
	return same;
}

static bool
is_bare_code(const char *s)
{
	if (*s == '\0' || strlen(s) > CALLBACK_VALUE_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!isgraph((unsigned char)*s) || strchr("?&=#/ ", *s) != NULL)
			return false;
	return true;
}

int
callback_paste_parse(const char *pasted, const char *redirect_uri,
		     struct callback_params *out, const char **why)
{
	CURLU *got = NULL, *want = NULL;
	char *query = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!looks_like_url(pasted)) {
		if (!is_bare_code(pasted)) {
			*why = "pasted text is neither a URL nor a code";
			return -1;
		}
		out->code = strdup(pasted);
		if (out->code == NULL) {
			*why = "out of memory";
			return -1;
		}
		return 0;
	}
	got = curl_url();
	want = curl_url();
	if (got == NULL || want == NULL) {
		*why = "out of memory";
		goto cleanup;
	}
	if (curl_url_set(got, CURLUPART_URL, pasted, 0) != CURLUE_OK ||
	    curl_url_set(want, CURLUPART_URL, redirect_uri, 0) != CURLUE_OK) {
		*why = "pasted URL does not parse";
		goto cleanup;
	}
	if (!url_same_endpoint(got, want)) {
		*why = "pasted URL is not this login's redirect URI";
		goto cleanup;
	}
	if (curl_url_get(got, CURLUPART_QUERY, &query, 0) != CURLUE_OK) {
		*why = "pasted URL has no query";
		goto cleanup;
	}
	ret = callback_query_parse(query, out, why);
cleanup:
	secret_curl_free(query);
	curl_url_cleanup(got);
	curl_url_cleanup(want);
	return ret;
}
