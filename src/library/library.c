/* library: the sample manager's database, read-only and streaming.
 *
 * One prepared statement walks samples (LEFT JOIN vibe_analyses) by id range in id order:
 *   SELECT s.id, s.title, s.bpm, s.musical_key, s.genre, s.tags,
 *          v.sample_id, v.mood_primary, v.mood_secondary, v.energy_level, v.texture_tags,
 *          v.characteristics
 *   FROM samples s LEFT JOIN vibe_analyses v ON v.sample_id = s.id
 *   WHERE s.id BETWEEN ?1 AND ?2 ORDER BY s.id
 * samples.id is the rowid (INTEGER PRIMARY KEY), so each range is a b-tree seek and the ORDER BY
 * costs nothing; vibe_analyses.sample_id is UNIQUE, so the join is one index probe per row.
 * A selection (idspec) is walked range by range with the same statement re-bound: ranges are
 * sorted and disjoint, so the output stays in id order and no id list is ever materialised.
 * Memory per row: the strings of one library_sample, freed by the caller.
 *
 * JSON columns are parsed with cJSON in C rather than with SQLite's json functions: json_extract
 * raises an error on malformed JSON, which would end the whole cursor for one bad row.
 */
#include "library.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sqlite_readonly.h"

/* How long a read waits for the application to release its lock on the database. */
#define LIBRARY_BUSY_MS 5000

struct library {
    sqlite3 *db;
    char *path;
    int has_vibe;
};

struct library_cursor {
    library *lib;
    sqlite3_stmt *stmt;
    idspec_range *ranges; /* owned copy of the selection, clipped to ids > *after_id */
    size_t n_ranges, next_range;
    int bound;            /* stmt is bound to ranges[next_range - 1] and may have rows */
    int64_t last_id;      /* duplicate-join guard: a row per sample even without UNIQUE */
    int have_last;
};

static const char *const samples_cols[] = {"id", "title", "bpm", "musical_key", "genre", "tags"};
static const char *const vibe_cols[] = {"sample_id",    "mood_primary", "mood_secondary",
                                        "energy_level", "texture_tags", "characteristics"};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Fills found[i] for each wanted column of table; *exists = table has any column.
 * Returns 0 or SV_EXIT_DATA with err filled. */
static int table_columns(library *lib, const char *table, const char *const *want, size_t n,
                         int *found, int *exists, char err[SV_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    *exists = 0;
    memset(found, 0, n * sizeof *found);
    if (sqlite3_prepare_v2(lib->db, "SELECT name FROM pragma_table_info(?1)", -1, &st, NULL) !=
        SQLITE_OK) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot read library '%s': %s (is it a SQLite database?)",
                     lib->path, sqlite3_errmsg(lib->db));
        goto cleanup;
    }
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        *exists = 1;
        for (size_t i = 0; name && i < n; i++)
            if (strcasecmp(name, want[i]) == 0)
                found[i] = 1;
    }
    if (s != SQLITE_DONE)
        rc = sv_fail(err, SV_EXIT_DATA, "cannot read library '%s': %s (is it a SQLite database?)",
                     lib->path, sqlite3_errmsg(lib->db));
cleanup:
    sqlite3_finalize(st);
    return rc;
}

