/* searcher over a real SQLite store: results equal a reference that reads the store file with
 * raw SQL (filters in SQL, BLOBs decoded by hand, cosine in double), for random filters; the
 * vector cache is reused while the store is unchanged and rebuilt after any write (through the
 * store, by another writer, by a reset), also inside a long-lived searcher (serve). A scanner
 * set on the searcher (serve's shared pass) runs every vector scan, also the hybrid vector
 * ranking on its own thread, and leaves the answers unchanged. */
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "provider.h"
#include "searcher.h"
#include "store.h"

enum { N = 1200, DIMS = 96 };

static uint64_t rng = 0x853c49e6748fea9bULL;
static uint64_t next_u64(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}
static double unit(void) { return (double)(next_u64() >> 11) / 9007199254740992.0; }

/* Stored spellings and, for each filter key below, every stored spelling of that key. */
static const char *KEY_TEXT[] = {"Am", "A minor", "A min", "C#m", "Dbm", "C", "C major", "F# major", "Gb", NULL};
static const struct { const char *query; const char *sql_in; } KEY_FILTERS[] = {
    {"a minor", "('Am','A minor','A min')"},
    {"Db minor", "('C#m','Dbm')"},
    {"Cmaj", "('C','C major')"},
    {"F#", "('F# major','Gb')"},
};
static const char *GENRE[] = {"Soul", "soul", "Jazz", "trap", NULL};
static const char *MOOD[] = {"dark", "Dark", "chill", "uplifting", NULL};

static float vectors[N][DIMS];

static void fill_rows(store_row *rows, int64_t id0, char titles[][24])
{
    for (int i = 0; i < N; i++) {
        for (int d = 0; d < DIMS; d++)
            vectors[i][d] = (float)(unit() * 2 - 1) + (d < 4 ? (float)(i % 4 == d) * 3.0f : 0.0f);
        store_row *r = &rows[i];
        memset(r, 0, sizeof *r);
        r->sample_id = id0 + i * 2;
        r->vector = vectors[i];
        snprintf(titles[i], 24, "sample %d", i);
        r->source = titles[i];
        r->source_hash = "0123456789abcdef";
        r->title = titles[i];
        r->genre = GENRE[next_u64() % 5];
        r->musical_key = KEY_TEXT[next_u64() % 10];
        r->mood_primary = MOOD[next_u64() % 5];
        r->mood_secondary = MOOD[next_u64() % 5];
        r->has_bpm = unit() < 0.9;
        r->bpm = 70 + floor(unit() * 60);
    }
}

typedef struct ref_hit { int64_t id; double sim; } ref_hit;
static int ref_cmp(const void *x, const void *y)
{
    const ref_hit *a = x, *b = y;
    if (a->sim != b->sim)
        return a->sim > b->sim ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Little-endian float32 by hand, independent of vecblob. */
static float le_float(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* The reference: SQL does the filtering, C the cosine. Returns the ranked count. */
static size_t reference(const char *path, const float *q, const char *where, ref_hit *out)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT sample_id, vibe_vector FROM sample_embeddings WHERE %s", where);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "reference: %s\n", sqlite3_errmsg(db));
        exit(2);
    }
    size_t m = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *b = sqlite3_column_blob(st, 1);
        double dot = 0, nq = 0, nv = 0;
        for (int d = 0; d < DIMS; d++) {
            double v = le_float(b + 4 * d);
            dot += q[d] * v, nq += (double)q[d] * q[d], nv += v * v;
        }
        out[m].id = sqlite3_column_int64(st, 0);
        out[m].sim = (nq > 0 && nv > 0) ? dot / sqrt(nq) / sqrt(nv) : 0;
        m++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    qsort(out, m, sizeof *out, ref_cmp);
    return m;
}

