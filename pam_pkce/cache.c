#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/sha.h>

#include "cache.h"
#include "http.h"
#include "log.h"

/* Name the file after the URL's SHA-256: no path characters from outside. */
static int
cache_path(const struct pkce_config *cfg, const char *url, char *out,
	   size_t len)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	int n;

	SHA256((const unsigned char *)url, strlen(url), md);
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	n = snprintf(out, len, "%s/%s.json", cfg->cache_dir, hex);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/*
 * The directory must be ours and private (else another user could swap
 * our files around); with CREATE, make it if missing.
 */
static int
cache_dir_ready(pam_handle_t *pamh, const struct pkce_config *cfg, bool create)
{
	struct stat st;

	if (create && mkdir(cfg->cache_dir, 0700) < 0 && errno != EEXIST) {
		log_debug(pamh, cfg, "cache_dir %s: %s", cfg->cache_dir,
			  strerror(errno));
		return -1;
	}
	if (lstat(cfg->cache_dir, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		/* Said when storing only: once per document, not twice. */
		if (create)
			log_msg(pamh, LOG_WARNING,
				"cache_dir %s is not a directory private to uid %lu; "
				"not caching", cfg->cache_dir,
				(unsigned long)geteuid());
		return -1;
	}
	return 0;
}

json_t *
cache_load(pam_handle_t *pamh, const struct pkce_config *cfg, const char *url)
{
	char path[4096];
	struct stat st;
	json_t *doc = NULL;
	json_error_t jerr;
	FILE *fp = NULL;
	int fd;

	if (cfg->cache_dir == NULL || cfg->cache_ttl <= 0 ||
	    cache_path(cfg, url, path, sizeof(path)) < 0 ||
	    cache_dir_ready(pamh, cfg, false) < 0)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	/*
	 * Only a file we wrote ourselves: ours, private, regular, not too
	 * big and fresh.  Anything else is replaced by the next store.
	 */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0 ||
	    st.st_size > HTTP_BODY_MAX ||
	    st.st_mtime + cfg->cache_ttl <= time(NULL) ||
	    st.st_mtime > time(NULL) + cfg->clock_skew) {
		close(fd);
		return NULL;
	}
	fp = fdopen(fd, "r");
	if (fp == NULL) {
		close(fd);
		return NULL;
	}
	doc = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
	fclose(fp);
	if (doc != NULL && !json_is_object(doc)) {
		json_decref(doc);
		doc = NULL;
	}
	if (doc == NULL)
		log_debug(pamh, cfg, "cache file %s unreadable; fetching again",
			  path);
	return doc;
}

void
cache_store(pam_handle_t *pamh, const struct pkce_config *cfg, const char *url,
	    json_t *doc)
{
	char path[4096], tmp[4096 + 16];
	int fd = -1;

	if (cfg->cache_dir == NULL || cfg->cache_ttl <= 0 ||
	    cache_path(cfg, url, path, sizeof(path)) < 0 ||
	    cache_dir_ready(pamh, cfg, true) < 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	/* mkstemp: 0600, unique, so concurrent logins never share a file. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		log_debug(pamh, cfg, "cache: %s: %s", tmp, strerror(errno));
		return;
	}
	if (json_dumpfd(doc, fd, JSON_COMPACT) < 0 || fsync(fd) < 0) {
		close(fd);
		unlink(tmp);
		return;
	}
	close(fd);
	/* rename(2) replaces atomically: readers see the old or the new file. */
	if (rename(tmp, path) < 0) {
		log_debug(pamh, cfg, "cache: %s: %s", path, strerror(errno));
		unlink(tmp);
	}
}
