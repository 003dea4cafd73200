#include "vibemap.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* LAPACK (in Debian's OpenBLAS): eigenpairs of a symmetric matrix. The trailing size_t are the
 * hidden lengths of the three CHARACTER arguments (gfortran's calling convention). */
extern void ssyevr_(const char *jobz, const char *range, const char *uplo, const int *n, float *a,
                    const int *lda, const float *vl, const float *vu, const int *il, const int *iu,
                    const float *abstol, int *m, float *w, float *z, const int *ldz, int *isuppz,
                    float *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t,
                    size_t, size_t);

#define BLOCK_ROWS 1024 /* rows normalised at a time for the PCA passes: 6 MiB at 1536 dims */
#define KNN_BLOCK 128   /* query rows per sgemm in the neighbour search: 51 MiB at 100,000 rows */
#define NEGATIVES 5     /* repulsive samples per attractive one (UMAP's default) */
#define KNN_PROBES 8    /* buckets each bucket's rows are compared with (approximate neighbours) */
#define KNN_REFINE 2    /* neighbours-of-neighbours rounds after the buckets */
#define KMEANS_ITERATIONS 8
#define PCA_SAMPLE_ROWS 25000 /* rows the layout's PCA axes are estimated from */

void vibemap_params_init(vibemap_params *p)
{
    memset(p, 0, sizeof *p);
    p->pca_dims = 50;
    p->neighbours = 15;
    p->seed = 1;
}

static int default_threads(int asked)
{
    if (asked > 0)
        return asked;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (int)(c > 64 ? 64 : c) : 1;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Rows [start, start + count) of vectors, L2-normalised, into out (count × dims). */
static void normalised_rows(const float *vectors, int dims, size_t start, size_t count, float *out)
{
    for (size_t r = 0; r < count; r++) {
        const float *v = vectors + (start + r) * (size_t)dims;
        float *o = out + r * (size_t)dims;
        double sq = 0;
        for (int d = 0; d < dims; d++)
            sq += (double)v[d] * v[d];
        float inv = sq > 0 && isfinite(sq) ? (float)(1.0 / sqrt(sq)) : 0.0f;
        for (int d = 0; d < dims; d++)
            o[d] = isfinite(v[d]) ? v[d] * inv : 0.0f;
    }
}

/* ---- 1. PCA ---- */

/* The r largest eigenpairs of the symmetric m × m matrix a (row-major upper triangle filled;
 * destroyed): vec (m × r, column j = eigenvector j, largest first; each with its largest
 * component positive, so the same data gives the same picture), val (r). 0 or -1. */
static int top_eigen(float *a, int m, int r, float *vec, float *val)
{
    int rc = -1, il = m - r + 1, iu = m, got = 0, info = 0, lwork = -1, liwork = -1, iwq = 0;
    float vl = 0, vu = 0, abstol = 0, wq = 0, *w = malloc((size_t)m * sizeof *w);
    float *z = malloc((size_t)m * r * sizeof *z), *work = NULL;
    int *isuppz = malloc(2 * (size_t)r * sizeof *isuppz), *iwork = NULL;
    if (!w || !z || !isuppz)
        goto cleanup;
    /* Row-major upper = column-major lower. Eigenvalues come ascending: il..iu are the top r. */
    ssyevr_("V", "I", "L", &m, a, &m, &vl, &vu, &il, &iu, &abstol, &got, w, z, &m, isuppz, &wq, &lwork, &iwq,
            &liwork, &info, 1, 1, 1);
    if (info != 0)
        goto cleanup;
    lwork = (int)wq;
    liwork = iwq;
    if (!(work = malloc((size_t)lwork * sizeof *work)) || !(iwork = malloc((size_t)liwork * sizeof *iwork)))
        goto cleanup;
    ssyevr_("V", "I", "L", &m, a, &m, &vl, &vu, &il, &iu, &abstol, &got, w, z, &m, isuppz, work, &lwork, iwork,
            &liwork, &info, 1, 1, 1);
    if (info != 0 || got != r)
        goto cleanup;
    for (int j = 0; j < r; j++) {
        const float *col = z + (size_t)(r - 1 - j) * m;
        int big = 0;
        for (int d = 1; d < m; d++)
            if (fabsf(col[d]) > fabsf(col[big]))
                big = d;
        float sign = col[big] < 0 ? -1.0f : 1.0f;
        for (int d = 0; d < m; d++)
            vec[(size_t)d * r + j] = sign * col[d];
        val[j] = w[r - 1 - j];
    }
    rc = 0;
cleanup:
    free(w);
    free(z);
    free(work);
    free(isuppz);
    free(iwork);
    return rc;
}

/* Fewer rows than dimensions: the eigenvectors of the n × n Gram matrix of the centred rows
 * give the same projections (X = U S Vᵀ, so X V = U S) at a fraction of the cost. */
static int pca_project_gram(const float *vectors, size_t n, int dims, int r, float *proj)
{
    int rc = -1;
    float *x = malloc(n * (size_t)dims * sizeof *x), *g = calloc(n * n, sizeof *g);
    float *u = malloc(n * (size_t)r * sizeof *u), *val = malloc((size_t)r * sizeof *val);
    double *mean = calloc((size_t)dims, sizeof *mean);
    if (!x || !g || !u || !val || !mean)
        goto cleanup;
    normalised_rows(vectors, dims, 0, n, x);
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < dims; d++)
            mean[d] += x[i * (size_t)dims + d];
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < dims; d++)
            x[i * (size_t)dims + d] -= (float)(mean[d] / (double)n);
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, dims, 1.0f, x, dims, 0.0f, g, (int)n);
    if (top_eigen(g, (int)n, r, u, val) != 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < r; j++)
            proj[i * (size_t)r + j] = u[i * (size_t)r + j] * sqrtf(val[j] > 0 ? val[j] : 0);
    rc = 0;