static int same_ranking(const query_results *got, const ref_hit *ref, size_t m, size_t k, const char *what)
{
    size_t want = m < k ? m : k;
    if (got->n != want) {
        fprintf(stderr, "%s: %zu results, reference %zu\n", what, got->n, want);
        return 0;
    }
    for (size_t i = 0; i < want; i++) {
        int isolated = (i == 0 || ref[i - 1].sim - ref[i].sim > 2e-5) && (i + 1 >= m || ref[i].sim - ref[i + 1].sim > 2e-5);
        if (fabs(got->hits[i].similarity - ref[i].sim) > 1e-5 || (isolated && got->hits[i].sample_id != ref[i].id)) {
            fprintf(stderr, "%s: rank %zu: id %lld sim %.8f, reference id %lld sim %.8f\n", what, i,
                    (long long)got->hits[i].sample_id, got->hits[i].similarity, (long long)ref[i].id, ref[i].sim);
            return 0;
        }
    }
    return 1;
}

/* A scanner that counts its scans and those run off the caller's thread (the vector job). */
typedef struct counting_scanner {
    pthread_mutex_t mu;
    pthread_t caller;
    int scans, off_caller;
} counting_scanner;

static int counting_top_k(void *ctx, const veccache *vc, const float *query, const query_filter *f, size_t k,
                          query_results *out, char err[SV_ERR_LEN])
{
    counting_scanner *c = ctx;
    pthread_mutex_lock(&c->mu);
    c->scans++;
    c->off_caller += !pthread_equal(pthread_self(), c->caller);
    pthread_mutex_unlock(&c->mu);
    return search_top_k(vc, query, f, k, 0, out, err);
}

static int same_hits(const query_results *a, const query_results *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->hits[i].sample_id != b->hits[i].sample_id || a->hits[i].similarity != b->hits[i].similarity ||
            a->hits[i].score != b->hits[i].score)
            return 0;
    return 1;
}

static ino_t inode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

