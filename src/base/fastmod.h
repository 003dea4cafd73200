/* fastmod: x % d for a divisor fixed ahead (a provider's dimensions) without a division.
 *
 * A 64-bit division takes 40-odd cycles on some cores (AMD EPYC here, where `divq` was an
 * eighth of the lexical provider's time, once per feature); this takes three multiplications.
 * It is the remainder by direct computation of Lemire, Kaser and Kurz ("Faster Remainder by
 * Direct Computation", 2019): with the 128-bit reciprocal m = ceil(2^128 / d), the fraction
 * m·x mod 2^128, times d, has x mod d as its whole part above 2^128. Their bound (N = 64 bits
 * of numerator, F = 128 bits of fraction, F >= N + log2 d) makes it exact for every 64-bit x and
 * every divisor 2 <= d < 2^64: the same bucket as `%`, so vectors do not change
 * (test_fastmod). */
#ifndef SAMPLEVEC_FASTMOD_H
#define SAMPLEVEC_FASTMOD_H

#include <stdint.h>

__extension__ typedef unsigned __int128 fastmod_u128;

typedef struct fastmod {
    uint64_t d;
    fastmod_u128 m; /* ceil(2^128 / d) */
} fastmod;

/* The divisor d: 2 <= d (a divisor of 1 has no 128-bit reciprocal; x % 1 is 0 anyway). */
static inline fastmod fastmod_for(uint64_t d)
{
    fastmod f = {d, ~(fastmod_u128)0 / d + 1};
    return f;
}

/* x % f->d */
static inline uint64_t fastmod_rem(const fastmod *f, uint64_t x)
{
    fastmod_u128 frac = f->m * x; /* mod 2^128 */
    /* (frac · d) >> 128 from frac's two halves: the low half's product adds only its carry */
    fastmod_u128 low = (fastmod_u128)(uint64_t)frac * f->d;
    fastmod_u128 high = (fastmod_u128)(uint64_t)(frac >> 64) * f->d;
    return (uint64_t)((high + (low >> 64)) >> 64);
}

#endif