cleanup:
    free(x);
    free(g);
    free(u);
    free(val);
    free(mean);
    return rc;
}

/* proj (n × r, row-major) = the normalised, centred rows on their top r principal axes, largest
 * first. r <= dims, r <= n. The axes and the centre come from every row, or from max_rows rows
 * spread evenly over them when there are more (0 = every row): the covariance costs
 * rows × dims², and 25,000 rows give the same axes as 100,000 for a picture. 0 or -1 (out of
 * memory / LAPACK failure). */
static int pca_project(const float *vectors, size_t n, int dims, int r, size_t max_rows, float *proj)
{
    if (n < (size_t)dims)
        return pca_project_gram(vectors, n, dims, r, proj);
    int rc = -1;
    float *cov = calloc((size_t)dims * dims, sizeof *cov);
    float *block = malloc((size_t)BLOCK_ROWS * dims * sizeof *block);
    double *mean = calloc((size_t)dims, sizeof *mean);
    float *meanf = malloc((size_t)dims * sizeof *meanf), *axes = NULL;
    float *mean_proj = calloc((size_t)r, sizeof *mean_proj);
    if (!cov || !block || !mean || !meanf || !mean_proj)
        goto cleanup;
    /* Σ a aᵀ and Σ a in one pass, over m rows: row i·n/m for i < m. */
    size_t m = max_rows && max_rows < n ? max_rows : n;
    for (size_t s = 0; s < m; s += BLOCK_ROWS) {
        size_t cnt = m - s < BLOCK_ROWS ? m - s : BLOCK_ROWS;
        if (m == n)
            normalised_rows(vectors, dims, s, cnt, block);
        else
            for (size_t i = 0; i < cnt; i++)
                normalised_rows(vectors, dims, (size_t)((double)(s + i) * (double)n / (double)m), 1,
                                block + i * (size_t)dims);
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, dims, (int)cnt, 1.0f, block, dims, 1.0f, cov, dims);
        for (size_t i = 0; i < cnt; i++)
            for (int d = 0; d < dims; d++)
                mean[d] += block[i * (size_t)dims + d];
    }
    for (int d = 0; d < dims; d++) {
        mean[d] /= (double)m;
        meanf[d] = (float)mean[d];
    }
    /* Covariance (up to the factor 1/m, which does not move the axes): Σ a aᵀ − m μ μᵀ. */
    for (int i = 0; i < dims; i++)
        for (int j = i; j < dims; j++)
            cov[(size_t)i * dims + j] -= (float)((double)m * mean[i] * mean[j]);
    float *val = malloc((size_t)r * sizeof *val);
    if (!val || !(axes = malloc((size_t)dims * r * sizeof *axes)) || top_eigen(cov, dims, r, axes, val) != 0) {
        free(val);
        goto cleanup;
    }
    free(val);
    cblas_sgemv(CblasRowMajor, CblasTrans, dims, r, 1.0f, axes, r, meanf, 1, 0.0f, mean_proj, 1);
    for (size_t s = 0; s < n; s += BLOCK_ROWS) {
        size_t cnt = n - s < BLOCK_ROWS ? n - s : BLOCK_ROWS;
        normalised_rows(vectors, dims, s, cnt, block);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)cnt, r, dims, 1.0f, block, dims, axes, r,
                    0.0f, proj + s * (size_t)r, r);
        for (size_t i = 0; i < cnt; i++)
            for (int j = 0; j < r; j++)
                proj[(s + i) * (size_t)r + j] -= mean_proj[j];
    }
    rc = 0;
cleanup:
    free(cov);
    free(block);
    free(mean);
    free(meanf);
    free(mean_proj);
    free(axes);
    return rc;
}

int vibemap_pca2(const float *vectors, size_t n, int dims, float *xy, char err[SV_ERR_LEN])
{
    if (n == 0)
        return 0;
    if (dims < 2) {
        for (size_t i = 0; i < n; i++) {
            xy[2 * i] = dims ? vectors[i] : 0;
            xy[2 * i + 1] = 0;
        }
        return 0;
    }
    if (pca_project(vectors, n, dims, 2, 0, xy) != 0)
        return sv_fail(err, SV_EXIT_DATA, "out of memory computing the PCA of %zu vectors", n);
    return 0;
}

/* ---- 2. k nearest neighbours in PCA space ---- */

/* Selects, for each query row, its k nearest among candidate rows from their dot products. */
typedef struct knn_job {
    const float *sq;      /* squared norm of every row */
    const float *gram;    /* qn × nc dot products, query by candidate */
    const int32_t *qrow;  /* the qn query rows; NULL = rows q0, q0 + 1, ... */
    const int32_t *crow;  /* the nc candidate rows; NULL = rows 0, 1, ... */
    size_t q0, qn, nc;
    int k;
    int32_t *nn;          /* n × k neighbour indexes, nearest first; -1 past the last */
    float *nd;            /* n × k squared distances */
    int ith, nth;
} knn_job;

/* Puts (d, p) into the nearest-first list idx/dst of k, holding *have. */
static inline void knn_insert(int32_t *idx, float *dst, int k, int *have, float d, int32_t p)
{
    if (*have == k && d >= dst[k - 1])
        return;
    int pos = *have < k ? (*have)++ : k - 1;
    while (pos > 0 && dst[pos - 1] > d) {
        dst[pos] = dst[pos - 1];
        idx[pos] = idx[pos - 1];
        pos--;
    }
    dst[pos] = d;
    idx[pos] = p;
}

