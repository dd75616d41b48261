#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "http.h"
#include "log.h"

struct http_client {
	pam_handle_t *pamh;
	const struct pkce_config *cfg;
	CURL *curl;	/* one handle per step: its connection is reused */
	long status;	/* of the last response */
};

struct body {
	char *data;
	size_t len;
	size_t cap;
	bool overflow;
};

static bool
host_is_loopback_literal(const char *host)
{
	struct in_addr v4;
	struct in6_addr v6;
	char bare[INET6_ADDRSTRLEN + 1];
	size_t len = strlen(host);

	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	/* libcurl reports IPv6 hosts with their brackets. */
	if (len > 2 && len - 2 < sizeof(bare) && host[0] == '[' &&
	    host[len - 1] == ']') {
		memcpy(bare, host + 1, len - 2);
		bare[len - 2] = '\0';
		if (inet_pton(AF_INET6, bare, &v6) == 1)
			return IN6_IS_ADDR_LOOPBACK(&v6);
	}
	return false;
}

/* Returns 1 for https, 2 for http to a loopback literal, 0 if refused. */
static int
classify_url(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL, *fragment = NULL;
	int kind = 0;

	if (u == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto cleanup;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_NO_USER ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) !=
		    CURLUE_NO_FRAGMENT)
		goto cleanup;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto cleanup;
	if (strcasecmp(scheme, "https") == 0)
		kind = 1;
	else if (strcasecmp(scheme, "http") == 0 &&
		 host_is_loopback_literal(host))
		kind = 2;
cleanup:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(fragment);
	curl_url_cleanup(u);
	return kind;
}

bool
http_url_allowed(const char *url)
{
	return url != NULL && classify_url(url) != 0;
}

static size_t
collect_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *body = userdata;
	size_t n = size * nmemb;

	/* MAXFILESIZE does not cover chunked bodies: cap here as well. */
	if (n > HTTP_BODY_MAX - body->len) {
		body->overflow = true;
		return 0;
	}
	if (body->len + n + 1 > body->cap) {
		size_t cap = body->cap ? body->cap : 4096;
		char *grown;

		while (cap < body->len + n + 1)
			cap *= 2;
		grown = malloc(cap);
		if (grown == NULL)
			return 0;
		/* realloc would leave a copy of the token response behind. */
		if (body->data != NULL) {
			memcpy(grown, body->data, body->len);
			OPENSSL_cleanse(body->data, body->cap);
			free(body->data);
		}
		body->data = grown;
		body->cap = cap;
	}
	memcpy(body->data + body->len, ptr, n);
	body->len += n;
	body->data[body->len] = '\0';
	return n;
}

static void
body_wipe(struct body *body)
{
	if (body->data != NULL) {
		OPENSSL_cleanse(body->data, body->cap);
		free(body->data);
	}
	memset(body, 0, sizeof(*body));
}

/* The trust store libcurl was built with (Debian: the ca-certificates bundle). */
static const char *
default_cainfo(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	return v->cainfo != NULL ? v->cainfo : "/etc/ssl/certs/ca-certificates.crt";
}

static const char *
default_capath(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	return v->capath != NULL ? v->capath : "/etc/ssl/certs";
}

int
http_global_init(void)
{
	const char *keylog = getenv("SSLKEYLOGFILE");
	char *saved = NULL;
	CURLcode rc;

	/*
	 * libcurl opens $SSLKEYLOGFILE at global init, read with plain getenv:
	 * under su, the caller's environment would have root append TLS
	 * secrets to a file of the caller's choosing.  Hide it for the call.
	 */
	if (keylog != NULL) {
		saved = strdup(keylog);
		if (saved == NULL)
			return -1;
		unsetenv("SSLKEYLOGFILE");
	}
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (saved != NULL) {
		setenv("SSLKEYLOGFILE", saved, 1);
		free(saved);
	}
	return rc == CURLE_OK ? 0 : -1;
}

void
http_global_cleanup(void)
{
	curl_global_cleanup();
}

