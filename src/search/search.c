#include "search.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <utf8proc.h>

#include "distance.h"
#include "musical_key.h"
#include "numparse.h"

/* Stores smaller than this are scanned by one thread: starting a second one costs more than
 * it saves (measured: 15 MB, the 2,437-sample demo library, scans in about 1 ms). */
#define SEARCH_THREAD_MIN_BYTES (32u << 20)
#define SEARCH_CHUNK_ROWS 256
#define SEARCH_MANY_CHUNK_ROWS 64 /* rows claimed at a time by search_top_k_many's threads */
#define SEARCH_MAX_THREADS 64
#define SEARCH_BPM_NO_MAX 1e9

/* ---- results ---- */

char *search_results_json(const query_results *r)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        const query_hit *h = &r->hits[i];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o))
            goto oom;
#define ADD_STR(name, v) ((v) ? cJSON_AddStringToObject(o, name, v) : cJSON_AddNullToObject(o, name))
        char id[24]; /* raw: a cJSON number is a double, which rounds ids above 2^53 */
        snprintf(id, sizeof id, "%lld", (long long)h->sample_id);
        if (!cJSON_AddRawToObject(o, "sample_id", id) || !ADD_STR("title", h->title) ||
            !cJSON_AddNumberToObject(o, "score", h->score) ||
            !cJSON_AddNumberToObject(o, "similarity", h->similarity) ||
            !cJSON_AddNumberToObject(o, "distance", h->distance) || !ADD_STR("genre", h->genre) ||
            !(h->has_bpm ? cJSON_AddNumberToObject(o, "bpm", h->bpm) : cJSON_AddNullToObject(o, "bpm")) ||
            !ADD_STR("musical_key", h->musical_key) || !ADD_STR("mood_primary", h->mood_primary))
            goto oom;
#undef ADD_STR
    }
    char *text = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return text;
oom:
    cJSON_Delete(arr);
    return NULL;
}

/* ---- filters ---- */

int search_parse_bpm(const char *text, query_filter *f, char err[SV_ERR_LEN])
{
    const char *hint = "write MIN-MAX, e.g. 85-95 (or 85- / -95 for one bound)";
    double lo = 0, hi = SEARCH_BPM_NO_MAX;
    const char *s = text, *end;
    if (!*s)
        return sv_fail(err, -1, "empty BPM range; %s", hint);
    if (*s != '-') {
        if (numparse_decimal_prefix(s, &lo, &end) != 0 || lo < 0)
            return sv_fail(err, -1, "'%s' is not a BPM range; %s", text, hint);
        s = end;
        if (*s == '\0') {
            hi = lo; /* "90": exactly 90 */
            goto done;
        }
    }
    if (*s != '-')
        return sv_fail(err, -1, "'%s' is not a BPM range; %s", text, hint);
    s++;
    if (*s) {
        if (numparse_decimal_prefix(s, &hi, &end) != 0 || *end || hi < 0)
            return sv_fail(err, -1, "'%s' is not a BPM range; %s", text, hint);
    } else if (s == text + 1) {
        return sv_fail(err, -1, "'%s' is not a BPM range; %s", text, hint);
    }
    if (lo > hi)
        return sv_fail(err, -1, "BPM range '%s' runs backwards; %s", text, hint);
done:
    f->has_bpm = 1;
    f->bpm_min = lo;
    f->bpm_max = hi;
    return 0;
}

/* The filter against one cache: string conditions resolved once to per-dictionary flags. */
typedef struct compiled_filter {
    const query_filter *f;
    unsigned char *genre_ok; /* n_genres flags, NULL = no genre condition */
    unsigned char *mood_ok;  /* n_moods flags, NULL = no mood condition */
} compiled_filter;

static int compile_filter(const veccache *vc, const query_filter *f, compiled_filter *cf)
{
    memset(cf, 0, sizeof *cf);
    cf->f = f;
    if (f->genre) {
        if (!(cf->genre_ok = calloc(vc->n_genres + 1, 1)))
            return -1;
        for (uint32_t i = 0; i < vc->n_genres; i++)
            cf->genre_ok[i] = strcasecmp(veccache_str(vc, vc->genres[i]), f->genre) == 0;
    }
    if (f->mood) {
        if (!(cf->mood_ok = calloc(vc->n_moods + 1, 1)))
            return -1;
        for (uint32_t i = 0; i < vc->n_moods; i++)
            cf->mood_ok[i] = strcasecmp(veccache_str(vc, vc->moods[i]), f->mood) == 0;
    }
    return 0;
}

