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
#include "query.h"
#include "veccache.h"

#define SEARCH_DEFAULT_K 10

/* Parses "MIN-MAX" (also "MIN-" and "-MAX", "90" = 90-90) BPMs into f. 0, or -1 with err. */
int search_parse_bpm(const char *text, query_filter *f, char err[SV_ERR_LEN]);

/* Top-k of vc's rows for query (vc->dims floats) under f, appended to out. threads: 0 = pick
 * by size (one thread under 32 MiB of vectors, else one per core; SAMPLEVEC_THREADS=N
 * overrides), else at most that many. A query of norm 0 has
 * similarity 0 with everything. Returns 0, or SV_EXIT_DATA (out of memory) with err. */
int search_top_k(const veccache *vc, const float *query, const query_filter *f, size_t k,
                 int threads, query_results *out, char err[SV_ERR_LEN]);

/* One query of a search_top_k_many pass: search_top_k(vc, query, f, k, ...) appended to out. */
typedef struct search_request {
    const veccache *vc;
    const float *query;
    const query_filter *f;
    size_t k;
    query_results *out;
} search_request;

/* Every request's search_top_k answer (exactly: the same hits, similarities and order), from
 * one pass over the rows: each row is read once and scored against every query while it is in
 * the CPU's cache, so n queries cost about one scan's memory traffic instead of n. The
 * requests' caches may differ (each is scored against its own; caches of one file share their
 * pages). threads as search_top_k's (picked from reqs[0].vc). 0, or SV_EXIT_DATA (out of
 * memory: outs may hold part of their answers) with err. */
int search_top_k_many(const search_request *reqs, size_t n, int threads, char err[SV_ERR_LEN]);

/* How a caller has search_top_k(vc, query, f, k, 0, out, err) run its own way (serve joins the
 * scans of concurrent requests into one search_top_k_many: serve/scan_batch.h); it must give
 * exactly that answer. NULL wherever one is taken = search_top_k itself. */
typedef struct search_scanner {
    int (*top_k)(void *ctx, const veccache *vc, const float *query, const query_filter *f, size_t k,
                 query_results *out, char err[SV_ERR_LEN]);
    void *ctx;
} search_scanner;

/* scan's top_k, or search_top_k(..., 0, ...) when scan is NULL. */
int search_scan(const search_scanner *scan, const veccache *vc, const float *query, const query_filter *f, size_t k,
                query_results *out, char err[SV_ERR_LEN]);

/* ---- the pieces hybrid and keyword ranking (hybrid.h) use on the same cache ---- */

/* The filter compiled against vc (genre/mood resolved to dictionary flags). NULL when out of
 * memory. f and vc must outlive it. */
typedef struct search_row_filter search_row_filter;
search_row_filter *search_row_filter_new(const veccache *vc, const query_filter *f);
void search_row_filter_free(search_row_filter *rf); /* NULL is a no-op */
/* 1 if row (an index into vc->rows) passes every condition but min_similarity. */
int search_row_filter_passes(const search_row_filter *rf, size_t row, const veccache *vc);
/* 1 / ||query||, 0 for a zero or non-finite query. */
double search_query_inv_norm(const float *query, int dims);
/* The cosine similarity of query and row, exactly as search_top_k computes it. */
double search_row_similarity(const veccache *vc, const float *query, double query_inv_norm, size_t row);
/* Appends row's hit with its similarity and score. 0, or -1 out of memory. */
int search_results_append_row(const veccache *vc, size_t row, double similarity, double score,
                              query_results *out);

/* The results as the JSON array both `--json` and `serve` print:
 * [{"sample_id","title","similarity","distance","genre","bpm","musical_key","mood_primary"}],
 * missing values as null. Caller frees. NULL when out of memory. */
char *search_results_json(const query_results *r);

#endif
