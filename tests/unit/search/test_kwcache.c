/* kwcache: search's posting-list copy of the keyword index answers exactly what the store's
 * FTS5 index answers (kwindex_query, itself checked against samplevec_bm25 in test_kwindex):
 * the same ids in the same order with bit-identical scores, over sparse ids, rows without a
 * source text, empty texts, texts replaced in the FTS5 index after they were first written
 * (its column totals then come from inserts and deletes), equal texts (ties by id), a word
 * repeated 40 times in one field (frequencies past the 5-bit packing), CJK, repeated query
 * words, words in every row or in none, and every limit; in memory and through its file. The
 * file is reused when current, rebuilt when a byte of it changes or the fingerprint moves, and
 * not made at all where it cannot be written and the caller does not want it in memory; a file
 * of another format (the FTS5 copy earlier versions kept) is replaced. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "kw_texts.h"
#include "kwcache.h"
#include "kwindex.h"

enum { N = 1200 };
static char *texts[N];
static int64_t ids[N];
static int scans;
static int n_scanned = N; /* the fake store's rows: the first n_scanned */

/* A store that only scans: the final texts, in sample_id order. */
static int fake_scan(store *s, store_scan_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    (void)s;
    (void)err;
    scans++;
    for (int i = 0; i < n_scanned; i++) {
        store_scan_row row;
        memset(&row, 0, sizeof row);
        row.sample_id = ids[i];
        row.source = texts[i];
        int rc = fn(&row, ctx);
        if (rc)
            return rc;
    }
    return 0;
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

static void compare(sqlite3 *db, const kwcache *c, const char *text)
{
    const size_t limits[] = {0, 1, 5, 10, 101, 100000};
    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
        query_keyword_hits got = {0}, want = {0};
        char err[SV_ERR_LEN] = "";
        size_t n_got = 99, n_want = 98;
        CHECK(kwcache_query(c, text, limits[l], &got, &n_got, err) == 0);
        CHECK(kwindex_query(db, text, limits[l], &want, &n_want, err) == 0);
        CHECK(n_got == n_want);
        if (!same(&got, &want)) {
            fprintf(stderr, "'%.40s' limit %zu: %zu hits, FTS5 %zu\n", text, limits[l], got.n, want.n);
            for (size_t i = 0; i < got.n && i < want.n && i < 5; i++)
                fprintf(stderr, "  %lld %.17g | %lld %.17g\n", (long long)got.hits[i].sample_id, got.hits[i].score,
                        (long long)want.hits[i].sample_id, want.hits[i].score);
        }
        CHECK(same(&got, &want));
        query_keyword_hits_clear(&got);
        query_keyword_hits_clear(&want);
    }
}

static void compare_all(sqlite3 *db, const kwcache *c)
{
    const char *queries[] = {"dark moody hip hop", "dusty jazz chords", "trap 808", "chill lo-fi rain",
                             "warm vinyl keys",    "東京",              "서울 groove", "piano",
                             "dark dark piano",    "quokkaphone",       "pads dreamy bass funky keys 808 rain",
                             "the and of a",       "zither"};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++)
        compare(db, c, queries[q]);
    char long_query[4096];
    kw_words(long_query, sizeof long_query, 150);
    compare(db, c, long_query);
    compare(db, c, texts[43]); /* a pasted source text */
}

