/* library_cursor_pause: between chunks the cursor holds no lock on the application's
 * database, and carries on exactly after the last sample it returned. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "library.h"

int main(void)
{
    char dir[] = "/tmp/sv_pause_XXXXXX", path[256], err[SV_ERR_LEN];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/lib.db", dir);
    sqlite3 *db;
    sqlite3_open(path, &db);
    CHECK(sqlite3_exec(db,
                       "CREATE TABLE samples(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL,"
                       " title VARCHAR NOT NULL, file_path VARCHAR NOT NULL, bpm FLOAT,"
                       " musical_key VARCHAR, genre VARCHAR, tags JSON);"
                       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<20)"
                       " INSERT INTO samples SELECT i, 1, 'loop ' || i, '/x', NULL, NULL, NULL, NULL FROM n;",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_busy_timeout(db, 0); /* a held lock would fail the writes below at once */

    idspec *sel = idspec_parse("1-5,8-12", err);
    library *lib = library_open(path, err);
    library_cursor *cur = library_cursor_new(lib, sel, NULL, err);
    int64_t seen[16];
    int n = 0;
    library_sample s;
    for (int pause_after = 0; n < 16; pause_after++) {
        int got = library_cursor_next(cur, &s, err);
        if (got != 1)
            break;
        seen[n++] = s.id;
        library_sample_clear(&s);
        if (pause_after % 2 == 0) { /* pause mid-range and at range ends alike */
            library_cursor_pause(cur);
            char sql[128];
            snprintf(sql, sizeof sql, "UPDATE samples SET title = 'edited' WHERE id = %d", 20 - n);
            CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
        }
    }
    const int64_t want[] = {1, 2, 3, 4, 5, 8, 9, 10, 11, 12};
    CHECK(n == 10);
    for (int i = 0; i < n && i < 10; i++)
        CHECK(seen[i] == want[i]);
    library_cursor_free(cur);
    library_close(lib);
    idspec_free(sel);
    sqlite3_close(db);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_summary();
}
