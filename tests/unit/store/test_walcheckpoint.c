#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "walcheckpoint.h"

static char dir[] = "/tmp/sv_walckpt_XXXXXX";

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* Commits on a connection whose checkpoints run on the thread: the log is copied into the file
 * while the writer goes on, stays within its bound, and nothing is lost. */
static void test_checkpoints_off_the_writer(void)
{
    char path[256], wal[300], err[SV_ERR_LEN];
    snprintf(path, sizeof path, "%s/w.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                           "CREATE TABLE t(x BLOB);",
                       NULL, NULL, NULL) == SQLITE_OK);
    const int pages = 8;
    wal_checkpointer *c = wal_checkpointer_start(db, path, pages, err);
    CHECK(c != NULL);
    long long wal_max = 0;
    const int commits = 300, rows_each = 3;
    for (int i = 0; i < commits; i++) {
        CHECK(sqlite3_exec(db, "BEGIN; INSERT INTO t VALUES(randomblob(3000)), (randomblob(3000)), (randomblob(3000)); COMMIT;",
                           NULL, NULL, NULL) == SQLITE_OK);
        long long w = file_size(wal);
        if (w > wal_max)
            wal_max = w;
    }
    /* Unbounded, the log would hold every commit (≥ 3 pages each: ≥ 900 frames); SQLite's own
     * checkpoints would let it reach 1,000 frames. Bounded: 4 × 8 pages, plus the commit that
     * crossed the bound and the one the thread had not copied yet. */
    long long frame = 4096 + 24;
    CHECK(wal_max > 0 && wal_max <= 32 + 64 * frame);
    CHECK(wal_checkpointer_passes(c) > 0);
    /* the file holds the copied pages while the writer still has the log open */
    CHECK(file_size(path) > 100 * 4096);
    wal_checkpointer_stop(c);
    CHECK(sqlite3_close(db) == SQLITE_OK);

    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *q = NULL;
    CHECK(sqlite3_prepare_v2(db, "SELECT count(*), (SELECT integrity_check FROM pragma_integrity_check) FROM t", -1,
                             &q, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(q) == SQLITE_ROW);
    CHECK(sqlite3_column_int(q, 0) == commits * rows_each);
    CHECK_STR_EQ((const char *)sqlite3_column_text(q, 1), "ok");
    sqlite3_finalize(q);
    sqlite3_close(db);
}

/* A file the thread cannot open: no checkpointer, and why (the writer keeps SQLite's own). */
static void test_cannot_start(void)
{
    char err[SV_ERR_LEN] = "";
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CHECK(wal_checkpointer_start(db, "/nonexistent-dir/x.db", 8, err) == NULL);
    CHECK(strstr(err, "/nonexistent-dir/x.db") != NULL);
    wal_checkpointer_stop(NULL); /* a no-op */
    sqlite3_close(db);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    test_checkpoints_off_the_writer();
    test_cannot_start();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_summary();
}
