/* search_hybrid: per-query latency of `search` in a resident process (as `serve` runs it), in
 * vector mode and in hybrid mode, on the same store and the same query texts, the two modes
 * alternating query by query so both see the same machine load.
 *
 *   search_hybrid STORE ROUNDS TEXT...   prints "vector_ms=", "hybrid_ms=", "keyword_ms=" (medians)
 *
 * Each timed call is the whole searcher_search: reading the query, embedding it with the
 * store's provider, and ranking (hybrid: the keyword index's BM25F ranking, the vector scan and
 * the fusion). The first call of each mode (mapping the caches) is not timed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: search_hybrid STORE ROUNDS TEXT...\n");
        return 2;
    }
    char err[SV_ERR_LEN];
    int rc = 0, rounds = atoi(argv[2]), n_text = argc - 3;
    searcher *s = searcher_open(argv[1], 1, &rc, err);
    if (!s) {
        fprintf(stderr, "search_hybrid: %s\n", err);
        return rc;
    }
    const char *modes[] = {"vector", "hybrid", "keyword"};
    searcher_query q[3];
    for (int m = 0; m < 3; m++) {
        searcher_query_init(&q[m]);
        if (searcher_query_set(&q[m], "mode", modes[m], err) != 0)
            return 2;
        searcher_answer a;
        if (searcher_search(s, argv[3], &q[m], &a, err) != 0) { /* warm-up */
            fprintf(stderr, "search_hybrid: %s\n", err);
            return 3;
        }
        searcher_answer_clear(&a);
    }
    int n = rounds * n_text;
    double *t[3];
    for (int m = 0; m < 3; m++)
        t[m] = malloc((size_t)n * sizeof *t[m]);
    for (int i = 0; i < n; i++) {
        const char *text = argv[3 + i % n_text];
        for (int m = 0; m < 3; m++) {
            searcher_answer a;
            double t0 = now();
            rc = searcher_search(s, text, &q[m], &a, err);
            t[m][i] = now() - t0;
            if (rc || a.results.n == 0) {
                fprintf(stderr, "search_hybrid: '%s' (%s): %s\n", text, modes[m], rc ? err : "no result");
                return 3;
            }
            searcher_answer_clear(&a);
        }
    }
    for (int m = 0; m < 3; m++) {
        printf("%s_ms=%.3f\n", modes[m], median(t[m], n) * 1e3);
        free(t[m]);
    }
    searcher_free(s);
    return 0;
}
