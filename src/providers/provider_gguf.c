/* provider_gguf: an in-process BERT encoder from a GGUF file (gguf.c → wordpiece.c → bert.c).
 *
 * Per chunk: tokenize every text ([CLS] … [SEP], cut to the context length), sort by length so
 * each batch packs similar lengths, run batches of up to GGUF_BATCH_TOKENS tokens through one
 * forward pass each, and put the vectors back in the caller's order.
 *
 * The stored model id is "<file name>#<16 hex digits>", the hex digits a 64-bit hash of the
 * whole file: stable across paths and machines, different for any change of weights or vocab. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bert.h"
#include "gguf.h"
#include "provider.h"
#include "wordpiece.h"

/* Tokens per forward pass: enough rows that each weight matrix is read once per ~2k tokens
 * (BLAS efficiency), small enough that a batch's activations stay in the tens of MB. */
#define GGUF_BATCH_TOKENS 2048
#define GGUF_CHUNK_TEXTS 128

typedef struct gguf_provider {
    provider base;
    gguf_file *file;
    wordpiece *wp;
    bert_model *model;
    bert_workspace *ws;
    int threads;
    int ctx;
    size_t batch_tokens; /* GGUF_BATCH_TOKENS, or $SAMPLEVEC_GGUF_BATCH_TOKENS for the bench */
} gguf_provider;

/* 64-bit hash of the file, 8 bytes per step (FNV-1a per byte was ~8× slower on a 90 MB file). */
static uint64_t file_hash(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    h ^= h >> 32;
    return h * 0x9e3779b97f4a7c15ull;
}

static int64_t gguf_count_tokens(provider *base, const char *text)
{
    gguf_provider *p = (gguf_provider *)base;
    int32_t *ids = NULL;
    size_t n = 0;
    int trunc = 0;
    if (wordpiece_encode(p->wp, text ? text : "", (size_t)p->ctx, &ids, &n, &trunc))
        n = 0;
    free(ids);
    return (int64_t)n;
}

typedef struct by_len {
    size_t len, idx;
} by_len;

