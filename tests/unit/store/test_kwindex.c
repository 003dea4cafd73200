/* kwindex: the one-pass ranking of kwindex_query gives exactly what samplevec_bm25 (the
 * definition of BM25F, an FTS5 auxiliary function) gives ranked by SQL, `ORDER BY score DESC,
 * rowid ASC LIMIT n`: the same ids in the same order with bit-identical scores, over an index
 * with sparse ids (the docsize cursor seeks across gaps), replaced and removed entries, equal
 * texts (ties by id), repeated words (term frequency), short texts without a description, CJK,
 * repeated query words, words in every row or in none, and every limit. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "kwindex.h"

static const char *const WORDS[] = {"dark",  "moody", "dusty", "warm",  "vinyl", "keys",  "piano",
                                    "trap",  "808",   "bass",  "groove", "funky", "chill", "rain",
                                    "lo-fi", "pads",  "dreamy", "jazz", "chords", "東京",  "서울"};
#define N_WORDS (sizeof WORDS / sizeof WORDS[0])

static unsigned rng = 12345;
static unsigned next_rand(void)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 16) & 0x7fff;
}

static void words(char *out, size_t cap, int n)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < n && len + 32 < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", WORDS[next_rand() % N_WORDS]);
}

/* A source text as source_text.h writes it; every fifth without a vibe analysis. */
static char *source(int i)
{
    char title[128], genre[64], mood[64], tags[128], body[1024];
    words(title, sizeof title, 1 + (int)(next_rand() % 3));
    words(genre, sizeof genre, 1);
    words(mood, sizeof mood, 1);
    words(tags, sizeof tags, (int)(next_rand() % 4));
    words(body, sizeof body, 5 + (int)(next_rand() % 60));
    char *s = malloc(2048);
    if (i % 5 == 0)
        snprintf(s, 2048, "Title: %s\nGenre: %s", title, genre);
    else
        snprintf(s, 2048, "Title: %s\nGenre: %s\nBPM: %d\nKey: Am\nMood: %s\nTags: %s\nDescription: %s", title,
                 genre, 80 + i % 60, mood, tags, body);
    return s;
}

/* The reference: samplevec_bm25 ranked by SQL. */
static void reference(sqlite3 *db, const char *text, size_t limit, query_keyword_hits *out)
{
    size_t n = 0;
    char *expr = kwindex_match_expression(text, &n);
    CHECK(expr != NULL);
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db,
                             "SELECT rowid, samplevec_bm25(sample_keywords, 3, 2, 2, 1.5, 1, 1) AS s"
                             " FROM sample_keywords WHERE sample_keywords MATCH ?1 ORDER BY s DESC, rowid ASC"
                             " LIMIT ?2",
                             -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    while (n && sqlite3_step(st) == SQLITE_ROW)
        CHECK(query_keyword_hits_append(out, sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1)) == 0);
    sqlite3_finalize(st);
    free(expr);
}

static int same(const query_keyword_hits *a, const query_keyword_hits *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->hits[i].sample_id != b->hits[i].sample_id || a->hits[i].score != b->hits[i].score)
            return 0;
    return 1;
}

static void compare(sqlite3 *db, const char *text)
{
    const size_t limits[] = {0, 1, 5, 10, 101, 100000};
    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
        query_keyword_hits got = {0}, want = {0};
        char err[SV_ERR_LEN] = "";
        size_t n_tokens = 99;
        CHECK(kwindex_query(db, text, limits[l], &got, &n_tokens, err) == 0);
        reference(db, text, limits[l], &want);
        if (!same(&got, &want)) {
            fprintf(stderr, "'%s' limit %zu: %zu hits, reference %zu\n", text, limits[l], got.n, want.n);
            for (size_t i = 0; i < got.n && i < want.n && i < 5; i++)
                fprintf(stderr, "  %lld %.17g | %lld %.17g\n", (long long)got.hits[i].sample_id, got.hits[i].score,
                        (long long)want.hits[i].sample_id, want.hits[i].score);
        }
        CHECK(same(&got, &want));
        query_keyword_hits_clear(&got);
        query_keyword_hits_clear(&want);
    }
}

int main(void)
{
    sqlite3 *db;
    char err[SV_ERR_LEN] = "";
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CHECK(kwindex_register(db, err) == 0);
    CHECK(kwindex_create(db, err) == 0);
    kwindex_writer *w = kwindex_writer_new(db, err);
    CHECK(w != NULL);
    enum { N = 1500 };
    char *texts[N];
    int64_t ids[N];
    CHECK(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    for (int i = 0; i < N; i++) {
        /* runs of consecutive ids and gaps far past the docsize cursor's 64 steps */
        ids[i] = i < 500 ? i + 1 : i < 1000 ? 10000 + (int64_t)i * 97 : 1000000 + (int64_t)i * 3;
        texts[i] = i % 50 == 7 ? strdup(texts[i - 1]) : source(i); /* some equal texts: ties */
        CHECK(kwindex_writer_put(w, ids[i], NULL, texts[i], err) == 0);
    }
    CHECK(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    const char *queries[] = {"dark moody hip hop", "dusty jazz chords", "trap 808", "chill lo-fi rain",
                             "warm vinyl keys",    "東京",              "서울 groove", "piano",
                             "dark dark piano",    "quokkaphone",       "pads dreamy bass funky keys 808 rain"};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++)
        compare(db, queries[q]);
    /* a query of more words than the 64 columns a row can have: a pasted source text */
    char long_query[4096];
    words(long_query, sizeof long_query, 150);
    compare(db, long_query);
    compare(db, texts[42]);

    /* replaced and removed entries, in other transactions (more segments, docsize gaps) */
    CHECK(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    for (int i = 0; i < N; i += 3) {
        char *next = i % 2 ? source(i) : NULL;
        CHECK(kwindex_writer_put(w, ids[i], texts[i], next, err) == 0);
        free(texts[i]);
        texts[i] = next;
    }
    CHECK(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++)
        compare(db, queries[q]);

    /* no meaningful word: nothing, and n_tokens says so */
    query_keyword_hits none = {0};
    size_t n_tokens = 99;
    CHECK(kwindex_query(db, "the and of a", 10, &none, &n_tokens, err) == 0);
    CHECK(n_tokens == 0 && none.n == 0);

    kwindex_writer_free(w);
    for (int i = 0; i < N; i++)
        free(texts[i]);
    sqlite3_close(db);
    return check_summary();
}
