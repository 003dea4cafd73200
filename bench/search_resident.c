/* search_resident: per-query latency of `similar` in a resident process (what `serve` does:
 * the store open, the vector cache mapped, the fingerprint re-checked before every query),
 * and the memory floor for the same bytes, measured between the queries (medians of both, so
 * both see the same machine load).
 *
 * The floor is the best of several ways to read the scanned bytes once, on as many threads as
 * the search uses (SAMPLEVEC_THREADS, else every core): streaming loads with each SIMD width
 * the CPU has (AVX-512, AVX2, SSE2; several accumulators, so only memory bounds them), and
 * glibc's own memcmp over two mappings of the same cache file (its hand-tuned vector loop; two
 * mappings, so no shortcut for equal pointers applies). A search must at least read every
 * byte; whichever of these reads them fastest is the floor it is held to.
 *
 *   search_resident STORE QUERIES K
 * Prints key=value lines for bench/search.sh. Kernel and threads follow SAMPLEVEC_KERNEL and
 * SAMPLEVEC_THREADS, so the script runs it once per configuration.
 */
#include <fcntl.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "searcher.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Each reader touches p[0..n) once (q is the second mapping, for memcmp) and returns something
 * derived from every load, so the compiler cannot drop them. 8 independent accumulators hide
 * the add latency: the loop is bound by loads alone. */
__attribute__((target("avx512f"))) static float read_avx512(const float *p, const float *q, size_t n)
{
    (void)q;
    __m512 a[8];
    for (int j = 0; j < 8; j++)
        a[j] = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 128 <= n; i += 128)
        for (int j = 0; j < 8; j++)
            a[j] = _mm512_add_ps(a[j], _mm512_loadu_ps(p + i + 16 * j));
    for (int j = 1; j < 8; j++)
        a[0] = _mm512_add_ps(a[0], a[j]);
    float s = _mm512_reduce_add_ps(a[0]);
    for (; i < n; i++)
        s += p[i];
    return s;
}

__attribute__((target("avx2"))) static float read_avx2(const float *p, const float *q, size_t n)
{
    (void)q;
    __m256 a[8];
    for (int j = 0; j < 8; j++)
        a[j] = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        for (int j = 0; j < 8; j++)
            a[j] = _mm256_add_ps(a[j], _mm256_loadu_ps(p + i + 8 * j));
    for (int j = 1; j < 8; j++)
        a[0] = _mm256_add_ps(a[0], a[j]);
    float lanes[8], s = 0;
    _mm256_storeu_ps(lanes, a[0]);
    for (int j = 0; j < 8; j++)
        s += lanes[j];
    for (; i < n; i++)
        s += p[i];
    return s;
}

static float read_sse2(const float *p, const float *q, size_t n)
{
    (void)q;
    __m128 a[8];
    for (int j = 0; j < 8; j++)
        a[j] = _mm_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int j = 0; j < 8; j++)
            a[j] = _mm_add_ps(a[j], _mm_loadu_ps(p + i + 4 * j));
    for (int j = 1; j < 8; j++)
        a[0] = _mm_add_ps(a[0], a[j]);
    float lanes[4], s = 0;
    _mm_storeu_ps(lanes, a[0]);
    for (int j = 0; j < 4; j++)
        s += lanes[j];
    for (; i < n; i++)
        s += p[i];
    return s;
}

/* glibc's memcmp (its ifunc picks the EVEX/AVX2/SSE version for this CPU) over equal bytes,
 * so it runs to the end. */
static float read_memcmp(const float *p, const float *q, size_t n)
{
    return (float)memcmp(p, q, n * sizeof *p);
}

/* __builtin_cpu_supports takes a literal only */
static int cpu_has(int feature)
{
    __builtin_cpu_init();
    switch (feature) {
    case 1: return __builtin_cpu_supports("avx512f");
    case 2: return __builtin_cpu_supports("avx2");
    case 3: return __builtin_cpu_supports("sse2");
    default: return 1;
    }
}

typedef float (*reader_fn)(const float *p, const float *q, size_t n);
static const struct {
    const char *name;
    int needs; /* CPU feature: 0 none, else a CPU_* below */
    reader_fn fn;
} readers[] = {
    {"avx512", 1, read_avx512},
    {"avx2", 2, read_avx2},
    {"sse2", 3, read_sse2},
    {"memcmp", 0, read_memcmp},
};
enum { N_READERS = sizeof readers / sizeof readers[0] };

typedef struct slice {
    reader_fn fn;
    const float *p, *q;
    size_t n;
    float out;
} slice;

static void *read_slice(void *arg)
{
    slice *s = arg;
    s->out = s->fn(s->p, s->q, s->n);
    return NULL;
}

