#include "quant.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "gguf.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static const quant_format formats[] = {
    /* type         block bytes group offset min act */
    {GGML_T_Q8_0, 32, 34, 32, 128, 0, QUANT_ACT_Q8_0},
    {GGML_T_Q4_0, 32, 18, 32, 8, 0, QUANT_ACT_Q8_0},
    {GGML_T_Q4_1, 32, 20, 32, 0, 1, QUANT_ACT_Q8_1},
    {GGML_T_Q5_0, 32, 22, 32, 16, 0, QUANT_ACT_Q8_0},
    {GGML_T_Q5_1, 32, 24, 32, 0, 1, QUANT_ACT_Q8_1},
    {GGML_T_Q4_K, 256, 144, 32, 0, 1, QUANT_ACT_Q8_K},
    {GGML_T_Q5_K, 256, 176, 32, 0, 1, QUANT_ACT_Q8_K},
    {GGML_T_Q6_K, 256, 210, 16, 32, 0, QUANT_ACT_Q8_K},
};

const quant_format *quant_format_of(uint32_t type)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].type == type)
            return &formats[i];
    return NULL;
}

static float f16_at(const unsigned char *p) { return gguf_f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }

/* The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K super-block: 12 bytes hold
 * eight 6-bit scales and eight 6-bit mins; sub-blocks 4..7 keep their top 2 bits in the top
 * bits of bytes 0..7. */
static void k4_scale_min(int j, const unsigned char *q, int *sc, int *m)
{
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0x0f) | (q[j - 4] >> 6) << 4;
        *m = (q[j + 4] >> 4) | (q[j] >> 6) << 4;
    }
}

void quant_unpack_block(const quant_format *f, const unsigned char *p, uint8_t *c, float *scale, float *minv)
{
    switch (f->type) {
    case GGML_T_Q8_0:
        scale[0] = f16_at(p);
        minv[0] = 0.0f;
        for (int i = 0; i < 32; i++)
            c[i] = (uint8_t)(p[2 + i] ^ 0x80); /* int8 q + 128 */
        break;
    case GGML_T_Q4_0:
    case GGML_T_Q4_1: {
        int has_m = f->type == GGML_T_Q4_1;
        const unsigned char *qs = p + (has_m ? 4 : 2);
        scale[0] = f16_at(p);
        minv[0] = has_m ? f16_at(p + 2) : 0.0f;
        for (int j = 0; j < 16; j++) {
            c[j] = qs[j] & 0x0f;
            c[j + 16] = qs[j] >> 4;
        }
        break;
    }
    case GGML_T_Q5_0:
    case GGML_T_Q5_1: {
        int has_m = f->type == GGML_T_Q5_1;
        const unsigned char *h = p + (has_m ? 4 : 2), *qs = h + 4;
        uint32_t qh = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        scale[0] = f16_at(p);
        minv[0] = has_m ? f16_at(p + 2) : 0.0f;
        for (int j = 0; j < 16; j++) {
            c[j] = (uint8_t)((qs[j] & 0x0f) | ((qh >> j) & 1) << 4);
            c[j + 16] = (uint8_t)((qs[j] >> 4) | ((qh >> (j + 16)) & 1) << 4);
        }
        break;
    }
    case GGML_T_Q4_K:
    case GGML_T_Q5_K: {
        int five = f->type == GGML_T_Q5_K;
        float d = f16_at(p), dmin = f16_at(p + 2);
        const unsigned char *sc = p + 4, *qh = p + 16, *qs = p + (five ? 48 : 16);
        for (int j = 0; j < 8; j++) {
            int s, m;
            k4_scale_min(j, sc, &s, &m);
            scale[j] = d * (float)s;
            minv[j] = -(dmin * (float)m);
        }
        for (int j = 0; j < 4; j++) /* 64 values per 32 bytes: the low nibbles, then the high */
            for (int l = 0; l < 32; l++) {
                int lo = qs[32 * j + l] & 0x0f, hi = qs[32 * j + l] >> 4;
                if (five) {
                    lo |= (qh[l] >> (2 * j) & 1) << 4;
                    hi |= (qh[l] >> (2 * j + 1) & 1) << 4;
                }
                c[64 * j + l] = (uint8_t)lo;
                c[64 * j + 32 + l] = (uint8_t)hi;
            }
        break;
    }
    case GGML_T_Q6_K: {
        const unsigned char *ql = p, *qh = p + 128;
        const signed char *sc = (const signed char *)(p + 192);
        float d = f16_at(p + 208);
        for (int j = 0; j < 16; j++) {
            scale[j] = d * (float)sc[j];
            minv[j] = 0.0f;
        }
        for (int half = 0; half < 2; half++, c += 128, ql += 64, qh += 32)
            for (int l = 0; l < 32; l++) {
                c[l] = (uint8_t)((ql[l] & 0x0f) | (qh[l] & 3) << 4);
                c[l + 32] = (uint8_t)((ql[l + 32] & 0x0f) | (qh[l] >> 2 & 3) << 4);
                c[l + 64] = (uint8_t)((ql[l] >> 4) | (qh[l] >> 4 & 3) << 4);
                c[l + 96] = (uint8_t)((ql[l + 32] >> 4) | (qh[l] >> 6 & 3) << 4);
            }
        break;
    }
    default:
        break;
    }
}

