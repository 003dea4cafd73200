/* The Turso / libSQL store: the schema of store.h on a remote server, spoken to in Hrana over
 * HTTP (hrana.h). Nothing here is kept between calls but the claim (model, dims); every call is
 * a self-contained pipeline, so a server restarted between (or during) calls loses nothing.
 *
 * Requests per operation:
 *   meta     1 pipeline: SELECT samplevec_meta, SELECT count(*)
 *   prepare  2 pipelines: CREATE samplevec_meta + read it + column check; then one batch
 *            BEGIN, [DROP TABLE (reset)], CREATE TABLE, meta upserts, COMMIT, ROLLBACK-on-failure
 *   lookup   1 pipeline: SELECT … WHERE sample_id IN (literal ids), 1000 ids per statement
 *   upsert   ceil(n / rows_per_request) pipelines, up to max_inflight at once, each one batch:
 *            BEGIN, INSERT … ON CONFLICT(sample_id) DO UPDATE × rows, generation bump, COMMIT,
 *            ROLLBACK when COMMIT did not succeed
 *   scan     1 pipeline per page of SCAN_PAGE rows, keyset-paginated on sample_id
 *
 * Atomicity: each request is all-or-nothing. A chunk split over several requests that fails
 * part-way may leave some of its requests committed; they hold complete, correct rows (the
 * same upserts a retry would write), and the caller does not advance its checkpoint, so a
 * rerun redoes the chunk and nothing is lost or duplicated.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distance.h"
#include "dotenv.h"
#include "hrana.h"
#include "query.h"
#include "store.h"
#include "store_turso.h"
#include "vecblob.h"

#define LOOKUP_IDS_PER_STMT 1000
#define SCAN_PAGE 256
#define DEFAULT_ROWS_PER_REQUEST 250 /* bench/turso.sh: the server's best is 2 × 250 in flight */

typedef struct turso_store {
    store base;
    hrana_client *hc;
    char provider[32];
    char model[PROVIDER_MODEL_LEN]; /* the claim, written into every row */
    int leased;                     /* this run took the writer lease (store.h) */
    int rows_per_request;           /* upsert rows per pipeline request */
    strbuf *bodies;                 /* n_bodies upsert request buffers, reused across calls */
    size_t n_bodies;
    unsigned char *blob;            /* dims*4 bytes: encode/decode buffer */
    float *vector;                  /* dims floats: scan decode buffer */
} turso_store;

#define SCHEMA_TABLE_FMT                                                                  \
    "CREATE TABLE IF NOT EXISTS sample_embeddings ("                                      \
    " sample_id INTEGER PRIMARY KEY,"                                                      \
    " vibe_vector F32_BLOB(%d) NOT NULL,"                                                  \
    " embedding_source TEXT,"                                                              \
    " created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"                                     \
    " model TEXT, dims INTEGER, source_hash TEXT,"                                         \
    " title TEXT, genre TEXT, bpm REAL, musical_key TEXT,"                                 \
    " mood_primary TEXT, mood_secondary TEXT, energy_level REAL)"
#define SCHEMA_META "CREATE TABLE IF NOT EXISTS samplevec_meta (key TEXT PRIMARY KEY, value TEXT)"
#define ALL_COLUMNS                                                                       \
    "sample_id, vibe_vector, embedding_source, created_at, model, dims, source_hash, title," \
    " genre, bpm, musical_key, mood_primary, mood_secondary, energy_level"
#define UPSERT_SQL                                                                        \
    "INSERT INTO sample_embeddings(sample_id, vibe_vector, embedding_source, model, dims,"  \
    " source_hash, title, genre, bpm, musical_key, mood_primary, mood_secondary,"         \
    " energy_level) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"                       \
    " ON CONFLICT(sample_id) DO UPDATE SET vibe_vector=excluded.vibe_vector,"             \
    " embedding_source=excluded.embedding_source, created_at=CURRENT_TIMESTAMP,"          \
    " model=excluded.model, dims=excluded.dims, source_hash=excluded.source_hash,"        \
    " title=excluded.title, genre=excluded.genre, bpm=excluded.bpm,"                      \
    " musical_key=excluded.musical_key, mood_primary=excluded.mood_primary,"              \
    " mood_secondary=excluded.mood_secondary, energy_level=excluded.energy_level"
#define GENERATION_SQL                                                                    \
    "INSERT INTO samplevec_meta(key, value) VALUES('generation', 1)"                      \
    " ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"

/* ---------------------------------------------------------------- helpers */

static void stmt(strbuf *b, int comma, const char *sql)
{
    strbuf_add_str(b, comma ? ",{\"type\":\"execute\",\"stmt\":{\"sql\":"
                             : "{\"type\":\"execute\",\"stmt\":{\"sql\":");
    hrana_body_json_str(b, sql);
    strbuf_add_str(b, "}}");
}

/* One batch step: {"condition":C,"stmt":{"sql":…,"args":[ (caller writes args) */
static void step_open(strbuf *b, int index, const char *condition, const char *sql)
{
    if (index > 0)
        strbuf_add(b, ",", 1);
    strbuf_add_str(b, "{");
    if (condition) {
        strbuf_add_str(b, "\"condition\":");
        strbuf_add_str(b, condition);
        strbuf_add(b, ",", 1);
    }
    strbuf_add_str(b, "\"stmt\":{\"sql\":");
    hrana_body_json_str(b, sql);
    strbuf_add_str(b, ",\"args\":[");
}
static void step_close(strbuf *b) { strbuf_add_str(b, "]}}"); }

static void cond_ok(char *out, size_t cap, int step)
{
    snprintf(out, cap, "{\"type\":\"ok\",\"step\":%d}", step);
}

/* Runs a single pipeline whose requests are in b. */
static int run_one(turso_store *s, strbuf *b, hrana_call *call, char err[SV_ERR_LEN])
{
    hrana_client_set_cancel(s->hc, s->base.cancel);
    memset(call, 0, sizeof *call);
    if (b->oom)
        return sv_fail(err, SV_EXIT_DATA, "out of memory building a request");
    call->requests = b->s;
    call->requests_len = b->len;
    return hrana_run(s->hc, call, 1, err);
}

static int no_such_table(const char *msg) { return strstr(msg, "no such table") != NULL; }

static int alloc_buffers(turso_store *s, int dims, char err[SV_ERR_LEN])
{
    if (s->base.dims == dims && s->blob)
        return 0;
    free(s->blob);
    free(s->vector);
    s->blob = malloc((size_t)dims * 4);
    s->vector = malloc((size_t)dims * sizeof *s->vector);
    if (!s->blob || !s->vector)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    return 0;
}

/* Reads key/value rows of a samplevec_meta SELECT into m, and the writer lease into writer
 * (when not NULL; "" when there is none). */