static void compiled_filter_clear(compiled_filter *cf)
{
    free(cf->genre_ok);
    free(cf->mood_ok);
}

static inline int row_passes(const compiled_filter *cf, const veccache_row *r)
{
    const query_filter *f = cf->f;
    if (f->has_exclude && r->sample_id == f->exclude_id)
        return 0;
    if (f->n_excluded && query_filter_excludes(f, r->sample_id))
        return 0;
    /* NaN (no BPM) fails every comparison. */
    if (f->has_bpm && !(r->bpm >= f->bpm_min && r->bpm <= f->bpm_max) &&
        !(f->bpm_halftime && query_filter_bpm_matches(f, 1, r->bpm)))
        return 0;
    if (f->has_key && r->key_code != f->key && !query_filter_key_code_matches(f, r->key_code))
        return 0;
    if (cf->genre_ok && (r->genre == VECCACHE_NONE || !cf->genre_ok[r->genre]))
        return 0;
    if (cf->mood_ok && !((r->mood_primary != VECCACHE_NONE && cf->mood_ok[r->mood_primary]) ||
                         (r->mood_secondary != VECCACHE_NONE && cf->mood_ok[r->mood_secondary])))
        return 0;
    return 1;
}

struct search_row_filter {
    compiled_filter cf;
};

search_row_filter *search_row_filter_new(const veccache *vc, const query_filter *f)
{
    search_row_filter *rf = calloc(1, sizeof *rf);
    if (rf && compile_filter(vc, f, &rf->cf) != 0) {
        search_row_filter_free(rf);
        return NULL;
    }
    return rf;
}

void search_row_filter_free(search_row_filter *rf)
{
    if (!rf)
        return;
    compiled_filter_clear(&rf->cf);
    free(rf);
}

int search_row_filter_passes(const search_row_filter *rf, size_t row, const veccache *vc)
{
    return row_passes(&rf->cf, &vc->rows[row]);
}

double search_query_inv_norm(const float *query, int dims)
{
    double sq = 0;
    for (int i = 0; i < dims; i++)
        sq += (double)query[i] * query[i];
    return (sq > 0 && isfinite(sq)) ? 1.0 / sqrt(sq) : 0.0;
}

double search_row_similarity(const veccache *vc, const float *query, double query_inv_norm, size_t row)
{
    const veccache_row *r = &vc->rows[row];
    if (r->inv_norm == 0.0 || query_inv_norm == 0.0)
        return 0.0;
    float dot = distance_dot_pick(NULL)(query, vc->vectors + row * (size_t)vc->dims, (size_t)vc->dims);
    double sim = (double)dot * query_inv_norm * r->inv_norm;
    return sim > 1.0 ? 1.0 : sim < -1.0 ? -1.0 : sim;
}

int search_results_append_row(const veccache *vc, size_t row_index, double similarity, double score,
                              query_results *out)
{
    const veccache_row *row = &vc->rows[row_index];
    const char *mood = row->mood_primary == VECCACHE_NONE ? NULL : veccache_str(vc, vc->moods[row->mood_primary]);
    const char *genre = row->genre == VECCACHE_NONE ? NULL : veccache_str(vc, vc->genres[row->genre]);
    if (query_results_append(out, row->sample_id, similarity, veccache_str(vc, row->title), genre,
                             !isnan(row->bpm), row->bpm, veccache_str(vc, row->musical_key), mood) != 0)
        return -1;
    out->hits[out->n - 1].score = score;
    return 0;
}

/* ---- bounded heap ---- */

typedef struct heap_item {
    double sim;
    int64_t id;
    size_t row;
} heap_item;

/* 1 if a ranks before b: higher similarity, then lower sample_id. */
static inline int ranks_before(const heap_item *a, const heap_item *b)
{
    return a->sim > b->sim || (a->sim == b->sim && a->id < b->id);
}

/* The k best so far; items[0] is the worst of them (every parent ranks after its children). */
typedef struct topk {
    heap_item *items;
    size_t n, cap;
} topk;

