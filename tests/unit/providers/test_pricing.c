#include "check.h"
#include "pricing.h"

int main(void)
{
    CHECK_NEAR(pricing_usd_per_mtok("text-embedding-3-small"), 0.02, 0);
    CHECK_NEAR(pricing_usd_per_mtok("openai/text-embedding-3-small"), 0.02, 0);
    CHECK_NEAR(pricing_usd_per_mtok("text-embedding-3-large"), 0.13, 0);
    CHECK_NEAR(pricing_usd_per_mtok("openai/text-embedding-ada-002"), 0.10, 0);
    CHECK(pricing_usd_per_mtok("text-embedding-4-huge") < 0);
    /* The seed's docs priced these 389,920 tokens at $0.079; the truth is ten times less. */
    CHECK_NEAR(pricing_cost_usd(389920, 0.02), 0.0077984, 1e-15);
    CHECK_NEAR(pricing_cost_usd(1000000, 0.13), 0.13, 1e-15);
    CHECK(pricing_estimate_tokens("") == 0);
    CHECK(pricing_estimate_tokens("abcd") == 1);
    CHECK(pricing_estimate_tokens("abcde") == 2);
    return check_summary();
}
