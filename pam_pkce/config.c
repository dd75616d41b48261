/*
 * Configuration: the file named by config=PATH (or the built-in default),
 * then the module arguments on top of it.  Every value is checked here so
 * that a mistake is reported once, at load time, naming the file and line
 * or the argument, rather than showing up as a puzzling failure mid-login.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "config.h"
#include "http.h"
#include "jwk.h"
#include "log.h"
#include "secret.h"

#ifndef PAM_PKCE_DEFAULT_CACHE_DIR
#define PAM_PKCE_DEFAULT_CACHE_DIR "/var/cache/pam_pkce"
#endif

/* A real config file is a few kilobytes; far beyond that is a mistake. */
#define CONFIG_FILE_MAX (256 * 1024)
#define CONFIG_LINE_MAX 4096

/*
 * username_regex, counted as glibc expands it (see regex_check): far above
 * any name pattern, far below what makes regcomp or regexec blow up.
 */
#define REGEX_NODES_MAX 1024
#define REGEX_DEPTH_MAX 32

/* Keeps auth_time + max_age arithmetic far from overflow downstream. */
#define MAX_AGE_MAX 2147483647L

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum parse_result {
	PARSE_OK = 0,
	PARSE_BAD,	/* the value is wrong; setting.why says how */
	PARSE_NOMEM,
};

/* One KEY=VALUE being applied. */
struct setting {
	const char *value;
	/* The value quoted and escaped for the log, or a placeholder. */
	char shown[LOG_ESCAPE_MAX + 2];
	char why[640];
};

struct key_spec;
typedef enum parse_result (*key_parser)(const struct key_spec *key,
					struct pkce_config *cfg,
					struct setting *s);

struct key_spec {
	const char *name;
	key_parser parse;
	size_t offset;		/* the field, for the parsers shared by keys */
	long min, max;		/* for parse_seconds */
	bool secret;		/* the value must never reach the log */
};

/* Where a key got its current value, to point the administrator at it. */
struct origin {
	bool set;
	bool from_arg;
	unsigned int line;
};

/* The parameters the module itself puts in the /authorize request. */
static const char *const owned_params[] = {
	"response_type", "client_id", "redirect_uri", "scope", "state",
	"nonce", "code_challenge", "code_challenge_method",
};

static const char *const https_proxy_schemes[] = {
	"http", "https", "socks4", "socks4a", "socks5", "socks5h",
};

static void *
field_of(struct pkce_config *cfg, const struct key_spec *key)
{
	return (char *)cfg + key->offset;
}

static enum parse_result reject(struct setting *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum parse_result
reject(struct setting *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return PARSE_BAD;
}

/* Escape LEN bytes of P (not terminated) for a log message. */
static const char *
show_span(const char *p, size_t len, char *out, size_t outlen)
{
	char copy[LOG_ESCAPE_MAX];

	if (len >= sizeof(copy))
		len = sizeof(copy) - 1;
	memcpy(copy, p, len);
	copy[len] = '\0';
	return log_escape(copy, out, outlen);
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool
is_alnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool
is_digit_ascii(char c)
{
	return c >= '0' && c <= '9';
}

static bool
has_control_char(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

/* Trim in place; returns the first non-space character. */
static char *
trim(char *s)
{
	size_t len;

	while (is_space(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_space(s[len - 1]))
		s[--len] = '\0';
	return s;
}

/* Next space-separated token of *P, or NULL at the end. */
static const char *
next_token(const char **p, size_t *len)
{
	const char *start = *p, *end;

	while (*start == ' ')
		start++;
	if (*start == '\0')
		return NULL;
	end = start;
	while (*end != '\0' && *end != ' ')
		end++;
	*len = (size_t)(end - start);
	*p = end;
	return start;
}

static bool
span_equals(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(p, word, len) == 0;
}

/*
 * Strict unsigned decimal: digits only, no sign, no white space.
 * Returns 0, -1 if not a number, -2 if it overflows.
 */
static int
parse_decimal(const char *text, unsigned long *out)
{
	unsigned long n = 0;

	if (*text == '\0')
		return -1;
	for (const char *p = text; *p != '\0'; p++) {
		unsigned long digit;

		if (!is_digit_ascii(*p))
			return -1;
		digit = (unsigned long)(*p - '0');
		if (n > (ULONG_MAX - digit) / 10)
			return -2;
		n = n * 10 + digit;
	}
	*out = n;
	return 0;
}

static int
find_choice(const char *value, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(value, names[i]) == 0)
			return (int)i;
	}
	return -1;
}

static enum parse_result
replace_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return PARSE_NOMEM;
	free(*field);
	*field = copy;
	return PARSE_OK;
}

static enum parse_result
parse_bool(const struct key_spec *key, struct pkce_config *cfg,
	   struct setting *s)
{
	bool *field = field_of(cfg, key);

	if (strcmp(s->value, "yes") == 0)
		*field = true;
	else if (strcmp(s->value, "no") == 0)
		*field = false;
	else
		return reject(s, "invalid value %s: expected yes or no",
			      s->shown);
	return PARSE_OK;
}

static enum parse_result
parse_seconds(const struct key_spec *key, struct pkce_config *cfg,
	      struct setting *s)
{
	long *field = field_of(cfg, key);
	unsigned long n;
	int rc = parse_decimal(s->value, &n);

	if (rc == -1)
		return reject(s, "invalid value %s: expected a decimal number "
			      "(digits only) from %ld to %ld",
			      s->shown, key->min, key->max);
	if (rc == -2 || n < (unsigned long)key->min ||
	    n > (unsigned long)key->max)
		return reject(s, "value %s out of range: expected %ld to %ld",
			      s->shown, key->min, key->max);
	*field = (long)n;
	return PARSE_OK;
}

static enum parse_result
parse_url(const struct key_spec *key, struct pkce_config *cfg,
	  struct setting *s)
{
	if (!http_url_allowed(s->value))
		return reject(s, "invalid URL %s: must be https (or http to a "
			      "literal loopback address), without user "
			      "info or fragment", s->shown);
	return replace_string(field_of(cfg, key), s->value);
}

/* Outside text that only needs to be present and free of controls. */
static enum parse_result
parse_text(const struct key_spec *key, struct pkce_config *cfg,
	   struct setting *s)
{
	return replace_string(field_of(cfg, key), s->value);
}

static enum parse_result
parse_abs_path(const struct key_spec *key, struct pkce_config *cfg,
	       struct setting *s)
{
	if (s->value[0] != '/')
		return reject(s, "invalid value %s: must be an absolute path",
			      s->shown);
	return replace_string(field_of(cfg, key), s->value);
}

static enum parse_result
parse_secret(const struct key_spec *key, struct pkce_config *cfg,
	     struct setting *s)
{
	char **field = field_of(cfg, key);
	char *copy;

	/* RFC 6749 (VSCHAR): the value is sent form-encoded or as Basic. */
	for (const char *p = s->value; *p != '\0'; p++) {
		if ((unsigned char)*p > 0x7e)
			return reject(s, "must be printable ASCII "
				      "(value not shown)");
	}
	copy = strdup(s->value);
	if (copy == NULL)
		return PARSE_NOMEM;
	secret_free(*field);
	*field = copy;
	return PARSE_OK;
}

static enum parse_result
parse_auth_method(const struct key_spec *key, struct pkce_config *cfg,
		  struct setting *s)
{
	static const char *const names[] = {
		[CONFIG_AUTH_NONE] = "none",
		[CONFIG_AUTH_CLIENT_SECRET_BASIC] = "client_secret_basic",
		[CONFIG_AUTH_CLIENT_SECRET_POST] = "client_secret_post",
	};
	int i = find_choice(s->value, names, ARRAY_SIZE(names));

	if (i < 0)
		return reject(s, "invalid value %s: expected none, "
			      "client_secret_basic or client_secret_post",
			      s->shown);
	cfg->token_endpoint_auth = (enum config_auth_method)i;
	return PARSE_OK;
}

/* RFC 6749 3.3: scope-token = 1*NQCHAR. */
static bool
is_scope_char(char c)
{
	return c >= 0x21 && c <= 0x7e && c != '"' && c != '\\';
}

static enum parse_result
parse_scope(const struct key_spec *key, struct pkce_config *cfg,
	    struct setting *s)
{
	static const char openid[] = "openid";
	const char *p = s->value, *tok;
	size_t len, n = 0, o = 0;
	bool has_openid = false;
	char *out;

	while ((tok = next_token(&p, &len)) != NULL) {
		for (size_t i = 0; i < len; i++) {
			if (!is_scope_char(tok[i]))
				return reject(s, "invalid value %s: scope "
					      "values are printable ASCII "
					      "without '\"' or '\\', "
					      "separated by spaces", s->shown);
		}
		if (span_equals(tok, len, openid))
			has_openid = true;
		n++;
	}
	if (n == 0)
		return reject(s, "no scope value given");

	/* Normalised to single spaces, with openid first when it was missing. */
	out = malloc(strlen(s->value) + sizeof(openid) + 1);
	if (out == NULL)
		return PARSE_NOMEM;
	if (!has_openid) {
		memcpy(out, openid, sizeof(openid) - 1);
		o = sizeof(openid) - 1;
	}
	p = s->value;
	while ((tok = next_token(&p, &len)) != NULL) {
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, tok, len);
		o += len;
	}
	out[o] = '\0';
	free(cfg->scope);
	cfg->scope = out;
	return PARSE_OK;
}