static void *knn_select(void *arg)
{
    knn_job *j = arg;
    for (size_t qi = (size_t)j->ith; qi < j->qn; qi += (size_t)j->nth) {
        size_t q = j->qrow ? (size_t)j->qrow[qi] : j->q0 + qi;
        const float *g = j->gram + qi * j->nc;
        int32_t *idx = j->nn + q * (size_t)j->k;
        float *dst = j->nd + q * (size_t)j->k;
        int have = 0;
        for (size_t c = 0; c < j->nc; c++) {
            size_t p = j->crow ? (size_t)j->crow[c] : c;
            if (p == q)
                continue;
            float d = j->sq[q] + j->sq[p] - 2.0f * g[c];
            knn_insert(idx, dst, j->k, &have, d < 0 ? 0 : d, (int32_t)p);
        }
        for (; have < j->k; have++) { /* fewer than k other points */
            idx[have] = -1;
            dst[have] = INFINITY;
        }
    }
    return NULL;
}

/* Runs fn over jobs[0..threads) (each job knows its share): on this thread and threads - 1
 * more; a thread that does not start has its share done here. */
static void run_threads(void *(*fn)(void *), void *jobs, size_t job_size, int threads)
{
    pthread_t tid[64];
    int started = 1;
    if (threads > 64)
        threads = 64;
    for (; started < threads; started++)
        if (pthread_create(&tid[started], NULL, fn, (char *)jobs + (size_t)started * job_size) != 0)
            break;
    fn(jobs);
    for (int t = started; t < threads; t++)
        fn((char *)jobs + (size_t)t * job_size);
    for (int t = 1; t < started; t++)
        pthread_join(tid[t], NULL);
}

/* The dot products of qn query rows and nc candidate rows (each gathered into a contiguous
 * buffer first when given by index), then each query's k nearest among them. */
static void knn_block(const float *sq, int r, int k, int threads, const int32_t *qrow,
                      size_t q0, size_t qn, const float *qpts, const int32_t *crow, size_t nc, const float *cpts,
                      float *gram, knn_job *jobs, int32_t *nn, float *nd)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)qn, (int)nc, r, 1.0f, qpts, r, cpts, r, 0.0f, gram,
                (int)nc);
    for (int t = 0; t < threads; t++)
        jobs[t] = (knn_job){sq, gram, qrow, crow, q0, qn, nc, k, nn, nd, t, threads};
    run_threads(knn_select, jobs, sizeof *jobs, threads);
}

static float *squared_norms(const float *pts, size_t n, int r)
{
    float *sq = malloc((n ? n : 1) * sizeof *sq);
    for (size_t i = 0; sq && i < n; i++) {
        double s = 0;
        for (int d = 0; d < r; d++)
            s += (double)pts[i * (size_t)r + d] * pts[i * (size_t)r + d];
        sq[i] = (float)s;
    }
    return sq;
}

/* Every row against every row: n × n × r in sgemm blocks. 0, 1 cancelled, -1 out of memory. */
static int knn_exact(const float *pts, size_t n, int r, int k, int threads, int32_t *nn, float *nd,
                     vibemap_progress_fn progress, void *ctx, double from, double to)
{
    int rc = -1;
    float *sq = squared_norms(pts, n, r), *gram = malloc((size_t)KNN_BLOCK * n * sizeof *gram);
    knn_job *jobs = calloc((size_t)threads, sizeof *jobs);
    if (!sq || !gram || !jobs)
        goto cleanup;
    for (size_t q0 = 0; q0 < n; q0 += KNN_BLOCK) {
        size_t qn = n - q0 < KNN_BLOCK ? n - q0 : KNN_BLOCK;
        knn_block(sq, r, k, threads, NULL, q0, qn, pts + q0 * (size_t)r, NULL, n, pts, gram, jobs, nn, nd);
        if (progress && progress(from + (to - from) * (double)(q0 + qn) / (double)n, ctx)) {
            rc = 1;
            goto cleanup;
        }
    }
    rc = 0;
cleanup:
    free(sq);
    free(gram);
    free(jobs);
    return rc;
}

/* The nearest of nc centroids (nc × r, squared norms csq) for each of m rows of pts: into
 * owner. gram holds KNN_BLOCK × nc. */
static void nearest_centroid(const float *pts, size_t m, const size_t *rows, int r, const float *cent,
                             const float *csq, int nc, float *gram, float *gather, int32_t *owner)
{
    for (size_t s = 0; s < m; s += KNN_BLOCK) {
        size_t cnt = m - s < KNN_BLOCK ? m - s : KNN_BLOCK;
        const float *q = pts + s * (size_t)r;
        if (rows) {
            for (size_t i = 0; i < cnt; i++)
                memcpy(gather + i * (size_t)r, pts + rows[s + i] * (size_t)r, (size_t)r * sizeof *gather);
            q = gather;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)cnt, nc, r, 1.0f, q, r, cent, r, 0.0f, gram, nc);
        for (size_t i = 0; i < cnt; i++) {
            int best = 0;
            float bd = INFINITY;
            for (int c = 0; c < nc; c++) {
                float d = csq[c] - 2.0f * gram[i * (size_t)nc + c];
                if (d < bd) {
                    bd = d;
                    best = c;
                }
            }
            owner[s + i] = best;
        }
    }
}

/* One round of "a neighbour's neighbour is likely a neighbour" (NN-descent, Dong et al. 2011):
 * each row's list (from the previous round's lists, old_nn/old_nd, so the result does not
 * depend on the threads) offered its neighbours' neighbours, at their exact distance. */
typedef struct refine_job {
    const float *pts;
    const int32_t *old_nn;
    const float *old_nd;
    int32_t *nn;
    float *nd;
    size_t n;
    int r, k, ith, nth;
} refine_job;

