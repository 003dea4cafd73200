/* store_app_pg: vectors in the sample manager's PostgreSQL database (`--store postgresql://…`, or
 * `--store app` with a PostgreSQL library), in its sample_embeddings layout (app_layout.h):
 * vibe_vector double precision[], each element the float32 value exactly (sent and read in
 * libpq's binary array format, so no decimal conversion touches it).
 *
 * The session is read-only until prepare (search and status cannot write). Writes: one
 * transaction per upserted chunk, multi-row INSERT … ON CONFLICT (sample_id) DO UPDATE of at
 * most INSERT_ROWS rows per statement, under lock_timeout (SAMPLEVEC_BUSY_TIMEOUT seconds,
 * default 10): when the app holds a conflicting lock longer, exit 3 and --resume finishes.
 * ids come from the table's SERIAL sequence; a rolled-back chunk consumes sequence values, so
 * after a kill ids may skip numbers (rows, vectors and texts are the same as an uninterrupted
 * run's).
 *
 * store.h's safety contract: the writer lease is the 'writer' row of samplevec_meta. prepare,
 * every upsert and remove, and close lock samplevec_meta (SHARE ROW EXCLUSIVE: it conflicts
 * with itself, not with readers, and the app never touches the table) in their transaction
 * before reading the lease, so taking, checking and renewing it is a compare-and-set. A
 * STORE_READ_ONLY open keeps the session read-only for good. Keyword search: no index of its
 * own; scan sends the source texts and search keeps its derived keyword cache (in memory: the
 * store is remote).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_layout.h"
#include "hash.h"
#include "pgconn.h"
#include "store.h"

#define INSERT_ROWS 100
#define FLOAT8_OID 701
#define FLOAT4_OID 700
#define INT8_OID 20
#define FLOAT8_ARRAY_OID 1022
#define TEXT_OID 25
#define BUSY_TIMEOUT_DEFAULT_S 10.0

typedef struct pg_store {
    store base;
    store_mode mode;
    int leased;                /* this run holds the writer lease (store.h) */
    pgconn *c;
    int writable;              /* prepare has ended the read-only session */
    int has_vibe;
    double busy_s;
    store_meta claim;
    int presumed;              /* the claim is the app's, presumed (app_layout.h) */
    unsigned char *arrays;     /* INSERT_ROWS binary float8[] parameters */
    char *insert_sql;          /* INSERT_SQL_CAP bytes: the statement of the rows being sent */
    float *vector;             /* dims floats, scan's decode buffer */
} pg_store;

static size_t array_bytes(int dims) { return 20 + (size_t)dims * 12; }

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const unsigned char *p) { return (uint64_t)get_be32(p) << 32 | get_be32(p + 4); }

static double get_float8(const unsigned char *p)
{
    uint64_t b = get_be64(p);
    double d;
    memcpy(&d, &b, 8);
    return d;
}

/* v as PostgreSQL's binary float8[]: ndim 1, no nulls, element type, dims, lower bound 1, then
 * per element its length (8) and the big-endian double (the float's exact value). */
static void encode_array(const float *v, int dims, unsigned char *out)
{
    put_be32(out, 1);
    put_be32(out + 4, 0);
    put_be32(out + 8, FLOAT8_OID);
    put_be32(out + 12, (uint32_t)dims);
    put_be32(out + 16, 1);
    unsigned char *p = out + 20;
    for (int i = 0; i < dims; i++, p += 12) {
        double d = v[i];
        uint64_t b;
        memcpy(&b, &d, 8);
        put_be32(p, 8);
        put_be32(p + 4, (uint32_t)(b >> 32));
        put_be32(p + 8, (uint32_t)b);
    }
}

/* A binary float8[] or real[] of exactly dims elements into out. 0, or -1 with *got = its
 * element count (-1 when not a one-dimensional array of numbers without NULLs). */
static int decode_array(const unsigned char *p, int len, int dims, float *out, long *got)
{
    *got = -1;
    if (len < 12)
        return -1;
    uint32_t ndim = get_be32(p), elem = get_be32(p + 8);
    if (ndim == 0) {
        *got = 0;
        return dims == 0 ? 0 : -1;
    }
    if (ndim != 1 || len < 20 || (elem != FLOAT8_OID && elem != FLOAT4_OID))
        return -1;
    uint32_t n = get_be32(p + 12);
    size_t width = elem == FLOAT8_OID ? 8 : 4;
    if (n > (uint32_t)((len - 20) / (4 + (int)width)))
        return -1;
    *got = (long)n;
    if ((int)n != dims)
        return -1;
    const unsigned char *q = p + 20;
    for (uint32_t i = 0; i < n; i++, q += 4 + width) {
        if (get_be32(q) != width)
            return -1; /* a NULL element (length -1) */
        if (width == 8) {
            out[i] = (float)get_float8(q + 4);
        } else {
            uint32_t b = get_be32(q + 4);
            memcpy(&out[i], &b, 4);
        }
    }
    return 0;
}

