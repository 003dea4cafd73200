/* scan_batch: 16 threads scanning at once through the batch each get exactly search_top_k's
 * answer (ids, similarities, order), whatever passes their scans were joined into, with
 * different filters and k; every scan is counted in exactly one pass. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "scan_batch.h"
#include "veccache.h"

enum { N = 4000, DIMS = 64, THREADS = 16, QUERIES = 12 };

static float vecs[N][DIMS];
static const char *GENRES[] = {"Jazz", "Soul", "Trap", NULL};

typedef struct client {
    const veccache *vc;
    const search_scanner *scan;
    int id, mismatches, compared, failures;
} client;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static void *client_main(void *arg)
{
    client *c = arg;
    char err[SV_ERR_LEN];
    float q[DIMS];
    for (int t = 0; t < QUERIES; t++) {
        uint64_t h = mix((uint64_t)(c->id * 1000 + t + 1));
        for (int d = 0; d < DIMS; d++)
            q[d] = (float)((double)(mix(h + (uint64_t)d) >> 11) / 9007199254740992.0 - 0.5);
        query_filter f = {0};
        if (h % 3 == 0)
            f.genre = GENRES[h % 3 + (h >> 8) % 2];
        if (h % 5 == 0) {
            f.has_bpm = 1;
            f.bpm_min = 80;
            f.bpm_max = 120;
        }
        size_t k = (size_t[]){1, 10, 100}[(h >> 4) % 3];
        query_results got = {0}, want = {0};
        c->failures += c->scan->top_k(c->scan->ctx, c->vc, q, &f, k, &got, err) != 0;
        c->failures += search_top_k(c->vc, q, &f, k, 1, &want, err) != 0;
        int same = got.n == want.n && got.n > 0;
        for (size_t i = 0; same && i < got.n; i++)
            same = got.hits[i].sample_id == want.hits[i].sample_id &&
                   got.hits[i].similarity == want.hits[i].similarity;
        c->mismatches += !same;
        c->compared++;
        query_results_clear(&got);
        query_results_clear(&want);
    }
    return NULL;
}

int main(void)
{
    char err[SV_ERR_LEN];
    veccache_builder *b = veccache_builder_new(NULL, DIMS, err);
    CHECK(b != NULL);
    if (!b)
        return check_summary();
    for (int i = 0; i < N; i++) {
        for (int d = 0; d < DIMS; d++)
            vecs[i][d] = (float)((double)(mix((uint64_t)(i * DIMS + d) + 77) >> 11) / 9007199254740992.0 - 0.5);
        store_scan_row r = {0};
        r.sample_id = 10 + 3 * i;
        r.vector = vecs[i];
        r.title = "t";
        r.genre = GENRES[i % 3];
        r.has_bpm = 1;
        r.bpm = 60 + i % 100;
        CHECK(veccache_builder_add(b, &r, err) == 0);
    }
    veccache *vc = veccache_builder_finish(b, "fp", "lexical", "lexical-v1", err);
    CHECK(vc != NULL);
    scan_batch *sb = scan_batch_new(2);
    CHECK(sb != NULL);
    if (!vc || !sb)
        return check_summary();
    client cl[THREADS];
    pthread_t tid[THREADS];
    for (int i = 0; i < THREADS; i++) {
        cl[i] = (client){vc, scan_batch_scanner(sb), i, 0, 0, 0};
        CHECK(pthread_create(&tid[i], NULL, client_main, &cl[i]) == 0);
    }
    int mismatches = 0, compared = 0, failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tid[i], NULL);
        mismatches += cl[i].mismatches;
        compared += cl[i].compared;
        failures += cl[i].failures;
    }
    uint64_t passes, queries;
    scan_batch_counts(sb, &passes, &queries);
    printf("%d scans in %llu passes\n", compared, (unsigned long long)passes);
    CHECK(failures == 0);
    CHECK(mismatches == 0);
    CHECK(compared == THREADS * QUERIES);
    CHECK(queries == (uint64_t)(THREADS * QUERIES));
    CHECK(passes >= 1 && passes <= queries);
    scan_batch_free(sb);
    scan_batch_free(NULL);
    veccache_free(vc);
    return check_summary();
}
