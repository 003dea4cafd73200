/* The local store: a SQLite file of samplevec's own (schema in store.h), WAL mode, one
 * transaction per upserted chunk. The application's database is never opened here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "sqlite_readonly.h"
#include "kwindex.h"
#include "sqlite_helpers.h"
#include "store.h"
#include "vecblob.h"
#include "walcheckpoint.h"

/* Pages in the log after which walcheckpoint copies it into the file: SQLite's own default. */
#define CHECKPOINT_PAGES 1000
#define STORE_HEAP_SOFT_BYTES (16 << 20) /* a writer's page cache, less what else is live */

typedef struct sqlite_store {
    store base;
    store_mode mode;
    int leased;                 /* this run holds the writer lease (store.h) */
    char model[PROVIDER_MODEL_LEN]; /* the claim prepare made */
    sqlite3 *db;
    sqlite3 *lookup_db;         /* a second, read-only connection for lookups: in WAL mode it
                                   reads the last commit while db writes the next one, so the
                                   pipeline can look a chunk up during the previous write */
    sqlite3_stmt *lookup_stmt;  /* on lookup_db, prepared once, reused per id */
    sqlite3_stmt *upsert_stmt;
    sqlite3_stmt *old_source_stmt; /* a row's embedding_source before an upsert replaces it */
    kwindex_writer *kw;             /* the keyword index's statements, prepared on first write */
    wal_checkpointer *checkpoints;  /* the log's checkpoints, off the writer's thread from its first upsert */
    int checkpoints_tried;
    keyword_scratch *prepare_scratch[2]; /* prepare_rows' tokenizer buffers, one per thread */
    unsigned char *blob;        /* dims*4 bytes, encode buffer for upserts */
    float *vector;              /* dims floats, decode buffer for scans */
} sqlite_store;

#define SCHEMA_SQL_FMT                                                                    \
    "CREATE TABLE IF NOT EXISTS sample_embeddings ("                                      \
    " sample_id INTEGER PRIMARY KEY,"                                                      \
    " vibe_vector F32_BLOB(%d) NOT NULL,"                                                  \
    " embedding_source TEXT,"                                                              \
    " created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"                                     \
    " model TEXT, dims INTEGER, source_hash TEXT,"                                         \
    " title TEXT, genre TEXT, bpm REAL, musical_key TEXT,"                                 \
    " mood_primary TEXT, mood_secondary TEXT, energy_level REAL);"                         \
    "CREATE TABLE IF NOT EXISTS samplevec_meta (key TEXT PRIMARY KEY, value TEXT);"       \
    COUNT_INDEX_SQL GENERATION_SQL

/* count(*) (store_meta's rows) walks the smallest b-tree. Without an index that is the table,
 * one ~6 KB row per leaf page: 400 MB of reads for 100,000 rows (206 ms); this index makes it
 * 2 MB (9 ms), which is most of a cold `samplevec search` on a large store. */
#define COUNT_INDEX_SQL                                                                   \
    "CREATE INDEX IF NOT EXISTS sample_embeddings_count ON sample_embeddings(dims);"

/* Search keeps a vector cache derived from this file (veccache.h) and needs to know when it
 * went stale. Every change to sample_embeddings by any other writer (the sqlite3 shell, a
 * script) bumps 'generation' through these triggers; samplevec's own connection runs with
 * triggers off and bumps it once per transaction that writes rows (upsert, remove, reset):
 * a trigger made every row's INSERT a statement with a savepoint, which copied the 64 KiB
 * pages it touched into the statement journal, a third of the writer's time (docs/search.md).
 * 'store_id' is random per file, so a deleted and re-created store never repeats an old
 * fingerprint. */
#define GENERATION_BUMP "UPDATE samplevec_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation';"
#define GENERATION_SQL                                                                    \
    "INSERT OR IGNORE INTO samplevec_meta(key, value) VALUES('generation', 0);"           \
    "INSERT OR IGNORE INTO samplevec_meta(key, value) VALUES('store_id', lower(hex(randomblob(8))));" \
    "CREATE TRIGGER IF NOT EXISTS samplevec_gen_insert AFTER INSERT ON sample_embeddings"  \
    " BEGIN " GENERATION_BUMP " END;"                                                      \
    "CREATE TRIGGER IF NOT EXISTS samplevec_gen_update AFTER UPDATE ON sample_embeddings"  \
    " BEGIN " GENERATION_BUMP " END;"                                                      \
    "CREATE TRIGGER IF NOT EXISTS samplevec_gen_delete AFTER DELETE ON sample_embeddings"  \
    " BEGIN " GENERATION_BUMP " END;"

/* The keyword index (kwindex.h) is current when it exists and was stamped with the generation
 * the store has now: samplevec stamps it in every transaction that writes both; a write by
 * another program (the sqlite3 shell) bumps the generation without indexing, and the index is
 * then stale until the next 'embed' rebuilds it (search uses its own derived copy until then). */
