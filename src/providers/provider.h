/* Layer providers/ (docs/architecture.md): texts → vectors; builds on providers/gguf/ and base/.
 *
 * provider: turns a batch of texts into vectors. One interface, one file per provider.
 *
 * A provider is opened from a provider_config; the embed pipeline hands it chunks of up to
 * batch_size × concurrency texts (provider->chunk_size) and commits each chunk to the store.
 * A remote provider may split a chunk into several requests and run them concurrently.
 *
 * Outcome per text: results[i].error == NULL and vectors[i*dims .. +dims) filled, or
 * results[i].error a malloc'd reason (the sample fails, the run goes on).
 * A fatal error for the whole run (bad key, unreachable server after retries) is the return
 * value instead, with the message in err.
 */
#ifndef SAMPLEVEC_PROVIDER_H
#define SAMPLEVEC_PROVIDER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "prompts.h" /* provider_prompts */

#define PROVIDER_DEFAULT_DIMS 1536
#define PROVIDER_MODEL_LEN 256

/* What a text is to a retrieval model. Many embed a search query and a document differently
 * and were trained with a prefix (a prompt) before each kind; prompts.h knows the models'. */
typedef enum provider_role {
    PROVIDER_ROLE_RAW,      /* the text as it is (embed-text, serve's OpenAI-style endpoint) */
    PROVIDER_ROLE_DOCUMENT, /* a sample's source text (embed) */
    PROVIDER_ROLE_QUERY,    /* a search query (search, serve) */
} provider_role;


typedef struct provider_config {
    const char *name;     /* "lexical" (default), "openai", "openrouter", "gguf" */
    const char *model;    /* model id, or a GGUF path; NULL = the provider's default */
    int dims;             /* requested dims; 0 = the provider's default */
    const char *base_url; /* remote providers; NULL = environment / default */
    int batch_size;       /* texts per request (default 100) */
    int concurrency;      /* requests in flight (default 4; local providers ignore it) */
    int max_retries;      /* transient failures retried per request (default 5) */
    int threads;          /* local compute threads; 0 = all cores */
    int offline;          /* 1 = dry run: no network, no key; only count_tokens is used */
    int verbose;
    const char *vocab;    /* tiktoken vocabulary for exact counts; NULL = $SAMPLEVEC_TIKTOKEN or
                             the built-in path (tiktoken.h) */
    const volatile sig_atomic_t *cancel; /* NULL, or a flag (the pipeline's SIGINT flag): once it
                             is non-zero a remote provider sends nothing more and waits out no
                             retry or rate limit, but reads the answers of the requests already
                             in flight (they are paid for), then returns SV_EXIT_INTERRUPTED
                             with the texts it has no vector for marked pending */
    const char *query_prefix;    /* NULL = the model's own (prompts.h); "" = none */
    const char *document_prefix; /* NULL = the model's own (prompts.h); "" = none */
} provider_config;

typedef struct provider_text_result {
    int64_t tokens; /* tokens this text costs (exact when provider->tokens_exact, else an estimate) */
    int truncated;  /* 1 if the text was cut to the model's input limit */
    char *error;    /* NULL = success; else malloc'd reason, freed by provider_results_clear */
    int pending;    /* 1: no vector yet (embed returned SV_EXIT_INTERRUPTED before its request
                       was answered); neither a success nor a failure */
} provider_text_result;

typedef struct provider provider;

typedef struct provider_vtable {
    /* Embeds texts[0..n). vectors: n × dims floats, caller-allocated. results: n entries,
     * caller-allocated and zeroed. *billed_tokens: the API's usage count for the chunk, or -1
     * when the provider has none. Returns 0, or an SV_EXIT_* code with err filled for a
     * failure that must stop the run. On SV_EXIT_INTERRUPTED the results are still valid:
     * a text with pending == 0 and no error has its vector (and *billed_tokens counts it). */
    int (*embed)(provider *p, const char *const *texts, size_t n, float *vectors,
                 provider_text_result *results, int64_t *billed_tokens, char err[SV_ERR_LEN]);
    /* Tokens `text` holds; works offline. May exceed provider->max_input_tokens (the text
     * would then be cut to that many before it is sent). */
    int64_t (*count_tokens)(provider *p, const char *text);
    void (*free)(provider *p);
} provider_vtable;