static void read_meta_rows(const cJSON *res, store_meta *m, char writer[STORE_WRITER_LEN])
{
    if (writer)
        writer[0] = '\0';
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(res, "rows")) {
        const char *k = hrana_value_text(cJSON_GetArrayItem(row, 0));
        const char *v = hrana_value_text(cJSON_GetArrayItem(row, 1));
        if (!k || !v)
            continue;
        if (strcmp(k, "provider") == 0)
            snprintf(m->provider, sizeof m->provider, "%s", v);
        else if (strcmp(k, "model") == 0)
            snprintf(m->model, sizeof m->model, "%s", v);
        else if (strcmp(k, "dims") == 0)
            m->dims = atoi(v);
        else if (writer && strcmp(k, STORE_WRITER_KEY) == 0)
            snprintf(writer, STORE_WRITER_LEN, "%s", v);
        else if (strcmp(k, STORE_QUERY_PREFIX_KEY) == 0)
            snprintf(m->prompts.query, sizeof m->prompts.query, "%s", v);
        else if (strcmp(k, STORE_DOCUMENT_PREFIX_KEY) == 0)
            snprintf(m->prompts.document, sizeof m->prompts.document, "%s", v);
    }
}

/* A batch step that fails (NOT NULL constraint) unless `cond` holds: Hrana batches branch on
 * a step's success, not on what a query returned, so a condition becomes a step that errors.
 * The table exists by then (created earlier in the same batch). */
#define GUARD_SQL(cond) \
    "INSERT INTO sample_embeddings(sample_id, vibe_vector) SELECT 0, NULL WHERE NOT (" cond ")"
#define META_VALUE(key) "(SELECT value FROM samplevec_meta WHERE key = '" key "')"

/* ---------------------------------------------------------------- meta */

static int turso_meta(store *base, store_meta *out, char err[SV_ERR_LEN])
{
    turso_store *s = (turso_store *)base;
    memset(out, 0, sizeof *out);
    strbuf b = {0};
    hrana_call call;
    stmt(&b, 0, "SELECT key, value FROM samplevec_meta");
    stmt(&b, 1, "SELECT count(*) FROM sample_embeddings");
    int rc = run_one(s, &b, &call, err);
    if (rc)
        goto cleanup;
    char e[SV_ERR_LEN];
    const cJSON *res = hrana_execute_result(s->hc, &call, 0, e);
    if (!res) {
        if (!no_such_table(e))
            rc = sv_fail(err, SV_EXIT_DATA, "store %s: cannot read samplevec_meta: %s",
                         base->location, e);
        goto cleanup; /* a fresh database: unclaimed, empty */
    }
    read_meta_rows(res, out, out->writer);
    res = hrana_execute_result(s->hc, &call, 1, e);
    if (!res) {
        if (!no_such_table(e))
            rc = sv_fail(err, SV_EXIT_DATA, "store %s: cannot count rows: %s", base->location, e);
        memset(out, 0, sizeof *out);
        goto cleanup;
    }
    const cJSON *row0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "rows"), 0);
    if (hrana_value_int(cJSON_GetArrayItem(row0, 0), &out->rows))
        rc = sv_fail(err, SV_EXIT_DATA, "store %s: malformed count(*) result", base->location);
    if (out->dims > 0) {
        base->dims = out->dims;
        snprintf(s->provider, sizeof s->provider, "%s", out->provider);
        snprintf(s->model, sizeof s->model, "%s", out->model);
    }
cleanup:
    hrana_call_clear(&call);
    strbuf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- prepare */

static int turso_prepare(store *base, const char *provider, const char *model, int dims,
                         const provider_prompts *prompts, int reset, char err[SV_ERR_LEN])
{
    turso_store *s = (turso_store *)base;
    strbuf b = {0};
    hrana_call call;
    memset(&call, 0, sizeof call);
    char e[SV_ERR_LEN], sql[1024];
    store_meta m;
    memset(&m, 0, sizeof m);

    /* 1. read the claim, and check that an existing table has every column we write (a table
     * made by another tool would otherwise fail on the first upsert, deep in a run) */
    stmt(&b, 0, SCHEMA_META);
    stmt(&b, 1, "SELECT key, value FROM samplevec_meta");
    stmt(&b, 1, "SELECT " ALL_COLUMNS " FROM sample_embeddings LIMIT 0");
    stmt(&b, 1, "SELECT count(*) FROM sample_embeddings");
    int rc = run_one(s, &b, &call, err);
    if (rc)
        goto cleanup;
    const cJSON *res;
    if (!hrana_execute_result(s->hc, &call, 0, e) ||
        !(res = hrana_execute_result(s->hc, &call, 1, e))) {
        rc = sv_fail(err, SV_EXIT_DATA, "store %s: cannot create samplevec_meta: %s",
                     base->location, e);
        goto cleanup;
    }
    char held[STORE_WRITER_LEN];
    read_meta_rows(res, &m, held);
    if (!store_writer_is_free(held[0] ? held : NULL)) {
        rc = store_writer_busy(base->location, held, err);
        goto cleanup;
    }
    int table_ok = hrana_execute_result(s->hc, &call, 2, e) != NULL;
    if (!table_ok && !no_such_table(e) && !reset) {
        rc = sv_fail(err, SV_EXIT_DATA,
                     "store %s: table sample_embeddings does not have samplevec's columns (%s): "
                     "use another database, or --reset to recreate it (drops its rows)",
                     base->location, e);
        goto cleanup;
    }
    if ((res = hrana_execute_result(s->hc, &call, 3, e))) {
        const cJSON *row0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "rows"), 0);
        hrana_value_int(cJSON_GetArrayItem(row0, 0), &m.rows);
    }
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
        goto cleanup;
    }
    if (same && !reset && (rc = store_prompts_check(base->location, &m, prompts, err)))
        goto cleanup;
    hrana_call_clear(&call);

    /* 2. claim it, in one transaction. Reset (or a table without our columns being replaced)
     * drops the table, so the declared F32_BLOB(dims) always tells the truth. */
    strbuf_clear(&b);
    strbuf_add_str(&b, "{\"type\":\"batch\",\"batch\":{\"steps\":[");
    int k = 0;
    char cond[64];
    step_open(&b, k++, NULL, "BEGIN");
    step_close(&b);
    if (reset) {
        cond_ok(cond, sizeof cond, k - 1);
        step_open(&b, k++, cond, "DROP TABLE IF EXISTS sample_embeddings");
        step_close(&b);
    }
    snprintf(sql, sizeof sql, SCHEMA_TABLE_FMT, dims);
    cond_ok(cond, sizeof cond, k - 1);
    step_open(&b, k++, cond, sql);
    step_close(&b);
    /* the lease, as a compare-and-set: only if the row is still what step 1 read */
    cond_ok(cond, sizeof cond, k - 1);
    int guard = k;
    step_open(&b, k++, cond, GUARD_SQL(META_VALUE(STORE_WRITER_KEY) " IS ?"));
    if (held[0])
        hrana_arg_text(&b, 0, held);
    else
        hrana_arg_null(&b, 0);
    step_close(&b);
    store_writer me;
    store_writer_self(&me);
    char mine[STORE_WRITER_LEN];
    store_writer_format(&me, mine);
    const char *keys[6] = {"provider", "model", "dims", STORE_WRITER_KEY, STORE_QUERY_PREFIX_KEY,
                          STORE_DOCUMENT_PREFIX_KEY};
    char dims_text[32];
    snprintf(dims_text, sizeof dims_text, "%d", dims);
    const char *values[6] = {provider, model, dims_text, mine, prompts ? prompts->query : "",
                            prompts ? prompts->document : ""};
    for (int i = 0; i < 6; i++) {
        cond_ok(cond, sizeof cond, k - 1);
        step_open(&b, k++, cond, "INSERT OR REPLACE INTO samplevec_meta(key, value) VALUES(?, ?)");
        hrana_arg_text(&b, 0, keys[i]);
        hrana_arg_text(&b, 1, values[i]);
        step_close(&b);
    }
    cond_ok(cond, sizeof cond, k - 1);
    int commit = k;
    step_open(&b, k++, cond, "COMMIT");
    step_close(&b);
    snprintf(cond, sizeof cond, "{\"type\":\"not\",\"cond\":{\"type\":\"ok\",\"step\":%d}}", commit);
    step_open(&b, k++, cond, "ROLLBACK");
    step_close(&b);
    strbuf_add_str(&b, "]}}");
    /* the server drops the table in one statement: progress is before and after */
    if (reset && m.rows > 0 && base->reset_progress)
        base->reset_progress(base->reset_progress_ctx, 0, m.rows);
    if ((rc = run_one(s, &b, &call, err)))
        goto cleanup;
    if (hrana_batch_ok(s->hc, &call, 0, guard - 1, e) == 0 && hrana_batch_ok(s->hc, &call, 0, guard, e)) {
        rc = sv_fail(err, SV_EXIT_DATA,
                     "store %s: another samplevec run took the writer lease at the same moment: "
                     "one run writes a store at a time; run again once it is done",
                     base->location);
        goto cleanup;
    }
    if (hrana_batch_ok(s->hc, &call, 0, commit, e)) {
        rc = sv_fail(err, SV_EXIT_DATA, "store %s: cannot create the schema: %s", base->location, e);
        goto cleanup;
    }
    s->leased = 1;
    if (reset && m.rows > 0 && base->reset_progress)
        base->reset_progress(base->reset_progress_ctx, m.rows, m.rows);
    if ((rc = alloc_buffers(s, dims, err)))
        goto cleanup;
    base->dims = dims;
    snprintf(s->provider, sizeof s->provider, "%s", provider);
    snprintf(s->model, sizeof s->model, "%s", model);