#define KEYWORD_STAMP_SQL                                                                 \
    "INSERT OR REPLACE INTO samplevec_meta(key, value)"                                   \
    " SELECT 'keyword_generation', value FROM samplevec_meta WHERE key = 'generation';"   \
    "INSERT OR REPLACE INTO samplevec_meta(key, value) VALUES('keyword_format', '" KWINDEX_FORMAT "');"

static int db_fail(sqlite_store *s, char err[SV_ERR_LEN], const char *what)
{
    return sv_fail(err, SV_EXIT_DATA, "store %s: %s: %s", s->base.location, what,
                   sqlite3_errmsg(s->db));
}

static int exec_sql(sqlite_store *s, const char *sql, char err[SV_ERR_LEN])
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    int rc = sv_fail(err, SV_EXIT_DATA, "store %s: %s", s->base.location, msg ? msg : "error");
    sqlite3_free(msg);
    return rc;
}

static int table_exists(sqlite_store *s, const char *name) { return sqlite_table_exists(s->db, name); }

static int has_any_table(sqlite_store *s)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

static void meta_read_text(sqlite_store *s, const char *key, char *out, size_t cap)
{
    sqlite_meta_text(s->db, key, out, cap);
}

/* SAMPLEVEC_KEYWORD_INDEX=0 (benchmarks: bench/embed_local.sh measures what the index costs):
 * embed neither creates nor keeps the keyword index; search then uses its derived copy. */
static int keyword_index_off(void)
{
    const char *v = getenv("SAMPLEVEC_KEYWORD_INDEX");
    return v && strcmp(v, "0") == 0;
}

static int keyword_index_current(sqlite_store *s)
{
    if (!kwindex_exists(s->db))
        return 0;
    sqlite3_stmt *st;
    int current = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT CAST((SELECT value FROM samplevec_meta WHERE key='keyword_generation') AS INTEGER)"
                           " = CAST((SELECT value FROM samplevec_meta WHERE key='generation') AS INTEGER)"
                           " AND (SELECT value FROM samplevec_meta WHERE key='keyword_format') = '" KWINDEX_FORMAT "'",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    current = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    return current;
}

/* Inside the caller's transaction: the index made anew from every stored source text. */
static int keyword_index_rebuild(sqlite_store *s, char err[SV_ERR_LEN])
{
    int rc;
    kwindex_writer_free(s->kw); /* its statements may point at a dropped table */
    s->kw = NULL;
    /* Dropped, not emptied: an index of another format may have other columns. */
    if ((rc = exec_sql(s, "DROP TABLE IF EXISTS " KWINDEX_TABLE, err)) || (rc = kwindex_create(s->db, err)))
        return rc;
    if (!(s->kw = kwindex_writer_new(s->db, err)))
        return SV_EXIT_DATA;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT sample_id, embedding_source FROM sample_embeddings ORDER BY sample_id",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "cannot read the source texts");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = kwindex_writer_put(s->kw, sqlite3_column_int64(st, 0), NULL,
                                     (const char *)sqlite3_column_text(st, 1), err)))
            break;
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(s, err, "cannot read the source texts");
    sqlite3_finalize(st);
    return rc ? rc : exec_sql(s, KEYWORD_STAMP_SQL, err);
}

static int sqlite_meta(store *base, store_meta *out, char err[SV_ERR_LEN])
{
    sqlite_store *s = (sqlite_store *)base;
    memset(out, 0, sizeof *out);
    if (!table_exists(s, "samplevec_meta") || !table_exists(s, "sample_embeddings"))
        return 0; /* a fresh store: unclaimed, empty */
    char dims[32];
    meta_read_text(s, "provider", out->provider, sizeof out->provider);
    meta_read_text(s, "model", out->model, sizeof out->model);
    meta_read_text(s, "dims", dims, sizeof dims);
    out->dims = atoi(dims);
    meta_read_text(s, STORE_QUERY_PREFIX_KEY, out->prompts.query, sizeof out->prompts.query);
    meta_read_text(s, STORE_DOCUMENT_PREFIX_KEY, out->prompts.document, sizeof out->prompts.document);
    meta_read_text(s, STORE_WRITER_KEY, out->writer, sizeof out->writer);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sample_embeddings", -1, &st, NULL) !=
        SQLITE_OK)
        return db_fail(s, err, "cannot count rows");
    if (sqlite3_step(st) == SQLITE_ROW)
        out->rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    base->dims = out->dims;
    return 0;
}

static int meta_write(sqlite_store *s, const char *key, const char *value, char err[SV_ERR_LEN])
{
    return sqlite_meta_set(s->db, key, value) == SQLITE_OK ? 0 : db_fail(s, err, "cannot write samplevec_meta");
}

static int meta_io_read(void *ctx, const char *key, char *out, size_t cap, char err[SV_ERR_LEN])
{
    (void)err; /* an unreadable row reads as absent, as everywhere in this store */
    meta_read_text(ctx, key, out, cap);
    return 0;
}

