/* provider_gguf: an in-process embedding model from a GGUF file (gguf.c → tokenizer.c → bert.c
 * for the encoders, decoder.c for qwen3 and gemma-embedding).
 *
 * Per chunk: tokenize every text (with the model's specials, cut to the context length), sort by length so
 * each batch packs similar lengths, run batches of up to GGUF_BATCH_TOKENS tokens through one
 * forward pass each, and put the vectors back in the caller's order.
 *
 * The stored model id is "<file name>#<16 hex digits>", the hex digits a 64-bit hash of the
 * whole file: stable across paths and machines, different for any change of weights or vocab. */
#include <stdio.h>
#include <sys/stat.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bert.h"
#include "decoder.h"
#include "gguf.h"
#include "ollama.h"
#include "prompts.h"
#include "provider.h"
#include "tokenizer.h"

/* Tokens per forward pass: enough rows that each weight matrix is read once per ~2k tokens
 * (BLAS efficiency), small enough that a batch's activations stay in the tens of MB. */
#define GGUF_BATCH_TOKENS 2048
#define GGUF_CHUNK_TEXTS 128

typedef struct gguf_provider {
    provider base;
    gguf_file *file;
    tokenizer *tok;
    bert_model *model;   /* the encoders, or */
    bert_workspace *ws;
    decoder_model *dec;  /* qwen3, gemma-embedding */
    int threads;
    int ctx;
    size_t batch_tokens; /* GGUF_BATCH_TOKENS, or $SAMPLEVEC_GGUF_BATCH_TOKENS for the bench */
    int hidden;          /* the model's vector size; base.dims is smaller after a Matryoshka --dims */
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
    if (tokenizer_encode(p->tok, text ? text : "", (size_t)p->ctx, &ids, &n, &trunc))
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

/* The architectures whose models were trained Matryoshka-style (nomic-embed-text v1.5,
 * Qwen3-Embedding, EmbeddingGemma): a prefix of the vector is an embedding too. */
static int is_matryoshka(const char *architecture)
{
    return strcmp(architecture, "nomic-bert") == 0 || strcmp(architecture, "qwen3") == 0 ||
           strcmp(architecture, "gemma-embedding") == 0;
}

/* out = the first dims values of v, scaled back to unit length. */
static void matryoshka_cut(const float *v, size_t dims, float *out)
{
    double sum = 0;
    for (size_t i = 0; i < dims; i++)
        sum += (double)v[i] * v[i];
    float scale = sum > 0 ? (float)(1.0 / sqrt(sum)) : 1.0f;
    for (size_t i = 0; i < dims; i++)
        out[i] = v[i] * scale;
}

static int gguf_embed(provider *base, const char *const *texts, size_t n, float *vectors,
                      provider_text_result *results, int64_t *billed_tokens, char err[SV_ERR_LEN])
{
    gguf_provider *p = (gguf_provider *)base;
    size_t dims = (size_t)base->dims, hidden = (size_t)p->hidden;
    int rc = 0;
    *billed_tokens = -1;
    int32_t **ids = calloc(n ? n : 1, sizeof *ids);
    size_t *lens = calloc(n ? n : 1, sizeof *lens);
    by_len *order = calloc(n ? n : 1, sizeof *order);
    const int32_t **bids = calloc(n ? n : 1, sizeof *bids);
    size_t *blens = calloc(n ? n : 1, sizeof *blens);
    float *bout = malloc((n ? n : 1) * hidden * sizeof *bout);
    if (!ids || !lens || !order || !bids || !blens || !bout) {
        rc = sv_fail(err, SV_EXIT_FAILED, "out of memory embedding %zu texts", n);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        int trunc = 0;
        if (tokenizer_encode(p->tok, texts[i] ? texts[i] : "", (size_t)p->ctx, &ids[i], &lens[i], &trunc)) {
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
        rc = p->dec ? decoder_embed_batch(p->dec, p->threads, bids, blens, e - s, bout, err)
                    : bert_embed_batch(p->model, p->ws, p->threads, bids, blens, e - s, bout, err);
        if (rc)
            goto cleanup;
        for (size_t k = s; k < e; k++) {
            if (dims == hidden)
                memcpy(vectors + order[k].idx * dims, bout + (k - s) * hidden, dims * sizeof *bout);
            else
                matryoshka_cut(bout + (k - s) * hidden, dims, vectors + order[k].idx * dims);
        }
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
    decoder_free(p->dec);
    tokenizer_free(p->tok);
    gguf_free(p->file);
    free(p);
}

static const provider_vtable gguf_vt = {gguf_embed, gguf_count_tokens, gguf_provider_free};

/* What this provider runs: architecture and tokenizer (tokenizer.ggml.model) names. */
static const char *const supported_architectures[] = {"bert", "gemma-embedding", "jina-bert-v2", "nomic-bert", "qwen3"};
static const char *const supported_tokenizers[] = {"bert", "gpt2", "llama", "t5"};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int in_list(gguf_str s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s.len == strlen(list[i]) && memcmp(s.ptr, list[i], s.len) == 0)
            return 1;
    return 0;
}

static void join_list(const char *const *list, size_t n, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < size; i++)
        o += (size_t)snprintf(out + o, size - o, "%s'%s'", i ? ", " : "", list[i]);
}

/* 0 when this provider runs g's architecture and tokenizer; else 1 with why filled, naming
 * what the file has and listing what is supported. */
static int why_unsupported(const gguf_file *g, char why[SV_ERR_LEN])
{
    char printable[64], names[256];
    gguf_str arch = {"", 0}, tok = {"", 0};
    gguf_get_str(g, "general.architecture", &arch);
    gguf_get_str(g, "tokenizer.ggml.model", &tok);
    if (!in_list(arch, supported_architectures, N_OF(supported_architectures))) {
        join_list(supported_architectures, N_OF(supported_architectures), names, sizeof names);
        snprintf(why, SV_ERR_LEN, "architecture '%s' is not supported (supported: %s)",
                 gguf_str_print(arch, printable, sizeof printable), names);
        return 1;
    }
    if (!in_list(tok, supported_tokenizers, N_OF(supported_tokenizers))) {
        join_list(supported_tokenizers, N_OF(supported_tokenizers), names, sizeof names);
        snprintf(why, SV_ERR_LEN, "tokenizer '%s' is not supported (supported: %s)",
                 gguf_str_print(tok, printable, sizeof printable), names);
        return 1;
    }
    return 0;
}

int provider_gguf_probe(const char *path, provider_gguf_info *out, char err[SV_ERR_LEN])
{
    memset(out, 0, sizeof *out);
    gguf_file *g = NULL;
    int rc = gguf_open(path, &g, err);
    if (rc)
        return rc;
    char printable[64], key[128];
    gguf_str arch = {"", 0}, tok = {"", 0};
    gguf_get_str(g, "general.architecture", &arch);
    gguf_get_str(g, "tokenizer.ggml.model", &tok);
    snprintf(out->architecture, sizeof out->architecture, "%s", gguf_str_print(arch, printable, sizeof printable));
    snprintf(out->tokenizer, sizeof out->tokenizer, "%s", gguf_str_print(tok, printable, sizeof printable));
    uint32_t v;
    snprintf(key, sizeof key, "%s.embedding_length", out->architecture);
    out->dims = gguf_get_u32(g, key, &v) == 1 && v <= INT32_MAX ? (int)v : 0;
    snprintf(key, sizeof key, "%s.context_length", out->architecture);
    out->context = gguf_get_u32(g, key, &v) == 1 && v <= INT32_MAX ? (int)v : 0;
    /* the weights' type: the one holding the most bytes among matrices */
    uint64_t bytes_by_type[64] = {0};
    for (size_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor *t = gguf_tensor_at(g, i);
        if (t->n_dims >= 2 && t->type < 64)
            bytes_by_type[t->type] += t->nbytes;
    }
    uint32_t best = 0;
    for (uint32_t t = 1; t < 64; t++)
        if (bytes_by_type[t] > bytes_by_type[best])
            best = t;
    snprintf(out->weights, sizeof out->weights, "%s", gguf_type_name(best));
    size_t size;
    gguf_bytes(g, &size);
    out->file_bytes = size;
    out->supported = why_unsupported(g, out->why) == 0;
    gguf_free(g);
    return 0;
}

int provider_gguf_resolve(const char *model, char path[PROVIDER_PATH_LEN], char name[PROVIDER_MODEL_LEN],
                          char err[SV_ERR_LEN])
{
    struct stat st;
    if (stat(model, &st) == 0) {
        const char *slash = strrchr(model, '/');
        snprintf(path, PROVIDER_PATH_LEN, "%s", model);
        snprintf(name, PROVIDER_MODEL_LEN, "%.200s", slash ? slash + 1 : model);
        return 0;
    }
    ollama_model om;
    int rc = ollama_resolve(model, &om, err);
    if (rc == 0) {
        snprintf(path, PROVIDER_PATH_LEN, "%s", om.path);
        snprintf(name, PROVIDER_MODEL_LEN, "%.200s", om.name);
        return 0;
    }
    if (rc != 1)
        return rc;
    if (strchr(model, '/') || (strlen(model) > 5 && strcmp(model + strlen(model) - 5, ".gguf") == 0)) {
        /* spelled as a path: opening it says what is wrong with it */
        snprintf(path, PROVIDER_PATH_LEN, "%s", model);
        snprintf(name, PROVIDER_MODEL_LEN, "%.200s", strrchr(model, '/') ? strrchr(model, '/') + 1 : model);
        return 0;
    }
    char root[OLLAMA_PATH_LEN];
    int has_store = ollama_root(root);
    return sv_fail(err, SV_EXIT_USAGE,
                   "model '%s' is neither a file nor a model in Ollama's store (%s%s): give the "
                   ".gguf path, or a name `samplevec models` lists",
                   model, root, has_store ? "" : ", which does not exist");
}

/* 1 if s is a stored model id, "<name>#<16 hex digits>" (name: a file name or an Ollama
 * model name), and not a path that exists. */
static int is_model_id(const char *s, size_t *name_len)
{
    const char *h = strrchr(s, '#');
    if (!h || h == s || strlen(h + 1) != 16 || access(s, F_OK) == 0)
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
    const char *model = cfg->model && *cfg->model ? cfg->model : env;
    const char *want_id = NULL; /* set when asked for a stored model id (search does that) */
    char wanted[PROVIDER_MODEL_LEN], path[PROVIDER_PATH_LEN], name[PROVIDER_MODEL_LEN];
    size_t name_len;
    int rc;
    if (!model || !*model) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "provider gguf needs a model file: pass --model PATH.gguf (or the name of a "
                             "model Ollama has pulled: samplevec models lists them), or set SAMPLEVEC_MODEL");
        return NULL;
    }
    if (is_model_id(model, &name_len)) {
        /* The store names its model by name and content hash; the file itself is
         * $SAMPLEVEC_MODEL, else that name: a file in the current directory, or a model in
         * Ollama's store. The hash is checked below, so a different file under the same name
         * is refused. */
        want_id = model;
        snprintf(wanted, sizeof wanted, "%.*s", (int)name_len, want_id);
        model = env && *env ? env : wanted;
    }
    rc = provider_gguf_resolve(model, path, name, err);
    if (want_id && (rc == SV_EXIT_USAGE || (!rc && access(path, F_OK) != 0))) {
        /* nowhere to be found: the user has to say where the store's model is */
        char root[OLLAMA_PATH_LEN];
        ollama_root(root);
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "the store was embedded with model '%s': set SAMPLEVEC_MODEL to that .gguf "
                             "file or pass --model (no file '%s' here, no model '%s' in Ollama's store %s)",
                             want_id, model, model, root);
        return NULL;
    }
    if (rc) {
        *exit_code = rc;
        return NULL;
    }
    gguf_provider *p = calloc(1, sizeof *p);
    if (!p) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    char inner[SV_ERR_LEN];
    rc = gguf_open(path, &p->file, inner);
    if (rc && want_id)
        sv_fail(err, rc, "the store was embedded with model '%s': set SAMPLEVEC_MODEL to that .gguf file (%s)",
                want_id, inner);
    else if (rc)
        memcpy(err, inner, SV_ERR_LEN);
    if (!rc && why_unsupported(p->file, inner))
        rc = sv_fail(err, SV_EXIT_DATA, "model file '%s': %s", path, inner);
    if (!rc && (rc = tokenizer_from_gguf(p->file, &p->tok, inner)))
        sv_fail(err, rc, "model file '%s': %s", path, inner);
    gguf_str arch_name = {"", 0};
    if (!rc)
        gguf_get_str(p->file, "general.architecture", &arch_name);
    int decoder = decoder_runs(arch_name);
    if (!rc && (rc = decoder ? decoder_load(p->file, &p->dec, inner) : bert_load(p->file, &p->model, inner))) {
        if (rc == SV_EXIT_USAGE) /* $SAMPLEVEC_GEMM, not the file */
            memcpy(err, inner, SV_ERR_LEN);
        else
            sv_fail(err, rc, "model file '%s': %s", path, inner);
    }
    int hidden = 0, vocab = 0, ctx = 0;
    if (!rc) {
        hidden = decoder ? decoder_get_info(p->dec)->hidden : bert_get_info(p->model)->hidden;
        vocab = decoder ? decoder_get_info(p->dec)->vocab : bert_get_info(p->model)->vocab;
        ctx = decoder ? decoder_get_info(p->dec)->ctx : bert_get_info(p->model)->ctx;
    }
    if (!rc && tokenizer_vocab_size(p->tok) != (size_t)vocab)
        rc = sv_fail(err, SV_EXIT_DATA, "model file '%s': tokenizer has %zu tokens but token_embd.weight has %d rows",
                     path, tokenizer_vocab_size(p->tok), vocab);
    if (!rc && !decoder && !(p->ws = bert_workspace_new()))
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
    if (rc) {
        *exit_code = rc;
        gguf_provider_free(&p->base);
        return NULL;
    }
    p->ctx = ctx;
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
    snprintf(p->base.model, sizeof p->base.model, "%.200s#%016llx", name,
             (unsigned long long)file_hash(bytes, size));
    if (want_id && strcmp(want_id, p->base.model) != 0) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "the store was embedded with model '%s' but '%s' is '%s': set SAMPLEVEC_MODEL to the "
                             "model file the store was embedded with",
                             want_id, path, p->base.model);
        gguf_provider_free(&p->base);
        return NULL;
    }
    /* The model's prompts, from what the file says it is and what it is called */
    gguf_str arch = {"", 0}, gname = {"", 0}, basename = {"", 0};
    gguf_get_str(p->file, "general.architecture", &arch);
    gguf_get_str(p->file, "general.name", &gname);
    gguf_get_str(p->file, "general.basename", &basename);
    char arch_s[64], gname_s[PROVIDER_MODEL_LEN], base_s[PROVIDER_MODEL_LEN];
    snprintf(arch_s, sizeof arch_s, "%.*s", (int)(arch.len < 63 ? arch.len : 63), arch.ptr);
    snprintf(gname_s, sizeof gname_s, "%.*s", (int)(gname.len < 255 ? gname.len : 255), gname.ptr);
    snprintf(base_s, sizeof base_s, "%.*s", (int)(basename.len < 255 ? basename.len : 255), basename.ptr);
    const char *names[3] = {gname_s, base_s, name};
    prompts_for(arch_s, names, 3, &p->base.prompts);
    /* --dims: Matryoshka models were trained so that their first N values are an embedding of
     * their own; any other model keeps its size. */
    if (cfg->dims && cfg->dims != hidden && !(cfg->dims < hidden && is_matryoshka(arch_s))) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "--dims %d: model '%s' makes %d-dimensional vectors%s", cfg->dims, path, hidden,
                             cfg->dims < hidden && !is_matryoshka(arch_s)
                                 ? "; only Matryoshka models (architectures nomic-bert, qwen3, gemma-embedding) can "
                                   "be shortened"
                                 : "");
        gguf_provider_free(&p->base);
        return NULL;
    }
    p->hidden = hidden;
    p->base.dims = cfg->dims ? cfg->dims : hidden;
    p->base.usd_per_mtok = 0.0;
    p->base.tokens_exact = 1;
    p->base.chunk_size = GGUF_CHUNK_TEXTS;
    return &p->base;
}
