#include "provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prompts.h"

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
    for (size_t i = 0; i < N_PROVIDERS; i++) {
        if (strcmp(name, providers[i].name) != 0)
            continue;
        provider *p = providers[i].open(cfg, exit_code, err);
        if (!p)
            return NULL;
        /* The user's prefixes over the model's own */
        const char *over[2] = {cfg->query_prefix, cfg->document_prefix};
        char *dst[2] = {p->prompts.query, p->prompts.document};
        for (int k = 0; k < 2; k++) {
            if (!over[k])
                continue;
            if (strlen(over[k]) >= PROVIDER_PREFIX_LEN) {
                *exit_code = sv_fail(err, SV_EXIT_USAGE, "--%s-prefix is %zu bytes long; at most %d are allowed",
                                     k ? "document" : "query", strlen(over[k]), PROVIDER_PREFIX_LEN - 1);
                provider_free(p);
                return NULL;
            }
            snprintf(dst[k], PROVIDER_PREFIX_LEN, "%s", over[k]);
        }
        return p;
    }
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

const char *provider_prefix(const provider *p, provider_role role)
{
    return role == PROVIDER_ROLE_QUERY ? p->prompts.query : role == PROVIDER_ROLE_DOCUMENT ? p->prompts.document : "";
}

/* prefix + text, malloc'd; NULL when out of memory. */
static char *prefixed(const char *prefix, const char *text)
{
    size_t a = strlen(prefix), b = strlen(text);
    char *s = malloc(a + b + 1);
    if (s) {
        memcpy(s, prefix, a);
        memcpy(s + a, text, b + 1);
    }
    return s;
}

int provider_embed_as(provider *p, provider_role role, const char *const *texts, size_t n, float *vectors,
                      provider_text_result *results, int64_t *billed_tokens, char err[SV_ERR_LEN])
{
    const char *prefix = provider_prefix(p, role);
    if (!*prefix)
        return provider_embed(p, texts, n, vectors, results, billed_tokens, err);
    char **with = calloc(n ? n : 1, sizeof *with);
    int rc = with ? 0 : sv_fail(err, SV_EXIT_FAILED, "out of memory");
    for (size_t i = 0; !rc && i < n; i++)
        if (!(with[i] = prefixed(prefix, texts[i] ? texts[i] : "")))
            rc = sv_fail(err, SV_EXIT_FAILED, "out of memory");
    if (!rc)
        rc = provider_embed(p, (const char *const *)with, n, vectors, results, billed_tokens, err);
    for (size_t i = 0; with && i < n; i++)
        free(with[i]);
    free(with);
    return rc;
}

int64_t provider_count_tokens(provider *p, const char *text)
{
    return p->vt->count_tokens(p, text);
}

int64_t provider_count_tokens_as(provider *p, provider_role role, const char *text)
{
    const char *prefix = provider_prefix(p, role);
    if (!*prefix)
        return provider_count_tokens(p, text);
    char *with = prefixed(prefix, text ? text : "");
    int64_t n = with ? provider_count_tokens(p, with) : -1;
    free(with);
    return n;
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
