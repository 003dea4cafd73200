#include "hybrid.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "search.h"

const char *hybrid_mode_name(hybrid_mode m)
{
    return m == HYBRID_MODE_VECTOR ? "vector" : m == HYBRID_MODE_KEYWORD ? "keyword" : "hybrid";
}

const char *hybrid_fusion_name(hybrid_fusion f) { return f == HYBRID_FUSION_CONVEX ? "convex" : "rrf"; }

typedef struct candidate {
    size_t row;
    int64_t id;
    int tier;            /* 1 = ranks before every tier-0 candidate */
    double sim, bm25, score;
    size_t vrank, krank; /* 1-based; 0 = not in that ranking */
} candidate;

static int by_score(const void *x, const void *y)
{
    const candidate *a = x, *b = y;
    if (a->tier != b->tier)
        return a->tier > b->tier ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

typedef struct cand_set {
    candidate *c;
    size_t n, cap;
    int32_t *slot_of_row; /* vc->n entries, -1 = not a candidate */
} cand_set;

static candidate *cand_get(cand_set *cs, const veccache *vc, size_t row)
{
    if (cs->slot_of_row[row] >= 0)
        return &cs->c[cs->slot_of_row[row]];
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 256;
        candidate *p = realloc(cs->c, cap * sizeof *p);
        if (!p)
            return NULL;
        cs->c = p;
        cs->cap = cap;
    }
    candidate *c = &cs->c[cs->n];
    memset(c, 0, sizeof *c);
    c->row = row;
    c->id = vc->rows[row].sample_id;
    cs->slot_of_row[row] = (int32_t)cs->n++;
    return c;
}

/* How many boosted values row matches. */
static int boost_count(const veccache *vc, const veccache_row *r, const hybrid_boost *b)
{
    int n = 0;
    const char *genre = r->genre == VECCACHE_NONE ? NULL : veccache_str(vc, vc->genres[r->genre]);
    const char *m1 = r->mood_primary == VECCACHE_NONE ? NULL : veccache_str(vc, vc->moods[r->mood_primary]);
    const char *m2 = r->mood_secondary == VECCACHE_NONE ? NULL : veccache_str(vc, vc->moods[r->mood_secondary]);
    for (size_t i = 0; genre && i < b->n_genres; i++)
        n += strcasecmp(genre, b->genres[i]) == 0;
    for (size_t i = 0; i < b->n_moods; i++)
        n += (m1 && strcasecmp(m1, b->moods[i]) == 0) || (m2 && strcasecmp(m2, b->moods[i]) == 0);
    return n;
}

int hybrid_vector_ranking(const search_scanner *scan, const veccache *vc, const float *query, const query_filter *f,
                          size_t k, query_results *out, char err[SV_ERR_LEN])
{
    if (search_query_inv_norm(query, vc->dims) == 0.0)
        return 0;
    return search_scan(scan, vc, query, f, k > HYBRID_DEPTH ? k : HYBRID_DEPTH, out, err);
}

