#include "pricing.h"

#include <string.h>

typedef struct model_price {
    const char *model;
    double usd_per_mtok;
} model_price;

/* OpenAI's list prices for embedding models, USD per 10^6 input tokens. */
static const model_price prices[] = {
    {"text-embedding-3-large", 0.13},
    {"text-embedding-3-small", 0.02},
    {"text-embedding-ada-002", 0.10},
};

double pricing_usd_per_mtok(const char *model)
{
    if (strncmp(model, "openai/", 7) == 0) /* OpenRouter ids */
        model += 7;
    for (size_t i = 0; i < sizeof prices / sizeof prices[0]; i++)
        if (strcmp(model, prices[i].model) == 0)
            return prices[i].usd_per_mtok;
    return -1;
}

double pricing_cost_usd(int64_t tokens, double usd_per_mtok)
{
    return (double)tokens * usd_per_mtok / 1e6;
}

int64_t pricing_estimate_tokens(const char *text)
{
    size_t bytes = strlen(text);
    if (bytes == 0)
        return 0;
    return (int64_t)((bytes + 3) / 4);
}