cleanup:
    hrana_call_clear(&call);
    strbuf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- lookup */

typedef struct id_index {
    int64_t id;
    size_t i;
} id_index;

static int cmp_id_index(const void *a, const void *b)
{
    const id_index *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int turso_lookup(store *base, const int64_t *ids, size_t n, store_lookup *out,
                        char err[SV_ERR_LEN])
{
    turso_store *s = (turso_store *)base;
    for (size_t i = 0; i < n; i++)
        memset(&out[i], 0, sizeof out[i]);
    if (n == 0)
        return 0;
    int rc = 0;
    strbuf b = {0};
    hrana_call call;
    memset(&call, 0, sizeof call);
    id_index *sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    for (size_t i = 0; i < n; i++)
        sorted[i] = (id_index){ids[i], i};
    qsort(sorted, n, sizeof *sorted, cmp_id_index);
    /* ids are integers, so they go into the SQL text as literals: no 32766-parameter limit,
     * and nothing a hostile value could inject */
    size_t n_stmts = 0;
    for (size_t at = 0; at < n; at += LOOKUP_IDS_PER_STMT) {
        size_t end = at + LOOKUP_IDS_PER_STMT < n ? at + LOOKUP_IDS_PER_STMT : n;
        strbuf_add_str(&b, n_stmts++ ? ",{\"type\":\"execute\",\"stmt\":{\"sql\":\""
                                      : "{\"type\":\"execute\",\"stmt\":{\"sql\":\"");
        strbuf_add_str(&b, "SELECT sample_id, source_hash, model FROM sample_embeddings WHERE "
                            "sample_id IN (");
        for (size_t i = at; i < end; i++) {
            char tmp[32];
            int len = snprintf(tmp, sizeof tmp, "%s%" PRId64, i > at ? "," : "", sorted[i].id);
            strbuf_add(&b, tmp, (size_t)len);
        }
        strbuf_add_str(&b, ")\"}}");
    }
    if ((rc = run_one(s, &b, &call, err)))
        goto cleanup;
    char e[SV_ERR_LEN];
    for (size_t k = 0; k < n_stmts; k++) {
        const cJSON *res = hrana_execute_result(s->hc, &call, (int)k, e);
        if (!res) {
            if (no_such_table(e))
                break; /* nothing stored yet (dry run against a fresh database) */
            rc = sv_fail(err, SV_EXIT_DATA, "store %s: lookup failed: %s", base->location, e);
            goto cleanup;
        }
        const cJSON *row;
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(res, "rows")) {
            int64_t id;
            if (hrana_value_int(cJSON_GetArrayItem(row, 0), &id)) {
                rc = sv_fail(err, SV_EXIT_DATA, "store %s: malformed lookup row", base->location);
                goto cleanup;
            }
            const char *hash = hrana_value_text(cJSON_GetArrayItem(row, 1));
            const char *model = hrana_value_text(cJSON_GetArrayItem(row, 2));
            id_index key = {id, 0};
            id_index *hit = bsearch(&key, sorted, n, sizeof *sorted, cmp_id_index);
            if (!hit)
                continue; /* not asked for: ignore */
            while (hit > sorted && hit[-1].id == id) /* the same id asked twice */
                hit--;
            for (; hit < sorted + n && hit->id == id; hit++) {
                store_lookup *o = &out[hit->i];
                o->present = 1;
                snprintf(o->source_hash, sizeof o->source_hash, "%s", hash ? hash : "");
                snprintf(o->model, sizeof o->model, "%s", model ? model : "");
            }
        }
    }
cleanup:
    hrana_call_clear(&call);
    strbuf_free(&b);
    free(sorted);
    return rc;
}

/* ---------------------------------------------------------------- upsert */

/* Appends steps k and k + 1 of a write batch: the lease is this run's and the claim is
 * prepare's, in this transaction (step k fails otherwise); then the lease's expiry moves on
 * (store.h's safety contract). Returns the next step's index. */