/* Wall time for `threads` threads to read p[0..n) (in equal slices) with fn. */
static double time_read(reader_fn fn, const float *p, const float *q, size_t n, int threads, volatile float *sink)
{
    slice sl[64];
    pthread_t th[64];
    size_t per = (n / (size_t)threads + 15) & ~(size_t)15; /* 64-byte slices */
    double t0 = now();
    for (int i = 0; i < threads; i++) {
        size_t from = (size_t)i * per < n ? (size_t)i * per : n;
        size_t to = from + per < n ? from + per : n;
        sl[i] = (slice){fn, p + from, q + from, to - from, 0};
        if (i > 0)
            pthread_create(&th[i], NULL, read_slice, &sl[i]);
    }
    read_slice(&sl[0]);
    for (int i = 1; i < threads; i++)
        pthread_join(th[i], NULL);
    double t = now() - t0;
    for (int i = 0; i < threads; i++)
        *sink += sl[i].out;
    return t;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: search_resident STORE QUERIES K\n");
        return 2;
    }
    const char *path = argv[1];
    int queries = atoi(argv[2]);
    char k_text[32];
    snprintf(k_text, sizeof k_text, "%s", argv[3]);
    char err[SV_ERR_LEN];
    int rc = 0;
    searcher *s = searcher_open(path, 1, &rc, err);
    if (!s) {
        fprintf(stderr, "search_resident: %s\n", err);
        return rc;
    }
    searcher_query q;
    searcher_query_init(&q);
    if (searcher_query_set(&q, "k", k_text, err) != 0) {
        fprintf(stderr, "search_resident: %s\n", err);
        return 2;
    }
    int64_t rows = searcher_meta(s)->rows;
    int dims = searcher_meta(s)->dims;
    query_results res = {0};
    int found;
    /* Warm-up: maps (or builds) the cache; not timed. */
    if (searcher_similar(s, 1, &q, &res, &found, err) != 0) {
        fprintf(stderr, "search_resident: %s\n", err);
        return 3;
    }
    query_results_clear(&res);

    /* The floor: read the cache's vector section (exactly the bytes a query scans), between
     * the queries, so both see the same machine load. */
    char cache[4096];
    snprintf(cache, sizeof cache, "%s.vcache", path);
    int fd = open(cache, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "search_resident: cannot open %s\n", cache);
        return 3;
    }
    const unsigned char *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    const unsigned char *map2 = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED || map2 == MAP_FAILED) {
        fprintf(stderr, "search_resident: cannot map %s\n", cache);
        return 3;
    }
    size_t nfloats = (size_t)rows * (size_t)dims;
    const float *vec = (const float *)(map + 4096), *vec2 = (const float *)(map2 + 4096);
    int threads = getenv("SAMPLEVEC_THREADS") && atoi(getenv("SAMPLEVEC_THREADS")) > 0
                      ? atoi(getenv("SAMPLEVEC_THREADS"))
                      : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    if (threads > 64)
        threads = 64;
    int usable[N_READERS];
    for (int v = 0; v < N_READERS; v++)
        usable[v] = cpu_has(readers[v].needs);
    volatile float sink = 0;

    double *t = malloc((size_t)queries * sizeof *t), *f[N_READERS];
    for (int v = 0; v < N_READERS; v++)
        f[v] = malloc((size_t)queries * sizeof *f[v]);
    uint64_t r = 12345;
    for (int i = 0; i < queries; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        int64_t id = 1 + (int64_t)(r % (uint64_t)rows);
        double t0 = now();
        rc = searcher_similar(s, id, &q, &res, &found, err);
        t[i] = now() - t0;
        if (rc || !found || res.n == 0) {
            fprintf(stderr, "search_resident: query %lld failed: %s\n", (long long)id, rc ? err : "no result");
            return 3;
        }
        query_results_clear(&res);
        for (int v = 0; v < N_READERS; v++)
            f[v][i] = usable[v] ? time_read(readers[v].fn, vec, vec2, nfloats, threads, &sink) : 0;
    }
    qsort(t, (size_t)queries, sizeof *t, cmp_double);
    double sum = 0;
    for (int i = 0; i < queries; i++)
        sum += t[i];
    double bytes = (double)nfloats * 4;
    printf("rows=%lld\ndims=%d\nquery_median_ms=%.3f\nquery_mean_ms=%.3f\nquery_min_ms=%.3f\n", (long long)rows,
           dims, t[queries / 2] * 1e3, sum / queries * 1e3, t[0] * 1e3);
    /* every reader's median, and the best of them: the floor */
    int best = -1;
    for (int v = 0; v < N_READERS; v++) {
        if (!usable[v]) {
            printf("floor_%s_ms=unsupported\n", readers[v].name);
            continue;
        }
        qsort(f[v], (size_t)queries, sizeof *f[v], cmp_double);
        printf("floor_%s_ms=%.3f\n", readers[v].name, f[v][queries / 2] * 1e3);
        if (best < 0 || f[v][queries / 2] < f[best][queries / 2])
            best = v;
    }
    printf("scan_bytes=%.0f\nfloor_threads=%d\nfloor_reader=%s\nstream_gbs=%.2f\nfloor_ms=%.3f\nfloor_min_ms=%.3f\n",
           bytes, threads, readers[best].name, bytes / f[best][queries / 2] / 1e9, f[best][queries / 2] * 1e3,
           f[best][0] * 1e3);
    searcher_free(s);
    munmap((void *)map, (size_t)st.st_size);
    munmap((void *)map2, (size_t)st.st_size);
    close(fd);
    for (int v = 0; v < N_READERS; v++)
        free(f[v]);
    free(t);
    (void)sink;
    return 0;
}