/* ------------------------------------------------------------------ activations */

/* Round half to even for |v| <= 2^22, without a libm call (ggml's nearest_int): adding
 * 1.5·2^23 leaves the rounded integer in the low mantissa bits. glibc's nearbyintf per element
 * cost more than a third of a Q8_0 forward pass. */
static int rne(float v)
{
    float t = v + 12582912.0f;
    int32_t i;
    memcpy(&i, &t, 4);
    return (i & 0x007fffff) - 0x00400000;
}

static float f16_round(float x) { return gguf_f16_to_f32(gguf_f32_to_f16(x)); }

/* Group g's metadata from its code sum s (see quant_act). */
static void set_group(const quant_format *f, size_t g, int32_t s, float dx, float d_unrounded, const quant_act *a)
{
    a->dx[g] = dx;
    a->offsum[g] = f->offset * s;
    /* Q8_1's s field: the unrounded d times Σq, stored as f16 (quantize_row_q8_1). */
    a->sx[g] = f->act == QUANT_ACT_Q8_1 ? f16_round(d_unrounded * (float)s) : dx * (float)s;
}

/* The groups of one block of n codes whose scale is dx, summed here. */
static void group_sums(const quant_format *f, const int8_t *q, size_t n, float dx, float d_unrounded, size_t g0,
                       const quant_act *a)
{
    for (size_t g = 0; g < n / (size_t)f->group; g++) {
        int32_t s = 0;
        for (int i = 0; i < f->group; i++)
            s += q[g * (size_t)f->group + (size_t)i];
        set_group(f, g0 + g, s, dx, d_unrounded, a);
    }
}