static void *knn_refine(void *arg)
{
    refine_job *j = arg;
    const size_t k = (size_t)j->k;
    for (size_t i = (size_t)j->ith; i < j->n; i += (size_t)j->nth) {
        int32_t *idx = j->nn + i * k;
        float *dst = j->nd + i * k;
        int have = 0;
        memcpy(idx, j->old_nn + i * k, k * sizeof *idx);
        memcpy(dst, j->old_nd + i * k, k * sizeof *dst);
        while (have < j->k && idx[have] >= 0)
            have++;
        const float *a = j->pts + i * (size_t)j->r;
        for (size_t x = 0; x < k; x++) {
            int32_t nb = j->old_nn[i * k + x];
            if (nb < 0)
                break;
            for (size_t y = 0; y < k; y++) {
                int32_t c = j->old_nn[(size_t)nb * k + y];
                if (c < 0)
                    break;
                if ((size_t)c == i)
                    continue;
                int known = 0;
                for (int z = 0; z < have && !known; z++)
                    known = idx[z] == c;
                if (known)
                    continue;
                const float *b = j->pts + (size_t)c * j->r;
                float d = 0;
                for (int e = 0; e < j->r; e++)
                    d += (a[e] - b[e]) * (a[e] - b[e]);
                knn_insert(idx, dst, j->k, &have, d, c);
            }
        }
    }
    return NULL;
}

/* Approximate: the rows are split into about √n buckets by k-means; each bucket's rows are
 * compared (blocked sgemm) with the rows of the KNN_PROBES buckets whose centres are nearest
 * its own, then KNN_REFINE rounds of knn_refine mend the rows near a bucket's edge. About
 * n · KNN_PROBES · √n · r multiply-adds instead of n² · r. 0, 1 cancelled, -1 out of memory. */
static int knn_approx(const float *pts, size_t n, int r, int k, int threads, uint64_t seed, int32_t *nn,
                      float *nd, vibemap_progress_fn progress, void *ctx, double from, double to)
{
    int rc = -1, nc = (int)sqrt((double)n);
    if (nc < 1)
        nc = 1;
    if (nc > 4096)
        nc = 4096;
    int probes = KNN_PROBES < nc ? KNN_PROBES : nc;
    size_t train = n < (size_t)nc * 64 ? n : (size_t)nc * 64;
    float *sq = squared_norms(pts, n, r), *cent = malloc((size_t)nc * r * sizeof *cent);
    float *csq = malloc((size_t)nc * sizeof *csq), *gather = malloc((size_t)KNN_BLOCK * r * sizeof *gather);
    float *gram = malloc((size_t)KNN_BLOCK * (n > (size_t)nc ? n : (size_t)nc) * sizeof *gram);
    double *sum = malloc((size_t)nc * r * sizeof *sum);
    size_t *rows = malloc(n * sizeof *rows), *count = malloc(((size_t)nc + 1) * sizeof *count);
    int32_t *owner = malloc(n * sizeof *owner), *order = malloc(n * sizeof *order);
    int32_t *probe = malloc((size_t)nc * probes * sizeof *probe), *cand = malloc(n * sizeof *cand);
    float *cpts = NULL, *old_nd = malloc(n * (size_t)k * sizeof *old_nd);
    int32_t *old_nn = malloc(n * (size_t)k * sizeof *old_nn);
    knn_job *jobs = calloc((size_t)threads, sizeof *jobs);
    refine_job *rjobs = calloc((size_t)threads, sizeof *rjobs);
    if (!sq || !cent || !csq || !gather || !gram || !sum || !rows || !count || !owner || !order || !probe ||
        !cand || !old_nd || !old_nn || !jobs || !rjobs)
        goto cleanup;
    /* k-means on `train` rows picked with the seed (a partial Fisher-Yates shuffle), started
     * from the first nc of them. */
    for (size_t i = 0; i < n; i++)
        rows[i] = i;
    uint64_t rng = seed ^ 0x6b6e6e;
    for (size_t i = 0; i < train; i++) {
        size_t j = i + (size_t)(splitmix(&rng) % (n - i));
        size_t t = rows[i];
        rows[i] = rows[j];
        rows[j] = t;
    }
    for (int c = 0; c < nc; c++)
        memcpy(cent + (size_t)c * r, pts + rows[c] * (size_t)r, (size_t)r * sizeof *cent);
    for (int it = 0; it <= KMEANS_ITERATIONS; it++) {
        for (int c = 0; c < nc; c++) {
            double s = 0;
            for (int d = 0; d < r; d++)
                s += (double)cent[(size_t)c * r + d] * cent[(size_t)c * r + d];
            csq[c] = (float)s;
        }
        if (it == KMEANS_ITERATIONS)
            break;
        nearest_centroid(pts, train, rows, r, cent, csq, nc, gram, gather, owner);
        memset(sum, 0, (size_t)nc * r * sizeof *sum);
        memset(count, 0, (size_t)nc * sizeof *count);
        for (size_t i = 0; i < train; i++) {
            count[owner[i]]++;
            for (int d = 0; d < r; d++)
                sum[(size_t)owner[i] * r + d] += pts[rows[i] * (size_t)r + d];
        }
        for (int c = 0; c < nc; c++) /* an empty bucket keeps its centre */
            for (int d = 0; count[c] && d < r; d++)
                cent[(size_t)c * r + d] = (float)(sum[(size_t)c * r + d] / (double)count[c]);
    }
    /* Every row into its bucket; the buckets' rows in order (a counting sort). */
    nearest_centroid(pts, n, NULL, r, cent, csq, nc, gram, gather, owner);
    memset(count, 0, ((size_t)nc + 1) * sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[owner[i] + 1]++;
    for (int c = 0; c < nc; c++)
        count[c + 1] += count[c];
    for (size_t i = 0; i < n; i++)
        order[count[owner[i]]++] = (int32_t)i;
    for (int c = nc; c > 0; c--) /* back to bucket starts */
        count[c] = count[c - 1];
    count[0] = 0;
    /* Each bucket's nearest buckets (itself first): the centres against each other. */
    size_t biggest = 0;
    for (int c = 0; c < nc; c++) {
        float *g = gram; /* nc × nc fits: KNN_BLOCK × max(n, nc) >= nc × nc as nc <= √n */
        if (c % KNN_BLOCK == 0) {
            int cnt = nc - c < KNN_BLOCK ? nc - c : KNN_BLOCK;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cnt, nc, r, 1.0f, cent + (size_t)c * r, r, cent,
                        r, 0.0f, g, nc);
        }
        const float *row = g + (size_t)(c % KNN_BLOCK) * nc;
        int32_t *pr = probe + (size_t)c * probes;
        float pd[64];
        int have = 0;
        knn_insert(pr, pd, probes, &have, -INFINITY, c);
        for (int o = 0; o < nc; o++)
            if (o != c)
                knn_insert(pr, pd, probes, &have, csq[o] - 2.0f * row[o], o);
        size_t cn = 0;
        for (int x = 0; x < have; x++)
            cn += count[pr[x] + 1] - count[pr[x]];
        for (int x = have; x < probes; x++)
            pr[x] = -1;
        biggest = cn > biggest ? cn : biggest;
    }
    if (!(cpts = malloc((biggest ? biggest : 1) * (size_t)r * sizeof *cpts)))
        goto cleanup;
    /* Each bucket's rows against its probed buckets' rows. */
    for (int c = 0; c < nc; c++) {
        size_t m = count[c + 1] - count[c], cn = 0;
        if (m == 0)
            continue;
        for (int x = 0; x < probes && probe[(size_t)c * probes + x] >= 0; x++) {
            int o = probe[(size_t)c * probes + x];
            for (size_t i = count[o]; i < count[o + 1]; i++) {
                cand[cn] = order[i];
                memcpy(cpts + cn * (size_t)r, pts + (size_t)order[i] * r, (size_t)r * sizeof *cpts);
                cn++;
            }
        }
        /* The bucket's own rows come first among the candidates (itself is the first probe). */
        for (size_t s = 0; s < m; s += KNN_BLOCK) {
            size_t qn = m - s < KNN_BLOCK ? m - s : KNN_BLOCK;
            knn_block(sq, r, k, threads, order + count[c] + s, 0, qn, cpts + s * (size_t)r, cand, cn, cpts,
                      gram, jobs, nn, nd);
        }
        if (progress && progress(from + (to - from) * 0.7 * (double)count[c + 1] / (double)n, ctx)) {
            rc = 1;
            goto cleanup;
        }
    }
    for (int round = 0; round < KNN_REFINE; round++) {
        memcpy(old_nn, nn, n * (size_t)k * sizeof *nn);
        memcpy(old_nd, nd, n * (size_t)k * sizeof *nd);
        for (int t = 0; t < threads; t++)
            rjobs[t] = (refine_job){pts, old_nn, old_nd, nn, nd, n, r, k, t, threads};
        run_threads(knn_refine, rjobs, sizeof *rjobs, threads);
        if (progress && progress(from + (to - from) * (0.7 + 0.3 * (round + 1) / KNN_REFINE), ctx)) {
            rc = 1;
            goto cleanup;
        }
    }
    rc = 0;
cleanup:
    free(sq);
    free(cent);
    free(csq);
    free(gather);
    free(gram);
    free(sum);
    free(rows);
    free(count);
    free(owner);
    free(order);
    free(probe);
    free(cand);
    free(cpts);
    free(old_nd);
    free(old_nn);
    free(jobs);
    free(rjobs);
    return rc;
}

