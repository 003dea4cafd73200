/* store_app_sqlite: vectors in the sample manager's own SQLite database (`--store app`), in
 * its sample_embeddings layout (app_layout.h). Opt-in: the one store that writes the
 * application's file.
 *
 * Connections: `rd` (read-only, sqlite_readonly.h) serves meta, lookups, scans and
 * fingerprints, so search and status never take a write lock and a STORE_READ_ONLY open
 * creates and changes nothing; `wr` is opened by prepare, the first write. Every write is one
 * short transaction (BEGIN IMMEDIATE … COMMIT) per upserted chunk, under a busy timeout
 * (SAMPLEVEC_BUSY_TIMEOUT seconds, default 10): the running app waits for at most one chunk,
 * and when the app holds the database longer samplevec stops with exit 3 (nothing of that
 * chunk written) and --resume finishes later. The journal mode is the app's: never changed.
 *
 * store.h's safety contract, as in the local store: prepare takes the writer lease (the
 * 'writer' row of samplevec_meta) in the transaction that makes the claim; every upsert and
 * remove checks and renews it, and checks the claim, inside its own transaction; close
 * releases it. Keyword search: no index of its own (keyword op NULL); scan sends the source
 * texts and the fingerprint moves with every commit, so search keeps its derived keyword cache.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app_layout.h"
#include "hash.h"
#include "sqlite_helpers.h"
#include "sqlite_readonly.h"
#include "store.h"
#include "vecjson.h"

#define BUSY_TIMEOUT_DEFAULT_MS 10000

typedef struct app_store {
    store base;
    store_mode mode;
    int leased;                /* this run holds the writer lease (store.h) */
    sqlite3 *rd;               /* read-only connection */
    sqlite3 *wr;               /* read-write connection, from prepare on; NULL before */
    sqlite3_stmt *lookup_stmt; /* on rd */
    sqlite3_stmt *upsert_stmt; /* on wr */
    int busy_ms;
    int has_vibe;              /* vibe_analyses exists: the scan joins it for moods, energy */
    store_meta claim;          /* the claim as read at open or made by prepare */
    int presumed;              /* claim.model is presumed (the app's own rows, no samplevec claim) */
    char *json;                /* VECJSON_MAX_BYTES(dims) bytes: upsert's encode buffer */
    float *vector;             /* claim.dims floats: scan's decode buffer */
} app_store;

/* The app's tables are worded for the user: "the sample manager's database PATH". */
static int db_fail(app_store *s, sqlite3 *db, char err[SV_ERR_LEN], const char *what)
{
    int code = sqlite3_errcode(db);
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return sv_fail(err, SV_EXIT_DATA,
                       "the sample manager's database %s stayed locked by another program (the "
                       "app writing?) for %.1f s while samplevec waited to %s; nothing of this "
                       "batch was written: run the same command again with --resume to finish "
                       "(SAMPLEVEC_BUSY_TIMEOUT=SECONDS waits longer)",
                       s->base.location, s->busy_ms / 1000.0, what);
    return sv_fail(err, SV_EXIT_DATA, "the sample manager's database %s: cannot %s: %s",
                   s->base.location, what, sqlite3_errmsg(db));
}

