/* search: the engine against an independent brute-force reference on synthetic stores, for
 * random queries and filter combinations; ties, k edge cases, threads; the vector cache's
 * staleness and hostile-file checks. */
#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "musical_key.h"
#include "search.h"
#include "veccache.h"

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t next_u64(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}
static double unit(void) { return (double)(next_u64() >> 11) / 9007199254740992.0; }
static size_t pick(size_t n) { return (size_t)(next_u64() % n); }

/* Spellings with the code the reference knows them by (it never calls musical_key_parse). */
static const struct { const char *text; int code; } KEYS[] = {
    {"Am", 19}, {"A minor", 19}, {"A min", 19}, {"8A", 19}, {"C#m", 3}, {"Dbm", 3}, {"Db minor", 3},
    {"C", 0}, {"C major", 0}, {"Cmaj", 0}, {"F#", 12}, {"Gb major", 12}, {"Eb minor", 7},
    {"D#m", 7}, {"weird", -1}, {NULL, -1},
};
static const char *GENRES[] = {"Hip Hop", "hip hop", "Jazz", "Soul", "Trap", NULL};
static const char *MOODS[] = {"dark", "Dark", "melancholic", "uplifting", "chill", NULL};

typedef struct ref_row {
    int64_t id;
    const float *v;
    const char *title, *genre, *key_text, *mood1, *mood2;
    int key_code, has_bpm;
    double bpm;
} ref_row;

typedef struct ref_filter {
    int has_bpm; double lo, hi;
    int key;            /* -2 = any */
    const char *genre, *mood;
    int has_min; double min_sim;
    int64_t exclude;    /* -1 = none */
} ref_filter;