int main(void)
{
    kw_rng = 4242;
    sqlite3 *db;
    char err[SV_ERR_LEN] = "";
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CHECK(kwindex_register(db, err) == 0);
    CHECK(kwindex_create(db, err) == 0);
    kwindex_writer *w = kwindex_writer_new(db, err);
    CHECK(w != NULL);
    CHECK(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    for (int i = 0; i < N; i++) {
        ids[i] = i < 400 ? i + 1 : i < 800 ? 10000 + (int64_t)i * 97 : 1000000 + (int64_t)i * 3;
        texts[i] = i % 50 == 7 ? strdup(texts[i - 1]) : i % 97 == 13 ? strdup("") : kw_source(i);
        CHECK(kwindex_writer_put(w, ids[i], NULL, texts[i], err) == 0);
    }
    CHECK(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    /* replaced and removed entries: rows without a source text have no entry */
    CHECK(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
    for (int i = 0; i < N; i += 3) {
        char *next = i % 2 ? kw_source(i + 1) : NULL;
        if (i == 300) { /* one word 40 times in one field, 33 in another */
            free(next);
            next = malloc(4096);
            CHECK(next != NULL);
            strcpy(next, "Title: zither\nGenre: zither zither\nDescription:");
            for (int k = 0; k < 40; k++)
                strcat(next, " zither");
            strcat(next, "\nTags:");
            for (int k = 0; k < 33; k++)
                strcat(next, " piano");
        }
        CHECK(kwindex_writer_put(w, ids[i], texts[i], next, err) == 0);
        free(texts[i]);
        texts[i] = next;
    }
    CHECK(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);

    store_vtable vt;
    memset(&vt, 0, sizeof vt);
    vt.scan = fake_scan;
    store st;
    memset(&st, 0, sizeof st);
    st.vt = &vt;
    char dir[] = "/tmp/test_kwcache.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    snprintf(st.location, sizeof st.location, "%s/store.db", dir);
    char cache_path[1100];
    snprintf(cache_path, sizeof cache_path, "%s.kwcache", st.location);
    int rc = -1;

    /* in memory (--no-cache): nothing written */
    kwcache *c = kwcache_for_store(&st, "fp-1", 0, 1, &rc, err);
    CHECK(c != NULL && rc == 0);
    CHECK(kwcache_fingerprint_is(c, "fp-1") && !kwcache_fingerprint_is(c, "fp-2"));
    CHECK(access(cache_path, F_OK) != 0);
    compare_all(db, c);
    kwcache_free(c);

    /* not wanted in memory: a file, or nothing */
    c = kwcache_for_store(&st, "fp-1", 0, 0, &rc, err);
    CHECK(c == NULL && rc == 0);

    /* through the file: built and written, then reused without a scan */
    scans = 0;
    c = kwcache_for_store(&st, "fp-1", 1, 0, &rc, err);
    CHECK(c != NULL && rc == 0 && scans == 1);
    CHECK(access(cache_path, F_OK) == 0);
    kwcache_free(c);
    c = kwcache_for_store(&st, "fp-1", 1, 0, &rc, err);
    CHECK(c != NULL && scans == 1);
    compare_all(db, c);
    kwcache_free(c);

    /* another fingerprint: rebuilt */
    c = kwcache_for_store(&st, "fp-2", 1, 0, &rc, err);
    CHECK(c != NULL && scans == 2 && kwcache_fingerprint_is(c, "fp-2"));
    kwcache_free(c);

    /* a changed byte past the header: the checksum fails, rebuilt rather than trusted */
    struct stat sb;
    CHECK(stat(cache_path, &sb) == 0 && sb.st_size > 1000);
    FILE *f = fopen(cache_path, "r+b");
    CHECK(f != NULL);
    CHECK(fseek(f, (long)sb.st_size - 5, SEEK_SET) == 0);
    int ch = fgetc(f);
    CHECK(fseek(f, (long)sb.st_size - 5, SEEK_SET) == 0);
    fputc(ch ^ 0x5a, f);
    fclose(f);
    c = kwcache_for_store(&st, "fp-2", 1, 0, &rc, err);
    CHECK(c != NULL && scans == 3);
    compare_all(db, c);
    kwcache_free(c);
    /* a truncated file: rebuilt too */
    CHECK(truncate(cache_path, sb.st_size / 2) == 0);
    c = kwcache_for_store(&st, "fp-2", 1, 0, &rc, err);
    CHECK(c != NULL && scans == 4);
    kwcache_free(c);

    /* a file of another format (earlier versions kept an SQLite FTS5 copy here): rebuilt */
    f = fopen(cache_path, "wb");
    CHECK(f != NULL);
    fputs("SQLite format 3", f);
    fputc('\0', f);
    for (int k = 0; k < 4096; k++)
        fputc(k & 0xff, f);
    fclose(f);
    c = kwcache_for_store(&st, "fp-2", 1, 0, &rc, err);
    CHECK(c != NULL && scans == 5);
    kwcache_free(c);

    /* a directory that cannot be written: no file, and nothing built unless wanted in memory */
    unlink(cache_path);
    snprintf(st.location, sizeof st.location, "%s/missing/store.db", dir);
    c = kwcache_for_store(&st, "fp-2", 1, 0, &rc, err);
    CHECK(c == NULL && rc == 0 && scans == 5);
    c = kwcache_for_store(&st, "fp-2", 1, 1, &rc, err);
    CHECK(c != NULL && scans == 6);
    compare_all(db, c);
    kwcache_free(c);
    CHECK(rmdir(dir) == 0); /* nothing left behind */

    /* an empty store, and one whose frequencies all fit the packing (no overflow table) */
    for (int rows = 0; rows <= 2; rows += 2) {
        n_scanned = rows;
        c = kwcache_for_store(&st, "fp-3", 0, 1, &rc, err);
        CHECK(c != NULL);
        query_keyword_hits none = {0};
        size_t n_tokens = 0;
        CHECK(c && kwcache_query(c, "dark piano zither", 10, &none, &n_tokens, err) == 0);
        CHECK(n_tokens == 3 && (rows > 0 || none.n == 0));
        query_keyword_hits_clear(&none);
        kwcache_free(c);
    }

    kwindex_writer_free(w);
    sqlite3_close(db);
    for (int i = 0; i < N; i++)
        free(texts[i]);
    return check_summary();
}