static int knn_graph(const float *pts, size_t n, int r, int k, int approximate, int threads, uint64_t seed,
                     int32_t *nn, float *nd, vibemap_progress_fn progress, void *ctx, double from, double to)
{
    if (approximate > 0 || (approximate == 0 && n > VIBEMAP_EXACT_MAX))
        return knn_approx(pts, n, r, k, threads, seed, nn, nd, progress, ctx, from, to);
    return knn_exact(pts, n, r, k, threads, nn, nd, progress, ctx, from, to);
}

int vibemap_neighbours(const float *pts, size_t n, int r, int k, int approximate, int threads, uint64_t seed,
                       int32_t *nn, float *nd, char err[SV_ERR_LEN])
{
    if (n == 0)
        return 0;
    if (k < 1 || k > 255 || r < 1)
        return sv_fail(err, SV_EXIT_USAGE, "vibemap_neighbours: k must be 1..255 and r at least 1");
    if (knn_graph(pts, n, r, k, approximate, default_threads(threads), seed, nn, nd, NULL, NULL, 0, 1) != 0)
        return sv_fail(err, SV_EXIT_DATA, "out of memory finding the neighbours of %zu points", n);
    return 0;
}

/* ---- 3. the fuzzy neighbour graph ---- */

typedef struct edge_list {
    int32_t *head, *tail;
    float *weight;
    size_t n;
} edge_list;

