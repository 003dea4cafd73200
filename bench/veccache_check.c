/* veccache_check: what checking the vector cache costs. Builds a cache of N × DIMS random
 * vectors, then times, each as the median of REPEATS runs on the same warm mapping:
 *   open_ms     veccache_open of the existing file: mapping, bounds, rows, and the XXH3-64
 *               checksum of every byte after the header (what a cold `search` pays first)
 *   xxh3_ms     the checksum alone over the same bytes
 *   query_ms    one exact top-10 query over the cache, 1 thread (the baseline: what the
 *               search itself costs)
 * and the ratio xxh3_ms / query_ms.
 *
 *   veccache_check N DIMS REPEATS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "search.h"
#include "veccache.h"

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

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: veccache_check N DIMS REPEATS\n");
        return 2;
    }
    size_t n = (size_t)atol(argv[1]);
    int dims = atoi(argv[2]), repeats = atoi(argv[3]);
    char path[64], err[SV_ERR_LEN];
    snprintf(path, sizeof path, "veccache-check-%d.vcache", (int)getpid());
    veccache_builder *b = veccache_builder_new(path, dims, err);
    float *v = malloc((size_t)dims * sizeof *v);
    if (!b || !v) {
        fprintf(stderr, "veccache_check: %s\n", err);
        return 1;
    }
    unsigned x = 12345;
    for (size_t i = 0; i < n; i++) {
        for (int d = 0; d < dims; d++) {
            x = x * 1103515245u + 12345u;
            v[d] = (float)((x >> 8) & 0xffff) / 65536.0f - 0.5f;
        }
        store_scan_row row = {.sample_id = (int64_t)i, .vector = v, .title = "t", .genre = "g"};
        if (veccache_builder_add(b, &row, err) != 0) {
            fprintf(stderr, "veccache_check: %s\n", err);
            return 1;
        }
    }
    veccache *built = veccache_builder_finish(b, "bench", "lexical", "lexical-v1", err);
    if (!built) {
        fprintf(stderr, "veccache_check: %s\n", err);
        return 1;
    }
    double *open_ms = calloc((size_t)repeats, sizeof(double));
    double *xxh_ms = calloc((size_t)repeats, sizeof(double));
    double *query_ms = calloc((size_t)repeats, sizeof(double));
    const unsigned char *body = (const unsigned char *)built->vectors;
    size_t body_len = built->map_len - 4096;
    volatile unsigned long long sink = 0;
    for (int r = 0; r < repeats; r++) {
        double t0 = now();
        veccache *vc = veccache_open(path, dims, "bench", "lexical", "lexical-v1", err);
        open_ms[r] = (now() - t0) * 1e3;
        if (!vc) {
            fprintf(stderr, "veccache_check: %s\n", err);
            return 1;
        }
        veccache_free(vc);
        t0 = now();
        sink += XXH3_64bits(body, body_len);
        xxh_ms[r] = (now() - t0) * 1e3;
        query_filter f;
        memset(&f, 0, sizeof f);
        query_results res = {0};
        t0 = now();
        if (search_top_k(built, built->vectors + (size_t)(r % (int)n) * (size_t)dims, &f, 10, 1, &res, err) != 0) {
            fprintf(stderr, "veccache_check: %s\n", err);
            return 1;
        }
        query_ms[r] = (now() - t0) * 1e3;
        query_results_clear(&res);
    }
    qsort(open_ms, (size_t)repeats, sizeof(double), cmp_double);
    qsort(xxh_ms, (size_t)repeats, sizeof(double), cmp_double);
    qsort(query_ms, (size_t)repeats, sizeof(double), cmp_double);
    double o = open_ms[repeats / 2], h = xxh_ms[repeats / 2], q = query_ms[repeats / 2];
    printf("cache %zu x %d, %.1f MB checked\n", n, dims, body_len / 1e6);
    printf("open (bounds + checksum) %.2f ms, XXH3 alone %.2f ms (%.1f GB/s), one exact query %.2f ms\n",
           o, h, body_len / (h * 1e-3) / 1e9, q);
    printf("checksum / query = %.2fx\n", h / q);
    veccache_free(built);
    unlink(path);
    free(v);
    free(open_ms);
    free(xxh_ms);
    free(query_ms);
    return sink == 42 ? 3 : 0;
}
