/* search_resident: per-query latency of `similar` in a resident process (what `serve` does:
 * the store open, the vector cache mapped, the fingerprint re-checked before every query),
 * and the one-core memory-bandwidth floor for the same bytes, measured between the queries
 * (medians of both, so both see the same machine load).
 *
 *   search_resident STORE QUERIES K
 * Prints key=value lines for bench/search.sh. Kernel and threads follow SAMPLEVEC_KERNEL and
 * SAMPLEVEC_THREADS, so the script runs it once per configuration.
 */
#include <fcntl.h>
#include <immintrin.h>
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

/* Reads every byte once, as fast as one core can: the floor any exact scan must pay. */
__attribute__((target("avx512f"))) static float stream_sum_avx512(const float *p, size_t n)
{
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        a0 = _mm512_add_ps(a0, _mm512_loadu_ps(p + i));
        a1 = _mm512_add_ps(a1, _mm512_loadu_ps(p + i + 16));
        a2 = _mm512_add_ps(a2, _mm512_loadu_ps(p + i + 32));
        a3 = _mm512_add_ps(a3, _mm512_loadu_ps(p + i + 48));
    }
    float s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
    for (; i < n; i++)
        s += p[i];
    return s;
}

static float stream_sum_scalar(const float *p, size_t n)
{
    float s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            s[j] += p[i + j];
    for (; i < n; i++)
        s[0] += p[i];
    return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
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

    /* The floor: stream the cache's vector section (exactly the bytes a query scans) with
     * one core. Measured between the queries, so both see the same machine load. */
    char cache[4096];
    snprintf(cache, sizeof cache, "%s.vcache", path);
    int fd = open(cache, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "search_resident: cannot open %s\n", cache);
        return 3;
    }
    const unsigned char *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    size_t nfloats = (size_t)rows * (size_t)dims;
    const float *vec = (const float *)(map + 4096);
    int avx512 = __builtin_cpu_supports("avx512f");
    volatile float sink = 0;

    double *t = malloc((size_t)queries * sizeof *t), *f = malloc((size_t)queries * sizeof *f);
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
        t0 = now();
        sink += avx512 ? stream_sum_avx512(vec, nfloats) : stream_sum_scalar(vec, nfloats);
        f[i] = now() - t0;
    }
    qsort(t, (size_t)queries, sizeof *t, cmp_double);
    qsort(f, (size_t)queries, sizeof *f, cmp_double);
    double sum = 0;
    for (int i = 0; i < queries; i++)
        sum += t[i];
    double bytes = (double)nfloats * 4;
    printf("rows=%lld\ndims=%d\nquery_median_ms=%.3f\nquery_mean_ms=%.3f\nquery_min_ms=%.3f\n", (long long)rows,
           dims, t[queries / 2] * 1e3, sum / queries * 1e3, t[0] * 1e3);
    printf("scan_bytes=%.0f\nstream_gbs=%.2f\nfloor_ms=%.3f\nfloor_min_ms=%.3f\n", bytes, bytes / f[queries / 2] / 1e9,
           f[queries / 2] * 1e3, f[0] * 1e3);
    searcher_free(s);
    munmap((void *)map, (size_t)st.st_size);
    close(fd);
    free(f);
    free(t);
    (void)sink;
    return 0;
}