static int meta_io_write(void *ctx, const char *key, const char *value, char err[SV_ERR_LEN])
{
    return meta_write(ctx, key, value, err);
}

/* samplevec_meta for store.h's lease and claim functions. */
static store_meta_io meta_io(sqlite_store *s)
{
    return (store_meta_io){.ctx = s, .read = meta_io_read, .write = meta_io_write};
}

static int prepare_statements(sqlite_store *s, char err[SV_ERR_LEN])
{
    /* Reset may have dropped the table the old statements point at. */
    sqlite3_finalize(s->lookup_stmt);
    sqlite3_finalize(s->upsert_stmt);
    sqlite3_finalize(s->old_source_stmt);
    s->lookup_stmt = s->upsert_stmt = s->old_source_stmt = NULL;
    if (sqlite3_prepare_v3(s->db, "SELECT embedding_source FROM sample_embeddings WHERE sample_id=?", -1,
                           SQLITE_PREPARE_PERSISTENT, &s->old_source_stmt, NULL) != SQLITE_OK)
        return db_fail(s, err, "cannot prepare upsert");
    if (sqlite3_prepare_v3(
            s->db,
            "INSERT INTO sample_embeddings(sample_id, vibe_vector, embedding_source, model, dims,"
            " source_hash, title, genre, bpm, musical_key, mood_primary, mood_secondary,"
            " energy_level) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            " ON CONFLICT(sample_id) DO UPDATE SET vibe_vector=excluded.vibe_vector,"
            " embedding_source=excluded.embedding_source, created_at=CURRENT_TIMESTAMP,"
            " model=excluded.model, dims=excluded.dims, source_hash=excluded.source_hash,"
            " title=excluded.title, genre=excluded.genre, bpm=excluded.bpm,"
            " musical_key=excluded.musical_key, mood_primary=excluded.mood_primary,"
            " mood_secondary=excluded.mood_secondary, energy_level=excluded.energy_level",
            -1, SQLITE_PREPARE_PERSISTENT, &s->upsert_stmt, NULL) != SQLITE_OK)
        return db_fail(s, err, "cannot prepare upsert");
    return 0;
}

/* Takes the writer lease inside the caller's transaction (store.h's safety contract). */
static int lease_take(sqlite_store *s, char err[SV_ERR_LEN])
{
    int rc = exec_sql(s, "CREATE TABLE IF NOT EXISTS samplevec_meta (key TEXT PRIMARY KEY, value TEXT)", err);
    store_meta_io io = meta_io(s);
    if (rc || (rc = store_lease_take(&io, s->base.location, err)))
        return rc;
    s->leased = 1;
    return 0;
}

static int delete_slice(void *ctx, int64_t *deleted, char err[SV_ERR_LEN])
{
    sqlite_store *s = ctx;
    char sql[256];
    snprintf(sql, sizeof sql,
             "DELETE FROM sample_embeddings WHERE sample_id IN (SELECT sample_id FROM "
             "sample_embeddings ORDER BY sample_id LIMIT %d)",
             STORE_RESET_SLICE);
    int rc = exec_sql(s, sql, err);
    *deleted = rc ? 0 : sqlite3_changes(s->db);
    return rc;
}

/* Deletes every row of sample_embeddings inside the caller's transaction, a slice at a time
 * (store_drop_in_slices: progress, Ctrl-C). No trigger fires on this connection: the reset
 * bumps the generation once (sqlite_prepare). */
static int drop_rows(sqlite_store *s, int64_t total, char err[SV_ERR_LEN])
{
    if (total <= 0 || !table_exists(s, "sample_embeddings"))
        return 0;
    return store_drop_in_slices(&s->base, total, delete_slice, s, err);
}