static int lease_guard_steps(turso_store *s, strbuf *b, int k)
{
    char cond[64];
    store_writer me;
    store_writer_self(&me);
    char mine[STORE_WRITER_LEN], run[40], dims_text[32];
    store_writer_format(&me, mine);
    snprintf(run, sizeof run, "%s|", me.run);
    snprintf(dims_text, sizeof dims_text, "%d", s->base.dims);
    cond_ok(cond, sizeof cond, k - 1);
    step_open(b, k++, cond,
              GUARD_SQL(META_VALUE("model") " IS ? AND " META_VALUE("dims") " IS ? AND substr("
                        META_VALUE(STORE_WRITER_KEY) ", 1, length(?)) = ?"));
    hrana_arg_text(b, 0, s->model);
    hrana_arg_text(b, 1, dims_text);
    hrana_arg_text(b, 1, run);
    hrana_arg_text(b, 1, run);
    step_close(b);
    cond_ok(cond, sizeof cond, k - 1);
    step_open(b, k++, cond, "UPDATE samplevec_meta SET value = ? WHERE key = '" STORE_WRITER_KEY "'");
    hrana_arg_text(b, 0, mine);
    step_close(b);
    return k;
}

/* Appends the batch for rows[0..n) to b: BEGIN, the lease and claim guard (step
 * UPSERT_GUARD_STEP), the lease renewal, upserts, generation, COMMIT, ROLLBACK. Returns the
 * COMMIT step's index. */
#define UPSERT_GUARD_STEP 1
static int build_upsert_batch(turso_store *s, strbuf *b, const store_row *rows, size_t n)
{
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
    unsigned char *blob = s->blob;
#endif
    char cond[64];
    int k = 0;
    strbuf_add_str(b, "{\"type\":\"batch\",\"batch\":{\"steps\":[");
    step_open(b, k++, NULL, "BEGIN");
    step_close(b);
    k = lease_guard_steps(s, b, k);
    for (size_t i = 0; i < n; i++) {
        const store_row *r = &rows[i];
        cond_ok(cond, sizeof cond, k - 1);
        step_open(b, k++, cond, UPSERT_SQL);
        hrana_arg_int(b, 0, r->sample_id);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* the floats' own bytes are the stored layout (vecblob.h): no intermediate copy */
        hrana_arg_blob(b, 1, r->vector, (size_t)s->base.dims * 4);
#else
        vecblob_encode(r->vector, (size_t)s->base.dims, blob);
        hrana_arg_blob(b, 1, blob, (size_t)s->base.dims * 4);
#endif
        hrana_arg_text(b, 1, r->source);
        hrana_arg_text(b, 1, s->model);
        hrana_arg_int(b, 1, s->base.dims);
        hrana_arg_text(b, 1, r->source_hash);
        hrana_arg_text(b, 1, r->title);
        hrana_arg_text(b, 1, r->genre);
        if (r->has_bpm)
            hrana_arg_float(b, 1, r->bpm);
        else
            hrana_arg_null(b, 1);
        hrana_arg_text(b, 1, r->musical_key);
        hrana_arg_text(b, 1, r->mood_primary);
        hrana_arg_text(b, 1, r->mood_secondary);
        if (r->has_energy)
            hrana_arg_float(b, 1, r->energy_level);
        else
            hrana_arg_null(b, 1);
        step_close(b);
    }
    /* the same generation counter as the local store, for caches that watch for changes */
    cond_ok(cond, sizeof cond, k - 1);
    step_open(b, k++, cond, GENERATION_SQL);
    step_close(b);
    cond_ok(cond, sizeof cond, k - 1);
    int commit = k;
    step_open(b, k++, cond, "COMMIT");
    step_close(b);
    snprintf(cond, sizeof cond, "{\"type\":\"not\",\"cond\":{\"type\":\"ok\",\"step\":%d}}", commit);
    step_open(b, k++, cond, "ROLLBACK");
    step_close(b);
    strbuf_add_str(b, "]}}");
    return commit;
}

int store_turso_upsert_requests(store *s, const store_row *rows, size_t n, strbuf *b)
{
    return build_upsert_batch((turso_store *)s, b, rows, n);
}

/* One upsert request, built when hrana_run is about to send it (hrana_build_fn). */
typedef struct upsert_req {
    turso_store *s;
    const store_row *rows;
    size_t n;
    strbuf *body; /* one of the store's reusable buffers */
    int commit;       /* the COMMIT step's index */
} upsert_req;

static int build_upsert_call(void *ctx, hrana_call *call)
{
    upsert_req *u = ctx;
    u->commit = build_upsert_batch(u->s, u->body, u->rows, u->n);
    if (u->body->oom)
        return -1;
    call->requests = u->body->s;
    call->requests_len = u->body->len;
    return 0;
}

static int turso_upsert(store *base, const store_row *rows, size_t n, char err[SV_ERR_LEN])
{
    turso_store *s = (turso_store *)base;
    if (n == 0)
        return 0;
    if (!s->blob || base->dims <= 0)
        return sv_fail(err, SV_EXIT_DATA, "store %s: upsert before prepare", base->location);
    /* requests of at most rows_per_request rows, evenly filled (1170 rows → 3 × 390, not
     * 500 + 500 + 170), each built only when it is about to go out */
    size_t n_req = (n + (size_t)s->rows_per_request - 1) / (size_t)s->rows_per_request;
    size_t per = (n + n_req - 1) / n_req;
    n_req = (n + per - 1) / per; /* so every request starts inside rows[0..n) */
    upsert_req *reqs = calloc(n_req, sizeof *reqs);
    hrana_call *calls = calloc(n_req, sizeof *calls);
    int rc = 0;
    if (!reqs || !calls) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    if (s->n_bodies < n_req) {
        strbuf *nb = realloc(s->bodies, n_req * sizeof *nb);
        if (!nb) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto cleanup;
        }
        for (size_t q = s->n_bodies; q < n_req; q++)
            nb[q] = (strbuf){0};
        s->bodies = nb;
        s->n_bodies = n_req;
    }
    for (size_t q = 0; q < n_req; q++) {
        size_t at = q * per;
        reqs[q] = (upsert_req){.s = s, .rows = rows + at, .n = n - at < per ? n - at : per,
                               .body = &s->bodies[q]};
        strbuf_clear(reqs[q].body);
        calls[q].build = build_upsert_call;
        calls[q].build_ctx = &reqs[q];
    }
    hrana_client_set_cancel(s->hc, base->cancel);
    if ((rc = hrana_run(s->hc, calls, n_req, err)))
        goto cleanup;
    for (size_t q = 0; q < n_req; q++) {
        char e[SV_ERR_LEN];
        if (hrana_batch_ok(s->hc, &calls[q], 0, 0, e) == 0 &&
            hrana_batch_ok(s->hc, &calls[q], 0, UPSERT_GUARD_STEP, e)) {
            rc = sv_fail(err, SV_EXIT_DATA,
                         "store %s: the writer lease is no longer this run's, or the store was "
                         "claimed for another model or dims by another run: nothing of samples "
                         "%" PRId64 "..%" PRId64 " was stored; one run writes a store at a time",
                         base->location, reqs[q].rows[0].sample_id,
                         reqs[q].rows[reqs[q].n - 1].sample_id);
            goto cleanup;
        }
        if (hrana_batch_ok(s->hc, &calls[q], 0, reqs[q].commit, e)) {
            rc = sv_fail(err, SV_EXIT_DATA,
                         "store %s: the server rolled back samples %" PRId64 "..%" PRId64 ": %s",
                         base->location, reqs[q].rows[0].sample_id,
                         reqs[q].rows[reqs[q].n - 1].sample_id, e);
            goto cleanup;
        }
    }