static int exec_wr(app_store *s, const char *sql, const char *what, char err[SV_ERR_LEN])
{
    if (sqlite3_exec(s->wr, sql, NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    return db_fail(s, s->wr, err, what);
}

/* Reads the claim into s->claim: samplevec's own from samplevec_meta, else the app's presumed
 * one when the table holds rows (app_layout.h), else none. Counts the rows. */
static int read_claim(app_store *s, char err[SV_ERR_LEN])
{
    store_meta *m = &s->claim;
    memset(m, 0, sizeof *m);
    s->presumed = 0;
    sqlite3_stmt *st = NULL;
    int has_table = sqlite_table_exists(s->rd, "sample_embeddings");
    if (has_table) {
        if (sqlite3_prepare_v2(s->rd, "SELECT count(*) FROM sample_embeddings", -1, &st, NULL) !=
                SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_finalize(st);
            return db_fail(s, s->rd, err, "count its sample_embeddings");
        }
        m->rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    if (sqlite_table_exists(s->rd, "samplevec_meta")) {
        char dims[32];
        sqlite_meta_text(s->rd, "provider", m->provider, sizeof m->provider);
        sqlite_meta_text(s->rd, "model", m->model, sizeof m->model);
        sqlite_meta_text(s->rd, "dims", dims, sizeof dims);
        m->dims = atoi(dims);
        sqlite_meta_text(s->rd, STORE_QUERY_PREFIX_KEY, m->prompts.query, sizeof m->prompts.query);
        sqlite_meta_text(s->rd, STORE_DOCUMENT_PREFIX_KEY, m->prompts.document, sizeof m->prompts.document);
        sqlite_meta_text(s->rd, STORE_WRITER_KEY, m->writer, sizeof m->writer);
    }
    if (!m->model[0] && m->rows > 0) {
        /* the application's own vectors: its model, the dims of the first one */
        if (sqlite3_prepare_v2(s->rd, "SELECT vibe_vector FROM sample_embeddings ORDER BY id LIMIT 1",
                               -1, &st, NULL) != SQLITE_OK)
            return db_fail(s, s->rd, err, "read its sample_embeddings");
        long n = -1;
        size_t bad = 0;
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            n = vecjson_decode((const char *)sqlite3_column_text(st, 0), NULL, 0, &bad);
        sqlite3_finalize(st);
        snprintf(m->provider, sizeof m->provider, "%s", APP_PROVIDER);
        snprintf(m->model, sizeof m->model, "%s", APP_MODEL);
        m->dims = n > 0 && n <= 65536 ? (int)n : 0;
        s->presumed = 1;
    }
    if (!m->model[0]) { /* unclaimed: only the row count means anything */
        int64_t rows = m->rows;
        memset(m, 0, sizeof *m);
        m->rows = rows;
    }
    return 0;
}

static int app_meta(store *base, store_meta *out, char err[SV_ERR_LEN])
{
    app_store *s = (app_store *)base;
    int rc = read_claim(s, err);
    if (rc)
        return rc;
    if (!s->claim.model[0]) { /* unclaimed: an empty table, or none yet */
        memset(out, 0, sizeof *out);
        out->rows = s->claim.rows;
    } else {
        *out = s->claim;
    }
    base->dims = out->dims;
    return 0;
}

/* The existing table must be the app's layout, with a unique index on sample_id (the upsert's
 * conflict target). 0, or SV_EXIT_DATA naming what differs. */
static int check_layout(app_store *s, char err[SV_ERR_LEN])
{
    static const char *const want[] = {"id", "sample_id", "vibe_vector", "embedding_source"};
    int found[4] = {0, 0, 0, 0}, id_pk = 0, has_model = 0, unique_sample_id = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->rd, "SELECT name, pk FROM pragma_table_info('sample_embeddings')", -1,
                           &st, NULL) != SQLITE_OK)
        return db_fail(s, s->rd, err, "read the layout of sample_embeddings");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        for (int i = 0; name && i < 4; i++)
            if (strcasecmp(name, want[i]) == 0)
                found[i] = 1;
        if (name && strcasecmp(name, "id") == 0 && sqlite3_column_int(st, 1) == 1)
            id_pk = 1;
        if (name && strcasecmp(name, "model") == 0)
            has_model = 1;
    }
    sqlite3_finalize(st);
    if (has_model && !found[0])
        return sv_fail(err, SV_EXIT_DATA,
                       "%s has a sample_embeddings table in samplevec's own layout (F32 blobs, "
                       "a model column), not the application's: --store app writes only the "
                       "app's layout; move it aside or use a store file of its own",
                       s->base.location);
    for (int i = 0; i < 4; i++)
        if (!found[i])
            return sv_fail(err, SV_EXIT_DATA,
                           "%s: table sample_embeddings has no column '%s', so it is not the "
                           "application's layout (id, sample_id, vibe_vector, embedding_source, "
                           "created_at); samplevec alters no table: fix it or pass another --store",
                           s->base.location, want[i]);
    /* a unique index whose only column is sample_id */
    if (sqlite3_prepare_v2(s->rd,
                           "SELECT 1 FROM pragma_index_list('sample_embeddings') AS l WHERE l.\"unique\" = 1"
                           " AND (SELECT count(*) FROM pragma_index_info(l.name)) = 1"
                           " AND (SELECT name FROM pragma_index_info(l.name)) = 'sample_id'",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, s->rd, err, "read the indexes of sample_embeddings");
    unique_sample_id = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (!id_pk || !unique_sample_id)
        return sv_fail(err, SV_EXIT_DATA,
                       "%s: table sample_embeddings %s, unlike the application's model "
                       "(id INTEGER PRIMARY KEY, sample_id UNIQUE); samplevec alters no table: "
                       "fix it or pass another --store",
                       s->base.location, !id_pk ? "has no INTEGER PRIMARY KEY id" : "has no UNIQUE index on sample_id");
    return 0;
}

static int prepare_upsert(app_store *s, char err[SV_ERR_LEN])
{
    sqlite3_finalize(s->upsert_stmt);
    s->upsert_stmt = NULL;
    /* id is left to SQLite; a re-embedded sample keeps its id and gets a new created_at */
    if (sqlite3_prepare_v3(s->wr,
                           "INSERT INTO sample_embeddings(sample_id, vibe_vector, embedding_source)"
                           " VALUES(?1, ?2, ?3) ON CONFLICT(sample_id) DO UPDATE SET"
                           " vibe_vector = excluded.vibe_vector,"
                           " embedding_source = excluded.embedding_source,"
                           " created_at = CURRENT_TIMESTAMP",
                           -1, SQLITE_PREPARE_PERSISTENT, &s->upsert_stmt, NULL) != SQLITE_OK)
        return db_fail(s, s->wr, err, "prepare the upsert into sample_embeddings");
    return 0;
}

static int meta_io_read(void *ctx, const char *key, char *out, size_t cap, char err[SV_ERR_LEN])
{
    (void)err; /* an unreadable row reads as absent */
    sqlite_meta_text(((app_store *)ctx)->wr, key, out, cap);
    return 0;
}

static int meta_io_write(void *ctx, const char *key, const char *value, char err[SV_ERR_LEN])
{
    app_store *s = ctx;
    return sqlite_meta_set(s->wr, key, value) == SQLITE_OK ? 0 : db_fail(s, s->wr, err, "write samplevec_meta");
}

/* samplevec_meta on the write connection, for store.h's lease and claim functions. */
static store_meta_io meta_io(app_store *s)
{
    return (store_meta_io){.ctx = s, .read = meta_io_read, .write = meta_io_write};
}

/* Takes the writer lease inside the caller's transaction on wr (store.h's safety contract). */
static int lease_take(app_store *s, char err[SV_ERR_LEN])
{
    int rc = exec_wr(s, APP_META_DDL, "create samplevec_meta", err);
    store_meta_io io = meta_io(s);
    if (rc || (rc = store_lease_take(&io, s->base.location, err)))
        return rc;
    s->leased = 1;
    return 0;
}

static int delete_slice(void *ctx, int64_t *deleted, char err[SV_ERR_LEN])
{
    app_store *s = ctx;
    char sql[256];
    snprintf(sql, sizeof sql,
             "DELETE FROM sample_embeddings WHERE id IN (SELECT id FROM sample_embeddings "
             "ORDER BY id LIMIT %d)",
             STORE_RESET_SLICE);
    int rc = exec_wr(s, sql, "empty sample_embeddings (--reset)", err);
    *deleted = rc ? 0 : sqlite3_changes(s->wr);
    return rc;
}

/* --reset inside the caller's transaction: every row of sample_embeddings deleted, a slice at
 * a time (store_drop_in_slices: progress, Ctrl-C). The table itself stays: it is the app's. */
static int drop_rows(app_store *s, int64_t total, char err[SV_ERR_LEN])
{
    if (total <= 0 || !sqlite_table_exists(s->wr, "sample_embeddings"))
        return 0;
    return store_drop_in_slices(&s->base, total, delete_slice, s, err);
}

/* The claim, the prefixes and the layout decide whether this run may write: checked once on
 * the read connection before any write (a refused run writes nothing at all, not even a
 * rolled-back transaction), and again inside the lease's transaction. */
static int claim_allows(app_store *s, const char *provider, const char *model, int dims,
                        const provider_prompts *prompts, int reset, char err[SV_ERR_LEN])
{
    int rc = read_claim(s, err);
    if (rc)
        return rc;
    char where[1100];
    snprintf(where, sizeof where, "the sample_embeddings table of %s", s->base.location);
    if ((rc = app_layout_check_claim(where, &s->claim, s->presumed, provider, model, dims, reset, err)))
        return rc;
    if (!reset && !s->presumed && s->claim.model[0])
        return store_prompts_check(s->base.location, &s->claim, prompts, err);
    return 0;
}

static int app_prepare(store *base, const char *provider, const char *model, int dims,
                       const provider_prompts *prompts, int reset, char err[SV_ERR_LEN])
{
    app_store *s = (app_store *)base;
    if (s->mode == STORE_READ_ONLY)
        return sv_fail(err, SV_EXIT_DATA, "store %s is open read-only", base->location);
    int rc = claim_allows(s, provider, model, dims, prompts, reset, err);
    if (rc)
        return rc;
    /* A lease held by another run is named at once, before waiting for the write lock. */
    if (sqlite_table_exists(s->rd, "samplevec_meta")) {
        char held[STORE_WRITER_LEN];
        sqlite_meta_text(s->rd, STORE_WRITER_KEY, held, sizeof held);
        if (!store_writer_is_free(held[0] ? held : NULL))
            return store_writer_busy(base->location, held, err);
    }
    if (!s->wr) {
        if (sqlite3_open_v2(base->location, &s->wr, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
            rc = sv_fail(err, SV_EXIT_DATA, "cannot open the sample manager's database %s for writing: %s",
                         base->location, s->wr ? sqlite3_errmsg(s->wr) : "out of memory");
            sqlite3_close(s->wr);
            s->wr = NULL;
            return rc;
        }
        sqlite3_busy_timeout(s->wr, s->busy_ms);
    }
    /* One transaction: the lease, the claim check and the claim (and --reset's delete), so a
     * second run can never slip in between them. */
    if ((rc = exec_wr(s, "BEGIN IMMEDIATE", "start a transaction", err)))
        return rc;
    int64_t rows = s->claim.rows;
    store_meta_io io = meta_io(s);
    if ((rc = lease_take(s, err)) || (rc = claim_allows(s, provider, model, dims, prompts, reset, err)) ||
        (reset && (rc = drop_rows(s, rows, err))) ||
        (!sqlite_table_exists(s->wr, "sample_embeddings") &&
         (rc = exec_wr(s, APP_SQLITE_DDL, "create sample_embeddings with the app's DDL", err))) ||
        (rc = store_claim_write(&io, provider, model, dims, prompts, err)) ||
        (rc = exec_wr(s, "COMMIT", "commit the claim", err))) {
        sqlite3_exec(s->wr, "ROLLBACK", NULL, NULL, NULL);
        s->leased = 0; /* the lease row went with the transaction */
        return rc;
    }
    memset(&s->claim, 0, sizeof s->claim);
    snprintf(s->claim.provider, sizeof s->claim.provider, "%s", provider);
    snprintf(s->claim.model, sizeof s->claim.model, "%s", model);
    s->claim.dims = dims;
    s->presumed = 0;
    base->dims = dims;
    free(s->json);
    free(s->vector);
    s->json = malloc(VECJSON_MAX_BYTES(dims));
    s->vector = malloc((size_t)dims * sizeof *s->vector);
    if (!s->json || !s->vector)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    return prepare_upsert(s, err);
}

/* Skipping compares source texts (the app's table has no hash column): the stored text's hash
 * is computed here, the model is the claim's. */
static int app_lookup(store *base, const int64_t *ids, size_t n, store_lookup *out,
                      char err[SV_ERR_LEN])
{
    app_store *s = (app_store *)base;
    memset(out, 0, n * sizeof *out);
    if (!s->lookup_stmt) {
        if (!sqlite_table_exists(s->rd, "sample_embeddings"))
            return 0; /* nothing stored yet */
        if (sqlite3_prepare_v3(s->rd, "SELECT embedding_source FROM sample_embeddings WHERE sample_id=?",
                               -1, SQLITE_PREPARE_PERSISTENT, &s->lookup_stmt, NULL) != SQLITE_OK)
            return db_fail(s, s->rd, err, "look samples up in sample_embeddings");
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(s->lookup_stmt, 1, ids[i]);
        int step = sqlite3_step(s->lookup_stmt);
        if (step == SQLITE_ROW) {
            out[i].present = 1;
            const char *text = (const char *)sqlite3_column_text(s->lookup_stmt, 0);
            if (text)
                hash_source_hex(text, out[i].source_hash);
            snprintf(out[i].model, sizeof out[i].model, "%s", s->claim.model);
        }
        sqlite3_reset(s->lookup_stmt); /* ends the read: the app may write between ids */
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            return db_fail(s, s->rd, err, "look samples up in sample_embeddings");
    }
    return 0;
}

/* Inside a write's transaction: store_lease_check_renew against this run's claim. */
static int lease_check_renew(app_store *s, char err[SV_ERR_LEN])
{
    store_meta_io io = meta_io(s);
    return store_lease_check_renew(&io, s->base.location, s->claim.model, s->claim.dims, err);
}

/* A row's vector as the JSON text upsert binds (ctx: &dims); NULL for a vector JSON cannot
 * hold, which upsert then refuses with its message. */
static char *prepare_json(void *ctx, const store_row *row, int *oom)
{
    size_t dims = (size_t)*(const int *)ctx;
    char *json = malloc(VECJSON_MAX_BYTES(dims));
    if (!json) {
        *oom = 1;
        return NULL;
    }
    size_t len = vecjson_encode(row->vector, dims, json);
    if (len == 0) {
        free(json);
        return NULL;
    }
    char *fit = realloc(json, len + 1);
    return fit ? fit : json;
}

/* The rows' vectors as JSON, written here on the caller's thread (and a second one for a large
 * batch) while the previous batch is being written: the shortest decimal of 1,536 floats is
 * most of what a row costs the writer. */
static int app_prepare_rows(store *base, store_row *rows, size_t n, char err[SV_ERR_LEN])
{
    app_store *s = (app_store *)base;
    if (s->mode == STORE_READ_ONLY || n == 0 || base->dims <= 0)
        return 0;
    void *ctx[2] = {&base->dims, &base->dims};
    return store_prepare_each(rows, n, prepare_json, ctx) ? sv_fail(err, SV_EXIT_DATA, "out of memory") : 0;
}

static int app_upsert(store *base, const store_row *rows, size_t n, char err[SV_ERR_LEN])
{
    app_store *s = (app_store *)base;
    sqlite3_stmt *st = s->upsert_stmt;
    if (!st)
        return sv_fail(err, SV_EXIT_DATA, "store %s: upsert before prepare", base->location);
    int rc = exec_wr(s, "BEGIN IMMEDIATE", "write a batch", err);
    if (rc)
        return rc;
    if ((rc = lease_check_renew(s, err)))
        goto rollback;
    for (size_t i = 0; i < n; i++) {
        const store_row *r = &rows[i];
        const char *json = r->prepared ? r->prepared : s->json;
        size_t len = r->prepared ? strlen(r->prepared) : vecjson_encode(r->vector, (size_t)base->dims, s->json);
        if (len == 0) {
            rc = sv_fail(err, SV_EXIT_DATA, "sample %lld: vector has NaN or Inf, which JSON cannot hold",
                         (long long)r->sample_id);
            goto rollback;
        }
        sqlite3_bind_int64(st, 1, r->sample_id);
        sqlite3_bind_text(st, 2, json, (int)len, SQLITE_STATIC);
        if (r->source)
            sqlite3_bind_text(st, 3, r->source, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 3);
        int step = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (step != SQLITE_DONE) {
            rc = db_fail(s, s->wr, err, "store a vector");
            goto rollback;
        }
    }
    if ((rc = exec_wr(s, "COMMIT", "commit a batch", err)))
        goto rollback;
    return 0;
rollback:
    sqlite3_exec(s->wr, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* A REAL column as the library reads it: numbers as they are, text only when it is a whole
 * number (library.c's rule), anything else missing. */
static int column_number(sqlite3_stmt *st, int col, double *v)
{
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
        *v = sqlite3_column_double(st, col);
        return 1;
    case SQLITE_TEXT: {
        const char *t = (const char *)sqlite3_column_text(st, col);
        char *end;
        errno = 0;
        double d = strtod(t, &end);
        if (end != t && *end == '\0' && errno == 0) {
            *v = d;
            return 1;
        }
        return 0;
    }
    default:
        return 0;
    }
}

static int app_scan(store *base, store_scan_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    app_store *s = (app_store *)base;
    store_meta m;
    int rc = app_meta(base, &m, err);
    if (rc)
        return rc;
    if (!m.dims || !sqlite_table_exists(s->rd, "sample_embeddings"))
        return 0;
    float *vector = realloc(s->vector, (size_t)m.dims * sizeof *vector);
    if (!vector)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    s->vector = vector;
    /* Metadata straight from the app's tables; a vector whose sample is gone (an orphan) is
     * not a result. */
    const char *sql =
        s->has_vibe
            ? "SELECT e.sample_id, e.vibe_vector, s.title, s.genre, s.bpm, s.musical_key,"
              " v.mood_primary, v.mood_secondary, v.energy_level, e.embedding_source"
              " FROM sample_embeddings AS e"
              " JOIN samples AS s ON s.id = e.sample_id"
              " LEFT JOIN vibe_analyses AS v ON v.sample_id = e.sample_id ORDER BY e.sample_id"
            : "SELECT e.sample_id, e.vibe_vector, s.title, s.genre, s.bpm, s.musical_key,"
              " NULL, NULL, NULL, e.embedding_source FROM sample_embeddings AS e"
              " JOIN samples AS s ON s.id = e.sample_id ORDER BY e.sample_id";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->rd, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, s->rd, err, "read sample_embeddings");
    int step, have_last = 0;
    int64_t last = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        store_scan_row row;
        memset(&row, 0, sizeof row);
        row.sample_id = sqlite3_column_int64(st, 0);
        if (have_last && row.sample_id == last)
            continue; /* a second vibe row joined (no UNIQUE on it): the first one counts */
        have_last = 1;
        last = row.sample_id;
        const char *json = (const char *)sqlite3_column_text(st, 1);
        size_t bad = 0;
        long n = json ? vecjson_decode(json, vector, (size_t)m.dims, &bad) : -1;
        if (n != m.dims) {
            rc = n < 0 ? sv_fail(err, SV_EXIT_DATA,
                                 "the sample manager's database %s: sample %lld's vibe_vector is "
                                 "not a JSON array of numbers (at byte %zu): re-embed it",
                                 base->location, (long long)row.sample_id, bad)
                       : sv_fail(err, SV_EXIT_DATA,
                                 "the sample manager's database %s: sample %lld has a %ld-number "
                                 "vibe_vector, expected %d: re-embed with --reset",
                                 base->location, (long long)row.sample_id, n, m.dims);
            break;
        }
        row.vector = vector;
        row.title = (const char *)sqlite3_column_text(st, 2);
        row.genre = (const char *)sqlite3_column_text(st, 3);
        row.has_bpm = column_number(st, 4, &row.bpm);
        row.musical_key = (const char *)sqlite3_column_text(st, 5);
        row.mood_primary = (const char *)sqlite3_column_text(st, 6);
        row.mood_secondary = (const char *)sqlite3_column_text(st, 7);
        row.has_energy = column_number(st, 8, &row.energy_level);
        row.source = (const char *)sqlite3_column_text(st, 9);
        if (fn(&row, ctx))
            break;
    }
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = db_fail(s, s->rd, err, "read sample_embeddings");
    sqlite3_finalize(st);
    return rc;
}

/* The database file's state: any commit by any program changes it. Rollback journal (the app's
 * default): the header's change counter goes up with every write transaction. WAL: every
 * commit grows the -wal file or, after a checkpoint, rewrites it (new mtime). Read with stat
 * and through SQLite's own file handle: opening and closing another descriptor on the file
 * would drop this process's POSIX locks on it. A change the fingerprint misses would need two
 * WAL commits within one file-timestamp tick leaving the same -wal size. */
static int app_fingerprint(store *base, char out[STORE_FINGERPRINT_LEN], char err[SV_ERR_LEN])
{
    app_store *s = (app_store *)base;
    (void)err;
    out[0] = '\0';
    struct stat db, wal;
    if (stat(base->location, &db) != 0)
        return 0; /* no fingerprint: no reusable cache */
    unsigned char header[4] = {0, 0, 0, 0};
    sqlite3_file *file = NULL;
    if (sqlite3_file_control(s->rd, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
        !file || !file->pMethods || file->pMethods->xRead(file, header, 4, 24) != SQLITE_OK)
        return 0;
    char wal_path[1100];
    snprintf(wal_path, sizeof wal_path, "%s-wal", base->location);
    int has_wal = stat(wal_path, &wal) == 0;
    snprintf(out, STORE_FINGERPRINT_LEN, "app-sqlite:%llx:%llx:%llx.%09ld:%02x%02x%02x%02x:%llx:%llx.%09ld",
             (unsigned long long)db.st_ino, (unsigned long long)db.st_size,
             (unsigned long long)db.st_mtim.tv_sec, db.st_mtim.tv_nsec, header[0], header[1],
             header[2], header[3], has_wal ? (unsigned long long)wal.st_size : 0ull,
             has_wal ? (unsigned long long)wal.st_mtim.tv_sec : 0ull,
             has_wal ? wal.st_mtim.tv_nsec : 0L);
    return 0;
}

/* sqlite3's online backup of the whole database in one step (one read transaction: a
 * consistent copy even while the app writes), into a temporary name, synced, then renamed. */
static int app_backup(store *base, char path[STORE_BACKUP_PATH_LEN], int *made, char err[SV_ERR_LEN])
{
    app_store *s = (app_store *)base;
    *made = 0;
    snprintf(path, STORE_BACKUP_PATH_LEN, "%s.samplevec-backup", base->location);
    if (access(path, F_OK) == 0)
        return 0; /* the copy from before samplevec's first write is the one worth keeping */
    if (sqlite_table_exists(s->rd, "samplevec_meta"))
        return 0; /* samplevec wrote here before without one (--no-backup then) */
    char tmp[STORE_BACKUP_PATH_LEN + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    sqlite3 *dst = NULL;
    int rc = 0;
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot create the backup %s: %s (pass --no-backup to write "
                     "without one)", tmp, dst ? sqlite3_errmsg(dst) : "out of memory");
        goto cleanup;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", s->rd, "main");
    int step = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
    int fin = b ? sqlite3_backup_finish(b) : SQLITE_ERROR;
    if (step != SQLITE_DONE || fin != SQLITE_OK) {
        rc = sv_fail(err, SV_EXIT_DATA,
                     "cannot back up %s before writing to it: %s (%s; pass --no-backup to write "
                     "without a backup)",
                     base->location, sqlite3_errmsg(dst),
                     step == SQLITE_BUSY || step == SQLITE_LOCKED ? "the app holds it locked"
                                                                  : "nothing was written");
        goto cleanup;
    }
    if (sqlite3_close(dst) != SQLITE_OK) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot finish the backup %s", tmp);
        goto cleanup;
    }
    dst = NULL;
    FILE *f = fopen(tmp, "r+b");
    int synced = f && fsync(fileno(f)) == 0;
    if (f)
        fclose(f);
    if (!synced || rename(tmp, path) != 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot put the backup in place at %s: %s", path, strerror(errno));
        goto cleanup;
    }
    *made = 1;
cleanup:
    sqlite3_close(dst);
    if (rc)
        unlink(tmp);
    return rc;
}

/* Every stored id, orphans included (no join): the rows embed --all prunes. */
static int app_scan_ids(store *base, store_id_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    app_store *s = (app_store *)base;
    if (!sqlite_table_exists(s->rd, "sample_embeddings"))
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->rd, "SELECT sample_id FROM sample_embeddings ORDER BY sample_id", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(s, s->rd, err, "list the ids in sample_embeddings");
    int step, rc = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(sqlite3_column_int64(st, 0), ctx))
            break;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = db_fail(s, s->rd, err, "list the ids in sample_embeddings");
    sqlite3_finalize(st);
    return rc;
}

static int app_remove(store *base, const int64_t *ids, size_t n, char err[SV_ERR_LEN])
{
    app_store *s = (app_store *)base;
    if (!s->upsert_stmt)
        return sv_fail(err, SV_EXIT_DATA, "store %s: remove before prepare", base->location);
    int rc = exec_wr(s, "BEGIN IMMEDIATE", "remove the vectors of deleted samples", err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if ((rc = lease_check_renew(s, err)))
        goto rollback;
    if (sqlite3_prepare_v2(s->wr, "DELETE FROM sample_embeddings WHERE sample_id = ?", -1, &st, NULL) !=
        SQLITE_OK) {
        rc = db_fail(s, s->wr, err, "remove the vectors of deleted samples");
        goto rollback;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, ids[i]);
        int step = sqlite3_step(st);
        sqlite3_reset(st);
        if (step != SQLITE_DONE) {
            rc = db_fail(s, s->wr, err, "remove the vectors of deleted samples");
            goto rollback;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = exec_wr(s, "COMMIT", "commit the removal of deleted samples' vectors", err)))
        goto rollback;
    return 0;
rollback:
    sqlite3_finalize(st);
    sqlite3_exec(s->wr, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void app_close(store *base)
{
    app_store *s = (app_store *)base;
    if (s->leased && s->wr) { /* release the lease, if it is still ours */
        char held[STORE_WRITER_LEN];
        if (sqlite3_exec(s->wr, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
            sqlite_meta_text(s->wr, STORE_WRITER_KEY, held, sizeof held);
            if (store_writer_is_mine(held))
                sqlite3_exec(s->wr, "DELETE FROM samplevec_meta WHERE key = '" STORE_WRITER_KEY "'", NULL,
                             NULL, NULL);
            sqlite3_exec(s->wr, "COMMIT", NULL, NULL, NULL);
        }
    }
    sqlite3_finalize(s->lookup_stmt);
    sqlite3_finalize(s->upsert_stmt);
    sqlite3_close(s->wr);
    sqlite3_close(s->rd);
    free(s->json);
    free(s->vector);
    free(s);
}

static const store_vtable app_vtable = {
    .meta = app_meta,
    .prepare = app_prepare,
    .lookup = app_lookup,
    .upsert = app_upsert,
    .prepare_rows = app_prepare_rows,
    .scan = app_scan,
    .close = app_close,
    .vector_index = NULL, /* the app's layout has none */
    .fingerprint = app_fingerprint,
    .knn = NULL, /* search runs its own engine over scan */
    .scan_ids = app_scan_ids,
    .remove = app_remove,
    .keyword = NULL, /* no index of its own: search keeps its derived keyword cache (fingerprint) */
    .backup = app_backup,
};

static int busy_timeout_ms(void)
{
    const char *v = getenv("SAMPLEVEC_BUSY_TIMEOUT");
    if (!v || !*v)
        return BUSY_TIMEOUT_DEFAULT_MS;
    char *end;
    double sec = strtod(v, &end);
    if (end == v || *end || !(sec >= 0) || sec > 3600)
        return BUSY_TIMEOUT_DEFAULT_MS;
    return (int)(sec * 1000);
}

store *store_app_sqlite_open(const char *path, store_mode mode, int *exit_code, char err[SV_ERR_LEN])
{
    app_store *s = calloc(1, sizeof *s);
    if (!s) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    s->base.vt = &app_vtable;
    s->base.concurrent_lookup = 1; /* lookups have their own connection */
    s->base.app_database = 1;
    s->mode = mode;
    s->busy_ms = busy_timeout_ms();
    snprintf(s->base.location, sizeof s->base.location, "%s", path);
    struct stat st;
    if (stat(path, &st) != 0 || S_ISDIR(st.st_mode)) {
        *exit_code = sv_fail(err, SV_EXIT_DATA,
                             "--store app: the sample manager's database %s %s (--store app writes "
                             "into the library given with --library)",
                             path, S_ISDIR(st.st_mode) ? "is a directory" : "does not exist");
        goto fail;
    }
    char why[SV_ERR_LEN];
    int immutable;
    if (sqlite_readonly_open(path, &s->rd, &immutable, why) != SQLITE_OK) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "cannot open the sample manager's database %s: %s", path, why);
        goto fail;
    }
    sqlite3_busy_timeout(s->rd, s->busy_ms);
    if (!sqlite_table_exists(s->rd, "samples")) {
        *exit_code = sv_fail(err, SV_EXIT_DATA,
                             "%s has no 'samples' table, so it is not the sample manager's "
                             "database: --store app writes into the library given with --library",
                             path);
        goto fail;
    }
    s->has_vibe = sqlite_table_exists(s->rd, "vibe_analyses");
    int rc;
    if ((sqlite_table_exists(s->rd, "sample_embeddings") && (rc = check_layout(s, err))) ||
        (rc = read_claim(s, err))) {
        *exit_code = rc;
        goto fail;
    }
    s->base.dims = s->claim.dims;
    return &s->base;
fail:
    app_close(&s->base);
    return NULL;
}
