#include "vecblob.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Byte by byte, so the stored layout is little-endian whatever the host is; compilers turn
 * these loops into plain copies on little-endian machines. */
void vecblob_encode(const float *v, size_t dims, unsigned char *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(out, v, dims * 4); /* the host layout is the stored layout */
    return;
#endif
    for (size_t i = 0; i < dims; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], 4);
        out[4 * i + 0] = (unsigned char)bits;
        out[4 * i + 1] = (unsigned char)(bits >> 8);
        out[4 * i + 2] = (unsigned char)(bits >> 16);
        out[4 * i + 3] = (unsigned char)(bits >> 24);
    }
}

const void *vecblob_bytes(const float *v, size_t dims, unsigned char *scratch)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    (void)dims;
    (void)scratch;
    return v;
#else
    vecblob_encode(v, dims, scratch);
    return scratch;
#endif
}

void vecblob_decode(const unsigned char *in, size_t dims, float *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(out, in, dims * 4);
    return;
#endif
    for (size_t i = 0; i < dims; i++) {
        uint32_t bits = (uint32_t)in[4 * i] | (uint32_t)in[4 * i + 1] << 8 |
                        (uint32_t)in[4 * i + 2] << 16 | (uint32_t)in[4 * i + 3] << 24;
        memcpy(&out[i], &bits, 4);
    }
}

int vecblob_validate(const float *v, size_t got_dims, size_t want_dims, char reason[SV_ERR_LEN])
{
    if (got_dims != want_dims)
        return sv_fail(reason, 1, "vector has %zu dimensions, the store expects %zu", got_dims,
                       want_dims);
    /* One branch-free pass over the bit patterns (it vectorises): an all-ones exponent is NaN
     * or Inf, and any bit outside the sign makes the vector non-zero. The slow loop below only
     * runs to name the offending index. */
    uint32_t exp_all_ones = 0, magnitude_bits = 0;
    for (size_t i = 0; i < got_dims; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], 4);
        exp_all_ones |= (uint32_t)((bits & 0x7f800000u) == 0x7f800000u);
        magnitude_bits |= bits & 0x7fffffffu;
    }
    if (exp_all_ones)
        for (size_t i = 0; i < got_dims; i++) {
            if (isnan(v[i]))
                return sv_fail(reason, 1, "vector has NaN at index %zu", i);
            if (isinf(v[i]))
                return sv_fail(reason, 1, "vector has Inf at index %zu", i);
        }
    if (!magnitude_bits)
        return sv_fail(reason, 1, "vector is all zeros (nothing to compare by)");
    return 0;
}