static PGresult *run(pg_store *s, const char *sql, int n, const char *const *params, int tuples,
                     const char *what, char err[SV_ERR_LEN])
{
    /* without parameters, the simple protocol: DDL of several statements runs as one */
    PGresult *res = n ? PQexecParams(s->c->conn, sql, n, NULL, params, NULL, NULL, 0)
                      : PQexec(s->c->conn, sql);
    ExecStatusType want = tuples ? PGRES_TUPLES_OK : PGRES_COMMAND_OK;
    if (res && PQresultStatus(res) == want)
        return res;
    if (strcmp(pgconn_sqlstate(res), "55P03") == 0) /* lock_not_available: lock_timeout */
        sv_fail(err, SV_EXIT_DATA,
                "PostgreSQL %s: another session (the app?) held a lock samplevec needed to %s for "
                "%.1f s; nothing of this batch was written: run the same command again with "
                "--resume to finish (SAMPLEVEC_BUSY_TIMEOUT=SECONDS waits longer)",
                s->c->where, what, s->busy_s);
    else
        pgconn_fail(s->c, res, SV_EXIT_DATA, what, err);
    PQclear(res);
    return NULL;
}

static int exec_ok(pg_store *s, const char *sql, const char *what, char err[SV_ERR_LEN])
{
    PGresult *res = run(s, sql, 0, NULL, 0, what, err);
    PQclear(res);
    return res ? 0 : SV_EXIT_DATA;
}

static int relation_exists(pg_store *s, const char *name, int *exists, char err[SV_ERR_LEN])
{
    const char *params[1] = {name};
    PGresult *res = run(s, "SELECT to_regclass($1::text) IS NOT NULL", 1, params, 1,
                        "read the database's tables", err);
    if (!res)
        return SV_EXIT_DATA;
    *exists = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return 0;
}

static int read_claim(pg_store *s, char err[SV_ERR_LEN])
{
    store_meta *m = &s->claim;
    memset(m, 0, sizeof *m);
    s->presumed = 0;
    int has_table, has_meta, rc;
    PGresult *res;
    if ((rc = relation_exists(s, "sample_embeddings", &has_table, err)) ||
        (rc = relation_exists(s, "samplevec_meta", &has_meta, err)))
        return rc;
    if (has_table) {
        if (!(res = run(s, "SELECT count(*) FROM sample_embeddings", 0, NULL, 1, "count sample_embeddings", err)))
            return SV_EXIT_DATA;
        m->rows = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
    }
    if (has_meta) {
        if (!(res = run(s,
                        "SELECT key, value FROM samplevec_meta WHERE key IN ('provider','model','dims',"
                        "'" STORE_QUERY_PREFIX_KEY "','" STORE_DOCUMENT_PREFIX_KEY "')",
                        0, NULL, 1, "read samplevec_meta", err)))
            return SV_EXIT_DATA;
        for (int r = 0; r < PQntuples(res); r++) {
            const char *k = PQgetvalue(res, r, 0), *v = PQgetvalue(res, r, 1);
            if (strcmp(k, "provider") == 0)
                snprintf(m->provider, sizeof m->provider, "%s", v);
            else if (strcmp(k, "model") == 0)
                snprintf(m->model, sizeof m->model, "%s", v);
            else if (strcmp(k, STORE_QUERY_PREFIX_KEY) == 0)
                snprintf(m->prompts.query, sizeof m->prompts.query, "%s", v);
            else if (strcmp(k, STORE_DOCUMENT_PREFIX_KEY) == 0)
                snprintf(m->prompts.document, sizeof m->prompts.document, "%s", v);
            else
                m->dims = atoi(v);
        }
        PQclear(res);
    }
    if (!m->model[0] && m->rows > 0) { /* the application's own vectors */
        if (!(res = run(s, "SELECT array_length(vibe_vector, 1) FROM sample_embeddings ORDER BY id LIMIT 1",
                        0, NULL, 1, "read sample_embeddings", err)))
            return SV_EXIT_DATA;
        int dims = PQntuples(res) ? atoi(PQgetvalue(res, 0, 0)) : 0;
        PQclear(res);
        snprintf(m->provider, sizeof m->provider, "%s", APP_PROVIDER);
        snprintf(m->model, sizeof m->model, "%s", APP_MODEL);
        m->dims = dims > 0 && dims <= 65536 ? dims : 0;
        s->presumed = 1;
    }
    if (!m->model[0]) {
        int64_t rows = m->rows;
        memset(m, 0, sizeof *m);
        m->rows = rows;
    }
    return 0;
}

