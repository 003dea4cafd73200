/* library_sqlite: the sample manager's SQLite database (sp404_samples.db), read-only.
 *
 * One prepared statement walks samples (LEFT JOIN vibe_analyses) by id range in id order:
 *   SELECT s.id, s.title, s.bpm, s.musical_key, s.genre, s.tags,
 *          v.sample_id, v.mood_primary, v.mood_secondary, v.energy_level, v.texture_tags,
 *          v.characteristics
 *   FROM samples s LEFT JOIN vibe_analyses v ON v.sample_id = s.id
 *   WHERE s.id BETWEEN ?1 AND ?2 ORDER BY s.id
 * samples.id is the rowid (INTEGER PRIMARY KEY), so each range is a b-tree seek and the ORDER BY
 * costs nothing; vibe_analyses.sample_id is UNIQUE, so the join is one index probe per row.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "library_backend.h"
#include "sqlite_readonly.h"

/* How long a read waits for the application to release its lock on the database. */
#define LIBRARY_BUSY_MS 5000

struct library_backend {
    sqlite3 *db;
    char *path;
};

struct library_range {
    library_backend *b;
    sqlite3_stmt *stmt;
};

static int sql_fail(library_backend *b, char err[SV_ERR_LEN], const char *what)
{
    return sv_fail(err, SV_EXIT_DATA, "%s library '%s': %s", what, b->path, sqlite3_errmsg(b->db));
}

static int sqlite_table_columns(library_backend *b, const char *table, const char *const *want,
                                size_t n, int *found, int *exists, char err[SV_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    int rc = 0, s;
    *exists = 0;
    memset(found, 0, n * sizeof *found);
    if (sqlite3_prepare_v2(b->db, "SELECT name FROM pragma_table_info(?1)", -1, &st, NULL) != SQLITE_OK) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot read library '%s': %s (is it a SQLite database?)",
                     b->path, sqlite3_errmsg(b->db));
        goto cleanup;
    }
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        *exists = 1;
        for (size_t i = 0; name && i < n; i++)
            if (strcasecmp(name, want[i]) == 0)
                found[i] = 1;
    }
    if (s != SQLITE_DONE)
        rc = sv_fail(err, SV_EXIT_DATA, "cannot read library '%s': %s (is it a SQLite database?)",
                     b->path, sqlite3_errmsg(b->db));
cleanup:
    sqlite3_finalize(st);
    return rc;
}

static int sqlite_count(library_backend *b, int64_t lo, int64_t hi, int64_t *out, char err[SV_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(b->db, "SELECT count(*) FROM samples WHERE id BETWEEN ?1 AND ?2", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = sql_fail(b, err, "cannot count samples in");
        goto cleanup;
    }
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, hi);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = sql_fail(b, err, "cannot count samples in");
        goto cleanup;
    }
    *out = sqlite3_column_int64(st, 0);
cleanup:
    sqlite3_finalize(st);
    return rc;
}

static library_range *sqlite_range_new(library_backend *b, int has_vibe, char err[SV_ERR_LEN])
{
    library_range *r = calloc(1, sizeof *r);
    if (!r) {
        sv_fail(err, SV_EXIT_DATA, "out of memory reading library '%s'", b->path);
        return NULL;
    }
    r->b = b;
    const char *sql =
        has_vibe ? "SELECT s.id, s.title, s.bpm, s.musical_key, s.genre, s.tags, v.sample_id, "
                   "v.mood_primary, v.mood_secondary, v.energy_level, v.texture_tags, "
                   "v.characteristics FROM samples AS s LEFT JOIN vibe_analyses AS v "
                   "ON v.sample_id = s.id WHERE s.id BETWEEN ?1 AND ?2 ORDER BY s.id"
                 : "SELECT s.id, s.title, s.bpm, s.musical_key, s.genre, s.tags, NULL, NULL, NULL, "
                   "NULL, NULL, NULL FROM samples AS s WHERE s.id BETWEEN ?1 AND ?2 ORDER BY s.id";
    if (sqlite3_prepare_v2(b->db, sql, -1, &r->stmt, NULL) != SQLITE_OK) {
        sql_fail(b, err, "cannot read samples from");
        free(r);
        return NULL;
    }
    return r;
}

static int sqlite_range_start(library_range *r, int64_t lo, int64_t hi, char err[SV_ERR_LEN])
{
    (void)err;
    sqlite3_reset(r->stmt);
    sqlite3_bind_int64(r->stmt, 1, lo);
    sqlite3_bind_int64(r->stmt, 2, hi);
    return 0;
}