static void topk_push(topk *h, const heap_item *it)
{
    heap_item *a = h->items;
    size_t i;
    if (h->n < h->cap) {
        i = h->n++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!ranks_before(&a[p], it))
                break;
            a[i] = a[p];
            i = p;
        }
        a[i] = *it;
        return;
    }
    if (h->cap == 0 || !ranks_before(it, &a[0]))
        return;
    i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && ranks_before(&a[c], &a[c + 1]))
            c++; /* the worse child */
        if (!ranks_before(it, &a[c]))
            break;
        a[i] = a[c];
        i = c;
    }
    a[i] = *it;
}

static int cmp_rank(const void *x, const void *y)
{
    const heap_item *a = x, *b = y;
    return ranks_before(a, b) ? -1 : ranks_before(b, a) ? 1 : 0;
}

/* ---- the scan ---- */

typedef struct scan_shared {
    _Alignas(64) atomic_size_t next_chunk; /* claimed by every thread: its own cache line */
    _Alignas(64) const veccache *vc;
    const float *query;
    double query_inv_norm;
    const compiled_filter *cf;
    distance_dot_fn dot;
    size_t n_chunks;
} scan_shared;

typedef struct scan_worker {
    scan_shared *sh;
    topk heap;
    int ith, nth;
    pthread_t tid;
} scan_worker;

/* Row r against one query: into heap when it passes the filter and min_similarity. The one
 * place a similarity is computed for search_top_k and search_top_k_many alike. */
static inline void scan_row(const veccache *vc, size_t r, size_t dims, const compiled_filter *cf,
                            const query_filter *f, const float *query, double query_inv_norm, distance_dot_fn dot,
                            topk *heap)
{
    const veccache_row *row = &vc->rows[r];
    if (!row_passes(cf, row))
        return;
    /* A zero (or non-finite, cached as zero) vector on either side: similarity 0. */
    double sim = 0.0;
    if (row->inv_norm != 0.0 && query_inv_norm != 0.0) {
        float d = dot(query, vc->vectors + r * dims, dims);
        sim = (double)d * query_inv_norm * row->inv_norm;
    }
    /* Rounding can carry an identical vector a hair past 1. */
    if (sim > 1.0)
        sim = 1.0;
    else if (sim < -1.0)
        sim = -1.0;
    if (f->has_min_similarity && !(sim >= f->min_similarity))
        return;
    heap_item it = {sim, row->sample_id, r};
    topk_push(heap, &it);
}

static void *scan_run(void *arg)
{
    scan_worker *w = arg;
    scan_shared *sh = w->sh;
    const veccache *vc = sh->vc;
    const query_filter *f = sh->cf->f;
    const size_t dims = (size_t)vc->dims;
    size_t c;
    while ((c = atomic_fetch_add_explicit(&sh->next_chunk, 1, memory_order_relaxed)) < sh->n_chunks) {
        size_t lo = c * SEARCH_CHUNK_ROWS, hi = lo + SEARCH_CHUNK_ROWS;
        if (hi > vc->n)
            hi = vc->n;
        for (size_t r = lo; r < hi; r++)
            scan_row(vc, r, dims, sh->cf, f, sh->query, sh->query_inv_norm, sh->dot, &w->heap);
    }
    return NULL;
}

static int pick_threads(const veccache *vc, int threads)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1)
        ncpu = 1;
    int nth;
    const char *env = getenv("SAMPLEVEC_THREADS"); /* benchmarks pin the thread count */
    if (threads <= 0 && env && atoi(env) > 0)
        threads = atoi(env);
    if (threads > 0)
        nth = threads;
    else
        nth = (double)vc->n * vc->dims * sizeof(float) >= SEARCH_THREAD_MIN_BYTES ? (int)ncpu : 1;
    if (nth > SEARCH_MAX_THREADS)
        nth = SEARCH_MAX_THREADS;
    size_t chunks = (vc->n + SEARCH_CHUNK_ROWS - 1) / SEARCH_CHUNK_ROWS;
    if ((size_t)nth > chunks)
        nth = chunks ? (int)chunks : 1;
    return nth;
}

