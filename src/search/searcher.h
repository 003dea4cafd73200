/* Layer search/ (docs/architecture.md): queries over a store; builds on store/ and beneath.
 *
 * searcher: one open store ready to answer `search` and `similar` (the CLI opens one per
 * run; `serve` keeps one for its lifetime). It holds the store, the store's own provider (the
 * query is embedded with the model the vectors were made with) and, for stores without a knn
 * op, the vector cache, re-checked against the store's fingerprint before every query.
 *
 * Query parameters have one parser for the CLI's options and the HTTP query string alike:
 *   k               1..SEARCHER_MAX_K results (default 10)
 *   bpm             MIN-MAX, MIN-, -MAX or an exact BPM
 *   key             a key in any spelling musical_key.h reads
 *   genre, mood     case-insensitive values (mood: primary or secondary)
 *   min_similarity  -1..1
 */
#ifndef SAMPLEVEC_SEARCHER_H
#define SAMPLEVEC_SEARCHER_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "search.h"
#include "store.h"
#include "veccache.h"

#define SEARCHER_MAX_K 100000

typedef struct searcher searcher;

typedef struct searcher_query {
    query_filter filter; /* strings borrowed from the caller */
    size_t k;
} searcher_query;

/* A query with no conditions and k = SEARCH_DEFAULT_K. */
void searcher_query_init(searcher_query *q);
/* Sets parameter name (with '-' or '_': "min-similarity" = "min_similarity") to value, which
 * must outlive q. 0, or SV_EXIT_USAGE with err naming the parameter, the value and the fix. */
int searcher_query_set(searcher_query *q, const char *name, const char *value, char err[SV_ERR_LEN]);

/* Opens the store at location (which must exist and hold embeddings). use_cache 0 = keep the
 * vector cache in a private temporary file only. NULL with *exit_code and err on failure. */
searcher *searcher_open(const char *location, int use_cache, int *exit_code, char err[SV_ERR_LEN]);
/* The same, naming `embed_command` (e.g. "samplevec embed --all --store sub.db": the command
 * that fills this store, with the user's own options) in the error for a store without
 * embeddings; NULL names plain "samplevec embed --all". */
searcher *searcher_open_hinted(const char *location, int use_cache, const char *embed_command, int *exit_code,
                               char err[SV_ERR_LEN]);
void searcher_free(searcher *s); /* NULL is a no-op */

/* Where the store's provider finds its model, when the stored model id is not enough: a GGUF
 * store records "<file>#<hash>", not a path, so `search` needs --model PATH (or
 * SAMPLEVEC_MODEL); an OpenAI-compatible server other than the default needs its base URL.
 * Either may be NULL. The provider opened from them must report the store's model id, else
 * the query fails with SV_EXIT_USAGE naming both. Strings are borrowed. */
void searcher_set_provider(searcher *s, const char *model, const char *base_url);

/* The store's claim (provider, model, dims, rows). */
const store_meta *searcher_meta(const searcher *s);

/* Top-k for text, embedded with the store's provider. 0 or an SV_EXIT_* code. */
int searcher_search(searcher *s, const char *text, const searcher_query *q, query_results *out,
                    char err[SV_ERR_LEN]);
/* Top-k like sample_id, which is left out. *found = 0 (and 0 returned) when the store has no
 * vector for it. */
int searcher_similar(searcher *s, int64_t sample_id, const searcher_query *q, query_results *out,
                     int *found, char err[SV_ERR_LEN]);

#endif
