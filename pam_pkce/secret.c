#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "secret.h"

void
secret_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void
secret_curl_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		curl_free(s);
	}
}