static int fuzzy_graph(const int32_t *nn, const float *nd, size_t n, int k, edge_list *out)
{
    float *w = malloc(n * (size_t)k * sizeof *w);
    out->head = malloc(n * (size_t)k * sizeof *out->head);
    out->tail = malloc(n * (size_t)k * sizeof *out->tail);
    out->weight = malloc(n * (size_t)k * sizeof *out->weight);
    out->n = 0;
    if (!w || !out->head || !out->tail || !out->weight) {
        free(w);
        return -1;
    }
    const double target = log2((double)k);
    for (size_t i = 0; i < n; i++) {
        const float *d2 = nd + i * (size_t)k;
        double d[256], rho = 0, mean = 0;
        int cnt = 0;
        for (int j = 0; j < k && j < 256 && nn[i * (size_t)k + j] >= 0; j++) {
            d[cnt] = sqrt((double)d2[j]);
            mean += d[cnt++];
        }
        for (int j = 0; j < cnt; j++)
            if (d[j] > 0) {
                rho = d[j];
                break;
            }
        mean = cnt ? mean / cnt : 0;
        double lo = 0, hi = INFINITY, sigma = 1;
        for (int it = 0; it < 64; it++) {
            double s = 0;
            for (int j = 0; j < cnt; j++) {
                double e = d[j] - rho;
                s += e > 0 ? exp(-e / sigma) : 1.0;
            }
            if (fabs(s - target) < 1e-5)
                break;
            if (s > target) {
                hi = sigma;
                sigma = (lo + hi) / 2;
            } else {
                lo = sigma;
                sigma = isinf(hi) ? sigma * 2 : (lo + hi) / 2;
            }
        }
        if (sigma < 1e-3 * mean)
            sigma = 1e-3 * mean;
        if (!(sigma > 0))
            sigma = 1e-12;
        for (int j = 0; j < k; j++) {
            double e = j < cnt ? d[j] - rho : INFINITY;
            w[i * (size_t)k + j] = j < cnt ? (float)(e > 0 ? exp(-e / sigma) : 1.0) : 0.0f;
        }
    }
    /* w(i,j) + w(j,i) − w(i,j)·w(j,i), each undirected edge once. */
    for (size_t i = 0; i < n; i++) {
        for (int a = 0; a < k; a++) {
            int32_t j = nn[i * (size_t)k + a];
            if (j < 0)
                continue;
            float wij = w[i * (size_t)k + a], wji = 0;
            int back = 0;
            for (int b = 0; b < k; b++)
                if (nn[(size_t)j * k + b] == (int32_t)i) {
                    wji = w[(size_t)j * k + b];
                    back = 1;
                    break;
                }
            if (back && (size_t)j < i)
                continue; /* emitted from j's side */
            float ws = wij + wji - wij * wji;
            if (ws <= 0)
                continue;
            out->head[out->n] = (int32_t)i;
            out->tail[out->n] = j;
            out->weight[out->n] = ws;
            out->n++;
        }
    }
    free(w);
    return 0;
}

/* ---- 4. stochastic gradient descent ---- */

typedef struct sgd_shared {
    _Atomic float *xy;          /* 2n coordinates, updated by every thread without locks */
    size_t n;
    const edge_list *edges;
    const float *per_sample;    /* epochs between samples of each edge */
    int epochs;
    pthread_barrier_t barrier;
    atomic_int cancel;
    vibemap_progress_fn progress;
    void *ctx;
    double from, to;
} sgd_shared;

typedef struct sgd_job {
    sgd_shared *sh;
    size_t e0, e1;
    float *next_sample, *next_negative; /* per edge of this job, indexed from e0 */
    uint64_t rng;
    int ith;
} sgd_job;

static inline float clip4(float v) { return v > 4.0f ? 4.0f : v < -4.0f ? -4.0f : v; }
static inline float ld(_Atomic float *p) { return atomic_load_explicit(p, memory_order_relaxed); }
static inline void st(_Atomic float *p, float v) { atomic_store_explicit(p, v, memory_order_relaxed); }

static void *sgd_main(void *arg)
{
    sgd_job *j = arg;
    sgd_shared *sh = j->sh;
    const edge_list *E = sh->edges;
    _Atomic float *xy = sh->xy;
    for (int t = 1; t <= sh->epochs; t++) {
        float alpha = 1.0f - (float)(t - 1) / (float)sh->epochs;
        for (size_t e = j->e0; e < j->e1; e++) {
            size_t le = e - j->e0;
            if (j->next_sample[le] > (float)t)
                continue;
            size_t a = (size_t)E->head[e], b = (size_t)E->tail[e];
            float ax = ld(&xy[2 * a]), ay = ld(&xy[2 * a + 1]);
            float bx = ld(&xy[2 * b]), by = ld(&xy[2 * b + 1]);
            float dx = ax - bx, dy = ay - by, d2 = dx * dx + dy * dy;
            if (d2 > 0) { /* attraction, Cauchy kernel: d/dd² log(1 / (1 + d²)) · 2 */
                float g = -2.0f / (1.0f + d2);
                float gx = clip4(g * dx) * alpha, gy = clip4(g * dy) * alpha;
                ax += gx;
                ay += gy;
                st(&xy[2 * b], bx - gx);
                st(&xy[2 * b + 1], by - gy);
            }
            j->next_sample[le] += sh->per_sample[e];
            float per_neg = sh->per_sample[e] / NEGATIVES;
            int negs = (int)(((float)t - j->next_negative[le]) / per_neg);
            for (int s = 0; s < negs; s++) {
                size_t c = (size_t)(splitmix(&j->rng) % sh->n);
                if (c == a)
                    continue;
                float cx = ld(&xy[2 * c]), cy = ld(&xy[2 * c + 1]);
                float ex = ax - cx, ey = ay - cy, e2 = ex * ex + ey * ey;
                float gx, gy;
                if (e2 > 0) { /* repulsion */
                    float g = 2.0f / ((0.001f + e2) * (1.0f + e2));
                    gx = clip4(g * ex);
                    gy = clip4(g * ey);
                } else {
                    gx = gy = 4.0f;
                }
                ax += gx * alpha;
                ay += gy * alpha;
            }
            if (negs > 0)
                j->next_negative[le] += (float)negs * per_neg;
            st(&xy[2 * a], ax);
            st(&xy[2 * a + 1], ay);
        }
        pthread_barrier_wait(&sh->barrier);
        if (j->ith == 0 && sh->progress &&
            sh->progress(sh->from + (sh->to - sh->from) * t / sh->epochs, sh->ctx))
            atomic_store(&sh->cancel, 1);
        pthread_barrier_wait(&sh->barrier);
        if (atomic_load(&sh->cancel))
            break;
    }
    return NULL;
}

