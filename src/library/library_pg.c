/* library_pg: the sample manager's tables in PostgreSQL (the app's production setup), read-only.
 *
 * The same columns as in SQLite (library.h); JSON and numeric columns are read as text
 * (float8's text is the shortest exact form since PostgreSQL 12) and parsed by library.c like
 * SQLite's. An id range is read a page at a time, each page its own statement:
 *   SELECT s.id::int8, s.title::text, s.bpm::text, … FROM samples AS s
 *   LEFT JOIN vibe_analyses AS v ON v.sample_id = s.id
 *   WHERE s.id BETWEEN $1 AND $2 ORDER BY s.id LIMIT 1000
 * and the next page starts after the last id, so no transaction or snapshot is held between
 * pages (the app writes freely, vacuum is never held back) and memory stays at one page.
 * The session is read-only (default_transaction_read_only): nothing can be written through it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "library_backend.h"
#include "pgconn.h"

#define PAGE_ROWS 1000

struct library_backend {
    pgconn *c;
};

struct library_range {
    library_backend *b;
    const char *sql;
    int64_t lo, hi;    /* what is left of the range being read */
    PGresult *page;    /* the current page, NULL before the first */
    int row, rows;     /* next row of the page, rows in it */
    int done;          /* the range has no more pages */
};

