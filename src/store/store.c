#include "store.h"

#include <string.h>

#define APP_PREFIX "app:"

int store_is_postgres(const char *location)
{
    return strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "postgres://", 11) == 0;
}

int store_is_remote(const char *location)
{
    return strncmp(location, "libsql://", 9) == 0 || strncmp(location, "https://", 8) == 0 ||
           strncmp(location, "http://", 7) == 0 || store_is_postgres(location);
}

const char *store_local_path(const char *location)
{
    if (store_is_remote(location))
        return NULL;
    return strncmp(location, APP_PREFIX, strlen(APP_PREFIX)) == 0 ? location + strlen(APP_PREFIX)
                                                                  : location;
}

store *store_open(const char *location, int must_exist, int *exit_code, char err[SV_ERR_LEN])
{
    if (store_is_postgres(location))
        return store_app_pg_open(location, exit_code, err);
    if (store_is_remote(location))
        return store_turso_open(location, exit_code, err);
    if (strncmp(location, APP_PREFIX, strlen(APP_PREFIX)) == 0)
        return store_app_sqlite_open(location + strlen(APP_PREFIX), exit_code, err);
    /* "ftp://…", "wss://…": a URL we cannot speak, not a file name to create */
    size_t scheme = strspn(location, "abcdefghijklmnopqrstuvwxyz0123456789+.-");
    if (scheme > 0 && strncmp(location + scheme, "://", 3) == 0) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "store '%.*s://…' is not a file path nor a libsql://, https://, "
                             "http:// or postgresql:// URL",
                             (int)scheme, location);
        return NULL;
    }
    return store_sqlite_open(location, must_exist, exit_code, err);
}

void store_close(store *s)
{
    if (s)
        s->vt->close(s);
}

int store_meta_get(store *s, store_meta *out, char err[SV_ERR_LEN])
{
    return s->vt->meta(s, out, err);
}

int store_prepare(store *s, const char *provider, const char *model, int dims, int reset,
                  char err[SV_ERR_LEN])
{
    return s->vt->prepare(s, provider, model, dims, reset, err);
}

int store_lookup_ids(store *s, const int64_t *ids, size_t n, store_lookup *out, char err[SV_ERR_LEN])
{
    return s->vt->lookup(s, ids, n, out, err);
}

int store_upsert(store *s, const store_row *rows, size_t n, char err[SV_ERR_LEN])
{
    return s->vt->upsert(s, rows, n, err);
}

int store_scan(store *s, store_scan_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    return s->vt->scan(s, fn, ctx, err);
}

int store_vector_index(store *s, char err[SV_ERR_LEN])
{
    if (!s->vt->vector_index)
        return sv_fail(err, SV_EXIT_USAGE,
                       "store %s has no vector index (only libSQL servers have "
                       "libsql_vector_idx); search scans every vector exactly instead",
                       s->location);
    return s->vt->vector_index(s, err);
}

int store_fingerprint(store *s, char out[STORE_FINGERPRINT_LEN], char err[SV_ERR_LEN])
{
    out[0] = '\0';
    if (!s->vt->fingerprint)
        return 0;
    return s->vt->fingerprint(s, out, err);
}
