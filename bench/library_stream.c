/* library_stream: how fast the library reader streams samples and builds their source texts.
 * Built and run by bench/library_stream.sh against the core library; prints one line:
 *   <samples> <seconds> <source-text bytes> <malformed> <cpu seconds>
 * <seconds> is wall time; <cpu seconds> is this process's user + system time, which a loaded
 * machine inflates less (it does not count the time spent waiting for a core).
 * usage: library_stream LIBRARY.db [--no-text | --floor]
 *
 * --floor: the reader's floor. SQLite itself stepping the reader's own query (samples LEFT
 * JOIN vibe_analyses, in id order, read-only) and fetching every column's bytes, doing nothing
 * with them: what any reader built on SQLite must pay before it parses a field. Prints the
 * same line (<bytes> = the column bytes fetched, <malformed> = 0). */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "library.h"
#include "source_text.h"

static double since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* user + system CPU seconds of this process so far */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int floor_scan(const char *path)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double cpu0 = cpu_seconds();
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    /* the reader's query (src/library/library.c) over the whole id range */
    const char *sql = "SELECT s.id, s.title, s.bpm, s.musical_key, s.genre, s.tags, v.sample_id, "
                      "v.mood_primary, v.mood_secondary, v.energy_level, v.texture_tags, "
                      "v.characteristics FROM samples AS s LEFT JOIN vibe_analyses AS v "
                      "ON v.sample_id = s.id WHERE s.id BETWEEN ?1 AND ?2 ORDER BY s.id";
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return 3;
    }
    sqlite3_bind_int64(st, 1, INT64_MIN);
    sqlite3_bind_int64(st, 2, INT64_MAX);
    long long n = 0, bytes = 0;
    volatile double sink = 0;
    int r, cols = sqlite3_column_count(st);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < cols; c++) { /* each value in its stored type: no conversions */
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_INTEGER: sink += (double)sqlite3_column_int64(st, c); break;
            case SQLITE_FLOAT: sink += sqlite3_column_double(st, c); break;
            case SQLITE_TEXT: bytes += sqlite3_column_text(st, c) ? sqlite3_column_bytes(st, c) : 0; break;
            case SQLITE_BLOB: bytes += sqlite3_column_blob(st, c) ? sqlite3_column_bytes(st, c) : 0; break;
            default: break;
            }
        }
        n++;
    }
    double secs = since(&t0), cpu = cpu_seconds() - cpu0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (r != SQLITE_DONE)
        return 3;
    printf("%lld %.3f %lld 0 %.3f\n", n, secs, bytes, cpu);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (argc > 2 && strcmp(argv[2], "--floor") == 0)
        return floor_scan(argv[1]);
    int text = !(argc > 2 && strcmp(argv[2], "--no-text") == 0);
    char err[SV_ERR_LEN];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double cpu0 = cpu_seconds();
    library *lib = library_open(argv[1], err);
    library_cursor *cur = lib ? library_cursor_new(lib, NULL, NULL, err) : NULL;
    if (!cur) {
        fprintf(stderr, "%s\n", err);
        library_close(lib);
        return 3;
    }
    library_sample s;
    long long n = 0, bytes = 0, malformed = 0;
    int r;
    while ((r = library_cursor_next(cur, &s, err)) == 1) {
        if (text) {
            char *t = source_text_build(&s);
            bytes += t ? (long long)strlen(t) : 0;
            free(t);
        }
        malformed += s.malformed_fields;
        library_sample_clear(&s);
        n++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double cpu = cpu_seconds() - cpu0;
    library_cursor_free(cur);
    library_close(lib);
    if (r != 0) {
        fprintf(stderr, "%s\n", err);
        return 3;
    }
    printf("%lld %.3f %lld %lld %.3f\n", n,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, bytes,
           malformed, cpu);
    return 0;
}
