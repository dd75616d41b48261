#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <security/_pam_types.h>

#include "conv.h"
#include "listener.h"
#include "log.h"
#include "pkce.h"

struct conn {
	int fd;			/* -1: free slot */
	unsigned long seq;	/* accept order: the lowest is the oldest */
	struct timespec deadline;
	size_t len;
	char buf[LISTENER_REQUEST_MAX + 1];
};

struct listener {
	pam_handle_t *pamh;
	int socks[2];
	size_t nsocks;
	unsigned int port;
	char host[16];		/* as it appears in the URI and Host header */
	const char *path;
	char *redirect_uri;
	char who[600];		/* "host (service)", HTML-escaped, for the pages */
	unsigned long accepted;	/* connections so far */
	unsigned int warned;	/* bad requests logged so far */
	struct conn conns[LISTENER_CONN_MAX];
};

/*
 * Every local user can send requests: log the first few refusals of a
 * login, then only their number, so nobody can flood the log.
 */
#define LISTENER_WARN_MAX 5

enum page {
	PAGE_SIGNED_IN,
	PAGE_PROVIDER_ERROR,
	PAGE_PROVIDER_DENIED,
	PAGE_NOT_THIS_LOGIN,
	PAGE_BAD_REQUEST,
	PAGE_NOT_FOUND,
	PAGE_METHOD,
};

/* Fixed pages: nothing from the request is ever reflected into them. */
static const struct {
	const char *status;
	const char *title;
	const char *text;
} pages[] = {
	[PAGE_SIGNED_IN] = { "200 OK", "Signed in",
		"Your sign-in reached %s. Return to your terminal, which "
		"shows whether you are logged in; you can close this window." },
	[PAGE_PROVIDER_ERROR] = { "200 OK", "Sign-in refused",
		"The identity provider did not sign you in to %s. Return to "
		"your terminal." },
	[PAGE_PROVIDER_DENIED] = { "200 OK", "Sign-in refused",
		"The sign-in to %s was cancelled or denied at the identity "
		"provider. Return to your terminal." },
	[PAGE_NOT_THIS_LOGIN] = { "400 Bad Request", "Not this login",
		"This response does not belong to the login in progress." },
	[PAGE_BAD_REQUEST] = { "400 Bad Request", "Bad request",
		"The request was not understood." },
	[PAGE_NOT_FOUND] = { "404 Not Found", "Not found", "Nothing here." },
	[PAGE_METHOD] = { "405 Method Not Allowed", "Not allowed",
		"Only GET is served here." },
};

time_t
listener_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	/* The buffer may hold an authorization code. */
	OPENSSL_cleanse(c->buf, c->len);
	c->fd = -1;
	c->len = 0;
}

