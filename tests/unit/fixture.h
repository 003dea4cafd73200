/* fixture.h: scratch SQLite databases for the library and source-text tests.
 * A test makes one scratch dir (fixture_init), builds databases in it from SQL, and removes it
 * (fixture_done). Not a test itself: CMake only builds tests/unit/test_*.c. */
#ifndef SAMPLEVEC_TEST_FIXTURE_H
#define SAMPLEVEC_TEST_FIXTURE_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fixture_root[256];
static char fixture_paths[32][300];
static int fixture_n;

static void fixture_init(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(fixture_root, sizeof fixture_root, "%s/samplevec-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fixture_root)) {
        perror("mkdtemp");
        exit(2);
    }
}

/* A path inside the scratch dir, removed by fixture_done. Static storage. */
static const char *fixture_path(const char *name)
{
    if (fixture_n >= 32)
        exit(2);
    char *p = fixture_paths[fixture_n++];
    snprintf(p, 300, "%s/%s", fixture_root, name);
    return p;
}

/* Creates name from sql; returns its path or exits on failure (a broken fixture is no test). */
static const char *fixture_db(const char *name, const char *sql)
{
    const char *path = fixture_path(name);
    sqlite3 *db = NULL;
    char *e = NULL;
    unlink(path);
    if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK) {
        fprintf(stderr, "fixture %s: %s\n", name, e ? e : sqlite3_errmsg(db));
        exit(2);
    }
    sqlite3_close(db);
    return path;
}

/* Whole file, NUL-terminated; *len set when non-NULL. NULL when unreadable. Caller frees. */
static char *fixture_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

/* The real application's early database, rebuilt from its dump in tests/data. */
static const char *fixture_real_library(void)
{
    char *sql = fixture_slurp(TEST_DATA_DIR "/real-library.sql", NULL);
    if (!sql) {
        fprintf(stderr, "cannot read %s\n", TEST_DATA_DIR "/real-library.sql");
        exit(2);
    }
    const char *p = fixture_db("real.db", sql);
    free(sql);
    return p;
}

static void fixture_done(void)
{
    for (int i = 0; i < fixture_n; i++)
        unlink(fixture_paths[i]);
    rmdir(fixture_root);
}

/* The application's current schema (SQLAlchemy models), for hand-written fixtures. */
#define FIXTURE_SCHEMA                                                                         \
    "CREATE TABLE samples (id INTEGER NOT NULL, user_id INTEGER NOT NULL, title VARCHAR NOT "  \
    "NULL, file_path VARCHAR NOT NULL, file_size INTEGER, duration FLOAT, bpm FLOAT, "          \
    "musical_key VARCHAR, genre VARCHAR, bpm_confidence INTEGER, genre_confidence INTEGER, "    \
    "key_confidence INTEGER, tags JSON, extra_metadata JSON, analysis_metadata JSON, "          \
    "created_at DATETIME, analyzed_at DATETIME, last_accessed_at DATETIME, PRIMARY KEY (id));"  \
    "CREATE TABLE vibe_analyses (id INTEGER NOT NULL, sample_id INTEGER NOT NULL, "            \
    "mood_primary VARCHAR NOT NULL, mood_secondary VARCHAR, energy_level FLOAT, "               \
    "danceability FLOAT, acousticness FLOAT, instrumentalness FLOAT, texture_tags JSON, "       \
    "characteristics JSON, model_version VARCHAR, confidence_score FLOAT, processing_time_ms "  \
    "INTEGER, created_at DATETIME, PRIMARY KEY (id), UNIQUE (sample_id));"

#endif