static int optimise(float *xy, size_t n, const edge_list *E, int epochs, int threads, uint64_t seed,
                    vibemap_progress_fn progress, void *ctx, double from, double to)
{
    int rc = -1;
    float max_w = 0;
    for (size_t e = 0; e < E->n; e++)
        if (E->weight[e] > max_w)
            max_w = E->weight[e];
    sgd_shared sh;
    memset(&sh, 0, sizeof sh);
    float *per = malloc((E->n ? E->n : 1) * sizeof *per);
    float *next = malloc((E->n ? E->n : 1) * sizeof *next), *neg = malloc((E->n ? E->n : 1) * sizeof *neg);
    _Atomic float *axy = malloc(2 * n * sizeof *axy);
    sgd_job *jobs = calloc((size_t)threads, sizeof *jobs);
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    int barrier = 0, started = 1;
    if (!per || !next || !neg || !axy || !jobs || !tid)
        goto cleanup;
    for (size_t e = 0; e < E->n; e++) {
        /* An edge with weight w is sampled epochs·w/max_w times; lighter ones than one sample
         * in the whole run never are (UMAP drops them too). */
        per[e] = E->weight[e] >= max_w / (float)epochs ? max_w / E->weight[e] : (float)epochs + 1;
        next[e] = per[e];
        neg[e] = per[e] / NEGATIVES;
    }
    for (size_t i = 0; i < 2 * n; i++)
        atomic_init(&axy[i], xy[i]);
    sh.xy = axy;
    sh.n = n;
    sh.edges = E;
    sh.per_sample = per;
    sh.epochs = epochs;
    sh.progress = progress;
    sh.ctx = ctx;
    sh.from = from;
    sh.to = to;
    atomic_init(&sh.cancel, 0);
    if (pthread_barrier_init(&sh.barrier, NULL, (unsigned)threads) != 0)
        goto cleanup;
    barrier = 1;
    for (int t = 0; t < threads; t++) {
        jobs[t].sh = &sh;
        jobs[t].e0 = E->n * (size_t)t / (size_t)threads;
        jobs[t].e1 = E->n * (size_t)(t + 1) / (size_t)threads;
        jobs[t].next_sample = next + jobs[t].e0;
        jobs[t].next_negative = neg + jobs[t].e0;
        jobs[t].rng = seed * 0x9e3779b97f4a7c15ull + (uint64_t)t + 1;
        jobs[t].ith = t;
    }
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tid[t], NULL, sgd_main, &jobs[t]) != 0) {
            /* The barrier counts every thread: without all of them, do the work on one. */
            for (int u = 1; u < t; u++) {
                atomic_store(&sh.cancel, 1);
                pthread_join(tid[u], NULL);
            }
            goto cleanup;
        }
        started++;
    }
    sgd_main(&jobs[0]);
    for (int t = 1; t < started; t++)
        pthread_join(tid[t], NULL);
    for (size_t i = 0; i < 2 * n; i++)
        xy[i] = atomic_load(&axy[i]);
    rc = atomic_load(&sh.cancel) ? 1 : 0;
cleanup:
    if (barrier)
        pthread_barrier_destroy(&sh.barrier);
    free(per);
    free(next);
    free(neg);
    free(axy);
    free(jobs);
    free(tid);
    return rc;
}

/* ---- the whole layout ---- */

