/* query: what a k-nearest-neighbour query asks of the vectors and what it answers, shared by
 * the stores that can run one themselves (store.h's knn op) and by search's own engine, so
 * that the store layer never needs search.
 *
 * Ranking contract (both engines): similarity = cosine(query, v), descending, ties by
 * sample_id ascending; every filter condition holds before ranking, never on a fetched top-k.
 */
#ifndef SAMPLEVEC_QUERY_H
#define SAMPLEVEC_QUERY_H

#include <stddef.h>
#include <stdint.h>

/* Every set condition must hold. Zero-initialised = no condition. */
typedef struct query_filter {
    int has_bpm;              /* bpm_min <= bpm <= bpm_max; rows without a BPM fail */
    double bpm_min, bpm_max;
    int bpm_halftime;         /* with has_bpm: half and double tempo pass too (bpm_min/2 ..
                                 bpm_max/2 and 2*bpm_min .. 2*bpm_max) */
    int has_key;              /* musical_key_parse(row's musical_key) == key (musical_key.h):
                                 enharmonic and spelling variants match; unparsable keys fail */
    int key;
    uint32_t also_keys;       /* with has_key: more key codes that pass, bit (1 << code)
                                 (--harmonic: the Camelot neighbours) */
    const char *genre;        /* NULL = any; else ASCII case-insensitive equality with genre */
    const char *mood;         /* NULL = any; else ASCII case-insensitive equality with
                                 mood_primary or with mood_secondary */
    int has_min_similarity;   /* similarity >= min_similarity */
    double min_similarity;
    int has_exclude;          /* sample_id != exclude_id (`similar` leaves the sample out) */
    int64_t exclude_id;
    const int64_t *excluded;  /* n_excluded ids, ascending: never returned (the vectors of
                                 samples no longer in the library); borrowed */
    size_t n_excluded;
} query_filter;

/* 1 when f's excluded list holds id. */
int query_filter_excludes(const query_filter *f, int64_t id);

typedef struct query_hit {
    int64_t sample_id;
    double similarity, distance;
    double score;       /* what the hit was ranked by: similarity (vector), -bm25 (keyword) or
                           the fused score (hybrid); query_results_append sets it to similarity */
    char *title, *genre, *musical_key, *mood_primary; /* owned; NULL = missing */
    double bpm;                                      /* valid when has_bpm */
    int has_bpm;
} query_hit;

typedef struct query_results {
    query_hit *hits; /* n in rank order, cap allocated */
    size_t n, cap;
} query_results;

/* Keyword matches (kwindex.h, store.h's keyword op): sample ids with their BM25 score,
 * best first (score descending, ties by sample_id ascending). */
typedef struct query_keyword_hit {
    int64_t sample_id;
    double score; /* BM25F (kwindex.h): larger is better */
} query_keyword_hit;

typedef struct query_keyword_hits {
    query_keyword_hit *hits; /* n, cap allocated */
    size_t n, cap;
    int complete;            /* set by the caller: 1 = every matching sample is here (no cut) */
} query_keyword_hits;

/* Appends one; 0 or -1 out of memory. */
int query_keyword_hits_append(query_keyword_hits *h, int64_t sample_id, double score);
void query_keyword_hits_clear(query_keyword_hits *h); /* frees; leaves *h empty */

/* Appends one hit, copying the strings; distance = 1 - similarity. 0, or -1 out of memory. */
int query_results_append(query_results *r, int64_t sample_id, double similarity, const char *title,
                          const char *genre, int has_bpm, double bpm, const char *musical_key,
                          const char *mood_primary);
/* A copy of s in which every invalid UTF-8 byte is U+FFFD (JSON output stays valid whatever
 * bytes the library or a query holds). Caller frees; NULL when out of memory. */
char *query_utf8_dup(const char *s);

/* Frees every hit and the array; leaves *r empty. */
void query_results_clear(query_results *r);

/* 1 if a stored musical_key value passes the filter's key condition (or there is none). */
int query_filter_key_matches(const query_filter *f, const char *musical_key);
/* 1 if key code passes the key condition (MUSICAL_KEY_NONE never does, when there is one). */
int query_filter_key_code_matches(const query_filter *f, int code);
/* 1 if a row's BPM passes the BPM condition (or there is none); has_bpm 0 fails any condition. */
int query_filter_bpm_matches(const query_filter *f, int has_bpm, double bpm);

#endif