static int ascii_eq_nocase(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

static int ref_passes(const ref_row *r, const ref_filter *f)
{
    if (r->id == f->exclude)
        return 0;
    if (f->has_bpm && (!r->has_bpm || r->bpm < f->lo || r->bpm > f->hi))
        return 0;
    if (f->key != -2 && (r->key_code < 0 || r->key_code != f->key))
        return 0;
    if (f->genre && !ascii_eq_nocase(r->genre, f->genre))
        return 0;
    if (f->mood && !ascii_eq_nocase(r->mood1, f->mood) && !ascii_eq_nocase(r->mood2, f->mood))
        return 0;
    return 1;
}

typedef struct ref_hit { int64_t id; double sim; } ref_hit;
static int ref_cmp(const void *x, const void *y)
{
    const ref_hit *a = x, *b = y;
    if (a->sim != b->sim)
        return a->sim > b->sim ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static double ref_cos(const float *a, const float *b, int dims)
{
    double d = 0, na = 0, nb = 0;
    for (int i = 0; i < dims; i++) {
        d += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    /* Non-finite vectors count as all-zero: similarity 0 (documented in veccache.h). */
    if (!isfinite(na) || !isfinite(nb))
        return 0.0;
    return (na > 0 && nb > 0) ? d / sqrt(na) / sqrt(nb) : 0.0;
}

/* All rows passing f, ranked; returns the count. */
static size_t ref_search(const ref_row *rows, size_t n, int dims, const float *q, const ref_filter *f,
                         ref_hit *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ref_passes(&rows[i], f))
            continue;
        double s = ref_cos(q, rows[i].v, dims);
        if (f->has_min && s < f->min_sim)
            continue;
        out[m].id = rows[i].id;
        out[m].sim = s;
        m++;
    }
    qsort(out, m, sizeof *out, ref_cmp);
    return m;
}

#define TOL 1e-5

/* The engine's answer equals the reference's first k, allowing only near-ties (within TOL)
 * to swap. Returns the number of mismatching checks. */
static int compare(const query_results *got, const ref_hit *ref, size_t m, size_t k, const char *what)
{
    int bad = 0;
    size_t want = m < k ? m : k;
    if (got->n != want) {
        fprintf(stderr, "%s: %zu results, reference %zu\n", what, got->n, want);
        return 1;
    }
    for (size_t i = 0; i < got->n; i++) {
        const query_hit *h = &got->hits[i];
        int found = 0;
        for (size_t j = 0; j < m; j++)
            if (ref[j].id == h->sample_id) {
                found = 1;
                if (fabs(ref[j].sim - h->similarity) > TOL)
                    bad++, fprintf(stderr, "%s: id %lld sim %.9f, reference %.9f\n", what,
                                   (long long)h->sample_id, h->similarity, ref[j].sim);
            }
        if (!found)
            bad++, fprintf(stderr, "%s: id %lld fails the filter\n", what, (long long)h->sample_id);
        if (fabs(h->similarity - ref[i].sim) > TOL)
            bad++, fprintf(stderr, "%s: rank %zu sim %.9f, reference %.9f\n", what, i, h->similarity, ref[i].sim);
        int isolated = (i == 0 || ref[i - 1].sim - ref[i].sim > 2 * TOL) &&
                       (i + 1 >= m || ref[i].sim - ref[i + 1].sim > 2 * TOL);
        if (isolated && h->sample_id != ref[i].id)
            bad++, fprintf(stderr, "%s: rank %zu id %lld, reference %lld\n", what, i,
                           (long long)h->sample_id, (long long)ref[i].id);
        if (fabs(h->distance - (1.0 - h->similarity)) > 1e-12)
            bad++;
        if (i > 0) {
            const query_hit *p = &got->hits[i - 1];
            if (!(p->similarity > h->similarity || (p->similarity == h->similarity && p->sample_id < h->sample_id)))
                bad++, fprintf(stderr, "%s: rank %zu out of order\n", what, i);
        }
    }
    return bad;
}

static void to_search_filter(const ref_filter *rf, query_filter *f, const char *key_text)
{
    memset(f, 0, sizeof *f);
    if (rf->has_bpm) {
        f->has_bpm = 1;
        f->bpm_min = rf->lo;
        f->bpm_max = rf->hi;
    }
    if (rf->key != -2) {
        f->has_key = 1;
        f->key = musical_key_parse(key_text); /* the user's spelling, parsed by the engine */
    }
    f->genre = rf->genre;
    f->mood = rf->mood;
    if (rf->has_min) {
        f->has_min_similarity = 1;
        f->min_similarity = rf->min_sim;
    }
    if (rf->exclude >= 0) {
        f->has_exclude = 1;
        f->exclude_id = rf->exclude;
    }
}

static veccache *build(const ref_row *rows, size_t n, int dims, const char *path, const char *fp)
{
    char err[SV_ERR_LEN];
    veccache_builder *b = veccache_builder_new(path, dims, err);
    if (!b) {
        fprintf(stderr, "builder: %s\n", err);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        store_scan_row r = {0};
        r.sample_id = rows[i].id;
        r.vector = rows[i].v;
        r.title = rows[i].title;
        r.genre = rows[i].genre;
        r.musical_key = rows[i].key_text;
        r.mood_primary = rows[i].mood1;
        r.mood_secondary = rows[i].mood2;
        r.has_bpm = rows[i].has_bpm;
        r.bpm = rows[i].bpm;
        if (veccache_builder_add(b, &r, err) != 0) {
            fprintf(stderr, "add: %s\n", err);
            veccache_builder_free(b);
            return NULL;
        }
    }
    veccache *vc = veccache_builder_finish(b, fp, "lexical", "lexical-v1", err);
    if (!vc)
        fprintf(stderr, "finish: %s\n", err);
    return vc;
}

/* A key spelling for code c different from the stored ones where possible. */
static const char *query_spelling(int code)
{
    static const char *q[24] = {"c maj", "Cm", "Db", "C# min", "D", "Dm", "D#", "Eb min", "E", "Em",
                                "F", "Fm", "Gb", "F# minor", "G", "Gm", "Ab", "G#m", "A", "a min",
                                "A#", "Bbm", "B", "Bm"};
    return q[code];
}

static void random_filter(ref_filter *f, const ref_row *rows, size_t n)
{
    memset(f, 0, sizeof *f);
    f->key = -2;
    f->exclude = -1;
    if (unit() < 0.3) {
        f->has_bpm = 1;
        f->lo = 60 + unit() * 80;
        f->hi = f->lo + unit() * 40;
    }
    if (unit() < 0.3) {
        int c = KEYS[pick(sizeof KEYS / sizeof *KEYS)].code;
        f->key = c < 0 ? 19 : c;
    }
    if (unit() < 0.3)
        f->genre = unit() < 0.5 ? "HIP HOP" : GENRES[pick(5)];
    if (unit() < 0.3)
        f->mood = unit() < 0.5 ? "DARK" : MOODS[pick(5)];
    if (unit() < 0.2) {
        f->has_min = 1;
        f->min_sim = unit() * 0.3 - 0.1;
    }
    if (unit() < 0.3)
        f->exclude = rows[pick(n)].id;
}

int main(void)
{
    enum { N = 3000, DIMS = 100 };
    char err[SV_ERR_LEN];
    float *vecs = malloc((size_t)N * DIMS * sizeof *vecs);
    ref_row *rows = calloc(N, sizeof *rows);
    ref_hit *ref = malloc(N * sizeof *ref);
    char (*titles)[32] = malloc(N * sizeof *titles);
    /* Clustered vectors (a few "vibes" plus noise), duplicates for exact ties, one zero vector. */
    float centers[8][DIMS];
    for (int c = 0; c < 8; c++)
        for (int d = 0; d < DIMS; d++)
            centers[c][d] = (float)(unit() * 2 - 1);
    int64_t id = 0;
    for (size_t i = 0; i < N; i++) {
        float *v = vecs + i * DIMS;
        size_t c = pick(8);
        for (int d = 0; d < DIMS; d++)
            v[d] = centers[c][d] + (float)(unit() - 0.5);
        if (i % 97 == 5)
            memcpy(v, vecs + (i - 1) * DIMS, DIMS * sizeof *v); /* duplicate of the previous row */
        if (i == 17)
            memset(v, 0, DIMS * sizeof *v);
        if (i == 29)
            v[3] = NAN; /* written by some other program */
        id += 1 + (int64_t)pick(3);
        size_t kk = pick(sizeof KEYS / sizeof *KEYS);
        snprintf(titles[i], sizeof titles[i], "sample %lld", (long long)id);
        rows[i] = (ref_row){id, v, titles[i], GENRES[pick(6)], KEYS[kk].text, MOODS[pick(6)], MOODS[pick(6)],
                            KEYS[kk].code, unit() < 0.9, 60 + floor(unit() * 100) + (unit() < 0.5 ? 0.5 : 0)};
        if (i == 23)
            rows[i].title = NULL;
    }

    veccache *vc = build(rows, N, DIMS, NULL, "fp-1");
    CHECK(vc != NULL);
    if (!vc)
        return check_summary();
    CHECK(vc->n == N);
    CHECK(vc->non_finite == 1);
    CHECK(vc->rows[29].inv_norm == 0.0);
    CHECK(vc->n_genres == 5);  /* "Hip Hop" and "hip hop" are distinct values */
    CHECK(veccache_find(vc, rows[100].id) == 100);
    CHECK(veccache_find(vc, rows[N - 1].id + 1) == -1);
    CHECK(veccache_str(vc, vc->rows[23].title) == NULL);
    CHECK_STR_EQ(veccache_str(vc, vc->rows[24].title), titles[24]);

    /* 1. Random queries × random filters × k, including k past the matches. */
    int mismatches = 0, exact_ids = 0, total_ids = 0;
    float q[DIMS];
    for (int t = 0; t < 300; t++) {
        ref_filter rf;
        random_filter(&rf, rows, N);
        if (t % 2 == 0) {
            for (int d = 0; d < DIMS; d++)
                q[d] = (float)(unit() * 2 - 1);
        } else { /* `similar`: a stored vector, itself excluded */
            size_t r = pick(N);
            memcpy(q, rows[r].v, sizeof q);
            rf.exclude = rows[r].id;
        }
        size_t k = (size_t[]){1, 5, 10, 50, 4000}[pick(5)];
        query_filter f;
        to_search_filter(&rf, &f, rf.key >= 0 ? query_spelling(rf.key) : NULL);
        query_results got = {0};
        int rc = search_top_k(vc, q, &f, k, (int)(t % 3), &got, err);
        CHECK(rc == 0);
        size_t m = ref_search(rows, N, DIMS, q, &rf, ref);
        char what[64];
        snprintf(what, sizeof what, "trial %d (k=%zu, %zu match)", t, k, m);
        mismatches += compare(&got, ref, m, k, what);
        for (size_t i = 0; i < got.n; i++)
            exact_ids += got.hits[i].sample_id == ref[i].id, total_ids++;
        query_results_clear(&got);
    }
    CHECK(mismatches == 0);
    CHECK(total_ids > 1000);
    fprintf(stderr, "ids identical to the reference at %d of %d ranks\n", exact_ids, total_ids);

    /* 1b. search_top_k_many: every request's answer identical (ids, similarities, order,
     * fields) to its own search_top_k, with random filters and k, two different caches in one
     * pass, and 1..3 threads. */
    {
        enum { R = 40 };
        veccache *half = build(rows, N / 2, DIMS, NULL, "fp-half");
        CHECK(half != NULL);
        static float qs[R][DIMS];
        query_filter fs[R];
        search_request reqs[R];
        query_results outs[R], want[R];
        memset(outs, 0, sizeof outs);
        memset(want, 0, sizeof want);
        for (int t = 0; t < R; t++) {
            ref_filter rf;
            random_filter(&rf, rows, N);
            if (t % 3 == 0) {
                size_t r = pick(N / 2);
                memcpy(qs[t], rows[r].v, sizeof qs[t]);
                rf.exclude = rows[r].id;
            } else {
                for (int d = 0; d < DIMS; d++)
                    qs[t][d] = (float)(unit() * 2 - 1);
            }
            if (t == 7)
                memset(qs[t], 0, sizeof qs[t]); /* a zero query: similarity 0 everywhere */
            to_search_filter(&rf, &fs[t], rf.key >= 0 ? query_spelling(rf.key) : NULL);
            size_t k = (size_t[]){0, 1, 10, 100, 4000}[pick(5)];
            reqs[t] = (search_request){t % 4 == 1 && half ? half : vc, qs[t], &fs[t], k, &outs[t]};
            CHECK(search_top_k(reqs[t].vc, qs[t], &fs[t], k, 1, &want[t], err) == 0);
        }
        int same = 1, nonempty = 0;
        for (int th = 1; th <= 3; th++) {
            CHECK(search_top_k_many(reqs, R, th, err) == 0);
            for (int t = 0; t < R; t++) {
                nonempty += outs[t].n > 0;
                int ok = outs[t].n == want[t].n;
                for (size_t i = 0; ok && i < want[t].n; i++) {
                    const query_hit *a = &outs[t].hits[i], *b = &want[t].hits[i];
                    ok = a->sample_id == b->sample_id && a->similarity == b->similarity && a->score == b->score &&
                         a->distance == b->distance && (a->title == b->title || (a->title && b->title &&
                                                                                strcmp(a->title, b->title) == 0));
                }
                if (!ok)
                    fprintf(stderr, "search_top_k_many: request %d (%d threads) differs\n", t, th);
                same &= ok;
                query_results_clear(&outs[t]);
            }
        }
        CHECK(same);
        CHECK(nonempty > R); /* the comparison compared something */
        CHECK(search_top_k_many(reqs, 0, 0, err) == 0);
        for (int t = 0; t < R; t++)
            query_results_clear(&want[t]);
        veccache_free(half);
    }

    /* 2. Exact ties: a duplicated vector ranks by sample_id, the lower first. */
    {
        size_t i = 5; /* rows 4 and 5 hold the same vector */
        memcpy(q, rows[i].v, sizeof q);
        query_filter f = {0};
        query_results got = {0};
        CHECK(search_top_k(vc, q, &f, 3, 1, &got, err) == 0);
        CHECK(got.n == 3);
        CHECK(got.hits[0].sample_id == rows[4].id && got.hits[1].sample_id == rows[5].id);
        CHECK(got.hits[0].similarity == got.hits[1].similarity);
        CHECK(got.hits[0].similarity <= 1.0 && got.hits[0].similarity > 0.999999);
        query_results_clear(&got);
        /* similar to row 5 (excluded) puts row 4 first. */
        f.has_exclude = 1;
        f.exclude_id = rows[5].id;
        CHECK(search_top_k(vc, q, &f, 1, 1, &got, err) == 0);
        CHECK(got.n == 1 && got.hits[0].sample_id == rows[4].id);
        query_results_clear(&got);
    }

    /* 3. Threads: the same answer, bit for bit, from 1, 2, 3 and 7 threads. */
    {
        for (int d = 0; d < DIMS; d++)
            q[d] = (float)(unit() * 2 - 1);
        query_filter f = {0};
        query_results one = {0};
        CHECK(search_top_k(vc, q, &f, 25, 1, &one, err) == 0);
        for (int th = 2; th <= 7; th += (th == 3 ? 4 : 1)) {
            query_results many = {0};
            CHECK(search_top_k(vc, q, &f, 25, th, &many, err) == 0);
            int same = many.n == one.n;
            for (size_t i = 0; same && i < one.n; i++)
                same = one.hits[i].sample_id == many.hits[i].sample_id &&
                       one.hits[i].similarity == many.hits[i].similarity;
            CHECK(same);
            query_results_clear(&many);
        }
        query_results_clear(&one);
    }

    /* 4. Empty answers: k = 0, an impossible filter, a min similarity above 1. */
    {
        query_filter f = {0};
        query_results got = {0};
        CHECK(search_top_k(vc, q, &f, 0, 0, &got, err) == 0 && got.n == 0);
        f.genre = "polka";
        CHECK(search_top_k(vc, q, &f, 10, 0, &got, err) == 0 && got.n == 0);
        memset(&f, 0, sizeof f);
        f.has_min_similarity = 1;
        f.min_similarity = 1.01;
        CHECK(search_top_k(vc, q, &f, 10, 0, &got, err) == 0 && got.n == 0);
        /* A zero query is similarity 0 with everything: ranks fall back to sample_id. */
        float zero[DIMS] = {0};
        memset(&f, 0, sizeof f);
        CHECK(search_top_k(vc, zero, &f, 3, 0, &got, err) == 0 && got.n == 3);
        CHECK(got.n == 3 && got.hits[0].sample_id == rows[0].id && got.hits[0].similarity == 0.0);
        query_results_clear(&got);
    }

    /* 5. JSON shape. */
    {
        query_results r = {0};
        CHECK(query_results_append(&r, 7, 0.75, "Dusty \"Keys\"", "Soul", 1, 92.5, "Am", NULL) == 0);
        CHECK(query_results_append(&r, 9, 0.5, NULL, NULL, 0, 0, NULL, "dark") == 0);
        char *j = search_results_json(&r);
        CHECK_STR_EQ(j, "[{\"sample_id\":7,\"title\":\"Dusty \\\"Keys\\\"\",\"score\":0.75,\"similarity\":0.75,\"distance\":0.25,"
                        "\"genre\":\"Soul\",\"bpm\":92.5,\"musical_key\":\"Am\",\"mood_primary\":null},"
                        "{\"sample_id\":9,\"title\":null,\"score\":0.5,\"similarity\":0.5,\"distance\":0.5,\"genre\":null,"
                        "\"bpm\":null,\"musical_key\":null,\"mood_primary\":\"dark\"}]");
        free(j);
        query_results_clear(&r);
    }

    /* Hostile bytes: invalid UTF-8 becomes U+FFFD, so the JSON stays valid. */
    {
        query_results r = {0};
        CHECK(query_results_append(&r, 1, 0.5, "bad \xff\xc3 bytes", "caf\xc3\xa9", 0, 0, NULL, NULL) == 0);
        CHECK_STR_EQ(r.hits[0].title, "bad \xef\xbf\xbd\xef\xbf\xbd bytes");
        CHECK_STR_EQ(r.hits[0].genre, "caf\xc3\xa9");
        query_results_clear(&r);
    }

    /* 6. BPM ranges. */
    {
        query_filter f = {0};
        CHECK(search_parse_bpm("85-95", &f, err) == 0 && f.has_bpm && f.bpm_min == 85 && f.bpm_max == 95);
        CHECK(search_parse_bpm("90", &f, err) == 0 && f.bpm_min == 90 && f.bpm_max == 90);
        CHECK(search_parse_bpm("120-", &f, err) == 0 && f.bpm_min == 120 && f.bpm_max > 1000);
        CHECK(search_parse_bpm("-100", &f, err) == 0 && f.bpm_min == 0 && f.bpm_max == 100);
        CHECK(search_parse_bpm("89.5-90.1", &f, err) == 0 && f.bpm_min == 89.5 && f.bpm_max == 90.1);
        CHECK(search_parse_bpm("95-85", &f, err) != 0 && strstr(err, "backwards"));
        CHECK(search_parse_bpm("fast", &f, err) != 0 && strstr(err, "'fast'"));
        CHECK(search_parse_bpm("-", &f, err) != 0);
        CHECK(search_parse_bpm("", &f, err) != 0);
        CHECK(search_parse_bpm("80-90x", &f, err) != 0);
        CHECK(search_parse_bpm("nan", &f, err) != 0);
    }
    veccache_free(vc);

    /* Odd dims × odd row count: the row section stays aligned (UBSan checks in the sanitizer
     * build), and the tail of every vector goes through the kernels' scalar path. */
    {
        veccache *odd = build(rows, 5, 7, NULL, "fp-odd");
        CHECK(odd != NULL && ((uintptr_t)odd->rows % 8) == 0);
        query_filter f = {0};
        query_results got = {0};
        CHECK(odd && search_top_k(odd, rows[2].v, &f, 5, 1, &got, err) == 0 && got.n == 5);
        CHECK(got.n == 5 && got.hits[0].sample_id == rows[2].id);
        query_results_clear(&got);
        veccache_free(odd);
    }

    /* 7. The cache file: reused when current, refused when stale or damaged. */
    {
        char dir[] = "/tmp/samplevec-test-search-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        char path[256], orphan[300], live[300];
        snprintf(path, sizeof path, "%s/store.db.vcache", dir);
        /* A build killed midway left its temporary file; a live writer's is left alone. */
        snprintf(orphan, sizeof orphan, "%s.tmp.%d", path, 999999999);
        snprintf(live, sizeof live, "%s.tmp.%d", path, (int)getppid());
        fclose(fopen(orphan, "w"));
        fclose(fopen(live, "w"));
        veccache *a = build(rows, 500, DIMS, path, "gen-A");
        CHECK(a != NULL);
        CHECK(access(orphan, F_OK) != 0);
        CHECK(access(live, F_OK) == 0);
        unlink(live);
        veccache *b = veccache_open(path, DIMS, "gen-A", "lexical", "lexical-v1", err);
        CHECK(b != NULL);
        CHECK(b && b->n == 500 && memcmp(b->vectors, a->vectors, 500 * DIMS * sizeof(float)) == 0);
        veccache_free(b);
        /* Mapped again (its checksum known to this process), and refused once a vector's byte
         * changed: a later write moves the modification time (set a second on here, as a
         * write after the file system's timestamp tick would). */
        CHECK((b = veccache_open(path, DIMS, "gen-A", "lexical", "lexical-v1", err)) != NULL);
        veccache_free(b);
        {
            struct stat before;
            CHECK(stat(path, &before) == 0);
            int wfd = open(path, O_RDWR);
            unsigned char byte;
            CHECK(pread(wfd, &byte, 1, 4096 + 8) == 1);
            byte ^= 0x40;
            CHECK(pwrite(wfd, &byte, 1, 4096 + 8) == 1);
            struct timespec later[2] = {before.st_atim, before.st_mtim};
            later[1].tv_sec += 1;
            CHECK(futimens(wfd, later) == 0);
            CHECK(veccache_open(path, DIMS, "gen-A", "lexical", "lexical-v1", err) == NULL);
            CHECK(strstr(err, "damaged") != NULL);
            byte ^= 0x40; /* mended: accepted again */
            CHECK(pwrite(wfd, &byte, 1, 4096 + 8) == 1);
            later[1].tv_sec += 1;
            CHECK(futimens(wfd, later) == 0);
            close(wfd);
            CHECK((b = veccache_open(path, DIMS, "gen-A", "lexical", "lexical-v1", err)) != NULL);
            veccache_free(b);
        }
        CHECK(veccache_open(path, DIMS, "gen-B", "lexical", "lexical-v1", err) == NULL);
        CHECK(strstr(err, "changed") != NULL);
        CHECK(veccache_open(path, DIMS + 1, "gen-A", "lexical", "lexical-v1", err) == NULL);
        CHECK(veccache_open(path, DIMS, "gen-A", "openai", "lexical-v1", err) == NULL);
        CHECK(veccache_open(path, DIMS, "", "lexical", "lexical-v1", err) == NULL);
        veccache_free(a);
        /* Two builders of one process writing the same cache at once (serve's searchers after an
         * embed): each writes its own temporary file, so both finish and neither clobbers the
         * other (with one name per process the second's rename found no file). */
        {
            veccache_builder *b1 = veccache_builder_new(path, DIMS, err);
            veccache_builder *b2 = veccache_builder_new(path, DIMS, err);
            CHECK(b1 != NULL && b2 != NULL);
            for (size_t i = 0; b1 && b2 && i < 200; i++) {
                store_scan_row r = {0};
                r.sample_id = rows[i].id;
                r.vector = rows[i].v;
                CHECK(veccache_builder_add(b1, &r, err) == 0);
                CHECK(veccache_builder_add(b2, &r, err) == 0);
            }
            veccache *c1 = veccache_builder_finish(b1, "gen-C", "lexical", "lexical-v1", err);
            CHECK(c1 != NULL);
            veccache *c2 = veccache_builder_finish(b2, "gen-C", "lexical", "lexical-v1", err);
            CHECK(c2 != NULL);
            CHECK(c1 && c2 && c1->n == 200 && c2->n == 200 &&
                  memcmp(c1->vectors, c2->vectors, 200 * DIMS * sizeof(float)) == 0);
            veccache_free(c1);
            veccache_free(c2);
            a = build(rows, 500, DIMS, path, "gen-A"); /* the file the damage checks below expect */
            CHECK(a != NULL);
            veccache_free(a);
        }

        /* Damage: a row pointing past the string table; then a truncated file. */
        struct stat st;
        CHECK(stat(path, &st) == 0);
        int fd = open(path, O_RDWR);
        uint32_t huge = 0x7ffffff0u;
        off_t row0 = (4096 + (off_t)500 * DIMS * 4 + 63) / 64 * 64;
        CHECK(pwrite(fd, &huge, 4, row0 + (off_t)offsetof(veccache_row, genre)) == 4);
        CHECK(veccache_open(path, DIMS, "gen-A", "lexical", "lexical-v1", err) == NULL);
        CHECK(strstr(err, "bad row") != NULL);
        CHECK(ftruncate(fd, st.st_size - 7) == 0);
        close(fd);
        CHECK(veccache_open(path, DIMS, "gen-A", "lexical", "lexical-v1", err) == NULL);
        CHECK(ftruncate(open(path, O_RDWR), 100) == 0);
        CHECK(veccache_open(path, DIMS, "gen-A", "lexical", "lexical-v1", err) == NULL);
        CHECK(veccache_open("/nonexistent/x.vcache", DIMS, "gen-A", "lexical", "lexical-v1", err) == NULL);

        /* Rows must come in ascending id order. */
        veccache_builder *bb = veccache_builder_new(NULL, DIMS, err);
        store_scan_row r = {0};
        r.sample_id = 10;
        r.vector = rows[0].v;
        CHECK(veccache_builder_add(bb, &r, err) == 0);
        r.sample_id = 10;
        CHECK(veccache_builder_add(bb, &r, err) == SV_EXIT_DATA);
        veccache_builder_free(bb);
        CHECK(veccache_builder_new(NULL, 0, err) == NULL);
        unlink(path);
        rmdir(dir);
    }

    free(vecs);
    free(rows);
    free(ref);
    free(titles);
    return check_summary();
}