cleanup:
    if (calls)
        for (size_t q = 0; q < n_req; q++)
            hrana_call_clear(&calls[q]);
    if (n_req > 4) /* keep a few buffers for the next call, not a huge chunk's worth */
        for (size_t q = 4; q < s->n_bodies; q++)
            strbuf_free(&s->bodies[q]);
    free(reqs);
    free(calls);
    return rc;
}

/* ---------------------------------------------------------------- scan */

static const char *opt_text(const cJSON *row, int col) /* text or NULL */
{
    return hrana_value_text(cJSON_GetArrayItem(row, col));
}

static int turso_scan(store *base, store_scan_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    turso_store *s = (turso_store *)base;
    store_meta m;
    int rc = turso_meta(base, &m, err);
    if (rc || !m.dims)
        return rc;
    if ((rc = alloc_buffers(s, m.dims, err)))
        return rc;
    base->dims = m.dims;
    strbuf b = {0};
    hrana_call call;
    memset(&call, 0, sizeof call);
    int64_t after = INT64_MIN;
    int first = 1; /* the first page has no lower bound: INT64_MIN is a sample id too */
    char e[SV_ERR_LEN];
    for (int stop = 0; !stop; first = 0) {
        strbuf_clear(&b);
        strbuf_add_str(&b, "{\"type\":\"execute\",\"stmt\":{\"sql\":");
        char sql[400];
        snprintf(sql, sizeof sql,
                 "SELECT sample_id, vibe_vector, title, genre, bpm, musical_key, mood_primary,"
                 " mood_secondary, energy_level FROM sample_embeddings WHERE sample_id %s ?"
                 " ORDER BY sample_id LIMIT %d",
                 first ? ">=" : ">", SCAN_PAGE);
        hrana_body_json_str(&b, sql);
        strbuf_add_str(&b, ",\"args\":[");
        hrana_arg_int(&b, 0, after);
        strbuf_add_str(&b, "]}}");
        hrana_call_clear(&call);
        if ((rc = run_one(s, &b, &call, err)))
            break;
        const cJSON *res = hrana_execute_result(s->hc, &call, 0, e);
        if (!res) {
            rc = sv_fail(err, SV_EXIT_DATA, "store %s: scan failed: %s", base->location, e);
            break;
        }
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(res, "rows");
        int got = cJSON_GetArraySize(rows);
        const cJSON *row;
        cJSON_ArrayForEach(row, rows) {
            store_scan_row r;
            memset(&r, 0, sizeof r);
            if (hrana_value_int(cJSON_GetArrayItem(row, 0), &r.sample_id)) {
                rc = sv_fail(err, SV_EXIT_DATA, "store %s: malformed scan row", base->location);
                stop = 1;
                break;
            }
            long bytes = hrana_value_blob(cJSON_GetArrayItem(row, 1), s->blob, (size_t)m.dims * 4);
            if (bytes != (long)m.dims * 4) {
                rc = sv_fail(err, SV_EXIT_DATA,
                             "store %s: sample %" PRId64 " has a vector that is not %d bytes (%d "
                             "dims): re-embed with --reset",
                             base->location, r.sample_id, m.dims * 4, m.dims);
                stop = 1;
                break;
            }
            vecblob_decode(s->blob, (size_t)m.dims, s->vector);
            r.vector = s->vector;
            r.title = opt_text(row, 2);
            r.genre = opt_text(row, 3);
            r.has_bpm = hrana_value_float(cJSON_GetArrayItem(row, 4), &r.bpm) == 0;
            r.musical_key = opt_text(row, 5);
            r.mood_primary = opt_text(row, 6);
            r.mood_secondary = opt_text(row, 7);
            r.has_energy = hrana_value_float(cJSON_GetArrayItem(row, 8), &r.energy_level) == 0;
            after = r.sample_id;
            if (fn(&r, ctx)) {
                stop = 1;
                break;
            }
        }
        if (got < SCAN_PAGE)
            stop = 1;
    }
    hrana_call_clear(&call);
    strbuf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- orphans */

#define IDS_PAGE 4096

static int turso_scan_ids(store *base, store_id_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    turso_store *s = (turso_store *)base;
    strbuf b = {0};
    hrana_call call;
    memset(&call, 0, sizeof call);
    int64_t after = INT64_MIN;
    int rc = 0;
    char e[SV_ERR_LEN];
    for (int first = 1, stop = 0; !stop; first = 0) {
        strbuf_clear(&b);
        strbuf_add_str(&b, "{\"type\":\"execute\",\"stmt\":{\"sql\":");
        char sql[160];
        snprintf(sql, sizeof sql,
                 "SELECT sample_id FROM sample_embeddings WHERE sample_id %s ? ORDER BY sample_id LIMIT %d",
                 first ? ">=" : ">", IDS_PAGE);
        hrana_body_json_str(&b, sql);
        strbuf_add_str(&b, ",\"args\":[");
        hrana_arg_int(&b, 0, after);
        strbuf_add_str(&b, "]}}");
        hrana_call_clear(&call);
        if ((rc = run_one(s, &b, &call, err)))
            break;
        const cJSON *res = hrana_execute_result(s->hc, &call, 0, e);
        if (!res) {
            if (!no_such_table(e))
                rc = sv_fail(err, SV_EXIT_DATA, "store %s: cannot list the stored ids: %s",
                             base->location, e);
            break;
        }
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(res, "rows"), *row;
        int got = cJSON_GetArraySize(rows);
        cJSON_ArrayForEach(row, rows) {
            int64_t id;
            if (hrana_value_int(cJSON_GetArrayItem(row, 0), &id)) {
                rc = sv_fail(err, SV_EXIT_DATA, "store %s: malformed id row", base->location);
                stop = 1;
                break;
            }
            after = id;
            if (fn(id, ctx)) {
                stop = 1;
                break;
            }
        }
        if (got < IDS_PAGE)
            stop = 1;
    }
    hrana_call_clear(&call);
    strbuf_free(&b);
    return rc;
}

static int turso_remove(store *base, const int64_t *ids, size_t n, char err[SV_ERR_LEN])
{
    turso_store *s = (turso_store *)base;
    if (!s->blob || base->dims <= 0)
        return sv_fail(err, SV_EXIT_DATA, "store %s: remove before prepare", base->location);
    strbuf b = {0};
    hrana_call call;
    memset(&call, 0, sizeof call);
    char cond[64], e[SV_ERR_LEN];
    int k = 0;
    strbuf_add_str(&b, "{\"type\":\"batch\",\"batch\":{\"steps\":[");
    step_open(&b, k++, NULL, "BEGIN");
    step_close(&b);
    k = lease_guard_steps(s, &b, k);
    for (size_t at = 0; at < n; at += LOOKUP_IDS_PER_STMT) {
        size_t end = at + LOOKUP_IDS_PER_STMT < n ? at + LOOKUP_IDS_PER_STMT : n;
        cond_ok(cond, sizeof cond, k - 1);
        strbuf_add(&b, ",", 1);
        strbuf_add_str(&b, "{\"condition\":");
        strbuf_add_str(&b, cond);
        strbuf_add_str(&b, ",\"stmt\":{\"sql\":\"DELETE FROM sample_embeddings WHERE sample_id IN (");
        for (size_t i = at; i < end; i++) {
            char tmp[32];
            int len = snprintf(tmp, sizeof tmp, "%s%" PRId64, i > at ? "," : "", ids[i]);
            strbuf_add(&b, tmp, (size_t)len);
        }
        strbuf_add_str(&b, ")\"}}");
        k++;
    }
    cond_ok(cond, sizeof cond, k - 1);
    step_open(&b, k++, cond, GENERATION_SQL);
    step_close(&b);
    cond_ok(cond, sizeof cond, k - 1);
    int commit = k;
    step_open(&b, k++, cond, "COMMIT");
    step_close(&b);
    snprintf(cond, sizeof cond, "{\"type\":\"not\",\"cond\":{\"type\":\"ok\",\"step\":%d}}", commit);
    step_open(&b, k++, cond, "ROLLBACK");
    step_close(&b);
    strbuf_add_str(&b, "]}}");
    int rc = run_one(s, &b, &call, err);
    if (!rc && hrana_batch_ok(s->hc, &call, 0, commit, e))
        rc = sv_fail(err, SV_EXIT_DATA,
                     "store %s: the vectors of deleted samples were not removed (the lease or the "
                     "claim changed, or: %s)",
                     base->location, e);
    hrana_call_clear(&call);
    strbuf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- knn */

/* The stored vector of sample id into s->vector; *found = 0 when there is no such row. */
static int fetch_vector(turso_store *s, int64_t id, int *found, char err[SV_ERR_LEN])
{
    strbuf b = {0};
    hrana_call call;
    strbuf_add_str(&b, "{\"type\":\"execute\",\"stmt\":{\"sql\":"
                        "\"SELECT vibe_vector FROM sample_embeddings WHERE sample_id = ?\",\"args\":[");
    hrana_arg_int(&b, 0, id);
    strbuf_add_str(&b, "]}}");
    int rc = run_one(s, &b, &call, err);
    char e[SV_ERR_LEN];
    const cJSON *res = rc ? NULL : hrana_execute_result(s->hc, &call, 0, e);
    if (!rc && !res)
        rc = sv_fail(err, SV_EXIT_DATA, "store %s: %s", s->base.location, e);
    const cJSON *row = res ? cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "rows"), 0) : NULL;
    *found = row != NULL;
    if (!rc && row) {
        long bytes = hrana_value_blob(cJSON_GetArrayItem(row, 0), s->blob, (size_t)s->base.dims * 4);
        if (bytes != (long)s->base.dims * 4)
            rc = sv_fail(err, SV_EXIT_DATA, "store %s: sample %" PRId64 " has a malformed vector",
                         s->base.location, id);
        else
            vecblob_decode(s->blob, (size_t)s->base.dims, s->vector);
    }
    hrana_call_clear(&call);
    strbuf_free(&b);
    return rc;
}

