#include "kwcache.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kwindex.h"

struct kwcache {
    sqlite3 *db;
    char fingerprint[STORE_FINGERPRINT_LEN];
};

void kwcache_free(kwcache *c)
{
    if (!c)
        return;
    sqlite3_close(c->db);
    free(c);
}

int kwcache_fingerprint_is(const kwcache *c, const char *fp)
{
    return fp[0] && strcmp(c->fingerprint, fp) == 0;
}

int kwcache_query(kwcache *c, const char *text, size_t limit, query_keyword_hits *out, size_t *n_tokens,
                  char err[SV_ERR_LEN])
{
    return kwindex_query(c->db, text, limit, out, n_tokens, err);
}

/* An existing cache file, opened read-only, if it was built at fp. */
static sqlite3 *open_current(const char *path, const char *fp)
{
    sqlite3 *db = NULL;
    char why[SV_ERR_LEN];
    if (access(path, R_OK) != 0 || sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        kwindex_register(db, why) != 0 || !kwindex_exists(db)) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_stmt *st;
    int current = 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM kwcache_meta WHERE key='fingerprint'", -1, &st, NULL) == SQLITE_OK) {
        current = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
                  strcmp((const char *)sqlite3_column_text(st, 0), fp) == 0;
        sqlite3_finalize(st);
    }
    if (!current) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

typedef struct build_ctx {
    kwindex_writer *w;
    int rc;
    char *err;
} build_ctx;

static int add_row(const store_scan_row *row, void *ctx)
{
    build_ctx *b = ctx;
    b->rc = kwindex_writer_put(b->w, row->sample_id, NULL, row->source, b->err);
    return b->rc;
}

static int exec(sqlite3 *db, const char *sql, char err[SV_ERR_LEN])
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    return sv_fail(err, SV_EXIT_DATA, "keyword cache: %s", sqlite3_errmsg(db));
}

/* Fills db (empty) from the store; stamps fp. *store_failed = 1 when the store (not the
 * cache) was the one that failed. */
static int build(sqlite3 *db, store *s, const char *fp, int *store_failed, char err[SV_ERR_LEN])
{
    int rc;
    if ((rc = kwindex_register(db, err)) || (rc = exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", err)) ||
        (rc = exec(db, "BEGIN", err)) || (rc = kwindex_create(db, err)) ||
        (rc = exec(db, "CREATE TABLE kwcache_meta(key TEXT PRIMARY KEY, value TEXT)", err)))
        return rc;
    build_ctx b = {kwindex_writer_new(db, err), 0, err};
    if (!b.w)
        return SV_EXIT_DATA;
    *store_failed = 0;
    if ((rc = store_scan(s, add_row, &b, err)))
        *store_failed = 1;
    else
        rc = b.rc;
    kwindex_writer_free(b.w);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO kwcache_meta VALUES('fingerprint', ?1)", -1, &st, NULL) != SQLITE_OK)
        return sv_fail(err, SV_EXIT_DATA, "keyword cache: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : sv_fail(err, SV_EXIT_DATA, "keyword cache: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc ? rc : exec(db, "COMMIT", err);
}

static sqlite3 *build_in_memory(store *s, const char *fp, int *exit_code, char err[SV_ERR_LEN])
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    int store_failed;
    if ((*exit_code = build(db, s, fp, &store_failed, err))) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* Builds "<path>.tmp.<pid>" and renames it over path. NULL (and nothing left behind) when the
 * directory cannot be written or the build fails; *exit_code is set only for a store error. */
static sqlite3 *build_file(store *s, const char *path, const char *fp, int *exit_code, char err[SV_ERR_LEN])
{
    char tmp[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    sqlite3 *db = NULL;
    *exit_code = 0;
    if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        unlink(tmp);
        return NULL;
    }
    int store_failed = 0;
    int rc = build(db, s, fp, &store_failed, err);
    sqlite3_close(db);
    db = NULL;
    if (rc || rename(tmp, path) != 0) {
        unlink(tmp);
        if (store_failed) /* the store failed, not the file: no point trying in memory */
            *exit_code = rc;
        return NULL;
    }
    return open_current(path, fp);
}

kwcache *kwcache_for_store(store *s, const char *fp, int use_file, int *exit_code, char err[SV_ERR_LEN])
{
    kwcache *c = calloc(1, sizeof *c);
    if (!c) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    snprintf(c->fingerprint, sizeof c->fingerprint, "%s", fp);
    /* The stamp written into the file: the store's fingerprint and the index format. */
    char stamp[STORE_FINGERPRINT_LEN + 32];
    snprintf(stamp, sizeof stamp, "%s format %s", fp, KWINDEX_FORMAT);
    char path[PATH_MAX + 16];
    int named = use_file && !store_is_remote(s->location) && s->location[0] &&
                snprintf(path, sizeof path, "%s.kwcache", s->location) < (int)sizeof path;
    *exit_code = 0;
    if (named && !(c->db = open_current(path, stamp)))
        c->db = build_file(s, path, stamp, exit_code, err);
    if (!c->db && !*exit_code)
        c->db = build_in_memory(s, stamp, exit_code, err);
    if (!c->db) {
        kwcache_free(c);
        return NULL;
    }
    return c;
}
