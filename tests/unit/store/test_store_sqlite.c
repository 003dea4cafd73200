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
    store *s = store_open(path, 0, &code, err);
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

    /* upsert of an existing id replaces it: no duplicate row */
    rows[1].source_hash = "00000000000000cc";
    CHECK(store_upsert(s, rows + 1, 1, err) == 0);
    CHECK(store_meta_get(s, &m, err) == 0 && m.rows == 2 && m.dims == 4);
    CHECK(strcmp(m.model, "lexical-v1") == 0 && strcmp(m.provider, "lexical") == 0);

    scan_ctx ctx = {0};
    CHECK(store_scan(s, collect, &ctx, err) == 0);
    CHECK(ctx.n == 2 && ctx.ids[0] == 1 && ctx.ids[1] == 2);
    CHECK(memcmp(ctx.first, v1, sizeof v1) == 0);
    CHECK(ctx.bpm_null_seen);

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

    s = store_open(path, 1, &code, err);
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
    CHECK(store_open(path, 0, &code, err) == NULL);
    CHECK(code == SV_EXIT_DATA && strstr(err, "samples"));
    /* another application's database is refused and left exactly as it was */
    snprintf(path, sizeof path, "%s/other.db", dir);
    sqlite3_open(path, &db);
    sqlite3_exec(db, "CREATE TABLE foo(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    CHECK(store_open(path, 1, &code, err) == NULL);
    CHECK(code == SV_EXIT_DATA && strstr(err, "something else"));
    sqlite3_open(path, &db);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
    CHECK(sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "delete") == 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    snprintf(path, sizeof path, "%s/missing.db", dir);
    CHECK(store_open(path, 1, &code, err) == NULL);
    CHECK(code == SV_EXIT_DATA && strstr(err, "missing.db"));
}


/* The prefixes are recorded with the claim; another document prefix is refused like another
 * model (unless reset); another query prefix is recorded; a store from before prefixes reads
 * as "" and holds documents without one. */
static void test_prompts(void)
{
    char path[256], err[SV_ERR_LEN];
    int code = 0;
    snprintf(path, sizeof path, "%s/prompts.db", dir);
    store *s = store_open(path, 0, &code, err);
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
    s = store_open(path, 1, &code, err);
    CHECK(s && store_meta_get(s, &m, err) == 0 && strcmp(m.prompts.query, "find: ") == 0 &&
          strcmp(m.prompts.document, "passage: ") == 0);
    store_close(s);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    test_round_trip();
    test_refuses_a_sample_library();
    test_prompts();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_summary();
}
