#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"

#define CHECKPOINT_VERSION 2
#define CHECKPOINT_MAX_BYTES (256u << 20) /* a progress file larger than this is not ours */
#define DOUBLE_EXACT 9007199254740992.0   /* 2^53: version 1 wrote numbers through doubles */

void checkpoint_now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void checkpoint_init(checkpoint *cp)
{
    memset(cp, 0, sizeof *cp);
    checkpoint_now_iso(cp->started_at);
    memcpy(cp->updated_at, cp->started_at, sizeof cp->updated_at);
}

void checkpoint_clear(checkpoint *cp)
{
    for (size_t i = 0; i < cp->n_failures; i++)
        free(cp->failures[i].error);
    free(cp->failures);
    free(cp->selection);
    memset(cp, 0, sizeof *cp);
}

int checkpoint_set_selection(checkpoint *cp, const char *text)
{
    char *copy = text ? strdup(text) : NULL;
    if (text && !copy)
        return -1;
    free(cp->selection);
    cp->selection = copy;
    return 0;
}

int checkpoint_add_failure(checkpoint *cp, int64_t sample_id, const char *error)
{
    if (cp->n_failures == cp->cap_failures) {
        size_t cap = cp->cap_failures ? cp->cap_failures * 2 : 16;
        checkpoint_failure *grown = realloc(cp->failures, cap * sizeof *grown);
        if (!grown)
            return -1;
        cp->failures = grown;
        cp->cap_failures = cap;
    }
    checkpoint_failure *f = &cp->failures[cp->n_failures];
    f->sample_id = sample_id;
    checkpoint_now_iso(f->timestamp);
    if (!(f->error = strdup(error)))
        return -1;
    cp->n_failures++;
    return 0;
}

static int corrupt(const char *path, char err[SV_ERR_LEN], const char *why)
{
    return sv_fail(err, SV_EXIT_DATA,
                   "progress file %s is corrupt (%s): it was left as it is; move it aside, or "
                   "pass --reset to start over",
                   path, why);
}

/* Reads a string member into out; missing or null → "". Wrong type → -1. */
static int get_string(const json_t *obj, const char *key, char *out, size_t cap)
{
    const json_t *item = json_object_get(obj, key);
    out[0] = '\0';
    if (!item || json_is_null(item))
        return 0;
    if (!json_is_string(item))
        return -1;
    snprintf(out, cap, "%s", json_string_value(item));
    return 0;
}

/* An integer member, exact over int64 (missing or null → 0). A version 1 file may hold a
 * double; it is taken only when it is a whole number a double holds exactly. Else -1. */
static int get_int(const json_t *obj, const char *key, int version, int64_t *out)
{
    const json_t *item = json_object_get(obj, key);
    *out = 0;
    if (!item || json_is_null(item))
        return 0;
    if (json_is_integer(item)) {
        *out = (int64_t)json_integer_value(item);
        return 0;
    }
    if (version < 2 && json_is_real(item)) {
        double v = json_real_value(item);
        if (!(fabs(v) <= DOUBLE_EXACT) || v != floor(v))
            return -1;
        *out = (int64_t)v;
        return 0;
    }
    return -1;
}

