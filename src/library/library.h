/* Layer library/ (docs/architecture.md): the sample manager's data, read-only; builds on base/.
 *
 * library: reads the sample manager's SQLite database (sp404_samples.db), read-only, streaming.
 *
 * Tables read (the application's SQLAlchemy models):
 *   samples(id INTEGER PRIMARY KEY, user_id, title NOT NULL, file_path NOT NULL, file_size,
 *           duration FLOAT, bpm FLOAT, musical_key, genre, bpm_confidence, genre_confidence,
 *           key_confidence, tags JSON (array of strings or NULL), extra_metadata JSON,
 *           analysis_metadata JSON, created_at, analyzed_at, last_accessed_at)
 *   vibe_analyses(id, sample_id UNIQUE NOT NULL → samples.id, mood_primary NOT NULL,
 *           mood_secondary, energy_level FLOAT 0..1, danceability, acousticness,
 *           instrumentalness, texture_tags JSON (array), characteristics JSON (object; key
 *           raw_analysis = the long description), model_version, confidence_score,
 *           processing_time_ms, created_at)          -- optional: older databases lack it
 * Needed columns: samples.id, title, bpm, musical_key, genre, tags; vibe_analyses (when the
 * table exists) sample_id, mood_primary, mood_secondary, energy_level, texture_tags,
 * characteristics. A missing one → SV_EXIT_DATA naming it.
 */
#ifndef SAMPLEVEC_LIBRARY_H
#define SAMPLEVEC_LIBRARY_H

#include <stddef.h>
#include <stdint.h>

#include "idspec.h"
#include "msg.h"

typedef struct library_sample {
    int64_t id;
    char *title, *genre, *musical_key;  /* NULL when missing */
    double bpm;                         /* valid when has_bpm */
    int has_bpm;
    char **tags;                        /* samples.tags, n_tags strings */
    size_t n_tags;
    int has_vibe;                       /* a vibe_analyses row exists */
    char *mood_primary, *mood_secondary;
    double energy_level;                /* valid when has_energy */
    int has_energy;
    char **texture_tags;
    size_t n_texture_tags;
    char *description;                  /* characteristics.raw_analysis, NULL when missing */
    int malformed_fields;               /* JSON fields that could not be parsed (0 = clean) */
} library_sample;

typedef struct library library;
typedef struct library_cursor library_cursor;

/* Opens path read-only (SQLITE_OPEN_READONLY, immutable writes impossible) and checks the
 * schema. NULL on failure with err filled (always SV_EXIT_DATA). */
library *library_open(const char *path, char err[SV_ERR_LEN]);
void library_close(library *lib); /* NULL is a no-op */

/* 1 if the database has a vibe_analyses table. */
int library_has_vibe(const library *lib);

/* Samples matching sel (NULL = all). Returns 0 or SV_EXIT_DATA. */
int library_count(library *lib, const idspec *sel, int64_t *out, char err[SV_ERR_LEN]);

/* Cursor over samples matching sel (NULL = all) in id order: every one when after_id is NULL,
 * else those with id > *after_id. (A pointer, because no int64 can stand for "before the
 * first": INT64_MIN is a valid samples.id.) Memory stays bounded whatever the library size. */
library_cursor *library_cursor_new(library *lib, const idspec *sel, const int64_t *after_id,
                                   char err[SV_ERR_LEN]);
/* 1 = *out filled (caller clears it with library_sample_clear), 0 = end, SV_EXIT_DATA = error. */
int library_cursor_next(library_cursor *cur, library_sample *out, char err[SV_ERR_LEN]);
void library_cursor_free(library_cursor *cur); /* NULL is a no-op */
/* Ends the cursor's read transaction so that the application can write to its database while
 * a long run waits on a provider; the next library_cursor_next carries on after the last
 * sample returned. */
void library_cursor_pause(library_cursor *cur);

/* Every samples.id, ascending, into a new array (*out, caller frees; *n of them). 8 bytes a
 * sample. 0 or SV_EXIT_DATA. */
int library_ids(library *lib, int64_t **out, size_t *n, char err[SV_ERR_LEN]);

/* samples.file_path of sample id, as stored (caller frees *out). 1 = found (*out NULL when the
 * column is NULL), 0 = no such sample, SV_EXIT_DATA on error. */
int library_file_path(library *lib, int64_t id, char **out, char err[SV_ERR_LEN]);

/* The library's own vocabulary, for filters a person picks from. */
typedef enum library_facet {
    LIBRARY_FACET_GENRE, /* samples.genre */
    LIBRARY_FACET_MOOD,  /* vibe_analyses.mood_primary and mood_secondary (none without the table) */
    LIBRARY_FACET_KEY,   /* samples.musical_key, as spelled */
} library_facet;
/* Called once per distinct value (compared case-insensitively, blanks-only values left out),
 * most frequent first, with the number of samples (for moods: of mentions) that have it.
 * Return non-zero to stop. value is borrowed for the call. */
typedef int (*library_value_fn)(const char *value, int64_t count, void *ctx);
int library_values(library *lib, library_facet which, library_value_fn fn, void *ctx,
                   char err[SV_ERR_LEN]);

/* Frees what *s owns and zeroes it. */
void library_sample_clear(library_sample *s);

#endif