/* The stored musical_key values that pass f's key condition, as text args appended to b
 * ("?, ?" into sql). Returns the count, or -1 with err. */
static int matching_keys(turso_store *s, const query_filter *f, strbuf *args, strbuf *sql,
                         int first_arg, char err[SV_ERR_LEN])
{
    strbuf b = {0};
    hrana_call call;
    stmt(&b, 0, "SELECT DISTINCT musical_key FROM sample_embeddings WHERE musical_key IS NOT NULL");
    int rc = run_one(s, &b, &call, err);
    char e[SV_ERR_LEN];
    const cJSON *res = rc ? NULL : hrana_execute_result(s->hc, &call, 0, e);
    int n = -1;
    if (!rc && !res)
        sv_fail(err, SV_EXIT_DATA, "store %s: %s", s->base.location, e);
    if (res) {
        n = 0;
        const cJSON *row;
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(res, "rows")) {
            const char *key = hrana_value_text(cJSON_GetArrayItem(row, 0));
            if (!key || !query_filter_key_matches(f, key))
                continue;
            hrana_arg_text(args, first_arg || n > 0, key);
            strbuf_add_str(sql, n ? ", ?" : "?");
            n++;
        }
    }
    hrana_call_clear(&call);
    strbuf_free(&b);
    return n;
}

/* The local engine's similarity, bit for bit (search.c, veccache.c): a float dot product in
 * distance.h's lane order, times the two inverse norms summed in double; a zero or non-finite
 * vector on either side gives 0; clamped to [-1, 1]. */
static double inv_norm(const float *v, int dims)
{
    double sq = 0;
    for (int i = 0; i < dims; i++)
        sq += (double)v[i] * v[i];
    return sq > 0 && isfinite(sq) ? 1.0 / sqrt(sq) : 0.0;
}

typedef struct knn_hit {
    double sim;
    int64_t id;
    const cJSON *row; /* borrowed from the response */
} knn_hit;

static int cmp_hit(const void *a, const void *b)
{
    const knn_hit *x = a, *y = b;
    if (x->sim != y->sim)
        return x->sim > y->sim ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* How far the server's float cosine distance may be from the exact one (generous: float
 * sums over a few thousand products stay far inside it). */
#define KNN_SERVER_EPS 1e-3