static int sqlite_prepare(store *base, const char *provider, const char *model, int dims,
                          const provider_prompts *prompts, int reset, char err[SV_ERR_LEN])
{
    sqlite_store *s = (sqlite_store *)base;
    if (s->mode == STORE_READ_ONLY)
        return sv_fail(err, SV_EXIT_DATA, "store %s is open read-only", base->location);
    char sql[2048];
    _Static_assert(sizeof(SCHEMA_SQL_FMT) + 16 < sizeof sql, "the schema fits the buffer");
    /* A lease held by another run is named at once, before waiting for the write lock (that
     * run may be in the middle of a commit, or stopped there). */
    if (table_exists(s, "samplevec_meta")) {
        char held[STORE_WRITER_LEN];
        meta_read_text(s, STORE_WRITER_KEY, held, sizeof held);
        if (!store_writer_is_free(held[0] ? held : NULL))
            return store_writer_busy(base->location, held, err);
    }
    /* One transaction: the lease, the claim check and the claim, so a second run can never
     * slip in between them. */
    int rc = exec_sql(s, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    if ((rc = lease_take(s, err)))
        goto rollback;
    store_meta m;
    if ((rc = sqlite_meta(base, &m, err)))
        goto rollback;
    int claimed = m.model[0] != '\0';
    int same = claimed && strcmp(m.model, model) == 0 && m.dims == dims &&
               strcmp(m.provider, provider) == 0;
    if (claimed && !same && !reset) {
        rc = sv_fail(err, SV_EXIT_USAGE,
                     "store %s holds %s model '%s' (%d dims); this run asks for %s model '%s' "
                     "(%d dims): use the same --provider/--model/--dims, another --store, or "
                     "--reset to drop the %lld stored vectors",
                     base->location, m.provider, m.model, m.dims, provider, model, dims,
                     (long long)m.rows);
        goto rollback;
    }
    if (same && !reset && (rc = store_prompts_check(base->location, &m, prompts, err)))
        goto rollback;
    /* Reset empties the table a slice at a time, so it can say how far it got and give up
     * on Ctrl-C (a rollback: nothing dropped), then drops it and the keyword index, so the
     * declared F32_BLOB(dims) always tells the truth. */
    if (reset && (rc = drop_rows(s, m.rows, err)))
        goto rollback;
    if (reset && ((rc = exec_sql(s, "DROP TABLE IF EXISTS sample_embeddings", err)) ||
                  (rc = exec_sql(s, "DROP TABLE IF EXISTS " KWINDEX_TABLE, err))))
        goto rollback;
    snprintf(sql, sizeof sql, SCHEMA_SQL_FMT, dims);
    if ((rc = exec_sql(s, sql, err)))
        goto rollback;
    /* the reset is one change (no trigger fires on this connection) */
    if (reset && (rc = exec_sql(s, GENERATION_BUMP, err)))
        goto rollback;
    store_meta_io io = meta_io(s);
    if ((rc = store_claim_write(&io, provider, model, dims, prompts, err)))
        goto rollback;
    /* A store made before the keyword index, or written since by another program, gets its
     * index here: the run that follows keeps it current. */
    if (!keyword_index_off() && !keyword_index_current(s) && (rc = keyword_index_rebuild(s, err)))
        goto rollback;
    if ((rc = exec_sql(s, "COMMIT", err)))
        goto rollback;
    base->dims = dims;
    snprintf(s->model, sizeof s->model, "%s", model);
    free(s->blob);
    free(s->vector);
    s->blob = malloc((size_t)dims * 4);
    s->vector = malloc((size_t)dims * sizeof *s->vector);
    if (!s->blob || !s->vector)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    return prepare_statements(s, err);
rollback:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->leased = 0; /* the lease row went with the transaction */
    return rc;
}

/* Inside an upsert's transaction: the lease is still this run's and the claim is the one
 * prepare made; the lease's expiry moves on. 0, or SV_EXIT_DATA naming what changed. */
static int lease_check_renew(sqlite_store *s, char err[SV_ERR_LEN])
{
    store_meta_io io = meta_io(s);
    return store_lease_check_renew(&io, s->base.location, s->model, s->base.dims, err);
}

static int sqlite_lookup(store *base, const int64_t *ids, size_t n, store_lookup *out,
                         char err[SV_ERR_LEN])
{
    sqlite_store *s = (sqlite_store *)base;
    /* Opened and prepared on first use, so a dry run can look up without claiming the store. */
    if (!s->lookup_db) {
        char why[SV_ERR_LEN];
        int immutable;
        if (sqlite_readonly_open(s->base.location, &s->lookup_db, &immutable, why) != SQLITE_OK)
            return sv_fail(err, SV_EXIT_DATA, "store %s: cannot open it for lookups: %s",
                           s->base.location, why); /* a later lookup tries again */
        sqlite3_busy_timeout(s->lookup_db, 10000);
    }
    if (!s->lookup_stmt &&
        sqlite3_prepare_v3(s->lookup_db,
                           "SELECT source_hash, model FROM sample_embeddings WHERE sample_id=?", -1,
                           SQLITE_PREPARE_PERSISTENT, &s->lookup_stmt, NULL) != SQLITE_OK)
        return sv_fail(err, SV_EXIT_DATA, "store %s: cannot prepare lookup: %s", s->base.location,
                       sqlite3_errmsg(s->lookup_db));
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        sqlite3_bind_int64(s->lookup_stmt, 1, ids[i]);
        int step = sqlite3_step(s->lookup_stmt);
        if (step == SQLITE_ROW) {
            out[i].present = 1;
            const unsigned char *hash = sqlite3_column_text(s->lookup_stmt, 0);
            const unsigned char *model = sqlite3_column_text(s->lookup_stmt, 1);
            snprintf(out[i].source_hash, sizeof out[i].source_hash, "%s", hash ? (const char *)hash : "");
            snprintf(out[i].model, sizeof out[i].model, "%s", model ? (const char *)model : "");
        }
        sqlite3_reset(s->lookup_stmt); /* ends the read: the WAL is never pinned */
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            return sv_fail(err, SV_EXIT_DATA, "store %s: lookup failed: %s", s->base.location,
                           sqlite3_errmsg(s->lookup_db));
    }
    return 0;
}