int hybrid_rank(const search_scanner *scan, const veccache *vc, const float *query, const query_keyword_hits *kw,
                const query_filter *f, const hybrid_boost *boost, size_t k, hybrid_mode mode, hybrid_fusion fusion,
                const query_results *vector, query_results *out, char err[SV_ERR_LEN])
{
    if (mode == HYBRID_MODE_VECTOR)
        return search_scan(scan, vc, query, f, k, out, err);
    int rc = 0;
    double qinv = search_query_inv_norm(query, vc->dims);
    size_t depth = mode == HYBRID_MODE_KEYWORD ? k : (k > HYBRID_DEPTH ? k : HYBRID_DEPTH);
    query_results vres = {0};
    cand_set cs = {0};
    search_row_filter *rf = search_row_filter_new(vc, f);
    if (!rf || !(cs.slot_of_row = malloc((vc->n ? vc->n : 1) * sizeof *cs.slot_of_row))) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    memset(cs.slot_of_row, 0xff, vc->n * sizeof *cs.slot_of_row);

    /* The keyword ranking, filtered before it is cut. Convex fusion keeps every match, so a
     * candidate's missing BM25 means "no match", not "past the cut". */
    size_t kept = 0, i = 0;
    double best_bm25 = 0;
    for (; kw && i < kw->n; i++) {
        if (mode == HYBRID_MODE_KEYWORD || fusion == HYBRID_FUSION_RRF)
            if (kept >= depth)
                break;
        int64_t row = veccache_find(vc, kw->hits[i].sample_id);
        if (row < 0 || !search_row_filter_passes(rf, (size_t)row, vc))
            continue;
        double sim = search_row_similarity(vc, query, qinv, (size_t)row);
        if (f->has_min_similarity && !(sim >= f->min_similarity))
            continue;
        candidate *c = cand_get(&cs, vc, (size_t)row);
        if (!c) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto cleanup;
        }
        c->sim = sim;
        c->bm25 = kw->hits[i].score;
        c->krank = ++kept;
        if (kept == 1)
            best_bm25 = c->bm25;
    }

    /* Every filtered match is a candidate: matching samples go first. */
    int matches_first = mode == HYBRID_MODE_HYBRID && kw && kw->complete && i == kw->n && kept <= depth;
    /* The query's words are rare in the whole library (no more than the depth of samples hold
     * them, filter or not): the matches are ordered by the keyword ranking alone. Among samples
     * sharing a rare word the cosine mostly measures how small a part of the text the word is,
     * i.e. how short the text is (a sample without a vibe analysis: ~94 characters against
     * ~1,700), while BM25F normalises each field's length on its own (bench/relevance.sh: the
     * unanalysed share of title-word top 10s, docs/search.md). Common words that only a narrow
     * filter made few keep the fused order: there the vector ranking adds evidence. */
    int rare_words = matches_first && kw->n <= depth;

    /* The vector ranking (hybrid only, and only when the query vector says something). */
    double min_sim = 0, max_sim = 0;
    if (mode == HYBRID_MODE_HYBRID && qinv != 0.0) {
        if (!vector && (rc = hybrid_vector_ranking(scan, vc, query, f, k, &vres, err)))
            goto cleanup;
        const query_results *v = vector ? vector : &vres;
        for (size_t j = 0; j < v->n; j++) {
            int64_t row = veccache_find(vc, v->hits[j].sample_id);
            if (row < 0)
                continue;
            candidate *c = cand_get(&cs, vc, (size_t)row);
            if (!c) {
                rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
                goto cleanup;
            }
            c->sim = v->hits[j].similarity;
            c->vrank = j + 1;
        }
        if (v->n) {
            max_sim = v->hits[0].similarity;
            min_sim = v->hits[v->n - 1].similarity;
        }
    }

    for (size_t j = 0; j < cs.n; j++) {
        candidate *c = &cs.c[j];
        c->tier = matches_first && c->krank > 0;
        if (mode == HYBRID_MODE_KEYWORD) {
            c->score = c->bm25;
        } else if (c->tier && rare_words) {
            c->score = fusion == HYBRID_FUSION_RRF ? 1.0 / (HYBRID_RRF_K + (double)c->krank)
                                                   : (1 - HYBRID_CONVEX_ALPHA) * (best_bm25 > 0 ? c->bm25 / best_bm25 : 0);
        } else if (fusion == HYBRID_FUSION_RRF) {
            c->score = (c->vrank ? 1.0 / (HYBRID_RRF_K + (double)c->vrank) : 0.0) +
                       (c->krank ? 1.0 / (HYBRID_RRF_K + (double)c->krank) : 0.0);
        } else {
            double cs_ = 0, ks = best_bm25 > 0 && c->krank ? c->bm25 / best_bm25 : 0;
            if (qinv != 0.0 && max_sim > min_sim) {
                cs_ = (c->sim - min_sim) / (max_sim - min_sim);
                cs_ = cs_ < 0 ? 0 : cs_ > 1 ? 1 : cs_;
            } else if (qinv != 0.0) {
                cs_ = 1;
            }
            c->score = HYBRID_CONVEX_ALPHA * cs_ + (1 - HYBRID_CONVEX_ALPHA) * ks;
        }
        if (mode == HYBRID_MODE_HYBRID && boost && (boost->n_genres || boost->n_moods))
            c->score += boost_count(vc, &vc->rows[c->row], boost) *
                        (fusion == HYBRID_FUSION_RRF ? HYBRID_BOOST : HYBRID_CONVEX_BOOST);
    }
    if (cs.n) /* no candidate (a filter nothing passes): cs.c is NULL, which qsort may not get */
        qsort(cs.c, cs.n, sizeof *cs.c, by_score);
    for (size_t j = 0; j < cs.n && j < k; j++)
        if (search_results_append_row(vc, cs.c[j].row, cs.c[j].sim, cs.c[j].score, out) != 0) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto cleanup;
        }
cleanup:
    query_results_clear(&vres);
    search_row_filter_free(rf);
    free(cs.c);
    free(cs.slot_of_row);
    return rc;
}
