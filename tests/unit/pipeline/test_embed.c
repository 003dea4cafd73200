/* The pipeline with a provider the test controls: bad vectors and per-text errors fail only
 * their samples; a fatal provider error stops the run with the checkpoint at the last commit. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "checkpoint.h"
#include "embed.h"
#include "kwindex.h"

#define DIMS 8

static char dir[] = "/tmp/sv_embed_XXXXXX";
static int fatal_on_call; /* 0 = never; else the call number that fails the run */
static int calls;

static int fake_embed(provider *p, const char *const *texts, size_t n, float *vectors,
                      provider_text_result *results, int64_t *billed, char err[SV_ERR_LEN])
{
    (void)p;
    if (++calls == fatal_on_call)
        return sv_fail(err, SV_EXIT_USAGE, "the API key was refused (401)");
    *billed = 0;
    for (size_t i = 0; i < n; i++) {
        float *v = vectors + i * DIMS;
        for (int d = 0; d < DIMS; d++)
            v[d] = (float)(strlen(texts[i]) % 7 + d + 1);
        if (strstr(texts[i], "nan-title"))
            v[2] = 0.0f / 0.0f;
        if (strstr(texts[i], "zero-title"))
            memset(v, 0, DIMS * sizeof *v);
        if (strstr(texts[i], "reject-title"))
            results[i].error = strdup("the API rejected this input (400)");
        results[i].tokens = 10;
        *billed += 10;
    }
    return 0;
}
static int64_t fake_count(provider *p, const char *t) { (void)p; return (int64_t)strlen(t); }
static void fake_free(provider *p) { (void)p; }
static const provider_vtable fake_vt = {fake_embed, fake_count, fake_free};