/* Fills cp from root. 0, or -1 with why filled. */
static int from_json(const json_t *root, checkpoint *cp, char why[96])
{
    if (!json_is_object(root)) {
        snprintf(why, 96, "not a JSON object");
        return -1;
    }
    const char *required[] = {"last_processed_id", "started_at"};
    for (int i = 0; i < 2; i++)
        if (!json_object_get(root, required[i])) {
            snprintf(why, 96, "\"%s\" is missing", required[i]);
            return -1;
        }
    int64_t version = 1;
    if (get_int(root, "version", 1, &version) != 0 || version < 0) {
        snprintf(why, 96, "\"version\" is not a whole number");
        return -1;
    }
    if (version > CHECKPOINT_VERSION) {
        snprintf(why, 96, "written by a newer samplevec (version %lld)", (long long)version);
        return -1;
    }
    int64_t dims;
    struct { const char *key; int64_t *out; int64_t min; } ints[] = {
        {"dims", &dims, 0},
        {"limit", &cp->limit, 0},
        {"last_processed_id", &cp->last_processed_id, INT64_MIN},
        {"total_processed", &cp->total_processed, 0},
        {"total_successful", &cp->total_successful, 0},
        {"total_failed", &cp->total_failed, 0},
        {"total_skipped", &cp->total_skipped, 0},
        {"total_tokens", &cp->total_tokens, 0},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (get_int(root, ints[i].key, (int)version, ints[i].out) != 0) {
            snprintf(why, 96, "\"%s\" is not a whole number in the int64 range", ints[i].key);
            return -1;
        }
        if (*ints[i].out < ints[i].min) {
            snprintf(why, 96, "\"%s\" is negative", ints[i].key);
            return -1;
        }
    }
    if (dims > 65536) {
        snprintf(why, 96, "\"dims\" is out of range");
        return -1;
    }
    cp->dims = (int)dims;
    const json_t *cost = json_object_get(root, "total_cost_usd");
    if (cost && !json_is_null(cost) && (!json_is_number(cost) || !isfinite(json_number_value(cost)))) {
        snprintf(why, 96, "\"total_cost_usd\" is not a number");
        return -1;
    }
    cp->total_cost_usd = cost ? json_number_value(cost) : 0;
    struct { const char *key; char *out; size_t cap; } texts[] = {
        {"provider", cp->provider, sizeof cp->provider},
        {"model", cp->model, sizeof cp->model},
        {"store", cp->store, sizeof cp->store},
        {"started_at", cp->started_at, sizeof cp->started_at},
        {"updated_at", cp->updated_at, sizeof cp->updated_at},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (get_string(root, texts[i].key, texts[i].out, texts[i].cap)) {
            snprintf(why, 96, "\"%s\" is not a string", texts[i].key);
            return -1;
        }
    const json_t *sel = json_object_get(root, "selection");
    if (sel && !json_is_null(sel) &&
        (!json_is_string(sel) || checkpoint_set_selection(cp, json_string_value(sel)) != 0)) {
        snprintf(why, 96, "\"selection\" is not a string");
        return -1;
    }
    const json_t *fin = json_object_get(root, "finished");
    if (fin && !json_is_boolean(fin)) {
        snprintf(why, 96, "\"finished\" is not true or false");
        return -1;
    }
    cp->finished = json_is_true(fin);
    const json_t *failures = json_object_get(root, "failures");
    if (failures && !json_is_null(failures) && !json_is_array(failures)) {
        snprintf(why, 96, "\"failures\" is not an array");
        return -1;
    }
    size_t i;
    const json_t *f;
    json_array_foreach(failures, i, f) {
        int64_t id;
        char error[SV_ERR_LEN], ts[32];
        if (!json_is_object(f) || !json_is_number(json_object_get(f, "sample_id")) ||
            get_int(f, "sample_id", (int)version, &id) || get_string(f, "error", error, sizeof error) ||
            get_string(f, "timestamp", ts, sizeof ts)) {
            snprintf(why, 96, "\"failures\" entry %zu is malformed", i);
            return -1;
        }
        if (checkpoint_add_failure(cp, id, error) != 0) {
            snprintf(why, 96, "out of memory");
            return -1;
        }
        memcpy(cp->failures[cp->n_failures - 1].timestamp, ts, sizeof ts);
    }
    return 0;
}

/* Reads and parses path. 1 = no such file; SV_EXIT_DATA with err. */
static int parse_file(const char *path, json_t **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return 1;
        return sv_fail(err, SV_EXIT_DATA, "cannot read progress file %s: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return sv_fail(err, SV_EXIT_DATA,
                       "progress file %s is not a regular file (a device, a pipe or a directory): "
                       "samplevec neither reads nor replaces it; pass another --progress-file",
                       path);
    size_t len = 0;
    char *text = fileio_read_all(path, CHECKPOINT_MAX_BYTES, &len);
    if (!text) {
        if (errno == ENOENT)
            return 1;
        return sv_fail(err, SV_EXIT_DATA, "cannot read progress file %s: %s", path, strerror(errno));
    }
    json_error_t jerr;
    *out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!*out) {
        char why[96];
        snprintf(why, sizeof why, "not valid JSON: %.60s", jerr.text);
        return corrupt(path, err, why);
    }
    return 0;
}

