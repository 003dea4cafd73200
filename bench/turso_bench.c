/* turso_bench: the Turso store's write speed, driven by bench/turso.sh.
 *
 *   turso_bench prepare URL DIMS                 claim a fresh database (schema only)
 *   turso_bench dump URL DIR ROWS_PER_REQ N DIMS N rows as pre-built pipeline bodies, exactly
 *                                                what the store sends, one file per request
 *                                                (claims URL's database first)
 *   turso_bench store URL N CHUNK DIMS           N rows through store_upsert, CHUNK per call
 *   turso_bench single URL N DIMS                N rows, one store_upsert (one request) each
 *   turso_bench ceiling URL PER N INFLIGHT DIMS  the server's ceiling: the same requests as
 *                                                `store` sends, all built before the clock
 *                                                starts, then sent INFLIGHT at a time
 * Prints "rows seconds rows_per_s" for store/single. Vectors are random unit-ish floats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "store.h"
#include "store_turso.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct rows {
    store_row *r;
    float *v;
    char (*hash)[SV_HASH_HEX_LEN + 1];
} rows;

static int make_rows(rows *x, size_t n, int dims)
{
    x->r = calloc(n, sizeof *x->r);
    x->v = malloc(n * (size_t)dims * sizeof *x->v);
    x->hash = calloc(n, sizeof *x->hash);
    if (!x->r || !x->v || !x->hash)
        return -1;
    unsigned s = 12345;
    for (size_t i = 0; i < n * (size_t)dims; i++) {
        s = s * 1103515245u + 12345u;
        x->v[i] = (float)((s >> 8) & 0xffff) / 65536.0f - 0.5f;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(x->hash[i], sizeof x->hash[i], "%016zx", i * 2654435761u);
        store_row *r = &x->r[i];
        r->sample_id = (int64_t)i + 1;
        r->vector = x->v + i * (size_t)dims;
        r->source = "Title: Dusty Rhodes Chord. Genre: lo-fi hip hop. BPM: 84. Key: F minor. "
                    "Mood: nostalgic, warm. Tags: keys, vinyl, chord";
        r->source_hash = x->hash[i];
        r->title = "Dusty Rhodes Chord";
        r->genre = "lo-fi hip hop";
        r->musical_key = "F minor";
        r->mood_primary = "nostalgic";
        r->mood_secondary = "warm";
        r->bpm = 84;
        r->has_bpm = 1;
        r->energy_level = 0.4;
        r->has_energy = 1;
    }
    return 0;
}

static store *open_prepared(const char *url, int dims)
{
    char err[SV_ERR_LEN];
    int code;
    store *st = store_open(url, STORE_READ_WRITE, &code, err);
    if (!st || store_prepare(st, "lexical", "lexical-v1", dims, NULL, 0, err)) {
        fprintf(stderr, "turso_bench: %s\n", err);
        store_close(st);
        return NULL;
    }
    return st;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: see the comment at the top of bench/turso_bench.c\n");
        return 2;
    }
    const char *mode = argv[1];
    char err[SV_ERR_LEN];
    if (strcmp(mode, "prepare") == 0 && argc == 4) {
        store *st = open_prepared(argv[2], atoi(argv[3]));
        store_close(st);
        return st ? 0 : 3;
    }
    if (strcmp(mode, "dump") == 0 && argc == 7) {
        size_t per = (size_t)atol(argv[4]), n = (size_t)atol(argv[5]);
        int dims = atoi(argv[6]);
        rows x;
        store *st = open_prepared(argv[2], dims); /* the builder needs a claimed store */
        if (!st || make_rows(&x, n, dims))
            return 3;
        strbuf b = {0};
        for (size_t at = 0, k = 0; at < n; at += per, k++) {
            strbuf_clear(&b);
            strbuf_add_str(&b, "{\"baton\":null,\"requests\":[");
            store_turso_upsert_requests(st, x.r + at, n - at < per ? n - at : per, &b);
            strbuf_add_str(&b, "]}");
            char path[1024];
            snprintf(path, sizeof path, "%s/body-%05zu.json", argv[3], k);
            FILE *f = fopen(path, "wb");
            if (!f || fwrite(b.s, 1, b.len, f) != b.len || fclose(f))
                return 3;
        }
        strbuf_free(&b);
        store_close(st);
        free(x.r);
        free(x.v);
        free(x.hash);
        return 0;
    }
    if (strcmp(mode, "ceiling") == 0 && argc == 7) {
        size_t per = (size_t)atol(argv[3]), n = (size_t)atol(argv[4]);
        int inflight = atoi(argv[5]), dims = atoi(argv[6]);
        rows x;
        store *st = open_prepared(argv[2], dims);
        if (!st || make_rows(&x, n, dims) || per == 0 || inflight < 1)
            return 3;
        size_t n_req = (n + per - 1) / per;
        strbuf *bodies = calloc(n_req, sizeof *bodies);
        hrana_call *calls = calloc(n_req, sizeof *calls);
        if (!bodies || !calls)
            return 3;
        for (size_t q = 0; q < n_req; q++) {
            size_t at = q * per;
            store_turso_upsert_requests(st, x.r + at, n - at < per ? n - at : per, &bodies[q]);
            calls[q].requests = bodies[q].s;
            calls[q].requests_len = bodies[q].len;
        }
        hrana_options o;
        hrana_options_default(&o);
        o.max_inflight = inflight;
        hrana_client *c = hrana_client_new(argv[2], NULL, &o, err);
        hrana_call probe = {.requests = "", .requests_len = 0};
        if (!c || hrana_run(c, &probe, 1, err)) /* version probe outside the timing */
            return 3;
        hrana_call_clear(&probe);
        double t0 = now_s();
        if (hrana_run(c, calls, n_req, err)) {
            fprintf(stderr, "turso_bench: %s\n", err);
            return 3;
        }
        double dt = now_s() - t0;
        for (size_t q = 0; q < n_req; q++) {
            char e[SV_ERR_LEN];
            if (hrana_batch_ok(c, &calls[q], 0, (int)(n - q * per < per ? n - q * per : per) + 2, e)) {
                fprintf(stderr, "turso_bench: request %zu: %s\n", q, e);
                return 3;
            }
            hrana_call_clear(&calls[q]);
            strbuf_free(&bodies[q]);
        }
        printf("%zu %.3f %.0f\n", n, dt, (double)n / dt);
        hrana_client_free(c);
        store_close(st);
        free(bodies);
        free(calls);
        free(x.r);
        free(x.v);
        free(x.hash);
        return 0;
    }
    if ((strcmp(mode, "store") == 0 && argc == 6) || (strcmp(mode, "single") == 0 && argc == 5)) {
        size_t n = (size_t)atol(argv[3]);
        size_t chunk = mode[0] == 's' && mode[1] == 't' ? (size_t)atol(argv[4]) : 1;
        int dims = atoi(argv[mode[1] == 't' ? 5 : 4]);
        rows x;
        store *st = open_prepared(argv[2], dims);
        if (!st || make_rows(&x, n, dims))
            return 3;
        double t0 = now_s();
        for (size_t at = 0; at < n; at += chunk) {
            if (store_upsert(st, x.r + at, n - at < chunk ? n - at : chunk, err)) {
                fprintf(stderr, "turso_bench: %s\n", err);
                return 3;
            }
        }
        double dt = now_s() - t0;
        printf("%zu %.3f %.0f\n", n, dt, (double)n / dt);
        store_close(st);
        free(x.r);
        free(x.v);
        free(x.hash);
        return 0;
    }
    fprintf(stderr, "turso_bench: bad arguments\n");
    return 2;
}
