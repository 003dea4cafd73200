#include "ollama.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

#define OLLAMA_DEFAULT_HOST "registry.ollama.ai"
#define OLLAMA_DEFAULT_NAMESPACE "library"
#define OLLAMA_DEFAULT_TAG "latest"
#define OLLAMA_MODEL_MEDIA_TYPE "application/vnd.ollama.image.model"
#define OLLAMA_MANIFEST_MAX (1u << 20) /* real manifests are ~1 KB */
#define OLLAMA_PART_LEN 128

/* snprintf into a path buffer; -1 when the result would not fit (the path is then unusable). */
__attribute__((format(printf, 3, 4))) static int fmt_path(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int ollama_root(char root[OLLAMA_PATH_LEN])
{
    /* Ollama itself uses $OLLAMA_MODELS alone when it is set. */
    const char *env = getenv("OLLAMA_MODELS");
    const char *home = getenv("HOME");
    char candidates[2][OLLAMA_PATH_LEN];
    int n = 0;
    if (env && *env) {
        n += fmt_path(candidates[n], OLLAMA_PATH_LEN, "%s", env) == 0;
    } else {
        if (home && *home)
            n += fmt_path(candidates[n], OLLAMA_PATH_LEN, "%s/.ollama/models", home) == 0;
        n += fmt_path(candidates[n], OLLAMA_PATH_LEN, "/usr/share/ollama/.ollama/models") == 0;
    }
    for (int i = 0; i < n; i++) {
        char manifests[OLLAMA_PATH_LEN];
        if (fmt_path(manifests, sizeof manifests, "%s/manifests", candidates[i]) == 0 && is_dir(manifests)) {
            memcpy(root, candidates[i], OLLAMA_PATH_LEN);
            return 1;
        }
    }
    if (n)
        memcpy(root, candidates[0], OLLAMA_PATH_LEN);
    else
        root[0] = '\0';
    return 0;
}

/* One path component of a name: letters, digits, '_', '-', '.', not "." or "..", so a name
 * can never walk out of the manifests folder. */
static int valid_part(const char *s, size_t len)
{
    if (len == 0 || len >= OLLAMA_PART_LEN || (s[0] == '.' && (len == 1 || (len == 2 && s[1] == '.'))))
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

typedef struct name_parts {
    char host[OLLAMA_PART_LEN], ns[OLLAMA_PART_LEN], model[OLLAMA_PART_LEN], tag[OLLAMA_PART_LEN];
} name_parts;

/* Splits MODEL[:TAG], NS/MODEL[:TAG] or HOST/NS/MODEL[:TAG]. 0 when name is not one. */
static int parse_name(const char *name, name_parts *np)
{
    const char *parts[3];
    size_t lens[3];
    int n = 0;
    const char *s = name;
    for (;;) {
        const char *slash = strchr(s, '/');
        if (n == 3)
            return 0;
        parts[n] = s;
        lens[n] = slash ? (size_t)(slash - s) : strlen(s);
        n++;
        if (!slash)
            break;
        s = slash + 1;
    }
    /* the tag follows the last ':' of the last part */
    const char *last = parts[n - 1];
    const char *colon = memchr(last, ':', lens[n - 1]);
    size_t model_len = colon ? (size_t)(colon - last) : lens[n - 1];
    const char *tag = colon ? colon + 1 : OLLAMA_DEFAULT_TAG;
    size_t tag_len = colon ? lens[n - 1] - model_len - 1 : strlen(OLLAMA_DEFAULT_TAG);
    if (!valid_part(last, model_len) || !valid_part(tag, tag_len))
        return 0;
    for (int i = 0; i < n - 1; i++)
        if (!valid_part(parts[i], lens[i]))
            return 0;
    snprintf(np->host, sizeof np->host, "%.*s", n == 3 ? (int)lens[0] : (int)strlen(OLLAMA_DEFAULT_HOST),
             n == 3 ? parts[0] : OLLAMA_DEFAULT_HOST);
    snprintf(np->ns, sizeof np->ns, "%.*s", n >= 2 ? (int)lens[n - 2] : (int)strlen(OLLAMA_DEFAULT_NAMESPACE),
             n >= 2 ? parts[n - 2] : OLLAMA_DEFAULT_NAMESPACE);
    snprintf(np->model, sizeof np->model, "%.*s", (int)model_len, last);
    snprintf(np->tag, sizeof np->tag, "%.*s", (int)tag_len, tag);
    return 1;
}

/* The name as Ollama lists it: the default host and namespace left out. */
static void display_name(const name_parts *np, char out[OLLAMA_NAME_LEN])
{
    if (strcmp(np->host, OLLAMA_DEFAULT_HOST) != 0)
        snprintf(out, OLLAMA_NAME_LEN, "%s/%s/%s:%s", np->host, np->ns, np->model, np->tag);
    else if (strcmp(np->ns, OLLAMA_DEFAULT_NAMESPACE) != 0)
        snprintf(out, OLLAMA_NAME_LEN, "%s/%s:%s", np->ns, np->model, np->tag);
    else
        snprintf(out, OLLAMA_NAME_LEN, "%s:%s", np->model, np->tag);
}

/* Reads the manifest at `manifest` and fills out->path/size from its model layer, checking
 * the blob. 0, or SV_EXIT_DATA with err. */
static int read_manifest(const char *root, const char *manifest, ollama_model *out, char err[SV_ERR_LEN])
{
    size_t len;
    char *text = fileio_read_all(manifest, OLLAMA_MANIFEST_MAX, &len);
    if (!text)
        return sv_fail(err, SV_EXIT_DATA, "Ollama manifest %s: %s", manifest, strerror(errno));
    int rc = 0;
    cJSON *doc = cJSON_ParseWithLength(text, len);
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(doc, "layers");
    const cJSON *layer, *model_layer = NULL;
    const cJSON *layer_list = cJSON_IsArray(layers) ? layers : NULL;
    cJSON_ArrayForEach(layer, layer_list)
    {
        const cJSON *mt = cJSON_GetObjectItemCaseSensitive(layer, "mediaType");
        if (cJSON_IsString(mt) && strcmp(mt->valuestring, OLLAMA_MODEL_MEDIA_TYPE) == 0) {
            model_layer = layer;
            break;
        }
    }
    if (!doc || !cJSON_IsArray(layers)) {
        rc = sv_fail(err, SV_EXIT_DATA, "Ollama manifest %s is not a manifest (no \"layers\" array): "
                     "run `ollama pull` for the model again", manifest);
        goto cleanup;
    }
    if (!model_layer) {
        rc = sv_fail(err, SV_EXIT_DATA, "Ollama manifest %s has no model layer (%s): it is not a "
                     "model samplevec can run", manifest, OLLAMA_MODEL_MEDIA_TYPE);
        goto cleanup;
    }
    const cJSON *digest = cJSON_GetObjectItemCaseSensitive(model_layer, "digest");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(model_layer, "size");
    const char *d = cJSON_IsString(digest) ? digest->valuestring : "";
    /* exactly "sha256:" and 64 lowercase hex digits: the blob's file name is built from it */
    int ok = strncmp(d, "sha256:", 7) == 0 && strlen(d) == 7 + 64;
    for (size_t i = 7; ok && d[i]; i++)
        ok = (d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f');
    if (!ok) {
        rc = sv_fail(err, SV_EXIT_DATA, "Ollama manifest %s: the model layer's digest is not "
                     "\"sha256:<64 hex digits>\"", manifest);
        goto cleanup;
    }
    if (fmt_path(out->path, OLLAMA_PATH_LEN, "%s/blobs/sha256-%s", root, d + 7)) {
        rc = sv_fail(err, SV_EXIT_DATA, "Ollama store path %s is too long", root);
        goto cleanup;
    }
    out->size = cJSON_IsNumber(size) && size->valuedouble >= 0 ? (uint64_t)size->valuedouble : 0;
    struct stat st;
    if (stat(out->path, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = sv_fail(err, SV_EXIT_DATA, "Ollama manifest %s names blob %s, which is missing: run "
                     "`ollama pull` for the model again", manifest, out->path);
        goto cleanup;
    }
    if (cJSON_IsNumber(size) && (uint64_t)st.st_size != out->size) {
        rc = sv_fail(err, SV_EXIT_DATA, "Ollama blob %s has %lld bytes, its manifest says %llu: the "
                     "download is incomplete; run `ollama pull` for the model again",
                     out->path, (long long)st.st_size, (unsigned long long)out->size);
        goto cleanup;
    }
    out->size = (uint64_t)st.st_size;
    FILE *f = fopen(out->path, "rb");
    char magic[4] = {0};
    size_t got = f ? fread(magic, 1, 4, f) : 0;
    if (f)
        fclose(f);
    if (got != 4 || memcmp(magic, "GGUF", 4) != 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "Ollama blob %s (from manifest %s) is not a GGUF file",
                     out->path, manifest);
        goto cleanup;
    }
cleanup:
    cJSON_Delete(doc);
    free(text);
    return rc;
}

int ollama_resolve(const char *name, ollama_model *out, char err[SV_ERR_LEN])
{
    name_parts np;
    char root[OLLAMA_PATH_LEN];
    if (!name || !parse_name(name, &np) || !ollama_root(root))
        return 1;
    char manifest[OLLAMA_PATH_LEN];
    struct stat st;
    if (fmt_path(manifest, sizeof manifest, "%s/manifests/%s/%s/%s/%s", root, np.host, np.ns, np.model, np.tag) ||
        stat(manifest, &st) != 0 || !S_ISREG(st.st_mode))
        return 1;
    memset(out, 0, sizeof *out);
    display_name(&np, out->name);
    return read_manifest(root, manifest, out, err);
}

static int cmp_model(const void *a, const void *b)
{
    return strcmp(((const ollama_model *)a)->name, ((const ollama_model *)b)->name);
}

/* The names of dir's entries that are directories (want_dirs) or files, skipping dot files.
 * Returns how many were put in names (at most max). */
static size_t list_dir(const char *dir, int want_dirs, char (*names)[OLLAMA_PART_LEN], size_t max)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while (n < max && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strlen(e->d_name) >= OLLAMA_PART_LEN)
            continue;
        char path[OLLAMA_PATH_LEN];
        struct stat st;
        if (fmt_path(path, sizeof path, "%s/%s", dir, e->d_name) || stat(path, &st) != 0 || (want_dirs ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
            continue;
        memcpy(names[n++], e->d_name, OLLAMA_PART_LEN);
    }
    closedir(d);
    return n;
}

#define OLLAMA_LIST_MAX 256 /* entries read per folder level */

int ollama_list(ollama_model **out, size_t *n, char err[SV_ERR_LEN])
{
    *out = NULL;
    *n = 0;
    char root[OLLAMA_PATH_LEN];
    if (!ollama_root(root))
        return 0;
    int rc = 0;
    size_t cap = 0;
    char(*hosts)[OLLAMA_PART_LEN] = malloc(4 * OLLAMA_LIST_MAX * OLLAMA_PART_LEN);
    if (!hosts)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    char(*nss)[OLLAMA_PART_LEN] = hosts + OLLAMA_LIST_MAX;
    char(*models)[OLLAMA_PART_LEN] = nss + OLLAMA_LIST_MAX;
    char(*tags)[OLLAMA_PART_LEN] = models + OLLAMA_LIST_MAX;
    char dir[OLLAMA_PATH_LEN];
    size_t nh = fmt_path(dir, sizeof dir, "%s/manifests", root) ? 0 : list_dir(dir, 1, hosts, OLLAMA_LIST_MAX);
    for (size_t h = 0; h < nh && !rc; h++) {
        size_t nn = fmt_path(dir, sizeof dir, "%s/manifests/%s", root, hosts[h]) ? 0
                    : list_dir(dir, 1, nss, OLLAMA_LIST_MAX);
        for (size_t s = 0; s < nn && !rc; s++) {
            size_t nm = fmt_path(dir, sizeof dir, "%s/manifests/%s/%s", root, hosts[h], nss[s]) ? 0
                        : list_dir(dir, 1, models, OLLAMA_LIST_MAX);
            for (size_t m = 0; m < nm && !rc; m++) {
                size_t nt = fmt_path(dir, sizeof dir, "%s/manifests/%s/%s/%s", root, hosts[h], nss[s], models[m])
                                ? 0 : list_dir(dir, 0, tags, OLLAMA_LIST_MAX);
                for (size_t t = 0; t < nt && !rc; t++) {
                    name_parts np;
                    char name[4 * OLLAMA_PART_LEN + 8];
                    snprintf(name, sizeof name, "%s/%s/%s:%s", hosts[h], nss[s], models[m], tags[t]);
                    if (!parse_name(name, &np))
                        continue;
                    ollama_model one;
                    memset(&one, 0, sizeof one);
                    display_name(&np, one.name);
                    char manifest[OLLAMA_PATH_LEN], skip[SV_ERR_LEN];
                    if (fmt_path(manifest, sizeof manifest, "%s/%s", dir, tags[t]) ||
                        read_manifest(root, manifest, &one, skip) != 0)
                        continue; /* not a usable model: `models` lists the usable ones */
                    if (*n == cap) {
                        size_t nc = cap ? cap * 2 : 16;
                        ollama_model *g = realloc(*out, nc * sizeof *g);
                        if (!g) {
                            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
                            break;
                        }
                        *out = g;
                        cap = nc;
                    }
                    (*out)[(*n)++] = one;
                }
            }
        }
    }
    free(hosts);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_model);
    return 0;
}
