#include "checkpoint.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"

#define CHECKPOINT_VERSION 1
#define CHECKPOINT_MAX_BYTES (256u << 20) /* a progress file larger than this is not ours */

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
    memset(cp, 0, sizeof *cp);
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

/* Reads a string member into out; missing → "". Wrong type → -1. */
static int get_string(const cJSON *obj, const char *key, char *out, size_t cap)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    out[0] = '\0';
    if (!item || cJSON_IsNull(item))
        return 0;
    if (!cJSON_IsString(item))
        return -1;
    snprintf(out, cap, "%s", item->valuestring);
    return 0;
}

static int get_number(const cJSON *obj, const char *key, double *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = 0;
    if (!item)
        return 0;
    if (!cJSON_IsNumber(item))
        return -1;
    *out = item->valuedouble;
    return 0;
}

int checkpoint_load(const char *path, checkpoint *cp, char err[SV_ERR_LEN])
{
    checkpoint_init(cp);
    size_t len = 0;
    char *text = fileio_read_all(path, CHECKPOINT_MAX_BYTES, &len);
    if (!text) {
        if (errno == ENOENT)
            return 1;
        return sv_fail(err, SV_EXIT_DATA, "cannot read progress file %s: %s", path,
                       strerror(errno));
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!root)
        return corrupt(path, err, "not valid JSON");
    int rc = 0;
    double v[9];
    const char *nums[] = {"version", "dims", "last_processed_id", "total_processed",
                          "total_successful", "total_failed", "total_skipped", "total_tokens",
                          "total_cost_usd"};
    if (!cJSON_IsObject(root)) {
        rc = corrupt(path, err, "not a JSON object");
        goto done;
    }
    for (int i = 0; i < 9; i++) {
        char why[96];
        if (get_number(root, nums[i], &v[i]) != 0)
            snprintf(why, sizeof why, "\"%s\" is not a number", nums[i]);
        else if (!(fabs(v[i]) <= 9007199254740992.0)) /* 2^53: exact in a double; NaN fails too */
            snprintf(why, sizeof why, "\"%s\" is out of range", nums[i]);
        else
            continue;
        rc = corrupt(path, err, why);
        goto done;
    }
    const char *required[] = {"last_processed_id", "started_at"};
    for (int i = 0; i < 2; i++)
        if (!cJSON_GetObjectItemCaseSensitive(root, required[i])) {
            char why[96];
            snprintf(why, sizeof why, "\"%s\" is missing", required[i]);
            rc = corrupt(path, err, why);
            goto done;
        }
    if (v[0] > CHECKPOINT_VERSION) {
        rc = corrupt(path, err, "written by a newer samplevec");
        goto done;
    }
    struct { const char *key; char *out; size_t cap; } texts[] = {
        {"provider", cp->provider, sizeof cp->provider},
        {"model", cp->model, sizeof cp->model},
        {"store", cp->store, sizeof cp->store},
        {"started_at", cp->started_at, sizeof cp->started_at},
        {"updated_at", cp->updated_at, sizeof cp->updated_at},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (get_string(root, texts[i].key, texts[i].out, texts[i].cap)) {
            char why[96];
            snprintf(why, sizeof why, "\"%s\" is not a string", texts[i].key);
            rc = corrupt(path, err, why);
            goto done;
        }
    cp->dims = (int)v[1];
    cp->last_processed_id = (int64_t)v[2];
    cp->total_processed = (int64_t)v[3];
    cp->total_successful = (int64_t)v[4];
    cp->total_failed = (int64_t)v[5];
    cp->total_skipped = (int64_t)v[6];
    cp->total_tokens = (int64_t)v[7];
    cp->total_cost_usd = v[8];
    cp->finished = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "finished"));
    const cJSON *failures = cJSON_GetObjectItemCaseSensitive(root, "failures");
    if (failures && !cJSON_IsArray(failures)) {
        rc = corrupt(path, err, "\"failures\" is not an array");
        goto done;
    }
    const cJSON *f;
    cJSON_ArrayForEach(f, failures)
    {
        double id;
        char error[SV_ERR_LEN], ts[32];
        if (!cJSON_IsObject(f) || get_number(f, "sample_id", &id) || !(fabs(id) <= 9007199254740992.0) ||
            get_string(f, "error", error, sizeof error) || get_string(f, "timestamp", ts, sizeof ts)) {
            char why[96];
            snprintf(why, sizeof why, "\"failures\" entry %zu is malformed", cp->n_failures);
            rc = corrupt(path, err, why);
            goto done;
        }
        if (checkpoint_add_failure(cp, (int64_t)id, error) != 0) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory reading %s", path);
            goto done;
        }
        memcpy(cp->failures[cp->n_failures - 1].timestamp, ts, sizeof ts);
    }
done:
    cJSON_Delete(root);
    if (rc) { /* leave nothing half-loaded behind */
        checkpoint_clear(cp);
        checkpoint_init(cp);
    }
    return rc;
}

static cJSON *to_json(const checkpoint *cp)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "version", CHECKPOINT_VERSION);
    cJSON_AddStringToObject(root, "provider", cp->provider);
    cJSON_AddStringToObject(root, "model", cp->model);
    cJSON_AddNumberToObject(root, "dims", cp->dims);
    cJSON_AddStringToObject(root, "store", cp->store);
    cJSON_AddNumberToObject(root, "last_processed_id", (double)cp->last_processed_id);
    cJSON_AddNumberToObject(root, "total_processed", (double)cp->total_processed);
    cJSON_AddNumberToObject(root, "total_successful", (double)cp->total_successful);
    cJSON_AddNumberToObject(root, "total_failed", (double)cp->total_failed);
    cJSON_AddNumberToObject(root, "total_skipped", (double)cp->total_skipped);
    cJSON_AddNumberToObject(root, "total_tokens", (double)cp->total_tokens);
    cJSON_AddNumberToObject(root, "total_cost_usd", cp->total_cost_usd);
    cJSON *failures = cJSON_AddArrayToObject(root, "failures");
    for (size_t i = 0; i < cp->n_failures; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddNumberToObject(f, "sample_id", (double)cp->failures[i].sample_id);
        cJSON_AddStringToObject(f, "timestamp", cp->failures[i].timestamp);
        cJSON_AddStringToObject(f, "error", cp->failures[i].error);
        cJSON_AddItemToArray(failures, f);
    }
    cJSON_AddStringToObject(root, "started_at", cp->started_at);
    cJSON_AddStringToObject(root, "updated_at", cp->updated_at);
    cJSON_AddBoolToObject(root, "finished", cp->finished);
    return root;
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
    cJSON *root = to_json(cp);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
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
    cJSON_free(text);
    return rc;
}
