/* kwcache: search's own copy of the keyword index, as posting lists scored in C. The store's
 * FTS5 index (kwindex.h) answers a query through FTS5's per-row API, about half a microsecond
 * for every matching row, and the common words of a producer's query match most of a library:
 * 65 ms at 100,000 samples, more than the vector scan. This cache holds, for every token, the
 * rows that contain it with their per-column frequencies, and each row's column-length norms,
 * so a query is one pass over the posting lists of its tokens. Its scores are kwindex_query's,
 * bit for bit, in the same order (BM25F over the same tokens, columns and lengths: the entries
 * are made by kwindex_entry_tokens; tests/unit/search/test_kwcache.c compares the two).
 *
 * It is derived from the store's source texts (store_scan) and kept as "<store>.kwcache"
 * beside the store, like the vector cache, rebuilt when the store's fingerprint moves or the
 * index format (KWINDEX_FORMAT) or this file's version changes. Deleting it is always safe.
 * Where the store's directory cannot be written (or with --no-cache) the same cache is built
 * in memory for the life of the searcher: a read-only command never writes beside a store.
 *
 * File layout (native little-endian, x86-64; offsets from the file start, each 8-aligned):
 *   header      kwcache_header (kwcache.c): magic "SVKWPOST", version, stamp ("<fingerprint>
 *               format <KWINDEX_FORMAT>"), counts, the offsets below, file length, and an
 *               XXH3-64 checksum of every byte after the header, checked on each open
 *   ids         n_rows × int64 sample_id, ascending (the rows with a source text)
 *   norms       n_rows × 6 double: 1 - b + b · len_c / avglen_c per column (BM25F)
 *   term_off    (n_terms + 1) × uint64 into the pool: term i is pool[term_off[i], term_off[i+1])
 *   post_off    (n_terms + 1) × uint64 into the postings: term i's are [post_off[i], post_off[i+1])
 *   pool        the terms' bytes, sorted (memcmp order, shorter first on a tie)
 *   post_row    n_postings × uint32 row index (into ids), ascending within a term
 *   post_tf     n_postings × uint32 the frequency in each column: 5 bits per column (column c
 *               at bits 5c..5c+4) when every one is below 32, else bit 31 set and the low bits
 *               index the overflow
 *   overflow    n_overflow × 6 uint32 column frequencies
 * A file that fails any bounds check or the checksum is stale: rebuilt, never trusted.
 */
#ifndef SAMPLEVEC_KWCACHE_H
#define SAMPLEVEC_KWCACHE_H

#include <stddef.h>

#include "msg.h"
#include "query.h"
#include "store.h"

typedef struct kwcache kwcache;

/* The keyword cache for s at fingerprint fp (non-empty): the cache file when it is current,
 * else rebuilt (to the file when use_file and the directory is writable, else in memory).
 * With in_memory_ok = 0, a cache that could only live in memory is not built: NULL with
 * *exit_code 0 (the caller has the store's own index to ask instead). NULL on failure with
 * *exit_code and err. */
kwcache *kwcache_for_store(store *s, const char *fp, int use_file, int in_memory_ok, int *exit_code,
                           char err[SV_ERR_LEN]);

/* 1 if c was built at fingerprint fp. */
int kwcache_fingerprint_is(const kwcache *c, const char *fp);

/* kwindex_query's answer from the cache: the rows matching any token of text (keyword.h,
 * query mode), best first, at most limit (0 = every match), appended to out; *n_tokens (may be
 * NULL) gets the number of query tokens. 0 or SV_EXIT_DATA. */
int kwcache_query(const kwcache *c, const char *text, size_t limit, query_keyword_hits *out, size_t *n_tokens,
                  char err[SV_ERR_LEN]);

void kwcache_free(kwcache *c); /* NULL is a no-op */

#endif
