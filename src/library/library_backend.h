/* library_backend: what library.c needs from a database engine, so that the sample manager's
 * tables can be read from SQLite (library_sqlite.c) or PostgreSQL (library_pg.c) alike.
 * Internal to library/: everything above sees library.h only.
 *
 * A backend answers three things: which columns a table has, how many samples lie in an id
 * range, and the rows of an id range in id order, as raw cells (library_row below). Turning
 * cells into a library_sample (JSON columns, numbers stored as text, malformed values) is
 * library.c's, the same for every engine.
 */
#ifndef SAMPLEVEC_LIBRARY_BACKEND_H
#define SAMPLEVEC_LIBRARY_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* The columns of a row, in this order (vibe columns NULL when the sample has no analysis or
 * the library has no vibe_analyses table):
 *   s.id, s.title, s.bpm, s.musical_key, s.genre, s.tags,
 *   v.sample_id, v.mood_primary, v.mood_secondary, v.energy_level, v.texture_tags,
 *   v.characteristics */
enum {
    LIBRARY_COL_ID, LIBRARY_COL_TITLE, LIBRARY_COL_BPM, LIBRARY_COL_KEY, LIBRARY_COL_GENRE,
    LIBRARY_COL_TAGS, LIBRARY_COL_VIBE_ID, LIBRARY_COL_MOOD_PRIMARY, LIBRARY_COL_MOOD_SECONDARY,
    LIBRARY_COL_ENERGY, LIBRARY_COL_TEXTURE_TAGS, LIBRARY_COL_CHARACTERISTICS, LIBRARY_N_COLS
};

typedef struct library_cell {
    const char *text;  /* NUL-terminated, len bytes; NULL for SQL NULL (unless is_number) */
    size_t len;
    int is_number;     /* the engine holds a number: `number` is it, text may be NULL */
    double number;
} library_cell;

/* One row: id and cells borrowed until the next step, pause or end. */
typedef struct library_row {
    int64_t id;
    library_cell cells[LIBRARY_N_COLS];
} library_row;

typedef struct library_backend library_backend; /* the engine's connection */
/* A row of a values query (library.h's library_value_fn, the same type). */
typedef int (*library_backend_value_fn)(const char *value, int64_t count, void *ctx);
typedef struct library_range library_range;     /* an id range being read */

typedef struct library_backend_ops {
    /* found[i] = table has column want[i] (case-insensitive); *exists = the table exists. */
    int (*table_columns)(library_backend *b, const char *table, const char *const *want, size_t n,
                         int *found, int *exists, char err[SV_ERR_LEN]);
    /* Samples with lo <= id <= hi. */
    int (*count)(library_backend *b, int64_t lo, int64_t hi, int64_t *out, char err[SV_ERR_LEN]);
    /* A reader of id ranges (with the vibe_analyses join when has_vibe). NULL with err. */
    library_range *(*range_new)(library_backend *b, int has_vibe, char err[SV_ERR_LEN]);
    /* Starts reading lo <= id <= hi, in id order; ends any read in progress. */
    int (*range_start)(library_range *r, int64_t lo, int64_t hi, char err[SV_ERR_LEN]);
    /* 1 = *row filled, 0 = the range is done, SV_EXIT_DATA = error. */
    int (*range_step)(library_range *r, library_row *row, char err[SV_ERR_LEN]);
    /* Ends the read in progress: no lock, transaction or snapshot is held afterwards. */
    void (*range_end)(library_range *r);
    void (*range_free)(library_range *r);
    /* Every samples.id, ascending, into a new array (*out, caller frees; *n of them). */
    int (*ids)(library_backend *b, int64_t **out, size_t *n, char err[SV_ERR_LEN]);
    /* samples.file_path of sample id (caller frees *out; NULL for SQL NULL): 1 found, 0 no such
     * sample, SV_EXIT_DATA. */
    int (*file_path)(library_backend *b, int64_t id, char **out, char err[SV_ERR_LEN]);
    /* Runs sql (no parameters; it selects (text value, integer count) rows) and calls fn per
     * row with a non-NULL value, until fn returns non-zero. */
    int (*values)(library_backend *b, const char *sql, library_backend_value_fn fn, void *ctx,
                  char err[SV_ERR_LEN]);
    void (*close)(library_backend *b);
} library_backend_ops;

/* Each opens its location read-only and returns the backend, or NULL with err (SV_EXIT_DATA).
 * library_pg_open fills `where` with the URL as messages name it (without secrets). */
library_backend *library_sqlite_open(const char *path, const library_backend_ops **ops,
                                     char err[SV_ERR_LEN]);
library_backend *library_pg_open(const char *url, const library_backend_ops **ops,
                                 char where[1024], char err[SV_ERR_LEN]);

#endif