/*
 * name=value&name=value.  The /authorize builder percent-encodes each
 * name and value, so they are written here unencoded.
 */
static enum parse_result
parse_authorize_params(const struct key_spec *key, struct pkce_config *cfg,
		       struct setting *s)
{
	const char *p = s->value;
	char shown[LOG_ESCAPE_MAX];

	for (;;) {
		const char *amp = strchr(p, '&');
		size_t seglen = amp != NULL ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', seglen);
		size_t namelen;

		if (seglen == 0)
			return reject(s, "invalid value %s: empty parameter "
				      "(stray '&')", s->shown);
		if (eq == NULL)
			return reject(s, "parameter \"%s\" has no '=' "
				      "(expected name=value&name=value)",
				      show_span(p, seglen, shown,
						sizeof(shown)));
		namelen = (size_t)(eq - p);
		if (namelen == 0)
			return reject(s, "invalid value %s: parameter with an "
				      "empty name", s->shown);
		for (size_t i = 0; i < namelen; i++) {
			if (p[i] < 0x21 || p[i] > 0x7e)
				return reject(s, "parameter name \"%s\": "
					      "printable ASCII without "
					      "spaces expected",
					      show_span(p, namelen, shown,
							sizeof(shown)));
		}
		for (size_t i = 0; i < ARRAY_SIZE(owned_params); i++) {
			if (span_equals(p, namelen, owned_params[i]))
				return reject(s, "parameter \"%s\" is set by "
					      "the module and cannot be "
					      "given here", owned_params[i]);
		}
		for (const char *v = eq + 1; v < p + seglen; v++) {
			if (*v < 0x20 || *v > 0x7e)
				return reject(s, "parameter \"%s\": value "
					      "must be printable ASCII",
					      show_span(p, namelen, shown,
							sizeof(shown)));
		}
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	return replace_string(&cfg->authorize_params, s->value);
}

static enum parse_result
parse_redirect_host(const struct key_spec *key, struct pkce_config *cfg,
		    struct setting *s)
{
	static const char *const names[] = {
		[CONFIG_HOST_IPV4] = "127.0.0.1",
		[CONFIG_HOST_IPV6] = "[::1]",
		[CONFIG_HOST_LOCALHOST] = "localhost",
	};
	int i = find_choice(s->value, names, ARRAY_SIZE(names));

	if (i < 0)
		return reject(s, "invalid value %s: expected 127.0.0.1, [::1] "
			      "or localhost", s->shown);
	cfg->redirect_host = (enum config_redirect_host)i;
	return PARSE_OK;
}

/* 1..65535, strictly decimal; 0 on error. */
static unsigned int
parse_port(const char *text)
{
	unsigned long n;

	if (parse_decimal(text, &n) != 0 || n < 1 || n > 65535)
		return 0;
	return (unsigned int)n;
}

static enum parse_result
parse_port_range(const struct key_spec *key, struct pkce_config *cfg,
		 struct setting *s)
{
	const char *dash = strchr(s->value, '-');
	unsigned int lo, hi;

	if (strcmp(s->value, "0") == 0) {
		lo = 0;
		hi = 0;
	} else if (dash == NULL) {
		lo = hi = parse_port(s->value);
		if (lo == 0)
			return reject(s, "invalid value %s: expected 0, a port "
				      "1-65535, or a range N-M", s->shown);
	} else {
		char first[8];
		size_t len = (size_t)(dash - s->value);

		if (len >= sizeof(first))
			len = 0;	/* too long to be a port: fails below */
		memcpy(first, s->value, len);
		first[len] = '\0';
		lo = parse_port(first);
		hi = parse_port(dash + 1);
		if (lo == 0 || hi == 0)
			return reject(s, "invalid value %s: in a range N-M "
				      "both ports must be 1-65535", s->shown);
		if (lo > hi)
			return reject(s, "invalid value %s: range is reversed "
				      "(N must not exceed M)", s->shown);
	}
	cfg->redirect_port_min = lo;
	cfg->redirect_port_max = hi;
	return PARSE_OK;
}

/* RFC 3986 pchar without pct-encoded, plus '/'. */
static bool
is_path_char(char c)
{
	return is_alnum_ascii(c) || (c != '\0' && strchr("-._~!$&'()*+,;=:@/",
							  c) != NULL);
}

static enum parse_result
parse_redirect_path(const struct key_spec *key, struct pkce_config *cfg,
		    struct setting *s)
{
	const char *seg;