static void bind_text_or_null(sqlite3_stmt *st, int col, const char *v)
{
    if (v)
        sqlite3_bind_text(st, col, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, col);
}

/* In a transaction that writes n samples' rows (upsert, removal), before them: the generation
 * moves (when n > 0) and a current keyword index is stamped with it. Before the rows, not after:
 * the rows' pages push the first pages a transaction changes (samplevec_meta's, which the lease
 * renewal has just changed) out of the 2 MiB cache into the log, and a page changed again after
 * that is rewritten in place in the log, which makes SQLite read back and re-checksum every frame
 * after it at COMMIT, the whole transaction a second time (at 50,000 samples, 5,600 reads and
 * 5,600 writes of the log fewer). */
static int stamp_transaction(sqlite_store *s, size_t n, int keywords, char err[SV_ERR_LEN])
{
    int rc = n ? exec_sql(s, GENERATION_BUMP, err) : 0;
    return rc || !keywords ? rc : exec_sql(s, KEYWORD_STAMP_SQL, err);
}

static int sqlite_upsert(store *base, const store_row *rows, size_t n, char err[SV_ERR_LEN])
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->upsert_stmt;
    if (!st)
        return sv_fail(err, SV_EXIT_DATA, "store %s: upsert before prepare", base->location);
    /* A run of upserts is the pipeline's critical path: its commits leave the copying of the log
     * into the file to a thread of its own (without one, SQLite's automatic checkpoints go on). */
    char why[SV_ERR_LEN];
    if (!s->checkpoints_tried++)
        s->checkpoints = wal_checkpointer_start(s->db, base->location, CHECKPOINT_PAGES, why);
    int rc = exec_sql(s, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    if ((rc = lease_check_renew(s, err))) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    const char *model = s->model;
    /* The keyword index is written in this same transaction, but only while it is current: a
     * stale one is left for the next prepare to rebuild (search does not trust it meanwhile). */
    int keywords = keyword_index_current(s);
    if (keywords && !s->kw && !(s->kw = kwindex_writer_new(s->db, err))) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return SV_EXIT_DATA;
    }
    if ((rc = stamp_transaction(s, n, keywords, err))) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    /* The vectors first, then the keyword entries (kwindex.h, "Writers"). Interleaved, every
     * vector INSERT (then a statement with a trigger, so with a statement savepoint) made FTS5
     * write its pending terms out as a segment of one sample, and the merges of those segments were
     * most of what the index cost: the vector inserts took 5x their own time at 20,000 samples,
     * growing with the store. Written after the batch's vectors, the entries leave FTS5's
     * pending terms once, at COMMIT. The old texts (the entries to remove) are read before the
     * vectors replace them. */
    char **old_sources = NULL;
    if (keywords && n && !(old_sources = calloc(n, sizeof *old_sources))) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const store_row *r = &rows[i];
        if (keywords) {
            sqlite3_bind_int64(s->old_source_stmt, 1, r->sample_id);
            int found = sqlite3_step(s->old_source_stmt);
            if (found == SQLITE_ROW) {
                const char *old = (const char *)sqlite3_column_text(s->old_source_stmt, 0);
                if (!(old_sources[i] = strdup(old ? old : "")))
                    rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            }
            sqlite3_reset(s->old_source_stmt);
            if (found != SQLITE_ROW && found != SQLITE_DONE)
                rc = db_fail(s, err, "cannot read a stored source text");
            if (rc)
                break;
        }
        sqlite3_bind_int64(st, 1, r->sample_id);
        sqlite3_bind_blob(st, 2, vecblob_bytes(r->vector, (size_t)base->dims, s->blob), base->dims * 4,
                          SQLITE_STATIC);
        bind_text_or_null(st, 3, r->source);
        sqlite3_bind_text(st, 4, model, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, base->dims);
        bind_text_or_null(st, 6, r->source_hash);
        bind_text_or_null(st, 7, r->title);
        bind_text_or_null(st, 8, r->genre);
        if (r->has_bpm)
            sqlite3_bind_double(st, 9, r->bpm);
        else
            sqlite3_bind_null(st, 9);
        bind_text_or_null(st, 10, r->musical_key);
        bind_text_or_null(st, 11, r->mood_primary);
        bind_text_or_null(st, 12, r->mood_secondary);
        if (r->has_energy)
            sqlite3_bind_double(st, 13, r->energy_level);
        else
            sqlite3_bind_null(st, 13);
        int step = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (step != SQLITE_DONE)
            rc = db_fail(s, err, "cannot store a vector");
    }
    for (size_t i = 0; keywords && i < n && !rc; i++) {
        const char *old = old_sources[i], *source = rows[i].source;
        /* the same text gives the same entry: nothing to replace */
        if (old && source && strcmp(old, source) == 0)
            continue;
        if (source && rows[i].prepared)
            rc = kwindex_writer_put_prepared(s->kw, rows[i].sample_id, old, &(kwindex_entry){rows[i].prepared},
                                             err);
        else
            rc = kwindex_writer_put(s->kw, rows[i].sample_id, old, source, err);
    }
    for (size_t i = 0; old_sources && i < n; i++)
        free(old_sources[i]);
    free(old_sources);
    if (rc || (rc = exec_sql(s, "COMMIT", err))) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return 0;
}