library *library_open(const char *path, char err[SV_ERR_LEN])
{
    library *lib = calloc(1, sizeof *lib);
    int found[6], exists;
    if (!lib || !(lib->path = strdup(path))) {
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
                "cannot open library '%s': it is a directory (give the sp404_samples.db file)",
                path);
        goto fail;
    }
    /* READONLY: samplevec never writes to the application's database. "immutable" only where
     * nothing can write (sqlite_readonly.h): the application may be writing while we read,
     * and immutable would skip its locks. */
    char why[SV_ERR_LEN];
    int immutable;
    int orc = sqlite_readonly_open(path, &lib->db, &immutable, why);
    if (orc != SQLITE_OK) {
        if ((orc & 0xff) == SQLITE_NOTADB)
            sv_fail(err, SV_EXIT_DATA, "cannot read library '%s': %s (is it a SQLite database? "
                                       "check --library)",
                    path, why);
        else
            sv_fail(err, SV_EXIT_DATA, "cannot open library '%s': %s (check --library)", path, why);
        goto fail;
    }
    sqlite3_busy_timeout(lib->db, LIBRARY_BUSY_MS);
    sqlite3_exec(lib->db, "PRAGMA query_only=1", NULL, NULL, NULL);

    if (table_columns(lib, "samples", samples_cols, N_OF(samples_cols), found, &exists, err))
        goto fail;
    if (!exists) {
        sv_fail(err, SV_EXIT_DATA,
                "library '%s' has no table 'samples' (is it the sample manager's "
                "sp404_samples.db? check --library)",
                path);
        goto fail;
    }
    for (size_t i = 0; i < N_OF(samples_cols); i++)
        if (!found[i]) {
            sv_fail(err, SV_EXIT_DATA,
                    "library '%s': table 'samples' has no column '%s' (samplevec needs "
                    "samples.id, title, bpm, musical_key, genre, tags)",
                    path, samples_cols[i]);
            goto fail;
        }
    if (table_columns(lib, "vibe_analyses", vibe_cols, N_OF(vibe_cols), found, &exists, err))
        goto fail;
    lib->has_vibe = exists;
    for (size_t i = 0; exists && i < N_OF(vibe_cols); i++)
        if (!found[i]) {
            sv_fail(err, SV_EXIT_DATA,
                    "library '%s': table 'vibe_analyses' has no column '%s' (samplevec needs "
                    "vibe_analyses.sample_id, mood_primary, mood_secondary, energy_level, "
                    "texture_tags, characteristics)",
                    path, vibe_cols[i]);
            goto fail;
        }
    return lib;

fail:
    library_close(lib);
    return NULL;
}

void library_close(library *lib)
{
    if (!lib)
        return;
    sqlite3_close(lib->db);
    free(lib->path);
    free(lib);
}

int library_has_vibe(const library *lib) { return lib && lib->has_vibe; }

/* The ranges to walk: sel (or one range for every id) clipped to ids > *after_id when
 * after_id is given. Caller frees. */
static idspec_range *clip_ranges(const idspec *sel, const int64_t *after_id, size_t *n_out)
{
    size_t n = sel ? sel->n : 1, w = 0;
    idspec_range *r = malloc((n ? n : 1) * sizeof *r);
    if (!r)
        return NULL;
    int64_t min = !after_id ? INT64_MIN : *after_id == INT64_MAX ? INT64_MAX : *after_id + 1;
    int empty = after_id && *after_id == INT64_MAX; /* nothing comes after the largest id */
    for (size_t i = 0; i < n && !empty; i++) {
        idspec_range x = sel ? sel->ranges[i] : (idspec_range){INT64_MIN, INT64_MAX};
        if (x.hi < min)
            continue;
        if (x.lo < min)
            x.lo = min;
        r[w++] = x;
    }
    *n_out = w;
    return r;
}