int main(void)
{
    (void)fixture_real_library; /* the shared fixture header also serves library tests */
    fixture_init();
    const char *path = fixture_path("store.db");
    char cache[512], err[SV_ERR_LEN];
    snprintf(cache, sizeof cache, "%s.vcache", path);
    fixture_path("store.db.vcache");
    fixture_path("store.db-wal");
    fixture_path("store.db-shm");
    int rc = 0;
    static store_row rows[N];
    static char titles[N][24];
    static ref_hit ref[N];

    /* An empty store: a clear message, exit code 3. */
    store *st = store_open(path, STORE_READ_WRITE, &rc, err);
    CHECK(st != NULL);
    CHECK(store_prepare(st, "lexical", "lexical-v1", DIMS, NULL, 0, err) == 0);
    CHECK(searcher_open(path, 1, &rc, err) == NULL);
    CHECK(rc == SV_EXIT_DATA && strstr(err, "no embeddings") != NULL);

    fill_rows(rows, 10, titles);
    CHECK(store_upsert(st, rows, N, err) == 0);

    searcher *s = searcher_open(path, 1, &rc, err);
    CHECK(s != NULL);
    if (!s)
        return check_summary();

    /* Random filters × similar and search, against the SQL reference. */
    int ok = 1;
    for (int t = 0; t < 80; t++) {
        searcher_query q;
        searcher_query_init(&q);
        char where[512] = "1", bpm[32], k_text[16];
        int lo = 70 + (int)(unit() * 50), hi = lo + (int)(unit() * 20);
        snprintf(bpm, sizeof bpm, "%d-%d", lo, hi);
        if (unit() < 0.4 && searcher_query_set(&q, "bpm", bpm, err) == 0)
            snprintf(where + strlen(where), sizeof where - strlen(where), " AND bpm BETWEEN %d AND %d", lo, hi);
        if (unit() < 0.4) {
            size_t kf = next_u64() % 4;
            CHECK(searcher_query_set(&q, "key", KEY_FILTERS[kf].query, err) == 0);
            snprintf(where + strlen(where), sizeof where - strlen(where), " AND musical_key IN %s", KEY_FILTERS[kf].sql_in);
        }
        if (unit() < 0.3) {
            CHECK(searcher_query_set(&q, "genre", "SOUL", err) == 0);
            snprintf(where + strlen(where), sizeof where - strlen(where), " AND lower(genre) = 'soul'");
        }
        if (unit() < 0.3) {
            CHECK(searcher_query_set(&q, "mood", "dark", err) == 0);
            snprintf(where + strlen(where), sizeof where - strlen(where),
                     " AND (lower(mood_primary) = 'dark' OR lower(mood_secondary) = 'dark')");
        }
        snprintf(k_text, sizeof k_text, "%d", (int[]){1, 7, 10, 2000}[next_u64() % 4]);
        CHECK(searcher_query_set(&q, "k", k_text, err) == 0);
        query_results got = {0};
        float qv[DIMS];
        char what[600];
        if (t % 2) {
            int i = (int)(next_u64() % N);
            int found = 0;
            CHECK(searcher_similar(s, rows[i].sample_id, &q, &got, &found, err) == 0 && found);
            memcpy(qv, vectors[i], sizeof qv);
            snprintf(where + strlen(where), sizeof where - strlen(where), " AND sample_id != %lld",
                     (long long)rows[i].sample_id);
        } else {
            const char *text = (t % 4) ? "dark soul keys" : "sample 7 uplifting";
            /* The vector ranking is what this reference checks (hybrid: test_hybrid.c). */
            CHECK(searcher_query_set(&q, "mode", "vector", err) == 0);
            searcher_answer answer;
            CHECK(searcher_search(s, text, &q, &answer, err) == 0);
            got = answer.results;
            /* The query vector, from the same provider the searcher must have used. */
            provider_config cfg = {0};
            cfg.name = "lexical";
            cfg.dims = DIMS;
            provider *p = provider_open(&cfg, &rc, err);
            provider_text_result res = {0};
            int64_t billed;
            CHECK(p && provider_embed(p, &text, 1, qv, &res, &billed, err) == 0);
            provider_free(p);
        }
        size_t m = reference(path, qv, where, ref);
        snprintf(what, sizeof what, "trial %d where %s k=%s", t, where, k_text);
        if (!same_ranking(&got, ref, m, q.k, what))
            ok = 0;
        query_results_clear(&got);
    }
    CHECK(ok);

    /* Through a scanner: hybrid's vector ranking (on the vector job's thread) and vector mode
     * scan through it, once a query, with the answers the searcher gives without one. */
    {
        counting_scanner cs = {.caller = pthread_self()};
        pthread_mutex_init(&cs.mu, NULL);
        search_scanner scanner = {counting_top_k, &cs};
        static const char *const modes[] = {"hybrid", "vector"};
        for (int m = 0; m < 2; m++) {
            searcher_query q;
            searcher_query_init(&q);
            CHECK(searcher_query_set(&q, "mode", modes[m], err) == 0);
            searcher_answer plain, scanned;
            searcher_set_scanner(s, NULL);
            CHECK(searcher_search(s, "dark soul keys", &q, &plain, err) == 0);
            cs.scans = cs.off_caller = 0;
            searcher_set_scanner(s, &scanner);
            CHECK(searcher_search(s, "dark soul keys", &q, &scanned, err) == 0);
            searcher_set_scanner(s, NULL);
            CHECK(plain.mode == (m == 0 ? HYBRID_MODE_HYBRID : HYBRID_MODE_VECTOR));
            CHECK(plain.results.n > 0 && same_hits(&plain.results, &scanned.results));
            CHECK(cs.scans == 1);
            CHECK(cs.off_caller == (m == 0)); /* hybrid: the vector job's thread */
            searcher_answer_clear(&plain);
            searcher_answer_clear(&scanned);
        }
        pthread_mutex_destroy(&cs.mu);
    }

    /* The cache file exists and is reused by the next searcher. */
    ino_t ino = inode_of(cache);
    CHECK(ino != 0);
    searcher *s2 = searcher_open(path, 1, &rc, err);
    searcher_query q;
    searcher_query_init(&q);
    query_results got = {0};
    int found = 0;
    CHECK(s2 && searcher_similar(s2, rows[0].sample_id, &q, &got, &found, err) == 0 && found);
    CHECK(inode_of(cache) == ino);
    query_results_clear(&got);
    searcher_free(s2);

    /* A write through the store: row 1 becomes a copy of row 0, so similar(row 0) must now put
     * row 1 first with similarity 1 — in the long-lived searcher too. */
    store_row changed = rows[1];
    changed.vector = vectors[0];
    CHECK(store_upsert(st, &changed, 1, err) == 0);
    CHECK(searcher_similar(s, rows[0].sample_id, &q, &got, &found, err) == 0 && found);
    CHECK(got.n > 0 && got.hits[0].sample_id == rows[1].sample_id && got.hits[0].similarity > 0.99999);
    CHECK(inode_of(cache) != ino);
    query_results_clear(&got);

    /* Another writer (raw SQL, no samplevec code): the triggers still move the fingerprint. */
    ino = inode_of(cache);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    char sql[256];
    snprintf(sql, sizeof sql, "DELETE FROM sample_embeddings WHERE sample_id = %lld", (long long)rows[1].sample_id);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(searcher_similar(s, rows[0].sample_id, &q, &got, &found, err) == 0 && found);
    CHECK(got.n > 0 && got.hits[0].sample_id != rows[1].sample_id);
    CHECK(inode_of(cache) != ino);
    query_results_clear(&got);
    CHECK(searcher_similar(s, rows[1].sample_id, &q, &got, &found, err) == 0 && !found);
    searcher_free(s);

    /* A damaged cache is rebuilt, never trusted. */
    FILE *f = fopen(cache, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 4096 + 8, SEEK_SET);
        fputs("garbage that changes a vector", f);
        fseek(f, 0, SEEK_SET);
        fputs("NOTCACHE", f);
        fclose(f);
    }
    s = searcher_open(path, 1, &rc, err);
    CHECK(s && searcher_similar(s, rows[0].sample_id, &q, &got, &found, err) == 0 && found);
    {
        const char *where = "1";
        char w[64];
        snprintf(w, sizeof w, "sample_id != %lld", (long long)rows[0].sample_id);
        where = w;
        size_t m = reference(path, vectors[0], where, ref);
        CHECK(same_ranking(&got, ref, m, q.k, "after damage"));
    }
    query_results_clear(&got);
    searcher_free(s);

    /* --no-cache: same answer, no file. */
    unlink(cache);
    s = searcher_open(path, 0, &rc, err);
    CHECK(s && searcher_similar(s, rows[0].sample_id, &q, &got, &found, err) == 0 && found);
    CHECK(access(cache, F_OK) != 0);
    query_results_clear(&got);
    searcher_free(s);

    /* A cache that cannot be saved fails that search; the next one re-reads the store's claim,
     * so a store emptied meanwhile (an embed --reset under serve) is said to have no
     * embeddings, never answered as an empty library. */
    s = searcher_open(path, 1, &rc, err);
    CHECK(s != NULL);
    CHECK(mkdir(cache, 0755) == 0); /* the cache's name taken by a directory: its rename fails */
    CHECK(s && searcher_similar(s, rows[0].sample_id, &q, &got, &found, err) != 0);
    query_results_clear(&got);
    CHECK(rmdir(cache) == 0);
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "DELETE FROM sample_embeddings", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(s && searcher_similar(s, rows[0].sample_id, &q, &got, &found, err) != 0);
    CHECK(strstr(err, "no embeddings") != NULL);
    query_results_clear(&got);
    searcher_free(s);

    /* Parameter errors name the parameter and the value. */
    searcher_query_init(&q);
    CHECK(searcher_query_set(&q, "k", "0", err) == SV_EXIT_USAGE && strstr(err, "'0'"));
    CHECK(searcher_query_set(&q, "k", "12x", err) == SV_EXIT_USAGE);
    CHECK(searcher_query_set(&q, "key", "H minor", err) == SV_EXIT_USAGE && strstr(err, "'H minor'"));
    CHECK(searcher_query_set(&q, "min-similarity", "2", err) == SV_EXIT_USAGE);
    CHECK(searcher_query_set(&q, "min_similarity", "0.25", err) == 0 && q.filter.min_similarity == 0.25);
    CHECK(searcher_query_set(&q, "colour", "red", err) == SV_EXIT_USAGE && strstr(err, "'colour'"));
    CHECK(searcher_query_set(&q, "genre", "", err) == SV_EXIT_USAGE);

    store_close(st);
    fixture_done();
    return check_summary();
}