/* A row's keyword entry, tokenized with the calling thread's scratch (ctx). */
static char *prepare_keyword_entry(void *ctx, const store_row *row, int *oom)
{
    kwindex_entry e;
    if (!row->source)
        return NULL;
    if (kwindex_entry_prepare(ctx, row->source, &e) != 0) {
        *oom = 1;
        return NULL;
    }
    return e.bytes;
}

/* The rows' keyword entries, tokenized here on the caller's thread (and a second one for a
 * large batch) so that upsert's transaction only files them: tokenizing was two thirds of what
 * an entry cost the writer. No connection is touched (upsert may be running on another
 * thread); whether the index is current is upsert's to decide, which ignores the entries when
 * it is not. */
static int sqlite_prepare_rows(store *base, store_row *rows, size_t n, char err[SV_ERR_LEN])
{
    sqlite_store *s = (sqlite_store *)base;
    if (s->mode == STORE_READ_ONLY || keyword_index_off() || n == 0)
        return 0;
    for (int i = 0; i < 2; i++)
        if (!s->prepare_scratch[i] && !(s->prepare_scratch[i] = keyword_scratch_new()))
            return sv_fail(err, SV_EXIT_DATA, "out of memory");
    void *ctx[2] = {s->prepare_scratch[0], s->prepare_scratch[1]};
    return store_prepare_each(rows, n, prepare_keyword_entry, ctx) ? sv_fail(err, SV_EXIT_DATA, "out of memory") : 0;
}

static const char *column_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static int sqlite_scan(store *base, store_scan_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    sqlite_store *s = (sqlite_store *)base;
    store_meta m;
    int rc = sqlite_meta(base, &m, err);
    if (rc)
        return rc;
    if (!m.dims)
        return 0;
    if (!s->vector && !(s->vector = malloc((size_t)m.dims * sizeof *s->vector)))
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT sample_id, vibe_vector, title, genre, bpm, musical_key,"
                           " mood_primary, mood_secondary, energy_level, embedding_source"
                           " FROM sample_embeddings ORDER BY sample_id",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "cannot scan");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        store_scan_row row;
        memset(&row, 0, sizeof row);
        row.sample_id = sqlite3_column_int64(st, 0);
        const void *blob = sqlite3_column_blob(st, 1);
        int bytes = sqlite3_column_bytes(st, 1);
        if (bytes != m.dims * 4) {
            rc = sv_fail(err, SV_EXIT_DATA,
                         "store %s: sample %lld has a %d-byte vector, expected %d (%d dims): "
                         "re-embed with --reset",
                         base->location, (long long)row.sample_id, bytes, m.dims * 4, m.dims);
            break;
        }
        vecblob_decode(blob, (size_t)m.dims, s->vector);
        row.vector = s->vector;
        row.title = column_text(st, 2);
        row.genre = column_text(st, 3);
        row.has_bpm = sqlite3_column_type(st, 4) != SQLITE_NULL;
        row.bpm = sqlite3_column_double(st, 4);
        row.musical_key = column_text(st, 5);
        row.mood_primary = column_text(st, 6);
        row.mood_secondary = column_text(st, 7);
        row.has_energy = sqlite3_column_type(st, 8) != SQLITE_NULL;
        row.energy_level = sqlite3_column_double(st, 8);
        row.source = column_text(st, 9);
        if (fn(&row, ctx))
            break;
    }
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = db_fail(s, err, "scan failed");
    sqlite3_finalize(st);
    return rc;
}

/* store_id, generation and the highest sample_id: all O(1) or O(log n) lookups. */
static int sqlite_fingerprint(store *base, char out[STORE_FINGERPRINT_LEN], char err[SV_ERR_LEN])
{
    sqlite_store *s = (sqlite_store *)base;
    out[0] = '\0';
    if (!table_exists(s, "samplevec_meta") || !table_exists(s, "sample_embeddings"))
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT (SELECT value FROM samplevec_meta WHERE key='store_id'),"
                           " (SELECT value FROM samplevec_meta WHERE key='generation'),"
                           " (SELECT max(sample_id) FROM sample_embeddings)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "cannot read the store's generation");
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = column_text(st, 0), *gen = column_text(st, 1);
        /* A store that predates the generation triggers gets no cache until 'embed' adds them. */
        if (id && gen)
            snprintf(out, STORE_FINGERPRINT_LEN, "sqlite:%.32s:%.24s:%lld", id, gen,
                     (long long)sqlite3_column_int64(st, 2));
    } else {
        rc = db_fail(s, err, "cannot read the store's generation");
    }
    sqlite3_finalize(st);
    return rc;
}

/* Inside a write's transaction: the keyword entry of sample_id, made from its stored source
 * text, removed (nothing when the row is not stored). 0 or SV_EXIT_DATA. */
