/*
 * The document cache: discovery and JWKS documents kept in cache_dir
 * (mode 0700, files 0600, replaced atomically), fresh for cache_ttl
 * seconds.  Anything odd about a cached file (owner, mode, type, JSON)
 * makes it a miss, never an error: the network copy replaces it.
 */
#ifndef PAM_PKCE_CACHE_H
#define PAM_PKCE_CACHE_H

#include <jansson.h>
#include <security/pam_modules.h>

#include "config.h"

/* The cached document for URL if present and fresh, else NULL. */
json_t *cache_load(pam_handle_t *pamh, const struct pkce_config *cfg,
		   const char *url);

/* Keep DOC for URL.  Failures are logged at debug level and ignored. */
void cache_store(pam_handle_t *pamh, const struct pkce_config *cfg,
		 const char *url, json_t *doc);

#endif
