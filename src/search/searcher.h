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
 *   mode            hybrid (default) | vector | keyword   (search only: similar is vector-only)
 *   fusion          rrf (default) | convex                 (how hybrid fuses, hybrid.h)
 *   literal         1/true: the search text is only words (no BPM, key, genre or mood read
 *                   from it); 0/false (default): read as understand.h says
 *   bpm_tolerance   ± BPM around a single BPM read from the text (0..100, default 4)
 *   halftime        1/true: a BPM condition (read or given) also passes half and double tempo
 *   harmonic        1/true: a key condition also passes the key's Camelot neighbours
 *                   (musical_key_harmonic)
 * A BPM or key given as a parameter wins over one read from the text. Genre and mood words are
 * read (and boost) in hybrid mode on a local store only.
 *
 * search ranks in the mode asked (hybrid.h) over the samples that pass the filters. Its keyword
 * ranking comes from the store's own keyword index when current (store.h's keyword op), else
 * from a derived keyword cache (kwcache.h) for local stores; a store with neither (Turso:
 * docs/search.md) ranks hybrid queries by vector alone and says so in the answer's note.
 */
#ifndef SAMPLEVEC_SEARCHER_H
#define SAMPLEVEC_SEARCHER_H

#include <stddef.h>
#include <stdint.h>

#include "hybrid.h"
#include "msg.h"
#include "search.h"
#include "understand.h"
#include "store.h"
#include "veccache.h"

#define SEARCHER_MAX_K 100000

typedef struct searcher searcher;

typedef struct searcher_query {
    query_filter filter; /* strings borrowed from the caller */
    size_t k;
    hybrid_mode mode;
    hybrid_fusion fusion;
    int literal, halftime, harmonic;
    double bpm_tolerance;
} searcher_query;

/* How a search text was read and what ran: shown by the CLI's table, its --json and serve
 * alike, so nothing about a query is silent. */
typedef struct searcher_understood {
    understood parsed;        /* the BPM, key, genres and moods read from the text, and the
                                 words left (parsed.text) */
    const char *words;        /* the words that were ranked: parsed.text, or the caller's text
                                 itself when literal (borrowed from the searcher_search call) */
    int literal;              /* --literal, or a text too long to read (UNDERSTAND_TEXT_LEN) */
    size_t keyword_tokens;    /* how many keyword tokens the ranked words gave */
    query_filter filter;      /* the filter that ran (strings borrowed from the query) */
    int bpm_from_parameter;   /* the BPM condition came from the bpm parameter (--bpm) */
    int key_from_parameter;   /* the key condition came from the key parameter (--key) */
} searcher_understood;

/* What searcher_search answers. */
typedef struct searcher_answer {
    query_results results;
    hybrid_mode mode;          /* the mode that ran */
    hybrid_fusion fusion;      /* hybrid only */
    searcher_understood understood;
    char note[256];            /* "" or one line, e.g. why a hybrid query ran by vector alone */
} searcher_answer;

void searcher_answer_clear(searcher_answer *a); /* frees the results; leaves *a empty */
/* The answer as the JSON object `search --json` and serve's /search print:
 * {"query", "mode", "fusion", "understood": {"text", "literal", "bpm", "key", "genres", "moods"},
 *  "note", "results": [search_results_json]}; "bpm" is null or {"min", "max", "halftime",
 * "from"} and "key" null or {"key", "keys", "harmonic", "from"}, "from" being the phrase of the
 * query or the parameter ("--bpm") it came from.
 * Caller frees; NULL when out of memory. */
char *searcher_answer_json(const char *text, const searcher_answer *a);

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
/* The prefix put before every query (borrowed; "" = none). NULL, the default, uses the one the
 * store recorded with its documents (store_meta.prompts.query). */
void searcher_set_query_prefix(searcher *s, const char *prefix);

/* How this searcher's vector scans run (borrowed; NULL, the default, = search_top_k): serve
 * passes its scan_batch so that concurrent requests share one pass. The answers are the same. */
void searcher_set_scanner(searcher *s, const search_scanner *scan);

/* How a caller paces the CPU-bound keyword search of concurrent queries: enter(ctx) before it,
 * leave(ctx) after it, on the same thread. serve admits them a few at a time in arrival order
 * (serve/admission.h), so concurrent requests run to completion instead of time-slicing; the
 * hybrid vector ranking is handed to the scanner before enter, so it is already waiting for
 * the shared pass. NULL, the default, = no pacing. The answers are the same. */
typedef struct searcher_gate {
    void (*enter)(void *ctx);
    void (*leave)(void *ctx);
    void *ctx;
} searcher_gate;
void searcher_set_gate(searcher *s, const searcher_gate *gate); /* borrowed */

/* The sample manager's database (borrowed path, NULL = none): when it can be opened, results
 * never include a stored vector whose sample is no longer in it (an orphan), and `similar` of
 * such a sample finds nothing. Checked again whenever the library file or the store changes. */
void searcher_set_library(searcher *s, const char *library_path);

/* The store's claim (provider, model, dims, rows, prompts). */
const store_meta *searcher_meta(const searcher *s);

/* Top-k for text in q->mode. 0 or an SV_EXIT_* code: SV_EXIT_USAGE when the text has no
 * meaningful word (only stop words or punctuation) or the store cannot run the mode asked. */
int searcher_search(searcher *s, const char *text, const searcher_query *q, searcher_answer *out,
                    char err[SV_ERR_LEN]);
/* Embeds texts[0..n) with the store's provider and model (the one queries use), each with the
 * role's prefix (PROVIDER_ROLE_RAW: as it is), into vectors (n × searcher_meta(s)->dims,
 * caller-allocated); results as provider_embed's (caller frees them with
 * provider_results_clear). 0 or an SV_EXIT_* code. */
int searcher_embed(searcher *s, provider_role role, const char *const *texts, size_t n, float *vectors,
                   provider_text_result *results, char err[SV_ERR_LEN]);
/* Readies this searcher for its first query at the cost of later ones: reads one float of every
 * page of its mapping of the vector cache (every searcher maps the file on its own, and the
 * first scan through a fresh mapping paid ~1-2 s of page faults at 100,000 × 1536 on the
 * 2-core machine, 16 fresh searchers at once ~13 s) and runs one keyword query of a fixed word,
 * its answer dropped. Never embeds. 0 or an SV_EXIT_* code; a store that ranks on its side
 * (knn) has nothing here to ready. */
int searcher_warm(searcher *s, char err[SV_ERR_LEN]);
/* Top-k like sample_id, which is left out. *found = 0 (and 0 returned) when the store has no
 * vector for it. */
int searcher_similar(searcher *s, int64_t sample_id, const searcher_query *q, query_results *out,
                     int *found, char err[SV_ERR_LEN]);

#endif
