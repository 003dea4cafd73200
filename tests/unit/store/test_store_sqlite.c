#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store.h"

static char dir[] = "/tmp/sv_store_XXXXXX";

typedef struct scan_ctx {
    int n;
    int64_t ids[8];
    float first[4];
    int bpm_null_seen;
} scan_ctx;

static int collect(const store_scan_row *row, void *ctx)
{
    scan_ctx *c = ctx;
    if (c->n == 0)
        memcpy(c->first, row->vector, sizeof c->first);
    c->bpm_null_seen |= !row->has_bpm;
    c->ids[c->n++] = row->sample_id;
    return 0;
}

static void test_round_trip(void)
{
    char path[256], err[SV_ERR_LEN];
    int code = 0;
    snprintf(path, sizeof path, "%s/samplevec.db", dir);
    store *s = store_open(path, STORE_READ_WRITE, &code, err);
    CHECK(s != NULL);
    store_meta m;
    CHECK(store_meta_get(s, &m, err) == 0 && m.dims == 0 && m.rows == 0);
    CHECK(store_prepare(s, "lexical", "lexical-v1", 4, NULL, 0, err) == 0);

    float v1[4] = {1, 0, 0, 0}, v2[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    store_row rows[2] = {
        {.sample_id = 2, .vector = v2, .source = "Title: B", .source_hash = "00000000000000bb",
         .title = "B", .genre = "jazz", .bpm = 90, .has_bpm = 1},
        {.sample_id = 1, .vector = v1, .source = "Title: A", .source_hash = "00000000000000aa",
         .title = "A"},
    };
    CHECK(store_upsert(s, rows, 2, err) == 0);
    int64_t ids[3] = {1, 2, 3};
    store_lookup found[3];
    CHECK(store_lookup_ids(s, ids, 3, found, err) == 0);
    CHECK(found[0].present && strcmp(found[0].source_hash, "00000000000000aa") == 0);
    CHECK(strcmp(found[1].model, "lexical-v1") == 0);
    CHECK(!found[2].present);

    /* upsert of an existing id replaces it: the new vector, source text, hash and filter
     * columns, and no duplicate row */
    float v1b[4] = {0, 0, 0, -1};
    rows[1].vector = v1b;
    rows[1].source = "Title: A2";
    rows[1].source_hash = "00000000000000cc";
    rows[1].title = "A2";
    rows[1].bpm = 121, rows[1].has_bpm = 1;
    CHECK(store_upsert(s, rows + 1, 1, err) == 0);
    CHECK(store_meta_get(s, &m, err) == 0 && m.rows == 2 && m.dims == 4);
    CHECK(strcmp(m.model, "lexical-v1") == 0 && strcmp(m.provider, "lexical") == 0);
    CHECK(store_lookup_ids(s, ids, 1, found, err) == 0);
    CHECK(found[0].present && strcmp(found[0].source_hash, "00000000000000cc") == 0);

    scan_ctx ctx = {0};
    CHECK(store_scan(s, collect, &ctx, err) == 0);
    CHECK(ctx.n == 2 && ctx.ids[0] == 1 && ctx.ids[1] == 2);
    CHECK(memcmp(ctx.first, v1b, sizeof v1b) == 0);
    CHECK(!ctx.bpm_null_seen); /* id 1 has a BPM now */
    {
        sqlite3 *db = NULL;
        sqlite3_stmt *q = NULL;
        CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
        CHECK(sqlite3_prepare_v2(db, "SELECT embedding_source, title, bpm, count(*) OVER () FROM "
                                     "sample_embeddings WHERE sample_id = 1", -1, &q, NULL) == SQLITE_OK);
        CHECK(sqlite3_step(q) == SQLITE_ROW);
        CHECK_STR_EQ((const char *)sqlite3_column_text(q, 0), "Title: A2");
        CHECK_STR_EQ((const char *)sqlite3_column_text(q, 1), "A2");
        CHECK(sqlite3_column_double(q, 2) == 121.0 && sqlite3_column_int(q, 3) == 1);
        sqlite3_finalize(q);
        sqlite3_close(db);
    }

    /* another model is refused, naming both, unless reset */
    CHECK(store_prepare(s, "openai", "text-embedding-3-small", 1536, NULL, 0, err) == SV_EXIT_USAGE);
    CHECK(strstr(err, "lexical-v1") && strstr(err, "text-embedding-3-small") && strstr(err, "--reset"));
    store_close(s);

    /* the blob is exactly dims × 4 little-endian float32 bytes, and the declared type says so */
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT hex(vibe_vector), length(vibe_vector) FROM sample_embeddings WHERE sample_id=2", -1, &st, NULL);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR_EQ((const char *)sqlite3_column_text(st, 0), "0000003F0000003F0000003F0000003F");
    CHECK(sqlite3_column_int(st, 1) == 16);
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE name='sample_embeddings'", -1, &st, NULL);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK(strstr((const char *)sqlite3_column_text(st, 0), "F32_BLOB(4)") != NULL);
    sqlite3_finalize(st);
    sqlite3_close(db);

    s = store_open(path, STORE_READ_WRITE, &code, err);
    CHECK(store_prepare(s, "lexical", "lexical-v1", 8, NULL, 1, err) == 0);
    CHECK(store_meta_get(s, &m, err) == 0 && m.rows == 0 && m.dims == 8);
    store_close(s);
}

static void test_refuses_a_sample_library(void)
{
    char path[256], err[SV_ERR_LEN];
    int code = 0;
    snprintf(path, sizeof path, "%s/sp404_samples.db", dir);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "CREATE TABLE samples(id INTEGER PRIMARY KEY, title TEXT)", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK(store_open(path, STORE_READ_WRITE, &code, err) == NULL);
    CHECK(code == SV_EXIT_DATA && strstr(err, "samples"));
    /* another application's database is refused and left exactly as it was */
    snprintf(path, sizeof path, "%s/other.db", dir);
    sqlite3_open(path, &db);
    sqlite3_exec(db, "CREATE TABLE foo(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK(store_open(path, STORE_READ_ONLY, &code, err) == NULL);
    CHECK(code == SV_EXIT_DATA && strstr(err, "something else"));
    sqlite3_open(path, &db);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
    CHECK(sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "delete") == 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    snprintf(path, sizeof path, "%s/missing.db", dir);
    CHECK(store_open(path, STORE_READ_ONLY, &code, err) == NULL);
    CHECK(code == SV_EXIT_DATA && strstr(err, "missing.db"));
}

/* One writer at a time, and the claim checked in every write's own transaction: even a writer
 * that bypassed the lease cannot mix dims. */
static void test_one_writer(void)
{
    char path[256], err[SV_ERR_LEN];
    int code = 0;
    snprintf(path, sizeof path, "%s/lease.db", dir);
    store *a = store_open(path, STORE_READ_WRITE, &code, err);
    store *b = store_open(path, STORE_READ_WRITE, &code, err);
    CHECK(a && b);
    if (!a || !b)
        return;
    CHECK(store_prepare(a, "lexical", "lexical-v1", 8, NULL, 0, err) == 0);
    /* b is another run of this process: give it a lease of its own by forging a's row as a
     * live foreign one (this process's pid on this host, another run token) */
    char host[96] = "";
    gethostname(host, sizeof host - 1);
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE samplevec_meta SET value = 'feedface|%ld|%s|2026-01-01T00:00:00Z|9999999999' WHERE key = 'writer'",
             (long)getpid(), host);
    sqlite3 *db;
    sqlite3_open(path, &db);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    /* the lease is held (a live process on this host): b is refused, naming it */
    CHECK(store_prepare(b, "lexical", "lexical-v1", 4, NULL, 1, err) == SV_EXIT_DATA);
    CHECK(strstr(err, "being written by another samplevec run") != NULL);
    char pid_text[32];
    snprintf(pid_text, sizeof pid_text, "pid %ld", (long)getpid());
    CHECK(strstr(err, pid_text) != NULL);
    /* a's own writes now fail too: the lease is not a's any more */
    float v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    store_row row = {.sample_id = 1, .vector = v, .source = "x", .source_hash = "0000000000000001"};
    CHECK(store_upsert(a, &row, 1, err) == SV_EXIT_DATA);
    /* bypass the lease altogether: delete it, and b re-claims the store for 4 dims */
    CHECK(sqlite3_exec(db, "DELETE FROM samplevec_meta WHERE key = 'writer'", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(store_prepare(b, "lexical", "lexical-v1", 4, NULL, 1, err) == 0);
    CHECK(store_upsert(b, &row, 1, err) == 0);
    /* a writes 8-dim rows: refused inside its transaction, nothing mixed */
    CHECK(sqlite3_exec(db, "DELETE FROM samplevec_meta WHERE key = 'writer'", NULL, NULL, NULL) == SQLITE_OK);
    row.sample_id = 2;
    CHECK(store_upsert(a, &row, 1, err) == SV_EXIT_DATA);
    CHECK(strstr(err, "claimed for model") != NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT count(*), min(dims), max(length(vibe_vector)) FROM sample_embeddings", -1, &st, NULL);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1 &&
          sqlite3_column_int(st, 1) == 4 && sqlite3_column_int(st, 2) == 16);
    sqlite3_finalize(st);
    /* close releases only its own lease */
    store_close(a);
    sqlite3_prepare_v2(db, "SELECT count(*) FROM samplevec_meta WHERE key = 'writer'", -1, &st, NULL);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0);
    sqlite3_finalize(st);
    store_close(b);
    sqlite3_close(db);
    /* the lease text */
    store_writer w;
    CHECK(store_writer_parse("r1|42|host.example|2026-01-01T00:00:00Z|99", &w) == 0 && w.pid == 42 &&
          strcmp(w.host, "host.example") == 0 && w.expires == 99);
    CHECK(store_writer_parse("r1|x|h|s|1", &w) == -1 && store_writer_parse("nonsense", &w) == -1);
    CHECK(store_writer_is_free(NULL) && store_writer_is_free("garbage"));
    CHECK(!store_writer_is_free("r|4242|elsewhere.example|s|9999999999"));
    CHECK(store_writer_is_free("r|4242|elsewhere.example|s|1"));
}

/* The prefixes are recorded with the claim; another document prefix is refused like another
 * model (unless reset); another query prefix is recorded; a store from before prefixes reads
 * as "" and holds documents without one. */
static void test_prompts(void)
{
    char path[256], err[SV_ERR_LEN];
    int code = 0;
    snprintf(path, sizeof path, "%s/prompts.db", dir);
    store *s = store_open(path, STORE_READ_WRITE, &code, err);
    CHECK(s != NULL);
    if (!s)
        return;
    store_meta m;
    CHECK(store_prepare(s, "lexical", "lexical-v1", 4, NULL, 0, err) == 0); /* as before prefixes */
    CHECK(store_meta_get(s, &m, err) == 0 && m.prompts.query[0] == '\0' && m.prompts.document[0] == '\0');
    provider_prompts e5 = {"query: ", "passage: "};
    CHECK(store_prepare(s, "lexical", "lexical-v1", 4, &e5, 0, err) == SV_EXIT_USAGE);
    CHECK(strstr(err, "embedded without a prefix") && strstr(err, "\"passage: \"") &&
          strstr(err, "--document-prefix ''") && strstr(err, "--reset"));
    CHECK(store_prepare(s, "lexical", "lexical-v1", 4, &e5, 1, err) == 0);
    CHECK(store_meta_get(s, &m, err) == 0 && strcmp(m.prompts.query, "query: ") == 0 &&
          strcmp(m.prompts.document, "passage: ") == 0);
    provider_prompts other = {"query: ", "doc: "};
    CHECK(store_prepare(s, "lexical", "lexical-v1", 4, &other, 0, err) == SV_EXIT_USAGE);
    CHECK(strstr(err, "with the prefix \"passage: \"") && strstr(err, "would use \"doc: \"") &&
          strstr(err, "--document-prefix \"passage: \""));
    CHECK(store_prepare(s, "lexical", "lexical-v1", 4, NULL, 0, err) == SV_EXIT_USAGE); /* none is another one */
    provider_prompts new_query = {"find: ", "passage: "};
    CHECK(store_prepare(s, "lexical", "lexical-v1", 4, &new_query, 0, err) == 0);
    store_close(s);
    s = store_open(path, STORE_READ_WRITE, &code, err);
    CHECK(s && store_meta_get(s, &m, err) == 0 && strcmp(m.prompts.query, "find: ") == 0 &&
          strcmp(m.prompts.document, "passage: ") == 0);
    store_close(s);
}

/* The store's 'generation' (what search's caches watch) moves with every change to
 * sample_embeddings: samplevec's own writes bump it once a transaction (its connection fires no
 * trigger), and another program's writes bump it through the triggers in the file. */
static long long generation_of(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    long long g = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT CAST(value AS INTEGER) FROM samplevec_meta WHERE key='generation'", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        g = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return g;
}

static void test_generation(void)
{
    char path[256], err[SV_ERR_LEN];
    int code = 0;
    snprintf(path, sizeof path, "%s/generation.db", dir);
    store *s = store_open(path, STORE_READ_WRITE, &code, err);
    CHECK(s != NULL);
    CHECK(store_prepare(s, "lexical", "lexical-v1", 4, NULL, 0, err) == 0);
    long long g0 = generation_of(path);
    CHECK(g0 >= 0);
    float v[4] = {1, 0, 0, 0};
    store_row rows[3] = {
        {.sample_id = 1, .vector = v, .source = "Title: A", .source_hash = "00000000000000aa"},
        {.sample_id = 2, .vector = v, .source = "Title: B", .source_hash = "00000000000000bb"},
        {.sample_id = 3, .vector = v, .source = "Title: C", .source_hash = "00000000000000cc"},
    };
    CHECK(store_upsert(s, rows, 3, err) == 0);
    long long g1 = generation_of(path);
    CHECK(g1 > g0); /* an upsert of new rows */
    CHECK(store_upsert(s, rows, 1, err) == 0);
    long long g2 = generation_of(path);
    CHECK(g2 > g1); /* a replacement */
    CHECK(store_upsert(s, rows, 0, err) == 0);
    CHECK(generation_of(path) == g2); /* nothing written, nothing changed */
    int64_t gone = 2;
    CHECK(store_remove(s, &gone, 1, err) == 0);
    long long g3 = generation_of(path);
    CHECK(g3 > g2); /* a removal */
    store_close(s);

    /* another program's writes: the triggers in the file */
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "DELETE FROM sample_embeddings WHERE sample_id = 3", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    long long g4 = generation_of(path);
    CHECK(g4 > g3);

    s = store_open(path, STORE_READ_WRITE, &code, err);
    CHECK(s != NULL);
    CHECK(store_prepare(s, "lexical", "lexical-v1", 4, NULL, 1, err) == 0); /* --reset */
    CHECK(generation_of(path) > g4);
    store_close(s);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    test_round_trip();
    test_refuses_a_sample_library();
    test_one_writer();
    test_prompts();
    test_generation();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_summary();
}