int vibemap_layout(const float *vectors, size_t n, int dims, const vibemap_params *p_in, float *xy,
                   vibemap_progress_fn progress, void *ctx, char err[SV_ERR_LEN])
{
    vibemap_params p;
    if (p_in)
        p = *p_in;
    else
        vibemap_params_init(&p);
    if (n == 0)
        return 0;
    if (n < 3 || dims < 2) { /* nothing to lay out: a line */
        for (size_t i = 0; i < n; i++) {
            xy[2 * i] = (float)i;
            xy[2 * i + 1] = 0;
        }
        return 0;
    }
    int r = p.pca_dims > 0 ? p.pca_dims : 50;
    if (r > dims)
        r = dims;
    if ((size_t)r > n)
        r = (int)n;
    int k = p.neighbours > 0 ? p.neighbours : 15;
    if (k > 255)
        k = 255;
    if ((size_t)k > n - 1)
        k = (int)(n - 1);
    int epochs = p.epochs > 0 ? p.epochs : n <= 10000 ? 500 : 200;
    int threads = default_threads(p.threads);
    int rc = SV_EXIT_DATA, c;
    float *proj = malloc(n * (size_t)r * sizeof *proj);
    int32_t *nn = malloc(n * (size_t)k * sizeof *nn);
    float *nd = malloc(n * (size_t)k * sizeof *nd);
    edge_list E = {0};
    if (!proj || !nn || !nd) {
        sv_fail(err, rc, "out of memory laying out %zu vectors", n);
        goto cleanup;
    }
    if (progress && progress(0.0, ctx)) {
        rc = SV_EXIT_INTERRUPTED;
        goto cleanup;
    }
    if (pca_project(vectors, n, dims, r, PCA_SAMPLE_ROWS, proj) != 0) {
        sv_fail(err, rc, "out of memory computing the PCA of %zu vectors", n);
        goto cleanup;
    }
    if (progress && progress(0.1, ctx)) {
        rc = SV_EXIT_INTERRUPTED;
        goto cleanup;
    }
    if ((c = knn_graph(proj, n, r, k, p.approximate, threads, p.seed, nn, nd, progress, ctx, 0.1, 0.55)) != 0) {
        rc = c > 0 ? SV_EXIT_INTERRUPTED : sv_fail(err, SV_EXIT_DATA, "out of memory finding neighbours");
        goto cleanup;
    }
    if (fuzzy_graph(nn, nd, n, k, &E) != 0) {
        sv_fail(err, rc, "out of memory building the neighbour graph");
        goto cleanup;
    }
    /* Start from PCA-2-D (the first two columns), scaled to [-10, 10] as UMAP scales its start,
     * with a little noise so that equal vectors do not sit on one point forever. */
    float lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 2; a++) {
            float v = proj[i * (size_t)r + (a < r ? a : 0)];
            lo[a] = v < lo[a] ? v : lo[a];
            hi[a] = v > hi[a] ? v : hi[a];
        }
    uint64_t rng = p.seed;
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 2; a++) {
            float span = hi[a] - lo[a] > 0 ? hi[a] - lo[a] : 1;
            float noise = (float)((double)(splitmix(&rng) >> 11) / 9007199254740992.0 - 0.5) * 1e-3f;
            xy[2 * i + a] = 20.0f * (proj[i * (size_t)r + (a < r ? a : 0)] - lo[a]) / span - 10.0f + noise;
        }
    free(proj);
    proj = NULL;
    free(nd);
    nd = NULL;
    free(nn);
    nn = NULL;
    if ((c = optimise(xy, n, &E, epochs, threads, p.seed, progress, ctx, 0.6, 1.0)) != 0) {
        rc = c > 0 ? SV_EXIT_INTERRUPTED : sv_fail(err, SV_EXIT_DATA, "out of memory laying out the map");
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(proj);
    free(nn);
    free(nd);
    free(E.head);
    free(E.tail);
    free(E.weight);
    return rc;
}

/* ---- quality ---- */

/* Offers (score, index) to a best-first list of k (higher score = nearer). */
static void offer(float *score, int32_t *idx, int k, int *have, float s, int32_t p)
{
    if (*have == k && s <= score[k - 1])
        return;
    int pos = *have < k ? (*have)++ : k - 1;
    while (pos > 0 && score[pos - 1] < s) {
        score[pos] = score[pos - 1];
        idx[pos] = idx[pos - 1];
        pos--;
    }
    score[pos] = s;
    idx[pos] = p;
}

double vibemap_neighbour_share(const float *vectors, size_t n, int dims, const float *xy, size_t samples,
                               int k, uint64_t seed)
{
    if (n < 2 || k <= 0)
        return 1.0;
    if ((size_t)k > n - 1)
        k = (int)(n - 1);
    if (samples > n)
        samples = n;
    double share = -1;
    size_t *pick = malloc(n * sizeof *pick);
    float *q = malloc(samples * (size_t)dims * sizeof *q);
    float *block = malloc((size_t)BLOCK_ROWS * dims * sizeof *block);
    float *tmp = malloc((size_t)BLOCK_ROWS * samples * sizeof *tmp);
    float *vs = malloc(samples * (size_t)k * sizeof *vs), *ms = malloc((size_t)k * sizeof *ms);
    int32_t *vi = malloc(samples * (size_t)k * sizeof *vi), *mi = malloc((size_t)k * sizeof *mi);
    int *have = calloc(samples, sizeof *have);
    if (!pick || !q || !block || !tmp || !vs || !ms || !vi || !mi || !have)
        goto cleanup;
    /* samples distinct rows: a partial Fisher-Yates shuffle */
    for (size_t i = 0; i < n; i++)
        pick[i] = i;
    uint64_t rng = seed;
    for (size_t i = 0; i < samples; i++) {
        size_t j = i + (size_t)(splitmix(&rng) % (n - i));
        size_t t = pick[i];
        pick[i] = pick[j];
        pick[j] = t;
        normalised_rows(vectors, dims, pick[i], 1, q + i * (size_t)dims);
    }
    /* Nearest by cosine in the vectors: every sample against a block of rows at a time. */
    for (size_t s = 0; s < n; s += BLOCK_ROWS) {
        size_t cnt = n - s < BLOCK_ROWS ? n - s : BLOCK_ROWS;
        normalised_rows(vectors, dims, s, cnt, block);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)samples, (int)cnt, dims, 1.0f, q, dims, block,
                    dims, 0.0f, tmp, (int)cnt);
        for (size_t i = 0; i < samples; i++)
            for (size_t p = 0; p < cnt; p++)
                if (s + p != pick[i])
                    offer(vs + i * (size_t)k, vi + i * (size_t)k, k, &have[i], tmp[i * cnt + p], (int32_t)(s + p));
    }
    /* Nearest on the map, and the overlap. */
    size_t kept = 0;
    for (size_t i = 0; i < samples; i++) {
        size_t self = pick[i];
        int got = 0;
        for (size_t p = 0; p < n; p++) {
            if (p == self)
                continue;
            float dx = xy[2 * p] - xy[2 * self], dy = xy[2 * p + 1] - xy[2 * self + 1];
            offer(ms, mi, k, &got, -(dx * dx + dy * dy), (int32_t)p);
        }
        for (int x = 0; x < have[i]; x++)
            for (int y = 0; y < got; y++)
                if (vi[i * (size_t)k + x] == mi[y]) {
                    kept++;
                    break;
                }
    }
    share = (double)kept / ((double)samples * k);
cleanup:
    free(pick);
    free(q);
    free(block);
    free(tmp);
    free(vs);
    free(ms);
    free(vi);
    free(mi);
    free(have);
    return share;
}