static PGresult *query(library_backend *b, const char *sql, int n, const char *const *params,
                       const char *what, char err[SV_ERR_LEN])
{
    PGresult *res = PQexecParams(b->c->conn, sql, n, NULL, params, NULL, NULL, 0);
    if (res && PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    pgconn_fail(b->c, res, SV_EXIT_DATA, what, err);
    PQclear(res);
    return NULL;
}

static int pg_table_columns(library_backend *b, const char *table, const char *const *want, size_t n,
                            int *found, int *exists, char err[SV_ERR_LEN])
{
    *exists = 0;
    memset(found, 0, n * sizeof *found);
    const char *params[1] = {table};
    PGresult *res = query(b,
                          "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1::text)"
                          " AND attnum > 0 AND NOT attisdropped",
                          1, params, "cannot read the library's tables", err);
    if (!res)
        return SV_EXIT_DATA;
    for (int r = 0; r < PQntuples(res); r++) {
        const char *name = PQgetvalue(res, r, 0);
        *exists = 1;
        for (size_t i = 0; i < n; i++)
            if (strcasecmp(name, want[i]) == 0)
                found[i] = 1;
    }
    PQclear(res);
    return 0;
}

static void int64_text(int64_t v, char out[24]) { snprintf(out, 24, "%lld", (long long)v); }

static int pg_count(library_backend *b, int64_t lo, int64_t hi, int64_t *out, char err[SV_ERR_LEN])
{
    char lo_text[24], hi_text[24];
    int64_text(lo, lo_text);
    int64_text(hi, hi_text);
    const char *params[2] = {lo_text, hi_text};
    PGresult *res = query(b, "SELECT count(*) FROM samples WHERE id BETWEEN $1::int8 AND $2::int8", 2,
                          params, "cannot count samples", err);
    if (!res)
        return SV_EXIT_DATA;
    *out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

#define PAGE_SQL(join, vibe_cols)                                                           \
    "SELECT s.id::int8, s.title::text, s.bpm::text, s.musical_key::text, s.genre::text,"     \
    " s.tags::text, " vibe_cols " FROM samples AS s " join                                    \
    " WHERE s.id BETWEEN $1::int8 AND $2::int8 ORDER BY s.id LIMIT 1000"

static library_range *pg_range_new(library_backend *b, int has_vibe, char err[SV_ERR_LEN])
{
    library_range *r = calloc(1, sizeof *r);
    if (!r) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    r->b = b;
    r->done = 1;
    r->sql = has_vibe ? PAGE_SQL("LEFT JOIN vibe_analyses AS v ON v.sample_id = s.id",
                                 "v.sample_id::int8, v.mood_primary::text, v.mood_secondary::text,"
                                 " v.energy_level::text, v.texture_tags::text, v.characteristics::text")
                      : PAGE_SQL("", "NULL, NULL, NULL, NULL, NULL, NULL");
    return r;
}

static void pg_range_end(library_range *r)
{
    PQclear(r->page);
    r->page = NULL;
    r->row = r->rows = 0;
    r->done = 1;
}

static int pg_range_start(library_range *r, int64_t lo, int64_t hi, char err[SV_ERR_LEN])
{
    (void)err;
    pg_range_end(r);
    r->lo = lo;
    r->hi = hi;
    r->done = 0;
    return 0;
}

static int pg_range_step(library_range *r, library_row *row, char err[SV_ERR_LEN])
{
    if (r->row >= r->rows) {
        int full = r->page && r->rows == PAGE_ROWS;
        if (r->done || (r->page && !full)) {
            r->done = 1;
            return 0;
        }
        if (r->page) { /* the next page starts after the last id read */
            int64_t last = strtoll(PQgetvalue(r->page, r->rows - 1, 0), NULL, 10);
            PQclear(r->page);
            r->page = NULL;
            if (last >= r->hi) {
                r->done = 1;
                return 0;
            }
            r->lo = last + 1;
        }
        char lo_text[24], hi_text[24];
        int64_text(r->lo, lo_text);
        int64_text(r->hi, hi_text);
        const char *params[2] = {lo_text, hi_text};
        if (!(r->page = query(r->b, r->sql, 2, params, "cannot read samples", err)))
            return SV_EXIT_DATA;
        r->rows = PQntuples(r->page);
        r->row = 0;
        if (r->rows == 0) {
            r->done = 1;
            return 0;
        }
    }
    PGresult *p = r->page;
    int i = r->row++;
    row->id = strtoll(PQgetvalue(p, i, 0), NULL, 10);
    for (int col = 0; col < LIBRARY_N_COLS; col++) {
        library_cell *c = &row->cells[col];
        memset(c, 0, sizeof *c);
        if (!PQgetisnull(p, i, col)) {
            c->text = PQgetvalue(p, i, col);
            c->len = (size_t)PQgetlength(p, i, col);
        }
    }
    return 1;
}

static void pg_range_free(library_range *r)
{
    if (!r)
        return;
    PQclear(r->page);
    free(r);
}

/* Every id in one result: 8 bytes a sample in memory once parsed (the result is freed after). */
static int pg_ids(library_backend *b, int64_t **out, size_t *n, char err[SV_ERR_LEN])
{
    PGresult *res = query(b, "SELECT id::int8 FROM samples ORDER BY id", 0, NULL,
                          "cannot read the ids of the library", err);
    if (!res)
        return SV_EXIT_DATA;
    int rows = PQntuples(res);
    if (rows > 0 && !(*out = malloc((size_t)rows * sizeof **out))) {
        PQclear(res);
        return sv_fail(err, SV_EXIT_DATA, "out of memory reading the ids of library '%s'", b->c->where);
    }
    for (int i = 0; i < rows; i++)
        (*out)[i] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
    *n = (size_t)rows;
    PQclear(res);
    return 0;
}

static int pg_file_path(library_backend *b, int64_t id, char **out, char err[SV_ERR_LEN])
{
    char id_text[24];
    int64_text(id, id_text);
    const char *params[1] = {id_text};
    PGresult *res = query(b, "SELECT file_path::text FROM samples WHERE id = $1::int8", 1, params,
                          "cannot read samples.file_path", err);
    if (!res)
        return SV_EXIT_DATA;
    int rc = 0;
    if (PQntuples(res) > 0) {
        rc = 1;
        if (!PQgetisnull(res, 0, 0) && !(*out = strdup(PQgetvalue(res, 0, 0))))
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
    }
    PQclear(res);
    return rc;
}

static int pg_values(library_backend *b, const char *sql, library_backend_value_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    PGresult *res = query(b, sql, 0, NULL, "cannot read the values of the library", err);
    if (!res)
        return SV_EXIT_DATA;
    for (int i = 0; i < PQntuples(res); i++)
        if (!PQgetisnull(res, i, 0) && fn(PQgetvalue(res, i, 0), strtoll(PQgetvalue(res, i, 1), NULL, 10), ctx))
            break;
    PQclear(res);
    return 0;
}

static void pg_close(library_backend *b)
{
    if (!b)
        return;
    pgconn_close(b->c);
    free(b);
}

static const library_backend_ops pg_ops = {
    .table_columns = pg_table_columns,
    .count = pg_count,
    .range_new = pg_range_new,
    .range_start = pg_range_start,
    .range_step = pg_range_step,
    .range_end = pg_range_end,
    .range_free = pg_range_free,
    .ids = pg_ids,
    .file_path = pg_file_path,
    .values = pg_values,
    .close = pg_close,
};

library_backend *library_pg_open(const char *url, const library_backend_ops **ops, char where[1024],
                                 char err[SV_ERR_LEN])
{
    pgconn_redact(url, where, 1024);
    library_backend *b = calloc(1, sizeof *b);
    if (!b) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    if (!(b->c = pgconn_open(url, 1, err))) {
        free(b);
        return NULL;
    }
    *ops = &pg_ops;
    return b;
}