static int keyword_entry_remove(sqlite_store *s, int64_t sample_id, char err[SV_ERR_LEN])
{
    sqlite3_bind_int64(s->old_source_stmt, 1, sample_id);
    int found = sqlite3_step(s->old_source_stmt), rc = 0;
    if (found == SQLITE_ROW) {
        const char *old = (const char *)sqlite3_column_text(s->old_source_stmt, 0);
        rc = kwindex_writer_put(s->kw, sample_id, old ? old : "", NULL, err);
    } else if (found != SQLITE_DONE) {
        rc = db_fail(s, err, "cannot read a stored source text");
    }
    sqlite3_reset(s->old_source_stmt);
    return rc;
}

static int sqlite_scan_ids(store *base, store_id_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    sqlite_store *s = (sqlite_store *)base;
    if (!table_exists(s, "sample_embeddings"))
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT sample_id FROM sample_embeddings ORDER BY sample_id", -1,
                           &st, NULL) != SQLITE_OK)
        return db_fail(s, err, "cannot list the stored ids");
    int step, rc = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(sqlite3_column_int64(st, 0), ctx))
            break;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = db_fail(s, err, "cannot list the stored ids");
    sqlite3_finalize(st);
    return rc;
}

static int sqlite_remove(store *base, const int64_t *ids, size_t n, char err[SV_ERR_LEN])
{
    sqlite_store *s = (sqlite_store *)base;
    if (!s->upsert_stmt)
        return sv_fail(err, SV_EXIT_DATA, "store %s: remove before prepare", base->location);
    int rc = exec_sql(s, "BEGIN IMMEDIATE", err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if ((rc = lease_check_renew(s, err)))
        goto rollback;
    /* A current keyword index loses the removed rows' entries in the same transaction. */
    int keywords = keyword_index_current(s);
    if (keywords && !s->kw && !(s->kw = kwindex_writer_new(s->db, err))) {
        rc = SV_EXIT_DATA;
        goto rollback;
    }
    if ((rc = stamp_transaction(s, n, keywords, err)))
        goto rollback;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM sample_embeddings WHERE sample_id = ?", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = db_fail(s, err, "cannot prepare the removal of deleted samples' vectors");
        goto rollback;
    }
    /* The keyword entries first (from the texts still stored), then the rows: interleaved,
     * each DELETE's statement savepoint would make FTS5 flush a segment per row (sqlite_upsert). */
    for (size_t i = 0; keywords && i < n; i++)
        if ((rc = keyword_entry_remove(s, ids[i], err)))
            goto rollback;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, ids[i]);
        int step = sqlite3_step(st);
        sqlite3_reset(st);
        if (step != SQLITE_DONE) {
            rc = db_fail(s, err, "cannot remove a deleted sample's vector");
            goto rollback;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = exec_sql(s, "COMMIT", err)))
        goto rollback;
    return 0;
rollback:
    sqlite3_finalize(st);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int sqlite_keyword(store *base, const char *text, size_t limit, query_keyword_hits *out,
                          size_t *n_tokens, int *available, char err[SV_ERR_LEN])
{
    sqlite_store *s = (sqlite_store *)base;
    *available = 0;
    *n_tokens = 0;
    if (!table_exists(s, "samplevec_meta"))
        return 0;
    /* One read transaction: the currency check and the query see the same commit. */
    int rc = exec_sql(s, "BEGIN", err);
    if (rc)
        return rc;
    if (keyword_index_current(s)) {
        *available = 1;
        rc = kwindex_query(s->db, text, limit, out, n_tokens, err);
    }
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

static void sqlite_close(store *base)
{
    sqlite_store *s = (sqlite_store *)base;
    if (s->leased) { /* release the lease, if it is still ours */
        char held[STORE_WRITER_LEN];
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
            meta_read_text(s, STORE_WRITER_KEY, held, sizeof held);
            if (store_writer_is_mine(held))
                sqlite3_exec(s->db, "DELETE FROM samplevec_meta WHERE key = '" STORE_WRITER_KEY "'",
                             NULL, NULL, NULL);
            sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        }
    }
    wal_checkpointer_stop(s->checkpoints); /* before the close, which checkpoints what is left */
    sqlite3_finalize(s->old_source_stmt);
    kwindex_writer_free(s->kw);
    keyword_scratch_free(s->prepare_scratch[0]);
    keyword_scratch_free(s->prepare_scratch[1]);
    sqlite3_finalize(s->lookup_stmt);
    sqlite3_finalize(s->upsert_stmt);
    sqlite3_close(s->lookup_db);
    sqlite3_close(s->db);
    free(s->blob);
    free(s->vector);
    free(s);
}

