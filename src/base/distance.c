#include "distance.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DISTANCE_X86 1
#endif

#define LANES 64

/* The fixed reduction tree every kernel ends with. */
static float reduce_lanes(float acc[LANES])
{
    for (size_t w = LANES / 2; w >= 1; w /= 2)
        for (size_t j = 0; j < w; j++)
            acc[j] = acc[j] + acc[j + w];
    return acc[0];
}

/* Adds elements [i, n) to their lanes (i is a multiple of LANES). Separate statements for the
 * product and the sum: C forbids contracting them into an FMA across statements. */
static void tail_lanes(float acc[LANES], const float *a, const float *b, size_t i, size_t n)
{
    for (size_t j = 0; i + j < n; j++) {
        float p = a[i + j] * b[i + j];
        acc[j] = acc[j] + p;
    }
}

float distance_dot_scalar(const float *a, const float *b, size_t n)
{
    float acc[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (size_t j = 0; j < LANES; j++) {
            float p = a[i + j] * b[i + j];
            acc[j] = acc[j] + p;
        }
    tail_lanes(acc, a, b, i, n);
    return reduce_lanes(acc);
}

#ifdef DISTANCE_X86
__attribute__((target("avx2"))) float distance_dot_avx2(const float *a, const float *b, size_t n)
{
    __m256 acc[8];
    for (int r = 0; r < 8; r++)
        acc[r] = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int r = 0; r < 8; r++) {
            __m256 p = _mm256_mul_ps(_mm256_loadu_ps(a + i + 8 * r), _mm256_loadu_ps(b + i + 8 * r));
            acc[r] = _mm256_add_ps(acc[r], p);
        }
    if (i < n) {
        float lanes[LANES];
        for (int r = 0; r < 8; r++)
            _mm256_storeu_ps(lanes + 8 * r, acc[r]);
        tail_lanes(lanes, a, b, i, n);
        return reduce_lanes(lanes);
    }
    /* The reduction tree in registers: lane j += lane j+32 is register r += r+4, and so on. */
    for (int r = 0; r < 4; r++)
        acc[r] = _mm256_add_ps(acc[r], acc[r + 4]);
    acc[0] = _mm256_add_ps(acc[0], acc[2]);
    acc[1] = _mm256_add_ps(acc[1], acc[3]);
    __m256 v8 = _mm256_add_ps(acc[0], acc[1]);                                 /* w = 8 */
    __m128 v4 = _mm_add_ps(_mm256_castps256_ps128(v8), _mm256_extractf128_ps(v8, 1)); /* w = 4 */
    __m128 v2 = _mm_add_ps(v4, _mm_movehl_ps(v4, v4));                         /* w = 2 */
    __m128 v1 = _mm_add_ss(v2, _mm_shuffle_ps(v2, v2, 1));                     /* w = 1 */
    return _mm_cvtss_f32(v1);
}

__attribute__((target("avx512f"))) float distance_dot_avx512(const float *a, const float *b, size_t n)
{
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        acc0 = _mm512_add_ps(acc0, _mm512_mul_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i)));
        acc1 = _mm512_add_ps(acc1, _mm512_mul_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16)));
        acc2 = _mm512_add_ps(acc2, _mm512_mul_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32)));
        acc3 = _mm512_add_ps(acc3, _mm512_mul_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48)));
    }
    if (i < n) {
        float lanes[LANES];
        _mm512_storeu_ps(lanes, acc0);
        _mm512_storeu_ps(lanes + 16, acc1);
        _mm512_storeu_ps(lanes + 32, acc2);
        _mm512_storeu_ps(lanes + 48, acc3);
        tail_lanes(lanes, a, b, i, n);
        return reduce_lanes(lanes);
    }
    acc0 = _mm512_add_ps(acc0, acc2); /* w = 32 */
    acc1 = _mm512_add_ps(acc1, acc3);
    __m512 v16 = _mm512_add_ps(acc0, acc1); /* w = 16 */
    __m256 lo = _mm512_castps512_ps256(v16);
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v16), 1));
    __m256 v8 = _mm256_add_ps(lo, hi);                                          /* w = 8 */
    __m128 v4 = _mm_add_ps(_mm256_castps256_ps128(v8), _mm256_extractf128_ps(v8, 1)); /* w = 4 */
    __m128 v2 = _mm_add_ps(v4, _mm_movehl_ps(v4, v4));                          /* w = 2 */
    __m128 v1 = _mm_add_ss(v2, _mm_shuffle_ps(v2, v2, 1));                      /* w = 1 */
    return _mm_cvtss_f32(v1);
}
#else
float distance_dot_avx2(const float *a, const float *b, size_t n) { return distance_dot_scalar(a, b, n); }
float distance_dot_avx512(const float *a, const float *b, size_t n) { return distance_dot_scalar(a, b, n); }
#endif

int distance_cpu_has(const char *kernel)
{
    if (strcmp(kernel, "scalar") == 0)
        return 1;
#ifdef DISTANCE_X86
    __builtin_cpu_init();
    if (strcmp(kernel, "avx2") == 0)
        return __builtin_cpu_supports("avx2");
    if (strcmp(kernel, "avx512") == 0)
        return __builtin_cpu_supports("avx512f");
#endif
    return 0;
}

distance_dot_fn distance_dot_pick(const char **name)
{
    static const struct { const char *name; distance_dot_fn fn; } kernels[] = {
        {"avx512", distance_dot_avx512}, {"avx2", distance_dot_avx2}, {"scalar", distance_dot_scalar},
    };
    const size_t nk = sizeof kernels / sizeof kernels[0];
    const char *want = getenv("SAMPLEVEC_KERNEL");
    /* Pass 0 honours SAMPLEVEC_KERNEL; pass 1 (an unknown or unsupported name) takes the best. */
    for (int pass = (want && *want) ? 0 : 1; pass < 2; pass++)
        for (size_t i = 0; i < nk; i++) {
            if (pass == 0 && strcmp(want, kernels[i].name) != 0)
                continue;
            if (distance_cpu_has(kernels[i].name)) {
                if (name)
                    *name = kernels[i].name;
                return kernels[i].fn;
            }
        }
    if (name)
        *name = "scalar";
    return distance_dot_scalar;
}
