/* search: exact top-k by cosine similarity, with filters applied before scoring.
 *
 * similarity = cos(query, v) = (query · v) / (||query|| ||v||), 1 = same direction;
 * distance   = 1 - similarity (libSQL's vector_distance_cos). An all-zero (or non-finite)
 * vector on either side has similarity 0. Results: similarity descending, ties by sample_id ascending, at most k:
 * exactly the first k of a brute-force scan over the samples that pass the filter.
 *
 * The local engine scans a veccache (contiguous vectors + metadata): the filter is tested
 * per row first, the dot product (distance.h, picked by CPU) only for rows that pass, and
 * each thread keeps a bounded heap of its k best; the heaps are merged at the end.
 * Stores with a knn op (store.h) run the same contract themselves.
 */
#ifndef SAMPLEVEC_SEARCH_H
#define SAMPLEVEC_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "store.h"
#include "veccache.h"

#define SEARCH_DEFAULT_K 10

/* Every set condition must hold. Zero-initialised = no condition. */
typedef struct search_filter {
    int has_bpm;              /* bpm_min <= bpm <= bpm_max; rows without a BPM fail */
    double bpm_min, bpm_max;
    int has_key;              /* musical_key_parse(row's musical_key) == key (musical_key.h):
                                 enharmonic and spelling variants match; unparsable keys fail */
    int key;
    const char *genre;        /* NULL = any; else ASCII case-insensitive equality with genre */
    const char *mood;         /* NULL = any; else ASCII case-insensitive equality with
                                 mood_primary or with mood_secondary */
    int has_min_similarity;   /* similarity >= min_similarity */
    double min_similarity;
    int has_exclude;          /* sample_id != exclude_id (`similar` leaves the sample out) */
    int64_t exclude_id;
} search_filter;

typedef struct search_hit {
    int64_t sample_id;
    double similarity, distance;
    char *title, *genre, *musical_key, *mood_primary; /* owned; NULL = missing */
    double bpm;                                      /* valid when has_bpm */
    int has_bpm;
} search_hit;

typedef struct search_results {
    search_hit *hits; /* n in rank order, cap allocated */
    size_t n, cap;
} search_results;

/* Appends one hit, copying the strings; distance = 1 - similarity. 0, or -1 out of memory. */
int search_results_append(search_results *r, int64_t sample_id, double similarity, const char *title,
                          const char *genre, int has_bpm, double bpm, const char *musical_key,
                          const char *mood_primary);
/* Frees every hit and the array; leaves *r empty. */
void search_results_clear(search_results *r);

/* 1 if a stored musical_key value passes the filter's key condition (or there is none). */
int search_filter_key_matches(const search_filter *f, const char *musical_key);

/* Parses "MIN-MAX" (also "MIN-" and "-MAX", "90" = 90-90) BPMs into f. 0, or -1 with err. */
int search_parse_bpm(const char *text, search_filter *f, char err[SV_ERR_LEN]);

/* Top-k of vc's rows for query (vc->dims floats) under f, appended to out. threads: 0 = pick
 * by size (one thread under 32 MiB of vectors, else one per core; SAMPLEVEC_THREADS=N
 * overrides), else at most that many. A query of norm 0 has
 * similarity 0 with everything. Returns 0, or SV_EXIT_DATA (out of memory) with err. */
int search_top_k(const veccache *vc, const float *query, const search_filter *f, size_t k,
                 int threads, search_results *out, char err[SV_ERR_LEN]);

/* The results as the JSON array both `--json` and `serve` print:
 * [{"sample_id","title","similarity","distance","genre","bpm","musical_key","mood_primary"}],
 * missing values as null. Caller frees. NULL when out of memory. */
char *search_results_json(const search_results *r);

#endif
