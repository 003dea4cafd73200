/* library: the sample manager's database, read-only and streaming, from SQLite or PostgreSQL
 * (library_backend.h: the engine reads rows of an id range as cells; everything after that is
 * here, the same for both).
 *
 * A selection (idspec) is walked range by range: ranges are sorted and disjoint, so the output
 * stays in id order and no id list is ever materialised. Memory per row: the strings of one
 * library_sample, freed by the caller.
 *
 * JSON columns are parsed with cJSON in C rather than with the engine's json functions: SQLite's
 * json_extract raises an error on malformed JSON, which would end the whole cursor for one bad
 * row.
 */
#include "library.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "library_backend.h"

struct library {
    const library_backend_ops *ops;
    library_backend *b;
    char *path; /* for messages: the path, or the URL without secrets */
    int has_vibe;
};

struct library_cursor {
    library *lib;
    library_range *range;
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

static int is_postgres_url(const char *location)
{
    return strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "postgres://", 11) == 0;
}

library *library_open(const char *path, char err[SV_ERR_LEN])
{
    library *lib = calloc(1, sizeof *lib);
    int found[6], exists;
    if (!lib) {
        sv_fail(err, SV_EXIT_DATA, "out of memory opening library '%s'", path);
        return NULL;
    }
    char where[1024];
    if (is_postgres_url(path)) {
        lib->b = library_pg_open(path, &lib->ops, where, err);
    } else {
        snprintf(where, sizeof where, "%s", path);
        lib->b = library_sqlite_open(path, &lib->ops, err);
    }
    if (!lib->b)
        goto fail;
    if (!(lib->path = strdup(where))) {
        sv_fail(err, SV_EXIT_DATA, "out of memory opening library '%s'", where);
        goto fail;
    }
    if (lib->ops->table_columns(lib->b, "samples", samples_cols, N_OF(samples_cols), found, &exists, err))
        goto fail;
    if (!exists) {
        sv_fail(err, SV_EXIT_DATA,
                "library '%s' has no table 'samples' (is it the sample manager's "
                "sp404_samples.db? check --library)",
                lib->path);
        goto fail;
    }
    for (size_t i = 0; i < N_OF(samples_cols); i++)
        if (!found[i]) {
            sv_fail(err, SV_EXIT_DATA,
                    "library '%s': table 'samples' has no column '%s' (samplevec needs "
                    "samples.id, title, bpm, musical_key, genre, tags)",
                    lib->path, samples_cols[i]);
            goto fail;
        }
    if (lib->ops->table_columns(lib->b, "vibe_analyses", vibe_cols, N_OF(vibe_cols), found, &exists, err))
        goto fail;
    lib->has_vibe = exists;
    for (size_t i = 0; exists && i < N_OF(vibe_cols); i++)
        if (!found[i]) {
            sv_fail(err, SV_EXIT_DATA,
                    "library '%s': table 'vibe_analyses' has no column '%s' (samplevec needs "
                    "vibe_analyses.sample_id, mood_primary, mood_secondary, energy_level, "
                    "texture_tags, characteristics)",
                    lib->path, vibe_cols[i]);
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
    if (lib->b)
        lib->ops->close(lib->b);
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
    *out = 0;
    size_t n = sel ? sel->n : 1;
    for (size_t i = 0; i < n; i++) {
        int64_t part = 0;
        int rc = lib->ops->count(lib->b, sel ? sel->ranges[i].lo : INT64_MIN,
                                 sel ? sel->ranges[i].hi : INT64_MAX, &part, err);
        if (rc)
            return rc;
        *out += part;
    }
    return 0;
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
    if (!(cur->range = lib->ops->range_new(lib->b, lib->has_vibe, err)))
        goto fail;
    return cur;
fail:
    library_cursor_free(cur);
    return NULL;
}

void library_cursor_free(library_cursor *cur)
{
    if (!cur)
        return;
    if (cur->range)
        cur->lib->ops->range_free(cur->range);
    free(cur->ranges);
    free(cur);
}

/* A copy of a text cell; NULL for SQL NULL. *oom set when the copy fails. */
static char *cell_text(const library_cell *c, int *oom)
{
    if (!c->text)
        return NULL;
    char *s = malloc(c->len + 1);
    if (!s) {
        *oom = 1;
        return NULL;
    }
    memcpy(s, c->text, c->len);
    s[c->len] = '\0';
    return s;
}

/* A FLOAT column: *has = 0 for NULL; a text value must be a whole number or it is malformed. */
static void cell_number(const library_cell *c, double *v, int *has, int *malformed)
{
    *has = 0;
    if (c->is_number) {
        *v = c->number;
        *has = 1;
    } else if (c->text) {
        char *end = NULL;
        errno = 0;
        double d = strtod(c->text, &end);
        if (end != c->text && *end == '\0' && errno == 0) {
            *v = d;
            *has = 1;
        } else {
            (*malformed)++;
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
static int cell_string_array(const library_cell *c, char ***out, size_t *n, int *oom)
{
    *out = NULL;
    *n = 0;
    if (!c->text && !c->is_number)
        return 0;
    const char *t = c->text;
    size_t len = c->len;
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
static int cell_description(const library_cell *c, char **out)
{
    *out = NULL;
    if (!c->text && !c->is_number)
        return 0;
    const char *t = c->text;
    size_t len = c->len;
    cJSON *root = t ? cJSON_ParseWithLength(t, len) : NULL, *inner = NULL;
    cJSON *obj = root;
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

static int fill(library_cursor *cur, const library_row *row, library_sample *s, char err[SV_ERR_LEN])
{
    const library_cell *c = row->cells;
    int oom = 0;
    memset(s, 0, sizeof *s);
    s->id = row->id;
    s->title = cell_text(&c[LIBRARY_COL_TITLE], &oom);
    cell_number(&c[LIBRARY_COL_BPM], &s->bpm, &s->has_bpm, &s->malformed_fields);
    s->musical_key = cell_text(&c[LIBRARY_COL_KEY], &oom);
    s->genre = cell_text(&c[LIBRARY_COL_GENRE], &oom);
    s->malformed_fields += cell_string_array(&c[LIBRARY_COL_TAGS], &s->tags, &s->n_tags, &oom);
    const library_cell *vibe = &c[LIBRARY_COL_VIBE_ID];
    if (cur->lib->has_vibe && (vibe->text || vibe->is_number)) {
        s->has_vibe = 1;
        s->mood_primary = cell_text(&c[LIBRARY_COL_MOOD_PRIMARY], &oom);
        s->mood_secondary = cell_text(&c[LIBRARY_COL_MOOD_SECONDARY], &oom);
        cell_number(&c[LIBRARY_COL_ENERGY], &s->energy_level, &s->has_energy, &s->malformed_fields);
        s->malformed_fields +=
            cell_string_array(&c[LIBRARY_COL_TEXTURE_TAGS], &s->texture_tags, &s->n_texture_tags, &oom);
        s->malformed_fields += cell_description(&c[LIBRARY_COL_CHARACTERISTICS], &s->description);
    }
    if (oom) {
        library_sample_clear(s);
        return sv_fail(err, SV_EXIT_DATA, "out of memory reading sample %lld from library '%s'",
                       (long long)row->id, cur->lib->path);
    }
    return 1;
}

int library_cursor_next(library_cursor *cur, library_sample *out, char err[SV_ERR_LEN])
{
    const library_backend_ops *ops = cur->lib->ops;
    for (;;) {
        if (!cur->bound) {
            if (cur->next_range >= cur->n_ranges)
                return 0;
            const idspec_range *r = &cur->ranges[cur->next_range++];
            int rc = ops->range_start(cur->range, r->lo, r->hi, err);
            if (rc)
                return rc;
            cur->bound = 1;
        }
        library_row row;
        int s = ops->range_step(cur->range, &row, err);
        if (s == 1) {
            /* Without UNIQUE(sample_id) a sample could join two vibe rows: keep the first. */
            if (cur->have_last && row.id == cur->last_id)
                continue;
            cur->last_id = row.id;
            cur->have_last = 1;
            return fill(cur, &row, out, err);
        }
        if (s != 0)
            return s;
        cur->bound = 0;
    }
}

void library_cursor_pause(library_cursor *cur)
{
    if (!cur || !cur->bound)
        return;
    cur->lib->ops->range_end(cur->range); /* the application may write now */
    cur->bound = 0;
    idspec_range *r = &cur->ranges[cur->next_range - 1];
    if (cur->have_last && cur->last_id >= r->lo) {
        if (cur->last_id >= r->hi)
            return; /* that range is finished; the next call starts the following one */
        r->lo = cur->last_id + 1;
    }
    cur->next_range--; /* the next call re-binds the rest of this range */
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
    return lib->ops->ids(lib->b, out, n, err);
}

int library_file_path(library *lib, int64_t id, char **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    return lib->ops->file_path(lib->b, id, out, err);
}

int library_values(library *lib, library_facet which, library_value_fn fn, void *ctx,
                   char err[SV_ERR_LEN])
{
    /* GROUP BY lower(): the search filters compare genre and mood case-insensitively, so "Soul"
     * and "soul" are one choice; min() shows one of its spellings. The same SQL runs on SQLite
     * and PostgreSQL. */
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
              "UNION ALL SELECT mood_secondary FROM vibe_analyses) AS moods WHERE trim(m) != '' "
              "GROUP BY lower(m) ORDER BY 2 DESC, 1";
        break;
    }
    if (!sql)
        return sv_fail(err, SV_EXIT_DATA, "library '%s': no such facet", lib->path);
    return lib->ops->values(lib->b, sql, fn, ctx, err);
}
