/* api: what `samplevec serve` answers — the JSON API, the audio files and the page — as one
 * table of routes for httpd.h. docs/serve.md documents every endpoint; in short:
 *
 *   GET /                      the page (src/serve/web/index.html); /static/NAME its files
 *   GET /health                {"status":"ok"|"rebuilding","rows","provider","model","dims",
 *                               "store","library","library_samples","last_run"}
 *   GET /search?q=TEXT&k=&bpm=&key=&genre=&mood=&min_similarity=&mode=&fusion=&literal=
 *              &bpm_tolerance=&halftime=&harmonic=
 *                              what `samplevec search --json` prints for the same query
 *   GET /similar/ID?k=&...     what `samplevec similar ID --json` prints
 *   GET /samples/ID            the library's record of a sample, with its source text
 *   GET /audio/ID              the sample's audio file (audio.h: Range, types, what is served)
 *   GET /facets                the library's genres, moods and keys with their counts
 *   GET /map                   [{"sample_id","x","y","genre","title"}]: the vibe map (mapservice.h)
 *   GET /map/status            {"state","stale","progress","points","version","seconds","error"}
 *   POST /v1/embeddings, GET /v1/models[/ID]   OpenAI-style embeddings (openai_api.h)
 * Nothing writes: the store is opened for reading (searcher.h), the library read-only
 * (library.h). While the store holds no embeddings (an `embed --reset` has emptied it) the
 * query endpoints answer 503 "store is being rebuilt" with Retry-After.
 */
#ifndef SAMPLEVEC_API_H
#define SAMPLEVEC_API_H

#include <stddef.h>

#include "httpd.h"
#include "msg.h"

#define SERVE_MAX_K 1000 /* results per HTTP query: bounds the memory one request may take */

typedef struct serve_api serve_api;

typedef struct serve_api_config {
    const char *store;        /* location */
    const char *library;      /* the sample manager's database (may not exist: then /samples,
                                 /audio and /facets answer 404/503 and the rest works) */
    const char *progress;     /* the progress file, for /health's last run */
    const char *audio_root;   /* where relative samples.file_path values start */
    const char *model, *base_url; /* searcher_set_provider's */
    int use_cache;            /* 0 = no STORE.vcache / STORE.vmap files (--no-cache) */
    size_t searchers;         /* searches at once (searcher_pool.h) */
    const char *embed_hint;   /* the embed command an empty or missing store asks for (may be NULL) */
    const char *embed_model;  /* /v1/embeddings' model (openai_api.h); NULL = the store's */
} serve_api_config;

/* Opens the store (every searcher of the pool) and starts the map service. NULL with
 * *exit_code and err when the store cannot be searched. Strings are borrowed. */
serve_api *serve_api_new(const serve_api_config *cfg, int *exit_code, char err[SV_ERR_LEN]);
void serve_api_free(serve_api *api); /* NULL is a no-op; the server must be stopped first */

/* The vector scans run so far and the passes over the vectors they took (scan_batch.h): the
 * scans of concurrent requests share passes. */
void serve_api_scan_counts(serve_api *api, unsigned long long *passes, unsigned long long *scans);

/* The route table (static), to hand to httpd with api as ctx. */
const httpd_route *serve_api_routes(size_t *n);

/* The store's rows and model, as the last query saw them, for the start-up line. */
void serve_api_describe(serve_api *api, long long *rows, char *model, size_t model_size);

#endif
