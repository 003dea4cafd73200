/* vibemap: every sample as a point in 2-D, where neighbours in vector space stay neighbours.
 *
 * The layout (in the spirit of UMAP, McInnes et al. 2018):
 *   1. PCA: rows are L2-normalised (the store's similarity is cosine), centred, and projected on
 *      the top pca_dims eigenvectors of their covariance (OpenBLAS ssyrk + LAPACK ssyevr; with
 *      fewer rows than dimensions, of their Gram matrix, which gives the same projection),
 *      estimated from at most 25,000 rows spread evenly over the input.
 *   2. k nearest neighbours of every row in that space (vibemap_neighbours): exact up to
 *      VIBEMAP_EXACT_MAX rows (blocked sgemm + a bounded insertion list per row), approximate
 *      above (k-means buckets, each compared with its nearest buckets, then
 *      neighbours-of-neighbours rounds): n² work would take minutes at 100,000 rows.
 *   3. A fuzzy neighbour graph: w(i→j) = exp(-(d_ij - ρ_i) / σ_i), ρ_i the nearest distance, σ_i
 *      found by bisection so that Σ_j w(i→j) = log2(k); symmetrised w = a + b - a·b.
 *   4. Stochastic gradient descent from the PCA-2-D start: each edge pulls its two ends
 *      together as often as its weight says, and a few random points push away, with the
 *      Cauchy kernel 1 / (1 + d²) (UMAP with a = b = 1: no pow() in the inner loop). Edges are
 *      split across threads, which update the shared coordinates without locks ("Hogwild", as
 *      UMAP does), through relaxed atomics.
 * With threads > 1 the result varies a little from run to run; with threads = 1 it is a
 * function of the input and the seed.
 *
 * Quality is measured by vibemap_neighbour_share: of each sample's k nearest neighbours by
 * cosine in the original space, the share that are among its k nearest on the map.
 */
#ifndef SAMPLEVEC_VIBEMAP_H
#define SAMPLEVEC_VIBEMAP_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define VIBEMAP_EXACT_MAX 20000

typedef struct vibemap_params {
    int pca_dims;     /* dimensions kept by PCA (default 50; at most dims and n) */
    int neighbours;   /* k of the neighbour graph (default 15) */
    int epochs;       /* SGD epochs (0 = 500 up to 10,000 points, else 200) */
    int threads;      /* 0 = one per core */
    int approximate;  /* neighbours: 0 = exact up to VIBEMAP_EXACT_MAX rows, approximate above;
                         1 = always approximate; -1 = always exact */
    uint64_t seed;
} vibemap_params;

/* Defaults above, seed 1. */
void vibemap_params_init(vibemap_params *p);

/* Called now and then with the share of the work done (0..1); returns non-zero to cancel. */
typedef int (*vibemap_progress_fn)(double done, void *ctx);

/* Lays out vectors[n × dims] (rows as they are; all-zero rows are allowed) into xy[2n]
 * (x0, y0, x1, y1, ...). progress may be NULL. Returns 0, SV_EXIT_INTERRUPTED when progress
 * cancelled, or SV_EXIT_DATA (out of memory) with err. */
int vibemap_layout(const float *vectors, size_t n, int dims, const vibemap_params *p, float *xy,
                   vibemap_progress_fn progress, void *ctx, char err[SV_ERR_LEN]);

/* The k nearest neighbours (Euclidean, self excluded) of each of the n rows of pts (n × r):
 * indexes into nn (n × k, nearest first; -1 past the last when n <= k) and squared distances
 * into nd (n × k). approximate as in vibemap_params (0: above VIBEMAP_EXACT_MAX rows); the
 * approximate result depends on seed but not on threads (0 = one per core). k is 1..255.
 * 0, SV_EXIT_USAGE for a bad k or r, or SV_EXIT_DATA (out of memory), with err. */
int vibemap_neighbours(const float *pts, size_t n, int r, int k, int approximate, int threads, uint64_t seed,
                       int32_t *nn, float *nd, char err[SV_ERR_LEN]);

/* The baseline: the first two principal components of the normalised rows, into xy[2n]. */
int vibemap_pca2(const float *vectors, size_t n, int dims, float *xy, char err[SV_ERR_LEN]);

/* Of the k nearest neighbours by cosine in vectors of `samples` rows picked with seed, the
 * share found among the same rows' k nearest (Euclidean) in xy: 1 = every neighbourhood kept.
 * Exact on both sides. Returns the share, or -1 when out of memory. */
double vibemap_neighbour_share(const float *vectors, size_t n, int dims, const float *xy, size_t samples,
                               int k, uint64_t seed);

#endif
