/* serve_baseline STORE QUERIES_FILE REPEAT [MODE]: the CLI's resident text search — one process, the
 * store open and its vector cache mapped, `searcher_search` (what `samplevec search` and every
 * `serve` request run) for each line of QUERIES_FILE, REPEAT rounds after one untimed warm-up.
 * MODE (hybrid, the default, vector or keyword) shows where a query's time goes.
 * Prints key=value lines for bench/serve.sh: the median and p95 per query in ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monotime.h"
#include "searcher.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: serve_baseline STORE QUERIES_FILE REPEAT [MODE]\n");
        return 2;
    }
    char err[SV_ERR_LEN], lines[64][256];
    int rc = 0, n = 0, repeat = atoi(argv[3]);
    FILE *f = fopen(argv[2], "r");
    while (f && n < 64 && fgets(lines[n], sizeof lines[n], f)) {
        lines[n][strcspn(lines[n], "\n")] = '\0';
        if (lines[n][0])
            n++;
    }
    if (f)
        fclose(f);
    searcher *s = searcher_open(argv[1], 1, &rc, err);
    if (!s || n == 0) {
        fprintf(stderr, "serve_baseline: %s\n", s ? "no queries" : err);
        return 3;
    }
    searcher_query q;
    searcher_query_init(&q); /* k = 10, as /search without k */
    if (argc == 5 && searcher_query_set(&q, "mode", argv[4], err)) {
        fprintf(stderr, "serve_baseline: %s\n", err);
        return 2;
    }
    searcher_answer res = {0};
    if (searcher_search(s, lines[0], &q, &res, err)) { /* warm-up: maps the cache */
        fprintf(stderr, "serve_baseline: %s\n", err);
        return 3;
    }
    searcher_answer_clear(&res);
    double *t = malloc((size_t)(n * repeat) * sizeof *t);
    for (int r = 0; r < repeat; r++)
        for (int i = 0; i < n; i++) {
            double t0 = monotime_now();
            if (searcher_search(s, lines[i], &q, &res, err)) {
                fprintf(stderr, "serve_baseline: %s\n", err);
                return 3;
            }
            t[r * n + i] = (monotime_now() - t0) * 1000;
            searcher_answer_clear(&res);
        }
    qsort(t, (size_t)(n * repeat), sizeof *t, cmp_double);
    printf("queries=%d\nmedian_ms=%.2f\np95_ms=%.2f\n", n * repeat, t[(n * repeat) / 2],
           t[(size_t)((n * repeat) * 0.95)]);
    free(t);
    searcher_free(s);
    return 0;
}