int library_count(library *lib, const idspec *sel, int64_t *out, char err[SV_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    *out = 0;
    const char *sql = sel ? "SELECT count(*) FROM samples WHERE id BETWEEN ?1 AND ?2"
                          : "SELECT count(*) FROM samples";
    if (sqlite3_prepare_v2(lib->db, sql, -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    size_t n = sel ? sel->n : 1;
    for (size_t i = 0; i < n; i++) {
        if (sel) {
            sqlite3_bind_int64(st, 1, sel->ranges[i].lo);
            sqlite3_bind_int64(st, 2, sel->ranges[i].hi);
        }
        if (sqlite3_step(st) != SQLITE_ROW)
            goto sqlfail;
        *out += sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    goto cleanup;
sqlfail:
    rc = sv_fail(err, SV_EXIT_DATA, "cannot count samples in library '%s': %s", lib->path,
                 sqlite3_errmsg(lib->db));
cleanup:
    sqlite3_finalize(st);
    return rc;
}

library_cursor *library_cursor_new(library *lib, const idspec *sel, const int64_t *after_id,
                                   char err[SV_ERR_LEN])
{
    library_cursor *cur = calloc(1, sizeof *cur);
    if (!cur || !(cur->ranges = clip_ranges(sel, after_id, &cur->n_ranges))) {
        sv_fail(err, SV_EXIT_DATA, "out of memory reading library '%s'", lib->path);
        goto fail;
    }
    cur->lib = lib;
    const char *sql =
        lib->has_vibe
            ? "SELECT s.id, s.title, s.bpm, s.musical_key, s.genre, s.tags, v.sample_id, "
              "v.mood_primary, v.mood_secondary, v.energy_level, v.texture_tags, "
              "v.characteristics FROM samples AS s LEFT JOIN vibe_analyses AS v "
              "ON v.sample_id = s.id WHERE s.id BETWEEN ?1 AND ?2 ORDER BY s.id"
            : "SELECT s.id, s.title, s.bpm, s.musical_key, s.genre, s.tags FROM samples AS s "
              "WHERE s.id BETWEEN ?1 AND ?2 ORDER BY s.id";
    if (sqlite3_prepare_v2(lib->db, sql, -1, &cur->stmt, NULL) != SQLITE_OK) {
        sv_fail(err, SV_EXIT_DATA, "cannot read samples from library '%s': %s", lib->path,
                sqlite3_errmsg(lib->db));
        goto fail;
    }
    return cur;
fail:
    library_cursor_free(cur);
    return NULL;
}

void library_cursor_free(library_cursor *cur)
{
    if (!cur)
        return;
    sqlite3_finalize(cur->stmt);
    free(cur->ranges);
    free(cur);
}

/* A copy of a text column; NULL for SQL NULL. *oom set when the copy fails. */
static char *col_text(sqlite3_stmt *st, int i, int *oom)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return NULL;
    const unsigned char *t = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);
    char *s = malloc((size_t)n + 1);
    if (!s) {
        *oom = 1;
        return NULL;
    }
    if (t)
        memcpy(s, t, (size_t)n);
    s[n] = '\0';
    return s;
}

/* A FLOAT column: *has = 0 for NULL; a text value must be a whole number or it is malformed. */
static void col_number(sqlite3_stmt *st, int i, double *v, int *has, int *malformed)
{
    *has = 0;
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
        return;
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
        *v = sqlite3_column_double(st, i);
        *has = 1;
        return;
    default: {
        const char *t = (const char *)sqlite3_column_text(st, i);
        char *end = NULL;
        errno = 0;
        double d = t ? strtod(t, &end) : 0;
        if (t && end != t && *end == '\0' && errno == 0) {
            *v = d;
            *has = 1;
        } else {
            (*malformed)++;
        }
    }
    }
}

/* Appends the string elements of a JSON array; non-strings are skipped and reported (1). */
static int take_strings(const cJSON *arr, char ***out, size_t *n, int *oom)
{
    int bad = 0, cnt = cJSON_GetArraySize(arr);
    if (cnt <= 0)
        return 0;
    char **v = calloc((size_t)cnt, sizeof *v);
    if (!v) {
        *oom = 1;
        return 0;
    }
    size_t w = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr) {
        if (!cJSON_IsString(e) || !e->valuestring) {
            bad = 1;
            continue;
        }
        if (!(v[w] = strdup(e->valuestring))) {
            *oom = 1;
            break;
        }
        w++;
    }
    if (w == 0) {
        free(v);
        v = NULL;
    }
    *out = v;
    *n = w;
    return bad;
}

/* A JSON column that should hold an array of strings (samples.tags, texture_tags).
 * Accepted as clean: NULL, JSON null, an array of strings, and a JSON string that itself holds
 * such an array (double-encoded by some writers). Counted as malformed (returns 1), keeping what
 * is readable: text that is not JSON, non-string elements (skipped), a plain string (kept as
 * one tag), any other JSON type. */
static int col_string_array(sqlite3_stmt *st, int i, char ***out, size_t *n, int *oom)
{
    *out = NULL;
    *n = 0;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return 0;
    const char *t = (const char *)sqlite3_column_text(st, i);
    size_t len = (size_t)sqlite3_column_bytes(st, i);
    cJSON *root = t ? cJSON_ParseWithLength(t, len) : NULL, *inner = NULL;
    int bad = 0;
    if (!root) {
        bad = 1;
    } else if (cJSON_IsArray(root)) {
        bad = take_strings(root, out, n, oom);
    } else if (cJSON_IsString(root) && root->valuestring) {
        inner = cJSON_Parse(root->valuestring);
        if (cJSON_IsArray(inner)) {
            bad = take_strings(inner, out, n, oom);
        } else {
            bad = 1;
            if (root->valuestring[0]) {
                char **v = malloc(sizeof *v);
                if (!v || !(v[0] = strdup(root->valuestring))) {
                    free(v);
                    *oom = 1;
                } else {
                    *out = v;
                    *n = 1;
                }
            }
        }
    } else if (!cJSON_IsNull(root)) {
        bad = 1;
    }
    cJSON_Delete(inner);
    cJSON_Delete(root);
    return bad;
}

