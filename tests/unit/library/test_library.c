/* library: schema checks, read-only access, streaming order, selections, resume, tolerant JSON. */
#include "check.h"
#include "fixture.h"
#include "library.h"

#include <sys/stat.h>

/* Streams the library with sel/after_id; writes the ids (up to cap) and returns how many. */
static size_t stream_ids(library *lib, const idspec *sel, int64_t after_id, int64_t *ids,
                         size_t cap)
{
    char err[SV_ERR_LEN] = "";
    library_cursor *cur = library_cursor_new(lib, sel, &after_id, err);
    size_t n = 0;
    library_sample s;
    int r;
    CHECK(cur != NULL);
    while (cur && (r = library_cursor_next(cur, &s, err)) == 1) {
        if (n < cap)
            ids[n] = s.id;
        n++;
        library_sample_clear(&s);
    }
    if (cur)
        CHECK(r == 0);
    library_cursor_free(cur);
    return n;
}

static void expect_ids(library *lib, const char *spec, int64_t after_id, const int64_t *want,
                       size_t n_want)
{
    char err[SV_ERR_LEN];
    idspec *sel = spec ? idspec_parse(spec, err) : NULL;
    int64_t got[64];
    size_t n = stream_ids(lib, sel, after_id, got, 64);
    int same = n == n_want;
    for (size_t i = 0; same && i < n; i++)
        same = got[i] == want[i];
    CHECK(same);
    if (!same) {
        fprintf(stderr, "  spec %s after %lld: got", spec ? spec : "(all)", (long long)after_id);
        for (size_t i = 0; i < n && i < 64; i++)
            fprintf(stderr, " %lld", (long long)got[i]);
        fprintf(stderr, "\n");
    }
    int64_t count = -1;
    if (after_id == 0) { /* library_count has no after_id: compare where they agree */
        CHECK(library_count(lib, sel, &count, err) == 0);
        CHECK(count == (int64_t)n_want);
    }
    idspec_free(sel);
}

static void expect_open_error(const char *path, const char *frag1, const char *frag2)
{
    char err[SV_ERR_LEN] = "";
    library *lib = library_open(path, err);
    CHECK(lib == NULL);
    library_close(lib);
    CHECK(strstr(err, frag1) != NULL);
    CHECK(strstr(err, frag2) != NULL);
    if (!strstr(err, frag1) || !strstr(err, frag2))
        fprintf(stderr, "  err: %s\n", err);
}

/* Reads sample id into *s (which must then be cleared). */
static int get(library *lib, int64_t id, library_sample *s)
{
    char err[SV_ERR_LEN] = "";
    library_cursor *cur = library_cursor_new(lib, NULL, &(int64_t){id - 1}, err);
    int r = cur ? library_cursor_next(cur, s, err) : -1;
    library_cursor_free(cur);
    if (r == 1 && s->id == id)
        return 1;
    if (r == 1)
        library_sample_clear(s);
    fprintf(stderr, "  sample %lld: r=%d %s\n", (long long)id, r, err);
    return 0;
}