	if (s->value[0] != '/')
		return reject(s, "invalid value %s: must start with '/'",
			      s->shown);
	for (const char *p = s->value; *p != '\0'; p++) {
		if (!is_path_char(*p))
			return reject(s, "invalid value %s: only letters, "
				      "digits and -._~!$&'()*+,;=:@/ are "
				      "allowed (no '?', '#', '%%' or spaces)",
				      s->shown);
	}
	/* Browsers resolve dot segments, so such a path could never match. */
	for (seg = s->value + 1; seg != NULL;) {
		const char *slash = strchr(seg, '/');
		size_t len = slash != NULL ? (size_t)(slash - seg)
					   : strlen(seg);

		if (span_equals(seg, len, ".") || span_equals(seg, len, ".."))
			return reject(s, "invalid value %s: '.' and '..' "
				      "segments are not allowed", s->shown);
		seg = slash != NULL ? slash + 1 : NULL;
	}
	return replace_string(&cfg->redirect_path, s->value);
}

static enum parse_result
parse_prompt(const struct key_spec *key, struct pkce_config *cfg,
	     struct setting *s)
{
	static const char *const names[] = {
		[CONFIG_PROMPT_AUTO] = "auto",
		[CONFIG_PROMPT_ALWAYS] = "always",
		[CONFIG_PROMPT_NEVER] = "never",
	};
	int i = find_choice(s->value, names, ARRAY_SIZE(names));

	if (i < 0)
		return reject(s, "invalid value %s: expected auto, always or "
			      "never", s->shown);
	cfg->prompt = (enum config_prompt)i;
	return PARSE_OK;
}

static enum parse_result
parse_qr_style(const struct key_spec *key, struct pkce_config *cfg,
	       struct setting *s)
{
	static const char *const names[] = {
		[CONFIG_QR_UTF8] = "utf8",
		[CONFIG_QR_ASCII] = "ascii",
	};
	int i = find_choice(s->value, names, ARRAY_SIZE(names));

	if (i < 0)
		return reject(s, "invalid value %s: expected utf8 or ascii",
			      s->shown);
	cfg->qr_style = (enum config_qr_style)i;
	return PARSE_OK;
}

static enum parse_result
parse_proxy(const struct key_spec *key, struct pkce_config *cfg,
	    struct setting *s)
{
	CURLU *url = curl_url();
	char *scheme = NULL, *host = NULL, *copy;
	enum parse_result rc;
	bool known = false;

