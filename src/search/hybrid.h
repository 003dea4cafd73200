/* hybrid: ranks a cache's samples by the vector ranking, the keyword ranking, or one ranking
 * fused from both, always over the samples that pass the filter (filters are applied before
 * ranking in every mode, never to a cut list).
 *
 *   vector   cosine similarity descending (search_top_k), ties by sample_id
 *   keyword  BM25 descending (the keyword index's order), ties by sample_id; only samples that
 *            match a query token
 *   hybrid   each ranking's first HYBRID_DEPTH (or k, when larger) filtered candidates, fused:
 *            rrf     score = Σ 1 / (HYBRID_RRF_K + rank) over the rankings the sample is in
 *                    (reciprocal-rank fusion, Cormack et al. 2009)
 *            convex  score = α · cos' + (1 - α) · bm25', cos' the similarity min-max scaled
 *                    over the candidates, bm25' the BM25 score over the query's best (0 for
 *                    no match), α = HYBRID_CONVEX_ALPHA
 *            descending, ties by sample_id. When the query's words match no more than the
 *            depth of samples that pass the filter (kw->complete and the whole list fits), the
 *            matching samples rank first, in fused order, and the rest follow by vector: a
 *            rare word (a title word, 東京) finds every sample holding it before any without
 *            it. When no more than the depth of samples in the whole library hold the query's
 *            words (kw->complete and kw->n ≤ depth, filter or not), those matches are ordered
 *            by the keyword ranking alone (rrf: 1 / (HYBRID_RRF_K + keyword rank); convex:
 *            (1 - α) · bm25'), plus boosts: among samples sharing a rare word the cosine mostly
 *            says how short the text is. A zero query vector (no word the model knows, e.g. an emoji for the lexical
 *            model) contributes no vector ranking.
 * Boosts (hybrid only): each candidate whose genre equals a boosted genre, or whose primary or
 * secondary mood equals a boosted mood (ASCII case-insensitive), gains HYBRID_BOOST per match in
 * rrf (as if ranked first in one more ranking) and HYBRID_CONVEX_BOOST in convex.
 * Every hit carries its cosine similarity (computed for keyword-only candidates too) and the
 * score it was ranked by (query_hit.score). min_similarity drops samples in every mode.
 * Which fusion is the default was chosen by measurement (docs/search.md, bench/relevance.sh).
 */
#ifndef SAMPLEVEC_HYBRID_H
#define SAMPLEVEC_HYBRID_H

#include <stddef.h>

#include "msg.h"
#include "query.h"
#include "search.h"
#include "veccache.h"

#define HYBRID_DEPTH 100
#define HYBRID_RRF_K 60.0
#define HYBRID_CONVEX_ALPHA 0.5
#define HYBRID_BOOST (1.0 / (HYBRID_RRF_K + 1.0))
#define HYBRID_CONVEX_BOOST 0.25

/* Genre and mood values whose samples rank higher (understand.h reads them from the query). */
typedef struct hybrid_boost {
    const char *const *genres;
    size_t n_genres;
    const char *const *moods;
    size_t n_moods;
} hybrid_boost;

typedef enum hybrid_mode { HYBRID_MODE_HYBRID = 0, HYBRID_MODE_VECTOR, HYBRID_MODE_KEYWORD } hybrid_mode;
typedef enum hybrid_fusion { HYBRID_FUSION_RRF = 0, HYBRID_FUSION_CONVEX } hybrid_fusion;

/* Top k of vc for query (vc->dims floats) and kw (the keyword index's hits for the same text,
 * best first; NULL or empty = no keyword ranking) under f, with boost (NULL = none), appended
 * to out; the vector ranking's scan runs through scan (NULL = search_top_k). vector (NULL =
 * ranked here) is hybrid_vector_ranking's answer for the same scan, query, filter and k, for a
 * caller that ran it beside the keyword ranking. 0, or SV_EXIT_DATA (out of memory) with err. */
int hybrid_rank(const search_scanner *scan, const veccache *vc, const float *query, const query_keyword_hits *kw,
                const query_filter *f, const hybrid_boost *boost, size_t k, hybrid_mode mode, hybrid_fusion fusion,
                const query_results *vector, query_results *out, char err[SV_ERR_LEN]);

/* The vector ranking hybrid mode fuses: the first max(k, HYBRID_DEPTH) samples passing f, by
 * cosine, scanned through scan (NULL = search_top_k); nothing when the query vector is zero.
 * Appended to out; 0 or SV_EXIT_DATA. */
int hybrid_vector_ranking(const search_scanner *scan, const veccache *vc, const float *query, const query_filter *f,
                          size_t k, query_results *out, char err[SV_ERR_LEN]);

/* "hybrid", "vector", "keyword"; "rrf", "convex". */
const char *hybrid_mode_name(hybrid_mode m);
const char *hybrid_fusion_name(hybrid_fusion f);

#endif