struct provider {
    const provider_vtable *vt;
    char name[32];                   /* canonical provider name */
    char model[PROVIDER_MODEL_LEN];  /* model id as stored in the store */
    int dims;                        /* length of every vector it returns */
    double usd_per_mtok;             /* price per 10^6 tokens (0 for local providers) */
    int tokens_exact;                /* 1 if count_tokens is the real tokenizer */
    size_t chunk_size;               /* texts the pipeline should hand over at once */
    int64_t max_input_tokens;        /* longer texts are cut to this many tokens; 0 = no limit */
    provider_prompts prompts;        /* the model's (set by its open function from prompts.h),
                                        then provider_config's overrides (set by provider_open) */
    /* Progress within one embed call (provider_set_progress; NULL = nobody listens): called
     * on the thread that called embed, each time some texts of the call are done (a vector
     * or a per-text error). A remote provider calls it as each request is answered, gguf
     * after each encoder batch; texts it does not report the caller counts when embed
     * returns. Retried texts are reported once, when done. */
    void (*progress)(void *ctx, size_t texts_done);
    void *progress_ctx;
};

/* Opens the provider named by cfg->name. NULL on failure with err filled and *exit_code set
 * (SV_EXIT_USAGE for an unknown name or bad option, SV_EXIT_DATA for an unreadable model file). */
provider *provider_open(const provider_config *cfg, int *exit_code, char err[SV_ERR_LEN]);
void provider_free(provider *p); /* NULL is a no-op */

int provider_embed(provider *p, const char *const *texts, size_t n, float *vectors,
                   provider_text_result *results, int64_t *billed_tokens, char err[SV_ERR_LEN]);
/* provider_embed of each text with the role's prefix (p->prompts) before it; RAW adds nothing.
 * The results count the prefix's tokens too: they are evaluated and billed. */
int provider_embed_as(provider *p, provider_role role, const char *const *texts, size_t n, float *vectors,
                      provider_text_result *results, int64_t *billed_tokens, char err[SV_ERR_LEN]);
int64_t provider_count_tokens(provider *p, const char *text);
/* provider_count_tokens of text with the role's prefix before it (-1 when out of memory). */
int64_t provider_count_tokens_as(provider *p, provider_role role, const char *text);
/* The role's prefix (p->prompts; "" for RAW). Borrowed from p. */
const char *provider_prefix(const provider *p, provider_role role);
/* Sets (or with fn NULL, clears) the progress callback above. */
void provider_set_progress(provider *p, void (*fn)(void *ctx, size_t texts_done), void *ctx);
/* For provider files: tells the listener, if any, that n more texts are done. */
void provider_progress(provider *p, size_t n);
void provider_results_clear(provider_text_result *results, size_t n);

/* 1 if `name` is a provider this build knows. */
int provider_known(const char *name);

/* Constructors, one per provider file (called by provider_open). */
provider *provider_lexical_open(const provider_config *cfg, int *exit_code, char err[SV_ERR_LEN]);
provider *provider_openai_open(const provider_config *cfg, int *exit_code, char err[SV_ERR_LEN]);
/* cfg->model (or $SAMPLEVEC_MODEL) is a GGUF path, a model name in Ollama's local store
 * (ollama.h), or a stored model id; cfg->threads compute threads. */
provider *provider_gguf_open(const provider_config *cfg, int *exit_code, char err[SV_ERR_LEN]);

#define PROVIDER_PATH_LEN 4096

/* What --model names for the gguf provider: an existing file is itself; otherwise a name in
 * Ollama's local store resolves to its blob (name = "model:tag"); otherwise anything spelled
 * like a path (a '/' or a .gguf ending) is returned as that path, for opening it to say what
 * is wrong. path and name are filled (name: the file's base name for a path). Returns 0, or
 * SV_EXIT_USAGE (a bare name that is neither a file nor a pulled model: err names both places
 * looked in), or SV_EXIT_DATA (a broken Ollama entry: err says what and how to fix it). */
int provider_gguf_resolve(const char *model, char path[PROVIDER_PATH_LEN],
                          char name[PROVIDER_MODEL_LEN], char err[SV_ERR_LEN]);

/* A GGUF model file as `samplevec models` lists it, read from its metadata alone. */
typedef struct provider_gguf_info {
    char architecture[64];  /* general.architecture */
    char tokenizer[32];     /* tokenizer.ggml.model */
    int dims;               /* <arch>.embedding_length */
    int context;            /* <arch>.context_length */
    char weights[16];       /* the tensor type most weight bytes are in: "F32", "Q8_0", ... */
    uint64_t file_bytes;
    int supported;          /* 1 when the gguf provider runs it; else why says why not */
    char why[SV_ERR_LEN];
} provider_gguf_info;

/* Fills *out from the file's metadata (no weights are read). 0, or SV_EXIT_DATA when the file
 * is not a readable GGUF (err says why). An unsupported model is 0 with out->supported = 0. */
int provider_gguf_probe(const char *path, provider_gguf_info *out, char err[SV_ERR_LEN]);

#endif
