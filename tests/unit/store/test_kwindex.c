/* kwindex: the one-pass ranking of kwindex_query gives exactly what samplevec_bm25 (the
 * definition of BM25F, an FTS5 auxiliary function) gives ranked by SQL, `ORDER BY score DESC,
 * rowid ASC LIMIT n`: the same ids in the same order with bit-identical scores, over an index
 * with sparse ids (the docsize cursor seeks across gaps), replaced and removed entries, equal
 * texts (ties by id), repeated words (term frequency), short texts without a description, CJK,
 * repeated query words, words in every row or in none, and every limit. Also the merge policy:
 * one segment a commit, none merged until KWINDEX_MERGE_SEGMENTS, then that level whole, and
 * an index made with another policy given this one by its next writer. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "kw_texts.h"
#include "kwindex.h"

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

static int config_int(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st;
    int v = -1;
    CHECK(sqlite3_prepare_v2(db, "SELECT v FROM " KWINDEX_TABLE "_config WHERE k = ?1", -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The index's segments: FTS5 keys a segment's pages by its id shifted left 37 bits (fts5_index.c,
 * FTS5_SEGMENT_ROWID); the few rows below that are its structure and totals. */
static int segments(sqlite3 *db)
{
    sqlite3_stmt *st;
    int n = -1;
    CHECK(sqlite3_prepare_v2(db, "SELECT count(DISTINCT id >> 37) FROM " KWINDEX_TABLE "_data WHERE id >> 37 > 0", -1,
                             &st, NULL) == SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void merge_policy(void)
{
    sqlite3 *db;
    char err[SV_ERR_LEN] = "";
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CHECK(kwindex_register(db, err) == 0);
    CHECK(kwindex_create(db, err) == 0);
    CHECK(config_int(db, "automerge") == 0);
    CHECK(config_int(db, "crisismerge") == KWINDEX_MERGE_SEGMENTS);
    kwindex_writer *w = kwindex_writer_new(db, err);
    CHECK(w != NULL);
    /* one entry a commit: one segment each, none merged until the last */
    for (int i = 1; i < KWINDEX_MERGE_SEGMENTS; i++) {
        char *text = kw_source(i);
        CHECK(kwindex_writer_put(w, i, NULL, text, err) == 0);
        free(text);
    }
    CHECK(segments(db) == KWINDEX_MERGE_SEGMENTS - 1);
    char *text = kw_source(KWINDEX_MERGE_SEGMENTS);
    CHECK(kwindex_writer_put(w, KWINDEX_MERGE_SEGMENTS, NULL, text, err) == 0);
    free(text);
    CHECK(segments(db) == 1); /* the level merged whole */
    compare(db, "dark moody hip hop");
    compare(db, "東京");
    kwindex_writer_free(w);

    /* an index made with FTS5's incremental merges (as samplevec made them before) */
    CHECK(sqlite3_exec(db,
                       "INSERT INTO " KWINDEX_TABLE "(" KWINDEX_TABLE ", rank) VALUES('automerge', 16);"
                       "INSERT INTO " KWINDEX_TABLE "(" KWINDEX_TABLE ", rank) VALUES('crisismerge', 64);",
                       NULL, NULL, NULL) == SQLITE_OK);
    CHECK(config_int(db, "automerge") == 16);
    w = kwindex_writer_new(db, err);
    CHECK(w != NULL);
    CHECK(config_int(db, "automerge") == 0);
    CHECK(config_int(db, "crisismerge") == KWINDEX_MERGE_SEGMENTS);
    kwindex_writer_free(w);
    sqlite3_close(db);
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
        texts[i] = i % 50 == 7 ? strdup(texts[i - 1]) : kw_source(i); /* some equal texts: ties */
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
    kw_words(long_query, sizeof long_query, 150);
    compare(db, long_query);
    compare(db, texts[42]);

    /* replaced and removed entries, in other transactions (more segments, docsize gaps) */
    CHECK(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    for (int i = 0; i < N; i += 3) {
        char *next = i % 2 ? kw_source(i) : NULL;
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
    merge_policy();
    return check_summary();
}
