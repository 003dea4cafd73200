/* kwcache: a derived keyword index for a store that has no current one of its own (a store
 * made before the keyword index, one written since by a program that does not keep it, or a
 * store whose vtable has no keyword op but a fingerprint). It is kwindex.h's FTS5 table in a
 * SQLite file of its own, "<store>.kwcache" beside the store, with one more table:
 *   kwcache_meta(key TEXT PRIMARY KEY, value TEXT)
 *     -- 'fingerprint': "<the store's fingerprint when built> format <KWINDEX_FORMAT>"
 * built from store_scan's source texts into "<path>.tmp.<pid>" and renamed into place, and
 * rebuilt when the store's fingerprint moves. Deleting it is always safe. Where the store's
 * directory cannot be written (or with --no-cache) the same index is built in memory for the
 * life of the searcher: a read-only command never writes beside a store it cannot write to.
 */
#ifndef SAMPLEVEC_KWCACHE_H
#define SAMPLEVEC_KWCACHE_H

#include <stddef.h>

#include "msg.h"
#include "query.h"
#include "store.h"

typedef struct kwcache kwcache;

/* The keyword index for s at fingerprint fp (non-empty): the cache file when it is current,
 * else rebuilt (to the file when use_file and the directory is writable, else in memory).
 * NULL on failure with *exit_code and err. */
kwcache *kwcache_for_store(store *s, const char *fp, int use_file, int *exit_code, char err[SV_ERR_LEN]);

/* 1 if c was built at fingerprint fp. */
int kwcache_fingerprint_is(const kwcache *c, const char *fp);

/* kwindex_query on the cache. */
int kwcache_query(kwcache *c, const char *text, size_t limit, query_keyword_hits *out, size_t *n_tokens,
                  char err[SV_ERR_LEN]);

void kwcache_free(kwcache *c); /* NULL is a no-op */

#endif