static int sqlite_range_step(library_range *r, library_row *row, char err[SV_ERR_LEN])
{
    int s = sqlite3_step(r->stmt);
    if (s == SQLITE_DONE)
        return 0;
    if (s == SQLITE_BUSY || s == SQLITE_LOCKED)
        return sv_fail(err, SV_EXIT_DATA,
                       "library '%s' is locked by another program (the sample manager "
                       "writing to it?) and stayed locked for %d s: everything up to here is "
                       "saved; run the same command again with --resume to finish",
                       r->b->path, LIBRARY_BUSY_MS / 1000);
    if (s != SQLITE_ROW)
        return sql_fail(r->b, err, "cannot read samples from");
    row->id = sqlite3_column_int64(r->stmt, 0);
    for (int i = 0; i < LIBRARY_N_COLS; i++) {
        library_cell *c = &row->cells[i];
        memset(c, 0, sizeof *c);
        int type = sqlite3_column_type(r->stmt, i);
        if (type == SQLITE_NULL)
            continue;
        if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
            c->is_number = 1;
            c->number = sqlite3_column_double(r->stmt, i);
            if (i == LIBRARY_COL_ID || i == LIBRARY_COL_BPM || i == LIBRARY_COL_VIBE_ID ||
                i == LIBRARY_COL_ENERGY)
                continue; /* numeric columns: the number is all that is read */
        }
        /* text, blobs, and a text column holding a number: read as text */
        c->text = (const char *)sqlite3_column_text(r->stmt, i);
        c->len = (size_t)sqlite3_column_bytes(r->stmt, i);
        if (!c->text) {
            if (sqlite3_errcode(r->b->db) == SQLITE_NOMEM)
                return sv_fail(err, SV_EXIT_DATA, "out of memory reading sample %lld from library '%s'",
                               (long long)row->id, r->b->path);
            c->text = ""; /* an empty blob */
            c->len = 0;
        }
    }
    return 1;
}

static void sqlite_range_end(library_range *r)
{
    sqlite3_reset(r->stmt); /* ends the read transaction: the application may write now */
}

static void sqlite_range_free(library_range *r)
{
    if (!r)
        return;
    sqlite3_finalize(r->stmt);
    free(r);
}

static int sqlite_ids(library_backend *b, int64_t **out, size_t *n, char err[SV_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int step, rc = 0;
    if (sqlite3_prepare_v2(b->db, "SELECT id FROM samples ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 4096;
            int64_t *grown = realloc(*out, nc * sizeof *grown);
            if (!grown) {
                rc = sv_fail(err, SV_EXIT_DATA, "out of memory reading the ids of library '%s'", b->path);
                goto cleanup;
            }
            *out = grown;
            cap = nc;
        }
        (*out)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (step == SQLITE_DONE)
        goto cleanup;
sqlfail:
    rc = sql_fail(b, err, "cannot read the ids of");
cleanup:
    sqlite3_finalize(st);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static int sqlite_file_path(library_backend *b, int64_t id, char **out, char err[SV_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(b->db, "SELECT file_path FROM samples WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        rc = 1;
        if (t && !(*out = strdup(t)))
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
    } else if (s != SQLITE_DONE) {
        goto sqlfail;
    }
    goto cleanup;
sqlfail:
    rc = sql_fail(b, err, "cannot read samples.file_path from");
cleanup:
    sqlite3_finalize(st);
    return rc;
}

static int sqlite_values(library_backend *b, const char *sql, library_backend_value_fn fn, void *ctx,
                         char err[SV_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    int rc = 0, s = SQLITE_ERROR;
    if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (v && fn(v, sqlite3_column_int64(st, 1), ctx))
            break;
    }
    if (s == SQLITE_ROW || s == SQLITE_DONE)
        goto cleanup;
sqlfail:
    rc = sql_fail(b, err, "cannot read the values of");
cleanup:
    sqlite3_finalize(st);
    return rc;
}

static void sqlite_close(library_backend *b)
{
    if (!b)
        return;
    sqlite3_close(b->db);
    free(b->path);
    free(b);
}

static const library_backend_ops sqlite_ops = {
    .table_columns = sqlite_table_columns,
    .count = sqlite_count,
    .range_new = sqlite_range_new,
    .range_start = sqlite_range_start,
    .range_step = sqlite_range_step,
    .range_end = sqlite_range_end,
    .range_free = sqlite_range_free,
    .ids = sqlite_ids,
    .file_path = sqlite_file_path,
    .values = sqlite_values,
    .close = sqlite_close,
};

library_backend *library_sqlite_open(const char *path, const library_backend_ops **ops,
                                     char err[SV_ERR_LEN])
{
    library_backend *b = calloc(1, sizeof *b);
    if (!b || !(b->path = strdup(path))) {
        sv_fail(err, SV_EXIT_DATA, "out of memory opening library '%s'", path);
        goto fail;
    }
    /* SQLite's own messages for these ("unable to open database file", "disk I/O error") do
     * not say what is wrong; a stat first does. */
    struct stat st;
    if (stat(path, &st) != 0) {
        sv_fail(err, SV_EXIT_DATA, "cannot open library '%s': %s (check --library)", path,
                strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        sv_fail(err, SV_EXIT_DATA,
                "cannot open library '%s': it is a directory (give the sp404_samples.db file)", path);
        goto fail;
    }
    /* READONLY: samplevec never writes to the application's database through the library.
     * "immutable" only where nothing can write (sqlite_readonly.h): the application may be
     * writing while we read, and immutable would skip its locks. */
    char why[SV_ERR_LEN];
    int immutable;
    int orc = sqlite_readonly_open(path, &b->db, &immutable, why);
    if (orc != SQLITE_OK) {
        if ((orc & 0xff) == SQLITE_NOTADB)
            sv_fail(err, SV_EXIT_DATA, "cannot read library '%s': %s (is it a SQLite database? "
                                       "check --library)",
                    path, why);
        else
            sv_fail(err, SV_EXIT_DATA, "cannot open library '%s': %s (check --library)", path, why);
        goto fail;
    }
    sqlite3_busy_timeout(b->db, LIBRARY_BUSY_MS);
    sqlite3_exec(b->db, "PRAGMA query_only=1", NULL, NULL, NULL);
    *ops = &sqlite_ops;
    return b;
fail:
    sqlite_close(b);
    return NULL;
}