void quant_act_row_ref(const quant_format *f, const float *x, size_t K, const quant_act *a)
{
    if (f->act == QUANT_ACT_Q8_K) {
        for (size_t b = 0; b < K; b += 256) {
            float amax = 0.0f, mx = 0.0f;
            for (int i = 0; i < 256; i++)
                if (fabsf(x[b + i]) > amax) {
                    amax = fabsf(x[b + i]);
                    mx = x[b + i];
                }
            float dx = 0.0f;
            if (amax == 0.0f) {
                memset(a->q + b, 0, 256);
            } else {
                float iscale = -127.0f / mx;
                for (int i = 0; i < 256; i++) {
                    int v = rne(iscale * x[b + i]);
                    a->q[b + i] = (int8_t)(v < 127 ? v : 127);
                }
                dx = 1.0f / iscale;
            }
            group_sums(f, a->q + b, 256, dx, dx, b / (size_t)f->group, a);
        }
        return;
    }
    for (size_t b = 0; b < K; b += 32) { /* Q8_0 and Q8_1, as ggml's x86 quantize_row_q8_0/1 */
        float amax = 0.0f;
        for (int i = 0; i < 32; i++)
            amax = fabsf(x[b + i]) > amax ? fabsf(x[b + i]) : amax;
        float d = amax / 127.0f, id = amax != 0.0f ? 127.0f / amax : 0.0f;
        for (int i = 0; i < 32; i++)
            a->q[b + i] = (int8_t)rne(x[b + i] * id);
        group_sums(f, a->q + b, 32, f16_round(d), d, b / 32, a);
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static int32_t hsum_i32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

/* The same quantizers with AVX2: identical maxima, scales and round-half-even (the vector
 * rounding instruction), so identical codes; the group sums are integer. */
__attribute__((target("avx2,fma"))) static void act_row_avx2(const quant_format *f, const float *x, size_t K,
                                                             const quant_act *a)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    size_t bs = f->act == QUANT_ACT_Q8_K ? 256 : 32;
    for (size_t b = 0; b < K; b += bs) {
        __m256 mx = _mm256_setzero_ps();
        /* |x| first: max_ps returns its second operand when one is NaN, so NaNs drop out of the
         * maximum as in the scalar loop */
        for (size_t i = 0; i < bs; i += 8)
            mx = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + b + i)), mx);
        float m8[8], amax = 0.0f;
        _mm256_storeu_ps(m8, mx);
        for (int i = 0; i < 8; i++)
            amax = m8[i] > amax ? m8[i] : amax;
        float mul, dx, d = 0.0f;
        if (f->act == QUANT_ACT_Q8_K) {
            if (amax == 0.0f) {
                memset(a->q + b, 0, 256);
                for (size_t g = b / (size_t)f->group; g < (b + 256) / (size_t)f->group; g++)
                    set_group(f, g, 0, 0.0f, 0.0f, a);
                continue;
            }
            size_t i = 0;
            while (fabsf(x[b + i]) != amax) /* the first value of largest magnitude, with its sign */
                i++;
            mul = -127.0f / x[b + i];
            dx = 1.0f / mul;
        } else {
            d = amax / 127.0f;
            mul = amax != 0.0f ? 127.0f / amax : 0.0f;
            dx = f16_round(d);
        }
        const __m256 vm = _mm256_set1_ps(mul);
        const __m256i hi = _mm256_set1_epi32(127), lo = _mm256_set1_epi32(-128);
        const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        float dr = f->act == QUANT_ACT_Q8_K ? dx : d;
        size_t G = (size_t)f->group;
        for (size_t i = 0; i < bs; i += 32) {
            __m256i v[4];
            for (int k = 0; k < 4; k++) {
                __m256 s = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + b + i + 8 * k), vm),
                                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                s = _mm256_and_ps(s, _mm256_cmp_ps(s, s, _CMP_ORD_Q)); /* NaN (from a non-finite x) → 0, as rne() */
                /* min: Q8_K's clamp, a no-op for Q8_0; max: only a non-finite row gets here, and the
                 * lanes must stay what packs stores, since the group sums add them */
                v[k] = _mm256_max_epi32(_mm256_min_epi32(_mm256_cvtps_epi32(s), hi), lo);
            }
            __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
            _mm256_storeu_si256((__m256i *)(a->q + b + i), _mm256_permutevar8x32_epi32(p, perm));
            /* Group sums from the same int32 lanes: 16 values are v[0..1], 32 are v[0..3]. */
            __m256i lo = _mm256_add_epi32(v[0], v[1]), up = _mm256_add_epi32(v[2], v[3]);
            if (G == 16) {
                set_group(f, (b + i) / 16, hsum_i32(lo), dx, dr, a);
                set_group(f, (b + i) / 16 + 1, hsum_i32(up), dx, dr, a);
            } else {
                set_group(f, (b + i) / 32, hsum_i32(_mm256_add_epi32(lo, up)), dx, dr, a);
            }
        }
    }
}
#endif

static int has_avx2;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void cpu_init(void)
{
#if defined(__x86_64__)
    has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
}

int quant_has_avx2(void)
{
    pthread_once(&cpu_once, cpu_init);
    return has_avx2;
}

void quant_act_row(const quant_format *f, const float *x, size_t K, const quant_act *a)
{
#if defined(__x86_64__)
    if (quant_has_avx2()) {
        act_row_avx2(f, x, K, a);
        return;
    }
#endif
    quant_act_row_ref(f, x, K, a);
}

/* ------------------------------------------------------------------ reference product */

float quant_dot_ref(const quant_format *f, const unsigned char *w, size_t K, const quant_act *a)
{
    uint8_t c[256];
    float scale[16], minv[16];
    int gpb = f->block / f->group; /* groups per block */
    float acc = 0.0f;
    for (size_t b = 0; b < K / (size_t)f->block; b++) {
        quant_unpack_block(f, w + b * (size_t)f->bytes, c, scale, minv);
        for (int j = 0; j < gpb; j++) {
            size_t g = b * (size_t)gpb + (size_t)j, k0 = g * (size_t)f->group;
            int32_t isum = -a->offsum[g];
            for (int i = 0; i < f->group; i++)
                isum += (int32_t)c[j * f->group + i] * a->q[k0 + (size_t)i];
            acc = fmaf((float)isum, scale[j] * a->dx[g], acc);
            if (f->has_min)
                acc = fmaf(minv[j], a->sx[g], acc);
        }
    }
    return acc;
}

void quant_round_bf16(const float *x, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        u = (u + 0x7fff + ((u >> 16) & 1)) & 0xffff0000u;
        memcpy(&dst[i], &u, 4);
    }
}