int checkpoint_load(const char *path, checkpoint *cp, char err[SV_ERR_LEN])
{
    checkpoint_init(cp);
    json_t *root;
    int rc = parse_file(path, &root, err);
    if (rc)
        return rc;
    char why[96];
    if (from_json(root, cp, why) != 0) {
        rc = corrupt(path, err, why);
        checkpoint_clear(cp); /* leave nothing half-loaded behind */
        checkpoint_init(cp);
    }
    json_decref(root);
    return rc;
}

/* A corrupt progress file (cut short by a full disk, edited by hand) is still recognisable by
 * its opening and its keys; a text file or anything else is not. */
static int looks_like_progress_text(const char *path)
{
    size_t len = 0;
    char *text = fileio_read_all(path, CHECKPOINT_MAX_BYTES, &len);
    if (!text)
        return 0;
    const char *p = text + strspn(text, " \t\r\n");
    int ours = *p == '{' && strstr(p, "\"last_processed_id\"") != NULL;
    free(text);
    return ours;
}

int checkpoint_check_replaceable(const char *path, char err[SV_ERR_LEN])
{
    json_t *root;
    int rc = parse_file(path, &root, err);
    if (rc == 1)
        return 0;
    if (rc == 0 && !(json_is_object(root) && json_object_get(root, "last_processed_id") &&
                     json_object_get(root, "started_at")))
        rc = sv_fail(err, SV_EXIT_DATA,
                     "%s is not a samplevec progress file: samplevec does not replace it; "
                     "pass another --progress-file",
                     path);
    else if (rc == SV_EXIT_DATA && strstr(err, "is corrupt")) /* not JSON */
        rc = looks_like_progress_text(path)
                 ? 0
                 : sv_fail(err, SV_EXIT_DATA,
                           "%s is not a samplevec progress file: samplevec does not replace it; "
                           "move it aside or pass another --progress-file",
                           path);
    json_decref(root);
    return rc;
}

/* Builds the file's JSON; NULL when out of memory. */
static json_t *to_json(const checkpoint *cp)
{
    json_t *failures = json_array();
    for (size_t i = 0; failures && i < cp->n_failures; i++)
        if (json_array_append_new(failures,
                                  json_pack("{s:I, s:s, s:s}", "sample_id",
                                            (json_int_t)cp->failures[i].sample_id, "timestamp",
                                            cp->failures[i].timestamp, "error",
                                            cp->failures[i].error)) != 0) {
            json_decref(failures);
            return NULL;
        }
    if (!failures)
        return NULL;
    /* "o" takes the reference to failures whether the pack succeeds or not */
    return json_pack("{s:i, s:s, s:s, s:i, s:s, s:s?, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:f, "
                     "s:o, s:s, s:s, s:b}",
                     "version", CHECKPOINT_VERSION, "provider", cp->provider, "model", cp->model,
                     "dims", cp->dims, "store", cp->store, "selection", cp->selection, "limit",
                     cp->limit > 0 ? json_integer(cp->limit) : json_null(), "last_processed_id",
                     (json_int_t)cp->last_processed_id, "total_processed",
                     (json_int_t)cp->total_processed, "total_successful",
                     (json_int_t)cp->total_successful, "total_failed", (json_int_t)cp->total_failed,
                     "total_skipped", (json_int_t)cp->total_skipped, "total_tokens",
                     (json_int_t)cp->total_tokens, "total_cost_usd", cp->total_cost_usd,
                     "failures", failures, "started_at", cp->started_at, "updated_at",
                     cp->updated_at, "finished", cp->finished);
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int checkpoint_save(const char *path, checkpoint *cp, char err[SV_ERR_LEN])
{
    checkpoint_now_iso(cp->updated_at);
    json_t *root = to_json(cp);
    /* 17 significant digits: the cost reads back to the same double */
    char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(root);
    if (!text)
        return sv_fail(err, SV_EXIT_DATA, "out of memory writing progress file %s", path);

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot write progress file %s: %s", tmp, strerror(errno));
        goto done;
    }
    /* Temp file, fsync, rename, fsync of the directory: after a crash the file is either the
     * old version or the new one, never a mix. */
    if (write_all(fd, text, strlen(text)) != 0 || write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot write progress file %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto done;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot replace progress file %s: %s", path, strerror(errno));
        unlink(tmp);
        goto done;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
done:
    free(text);
    return rc;
}