static int pg_meta(store *base, store_meta *out, char err[SV_ERR_LEN])
{
    pg_store *s = (pg_store *)base;
    int rc = read_claim(s, err);
    if (rc)
        return rc;
    *out = s->claim;
    base->dims = out->dims;
    return 0;
}

/* An existing table must be the app's layout: id with a default (SERIAL), sample_id with a
 * UNIQUE index of its own (the upsert's conflict target), vibe_vector an array of floats. */
static int check_layout(pg_store *s, char err[SV_ERR_LEN])
{
    PGresult *res = run(s,
                        "SELECT a.attname, format_type(a.atttypid, a.atttypmod),"
                        " a.atthasdef OR a.attidentity <> '',"
                        " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisunique"
                        "  AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum)"
                        " FROM pg_attribute a WHERE a.attrelid = 'sample_embeddings'::regclass"
                        " AND a.attnum > 0 AND NOT a.attisdropped",
                        0, NULL, 1, "read the layout of sample_embeddings", err);
    if (!res)
        return SV_EXIT_DATA;
    int id = 0, sample_id = 0, vector = 0, source = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        const char *name = PQgetvalue(res, r, 0), *type = PQgetvalue(res, r, 1);
        if (strcmp(name, "id") == 0)
            id = PQgetvalue(res, r, 2)[0] == 't';
        else if (strcmp(name, "sample_id") == 0)
            sample_id = PQgetvalue(res, r, 3)[0] == 't';
        else if (strcmp(name, "vibe_vector") == 0)
            vector = strcmp(type, "double precision[]") == 0 || strcmp(type, "real[]") == 0;
        else if (strcmp(name, "embedding_source") == 0)
            source = 1;
    }
    PQclear(res);
    if (id && sample_id && vector && source)
        return 0;
    return sv_fail(err, SV_EXIT_DATA,
                   "PostgreSQL %s: table sample_embeddings %s, unlike the application's model (id "
                   "SERIAL, sample_id UNIQUE, vibe_vector double precision[], embedding_source); "
                   "samplevec alters no table: fix it or pass another --store",
                   s->c->where,
                   !id ? "has no id with a default (SERIAL)"
                   : !sample_id ? "has no UNIQUE index on sample_id"
                   : !vector    ? "has no vibe_vector array of floats"
                                : "has no embedding_source column");
}

static int meta_write(pg_store *s, const char *key, const char *value, char err[SV_ERR_LEN])
{
    const char *params[2] = {key, value};
    PGresult *res = run(s,
                        "INSERT INTO samplevec_meta(key, value) VALUES ($1, $2)"
                        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                        2, params, 0, "write samplevec_meta", err);
    PQclear(res);
    return res ? 0 : SV_EXIT_DATA;
}

#define INSERT_SQL_CAP (256 + INSERT_ROWS * 40)

/* "INSERT … VALUES ($1,$2,$3),($4,$5,$6),… ON CONFLICT …" for k rows into s->insert_sql. */
static void build_insert(pg_store *s, size_t k)
{
    char *sql = s->insert_sql;
    size_t o = (size_t)snprintf(sql, INSERT_SQL_CAP, "INSERT INTO sample_embeddings (sample_id,"
                                                     " vibe_vector, embedding_source) VALUES ");
    for (size_t j = 0; j < k; j++)
        o += (size_t)snprintf(sql + o, INSERT_SQL_CAP - o, "%s($%zu,$%zu,$%zu)", j ? "," : "",
                              3 * j + 1, 3 * j + 2, 3 * j + 3);
    snprintf(sql + o, INSERT_SQL_CAP - o,
             " ON CONFLICT (sample_id) DO UPDATE SET vibe_vector = EXCLUDED.vibe_vector,"
             " embedding_source = EXCLUDED.embedding_source, created_at = now()");
}

