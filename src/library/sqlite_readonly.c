#include "sqlite_readonly.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Reads the schema: the first read is where a WAL database without its -shm file fails. */
static int probe(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        rc = rc == SQLITE_ROW ? SQLITE_OK : sqlite3_errcode(db);
    }
    sqlite3_finalize(st);
    return rc;
}

/* "file:" + path with '%', '?', '#' and non-printing bytes escaped + "?immutable=1". Caller
 * frees; NULL when out of memory. */
static char *immutable_uri(const char *path)
{
    size_t len = strlen(path);
    char *uri = malloc(len * 3 + 32);
    if (!uri)
        return NULL;
    char *w = uri + sprintf(uri, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p == '%' || *p == '?' || *p == '#' || *p <= ' ' || *p >= 0x7f)
            w += sprintf(w, "%%%02X", *p);
        else
            *w++ = (char)*p;
    strcpy(w, "?immutable=1");
    return uri;
}

static int wal_holds_commits(const char *path)
{
    char wal[4200];
    struct stat st;
    snprintf(wal, sizeof wal, "%s-wal", path);
    return stat(wal, &st) == 0 && st.st_size > 0;
}

int sqlite_readonly_open(const char *path, sqlite3 **db, int *immutable, char why[SV_ERR_LEN])
{
    *immutable = 0;
    *db = NULL;
    int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = probe(*db);
    if (rc == SQLITE_OK)
        return rc;
    snprintf(why, SV_ERR_LEN, "%s", *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
    sqlite3_close(*db);
    *db = NULL;
    if ((rc & 0xff) != SQLITE_CANTOPEN)
        return rc;
    if (wal_holds_commits(path)) {
        snprintf(why, SV_ERR_LEN,
                 "its -wal file holds commits that cannot be read without a -shm file, which "
                 "cannot be created here (a read-only directory or filesystem): open it once "
                 "where it is writable");
        return rc;
    }
    char *uri = immutable_uri(path);
    if (!uri) {
        snprintf(why, SV_ERR_LEN, "out of memory");
        return SQLITE_NOMEM;
    }
    rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    free(uri);
    if (rc == SQLITE_OK)
        rc = probe(*db);
    if (rc == SQLITE_OK) {
        *immutable = 1;
        return rc;
    }
    snprintf(why, SV_ERR_LEN, "%s", *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
    sqlite3_close(*db);
    *db = NULL;
    return rc;
}
