/* searcher_pool: searchers for concurrent requests. A searcher (search/searcher.h) holds
 * per-query buffers and a provider, so one thread uses it at a time; the pool lends each
 * request its own and makes extra requests wait for one to come back. Its size bounds the
 * searches in progress at once. Every searcher maps the same vector cache file, so the
 * vectors are in memory once, and their vector scans go through cfg->scanner (serve's
 * scan_batch), which joins the scans of the requests in progress into one pass: so the pool
 * is larger than the cores (more searches in progress = more scans shared).
 */
#ifndef SAMPLEVEC_SEARCHER_POOL_H
#define SAMPLEVEC_SEARCHER_POOL_H

#include <stddef.h>

#include "msg.h"
#include "searcher.h"

typedef struct searcher_pool searcher_pool;

typedef struct searcher_pool_config {
    const char *store;      /* location; borrowed for the pool's lifetime */
    int use_cache;          /* searcher_open's use_cache */
    const char *model, *base_url; /* searcher_set_provider's; borrowed, may be NULL */
    size_t size;            /* searchers (>= 1) */
    const char *library;    /* searcher_set_library's; borrowed, may be NULL */
    const char *embed_hint; /* searcher_open_hinted's; borrowed, may be NULL */
    const search_scanner *scanner; /* searcher_set_scanner's; borrowed, NULL = search_top_k */
    const searcher_gate *gate;     /* searcher_set_gate's; borrowed, NULL = none */
} searcher_pool_config;

/* Opens cfg->size searchers on the store. NULL with *exit_code and err when the first cannot be
 * opened (store missing, empty, unreachable). */
searcher_pool *searcher_pool_new(const searcher_pool_config *cfg, int *exit_code, char err[SV_ERR_LEN]);
void searcher_pool_free(searcher_pool *p); /* NULL is a no-op; every searcher must be back */

/* A searcher for this thread alone, waiting until one is free. Give it back with
 * searcher_pool_give. */
searcher *searcher_pool_take(searcher_pool *p);
void searcher_pool_give(searcher_pool *p, searcher *s);

#endif