struct http_client *
http_client_new(pam_handle_t *pamh, const struct pkce_config *cfg)
{
	struct http_client *client = calloc(1, sizeof(*client));

	if (client == NULL)
		return NULL;
	client->pamh = pamh;
	client->cfg = cfg;
	client->curl = curl_easy_init();
	if (client->curl == NULL) {
		free(client);
		return NULL;
	}
	return client;
}

void
http_client_free(struct http_client *client)
{
	if (client == NULL)
		return;
	curl_easy_cleanup(client->curl);
	free(client);
}

/* Every descriptor the module opens is close-on-exec, libcurl's too. */
static curl_socket_t
open_cloexec(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	(void)clientp;
	(void)purpose;
	return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

long
http_last_status(const struct http_client *client)
{
	return client->status;
}

/*
 * Options that hold for every request.  Set explicitly, so that nothing
 * in the caller's environment (proxy variables, netrc, CA overrides) can
 * change where the module connects or whom it trusts.
 */
static int
setup_request(struct http_client *client, const char *url, struct body *body,
	      struct curl_slist *headers)
{
	const struct pkce_config *cfg = client->cfg;
	CURL *c = client->curl;
	int kind = classify_url(url);
	CURLcode rc = CURLE_OK;

	if (kind == 0)
		return -1;
	curl_easy_reset(c);
#define SET(opt, val) \
	do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_OPENSOCKETFUNCTION, open_cloexec);
	SET(CURLOPT_PROTOCOLS_STR, kind == 1 ? "https" : "http");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* Never the environment's proxy variables (or its NO_PROXY). */
	SET(CURLOPT_PROXY, cfg->https_proxy != NULL ? cfg->https_proxy : "");
	SET(CURLOPT_NOPROXY, "");
	SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	SET(CURLOPT_TIMEOUT, cfg->http_timeout);
	SET(CURLOPT_CONNECTTIMEOUT, cfg->http_timeout);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_BODY_MAX);
	SET(CURLOPT_WRITEFUNCTION, collect_body);
	SET(CURLOPT_WRITEDATA, body);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	if (cfg->ca_file != NULL || cfg->ca_path != NULL) {
		SET(CURLOPT_CAINFO, cfg->ca_file);
		SET(CURLOPT_CAPATH, cfg->ca_path);
	} else {
		/*
		 * The system store, named explicitly: left unset, OpenSSL's
		 * default paths would honour SSL_CERT_FILE and SSL_CERT_DIR.
		 */
		SET(CURLOPT_CAINFO, default_cainfo());
		SET(CURLOPT_CAPATH, default_capath());
	}
#undef SET
	return rc == CURLE_OK ? 0 : -1;
}