	if (url == NULL)
		return PARSE_NOMEM;
	if (curl_url_set(url, CURLUPART_URL, s->value,
			 CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(url, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0') {
		rc = reject(s, "not a proxy URL with a scheme and a host, "
			    "e.g. http://proxy.example:3128 (value not shown)");
		goto cleanup;
	}
	for (size_t i = 0; i < ARRAY_SIZE(https_proxy_schemes); i++) {
		if (strcasecmp(scheme, https_proxy_schemes[i]) == 0)
			known = true;
	}
	if (!known) {
		rc = reject(s, "proxy scheme must be http, https, socks4, "
			    "socks4a, socks5 or socks5h (value not shown)");
		goto cleanup;
	}
	copy = strdup(s->value);
	if (copy == NULL) {
		rc = PARSE_NOMEM;
		goto cleanup;
	}
	secret_free(cfg->https_proxy);
	cfg->https_proxy = copy;
	rc = PARSE_OK;
cleanup:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(url);
	return rc;
}

static enum parse_result
parse_allowed_algs(const struct key_spec *key, struct pkce_config *cfg,
		   struct setting *s)
{
	const char *p = s->value, *tok;
	unsigned int algs = 0;
	size_t len;

	while ((tok = next_token(&p, &len)) != NULL) {
		char name[32], shown[LOG_ESCAPE_MAX];
		int alg = -1;

		show_span(tok, len, shown, sizeof(shown));
		if (len < sizeof(name)) {
			memcpy(name, tok, len);
			name[len] = '\0';
			alg = jws_alg_from_name(name);
		}
		if (alg < 0 && (span_equals(tok, len, "none") ||
				(len >= 2 && strncasecmp(tok, "HS", 2) == 0)))
			return reject(s, "algorithm \"%s\" can never be "
				      "enabled", shown);
		if (alg < 0 || alg >= JWS_ALG_COUNT)
			return reject(s, "unknown algorithm \"%s\" (known: "
				      "RS256 RS384 RS512 PS256 PS384 PS512 "
				      "ES256 ES384 ES512 EdDSA)", shown);
		algs |= 1u << alg;
	}
	if (algs == 0)
		return reject(s, "no algorithm given");
	cfg->allowed_algs = algs;
	return PARSE_OK;
}

/* P is at '['; returns the ']' that closes the bracket expression. */
static const char *
skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	/* A ']' first in the list is a member, not the end. */
	if (*p == ']')
		p++;
	while (*p != '\0' && *p != ']') {
		if (p[0] == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			const char *end = p + 2;

			while (*end != '\0' && !(end[0] == p[1] && end[1] == ']'))
				end++;
			if (*end == '\0')
				return end - 1;	/* unterminated: regcomp says so */
			p = end + 2;
			continue;
		}
		p++;
	}
	return *p == '\0' ? p - 1 : p;
}

/*
 * P is at '{'.  For a well-formed {M}, {M,}, {,N} or {M,N}, set *COPIES
 * to how many copies of the operand glibc makes and *OPTIONAL to whether
 * zero repetitions are allowed, and return the closing '}'; otherwise
 * return NULL and leave the brace to regcomp.
 */
static const char *
parse_interval(const char *p, unsigned long *copies, bool *optional)
{
	unsigned long m = 0, n = 0;
	bool has_m = false, has_n = false, comma = false;

	/* Saturate: anything past REGEX_NODES_MAX is refused anyway. */
	for (p++; is_digit_ascii(*p); p++, has_m = true)
		m = m > REGEX_NODES_MAX ? m : m * 10 + (unsigned long)(*p - '0');
	if (*p == ',') {
		comma = true;
		for (p++; is_digit_ascii(*p); p++, has_n = true)
			n = n > REGEX_NODES_MAX ? n
			    : n * 10 + (unsigned long)(*p - '0');
	}
	if (*p != '}' || (!has_m && !has_n))
		return NULL;
	/* x{M,} is M copies and a starred one. */
	*copies = has_n ? n : comma ? m + 1 : m;
	if (*copies == 0)
		*copies = 1;
	*optional = m == 0;
	return p;
}

/* One open group of a pattern, while regex_check() walks it. */
struct regex_level {
	unsigned long done;	/* nodes before the last atom */
	unsigned long last;	/* nodes of the last atom, repetition included */
	bool has_last;
	bool last_empty;	/* the last atom can match the empty string */
	bool branch_empty;	/* so can everything before it in the branch */
	bool alt_empty;		/* an earlier branch of the group can */
};

static void
level_add_atom(struct regex_level *l, unsigned long nodes, bool empty)
{
	l->done += l->last;
	l->branch_empty = l->branch_empty && (!l->has_last || l->last_empty);
	l->last = nodes;
	l->last_empty = empty;
	l->has_last = true;
}

/*
 * Repeat the last atom: COPIES copies, OPTIONAL if zero are allowed.
 * Returns false when that atom can match the empty string.
 */
static bool
level_repeat(struct regex_level *l, unsigned long copies, bool optional)
{
	/* A leading repetition is refused by regcomp itself. */
	if (!l->has_last)
		return true;
	if (l->last_empty)
		return false;
	l->last = l->last * copies + 1;
	l->last_empty = optional;
	return true;
}

static bool
level_can_be_empty(const struct regex_level *l)
{
	return l->alt_empty ||
	       (l->branch_empty && (!l->has_last || l->last_empty));
}

enum regex_verdict {
	REGEX_OK,
	REGEX_BACKREF,		/* \1 to \9 */
	REGEX_EMPTY_REPEAT,	/* a repetition of what can match "" */
	REGEX_TOO_BIG,		/* more than REGEX_NODES_MAX nodes */
};

/*
 * Whether glibc can compile and run the ERE RE in bounded time and
 * memory.  Its regcomp copies the operand of x+ (as x x*) and of x{M,N}
 * (N times), so nested or stacked repetitions grow exponentially; and
 * the closure of a repeated operand that can match the empty string
 * costs about the cube of its copies: "a" and a few dozen '+' exhaust
 * the memory of the process, "^(a?){1,300}$" takes seconds, and
 * "^(((((a*)+)+)+)+)+$" minutes.  So: at most REGEX_NODES_MAX nodes
 * with repetitions expanded, no repetition of an operand that can match
 * the empty string (always expressible without, as a{0,300} or a*), and
 * no back-reference (undefined in a POSIX ERE, exponential to match in
 * glibc).  Syntax errors are left to regcomp.
 */
static enum regex_verdict
regex_check(const char *re)
{
	struct regex_level level[REGEX_DEPTH_MAX + 1];
	const unsigned long cap = REGEX_NODES_MAX + 1;
	unsigned long total = 0;
	size_t depth = 0;

	memset(level, 0, sizeof(level));
	level[0].branch_empty = true;
	for (const char *p = re; *p != '\0'; p++) {
		struct regex_level *l = &level[depth];
		unsigned long copies = 0;
		bool optional = false;
		const char *end;

		switch (*p) {
		case '\\':
			if (p[1] >= '1' && p[1] <= '9')
				return REGEX_BACKREF;
			if (p[1] == '\0') {
				level_add_atom(l, 1, false);
				break;
			}
			p++;
			/* GNU word and buffer anchors match no character. */
			level_add_atom(l, 1, strchr("bB<>`'", *p) != NULL);
			break;
		case '[':
			p = skip_bracket(p);
			level_add_atom(l, 1, false);
			break;
		case '^':
		case '$':
			level_add_atom(l, 1, true);
			break;
		case '(':
			if (depth == REGEX_DEPTH_MAX)
				return REGEX_TOO_BIG;
			depth++;
			memset(&level[depth], 0, sizeof(level[depth]));
			level[depth].branch_empty = true;
			continue;
		case ')':
			/* An unmatched ')' is an ordinary character in an ERE. */
			if (depth == 0) {
				level_add_atom(l, 1, false);
				break;
			}
			depth--;
			level_add_atom(&level[depth], l->done + l->last + 1,
				       level_can_be_empty(l));
			break;
		case '|':
			l->alt_empty = level_can_be_empty(l);
			l->done += l->last + 1;
			l->last = 0;
			l->has_last = false;
			l->branch_empty = true;
			break;
		case '*':
		case '?':
		case '+':
			if (!level_repeat(l, *p == '+' ? 2 : 1, *p != '+'))
				return REGEX_EMPTY_REPEAT;
			break;
		case '{':
			end = parse_interval(p, &copies, &optional);
			if (end == NULL) {
				level_add_atom(l, 1, false);
				break;
			}
			p = end;
			if (!level_repeat(l, copies, optional))
				return REGEX_EMPTY_REPEAT;
			break;
		default:
			level_add_atom(l, 1, false);
			break;
		}
		/*
		 * Both stay below CAP between characters, so no sum or
		 * product above can come near overflow.
		 */
		l = &level[depth];
		if (l->done >= cap || l->last >= cap)
			return REGEX_TOO_BIG;
	}
	for (size_t i = 0; i <= depth; i++)
		total += level[i].done + level[i].last;
	return total > REGEX_NODES_MAX ? REGEX_TOO_BIG : REGEX_OK;
}

static enum parse_result
parse_regex(const struct key_spec *key, struct pkce_config *cfg,
	    struct setting *s)
{
	regex_t re;
	int rc;

	switch (regex_check(s->value)) {
	case REGEX_OK:
		break;
	case REGEX_BACKREF:
		return reject(s, "invalid regular expression %s: "
			      "back-references (\\1 to \\9) are not allowed",
			      s->shown);
	case REGEX_EMPTY_REPEAT:
		return reject(s, "regular expression %s too costly: it repeats "
			      "something that can match the empty string "
			      "(write a{0,9} or a*, not (a?){1,9} or (a*)+)",
			      s->shown);
	case REGEX_TOO_BIG:
		return reject(s, "regular expression %s too costly: its "
			      "repetitions expand to more than %d nodes",
			      s->shown, REGEX_NODES_MAX);
	}
	rc = regcomp(&re, s->value, REG_EXTENDED);
	if (rc != 0) {
		char err[128];

		regerror(rc, &re, err, sizeof(err));
		return reject(s, "invalid regular expression %s: %s",
			      s->shown, err);
	}
	regfree(&re);
	return replace_string(&cfg->username_regex, s->value);
}

static void
claim_rule_free(struct config_claim_rule *rule)
{
	for (size_t i = 0; i < rule->nvalues; i++)
		free(rule->values[i]);
	free(rule->values);
	free(rule->name);
	memset(rule, 0, sizeof(*rule));
}

/* Copy [P, P+LEN) without surrounding white space. */
static char *
dup_trimmed(const char *p, size_t len)
{
	while (len > 0 && is_space(*p)) {
		p++;
		len--;
	}
	while (len > 0 && is_space(p[len - 1]))
		len--;
	return strndup(p, len);
}

static enum parse_result
parse_require_claim(const struct key_spec *key, struct pkce_config *cfg,
		    struct setting *s)
{
	struct config_claim_rule rule = { 0 }, *grown;
	const char *eq = strchr(s->value, '='), *p;
	enum parse_result rc = PARSE_NOMEM;

