/* scan_many STORE QUERIES_FILE [K]: the vector scan of every line of QUERIES_FILE (embedded
 * with the store's provider) run one query at a time (search_top_k, as one request alone
 * does) against all of them in one pass (search_top_k_many, as serve's scan_batch does for
 * the requests waiting at one moment), on the same cache, each the median of 5 rounds, and
 * checks the answers are identical. Prints key=value lines: ms of each and their ratio. */
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
    if (argc < 3) {
        fprintf(stderr, "usage: scan_many STORE QUERIES_FILE [K]\n");
        return 2;
    }
    size_t k = argc > 3 ? (size_t)atol(argv[3]) : 100; /* hybrid's vector depth */
    char err[SV_ERR_LEN], lines[64][256];
    const char *texts[64];
    int rc = 0, n = 0;
    FILE *f = fopen(argv[2], "r");
    while (f && n < 64 && fgets(lines[n], sizeof lines[n], f)) {
        lines[n][strcspn(lines[n], "\n")] = '\0';
        if (lines[n][0]) {
            texts[n] = lines[n];
            n++;
        }
    }
    if (f)
        fclose(f);
    store *st = store_open(argv[1], 1, &rc, err);
    store_meta meta;
    searcher *s = searcher_open(argv[1], 1, &rc, err);
    if (!st || !s || n == 0 || store_meta_get(st, &meta, err)) {
        fprintf(stderr, "scan_many: %s\n", n ? err : "no queries");
        return 3;
    }
    veccache *vc = veccache_for_store(st, &meta, 1, NULL, &rc, err);
    float *q = malloc((size_t)n * (size_t)meta.dims * sizeof *q);
    provider_text_result *res = calloc((size_t)n, sizeof *res);
    if (!vc || !q || !res || searcher_embed(s, PROVIDER_ROLE_QUERY, texts, (size_t)n, q, res, err)) {
        fprintf(stderr, "scan_many: %s\n", err);
        return 3;
    }
    provider_results_clear(res, (size_t)n);
    query_filter none = {0};
    query_results one[64], many[64];
    search_request reqs[64];
    double t_one[5], t_many[5];
    int same = 1;
    for (int round = 0; round < 5; round++) {
        memset(one, 0, sizeof one);
        memset(many, 0, sizeof many);
        double t0 = monotime_now();
        for (int i = 0; i < n; i++)
            if (search_top_k(vc, q + (size_t)i * meta.dims, &none, k, 0, &one[i], err))
                return 3;
        double t1 = monotime_now();
        for (int i = 0; i < n; i++)
            reqs[i] = (search_request){vc, q + (size_t)i * meta.dims, &none, k, &many[i]};
        if (search_top_k_many(reqs, (size_t)n, 0, err))
            return 3;
        double t2 = monotime_now();
        t_one[round] = (t1 - t0) * 1000;
        t_many[round] = (t2 - t1) * 1000;
        for (int i = 0; i < n; i++) {
            same &= one[i].n == many[i].n;
            for (size_t j = 0; same && j < one[i].n; j++)
                same = one[i].hits[j].sample_id == many[i].hits[j].sample_id &&
                       one[i].hits[j].similarity == many[i].hits[j].similarity;
            query_results_clear(&one[i]);
            query_results_clear(&many[i]);
        }
    }
    qsort(t_one, 5, sizeof *t_one, cmp_double);
    qsort(t_many, 5, sizeof *t_many, cmp_double);
    printf("queries=%d\nrows=%zu\ndims=%d\nk=%zu\none_at_a_time_ms=%.1f\none_pass_ms=%.1f\nratio=%.2f\nidentical=%s\n", n,
           vc->n, vc->dims, k, t_one[2], t_many[2], t_one[2] / t_many[2], same ? "yes" : "NO");
    free(q);
    free(res);
    veccache_free(vc);
    searcher_free(s);
    store_close(st);
    return same ? 0 : 1;
}