/* characteristics: a JSON object whose raw_analysis string is the description. A missing key or
 * JSON null is clean and gives no description; anything unreadable is malformed (returns 1). */
static int col_description(sqlite3_stmt *st, int i, char **out)
{
    *out = NULL;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return 0;
    const char *t = (const char *)sqlite3_column_text(st, i);
    size_t len = (size_t)sqlite3_column_bytes(st, i);
    cJSON *root = t ? cJSON_ParseWithLength(t, len) : NULL, *inner = NULL;
    const cJSON *obj = root;
    int bad = 0;
    if (cJSON_IsString(root) && root->valuestring) /* double-encoded object */
        obj = inner = cJSON_Parse(root->valuestring);
    if (!root || (!obj && !cJSON_IsNull(root))) {
        bad = 1;
    } else if (cJSON_IsObject(obj)) {
        cJSON *raw = cJSON_GetObjectItemCaseSensitive(obj, "raw_analysis");
        if (cJSON_IsString(raw) && raw->valuestring) {
            /* taken from the parse tree rather than copied: a description can be megabytes
             * (cJSON allocates with malloc unless hooks say otherwise, and none are set) */
            *out = raw->valuestring;
            raw->valuestring = NULL;
        } else if (raw && !cJSON_IsNull(raw)) {
            bad = 1;
        }
    } else if (!cJSON_IsNull(root)) {
        bad = 1;
    }
    cJSON_Delete(inner);
    cJSON_Delete(root);
    return bad;
}

static int fill(library_cursor *cur, library_sample *s, char err[SV_ERR_LEN])
{
    sqlite3_stmt *st = cur->stmt;
    int oom = 0;
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(st, 0);
    s->title = col_text(st, 1, &oom);
    col_number(st, 2, &s->bpm, &s->has_bpm, &s->malformed_fields);
    s->musical_key = col_text(st, 3, &oom);
    s->genre = col_text(st, 4, &oom);
    s->malformed_fields += col_string_array(st, 5, &s->tags, &s->n_tags, &oom);
    if (cur->lib->has_vibe && sqlite3_column_type(st, 6) != SQLITE_NULL) {
        s->has_vibe = 1;
        s->mood_primary = col_text(st, 7, &oom);
        s->mood_secondary = col_text(st, 8, &oom);
        col_number(st, 9, &s->energy_level, &s->has_energy, &s->malformed_fields);
        s->malformed_fields +=
            col_string_array(st, 10, &s->texture_tags, &s->n_texture_tags, &oom);
        s->malformed_fields += col_description(st, 11, &s->description);
    }
    if (oom) {
        library_sample_clear(s);
        return sv_fail(err, SV_EXIT_DATA, "out of memory reading sample %lld from library '%s'",
                       (long long)sqlite3_column_int64(st, 0), cur->lib->path);
    }
    return 1;
}

int library_cursor_next(library_cursor *cur, library_sample *out, char err[SV_ERR_LEN])
{
    for (;;) {
        if (!cur->bound) {
            if (cur->next_range >= cur->n_ranges)
                return 0;
            const idspec_range *r = &cur->ranges[cur->next_range++];
            sqlite3_reset(cur->stmt);
            sqlite3_bind_int64(cur->stmt, 1, r->lo);
            sqlite3_bind_int64(cur->stmt, 2, r->hi);
            cur->bound = 1;
        }
        int s = sqlite3_step(cur->stmt);
        if (s == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(cur->stmt, 0);
            /* Without UNIQUE(sample_id) a sample could join two vibe rows: keep the first. */
            if (cur->have_last && id == cur->last_id)
                continue;
            cur->last_id = id;
            cur->have_last = 1;
            return fill(cur, out, err);
        }
        if (s == SQLITE_BUSY || s == SQLITE_LOCKED)
            return sv_fail(err, SV_EXIT_DATA,
                           "library '%s' is locked by another program (the sample manager "
                           "writing to it?) and stayed locked for %d s: everything up to here is "
                           "saved; run the same command again with --resume to finish",
                           cur->lib->path, LIBRARY_BUSY_MS / 1000);
        if (s != SQLITE_DONE)
            return sv_fail(err, SV_EXIT_DATA, "cannot read samples from library '%s': %s",
                           cur->lib->path, sqlite3_errmsg(cur->lib->db));
        cur->bound = 0;
    }
}