/* Exact k-NN on the server (store.h's contract). The server filters and ranks with
 *   SELECT …, vibe_vector FROM (SELECT …, vector_distance_cos(vibe_vector, ?) AS d …
 *   WHERE <filters>) [WHERE 1.0 - d >= min - eps] ORDER BY d, sample_id LIMIT k'
 * fetching k' = k + a margin candidates with their vectors; their similarities are then
 * computed here exactly as the local engine does and re-ranked, so both engines give the same
 * answer to the last bit. If a row past the candidates could still beat the k-th (its server
 * distance is within KNN_SERVER_EPS), k' doubles and the query runs again. Plus a round trip
 * for the stored vector (`similar`) and one for the key spellings (--key). */
static int turso_knn(store *base, const float *query, int64_t query_id, const query_filter *f,
                     size_t k, query_results *out, int *found, char err[SV_ERR_LEN])
{
    turso_store *s = (turso_store *)base;
    int rc = 0;
    if (found)
        *found = 1;
    if (base->dims <= 0 || !s->blob) {
        store_meta m;
        if ((rc = turso_meta(base, &m, err)))
            return rc;
        if (m.dims <= 0)
            return query ? 0 : (*found = 0, 0); /* an empty store */
        if ((rc = alloc_buffers(s, m.dims, err)))
            return rc;
        base->dims = m.dims;
    }
    int dims = base->dims;
    if (!query) {
        int have = 0;
        if ((rc = fetch_vector(s, query_id, &have, err)))
            return rc;
        if (!have) {
            *found = 0;
            return 0;
        }
        query = s->vector;
    }
    if (k == 0)
        return 0;
    double q_inv = inv_norm(query, dims);
    distance_dot_fn dot = distance_dot_pick(NULL);
    strbuf where = {0}, args = {0}, b = {0};
    hrana_call call;
    memset(&call, 0, sizeof call);
    knn_hit *hits = NULL;
    float *vec = malloc((size_t)dims * sizeof *vec);
    unsigned char *raw = malloc((size_t)dims * 4);
    if (!vec || !raw) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    /* the filters and their args, the same for every try; the query vector comes first */
    int n_args = 0;
    int zero = q_inv == 0.0; /* similarity 0 with everything: the server ranks by id alone */
    if (!zero) {
        vecblob_encode(query, (size_t)dims, raw);
        hrana_arg_blob(&args, n_args++ > 0, raw, (size_t)dims * 4);
    }
    if (f->has_bpm && !f->bpm_halftime) {
        strbuf_add_str(&where, " AND bpm BETWEEN ? AND ?");
        hrana_arg_float(&args, n_args++ > 0, f->bpm_min);
        hrana_arg_float(&args, n_args++ > 0, f->bpm_max);
    } else if (f->has_bpm) { /* half and double tempo pass too */
        strbuf_add_str(&where, " AND (bpm BETWEEN ? AND ? OR bpm BETWEEN ? AND ? OR bpm BETWEEN ? AND ?)");
        hrana_arg_float(&args, n_args++ > 0, f->bpm_min);
        hrana_arg_float(&args, n_args++ > 0, f->bpm_max);
        hrana_arg_float(&args, n_args++ > 0, f->bpm_min / 2);
        hrana_arg_float(&args, n_args++ > 0, f->bpm_max / 2);
        hrana_arg_float(&args, n_args++ > 0, f->bpm_min * 2);
        hrana_arg_float(&args, n_args++ > 0, f->bpm_max * 2);
    }
    if (f->genre) { /* COLLATE NOCASE: ASCII case-insensitive, as the local engine */
        strbuf_add_str(&where, " AND genre = ? COLLATE NOCASE");
        hrana_arg_text(&args, n_args++ > 0, f->genre);
    }
    if (f->mood) {
        strbuf_add_str(&where, " AND (mood_primary = ? COLLATE NOCASE OR mood_secondary = ? COLLATE NOCASE)");
        hrana_arg_text(&args, n_args++ > 0, f->mood);
        hrana_arg_text(&args, n_args++ > 0, f->mood);
    }
    if (f->has_exclude) {
        strbuf_add_str(&where, " AND sample_id <> ?");
        hrana_arg_int(&args, n_args++ > 0, f->exclude_id);
    }
    if (f->n_excluded) { /* integers as literals, as in lookup: no parameter limit */
        strbuf_add_str(&where, " AND sample_id NOT IN (");
        for (size_t i = 0; i < f->n_excluded; i++) {
            char tmp[32];
            int len = snprintf(tmp, sizeof tmp, "%s%" PRId64, i ? "," : "", f->excluded[i]);
            strbuf_add(&where, tmp, (size_t)len);
        }
        strbuf_add_str(&where, ")");
    }
    if (f->has_key) {
        strbuf_add_str(&where, " AND musical_key IN (");
        int nk = matching_keys(s, f, &args, &where, n_args > 0, err);
        if (nk < 0) {
            rc = SV_EXIT_DATA;
            goto cleanup;
        }
        if (nk == 0)
            goto cleanup; /* no stored key spelling matches: no results */
        n_args += nk;
        strbuf_add_str(&where, ")");
    }
    if (f->has_min_similarity) { /* loosened by eps; the exact test is applied here */
        hrana_arg_float(&args, n_args++ > 0, f->min_similarity - KNN_SERVER_EPS);
    }
    if (where.oom || args.oom) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    size_t want = k + (k / 4 > 16 ? k / 4 : 16);
    for (;;) {
        strbuf_clear(&b);
        strbuf_add_str(&b, "{\"type\":\"execute\",\"stmt\":{\"sql\":\"SELECT sample_id, d, title,"
                            " genre, bpm, musical_key, mood_primary, vibe_vector FROM (SELECT"
                            " sample_id, title, genre, bpm, musical_key, mood_primary, vibe_vector, ");
        strbuf_add_str(&b, zero ? "1.0 AS d" : "vector_distance_cos(vibe_vector, ?) AS d");
        strbuf_add_str(&b, " FROM sample_embeddings WHERE 1");
        if (where.len)
            strbuf_add(&b, where.s, where.len); /* no quotes or backslashes in it */
        strbuf_add_str(&b, ")");
        if (f->has_min_similarity)
            strbuf_add_str(&b, " WHERE 1.0 - d >= ?");
        char tail[96];
        snprintf(tail, sizeof tail, " ORDER BY d ASC, sample_id ASC LIMIT %zu\",\"args\":[", want);
        strbuf_add_str(&b, tail);
        if (args.len)
            strbuf_add(&b, args.s, args.len);
        strbuf_add_str(&b, "]}}");
        hrana_call_clear(&call);
        if ((rc = run_one(s, &b, &call, err)))
            goto cleanup;
        char e[SV_ERR_LEN];
        const cJSON *res = hrana_execute_result(s->hc, &call, 0, e);
        if (!res) {
            rc = sv_fail(err, SV_EXIT_DATA, "store %s: search failed: %s", base->location, e);
            goto cleanup;
        }
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(res, "rows");
        size_t got = (size_t)cJSON_GetArraySize(rows), n_hits = 0;
        free(hits);
        hits = calloc(got ? got : 1, sizeof *hits);
        if (!hits) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto cleanup;
        }
        double last_d = 0;
        const cJSON *row;
        cJSON_ArrayForEach(row, rows) {
            int64_t id;
            if (hrana_value_int(cJSON_GetArrayItem(row, 0), &id) ||
                hrana_value_float(cJSON_GetArrayItem(row, 1), &last_d) ||
                hrana_value_blob(cJSON_GetArrayItem(row, 7), raw, (size_t)dims * 4) != (long)dims * 4) {
                rc = sv_fail(err, SV_EXIT_DATA, "store %s: malformed search row", base->location);
                goto cleanup;
            }
            vecblob_decode(raw, (size_t)dims, vec);
            double v_inv = inv_norm(vec, dims), sim = 0.0;
            if (v_inv != 0.0 && q_inv != 0.0)
                sim = (double)dot(query, vec, (size_t)dims) * q_inv * v_inv;
            if (sim > 1.0) /* rounding can carry an identical vector a hair past 1 */
                sim = 1.0;
            else if (sim < -1.0)
                sim = -1.0;
            if (f->has_min_similarity && !(sim >= f->min_similarity))
                continue;
            hits[n_hits++] = (knn_hit){sim, id, row};
        }
        qsort(hits, n_hits, sizeof *hits, cmp_hit);
        /* Rows not fetched have a server distance >= last_d, so an exact similarity of at most
         * 1 - last_d + eps. Done when the server had no more, or the k-th beats that bound. */
        int complete = got < want || zero ||
                       (n_hits >= k && hits[k - 1].sim > 1.0 - last_d + KNN_SERVER_EPS);
        if (complete) {
            for (size_t i = 0; i < n_hits && i < k; i++) {
                const cJSON *r = hits[i].row;
                double bpm = 0;
                int has_bpm = hrana_value_float(cJSON_GetArrayItem(r, 4), &bpm) == 0;
                if (query_results_append(out, hits[i].id, hits[i].sim, opt_text(r, 2),
                                          opt_text(r, 3), has_bpm, bpm, opt_text(r, 5),
                                          opt_text(r, 6))) {
                    rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
                    goto cleanup;
                }
            }
            break;
        }
        want *= 2; /* near-ties at the boundary: widen and ask again */
    }
