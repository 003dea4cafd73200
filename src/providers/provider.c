#include "provider.h"

#include <stdlib.h>
#include <string.h>

typedef struct provider_entry {
    const char *name;
    provider *(*open)(const provider_config *cfg, int *exit_code, char err[SV_ERR_LEN]);
} provider_entry;

/* openrouter is the openai provider with OpenRouter's base URL and key. */
static const provider_entry providers[] = {
    {"gguf", provider_gguf_open},
    {"lexical", provider_lexical_open},
    {"openai", provider_openai_open},
    {"openrouter", provider_openai_open},
};
#define N_PROVIDERS (sizeof providers / sizeof providers[0])

int provider_known(const char *name)
{
    for (size_t i = 0; i < N_PROVIDERS; i++)
        if (strcmp(name, providers[i].name) == 0)
            return 1;
    return 0;
}

provider *provider_open(const provider_config *cfg, int *exit_code, char err[SV_ERR_LEN])
{
    const char *name = cfg->name ? cfg->name : "lexical";
    for (size_t i = 0; i < N_PROVIDERS; i++)
        if (strcmp(name, providers[i].name) == 0)
            return providers[i].open(cfg, exit_code, err);
    *exit_code = sv_fail(err, SV_EXIT_USAGE,
                         "unknown provider '%s': use one of lexical, openai, openrouter, gguf", name);
    return NULL;
}

void provider_free(provider *p)
{
    if (p)
        p->vt->free(p);
}

int provider_embed(provider *p, const char *const *texts, size_t n, float *vectors,
                   provider_text_result *results, int64_t *billed_tokens, char err[SV_ERR_LEN])
{
    *billed_tokens = -1;
    return p->vt->embed(p, texts, n, vectors, results, billed_tokens, err);
}

int64_t provider_count_tokens(provider *p, const char *text)
{
    return p->vt->count_tokens(p, text);
}

void provider_set_progress(provider *p, void (*fn)(void *ctx, size_t texts_done), void *ctx)
{
    p->progress = fn;
    p->progress_ctx = fn ? ctx : NULL;
}

void provider_progress(provider *p, size_t n)
{
    if (p->progress && n)
        p->progress(p->progress_ctx, n);
}

void provider_results_clear(provider_text_result *results, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(results[i].error);
        results[i].error = NULL;
    }
}