/* Text the module itself knows (host and service), made safe for HTML. */
static void
html_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in != '\0' && o + 7 < len; in++) {
		const char *rep = NULL;

		switch (*in) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		}
		if (rep != NULL) {
			memcpy(out + o, rep, strlen(rep));
			o += strlen(rep);
		} else if ((unsigned char)*in >= 0x20) {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

static void
send_page(const struct listener *l, struct conn *c, enum page page)
{
	char out[2048], text[1024];
	int n;

	/* The formats are the fixed ones above; only "who" is filled in. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(text, sizeof(text), pages[page].text, l->who);
#pragma GCC diagnostic pop
	n = snprintf(out, sizeof(out),
		     "HTTP/1.1 %s\r\n"
		     "Content-Type: text/html; charset=utf-8\r\n"
		     "Cache-Control: no-store\r\n"
		     "Referrer-Policy: no-referrer\r\n"
		     "X-Content-Type-Options: nosniff\r\n"
		     "Content-Security-Policy: default-src 'none'\r\n"
		     "Connection: close\r\n"
		     "\r\n"
		     "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width\">"
		     "<title>%s</title></head><body><h1>%s</h1><p>%s</p>"
		     "</body></html>\n",
		     pages[page].status, pages[page].title, pages[page].title,
		     text);
	if (n > 0 && (size_t)n < sizeof(out))
		/* Small enough for the socket buffer; a peer that does not read loses it. */
		(void)send(c->fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static int
bind_one(int family, unsigned int port, int *out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A previous login's TIME_WAIT must not block a fixed port. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, LISTENER_CONN_MAX) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	*out = fd;
	return 0;
}

static unsigned int
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void
close_socks(struct listener *l)
{
	for (size_t i = 0; i < l->nsocks; i++)
		close(l->socks[i]);
	l->nsocks = 0;
}

/*
 * Bind PORT (0: ephemeral) on the configured families.  For localhost the
 * IPv6 socket takes the port the IPv4 one got.  Returns 0 or -errno.
 */
static int
try_port(struct listener *l, enum config_redirect_host host, unsigned int port)
{
	int first = host == CONFIG_HOST_IPV6 ? AF_INET6 : AF_INET;
	int rc;

	rc = bind_one(first, port, &l->socks[0]);
	if (rc < 0)
		return rc;
	l->nsocks = 1;
	l->port = bound_port(l->socks[0]);
	if (host != CONFIG_HOST_LOCALHOST)
		return 0;
	rc = bind_one(AF_INET6, l->port, &l->socks[1]);
	if (rc == 0) {
		l->nsocks = 2;
		return 0;
	}
	/* No IPv6 on this host: localhost then only resolves to 127.0.0.1. */
	if (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL)
		return 0;
	close_socks(l);
	return rc;
}

static int
bind_listener(struct listener *l, const struct pkce_config *cfg)
{
	int rc = -EADDRINUSE;

	if (cfg->redirect_port_min == 0) {
		/* An ephemeral IPv4 port may be taken on IPv6: retry a few. */
		for (int i = 0; i < 8 && rc == -EADDRINUSE; i++)
			rc = try_port(l, cfg->redirect_host, 0);
		return rc;
	}
	for (unsigned int p = cfg->redirect_port_min;
	     p <= cfg->redirect_port_max; p++) {
		rc = try_port(l, cfg->redirect_host, p);
		if (rc != -EADDRINUSE)
			return rc;
	}
	return rc;
}

int
listener_open(pam_handle_t *pamh, const struct pkce_config *cfg,
	      struct listener **out)
{
	static const char *const hosts[] = {
		[CONFIG_HOST_IPV4] = "127.0.0.1",
		[CONFIG_HOST_IPV6] = "[::1]",
		[CONFIG_HOST_LOCALHOST] = "localhost",
	};
	char who[300];
	struct listener *l;
	int rc;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return PAM_BUF_ERR;
	l->pamh = pamh;
	l->path = cfg->redirect_path;
	for (size_t i = 0; i < LISTENER_CONN_MAX; i++)
		l->conns[i].fd = -1;
	snprintf(l->host, sizeof(l->host), "%s", hosts[cfg->redirect_host]);
	conv_describe_login(pamh, who, sizeof(who));
	html_escape(who, l->who, sizeof(l->who));
	rc = bind_listener(l, cfg);
	if (rc < 0) {
		if (cfg->redirect_port_min == 0)
			log_msg(pamh, LOG_ERR,
				"cannot listen on %s: %s", l->host,
				strerror(-rc));
		else
			log_msg(pamh, LOG_ERR,
				"cannot listen on %s port %u-%u: %s", l->host,
				cfg->redirect_port_min, cfg->redirect_port_max,
				strerror(-rc));
		free(l);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (asprintf(&l->redirect_uri, "http://%s:%u%s", l->host, l->port,
		     l->path) < 0) {
		listener_close(l);
		return PAM_BUF_ERR;
	}
	*out = l;
	return PAM_SUCCESS;
}

const char *
listener_redirect_uri(const struct listener *listener)
{
	return listener->redirect_uri;
}

void
listener_close(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->warned > LISTENER_WARN_MAX)
		log_msg(l->pamh, LOG_WARNING,
			"listener: %u more bad requests ignored, not logged",
			l->warned - LISTENER_WARN_MAX);
	for (size_t i = 0; i < LISTENER_CONN_MAX; i++)
		conn_close(&l->conns[i]);
	close_socks(l);
	free(l->redirect_uri);
	free(l);
}

/* Value of header NAME in the header block HDRS, or NULL. */
static char *
find_header(char *hdrs, const char *name)
{
	size_t nlen = strlen(name);
	char *found = NULL;

	for (char *line = hdrs; line != NULL;) {
		char *next = strstr(line, "\r\n");

		if (next != NULL)
			*next = '\0';
		/* The blank line ends the header block: a body is no header. */
		if (*line == '\0')
			break;
		if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
			char *v = line + nlen + 1;
			size_t len;

			/* RFC 9112 3.2: a second Host header is a bad request. */
			if (found != NULL)
				return NULL;
			v += strspn(v, " \t");
			len = strlen(v);
			while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				v[--len] = '\0';
			found = v;
		}
		line = next != NULL ? next + 2 : NULL;
	}
	return found;
}

enum listener_verdict
listener_request_parse(char *request, const char *path, const char *host,
		       const char *state, struct callback_params *out,
		       const char **why)
{
	char *line_end, *target, *version, *query, *got_host;
	struct callback_params params;
	size_t plen = strlen(path);

	*why = NULL;
	line_end = strstr(request, "\r\n");
	if (line_end == NULL)
		return LISTENER_BAD_REQUEST;
	*line_end = '\0';
	if (strncmp(request, "GET ", 4) != 0)
		return LISTENER_WRONG_METHOD;
	target = request + 4;
	version = strchr(target, ' ');
	if (version == NULL || strncmp(version + 1, "HTTP/1.", 7) != 0)
		return LISTENER_BAD_REQUEST;
	*version = '\0';
	if (strncmp(target, path, plen) != 0 ||
	    (target[plen] != '\0' && target[plen] != '?'))
		return LISTENER_NOT_FOUND;
	/* A page on another origin must not reach us through DNS rebinding. */
	got_host = find_header(line_end + 2, "Host");
	if (got_host == NULL || strcasecmp(got_host, host) != 0)
		return LISTENER_WRONG_HOST;
	query = target[plen] == '?' ? target + plen + 1 : target + plen;
	if (callback_query_parse(query, &params, why) < 0)
		return LISTENER_BAD_CALLBACK;
	if (!pkce_secret_equal(params.state, state)) {
		callback_params_clear(&params);
		return LISTENER_WRONG_STATE;
	}
	if (params.code == NULL && params.error == NULL) {
		callback_params_clear(&params);
		return LISTENER_BAD_CALLBACK;
	}
	*out = params;
	return LISTENER_CALLBACK;
}

/*
 * Answer a complete request header block.  Returns true when it is this
 * login's callback (OUT filled), false to keep waiting.
 */
static void
warn_refusal(struct listener *l, const char *what, const char *detail)
{
	if (l->warned < LISTENER_WARN_MAX)
		log_msg(l->pamh, LOG_WARNING, "listener: %s%s%s", what,
			detail != NULL ? ": " : "", detail != NULL ? detail : "");
	l->warned++;
}

static bool
handle_request(struct listener *l, struct conn *c, const char *state,
	       struct callback_params *out)
{
	struct callback_params params;
	const char *why = NULL;
	char host[32];

	snprintf(host, sizeof(host), "%s:%u", l->host, l->port);
	switch (listener_request_parse(c->buf, l->path, host, state, &params,
				       &why)) {
	case LISTENER_BAD_REQUEST:
		send_page(l, c, PAGE_BAD_REQUEST);
		return false;
	case LISTENER_WRONG_METHOD:
		send_page(l, c, PAGE_METHOD);
		return false;
	case LISTENER_NOT_FOUND:
		send_page(l, c, PAGE_NOT_FOUND);
		return false;
	case LISTENER_WRONG_HOST:
		warn_refusal(l, "request with a wrong Host header ignored", NULL);
		send_page(l, c, PAGE_BAD_REQUEST);
		return false;
	case LISTENER_BAD_CALLBACK:
		/* WHY is NULL for a query without code or error: not logged. */
		if (why != NULL)
			warn_refusal(l, "bad callback ignored", why);
		send_page(l, c, PAGE_BAD_REQUEST);
		return false;
	case LISTENER_WRONG_STATE:
		warn_refusal(l, "callback with a wrong or missing state ignored",
			     NULL);
		send_page(l, c, PAGE_NOT_THIS_LOGIN);
		return false;
	case LISTENER_CALLBACK:
		break;
	}
	if (params.error == NULL)
		send_page(l, c, PAGE_SIGNED_IN);
	else if (strcmp(params.error, "access_denied") == 0)
		send_page(l, c, PAGE_PROVIDER_DENIED);
	else
		send_page(l, c, PAGE_PROVIDER_ERROR);
	*out = params;
	return true;
}

static void
accept_all(struct listener *l, int sock, time_t now)
{
	for (;;) {
		struct conn *slot = NULL, *oldest = NULL;
		int fd = accept4(sock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return;
		for (size_t i = 0; i < LISTENER_CONN_MAX && slot == NULL; i++) {
			struct conn *c = &l->conns[i];

			if (c->fd < 0)
				slot = c;
			else if (oldest == NULL || c->seq < oldest->seq)
				oldest = c;
		}
		/* Full: drop the oldest, so idle clients cannot lock the browser out. */
		if (slot == NULL) {
			conn_close(oldest);
			slot = oldest;
		}
		slot->fd = fd;
		slot->seq = ++l->accepted;
		slot->len = 0;
		slot->deadline.tv_sec = now + LISTENER_CONN_SECONDS;
	}
}

/* Returns true when C completed this login's callback. */
static bool
read_conn(struct listener *l, struct conn *c, const char *state,
	  struct callback_params *out)
{
	ssize_t n;
	bool got;

	n = recv(c->fd, c->buf + c->len, LISTENER_REQUEST_MAX - c->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		conn_close(c);
		return false;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (memchr(c->buf, '\0', c->len) != NULL) {
		send_page(l, c, PAGE_BAD_REQUEST);
		conn_close(c);
		return false;
	}
	if (strstr(c->buf, "\r\n\r\n") == NULL) {
		if (c->len == LISTENER_REQUEST_MAX) {
			send_page(l, c, PAGE_BAD_REQUEST);
			conn_close(c);
		}
		return false;
	}
	got = handle_request(l, c, state, out);
	conn_close(c);
	return got;
}

enum listener_result
listener_wait(struct listener *l, const char *state, time_t deadline,
	      int cancel_fd, struct callback_params *out)
{
	struct pollfd pfds[3 + LISTENER_CONN_MAX];
	struct conn *polled[LISTENER_CONN_MAX];

	memset(out, 0, sizeof(*out));
	for (;;) {
		time_t now = listener_now(), wake = deadline;
		size_t n = 0, nconn = 0;
		int rc;

		if (now >= deadline)
			return LISTENER_TIMEOUT;
		for (size_t i = 0; i < l->nsocks; i++)
			pfds[n++] = (struct pollfd){ .fd = l->socks[i], .events = POLLIN };
		/* Last, so that the connection slots keep their positions. */
		for (size_t i = 0; i < LISTENER_CONN_MAX; i++) {
			struct conn *c = &l->conns[i];

			if (c->fd < 0)
				continue;
			if (c->deadline.tv_sec <= now) {
				conn_close(c);
				continue;
			}
			if (c->deadline.tv_sec < wake)
				wake = c->deadline.tv_sec;
			polled[nconn++] = c;
			pfds[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		}
		if (cancel_fd >= 0)
			pfds[n++] = (struct pollfd){ .fd = cancel_fd, .events = POLLIN };
		rc = poll(pfds, n, (int)(wake - now) * 1000);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			log_msg(l->pamh, LOG_ERR, "listener: poll: %s",
				strerror(errno));
			return LISTENER_FAILED;
		}
		if (cancel_fd >= 0 && pfds[n - 1].revents != 0)
			return LISTENER_CANCELLED;
		for (size_t i = 0; i < nconn; i++) {
			struct pollfd *p = &pfds[l->nsocks + i];

			if (p->revents != 0 && polled[i]->fd == p->fd &&
			    read_conn(l, polled[i], state, out))
				return LISTENER_GOT;
		}
		for (size_t i = 0; i < l->nsocks; i++)
			if (pfds[i].revents & POLLIN)
				accept_all(l, l->socks[i], listener_now());
	}
}