static int cmp_len(const void *a, const void *b)
{
    const by_len *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int gguf_embed(provider *base, const char *const *texts, size_t n, float *vectors,
                      provider_text_result *results, int64_t *billed_tokens, char err[SV_ERR_LEN])
{
    gguf_provider *p = (gguf_provider *)base;
    size_t dims = (size_t)base->dims;
    int rc = 0;
    *billed_tokens = -1;
    int32_t **ids = calloc(n ? n : 1, sizeof *ids);
    size_t *lens = calloc(n ? n : 1, sizeof *lens);
    by_len *order = calloc(n ? n : 1, sizeof *order);
    const int32_t **bids = calloc(n ? n : 1, sizeof *bids);
    size_t *blens = calloc(n ? n : 1, sizeof *blens);
    float *bout = malloc((n ? n : 1) * dims * sizeof *bout);
    if (!ids || !lens || !order || !bids || !blens || !bout) {
        rc = sv_fail(err, SV_EXIT_FAILED, "out of memory embedding %zu texts", n);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        int trunc = 0;
        if (wordpiece_encode(p->wp, texts[i] ? texts[i] : "", (size_t)p->ctx, &ids[i], &lens[i], &trunc)) {
            rc = sv_fail(err, SV_EXIT_FAILED, "out of memory tokenizing");
            goto cleanup;
        }
        results[i].tokens = (int64_t)lens[i];
        results[i].truncated = trunc;
        order[i].len = lens[i];
        order[i].idx = i;
    }
    qsort(order, n, sizeof *order, cmp_len);
    for (size_t s = 0; s < n;) {
        size_t e = s, tokens = 0;
        while (e < n && (e == s || tokens + order[e].len <= p->batch_tokens)) {
            tokens += order[e].len;
            e++;
        }
        for (size_t k = s; k < e; k++) {
            bids[k - s] = ids[order[k].idx];
            blens[k - s] = order[k].len;
        }
        if ((rc = bert_embed_batch(p->model, p->ws, p->threads, bids, blens, e - s, bout, err)))
            goto cleanup;
        for (size_t k = s; k < e; k++)
            memcpy(vectors + order[k].idx * dims, bout + (k - s) * dims, dims * sizeof *bout);
        provider_progress(base, e - s);
        s = e;
    }
cleanup:
    if (ids)
        for (size_t i = 0; i < n; i++)
            free(ids[i]);
    free(ids);
    free(lens);
    free(order);
    free(bids);
    free(blens);
    free(bout);
    return rc;
}

static void gguf_provider_free(provider *base)
{
    gguf_provider *p = (gguf_provider *)base;
    bert_workspace_free(p->ws);
    bert_free(p->model);
    wordpiece_free(p->wp);
    gguf_free(p->file);
    free(p);
}

static const provider_vtable gguf_vt = {gguf_embed, gguf_count_tokens, gguf_provider_free};

/* 1 if s is a stored model id, "<file name>#<16 hex digits>", and not a path that exists. */
static int is_model_id(const char *s, size_t *name_len)
{
    const char *h = strrchr(s, '#');
    if (!h || strlen(h + 1) != 16 || strchr(s, '/') || access(s, F_OK) == 0)
        return 0;
    for (int i = 1; i <= 16; i++)
        if (!strchr("0123456789abcdef", h[i]))
            return 0;
    *name_len = (size_t)(h - s);
    return 1;
}

provider *provider_gguf_open(const provider_config *cfg, int *exit_code, char err[SV_ERR_LEN])
{
    const char *env = getenv("SAMPLEVEC_MODEL");
    const char *path = cfg->model && *cfg->model ? cfg->model : env;
    const char *want_id = NULL; /* set when asked for a stored model id (search does that) */
    char local[PROVIDER_MODEL_LEN];
    size_t name_len;
    if (!path || !*path) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "provider gguf needs a model file: pass --model PATH.gguf or set SAMPLEVEC_MODEL");
        return NULL;
    }
    if (is_model_id(path, &name_len)) {
        /* The store names its model by file name and content hash; the file itself is
         * $SAMPLEVEC_MODEL, else that file name in the current directory. The hash is checked
         * below, so a different file under the same name is refused. */
        want_id = path;
        if (env && *env) {
            path = env;
        } else {
            snprintf(local, sizeof local, "%.*s", (int)name_len, want_id);
            path = local;
        }
    }
    gguf_provider *p = calloc(1, sizeof *p);
    if (!p) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    char inner[SV_ERR_LEN];
    int rc = gguf_open(path, &p->file, inner);
    if (rc && want_id)
        sv_fail(err, rc, "the store was embedded with model '%s': set SAMPLEVEC_MODEL to that .gguf file (%s)",
                want_id, inner);
    else if (rc)
        memcpy(err, inner, SV_ERR_LEN);
    if (!rc && (rc = wordpiece_from_gguf(p->file, &p->wp, inner)))
        sv_fail(err, rc, "model file '%s': %s", path, inner);
    if (!rc && (rc = bert_load(p->file, &p->model, inner)))
        sv_fail(err, rc, "model file '%s': %s", path, inner);
    if (!rc && wordpiece_vocab_size(p->wp) != (size_t)bert_get_info(p->model)->vocab)
        rc = sv_fail(err, SV_EXIT_DATA, "model file '%s': tokenizer has %zu tokens but token_embd.weight has %d rows",
                     path, wordpiece_vocab_size(p->wp), bert_get_info(p->model)->vocab);
    if (!rc && !(p->ws = bert_workspace_new()))
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
    if (rc) {
        *exit_code = rc;
        gguf_provider_free(&p->base);
        return NULL;
    }
    const bert_info *in = bert_get_info(p->model);
    if (cfg->dims && cfg->dims != in->hidden) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE, "--dims %d: model '%s' makes %d-dimensional vectors", cfg->dims,
                             path, in->hidden);
        gguf_provider_free(&p->base);
        return NULL;
    }
    p->ctx = in->ctx;
    const char *bt = getenv("SAMPLEVEC_GGUF_BATCH_TOKENS");
    long btv = bt ? strtol(bt, NULL, 10) : 0;
    p->batch_tokens = btv >= 1 && btv <= (1L << 20) ? (size_t)btv : GGUF_BATCH_TOKENS;
    p->threads = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (p->threads < 1)
        p->threads = 1;
    p->base.vt = &gguf_vt;
    snprintf(p->base.name, sizeof p->base.name, "gguf");
    size_t size;
    const unsigned char *bytes = gguf_bytes(p->file, &size);
    const char *slash = strrchr(path, '/');
    const char *file = slash ? slash + 1 : path;
    snprintf(p->base.model, sizeof p->base.model, "%.200s#%016llx", file,
             (unsigned long long)file_hash(bytes, size));
    if (want_id && strcmp(want_id, p->base.model) != 0) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "the store was embedded with model '%s' but '%s' is '%s': set SAMPLEVEC_MODEL to the "
                             "model file the store was embedded with",
                             want_id, path, p->base.model);
        gguf_provider_free(&p->base);
        return NULL;
    }
    p->base.dims = in->hidden;
    p->base.usd_per_mtok = 0.0;
    p->base.tokens_exact = 1;
    p->base.chunk_size = GGUF_CHUNK_TEXTS;
    return &p->base;
}
