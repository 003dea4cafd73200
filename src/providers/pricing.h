/* pricing: what embedding costs, before and after. */
#ifndef SAMPLEVEC_PRICING_H
#define SAMPLEVEC_PRICING_H

#include <stdint.h>

/* USD per 10^6 tokens for a model id, with or without an "openai/" prefix
 * (text-embedding-3-small 0.02, text-embedding-3-large 0.13, text-embedding-ada-002 0.10).
 * -1 when unknown. Local providers cost 0 and do not ask. */
double pricing_usd_per_mtok(const char *model);

/* tokens × price / 10^6. */
double pricing_cost_usd(int64_t tokens, double usd_per_mtok);

/* Offline estimate of a text's tokens when no tokenizer is at hand (≈ UTF-8 bytes / 4,
 * at least 1 for a non-empty text). */
int64_t pricing_estimate_tokens(const char *text);

#endif
