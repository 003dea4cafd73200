/* OpenAI-compatible providers (openai, openrouter). This build prices and estimates them for
 * dry runs; real requests arrive with the remote-provider work (issue 3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pricing.h"
#include "provider.h"

static int openai_embed(provider *p, const char *const *texts, size_t n, float *vectors,
                        provider_text_result *results, int64_t *billed_tokens, char err[SV_ERR_LEN])
{
    (void)texts, (void)n, (void)vectors, (void)results, (void)billed_tokens;
    return sv_fail(err, SV_EXIT_USAGE, "provider '%s' cannot embed in this build yet", p->name);
}

static int64_t openai_count_tokens(provider *p, const char *text)
{
    (void)p;
    return pricing_estimate_tokens(text);
}

static void openai_free(provider *p) { free(p); }

static const provider_vtable openai_vtable = {openai_embed, openai_count_tokens, openai_free};

provider *provider_openai_open(const provider_config *cfg, int *exit_code, char err[SV_ERR_LEN])
{
    const char *name = cfg->name;
    if (!cfg->offline) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "provider '%s' can only estimate in this build: add --dry-run for a "
                             "cost estimate, or use --provider lexical",
                             name);
        return NULL;
    }
    const char *model = cfg->model ? cfg->model
                        : strcmp(name, "openrouter") == 0 ? "openai/text-embedding-3-small"
                                                          : "text-embedding-3-small";
    double price = pricing_usd_per_mtok(model);
    if (price < 0) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "no price known for model '%s': use text-embedding-3-small, "
                             "text-embedding-3-large or text-embedding-ada-002",
                             model);
        return NULL;
    }
    provider *p = calloc(1, sizeof *p);
    if (!p) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    p->vt = &openai_vtable;
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->model, sizeof p->model, "%s", model);
    p->dims = cfg->dims ? cfg->dims : strstr(model, "3-large") ? 3072 : 1536;
    p->usd_per_mtok = price;
    p->tokens_exact = 0;
    p->chunk_size = (size_t)(cfg->batch_size > 0 ? cfg->batch_size : 100);
    return p;
}