int search_top_k(const veccache *vc, const float *query, const query_filter *f, size_t k,
                 int threads, query_results *out, char err[SV_ERR_LEN])
{
    int rc = 0;
    compiled_filter cf;
    scan_worker *workers = NULL;
    heap_item *all = NULL;
    scan_shared *sh = NULL;
    int nth = 0, started = 0;

    if (compile_filter(vc, f, &cf) != 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    if (k == 0 || vc->n == 0)
        goto cleanup;
    size_t cap = k < vc->n ? k : vc->n;
    nth = pick_threads(vc, threads);
    sh = aligned_alloc(64, (sizeof *sh + 63) / 64 * 64);
    workers = calloc((size_t)nth, sizeof *workers);
    if (!sh || !workers) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    memset(sh, 0, sizeof *sh);
    atomic_init(&sh->next_chunk, 0);
    sh->vc = vc;
    sh->query = query;
    sh->query_inv_norm = search_query_inv_norm(query, vc->dims);
    sh->cf = &cf;
    sh->dot = distance_dot_pick(NULL);
    sh->n_chunks = (vc->n + SEARCH_CHUNK_ROWS - 1) / SEARCH_CHUNK_ROWS;
    /* Every buffer the scan needs is allocated here, before it starts. */
    for (int i = 0; i < nth; i++) {
        workers[i].sh = sh;
        workers[i].ith = i;
        workers[i].nth = nth;
        workers[i].heap.cap = cap;
        if (!(workers[i].heap.items = malloc(cap * sizeof(heap_item)))) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto cleanup;
        }
    }
    /* Thread 0 is this one. A thread that fails to start leaves its chunks to the others. */
    for (started = 1; started < nth; started++)
        if (pthread_create(&workers[started].tid, NULL, scan_run, &workers[started]) != 0)
            break;
    scan_run(&workers[0]);
    for (int i = 1; i < started; i++)
        pthread_join(workers[i].tid, NULL);

    size_t total = 0;
    for (int i = 0; i < nth; i++)
        total += workers[i].heap.n;
    if (total == 0)
        goto cleanup;
    if (!(all = malloc(total * sizeof *all))) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    total = 0;
    for (int i = 0; i < nth; i++) {
        memcpy(all + total, workers[i].heap.items, workers[i].heap.n * sizeof *all);
        total += workers[i].heap.n;
    }
    qsort(all, total, sizeof *all, cmp_rank);
    for (size_t i = 0; i < total && i < k; i++) {
        if (search_results_append_row(vc, all[i].row, all[i].sim, all[i].sim, out) != 0) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto cleanup;
        }
    }

cleanup:
    if (workers)
        for (int i = 0; i < nth; i++)
            free(workers[i].heap.items);
    free(workers);
    free(all);
    free(sh);
    compiled_filter_clear(&cf);
    return rc;
}

/* ---- many queries in one pass ---- */

typedef struct many_query {
    const search_request *req;
    compiled_filter cf;
    double query_inv_norm;
    size_t cap;
} many_query;

typedef struct many_shared {
    _Alignas(64) atomic_size_t next_chunk;
    _Alignas(64) many_query *q;
    size_t n_q, n_rows, n_chunks;
    distance_dot_fn dot;
} many_shared;

typedef struct many_worker {
    many_shared *sh;
    topk *heaps; /* one per query */
    pthread_t tid;
} many_worker;

static void *many_run(void *arg)
{
    many_worker *w = arg;
    many_shared *sh = w->sh;
    size_t c;
    while ((c = atomic_fetch_add_explicit(&sh->next_chunk, 1, memory_order_relaxed)) < sh->n_chunks) {
        size_t lo = c * SEARCH_MANY_CHUNK_ROWS, hi = lo + SEARCH_MANY_CHUNK_ROWS;
        if (hi > sh->n_rows)
            hi = sh->n_rows;
        /* Row by row, every query: the row is read from memory once and stays in the L1 cache
         * for the others (two caches of the same file are the same physical pages). */
        for (size_t r = lo; r < hi; r++)
            for (size_t j = 0; j < sh->n_q; j++) {
                const many_query *q = &sh->q[j];
                const veccache *vc = q->req->vc;
                if (r < vc->n && q->cap)
                    scan_row(vc, r, (size_t)vc->dims, &q->cf, q->req->f, q->req->query, q->query_inv_norm, sh->dot,
                             &w->heaps[j]);
            }
    }
    return NULL;
}

