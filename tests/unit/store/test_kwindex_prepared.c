/* kwindex: an entry tokenized ahead (kwindex_entry_prepare + kwindex_writer_put_prepared, how
 * `embed` writes the index) gives the FTS5 table exactly what kwindex_writer_put gives it from
 * the text: every token at the same column and position (fts5vocab 'instance'), the same
 * column lengths (the docsize table BM25F reads), the same ranking; and such an entry can be
 * replaced later from its source text (a contentless FTS5 'delete' must be given the very
 * tokens it was indexed with, or the entry's tokens stay behind). Texts cover CJK, emoji,
 * compounds, empty fields, a field cut at KWINDEX_FIELD_MAX_BYTES, and fields that start with
 * the prepared mark itself (a raw field is never taken for a prepared one). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kw_texts.h"
#include "kwindex.h"

static sqlite3 *open_index(void)
{
    sqlite3 *db;
    char err[SV_ERR_LEN] = "";
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CHECK(kwindex_register(db, err) == 0);
    CHECK(kwindex_create(db, err) == 0);
    CHECK(sqlite3_exec(db, "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, sample_keywords, instance)", NULL,
                       NULL, NULL) == SQLITE_OK);
    return db;
}

/* The rows of sql, one line each, into a malloc'd string. */
static char *dump(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    CHECK(out != NULL);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const unsigned char *v = sqlite3_column_blob(st, c);
            size_t n = (size_t)sqlite3_column_bytes(st, c);
            while (len + 2 * n + 8 > cap)
                CHECK((out = realloc(out, cap *= 2)) != NULL);
            for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(out + len, cap - len, "%02x", v[i]);
            out[len++] = c + 1 < sqlite3_column_count(st) ? '|' : '\n';
            out[len] = '\0';
        }
    }
    sqlite3_finalize(st);
    return out;
}

static int integrity_ok(sqlite3 *db)
{
    return sqlite3_exec(db, "INSERT INTO sample_keywords(sample_keywords) VALUES('integrity-check')", NULL, NULL,
                        NULL) == SQLITE_OK;
}

static void same_index(sqlite3 *a, sqlite3 *b)
{
    static const char *const queries[] = {
        "SELECT term, doc, col, offset FROM vocab ORDER BY term, doc, col, offset",
        "SELECT id, sz FROM sample_keywords_docsize ORDER BY id",
    };
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        char *da = dump(a, queries[q]), *db = dump(b, queries[q]);
        CHECK(strlen(da) > 0);
        CHECK(strcmp(da, db) == 0);
        free(da);
        free(db);
    }
    const char *texts[] = {"dark moody hip hop", "東京", "🔥 trap 808", "lo-fi boom bap", "서울 groove"};
    for (size_t q = 0; q < sizeof texts / sizeof texts[0]; q++) {
        query_keyword_hits ha = {0}, hb = {0};
        char err[SV_ERR_LEN] = "";
        CHECK(kwindex_query(a, texts[q], 0, &ha, NULL, err) == 0);
        CHECK(kwindex_query(b, texts[q], 0, &hb, NULL, err) == 0);
        CHECK(ha.n == hb.n && ha.n > 0);
        for (size_t i = 0; i < ha.n && i < hb.n; i++)
            CHECK(ha.hits[i].sample_id == hb.hits[i].sample_id && ha.hits[i].score == hb.hits[i].score);
        query_keyword_hits_clear(&ha);
        query_keyword_hits_clear(&hb);
    }
    CHECK(integrity_ok(a));
    CHECK(integrity_ok(b));
}

static void put_both(kwindex_writer *wa, kwindex_writer *wb, keyword_scratch *sc, int64_t id, const char *old,
                     const char *text)
{
    char err[SV_ERR_LEN] = "";
    kwindex_entry e = {NULL};
    CHECK(kwindex_writer_put(wa, id, old, text, err) == 0);
    CHECK(kwindex_entry_prepare(sc, text, &e) == 0);
    CHECK(kwindex_writer_put_prepared(wb, id, old, &e, err) == 0);
    free(e.bytes);
}

int main(void)
{
    char err[SV_ERR_LEN] = "";
    sqlite3 *raw = open_index(), *prepared = open_index();
    kwindex_writer *wa = kwindex_writer_new(raw, err), *wb = kwindex_writer_new(prepared, err);
    keyword_scratch *sc = keyword_scratch_new();
    CHECK(wa && wb && sc);

    enum { N = 400 };
    char *texts[N];
    /* a description past the field cut, in words, so that the cut falls inside one */
    size_t big_len = KWINDEX_FIELD_MAX_BYTES + 5000;
    char *big = malloc(big_len + 64);
    CHECK(big != NULL);
    strcpy(big, "Title: Long One\nDescription: ");
    for (size_t n = strlen(big); n < big_len; n = strlen(big))
        strcat(big, "dusty vinyl ");
    const char *special[] = {
        "Title: 東京 Nights 🔥\nGenre: lo-fi\nMood: dreamy\nDescription: 雨の夜、서울 groove with boom bap drums",
        "Title: \x1e" "Marked Title\nGenre: \x1e\x1ftrap\nDescription: \x1e",
        "Title: Only A Title",
        "Genre: \nMood: \nDescription: the and of a",
        "Title: F#m 120bpm hip hop\nKey: F#m\nBPM: 120\nTags: drum and bass, r&b",
        big,
    };
    const size_t n_special = sizeof special / sizeof special[0];
    CHECK(sqlite3_exec(raw, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(prepared, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    for (int i = 0; i < N; i++) {
        texts[i] = (size_t)i < n_special ? strdup(special[i]) : kw_source(i);
        CHECK(texts[i] != NULL);
        put_both(wa, wb, sc, i + 1, NULL, texts[i]);
    }
    CHECK(sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(prepared, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    same_index(raw, prepared);

    /* replaced from their source texts, as a later embed of changed samples does */
    CHECK(sqlite3_exec(raw, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(prepared, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    for (int i = 0; i < N; i += 2) {
        char *next = kw_source(N + i);
        put_both(wa, wb, sc, i + 1, texts[i], next);
        free(texts[i]);
        texts[i] = next;
    }
    CHECK(sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(prepared, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    same_index(raw, prepared);

    /* the comparison can fail: entry 2 removed with its own text on one side and with other
     * tokens on the other (which FTS5 accepts, leaving the entry's tokens behind) */
    CHECK(sqlite3_exec(raw, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(prepared, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(kwindex_writer_put(wa, 2, texts[1], NULL, err) == 0);
    CHECK(kwindex_writer_put(wb, 2, "Title: something else entirely", NULL, err) == 0);
    CHECK(sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(prepared, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    const char *vocab = "SELECT term, doc, col, offset FROM vocab ORDER BY term, doc, col, offset";
    char *da = dump(raw, vocab), *db = dump(prepared, vocab);
    CHECK(strcmp(da, db) != 0);
    free(da);
    free(db);

    for (int i = 0; i < N; i++)
        free(texts[i]);
    free(big);
    keyword_scratch_free(sc);
    kwindex_writer_free(wa);
    kwindex_writer_free(wb);
    sqlite3_close(raw);
    sqlite3_close(prepared);
    return check_summary();
}