/* samplevec_meta's value for key into out ("" when absent), inside the caller's transaction. */
static int meta_read(pg_store *s, const char *key, char *out, size_t cap, char err[SV_ERR_LEN])
{
    const char *params[1] = {key};
    PGresult *res = run(s, "SELECT value FROM samplevec_meta WHERE key = $1", 1, params, 1,
                        "read samplevec_meta", err);
    if (!res)
        return SV_EXIT_DATA;
    snprintf(out, cap, "%s", PQntuples(res) && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return 0;
}

/* Inside the caller's transaction: samplevec_meta locked against other samplevec writers
 * (readers and the app go on), so what is read of the lease below stays true until commit. */
static int meta_lock(pg_store *s, char err[SV_ERR_LEN])
{
    return exec_ok(s, "LOCK TABLE samplevec_meta IN SHARE ROW EXCLUSIVE MODE", "lock samplevec_meta", err);
}

/* Takes the writer lease inside the caller's transaction (store.h's safety contract). */
static int lease_take(pg_store *s, char err[SV_ERR_LEN])
{
    char held[STORE_WRITER_LEN], mine[STORE_WRITER_LEN];
    int rc;
    if ((rc = exec_ok(s, APP_META_DDL, "create samplevec_meta", err)) || (rc = meta_lock(s, err)) ||
        (rc = meta_read(s, STORE_WRITER_KEY, held, sizeof held, err)))
        return rc;
    if (!store_writer_is_free(held[0] ? held : NULL))
        return store_writer_busy(s->base.location, held, err);
    store_writer w;
    store_writer_self(&w);
    store_writer_format(&w, mine);
    if ((rc = meta_write(s, STORE_WRITER_KEY, mine, err)))
        return rc;
    s->leased = 1;
    return 0;
}

/* Inside a write's transaction: the lease is still this run's and the claim is the one
 * prepare made; the lease's expiry moves on. 0, or SV_EXIT_DATA naming what changed. */
static int lease_check_renew(pg_store *s, char err[SV_ERR_LEN])
{
    char held[STORE_WRITER_LEN], model[PROVIDER_MODEL_LEN], dims[32];
    int rc;
    if ((rc = meta_lock(s, err)) || (rc = meta_read(s, STORE_WRITER_KEY, held, sizeof held, err)) ||
        (rc = meta_read(s, "model", model, sizeof model, err)) || (rc = meta_read(s, "dims", dims, sizeof dims, err)))
        return rc;
    if (strcmp(model, s->claim.model) != 0 || atoi(dims) != s->claim.dims)
        return sv_fail(err, SV_EXIT_DATA,
                       "PostgreSQL %s was claimed for model '%s' (%s dims) by another run while this "
                       "one writes '%s' (%d dims): nothing of this batch was written; one run writes "
                       "a store at a time",
                       s->c->where, model, dims[0] ? dims : "?", s->claim.model, s->claim.dims);
    if (!store_writer_is_mine(held)) {
        if (!held[0])
            return sv_fail(err, SV_EXIT_DATA,
                           "store %s: this run's writer lease was removed by another program: "
                           "nothing of this batch was stored; run again with --resume",
                           s->base.location);
        return store_writer_busy(s->base.location, held, err);
    }
    store_writer w;
    store_writer_self(&w);
    char mine[STORE_WRITER_LEN];
    store_writer_format(&w, mine);
    return meta_write(s, STORE_WRITER_KEY, mine, err);
}

#define RESET_SLICE 2000 /* rows deleted between progress reports and Ctrl-C checks */

/* --reset inside the caller's transaction: every row deleted, RESET_SLICE at a time, with
 * progress; SV_EXIT_INTERRUPTED once *cancel is set (the caller rolls back). */
static int drop_rows(pg_store *s, int64_t total, char err[SV_ERR_LEN])
{
    store *base = &s->base;
    int has_table, rc;
    if (total <= 0 || (rc = relation_exists(s, "sample_embeddings", &has_table, err)) || !has_table)
        return total <= 0 ? 0 : rc;
    int64_t done = 0;
    if (base->reset_progress)
        base->reset_progress(base->reset_progress_ctx, 0, total);
    char sql[256];
    snprintf(sql, sizeof sql,
             "DELETE FROM sample_embeddings WHERE id IN (SELECT id FROM sample_embeddings ORDER BY id "
             "LIMIT %d)",
             RESET_SLICE);
    for (;;) {
        if (base->cancel && *base->cancel)
            return sv_fail(err, SV_EXIT_INTERRUPTED, "interrupted during --reset: nothing was dropped");
        PGresult *res = run(s, sql, 0, NULL, 0, "empty sample_embeddings (--reset)", err);
        if (!res)
            return SV_EXIT_DATA;
        int64_t changed = strtoll(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        if (changed == 0)
            break;
        done += changed;
        if (base->reset_progress)
            base->reset_progress(base->reset_progress_ctx, done < total ? done : total, total);
    }
    return 0;
}

/* Whether this run may write the claim read now: 0, or SV_EXIT_USAGE naming both. */
static int claim_allows(pg_store *s, const char *provider, const char *model, int dims,
                        const provider_prompts *prompts, int reset, char err[SV_ERR_LEN])
{
    int rc = read_claim(s, err);
    if (rc)
        return rc;
    char where[1100];
    snprintf(where, sizeof where, "the sample_embeddings table of PostgreSQL %s", s->c->where);
    if ((rc = app_layout_check_claim(where, &s->claim, s->presumed, provider, model, dims, reset, err)))
        return rc;
    if (!reset && !s->presumed && s->claim.model[0])
        return store_prompts_check(s->base.location, &s->claim, prompts, err);
    return 0;
}

static int pg_prepare(store *base, const char *provider, const char *model, int dims,
                      const provider_prompts *prompts, int reset, char err[SV_ERR_LEN])
{
    pg_store *s = (pg_store *)base;
    if (s->mode == STORE_READ_ONLY)
        return sv_fail(err, SV_EXIT_DATA, "store %s is open read-only", base->location);
    /* checked before the session may write: a refused run writes nothing at all */
    int rc = claim_allows(s, provider, model, dims, prompts, reset, err);
    if (rc)
        return rc;
    if (!s->writable) {
        char timeout[64];
        snprintf(timeout, sizeof timeout, "SET lock_timeout = %ld", (long)(s->busy_s * 1000));
        if ((rc = pgconn_allow_writes(s->c, err)) || (rc = exec_ok(s, timeout, "set lock_timeout", err)))
            return rc;
        s->writable = 1;
    }
    char dims_text[32];
    snprintf(dims_text, sizeof dims_text, "%d", dims);
    if ((rc = exec_ok(s, "BEGIN", "start a transaction", err)))
        return rc;
    int has_table = 0;
    int64_t rows = s->claim.rows;
    /* One transaction: the lease, the claim check (again, now that no other writer can move
     * it), --reset's delete and the claim. */
    if ((rc = lease_take(s, err)) || (rc = claim_allows(s, provider, model, dims, prompts, reset, err)) ||
        (reset && (rc = drop_rows(s, rows, err))) ||
        (rc = relation_exists(s, "sample_embeddings", &has_table, err)) ||
        (!has_table && (rc = exec_ok(s, APP_PG_DDL, "create sample_embeddings with the app's DDL", err))) ||
        (rc = meta_write(s, "provider", provider, err)) || (rc = meta_write(s, "model", model, err)) ||
        (rc = meta_write(s, "dims", dims_text, err)) ||
        (rc = meta_write(s, STORE_QUERY_PREFIX_KEY, prompts ? prompts->query : "", err)) ||
        (rc = meta_write(s, STORE_DOCUMENT_PREFIX_KEY, prompts ? prompts->document : "", err)) ||
        (rc = exec_ok(s, "COMMIT", "commit the claim", err))) {
        PQclear(PQexec(s->c->conn, "ROLLBACK"));
        s->leased = 0; /* the lease row went with the transaction */
        return rc;
    }
    memset(&s->claim, 0, sizeof s->claim);
    snprintf(s->claim.provider, sizeof s->claim.provider, "%s", provider);
    snprintf(s->claim.model, sizeof s->claim.model, "%s", model);
    s->claim.dims = dims;
    s->presumed = 0;
    base->dims = dims;
    free(s->arrays);
    free(s->vector);
    s->arrays = malloc(INSERT_ROWS * array_bytes(dims));
    s->vector = malloc((size_t)dims * sizeof *s->vector);
    if (!s->insert_sql)
        s->insert_sql = malloc(INSERT_SQL_CAP);
    if (!s->arrays || !s->vector || !s->insert_sql)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* One round trip for the whole chunk; the stored text is hashed here, the model is the claim. */
static int pg_lookup(store *base, const int64_t *ids, size_t n, store_lookup *out, char err[SV_ERR_LEN])
{
    pg_store *s = (pg_store *)base;
    memset(out, 0, n * sizeof *out);
    int has_table = 0;
    if (n == 0)
        return 0;
    int rc = relation_exists(s, "sample_embeddings", &has_table, err);
    if (rc || !has_table)
        return rc;
    char *list = malloc(n * 22 + 3);
    if (!list)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    size_t o = 0;
    list[o++] = '{';
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(list + o, "%s%lld", i ? "," : "", (long long)ids[i]);
    list[o++] = '}';
    list[o] = '\0';
    const char *params[1] = {list};
    PGresult *res = run(s,
                        "SELECT sample_id::int8, embedding_source FROM sample_embeddings"
                        " WHERE sample_id = ANY($1::int8[])",
                        1, params, 1, "look samples up in sample_embeddings", err);
    free(list);
    if (!res)
        return SV_EXIT_DATA;
    /* chunk ids come in id order; a sorted copy makes each answer a binary search anyway */
    int64_t *sorted = malloc(n * sizeof *sorted);
    if (!sorted) {
        PQclear(res);
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    }
    memcpy(sorted, ids, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_id);
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
        if (!bsearch(&id, sorted, n, sizeof *sorted, cmp_id))
            continue;
        for (size_t i = 0; i < n; i++) { /* every position holding that id (ids may repeat) */
            if (ids[i] != id)
                continue;
            out[i].present = 1;
            if (!PQgetisnull(res, r, 1))
                hash_source_hex(PQgetvalue(res, r, 1), out[i].source_hash);
            snprintf(out[i].model, sizeof out[i].model, "%s", s->claim.model);
        }
    }
    free(sorted);
    PQclear(res);
    return 0;
}

static int pg_upsert(store *base, const store_row *rows, size_t n, char err[SV_ERR_LEN])
{
    pg_store *s = (pg_store *)base;
    if (!s->writable || !s->arrays)
        return sv_fail(err, SV_EXIT_DATA, "store %s: upsert before prepare", base->location);
    int rc = exec_ok(s, "BEGIN", "write a batch", err);
    if (rc)
        return rc;
    PGresult *res;
    if ((rc = lease_check_renew(s, err)))
        goto rollback;
    const char *values[3 * INSERT_ROWS];
    int lengths[3 * INSERT_ROWS], formats[3 * INSERT_ROWS];
    Oid types[3 * INSERT_ROWS];
    char ids[INSERT_ROWS][24];
    for (size_t off = 0; off < n; off += INSERT_ROWS) {
        size_t k = n - off < INSERT_ROWS ? n - off : INSERT_ROWS;
        for (size_t j = 0; j < k; j++) {
            const store_row *r = &rows[off + j];
            unsigned char *arr = s->arrays + j * array_bytes(base->dims);
            snprintf(ids[j], sizeof ids[j], "%lld", (long long)r->sample_id);
            encode_array(r->vector, base->dims, arr);
            values[3 * j] = ids[j];
            values[3 * j + 1] = (const char *)arr;
            values[3 * j + 2] = r->source;
            lengths[3 * j] = lengths[3 * j + 2] = 0;
            lengths[3 * j + 1] = (int)array_bytes(base->dims);
            formats[3 * j] = formats[3 * j + 2] = 0;
            formats[3 * j + 1] = 1;
            types[3 * j] = INT8_OID;
            types[3 * j + 1] = FLOAT8_ARRAY_OID;
            types[3 * j + 2] = TEXT_OID;
        }
        build_insert(s, k);
        res = PQexecParams(s->c->conn, s->insert_sql, (int)(3 * k), types, values, lengths, formats, 0);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = strcmp(pgconn_sqlstate(res), "55P03") == 0
                     ? sv_fail(err, SV_EXIT_DATA,
                               "PostgreSQL %s: another session (the app?) held a lock samplevec "
                               "needed to store vectors for %.1f s; nothing of this batch was "
                               "written: run the same command again with --resume to finish",
                               s->c->where, s->busy_s)
                     : pgconn_fail(s->c, res, SV_EXIT_DATA, "cannot store vectors", err);
            PQclear(res);
            goto rollback;
        }
        PQclear(res);
    }
    if ((rc = exec_ok(s, "COMMIT", "commit a batch", err)))
        goto rollback;
    return 0;
rollback:
    PQclear(PQexec(s->c->conn, "ROLLBACK"));
    return rc;
}

static const char *text_or_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int pg_scan(store *base, store_scan_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    pg_store *s = (pg_store *)base;
    int rc = read_claim(s, err);
    if (rc)
        return rc;
    int dims = s->claim.dims, has_table;
    if (!dims || (rc = relation_exists(s, "sample_embeddings", &has_table, err)) || !has_table)
        return rc;
    float *vector = realloc(s->vector, (size_t)dims * sizeof *vector);
    if (!vector)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    s->vector = vector;
    const char *sql =
        s->has_vibe
            ? "SELECT e.sample_id::int8, e.vibe_vector, s.title::text, s.genre::text, s.bpm::float8,"
              " s.musical_key::text, v.mood_primary::text, v.mood_secondary::text,"
              " v.energy_level::float8, e.embedding_source::text"
              " FROM sample_embeddings AS e JOIN samples AS s ON s.id = e.sample_id"
              " LEFT JOIN vibe_analyses AS v ON v.sample_id = e.sample_id ORDER BY e.sample_id"
            : "SELECT e.sample_id::int8, e.vibe_vector, s.title::text, s.genre::text, s.bpm::float8,"
              " s.musical_key::text, NULL::text, NULL::text, NULL::float8, e.embedding_source::text"
              " FROM sample_embeddings AS e"
              " JOIN samples AS s ON s.id = e.sample_id ORDER BY e.sample_id";
    /* streamed a row at a time in binary: the vectors never sit in memory all at once */
    if (!PQsendQueryParams(s->c->conn, sql, 0, NULL, NULL, NULL, NULL, 1) ||
        !PQsetSingleRowMode(s->c->conn))
        return pgconn_fail(s->c, NULL, SV_EXIT_DATA, "cannot read sample_embeddings", err);
    PGresult *res;
    int stop = 0, have_last = 0;
    int64_t last = 0;
    while ((res = PQgetResult(s->c->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE && !stop && !rc) {
            store_scan_row row;
            memset(&row, 0, sizeof row);
            row.sample_id = (int64_t)get_be64((const unsigned char *)PQgetvalue(res, 0, 0));
            if (!(have_last && row.sample_id == last)) { /* one row per sample */
                have_last = 1;
                last = row.sample_id;
                long got = -1;
                if (PQgetisnull(res, 0, 1) ||
                    decode_array((const unsigned char *)PQgetvalue(res, 0, 1), PQgetlength(res, 0, 1),
                                 dims, vector, &got) != 0) {
                    rc = sv_fail(err, SV_EXIT_DATA,
                                 "PostgreSQL %s: sample %lld's vibe_vector holds %ld numbers, "
                                 "expected %d: re-embed with --reset",
                                 s->c->where, (long long)row.sample_id, got, dims);
                } else {
                    row.vector = vector;
                    row.title = text_or_null(res, 0, 2);
                    row.genre = text_or_null(res, 0, 3);
                    if ((row.has_bpm = !PQgetisnull(res, 0, 4)))
                        row.bpm = get_float8((const unsigned char *)PQgetvalue(res, 0, 4));
                    row.musical_key = text_or_null(res, 0, 5);
                    row.mood_primary = text_or_null(res, 0, 6);
                    row.mood_secondary = text_or_null(res, 0, 7);
                    if ((row.has_energy = !PQgetisnull(res, 0, 8)))
                        row.energy_level = get_float8((const unsigned char *)PQgetvalue(res, 0, 8));
                    row.source = text_or_null(res, 0, 9); /* text in binary: its UTF-8 bytes */
                    stop = fn(&row, ctx) != 0;
                }
            }
        } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && !rc) {
            rc = pgconn_fail(s->c, res, SV_EXIT_DATA, "cannot read sample_embeddings", err);
        }
        PQclear(res); /* the rest is drained: the connection stays usable */
    }
    return rc;
}

/* Any commit anywhere in the cluster changes the snapshot (a transaction that was running
 * leaves its in-progress list, a new one moves xmax), and nothing else does: an exact token
 * at the cost of one tiny query. */
static int pg_fingerprint(store *base, char out[STORE_FINGERPRINT_LEN], char err[SV_ERR_LEN])
{
    pg_store *s = (pg_store *)base;
    out[0] = '\0';
    PGresult *res = run(s, "SELECT current_database(), pg_current_snapshot()::text", 0, NULL, 1,
                        "read the snapshot", err);
    if (!res)
        return SV_EXIT_DATA;
    int n = snprintf(out, STORE_FINGERPRINT_LEN, "pg:%s:%s", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
    PQclear(res);
    if (n < 0 || n >= STORE_FINGERPRINT_LEN)
        out[0] = '\0'; /* a long list of transactions in progress: no reusable cache this time */
    return 0;
}

static int pg_backup(store *base, char path[STORE_BACKUP_PATH_LEN], int *made, char err[SV_ERR_LEN])
{
    (void)base;
    path[0] = '\0';
    *made = -1;
    snprintf(err, SV_ERR_LEN, "none made by samplevec (a PostgreSQL database is backed up with "
                              "pg_dump; samplevec writes only sample_embeddings and samplevec_meta)");
    return 0;
}

/* Every stored id, orphans included (no join). */
static int pg_scan_ids(store *base, store_id_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    pg_store *s = (pg_store *)base;
    int has_table, rc = relation_exists(s, "sample_embeddings", &has_table, err);
    if (rc || !has_table)
        return rc;
    PGresult *res = run(s, "SELECT sample_id::int8 FROM sample_embeddings ORDER BY sample_id", 0, NULL, 1,
                        "list the ids in sample_embeddings", err);
    if (!res)
        return SV_EXIT_DATA;
    for (int r = 0; r < PQntuples(res); r++)
        if (fn(strtoll(PQgetvalue(res, r, 0), NULL, 10), ctx))
            break;
    PQclear(res);
    return 0;
}

static int pg_remove(store *base, const int64_t *ids, size_t n, char err[SV_ERR_LEN])
{
    pg_store *s = (pg_store *)base;
    if (!s->writable || !s->arrays)
        return sv_fail(err, SV_EXIT_DATA, "store %s: remove before prepare", base->location);
    char *list = malloc(n * 22 + 3);
    if (!list)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    size_t o = 0;
    list[o++] = '{';
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(list + o, "%s%lld", i ? "," : "", (long long)ids[i]);
    list[o++] = '}';
    list[o] = '\0';
    int rc = exec_ok(s, "BEGIN", "remove the vectors of deleted samples", err);
    if (!rc && !(rc = lease_check_renew(s, err))) {
        const char *params[1] = {list};
        PGresult *res = run(s, "DELETE FROM sample_embeddings WHERE sample_id = ANY($1::int8[])", 1, params, 0,
                            "remove the vectors of deleted samples", err);
        rc = res ? exec_ok(s, "COMMIT", "commit the removal of deleted samples' vectors", err) : SV_EXIT_DATA;
        PQclear(res);
    }
    if (rc)
        PQclear(PQexec(s->c->conn, "ROLLBACK"));
    free(list);
    return rc;
}

static void pg_close(store *base)
{
    pg_store *s = (pg_store *)base;
    if (s->leased && s->c) { /* release the lease, if it is still ours */
        char held[STORE_WRITER_LEN], err[SV_ERR_LEN];
        PQclear(PQexec(s->c->conn, "ROLLBACK")); /* whatever a failed write left open */
        if (exec_ok(s, "BEGIN", "release the lease", err) == 0) {
            if (meta_lock(s, err) == 0 && meta_read(s, STORE_WRITER_KEY, held, sizeof held, err) == 0 &&
                store_writer_is_mine(held))
                PQclear(PQexec(s->c->conn, "DELETE FROM samplevec_meta WHERE key = '" STORE_WRITER_KEY "'"));
            PQclear(PQexec(s->c->conn, "COMMIT"));
        }
    }
    pgconn_close(s->c);
    free(s->arrays);
    free(s->insert_sql);
    free(s->vector);
    free(s);
}

static const store_vtable pg_vtable = {
    .meta = pg_meta,
    .prepare = pg_prepare,
    .lookup = pg_lookup,
    .upsert = pg_upsert,
    .scan = pg_scan,
    .close = pg_close,
    .vector_index = NULL, /* the app's layout has none */
    .fingerprint = pg_fingerprint,
    .knn = NULL, /* search runs its own engine over scan */
    .scan_ids = pg_scan_ids,
    .remove = pg_remove,
    .keyword = NULL, /* no index of its own: search keeps its derived keyword cache */
    .backup = pg_backup,
};

store *store_app_pg_open(const char *url, store_mode mode, int *exit_code, char err[SV_ERR_LEN])
{
    pg_store *s = calloc(1, sizeof *s);
    if (!s) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    s->base.vt = &pg_vtable;
    s->base.app_database = 1;
    s->mode = mode;
    s->busy_s = BUSY_TIMEOUT_DEFAULT_S;
    const char *timeout = getenv("SAMPLEVEC_BUSY_TIMEOUT");
    if (timeout && *timeout) {
        char *end;
        double v = strtod(timeout, &end);
        if (end != timeout && !*end && v >= 0 && v <= 3600)
            s->busy_s = v;
    }
    if (!(s->c = pgconn_open(url, 1, err))) {
        *exit_code = SV_EXIT_DATA;
        free(s);
        return NULL;
    }
    snprintf(s->base.location, sizeof s->base.location, "%s", s->c->where);
    int has_samples, has_table, rc;
    if ((rc = relation_exists(s, "samples", &has_samples, err)) ||
        (rc = relation_exists(s, "vibe_analyses", &s->has_vibe, err)) ||
        (rc = relation_exists(s, "sample_embeddings", &has_table, err)))
        goto fail;
    if (!has_samples) {
        rc = sv_fail(err, SV_EXIT_DATA,
                     "PostgreSQL %s has no 'samples' table, so it is not the sample manager's "
                     "database: a postgresql:// store writes into the app's own database",
                     s->c->where);
        goto fail;
    }
    if ((has_table && (rc = check_layout(s, err))) || (rc = read_claim(s, err)))
        goto fail;
    s->base.dims = s->claim.dims;
    return &s->base;
fail:
    *exit_code = rc;
    pg_close(&s->base);
    return NULL;
}