void library_cursor_pause(library_cursor *cur)
{
    if (!cur || !cur->bound)
        return;
    sqlite3_reset(cur->stmt); /* ends the read transaction: the application may write now */
    cur->bound = 0;
    idspec_range *r = &cur->ranges[cur->next_range - 1];
    if (cur->have_last && cur->last_id >= r->lo) {
        if (cur->last_id >= r->hi)
            return; /* that range is finished; the next call starts the following one */
        r->lo = cur->last_id + 1;
    }
    cur->next_range--; /* the next call re-binds the rest of this range */
}

int library_file_path(library *lib, int64_t id, char **out, char err[SV_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    int rc = 0, oom = 0;
    *out = NULL;
    if (sqlite3_prepare_v2(lib->db, "SELECT file_path FROM samples WHERE id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *out = col_text(st, 0, &oom);
        rc = oom ? sv_fail(err, SV_EXIT_DATA, "out of memory") : 1;
    } else if (s != SQLITE_DONE) {
        goto sqlfail;
    }
    goto cleanup;
sqlfail:
    rc = sv_fail(err, SV_EXIT_DATA, "cannot read samples.file_path from library '%s': %s", lib->path,
                 sqlite3_errmsg(lib->db));
cleanup:
    sqlite3_finalize(st);
    return rc;
}

int library_values(library *lib, library_facet which, library_value_fn fn, void *ctx,
                   char err[SV_ERR_LEN])
{
    /* GROUP BY lower(): the search filters compare genre and mood case-insensitively, so "Soul"
     * and "soul" are one choice; min() shows one of its spellings. */
    const char *sql = NULL;
    switch (which) {
    case LIBRARY_FACET_GENRE:
        sql = "SELECT min(genre), count(*) FROM samples WHERE trim(genre) != '' "
              "GROUP BY lower(genre) ORDER BY 2 DESC, 1";
        break;
    case LIBRARY_FACET_KEY:
        sql = "SELECT min(musical_key), count(*) FROM samples WHERE trim(musical_key) != '' "
              "GROUP BY lower(musical_key) ORDER BY 2 DESC, 1";
        break;
    case LIBRARY_FACET_MOOD:
        if (!lib->has_vibe)
            return 0;
        sql = "SELECT min(m), count(*) FROM (SELECT mood_primary AS m FROM vibe_analyses "
              "UNION ALL SELECT mood_secondary FROM vibe_analyses) WHERE trim(m) != '' "
              "GROUP BY lower(m) ORDER BY 2 DESC, 1";
        break;
    }
    sqlite3_stmt *st = NULL;
    int rc = 0, s;
    if (!sql || sqlite3_prepare_v2(lib->db, sql, -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (v && fn(v, sqlite3_column_int64(st, 1), ctx))
            break;
    }
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        goto sqlfail;
    goto cleanup;
sqlfail:
    rc = sv_fail(err, SV_EXIT_DATA, "cannot read the values of library '%s': %s", lib->path,
                 sqlite3_errmsg(lib->db));
cleanup:
    sqlite3_finalize(st);
    return rc;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void library_sample_clear(library_sample *s)
{
    if (!s)
        return;
    free(s->title);
    free(s->genre);
    free(s->musical_key);
    free_strv(s->tags, s->n_tags);
    free(s->mood_primary);
    free(s->mood_secondary);
    free_strv(s->texture_tags, s->n_texture_tags);
    free(s->description);
    memset(s, 0, sizeof *s);
}

int library_ids(library *lib, int64_t **out, size_t *n, char err[SV_ERR_LEN])
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int step, rc = 0;
    if (sqlite3_prepare_v2(lib->db, "SELECT id FROM samples ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 4096;
            int64_t *grown = realloc(*out, nc * sizeof *grown);
            if (!grown) {
                rc = sv_fail(err, SV_EXIT_DATA, "out of memory reading the ids of library '%s'", lib->path);
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
    rc = sv_fail(err, SV_EXIT_DATA, "cannot read the ids of library '%s': %s", lib->path,
                 sqlite3_errmsg(lib->db));
cleanup:
    sqlite3_finalize(st);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
