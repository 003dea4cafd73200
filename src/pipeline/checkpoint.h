/* checkpoint: the progress file, so an interrupted run resumes exactly.
 *
 * Format (JSON object, written atomically: temp file in the same directory, fsync, rename,
 * fsync of the directory). Every id and count is a JSON integer, exact over the whole int64
 * range (read and written with jansson, never through a double):
 *   {
 *     "version": 2,
 *     "provider": "lexical", "model": "lexical-v1", "dims": 1536,
 *     "store": "samplevec.db",            -- location, never a token
 *     "selection": "all",                 -- the job's samples: "all", or the canonical
 *                                            --sample-ids spec ("1-5,9,-20--10")
 *     "limit": null,                      -- the job's --limit (samples considered in all), or null
 *     "last_processed_id": 1234,          -- every selected sample with id <= this is settled
 *     "total_processed": 1200,            -- samples settled (stored + failed + skipped)
 *     "total_successful": 1190, "total_failed": 2, "total_skipped": 8,
 *     "total_tokens": 389920,             -- tokens of stored samples (billed when known)
 *     "total_cost_usd": 0.0077984,
 *     "failures": [{"sample_id": 7, "timestamp": "2026-11-25T12:00:00Z", "error": "..."}],
 *     "started_at": "2026-11-25T11:59:00Z", "updated_at": "2026-11-25T12:00:00Z",
 *     "finished": false
 *   }
 * Version 1 files (no selection, no limit; numbers may be doubles up to 2^53) are read too.
 * Written only after the batch it describes is committed to the store, so nothing is recorded
 * as done that is not stored. A path that holds anything but a regular file that parses as a
 * progress file is never replaced or removed (checkpoint_check_replaceable).
 */
#ifndef SAMPLEVEC_CHECKPOINT_H
#define SAMPLEVEC_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "provider.h"

#define CHECKPOINT_SELECTION_ALL "all"

typedef struct checkpoint_failure {
    int64_t sample_id;
    char timestamp[32]; /* ISO-8601 UTC */
    char *error;        /* owned */
} checkpoint_failure;

typedef struct checkpoint {
    char provider[32];
    char model[PROVIDER_MODEL_LEN];
    int dims;
    char store[1024];
    char *selection;       /* owned: "all" or a canonical idspec; NULL = not recorded (v1) */
    int64_t limit;         /* 0 = none */
    int64_t last_processed_id;
    int64_t total_processed, total_successful, total_failed, total_skipped;
    int64_t total_tokens;
    double total_cost_usd;
    checkpoint_failure *failures; /* n_failures, owned */
    size_t n_failures, cap_failures;
    char started_at[32], updated_at[32];
    int finished;
} checkpoint;

/* Zeroed checkpoint with started_at = now. */
void checkpoint_init(checkpoint *cp);
void checkpoint_clear(checkpoint *cp); /* frees what cp owns */

/* Loads path. Returns 0, 1 when the file does not exist (cp initialised), or SV_EXIT_DATA for
 * an unreadable or corrupt file, or one that is not a regular file (err names the file and
 * says what to do). */
int checkpoint_load(const char *path, checkpoint *cp, char err[SV_ERR_LEN]);
/* Atomically replaces path with cp (updated_at set to now). 0 or SV_EXIT_DATA. */
int checkpoint_save(const char *path, checkpoint *cp, char err[SV_ERR_LEN]);
/* 0 when path may be replaced by a new progress file: it does not exist, or it is a regular
 * file holding a progress file (corrupt ones included only when it still reads as JSON with
 * samplevec's fields). SV_EXIT_DATA with err otherwise (a device, a directory, a text file):
 * such a path is never touched. */
int checkpoint_check_replaceable(const char *path, char err[SV_ERR_LEN]);
/* Sets cp->selection to a copy of text. 0, or -1 when out of memory. */
int checkpoint_set_selection(checkpoint *cp, const char *text);
/* Records a failure (error copied). Returns 0, or -1 when out of memory. */
int checkpoint_add_failure(checkpoint *cp, int64_t sample_id, const char *error);

/* now as "YYYY-MM-DDTHH:MM:SSZ". */
void checkpoint_now_iso(char out[32]);

#endif