int main(void)
{
    fixture_init();
    char err[SV_ERR_LEN];

    /* --- schema errors name what is missing and the file --- */
    const char *p = fixture_db("noschema.db", "CREATE TABLE other (x);");
    expect_open_error(p, "no table 'samples'", p);
    p = fixture_db("nokey.db", "CREATE TABLE samples (id INTEGER PRIMARY KEY, title, bpm, genre, tags);");
    expect_open_error(p, "no column 'musical_key'", p);
    p = fixture_db("notags.db", "CREATE TABLE samples (id INTEGER PRIMARY KEY, title, bpm, musical_key, genre);");
    expect_open_error(p, "no column 'tags'", "samples");
    p = fixture_db("novibecol.db",
                   "CREATE TABLE samples (id INTEGER PRIMARY KEY, title, bpm, musical_key, genre, tags);"
                   "CREATE TABLE vibe_analyses (id INTEGER PRIMARY KEY, sample_id, mood_primary,"
                   " mood_secondary, energy_level, texture_tags);");
    expect_open_error(p, "no column 'characteristics'", "vibe_analyses");
    const char *missing = fixture_path("does-not-exist.db");
    expect_open_error(missing, "cannot open", "No such file");
    expect_open_error(fixture_root, "is a directory", fixture_root);
    CHECK(access(missing, F_OK) != 0); /* read-only open never creates the file */
    const char *junk = fixture_path("junk.db");
    FILE *f = fopen(junk, "w");
    if (f) {
        fputs("this is not a database, just some text that is long enough to look like a header.....", f);
        fclose(f);
    }
    expect_open_error(junk, "cannot read library", junk);
    /* Column names are case-insensitive in SQLite, so in the check too. */
    p = fixture_db("upper.db", "CREATE TABLE samples (ID INTEGER PRIMARY KEY, Title, BPM, Musical_Key, Genre, Tags);"
                               "INSERT INTO samples VALUES (1, 'x', 90, 'C', 'jazz', NULL);");
    library *lib = library_open(p, err);
    CHECK(lib != NULL);
    CHECK(!library_has_vibe(lib));
    library_close(lib);
    library_close(NULL);

    /* --- the whole int64 range: INT64_MIN is a sample like any other --- */
    p = fixture_db("edges.db", FIXTURE_SCHEMA
        "INSERT INTO samples (id, user_id, title, file_path) VALUES (-9223372036854775808,1,'a','f'),"
        "(9223372036854775807,1,'b','f'),(0,1,'c','f'),(-1,1,'d','f');");
    lib = library_open(p, err);
    CHECK(lib != NULL);
    if (lib) {
        library_cursor *cur = library_cursor_new(lib, NULL, NULL, err);
        library_sample s;
        int64_t seen[8];
        size_t n = 0;
        while (cur && n < 8 && library_cursor_next(cur, &s, err) == 1) {
            seen[n++] = s.id;
            library_sample_clear(&s);
        }
        library_cursor_free(cur);
        CHECK(n == 4 && seen[0] == INT64_MIN && seen[1] == -1 && seen[2] == 0 && seen[3] == INT64_MAX);
        expect_ids(lib, "-9223372036854775808--1", INT64_MIN, (const int64_t[]){-1}, 1);
        idspec *all = idspec_parse("-9223372036854775808-9223372036854775807", err);
        int64_t count = 0;
        CHECK(all && library_count(lib, all, &count, err) == 0 && count == 4);
        idspec_free(all);
        library_close(lib);
    }

    /* --- order, selections, after_id --- */
    p = fixture_db("order.db", FIXTURE_SCHEMA
        "INSERT INTO samples (id, user_id, title, file_path) VALUES (50,1,'a','f'),(3,1,'b','f'),"
        "(9,1,'c','f'),(1,1,'d','f'),(7,1,'e','f'),(100,1,'f','f'),(5,1,'g','f'),(200,1,'h','f');"
        "INSERT INTO vibe_analyses (id, sample_id, mood_primary) VALUES (1, 9, 'calm'), (2, 100, 'dark');");
    lib = library_open(p, err);
    CHECK(lib != NULL);
    if (lib) {
        CHECK(library_has_vibe(lib));
        expect_ids(lib, NULL, 0, (const int64_t[]){1, 3, 5, 7, 9, 50, 100, 200}, 8);
        expect_ids(lib, NULL, 7, (const int64_t[]){9, 50, 100, 200}, 4);
        expect_ids(lib, NULL, 200, NULL, 0);
        expect_ids(lib, NULL, INT64_MAX, NULL, 0);
        expect_ids(lib, "1,5-9,100", 0, (const int64_t[]){1, 5, 7, 9, 100}, 5);
        expect_ids(lib, "100,1,5-9", 5, (const int64_t[]){7, 9, 100}, 3);
        expect_ids(lib, "2,4,6,8", 0, NULL, 0);
        expect_ids(lib, "0-1000000", 0, (const int64_t[]){1, 3, 5, 7, 9, 50, 100, 200}, 8);
        expect_ids(lib, "150-9223372036854775807", 0, (const int64_t[]){200}, 1);
        library_sample s;
        if (get(lib, 9, &s)) {
            CHECK(s.has_vibe == 1);
            CHECK_STR_EQ(s.mood_primary, "calm");
            CHECK(s.mood_secondary == NULL && s.description == NULL && s.n_texture_tags == 0);
            CHECK(!s.has_energy && !s.has_bpm);
            library_sample_clear(&s);
            CHECK(s.title == NULL && s.id == 0); /* cleared and zeroed */
        } else
            CHECK(0);
        if (get(lib, 7, &s)) {
            CHECK(s.has_vibe == 0 && s.mood_primary == NULL);
            library_sample_clear(&s);
        } else
            CHECK(0);
        library_close(lib);
    }
    library_sample_clear(NULL);

    /* --- tolerant JSON: what is readable is kept, the rest counted --- */
    p = fixture_db("json.db", FIXTURE_SCHEMA
        "INSERT INTO samples (id, user_id, title, file_path, bpm, tags) VALUES"
        " (1,1,'double-encoded tags','f', 90, '\"[\\\"a\\\", \\\"b\\\"]\"'),"
        " (2,1,'plain string tag','f', '92.5', '\"drums\"'),"
        " (3,1,'object tags','f', 'fast', '{\"a\": 1}'),"
        " (4,1,'json null tags','f', NULL, 'null'),"
        " (5,1,'truncated','f', 80, '[\"a\", \"b'),"
        " (6,1,'mixed elements','f', 80, '[1, \"x\", null, [\"y\"], \"z\"]'),"
        " (7,1,'empty array','f', 80, '[]'),"
        " (8,1,'vibe quirks','f', 80, '[\"ok\"]'),"
        " (9,1,'deep nesting','f', 80, '" /* 5000 nested arrays: cJSON's depth limit, no crash */
        "');"
        "UPDATE samples SET tags = printf('%.*c', 5000, '[') WHERE id = 9;"
        "INSERT INTO vibe_analyses (id, sample_id, mood_primary, energy_level, texture_tags, characteristics) VALUES"
        " (1, 1, 'm', 0.5, '[\"t\"]', '\"{\\\"raw_analysis\\\": \\\"double\\\"}\"'),"
        " (2, 2, 'm', 'high', '\"[\\\"u\\\"]\"', '{\"raw_analysis\": 42}'),"
        " (3, 3, 'm', 0.5, NULL, '{\"other\": \"x\"}'),"
        " (4, 4, 'm', 0.5, '[]', '{\"raw_analysis\": null}'),"
        " (5, 5, 'm', 0.5, '[\"t\"]', '[\"not\", \"an object\"]'),"
        " (8, 8, 'm', 0.5, '[\"t\"]', '{\"raw_analysis\": \"ok\", \"x\": {\"y\": [1,2]}}');");
    lib = library_open(p, err);
    CHECK(lib != NULL);
    if (lib) {
        library_sample s;
        if (get(lib, 1, &s)) {
            CHECK(s.n_tags == 2 && s.malformed_fields == 0);
            if (s.n_tags == 2) {
                CHECK_STR_EQ(s.tags[0], "a");
                CHECK_STR_EQ(s.tags[1], "b");
            }
            CHECK_STR_EQ(s.description, "double");
            CHECK(s.has_bpm && s.bpm == 90.0);
            library_sample_clear(&s);
        } else
            CHECK(0);
        if (get(lib, 2, &s)) {
            /* tags "drums" kept as one tag (1), energy text (1), raw_analysis a number (1);
             * texture_tags double-encoded is clean; bpm '92.5' as text is a clean number */
            CHECK(s.n_tags == 1 && s.tags && strcmp(s.tags[0], "drums") == 0);
            CHECK(s.n_texture_tags == 1 && strcmp(s.texture_tags[0], "u") == 0);
            CHECK(s.has_bpm && s.bpm == 92.5);
            CHECK(!s.has_energy && s.description == NULL);
            CHECK(s.malformed_fields == 3);
            library_sample_clear(&s);
        } else
            CHECK(0);
        if (get(lib, 3, &s)) {
            CHECK(s.n_tags == 0 && !s.has_bpm && s.description == NULL);
            CHECK(s.malformed_fields == 2); /* object tags, bpm 'fast'; no raw_analysis is clean */
            library_sample_clear(&s);
        } else
            CHECK(0);
        if (get(lib, 4, &s)) {
            CHECK(s.n_tags == 0 && s.malformed_fields == 0 && s.description == NULL);
            library_sample_clear(&s);
        } else
            CHECK(0);
        if (get(lib, 5, &s)) {
            CHECK(s.n_tags == 0 && s.description == NULL && s.n_texture_tags == 1);
            CHECK(s.malformed_fields == 2);
            library_sample_clear(&s);
        } else
            CHECK(0);
        if (get(lib, 6, &s)) {
            CHECK(s.n_tags == 2 && s.malformed_fields == 1);
            if (s.n_tags == 2) {
                CHECK_STR_EQ(s.tags[0], "x");
                CHECK_STR_EQ(s.tags[1], "z");
            }
            library_sample_clear(&s);
        } else
            CHECK(0);
        if (get(lib, 7, &s)) {
            CHECK(s.n_tags == 0 && s.tags == NULL && s.malformed_fields == 0);
            library_sample_clear(&s);
        } else
            CHECK(0);
        if (get(lib, 8, &s)) {
            CHECK(s.malformed_fields == 0 && s.description && strcmp(s.description, "ok") == 0);
            library_sample_clear(&s);
        } else
            CHECK(0);
        if (get(lib, 9, &s)) {
            CHECK(s.n_tags == 0 && s.malformed_fields == 1);
            library_sample_clear(&s);
        } else
            CHECK(0);
        /* A whole pass never fails on bad JSON. */
        int64_t ids[16];
        CHECK(stream_ids(lib, NULL, 0, ids, 16) == 9);
        library_close(lib);
    }

    /* --- a sample joined to two vibe rows (no UNIQUE constraint) comes out once --- */
    p = fixture_db("dup.db",
                   "CREATE TABLE samples (id INTEGER PRIMARY KEY, title, bpm, musical_key, genre, tags);"
                   "CREATE TABLE vibe_analyses (id INTEGER PRIMARY KEY, sample_id, mood_primary,"
                   " mood_secondary, energy_level, texture_tags, characteristics);"
                   "INSERT INTO samples (id, title) VALUES (1, 'a'), (2, 'b');"
                   "INSERT INTO vibe_analyses (sample_id, mood_primary) VALUES (1, 'x'), (1, 'y'), (2, 'z');");
    lib = library_open(p, err);
    if (lib) {
        expect_ids(lib, NULL, 0, (const int64_t[]){1, 2}, 2);
        library_close(lib);
    } else
        CHECK(0);

    /* --- read-only: the file's bytes are unchanged and no journal appears --- */
    p = fixture_db("ro.db", FIXTURE_SCHEMA
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)"
        " INSERT INTO samples (id, user_id, title, file_path, bpm, tags)"
        " SELECT i, 1, 'sample ' || i, 'f', 60 + i % 120, '[\"t' || i || '\"]' FROM c;"
        "INSERT INTO vibe_analyses (id, sample_id, mood_primary, characteristics)"
        " SELECT id, id, 'calm', json_object('raw_analysis', printf('%.*c', 300, 'x'))"
        " FROM samples WHERE id % 10 != 0;");
    size_t len_before = 0, len_after = 0;
    char *before = fixture_slurp(p, &len_before);
    struct stat st_before, st_after;
    stat(p, &st_before);
    lib = library_open(p, err);
    CHECK(lib != NULL);
    if (lib) {
        int64_t count = 0;
        CHECK(library_count(lib, NULL, &count, err) == 0 && count == 3000);
        library_cursor *cur = library_cursor_new(lib, NULL, NULL, err);
        library_sample s;
        int64_t n = 0, prev = 0, with_vibe = 0, ordered = 1;
        while (cur && library_cursor_next(cur, &s, err) == 1) {
            ordered &= s.id > prev;
            prev = s.id;
            with_vibe += s.has_vibe;
            n++;
            library_sample_clear(&s);
        }
        CHECK(n == 3000 && ordered && with_vibe == 2700);
        library_cursor_free(cur);
        library_close(lib);
    }
    char *after = fixture_slurp(p, &len_after);
    stat(p, &st_after);
    CHECK(before && after && len_before == len_after && memcmp(before, after, len_before) == 0);
    CHECK(st_before.st_mtime == st_after.st_mtime);
    char side[400];
    snprintf(side, sizeof side, "%s-journal", p);
    CHECK(access(side, F_OK) != 0);
    snprintf(side, sizeof side, "%s-wal", p);
    CHECK(access(side, F_OK) != 0);
    free(before);
    free(after);
    /* Read-only even on a read-only file. */
    chmod(p, 0444);
    lib = library_open(p, err);
    CHECK(lib != NULL);
    library_close(lib);

    /* --- the real application's early database: 50 samples, no vibe_analyses table --- */
    /* (its dump; the file in ../shared itself: test_shared_real_library, a skip on a clone) */
    const char *real[1] = {fixture_real_library()};
    for (int r = 0; r < 1; r++) {
        lib = library_open(real[r], err);
        CHECK(lib != NULL);
        if (!lib) {
            fprintf(stderr, "  %s\n", err);
            continue;
        }
        CHECK(!library_has_vibe(lib));
        int64_t count = 0;
        CHECK(library_count(lib, NULL, &count, err) == 0 && count == 50);
        library_cursor *cur = library_cursor_new(lib, NULL, NULL, err);
        library_sample s;
        int n = 0, clean = 1, expected = 1;
        while (cur && library_cursor_next(cur, &s, err) == 1) {
            n++;
            clean &= s.has_vibe == 0 && s.malformed_fields == 0 && s.has_bpm && s.n_tags == 2 &&
                     s.title && s.genre && s.musical_key;
            expected &= s.id == n;
            library_sample_clear(&s);
        }
        CHECK(n == 50 && clean && expected);
        library_cursor_free(cur);
        library_close(lib);
    }

    fixture_done();
    return check_summary();
}
