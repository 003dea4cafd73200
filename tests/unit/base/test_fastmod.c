/* fastmod: the same remainder as `%` for every divisor the lexical provider takes (8..65536
 * dimensions) and the edges beyond, on the numerators where a wrong reciprocal shows first
 * (0, multiples of d and their neighbours, the top of the range) and on random hashes. */
#include <stdint.h>

#include "check.h"
#include "fastmod.h"

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint64_t next_random(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int agrees(uint64_t d, uint64_t x)
{
    fastmod f = fastmod_for(d);
    return fastmod_rem(&f, x) == x % d;
}

int main(void)
{
    long wrong = 0;
    for (uint64_t d = 2; d <= 65536; d++) {
        fastmod f = fastmod_for(d);
        uint64_t top = UINT64_MAX - UINT64_MAX % d; /* the largest multiple of d */
        const uint64_t edges[] = {0, 1, d - 1, d, d + 1, 2 * d - 1, top - 1, top, UINT64_MAX, UINT64_MAX - 1,
                                  (uint64_t)1 << 63, ((uint64_t)1 << 63) - 1};
        for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
            wrong += fastmod_rem(&f, edges[i]) != edges[i] % d;
        for (int i = 0; i < 64; i++) {
            uint64_t x = next_random();
            wrong += fastmod_rem(&f, x) != x % d;
        }
    }
    CHECK(wrong == 0);
    /* the dimensions samplevec's models use, many more hashes each */
    const uint64_t dims[] = {384, 512, 768, 1024, 1536, 3072, 4096};
    for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++) {
        int ok = 1;
        for (int i = 0; i < 200000; i++)
            ok &= agrees(dims[k], next_random());
        CHECK(ok);
    }
    /* divisors far past 32 bits, to the top */
    const uint64_t wide[] = {((uint64_t)1 << 32) + 1, 0x9e3779b97f4a7c15ULL, UINT64_MAX - 1, UINT64_MAX,
                             (uint64_t)1 << 63};
    for (size_t k = 0; k < sizeof wide / sizeof wide[0]; k++) {
        int ok = agrees(wide[k], 0) && agrees(wide[k], UINT64_MAX) && agrees(wide[k], wide[k] - 1) &&
                 agrees(wide[k], wide[k]);
        for (int i = 0; i < 1000; i++)
            ok &= agrees(wide[k], next_random());
        CHECK(ok);
    }
    return check_summary();
}
