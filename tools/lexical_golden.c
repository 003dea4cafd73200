/* lexical_golden: writes the golden vectors of a lexical model (tests/data/lexical/README.md).
 *
 *   lexical_golden MODEL TEXTS.json DIMS... > tests/data/lexical/golden/MODEL.json
 *
 * Embeds every text of TEXTS.json (an array of strings, or {"hex": "..."} for raw bytes) with
 * the lexical provider at each DIMS, and prints
 *   {"model": MODEL, "vectors": [{"text": ..., "dims": N, "nonzero": [[i, "bits"], ...]} or
 *                                {"text": ..., "dims": N, "error": "..."}, ...]}
 * where "bits" are the float32's IEEE-754 bits in hex and every unlisted element is +0.0.
 * Run it once when a model version is released, never again for that version. */
#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "provider.h"

/* The bytes of texts.json entry e (string or {"hex"}); malloc'd, *len set; NULL when bad. */
static char *entry_bytes(const cJSON *e, size_t *len)
{
    if (cJSON_IsString(e)) {
        *len = strlen(e->valuestring);
        return strdup(e->valuestring);
    }
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
    *len = n;
    return out;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: lexical_golden MODEL TEXTS.json DIMS... > MODEL.json\n");
        return 2;
    }
    char err[SV_ERR_LEN];
    size_t len = 0;
    char *json = fileio_read_all(argv[2], 1 << 24, &len);
    cJSON *texts = json ? cJSON_Parse(json) : NULL;
    free(json);
    if (!cJSON_IsArray(texts)) {
        fprintf(stderr, "lexical_golden: %s is not a JSON array of texts\n", argv[2]);
        cJSON_Delete(texts);
        return 3;
    }
    int n = cJSON_GetArraySize(texts), rc = 0;
    cJSON *root = cJSON_CreateObject(), *out = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "model", argv[1]);
    cJSON_AddItemToObject(root, "vectors", out);
    for (int a = 3; a < argc && rc == 0; a++) {
        provider_config cfg = {.name = "lexical", .model = argv[1], .dims = atoi(argv[a]), .threads = 1};
        int code = 0;
        provider *p = provider_open(&cfg, &code, err);
        if (!p) {
            fprintf(stderr, "lexical_golden: %s\n", err);
            rc = code ? code : 2;
            break;
        }
        for (int t = 0; t < n; t++) {
            const cJSON *e = cJSON_GetArrayItem(texts, t);
            char *bytes = entry_bytes(e, &len);
            float *v = calloc((size_t)p->dims, sizeof *v);
            provider_text_result res = {0};
            int64_t billed;
            const char *one[1] = {bytes};
            if (!bytes || !v || provider_embed(p, one, 1, v, &res, &billed, err) != 0) {
                fprintf(stderr, "lexical_golden: text %d: %s\n", t, bytes ? err : "bad entry");
                rc = 3;
            } else {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddItemToObject(o, "text", cJSON_Duplicate(e, 1));
                cJSON_AddNumberToObject(o, "dims", p->dims);
                if (res.error) {
                    cJSON_AddStringToObject(o, "error", res.error);
                } else {
                    cJSON *nz = cJSON_AddArrayToObject(o, "nonzero");
                    for (int i = 0; i < p->dims; i++) {
                        uint32_t bits;
                        memcpy(&bits, &v[i], sizeof bits);
                        if (!bits)
                            continue;
                        char hex[9];
                        snprintf(hex, sizeof hex, "%08x", bits);
                        cJSON *pair = cJSON_CreateArray();
                        cJSON_AddItemToArray(pair, cJSON_CreateNumber(i));
                        cJSON_AddItemToArray(pair, cJSON_CreateString(hex));
                        cJSON_AddItemToArray(nz, pair);
                    }
                }
                cJSON_AddItemToArray(out, o);
            }
            provider_results_clear(&res, 1);
            free(v);
            free(bytes);
        }
        provider_free(p);
    }
    if (rc == 0) { /* one vector per line: diffs of a golden file stay readable */
        char *model = cJSON_PrintUnformatted(cJSON_GetObjectItem(root, "model"));
        printf("{\"model\": %s, \"vectors\": [\n", model);
        cJSON_free(model);
        for (int i = 0; i < cJSON_GetArraySize(out); i++) {
            char *line = cJSON_PrintUnformatted(cJSON_GetArrayItem(out, i));
            printf("%s%s\n", line, i + 1 < cJSON_GetArraySize(out) ? "," : "");
            cJSON_free(line);
        }
        printf("]}\n");
    }
    cJSON_Delete(root);
    cJSON_Delete(texts);
    return rc;
}