	if (eq == NULL) {
		rc = reject(s, "invalid value %s: expected NAME=V1,V2,...",
			    s->shown);
		goto cleanup;
	}
	rule.name = dup_trimmed(s->value, (size_t)(eq - s->value));
	if (rule.name == NULL)
		goto cleanup;
	if (rule.name[0] == '\0') {
		rc = reject(s, "invalid value %s: empty claim name", s->shown);
		goto cleanup;
	}
	for (p = eq + 1;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char *value = dup_trimmed(p, len), **values;

		if (value == NULL)
			goto cleanup;
		if (value[0] == '\0') {
			free(value);
			rc = reject(s, "invalid value %s: empty claim value "
				    "in the list", s->shown);
			goto cleanup;
		}
		values = reallocarray(rule.values, rule.nvalues + 1,
				      sizeof(*values));
		if (values == NULL) {
			free(value);
			goto cleanup;
		}
		rule.values = values;
		rule.values[rule.nvalues++] = value;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	grown = reallocarray(cfg->require_claims, cfg->nrequire_claims + 1,
			     sizeof(*grown));
	if (grown == NULL)
		goto cleanup;
	cfg->require_claims = grown;
	cfg->require_claims[cfg->nrequire_claims++] = rule;
	return PARSE_OK;
cleanup:
	claim_rule_free(&rule);
	return rc;
}

/*
 * A claim name for export_env: any visible ASCII character but '=', which
 * would end the variable's name inside "NAME=VALUE" (pam_putenv).
 */
static bool
is_env_claim_char(char c)
{
	return c > ' ' && c < 0x7f && c != '=';
}

static void
string_list_free(char **list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(list[i]);
	free(list);
}

#define ENV_PREFIX "OIDC_"

/* OIDC_<CLAIM>: upper case, anything outside A-Z0-9 becomes '_'. */
static char *
env_var_name(const char *claim, size_t len)
{
	const size_t plen = sizeof(ENV_PREFIX) - 1;
	char *var = malloc(plen + len + 1);

	if (var == NULL)
		return NULL;
	memcpy(var, ENV_PREFIX, plen);
	for (size_t i = 0; i < len; i++) {
		char c = claim[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!is_alnum_ascii(c))
			c = '_';
		var[plen + i] = c;
	}
	var[plen + len] = '\0';
	return var;
}

static enum parse_result
parse_export_env(const struct key_spec *key, struct pkce_config *cfg,
		 struct setting *s)
{
	const char *p = s->value, *tok;
	char **names = NULL, **vars = NULL;
	size_t count = 0, len;
	enum parse_result rc = PARSE_NOMEM;