int search_top_k_many(const search_request *reqs, size_t n, int threads, char err[SV_ERR_LEN])
{
    int rc = 0, nth = 0;
    many_query *q = calloc(n ? n : 1, sizeof *q);
    many_shared *sh = aligned_alloc(64, (sizeof(many_shared) + 63) / 64 * 64);
    many_worker *workers = NULL;
    heap_item *all = NULL;
    size_t n_rows = 0, biggest = 0;
    if (!q || !sh) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    for (size_t j = 0; j < n; j++) {
        q[j].req = &reqs[j];
        if (compile_filter(reqs[j].vc, reqs[j].f, &q[j].cf) != 0) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto cleanup;
        }
        q[j].query_inv_norm = search_query_inv_norm(reqs[j].query, reqs[j].vc->dims);
        q[j].cap = reqs[j].k < reqs[j].vc->n ? reqs[j].k : reqs[j].vc->n;
        n_rows = reqs[j].vc->n > n_rows ? reqs[j].vc->n : n_rows;
    }
    if (n == 0 || n_rows == 0)
        goto cleanup;
    nth = pick_threads(reqs[0].vc, threads);
    memset(sh, 0, sizeof *sh);
    atomic_init(&sh->next_chunk, 0);
    sh->q = q;
    sh->n_q = n;
    sh->n_rows = n_rows;
    sh->n_chunks = (n_rows + SEARCH_MANY_CHUNK_ROWS - 1) / SEARCH_MANY_CHUNK_ROWS;
    sh->dot = distance_dot_pick(NULL);
    if (!(workers = calloc((size_t)nth, sizeof *workers))) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < nth; i++) {
        workers[i].sh = sh;
        if (!(workers[i].heaps = calloc(n, sizeof *workers[i].heaps))) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto cleanup;
        }
        for (size_t j = 0; j < n; j++) {
            workers[i].heaps[j].cap = q[j].cap;
            if (q[j].cap && !(workers[i].heaps[j].items = malloc(q[j].cap * sizeof(heap_item)))) {
                rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
                goto cleanup;
            }
        }
    }
    int started;
    for (started = 1; started < nth; started++)
        if (pthread_create(&workers[started].tid, NULL, many_run, &workers[started]) != 0)
            break;
    many_run(&workers[0]);
    for (int i = 1; i < started; i++)
        pthread_join(workers[i].tid, NULL);
    /* Each query's heaps merged exactly as search_top_k merges its own. */
    for (size_t j = 0; j < n; j++)
        biggest = q[j].cap > biggest ? q[j].cap : biggest;
    if (biggest && !(all = malloc((size_t)nth * biggest * sizeof *all))) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    for (size_t j = 0; j < n && biggest; j++) {
        size_t total = 0;
        for (int i = 0; i < nth; i++) {
            if (!workers[i].heaps[j].n)
                continue; /* items is NULL when k = 0 */
            memcpy(all + total, workers[i].heaps[j].items, workers[i].heaps[j].n * sizeof *all);
            total += workers[i].heaps[j].n;
        }
        qsort(all, total, sizeof *all, cmp_rank);
        for (size_t i = 0; i < total && i < reqs[j].k; i++)
            if (search_results_append_row(reqs[j].vc, all[i].row, all[i].sim, all[i].sim, reqs[j].out) != 0) {
                rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
                goto cleanup;
            }
    }
cleanup:
    for (int i = 0; workers && i < nth; i++) {
        for (size_t j = 0; workers[i].heaps && j < n; j++)
            free(workers[i].heaps[j].items);
        free(workers[i].heaps);
    }
    free(workers);
    for (size_t j = 0; q && j < n; j++)
        compiled_filter_clear(&q[j].cf);
    free(q);
    free(sh);
    free(all);
    return rc;
}

int search_scan(const search_scanner *scan, const veccache *vc, const float *query, const query_filter *f, size_t k,
                query_results *out, char err[SV_ERR_LEN])
{
    if (scan && scan->top_k)
        return scan->top_k(scan->ctx, vc, query, f, k, out, err);
    return search_top_k(vc, query, f, k, 0, out, err);
}