static void make_library(const char *path)
{
    sqlite3 *db;
    sqlite3_open(path, &db);
    CHECK(sqlite3_exec(db,
                       "CREATE TABLE samples(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL,"
                       " title VARCHAR NOT NULL, file_path VARCHAR NOT NULL, bpm FLOAT,"
                       " musical_key VARCHAR, genre VARCHAR, tags JSON);"
                       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<10)"
                       " INSERT INTO samples SELECT i, 1, CASE i WHEN 3 THEN 'nan-title'"
                       " WHEN 5 THEN 'zero-title' WHEN 7 THEN 'reject-title' ELSE 'loop ' || i END,"
                       " '/x/' || i || '.wav', 80 + i, 'Am', 'jazz', '[\"dusty\"]' FROM n;",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
}

static int64_t count_rows(const char *store)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t n = -1;
    sqlite3_open(store, &db);
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sample_embeddings", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* The ids whose keyword entry has the title word `word`, ascending, as a comma list. */
static void title_matches(const char *store, const char *word, char *out, size_t cap)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char err[SV_ERR_LEN], sql[128];
    out[0] = '\0';
    CHECK(sqlite3_open(store, &db) == SQLITE_OK && kwindex_register(db, err) == 0);
    snprintf(sql, sizeof sql, "SELECT rowid FROM sample_keywords WHERE sample_keywords MATCH 'title : %s' ORDER BY rowid",
             word);
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%lld", n ? "," : "", (long long)sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void run(const char *lib, const char *store, const char *progress, int reset, int *rc,
                embed_report *r)
{
    provider fake = {.vt = &fake_vt, .name = "fake", .model = "fake-1", .dims = DIMS,
                     .usd_per_mtok = 0.02, .tokens_exact = 1, .chunk_size = 3};
    embed_options o = {.library = lib, .store = store, .progress = progress, .reset = reset};
    char err[SV_ERR_LEN];
    *rc = embed_run_with(&o, &fake, r, err);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    char lib[256], store[256], progress[256], err[SV_ERR_LEN];
    snprintf(lib, sizeof lib, "%s/lib.db", dir);
    snprintf(store, sizeof store, "%s/store.db", dir);
    snprintf(progress, sizeof progress, "%s/progress.json", dir);
    make_library(lib);

    int rc;
    embed_report r;
    run(lib, store, progress, 0, &rc, &r);
    CHECK(rc == SV_EXIT_FAILED);
    CHECK(r.total == 10 && r.successful == 7 && r.failed == 3 && r.skipped == 0);
    CHECK(r.n_failed_ids == 3 && r.failed_ids[0] == 3 && r.failed_ids[1] == 5 && r.failed_ids[2] == 7);
    CHECK(count_rows(store) == 7);
    /* Each stored sample's keyword entry is its own: the entries are tokenized beside the
     * embedding, before the failed samples' rows are dropped (titles are "loop N"). */
    char ids[128];
    title_matches(store, "loop", ids, sizeof ids);
    CHECK(strcmp(ids, "1,2,4,6,8,9,10") == 0);
    for (int i = 1; i <= 10; i++) {
        char word[8], want[8];
        snprintf(word, sizeof word, "%d", i);
        snprintf(want, sizeof want, "%s", i == 3 || i == 5 || i == 7 ? "" : word);
        title_matches(store, word, ids, sizeof ids);
        CHECK(strcmp(ids, want) == 0);
    }
    /* The API bills every input it answered, the NaN/zero ones too; our count is the stored. */
    CHECK(r.tokens == 100 && r.tokens_counted == 70);
    CHECK_NEAR(r.cost_usd, 100 * 0.02 / 1e6, 1e-18);
    embed_report_clear(&r);
    checkpoint cp;
    CHECK(checkpoint_load(progress, &cp, err) == 0);
    CHECK(cp.n_failures == 3 && cp.last_processed_id == 10 && cp.finished);
    CHECK(cp.n_failures == 3 && strstr(cp.failures[0].error, "NaN at index 2"));
    CHECK(cp.n_failures == 3 && strstr(cp.failures[1].error, "all zeros"));
    CHECK(cp.n_failures == 3 && strstr(cp.failures[2].error, "rejected this input"));
    checkpoint_clear(&cp);

    /* A rerun skips the stored seven and retries only the three failures. */
    calls = 0;
    run(lib, store, progress, 0, &rc, &r);
    CHECK(rc == SV_EXIT_FAILED && r.skipped == 7 && r.failed == 3 && r.successful == 0);
    embed_report_clear(&r);

    /* A fatal error on the second provider call: the first commit (ids 1-3) stands, with its
     * failure; nothing of the commit in flight is stored or recorded. */
    calls = 0;
    fatal_on_call = 2;
    run(lib, store, progress, 1, &rc, &r);
    CHECK(rc == SV_EXIT_USAGE);
    CHECK(count_rows(store) == 2); /* ids 1 and 2; 3 failed (NaN) */
    embed_report_clear(&r);
    CHECK(checkpoint_load(progress, &cp, err) == 0);
    CHECK(cp.last_processed_id == 3 && !cp.finished && cp.total_successful == 2);
    CHECK(cp.n_failures == 1 && cp.failures[0].sample_id == 3);
    checkpoint_clear(&cp);

    /* --resume continues a job whose earlier run failed samples: it does not go back to them,
     * so the job still ends with exit 1 and says how many. */
    calls = 0;
    fatal_on_call = 0;
    {
        provider fake = {.vt = &fake_vt, .name = "fake", .model = "fake-1", .dims = DIMS,
                         .usd_per_mtok = 0.02, .tokens_exact = 1, .chunk_size = 3};
        embed_options first = {.library = lib, .store = store, .progress = progress, .reset = 1,
                               .limit = 6};
        CHECK(embed_run_with(&first, &fake, &r, err) == SV_EXIT_FAILED); /* 3 and 5 fail */
        CHECK(r.failed == 2);
        embed_report_clear(&r);
        embed_options rest = {.library = lib, .store = store, .progress = progress, .resume = 1};
        CHECK(embed_run_with(&rest, &fake, &r, err) == SV_EXIT_FAILED);
        CHECK(r.total == 4 && r.failed == 1 && r.earlier_failed == 2); /* 7 fails now */
        embed_report_clear(&r);
        /* a progress file of another store is refused, naming both */
        char other[256];
        snprintf(other, sizeof other, "%s/other.db", dir);
        embed_options elsewhere = {.library = lib, .store = other, .progress = progress, .resume = 1};
        CHECK(embed_run_with(&elsewhere, &fake, &r, err) == SV_EXIT_USAGE);
        CHECK(strstr(err, "store.db") && strstr(err, "other.db"));
        embed_report_clear(&r);
    }

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_summary();
}