static enum http_result
perform(struct http_client *client, const char *what, const char *url,
	struct body *body, json_t **out)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	char esc[LOG_ESCAPE_MAX];
	long status = 0;
	json_t *json;
	json_error_t jerr;
	CURLcode rc;

	client->status = 0;
	curl_easy_setopt(client->curl, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(client->curl);
	curl_easy_setopt(client->curl, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK || body->overflow) {
		log_msg(client->pamh, LOG_ERR, "%s request to %s failed: %s",
			what, log_escape(url, esc, sizeof(esc)),
			body->overflow ? "response too large" :
			errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		return HTTP_ERR_TRANSPORT;
	}
	curl_easy_getinfo(client->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 500 || status < 200 || (status >= 300 && status < 400)) {
		log_msg(client->pamh, LOG_ERR, "%s request to %s: HTTP status %ld",
			what, log_escape(url, esc, sizeof(esc)), status);
		return HTTP_ERR_TRANSPORT;
	}
	json = body->data != NULL ?
		json_loadb(body->data, body->len, JSON_REJECT_DUPLICATES, &jerr) :
		NULL;
	if (json != NULL && !json_is_object(json)) {
		json_decref(json);
		json = NULL;
	}
	client->status = status;
	if (status >= 400) {
		const char *oauth = json_string_value(json_object_get(json, "error"));
		char err[LOG_ESCAPE_MAX];

		*out = json;
		/* One line, with the OAuth error code (RFC 6749 5.2) if any. */
		log_msg(client->pamh, LOG_ERR, "%s request to %s: HTTP status %ld%s%s%s",
			what, log_escape(url, esc, sizeof(esc)), status,
			oauth != NULL ? " (" : "",
			oauth != NULL ? log_escape(oauth, err, sizeof(err)) : "",
			oauth != NULL ? ")" : "");
		return HTTP_ERR_STATUS;
	}
	if (json == NULL) {
		log_msg(client->pamh, LOG_ERR,
			"%s response from %s is not a JSON object", what,
			log_escape(url, esc, sizeof(esc)));
		return HTTP_ERR_BODY;
	}
	*out = json;
	return HTTP_OK;
}

static enum http_result
refuse_url(struct http_client *client, const char *what, const char *url)
{
	char esc[LOG_ESCAPE_MAX];

	log_msg(client->pamh, LOG_ERR,
		"%s URL %s refused: not https (or http to a loopback address)",
		what, log_escape(url, esc, sizeof(esc)));
	return HTTP_ERR_TRANSPORT;
}

enum http_result
http_get_json(struct http_client *client, const char *what, const char *url,
	      const char *bearer, json_t **out)
{
	struct curl_slist *headers = NULL, *more;
	struct body body = { 0 };
	char *auth = NULL;
	size_t authlen = 0;
	enum http_result ret = HTTP_ERR_TRANSPORT;

	*out = NULL;
	headers = curl_slist_append(NULL, "Accept: application/json");
	if (headers == NULL)
		goto cleanup;
	if (bearer != NULL) {
		authlen = strlen(bearer) + sizeof("Authorization: Bearer ");
		auth = malloc(authlen);
		if (auth == NULL)
			goto cleanup;
		snprintf(auth, authlen, "Authorization: Bearer %s", bearer);
		more = curl_slist_append(headers, auth);
		if (more == NULL)
			goto cleanup;
		headers = more;
	}
	if (setup_request(client, url, &body, headers) < 0) {
		ret = refuse_url(client, what, url);
		goto cleanup;
	}
	ret = perform(client, what, url, &body, out);
cleanup:
	if (auth != NULL) {
		OPENSSL_cleanse(auth, authlen);
		free(auth);
	}
	/* curl_slist_append copied the header; wipe that copy too. */
	for (struct curl_slist *h = headers; h != NULL; h = h->next)
		OPENSSL_cleanse(h->data, strlen(h->data));
	curl_slist_free_all(headers);
	body_wipe(&body);
	return ret;
}

enum http_result
http_post_form(struct http_client *client, const char *what, const char *url,
	       const char *form, const char *basic_user,
	       const char *basic_password, json_t **out)
{
	struct curl_slist *headers = NULL;
	struct body body = { 0 };
	enum http_result ret = HTTP_ERR_TRANSPORT;
	CURL *c = client->curl;

	*out = NULL;
	headers = curl_slist_append(NULL, "Accept: application/json");
	if (headers == NULL)
		goto cleanup;
	if (setup_request(client, url, &body, headers) < 0) {
		ret = refuse_url(client, what, url);
		goto cleanup;
	}
	if (curl_easy_setopt(c, CURLOPT_POSTFIELDS, form) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(form)) !=
		    CURLE_OK)
		goto cleanup;
	if (basic_user != NULL &&
	    (curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) !=
		     CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_USERNAME, basic_user) != CURLE_OK ||
	     curl_easy_setopt(c, CURLOPT_PASSWORD, basic_password) != CURLE_OK))
		goto cleanup;
	ret = perform(client, what, url, &body, out);
cleanup:
	/* Drop libcurl's copies of the credentials from the reused handle. */
	curl_easy_setopt(c, CURLOPT_USERNAME, NULL);
	curl_easy_setopt(c, CURLOPT_PASSWORD, NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(headers);
	body_wipe(&body);
	return ret;
}