	while ((tok = next_token(&p, &len)) != NULL) {
		char **grown;

		for (size_t i = 0; i < len; i++) {
			if (!is_env_claim_char(tok[i])) {
				rc = reject(s, "invalid value %s: claim names "
					    "are visible ASCII characters but =, "
					    "separated by spaces", s->shown);
				goto cleanup;
			}
		}
		grown = reallocarray(names, count + 1, sizeof(*grown));
		if (grown == NULL)
			goto cleanup;
		names = grown;
		grown = reallocarray(vars, count + 1, sizeof(*grown));
		if (grown == NULL)
			goto cleanup;
		vars = grown;
		names[count] = strndup(tok, len);
		vars[count] = env_var_name(tok, len);
		if (names[count] == NULL || vars[count] == NULL) {
			count++;
			goto cleanup;
		}
		count++;
		/* Two claims in one variable: one would silently hide the other. */
		for (size_t i = 0; i + 1 < count; i++) {
			if (strcmp(vars[i], vars[count - 1]) == 0) {
				rc = reject(s, "invalid value %s: claims %s and %s "
					    "would both be exported as %s",
					    s->shown, names[i], names[count - 1],
					    vars[i]);
				goto cleanup;
			}
		}
	}
	if (count == 0) {
		rc = reject(s, "no claim name given");
		goto cleanup;
	}
	string_list_free(cfg->export_env, cfg->nexport_env);
	string_list_free(cfg->export_env_var, cfg->nexport_env);
	cfg->export_env = names;
	cfg->export_env_var = vars;
	cfg->nexport_env = count;
	return PARSE_OK;
cleanup:
	string_list_free(names, count);
	string_list_free(vars, count);
	return rc;
}

static enum parse_result
parse_cache_dir(const struct key_spec *key, struct pkce_config *cfg,
		struct setting *s)
{
	if (strcmp(s->value, "none") == 0) {
		free(cfg->cache_dir);
		cfg->cache_dir = NULL;
		return PARSE_OK;
	}
	if (s->value[0] != '/')
		return reject(s, "invalid value %s: expected an absolute path "
			      "or none", s->shown);
	return replace_string(&cfg->cache_dir, s->value);
}

/* Every key of the contract: a name not listed is a configuration error. */
#define FIELD(f) offsetof(struct pkce_config, f)

static const struct key_spec keys[] = {
	{ "issuer", parse_url, FIELD(issuer), 0, 0, false },
	{ "discovery", parse_bool, FIELD(discovery), 0, 0, false },
	{ "authorization_endpoint", parse_url, FIELD(authorization_endpoint),
	  0, 0, false },
	{ "token_endpoint", parse_url, FIELD(token_endpoint), 0, 0, false },
	{ "jwks_uri", parse_url, FIELD(jwks_uri), 0, 0, false },
	{ "userinfo_endpoint", parse_url, FIELD(userinfo_endpoint), 0, 0,
	  false },
	{ "client_id", parse_text, FIELD(client_id), 0, 0, false },
	{ "client_secret", parse_secret, FIELD(client_secret), 0, 0, true },
	{ "token_endpoint_auth", parse_auth_method, 0, 0, 0, false },
	{ "scope", parse_scope, 0, 0, 0, false },
	{ "audience", parse_text, FIELD(audience), 0, 0, false },
	{ "authorize_params", parse_authorize_params, 0, 0, 0, false },
	{ "login_hint", parse_bool, FIELD(login_hint), 0, 0, false },
	{ "max_age", parse_seconds, FIELD(max_age), 0, MAX_AGE_MAX, false },
	{ "redirect_host", parse_redirect_host, 0, 0, 0, false },
	{ "redirect_port", parse_port_range, 0, 0, 0, false },
	{ "redirect_path", parse_redirect_path, 0, 0, 0, false },
	{ "prompt", parse_prompt, 0, 0, 0, false },
	{ "paste", parse_bool, FIELD(paste), 0, 0, false },
	{ "qr", parse_bool, FIELD(qr), 0, 0, false },
	{ "qr_style", parse_qr_style, 0, 0, 0, false },
	{ "timeout", parse_seconds, FIELD(timeout), 1, 86400, false },
	{ "http_timeout", parse_seconds, FIELD(http_timeout), 1, 300, false },
	{ "ca_file", parse_abs_path, FIELD(ca_file), 0, 0, false },
	{ "ca_path", parse_abs_path, FIELD(ca_path), 0, 0, false },
	/* A proxy URL may carry user:password. */
	{ "https_proxy", parse_proxy, 0, 0, 0, true },
	{ "allowed_algs", parse_allowed_algs, 0, 0, 0, false },
	{ "clock_skew", parse_seconds, FIELD(clock_skew), 0, 3600, false },
	{ "userinfo", parse_bool, FIELD(userinfo), 0, 0, false },
	{ "username_claim", parse_text, FIELD(username_claim), 0, 0, false },
	{ "username_regex", parse_regex, 0, 0, 0, false },
	{ "username_lowercase", parse_bool, FIELD(username_lowercase), 0, 0,
	  false },
	{ "user_map", parse_abs_path, FIELD(user_map), 0, 0, false },
	{ "require_claim", parse_require_claim, 0, 0, 0, false },
	{ "export_env", parse_export_env, 0, 0, 0, false },
	{ "cache_dir", parse_cache_dir, 0, 0, 0, false },
	{ "cache_ttl", parse_seconds, FIELD(cache_ttl), 0, 604800, false },
	{ "debug", parse_bool, FIELD(debug), 0, 0, false },
};

#define KEY_COUNT ARRAY_SIZE(keys)

struct load_ctx {
	pam_handle_t *pamh;
	struct pkce_config *cfg;
	char path_shown[LOG_ESCAPE_MAX];
	mode_t mode;
	struct origin origins[KEY_COUNT];
};

static const struct key_spec *
find_key(const char *name)
{
	for (size_t i = 0; i < KEY_COUNT; i++) {
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	}
	return NULL;
}

static const struct origin *
origin_of(const struct load_ctx *ctx, const char *name)
{
	return &ctx->origins[find_key(name) - keys];
}

static void log_at(const struct load_ctx *ctx, const struct origin *at,
		   const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * One line per configuration error: "PATH:LINE: KEY: PROBLEM", or
 * "module argument KEY: PROBLEM", or "PATH: KEY: PROBLEM" for a key that
 * was never set.
 */
static void
log_at(const struct load_ctx *ctx, const struct origin *at, const char *key,
       const char *fmt, ...)
{
	char problem[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	if (at == NULL || !at->set)
		log_msg(ctx->pamh, LOG_ERR, "%s: %s: %s", ctx->path_shown, key,
			problem);
	else if (at->from_arg)
		log_msg(ctx->pamh, LOG_ERR, "module argument %s: %s", key,
			problem);
	else
		log_msg(ctx->pamh, LOG_ERR, "%s:%u: %s: %s", ctx->path_shown,
			at->line, key, problem);
}

static int
apply_setting(struct load_ctx *ctx, const char *name, const char *value,
	      const struct origin *at)
{
	const struct key_spec *key = find_key(name);
	enum parse_result rc;
	struct setting s;

	if (key == NULL) {
		char shown[LOG_ESCAPE_MAX];

		log_at(ctx, at, log_escape(name, shown, sizeof(shown)),
		       "unknown key");
		return PAM_SERVICE_ERR;
	}
	if (value[0] == '\0') {
		log_at(ctx, at, key->name, "empty value");
		return PAM_SERVICE_ERR;
	}
	if (has_control_char(value)) {
		log_at(ctx, at, key->name, "value contains a control character");
		return PAM_SERVICE_ERR;
	}
	memset(&s, 0, sizeof(s));
	s.value = value;
	if (key->secret) {
		snprintf(s.shown, sizeof(s.shown), "(not shown)");
	} else {
		s.shown[0] = '"';
		log_escape(value, s.shown + 1, sizeof(s.shown) - 2);
		strcat(s.shown, "\"");
	}
	rc = key->parse(key, ctx->cfg, &s);
	if (rc == PARSE_NOMEM) {
		log_msg(ctx->pamh, LOG_CRIT, "out of memory reading the "
			"configuration");
		return PAM_BUF_ERR;
	}
	if (rc != PARSE_OK) {
		log_at(ctx, at, key->name, "%s", s.why);
		return PAM_SERVICE_ERR;
	}
	ctx->origins[key - keys] = *at;
	return PAM_SUCCESS;
}

static int
parse_line(struct load_ctx *ctx, char *line, unsigned int lineno)
{
	struct origin at = { .set = true, .from_arg = false, .line = lineno };
	char *eq, *key, *value;

	line = trim(line);
	if (line[0] == '\0' || line[0] == '#')
		return PAM_SUCCESS;
	eq = strchr(line, '=');
	if (eq == NULL) {
		size_t len = strcspn(line, " \t\v\f\r");

		/*
		 * Name the key only when it is one: the line might be a
		 * wrapped secret, which must not be copied to the log.
		 */
		line[len] = '\0';
		if (find_key(line) != NULL)
			log_at(ctx, &at, line, "missing '=' (expected "
			       "KEY = VALUE)");
		else
			log_msg(ctx->pamh, LOG_ERR, "%s:%u: missing '=' "
				"(expected KEY = VALUE)", ctx->path_shown,
				lineno);
		return PAM_SERVICE_ERR;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (key[0] == '\0') {
		log_msg(ctx->pamh, LOG_ERR, "%s:%u: missing key before '='",
			ctx->path_shown, lineno);
		return PAM_SERVICE_ERR;
	}
	return apply_setting(ctx, key, value, &at);
}

static int
parse_file(struct load_ctx *ctx, char *buf, size_t len)
{
	char *line = buf, *end = buf + len;
	unsigned int lineno = 0;

	/* BUF has room for a terminator at BUF[LEN]. */
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t linelen = nl != NULL ? (size_t)(nl - line)
					    : (size_t)(end - line);
		int rc;

		lineno++;
		if (linelen > CONFIG_LINE_MAX) {
			log_msg(ctx->pamh, LOG_ERR, "%s:%u: line longer than "
				"%d bytes", ctx->path_shown, lineno,
				CONFIG_LINE_MAX);
			return PAM_SERVICE_ERR;
		}
		if (memchr(line, '\0', linelen) != NULL) {
			log_msg(ctx->pamh, LOG_ERR, "%s:%u: line contains a "
				"NUL byte", ctx->path_shown, lineno);
			return PAM_SERVICE_ERR;
		}
		line[linelen] = '\0';
		rc = parse_line(ctx, line, lineno);
		if (rc != PAM_SUCCESS)
			return rc;
		line += linelen + 1;
	}
	return PAM_SUCCESS;
}

static int
parse_args(struct load_ctx *ctx, int argc, const char **argv)
{
	struct origin at = { .set = true, .from_arg = true, .line = 0 };

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq;
		char *key;
		int rc;

		if (arg == NULL || strncmp(arg, "config=", 7) == 0)
			continue;
		if (strcmp(arg, "debug") == 0) {
			ctx->cfg->debug = true;
			ctx->origins[find_key("debug") - keys] = at;
			continue;
		}
		eq = strchr(arg, '=');
		if (eq == NULL) {
			char shown[LOG_ESCAPE_MAX];

			log_at(ctx, &at, log_escape(arg, shown, sizeof(shown)),
			       "missing '=' (expected KEY=VALUE or debug)");
			return PAM_SERVICE_ERR;
		}
		if (eq == arg) {
			log_msg(ctx->pamh, LOG_ERR, "module argument: missing "
				"key before '='");
			return PAM_SERVICE_ERR;
		}
		key = strndup(arg, (size_t)(eq - arg));
		if (key == NULL) {
			log_msg(ctx->pamh, LOG_CRIT, "out of memory reading "
				"the configuration");
			return PAM_BUF_ERR;
		}
		rc = apply_setting(ctx, key, eq + 1, &at);
		free(key);
		if (rc != PAM_SUCCESS)
			return rc;
	}
	return PAM_SUCCESS;
}

/* The last config=PATH argument wins, like any other key. */
static int
find_config_path(pam_handle_t *pamh, int argc, const char **argv,
		 const char **path)
{
	for (int i = 0; i < argc; i++) {
		if (argv[i] == NULL || strncmp(argv[i], "config=", 7) != 0)
			continue;
		/* A relative path would depend on the application's cwd. */
		if (argv[i][7] != '/') {
			char shown[LOG_ESCAPE_MAX];

			log_msg(pamh, LOG_ERR, "module argument config: "
				"invalid value \"%s\": must be an absolute "
				"path", log_escape(argv[i] + 7, shown,
						   sizeof(shown)));
			return PAM_SERVICE_ERR;
		}
		*path = argv[i] + 7;
	}
	return PAM_SUCCESS;
}

static int
set_defaults(struct pkce_config *cfg, const char *path)
{
	cfg->discovery = true;
	cfg->token_endpoint_auth = CONFIG_AUTH_NONE;
	cfg->login_hint = true;
	cfg->max_age = -1;
	cfg->redirect_host = CONFIG_HOST_IPV4;
	cfg->redirect_port_min = 0;
	cfg->redirect_port_max = 0;
	cfg->prompt = CONFIG_PROMPT_AUTO;
	cfg->paste = true;
	cfg->qr = false;
	cfg->qr_style = CONFIG_QR_UTF8;
	cfg->timeout = 300;
	cfg->http_timeout = 10;
	cfg->allowed_algs = JWS_ALGS_ALL;
	cfg->clock_skew = 60;
	cfg->userinfo = false;
	cfg->username_lowercase = false;
	cfg->cache_ttl = 3600;
	cfg->debug = false;
	cfg->config_path = strdup(path);
	cfg->scope = strdup("openid profile email");
	cfg->redirect_path = strdup("/callback");
	cfg->username_claim = strdup("preferred_username");
	cfg->cache_dir = strdup(PAM_PKCE_DEFAULT_CACHE_DIR);
	if (cfg->config_path == NULL || cfg->scope == NULL ||
	    cfg->redirect_path == NULL || cfg->username_claim == NULL ||
	    cfg->cache_dir == NULL)
		return PAM_BUF_ERR;
	return PAM_SUCCESS;
}

/* Read the whole file into a terminated buffer, bounded in size. */
static int
read_file(pam_handle_t *pamh, const char *shown, int fd, char **out,
	  size_t *outlen, size_t *outcap)
{
	size_t cap = CONFIG_FILE_MAX + 1, len = 0;
	char *buf = malloc(cap + 1);

	*out = buf;
	*outcap = cap + 1;
	if (buf == NULL) {
		*outcap = 0;
		log_msg(pamh, LOG_CRIT, "out of memory reading the "
			"configuration");
		return PAM_BUF_ERR;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			char err[128];

			log_msg(pamh, LOG_ERR, "%s: cannot read: %s",
				shown,
				strerror_r(errno, err, sizeof(err)));
			return PAM_SERVICE_ERR;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX) {
			log_msg(pamh, LOG_ERR, "%s: larger than %d bytes",
				shown, CONFIG_FILE_MAX);
			return PAM_SERVICE_ERR;
		}
	}
	buf[len] = '\0';
	*outlen = len;
	return PAM_SUCCESS;
}

/* Checks that need every key: required keys and combinations. */
static int
check_complete(struct load_ctx *ctx)
{
	struct pkce_config *cfg = ctx->cfg;
	const struct origin *auth = origin_of(ctx, "token_endpoint_auth");

	if (cfg->issuer == NULL) {
		log_at(ctx, NULL, "issuer", "required key not set");
		return PAM_SERVICE_ERR;
	}
	if (cfg->client_id == NULL) {
		log_at(ctx, NULL, "client_id", "required key not set");
		return PAM_SERVICE_ERR;
	}
	if (!cfg->discovery) {
		const char *missing = NULL;

		if (cfg->authorization_endpoint == NULL)
			missing = "authorization_endpoint";
		else if (cfg->token_endpoint == NULL)
			missing = "token_endpoint";
		else if (cfg->jwks_uri == NULL)
			missing = "jwks_uri";
		else if (cfg->userinfo && cfg->userinfo_endpoint == NULL)
			missing = "userinfo_endpoint";
		if (missing != NULL) {
			log_at(ctx, NULL, missing, "required when discovery = "
			       "no%s", cfg->userinfo ? " (and userinfo = yes)"
						     : "");
			return PAM_SERVICE_ERR;
		}
	}
	if (!auth->set) {
		cfg->token_endpoint_auth = cfg->client_secret != NULL
			? CONFIG_AUTH_CLIENT_SECRET_BASIC : CONFIG_AUTH_NONE;
	} else if (cfg->token_endpoint_auth == CONFIG_AUTH_NONE &&
		   cfg->client_secret != NULL) {
		log_at(ctx, auth, "token_endpoint_auth", "none, but "
		       "client_secret is set: use client_secret_basic or "
		       "client_secret_post, or remove client_secret");
		return PAM_SERVICE_ERR;
	} else if (cfg->token_endpoint_auth != CONFIG_AUTH_NONE &&
		   cfg->client_secret == NULL) {
		log_at(ctx, auth, "token_endpoint_auth", "%s needs "
		       "client_secret",
		       cfg->token_endpoint_auth == CONFIG_AUTH_CLIENT_SECRET_POST
		       ? "client_secret_post" : "client_secret_basic");
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

static void
warn_exposed_secret(const struct load_ctx *ctx)
{
	const struct origin *at = origin_of(ctx, "client_secret");

	if (ctx->cfg->client_secret == NULL)
		return;
	if (at->from_arg)
		log_msg(ctx->pamh, LOG_WARNING, "module argument "
			"client_secret: PAM service files are usually "
			"world-readable; put client_secret in %s (mode 0600) "
			"instead", ctx->path_shown);
	else if ((ctx->mode & 077) != 0)
		log_msg(ctx->pamh, LOG_WARNING, "%s: holds client_secret but "
			"has mode %04o; it should be 0600", ctx->path_shown,
			(unsigned int)(ctx->mode & 07777));
}

int
config_file_check_safe(pam_handle_t *pamh, int fd, const char *path)
{
	char shown[LOG_ESCAPE_MAX];
	struct stat st;
	uid_t euid = geteuid();

	log_escape(path, shown, sizeof(shown));
	if (fstat(fd, &st) != 0) {
		char err[128];

		log_msg(pamh, LOG_ERR, "%s: cannot stat: %s", shown,
			strerror_r(errno, err, sizeof(err)));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		log_msg(pamh, LOG_ERR, "%s: not a regular file; refusing to "
			"use it", shown);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != euid) {
		log_msg(pamh, LOG_ERR, "%s: owned by uid %lu, must be owned "
			"by root; refusing to use it", shown,
			(unsigned long)st.st_uid);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		log_msg(pamh, LOG_ERR, "%s: writable by group or others "
			"(mode %04o); refusing to use it", shown,
			(unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int
config_parse(pam_handle_t *pamh, const char *path, mode_t mode, char *text,
	     size_t len, int argc, const char **argv, struct pkce_config *cfg)
{
	struct load_ctx ctx;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(&ctx, 0, sizeof(ctx));
	ctx.pamh = pamh;
	ctx.cfg = cfg;
	ctx.mode = mode;
	log_escape(path, ctx.path_shown, sizeof(ctx.path_shown));

	rc = set_defaults(cfg, path);
	if (rc != PAM_SUCCESS) {
		log_msg(pamh, LOG_CRIT, "out of memory reading the "
			"configuration");
		goto cleanup;
	}
	rc = parse_file(&ctx, text, len);
	if (rc != PAM_SUCCESS)
		goto cleanup;
	rc = parse_args(&ctx, argc, argv);
	if (rc != PAM_SUCCESS)
		goto cleanup;
	rc = check_complete(&ctx);
	if (rc != PAM_SUCCESS)
		goto cleanup;
	warn_exposed_secret(&ctx);
	if (cfg->debug)
		log_msg(pamh, LOG_DEBUG, "configuration read from %s",
			ctx.path_shown);
cleanup:
	if (rc != PAM_SUCCESS)
		config_free(cfg);
	return rc;
}

int
config_load(pam_handle_t *pamh, int argc, const char **argv,
	    struct pkce_config *cfg)
{
	char path_shown[LOG_ESCAPE_MAX];
	const char *path = PAM_PKCE_DEFAULT_CONFIG;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	int fd = -1, rc;

	memset(cfg, 0, sizeof(*cfg));
	rc = find_config_path(pamh, argc, argv, &path);
	if (rc != PAM_SUCCESS)
		goto cleanup;
	log_escape(path, path_shown, sizeof(path_shown));

	/* NONBLOCK: a FIFO planted at PATH must not hang the login. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
		  O_NONBLOCK);
	if (fd < 0) {
		char err[128];

		if (errno == ELOOP)
			log_msg(pamh, LOG_ERR, "%s: is a symbolic link; "
				"refusing to use it", path_shown);
		else
			log_msg(pamh, LOG_ERR, "%s: cannot open: %s",
				path_shown,
				strerror_r(errno, err, sizeof(err)));
		rc = PAM_SERVICE_ERR;
		goto cleanup;
	}
	if (config_file_check_safe(pamh, fd, path) != 0 ||
	    fstat(fd, &st) != 0) {
		rc = PAM_SERVICE_ERR;
		goto cleanup;
	}
	rc = read_file(pamh, path_shown, fd, &buf, &len, &cap);
	if (rc != PAM_SUCCESS)
		goto cleanup;
	rc = config_parse(pamh, path, st.st_mode, buf, len, argc, argv, cfg);
cleanup:
	if (buf != NULL) {
		/* The file may hold client_secret. */
		OPENSSL_cleanse(buf, cap);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

void
config_free(struct pkce_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->config_path);
	free(cfg->issuer);
	free(cfg->authorization_endpoint);
	free(cfg->token_endpoint);
	free(cfg->jwks_uri);
	free(cfg->userinfo_endpoint);
	free(cfg->client_id);
	secret_free(cfg->client_secret);
	free(cfg->scope);
	free(cfg->audience);
	free(cfg->authorize_params);
	free(cfg->redirect_path);
	free(cfg->ca_file);
	free(cfg->ca_path);
	secret_free(cfg->https_proxy);
	free(cfg->username_claim);
	free(cfg->username_regex);
	free(cfg->user_map);
	for (size_t i = 0; i < cfg->nrequire_claims; i++)
		claim_rule_free(&cfg->require_claims[i]);
	free(cfg->require_claims);
	string_list_free(cfg->export_env, cfg->nexport_env);
	string_list_free(cfg->export_env_var, cfg->nexport_env);
	free(cfg->cache_dir);
	memset(cfg, 0, sizeof(*cfg));
}
