/* lexical golden vectors: every released lexical model gives, bit for bit, the vectors its
 * golden file records (tests/data/lexical/golden/MODEL.json, written once by
 * tools/lexical_golden.c when the model was released; format in tests/data/lexical/README.md).
 * Every file in that folder is checked, so a new model version is pinned by adding its file.
 * A changed hash seed, weight, tokenisation or normalisation of a released model fails here. */
#include <cJSON.h>
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fileio.h"
#include "provider.h"

#define GOLDEN_DIR TEST_DATA_DIR "/lexical/golden"

/* The bytes of a text entry (string or {"hex"}); malloc'd; NULL when malformed. */
static char *entry_bytes(const cJSON *e)
{
    if (cJSON_IsString(e))
        return strdup(e->valuestring);
    const cJSON *hex = cJSON_GetObjectItemCaseSensitive(e, "hex");
    if (!cJSON_IsString(hex) || strlen(hex->valuestring) % 2)
        return NULL;
    size_t n = strlen(hex->valuestring) / 2;
    char *out = malloc(n + 1);
    for (size_t i = 0; out && i < n; i++) {
        unsigned v;
        if (sscanf(hex->valuestring + 2 * i, "%2x", &v) != 1) {
            free(out);
            return NULL;
        }
        out[i] = (char)v;
    }
    if (out)
        out[n] = 0;
    return out;
}

/* Compares one golden entry with the provider's vector; returns 1 when equal. */
static int check_entry(const char *file, provider *p, const cJSON *entry, int *errors_seen)
{
    char err[SV_ERR_LEN] = "";
    char *text = entry_bytes(cJSON_GetObjectItem(entry, "text"));
    const cJSON *want_err = cJSON_GetObjectItem(entry, "error"), *nz = cJSON_GetObjectItem(entry, "nonzero");
    if (!text || (!cJSON_IsString(want_err) && !cJSON_IsArray(nz))) {
        fprintf(stderr, "%s: a malformed entry\n", file);
        free(text);
        return 0;
    }
    float *got = calloc((size_t)p->dims, sizeof *got);
    uint32_t *want = calloc((size_t)p->dims, sizeof *want);
    provider_text_result res = {0};
    int64_t billed;
    const char *one[1] = {text};
    int ok = got && want && provider_embed(p, one, 1, got, &res, &billed, err) == 0;
    if (!ok)
        fprintf(stderr, "%s: embed failed: %s\n", file, err);
    else if (cJSON_IsString(want_err)) {
        ok = res.error && strcmp(res.error, want_err->valuestring) == 0;
        (*errors_seen)++;
        if (!ok)
            fprintf(stderr, "%s: text %.40s at %d dims: error '%s', want '%s'\n", file, text, p->dims,
                    res.error ? res.error : "(none)", want_err->valuestring);
    } else if (res.error) {
        ok = 0;
        fprintf(stderr, "%s: text %.40s at %d dims: error '%s', want a vector\n", file, text, p->dims, res.error);
    } else {
        const cJSON *pair;
        cJSON_ArrayForEach(pair, nz)
        {
            int i = cJSON_GetArrayItem(pair, 0)->valueint;
            if (i < 0 || i >= p->dims)
                ok = 0;
            else
                want[i] = (uint32_t)strtoul(cJSON_GetArrayItem(pair, 1)->valuestring, NULL, 16);
        }
        int diffs = 0;
        for (int i = 0; i < p->dims; i++) {
            uint32_t bits;
            memcpy(&bits, &got[i], sizeof bits);
            if (bits != want[i] && diffs++ < 3)
                fprintf(stderr, "%s: text \"%.40s\" at %d dims: element %d is %08x (%.9g), want %08x\n",
                        file, text, p->dims, i, bits, (double)got[i], want[i]);
        }
        if (diffs)
            fprintf(stderr, "%s: text \"%.40s\": %d of %d elements differ\n", file, text, diffs, p->dims);
        ok = ok && diffs == 0;
    }
    provider_results_clear(&res, 1);
    free(got);
    free(want);
    free(text);
    return ok;
}

static void check_file(const char *path, const char *name)
{
    size_t len = 0;
    char *json = fileio_read_all(path, 1 << 24, &len);
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    free(json);
    const cJSON *model = cJSON_GetObjectItem(root, "model"), *vectors = cJSON_GetObjectItem(root, "vectors");
    CHECK(cJSON_IsString(model) && cJSON_IsArray(vectors) && cJSON_GetArraySize(vectors) > 0);
    if (!cJSON_IsString(model) || !cJSON_IsArray(vectors)) {
        fprintf(stderr, "%s: not a golden file (want {\"model\", \"vectors\"})\n", name);
        cJSON_Delete(root);
        return;
    }
    /* the file is named after its model: lexical-v1.json holds lexical-v1 */
    char want_name[300];
    snprintf(want_name, sizeof want_name, "%s.json", model->valuestring);
    CHECK_STR_EQ(name, want_name);
    int checked = 0, equal = 0, errors_seen = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, vectors)
    {
        char err[SV_ERR_LEN] = "";
        int code = 0;
        provider_config cfg = {.name = "lexical", .model = model->valuestring,
                               .dims = cJSON_GetObjectItem(entry, "dims") ? cJSON_GetObjectItem(entry, "dims")->valueint : 0};
        provider *p = provider_open(&cfg, &code, err);
        if (!p) {
            fprintf(stderr, "%s: %s\n", name, err);
            CHECK(p != NULL);
            continue;
        }
        checked++;
        equal += check_entry(name, p, entry, &errors_seen);
        provider_free(p);
    }
    printf("%s: %d of %d golden vectors equal bit for bit (%d of them error cases)\n", model->valuestring,
           equal, checked, errors_seen);
    CHECK(checked == cJSON_GetArraySize(vectors) && equal == checked);
    cJSON_Delete(root);
}

int main(void)
{
    DIR *d = opendir(GOLDEN_DIR);
    CHECK(d != NULL);
    int files = 0, has_v1 = 0, has_v2 = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", GOLDEN_DIR, e->d_name);
        files++;
        has_v1 |= strcmp(e->d_name, "lexical-v1.json") == 0;
        has_v2 |= strcmp(e->d_name, "lexical-v2.json") == 0;
        check_file(path, e->d_name);
    }
    if (d)
        closedir(d);
    CHECK(has_v1 && has_v2); /* every released model is pinned, always */
    CHECK(files >= 1);
    return check_summary();
}