static const store_vtable sqlite_vtable = {
    .meta = sqlite_meta,
    .prepare = sqlite_prepare,
    .lookup = sqlite_lookup,
    .upsert = sqlite_upsert,
    .prepare_rows = sqlite_prepare_rows,
    .scan = sqlite_scan,
    .close = sqlite_close,
    .vector_index = NULL, /* no ANN index locally */
    .fingerprint = sqlite_fingerprint,
    .knn = NULL, /* search runs its own engine */
    .scan_ids = sqlite_scan_ids,
    .remove = sqlite_remove,
    .keyword = sqlite_keyword,
};

store *store_sqlite_open(const char *path, store_mode mode, int *exit_code, char err[SV_ERR_LEN])
{
    sqlite_store *s = calloc(1, sizeof *s);
    if (!s) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    s->base.vt = &sqlite_vtable;
    s->base.concurrent_lookup = 1; /* lookups have their own connection */
    s->base.prepare_from_source = 1; /* it tokenizes the keyword entries */
    s->mode = mode;
    snprintf(s->base.location, sizeof s->base.location, "%s", path);
    char why[SV_ERR_LEN];
    int immutable = 0;
    int orc = mode == STORE_READ_ONLY
                  ? sqlite_readonly_open(path, &s->db, &immutable, why)
                  : sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (mode == STORE_READ_WRITE && orc != SQLITE_OK)
        snprintf(why, sizeof why, "%s", s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(orc));
    if (orc != SQLITE_OK) {
        int missing = mode == STORE_READ_ONLY && access(path, F_OK) != 0;
        *exit_code = sv_fail(err, SV_EXIT_DATA, "cannot open store %s: %s%s", path,
                             missing ? "no such file" : why,
                             missing ? " (run 'samplevec embed' first to create it)" : "");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if ((*exit_code = kwindex_register(s->db, err)))
        goto fail;
    /* Checked before any pragma: switching a database to WAL writes to it, and the
     * application's database must never be written. */
    if (table_exists(s, "samples")) {
        *exit_code = sv_fail(err, SV_EXIT_DATA,
                             "store %s looks like a sample library (it has a 'samples' table): "
                             "samplevec keeps vectors in a file of its own; pass another --store "
                             "(or --store app to write the library's own sample_embeddings table)",
                             path);
        goto fail;
    }
    if (!table_exists(s, "samplevec_meta") && has_any_table(s)) {
        *exit_code = sv_fail(err, SV_EXIT_DATA,
                             "store %s is a SQLite database of something else (no samplevec_meta "
                             "table): samplevec does not touch it; pass another --store path",
                             path);
        goto fail;
    }
    if (mode == STORE_READ_ONLY)
        return &s->base; /* no pragma: a reader changes nothing, not even the journal mode */
    /* samplevec bumps the generation itself, once a transaction (GENERATION_SQL) */
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    char *msg = NULL;
    /* WAL: readers (search, status) never block the writer. synchronous=FULL: a commit is on
     * disk before upsert returns, so the checkpoint written after it never runs ahead of the
     * store, even across a power cut. */
    /* page_size=65536, for a new store (it takes effect only on an empty file, and never once
     * in WAL mode, so it comes first; an existing store keeps its own): a row is a ~6 KB
     * vector and a ~2 KB text, which with SQLite's default 4 KiB spilled into overflow pages,
     * each page a system call of its own, written to the WAL and then copied back; with 64 KiB
     * the rows sit in their leaf pages and embedding took ~20% less time (docs/search.md).
     * cache_size=256 pages (16 MiB; given in pages because the default, -2000 KiB, is turned
     * into 500 pages while the page size is still 4 KiB, a 32 MB cache at 64 KiB): a commit's
     * pages, the keyword index's segments and the b-tree paths to them stay cached from one
     * commit to the next instead of being read back from the log (at 200,000 samples a fifth
     * fewer reads and ~4% less time than SQLite's 2 MiB: docs/search.md). Its memory is
     * bounded by STORE_HEAP_SOFT_BYTES below, not by the page count. */
    if (sqlite3_exec(s->db,
                     "PRAGMA page_size=65536; PRAGMA cache_size=256; PRAGMA journal_mode=WAL; "
                     "PRAGMA synchronous=FULL;",
                     NULL, NULL,
                     &msg) != SQLITE_OK) {
        *exit_code = sv_fail(err, SV_EXIT_DATA,
                             "store %s is not a usable SQLite database (%s): pass another "
                             "--store path",
                             path, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        goto fail;
    }
    /* SQLite's heap held to STORE_HEAP_SOFT_BYTES (process-wide; a writer is the process's one
     * large SQLite user): past it the page cache gives pages back instead of growing, so that
     * texts of megabytes (each a record buffer and its overflow pages) do not also fill the
     * cache (cli/memory_bound_noasan: 8 MB descriptions embed in under 100 MB of peak RSS). */
    sqlite3_int64 limit = sqlite3_soft_heap_limit64(-1); /* -1: only asks */
    if (limit == 0 || limit > STORE_HEAP_SOFT_BYTES)
        sqlite3_soft_heap_limit64(STORE_HEAP_SOFT_BYTES);
    return &s->base;
fail:
    sqlite3_close(s->db);
    free(s);
    return NULL;
}