cleanup:
    free(hits);
    free(vec);
    free(raw);
    hrana_call_clear(&call);
    strbuf_free(&b);
    strbuf_free(&args);
    strbuf_free(&where);
    return rc;
}

/* ---------------------------------------------------------------- open/close */

/* Deletes the writer lease row if it is still this run's (one request, best effort: a lease
 * left behind by a failed release is taken over once it expires). */
static void lease_release(turso_store *s)
{
    store_writer me;
    store_writer_self(&me);
    char run[40];
    snprintf(run, sizeof run, "%s|", me.run);
    strbuf b = {0};
    hrana_call call;
    strbuf_add_str(&b, "{\"type\":\"execute\",\"stmt\":{\"sql\":");
    hrana_body_json_str(&b, "DELETE FROM samplevec_meta WHERE key = '" STORE_WRITER_KEY
                            "' AND substr(value, 1, length(?)) = ?");
    strbuf_add_str(&b, ",\"args\":[");
    hrana_arg_text(&b, 0, run);
    hrana_arg_text(&b, 1, run);
    strbuf_add_str(&b, "]}}");
    char err[SV_ERR_LEN];
    run_one(s, &b, &call, err);
    hrana_call_clear(&call);
    strbuf_free(&b);
}

static void turso_close(store *base)
{
    turso_store *s = (turso_store *)base;
    if (s->leased)
        lease_release(s);
    hrana_client_free(s->hc);
    for (size_t q = 0; q < s->n_bodies; q++)
        strbuf_free(&s->bodies[q]);
    free(s->bodies);
    free(s->blob);
    free(s->vector);
    free(s);
}

/* libSQL's ANN index: kept up to date by the server on every upsert, used by
 * vector_top_k('sample_embeddings_vibe_idx', …). Servers without it (tursodb 0.7's
 * --sync-server) answer the CREATE with a parse error naming the function. */
static int turso_vector_index(store *base, char err[SV_ERR_LEN])
{
    turso_store *s = (turso_store *)base;
    strbuf b = {0};
    hrana_call call;
    stmt(&b, 0, "CREATE INDEX IF NOT EXISTS sample_embeddings_vibe_idx ON sample_embeddings"
                "(libsql_vector_idx(vibe_vector, 'metric=cosine'))");
    int rc = run_one(s, &b, &call, err);
    char e[SV_ERR_LEN];
    if (!rc && !hrana_execute_result(s->hc, &call, 0, e)) {
        if (strstr(e, "libsql_vector_idx") || strstr(e, "no such function") ||
            strstr(e, "not supported") || strstr(e, "unsupported"))
            rc = sv_fail(err, SV_EXIT_USAGE,
                         "server %s does not support libsql_vector_idx (it said: %.200s); no "
                         "vector index was made: search scans every vector exactly instead",
                         base->location, e);
        else
            rc = sv_fail(err, SV_EXIT_DATA, "store %s: cannot create the vector index: %s",
                         base->location, e);
    }
    hrana_call_clear(&call);
    strbuf_free(&b);
    return rc;
}

static const store_vtable turso_vtable = {
    .meta = turso_meta,     .prepare = turso_prepare, .lookup = turso_lookup,
    .upsert = turso_upsert, .scan = turso_scan,       .close = turso_close,
    .vector_index = turso_vector_index,
    .knn = turso_knn,
    .scan_ids = turso_scan_ids, .remove = turso_remove,
};

store *store_turso_open(const char *url, int *exit_code, char err[SV_ERR_LEN])
{
    turso_store *s = calloc(1, sizeof *s);
    if (!s) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    s->base.vt = &turso_vtable;
    hrana_options opt;
    hrana_options_default(&opt);
    s->hc = hrana_client_new(url, dotenv_get("TURSO_AUTH_TOKEN"), &opt, err);
    if (!s->hc) {
        *exit_code = SV_EXIT_USAGE;
        free(s);
        return NULL;
    }
    /* the location names the server without a query string, so never a token */
    snprintf(s->base.location, sizeof s->base.location, "%s", hrana_client_url(s->hc));
    s->base.concurrent_lookup = 1; /* hrana_run borrows its own connections per thread */
    s->rows_per_request = DEFAULT_ROWS_PER_REQUEST;
    const char *per = getenv("SAMPLEVEC_TURSO_BATCH_ROWS");
    if (per && atoi(per) >= 1 && atoi(per) <= 10000)
        s->rows_per_request = atoi(per);
    return &s->base;
}
