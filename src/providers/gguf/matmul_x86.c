/* The x86 kernels of matmul_kernels.h: an AVX2 and an AVX-512 VNNI tile over a weight panel,
 * and the F16/BF16 widening. Each is compiled for its instruction set with a target attribute
 * and only called after the CPU check below says it may run. */
#include "matmul_kernels.h"

#if defined(__x86_64__)

#include <cpuid.h>
#include <immintrin.h>
#include <pthread.h>
#include <string.h>

#include "gguf.h"

static int has_avx2, has_avx512;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

/* CPUID for the instructions and XGETBV for the OS saving the registers: a CPU can report
 * AVX-512 under a kernel (or hypervisor) that does not preserve ZMM state. */
static void cpu_init(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return;
    int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
    if (!osxsave)
        return;
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    int ymm_os = (lo & 0x6) == 0x6, zmm_os = (lo & 0xe6) == 0xe6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return;
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1, avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    int vnni = (c >> 11) & 1;
    has_avx2 = ymm_os && avx2 && fma && f16c;
    has_avx512 = has_avx2 && zmm_os && avx512f && avx512bw && avx512vl && vnni;
}

int mm_x86_has_avx2(void)
{
    pthread_once(&cpu_once, cpu_init);
    return has_avx2;
}

int mm_x86_has_avx512(void)
{
    pthread_once(&cpu_once, cpu_init);
    return has_avx512;
}

static int32_t load_i32(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* ------------------------------------------------------------------ AVX-512 VNNI */

#define T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma")))

/* Outputs of one row of the tile: 16 columns per vector, the last ones masked off. */
T512 static void store512(float *y, __m512 r, int cols, int accumulate, const float *bias)
{
    if (!y || cols <= 0)
        return;
    __mmask16 m = cols >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << cols) - 1);
    if (accumulate)
        r = _mm512_add_ps(_mm512_maskz_loadu_ps(m, y), r);
    if (bias)
        r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m, bias));
    _mm512_mask_storeu_ps(y, m, r);
}

/* 32 weight rows (two vectors of 16) × 4 activation rows. Per quad of 4 codes: two vector loads
 * and 8 vpdpbusd (u8 codes × s8 activations, summed in int32 lanes, one per weight row); per
 * group: the integer sum to float, times s·dx, and the min term. The integer accumulator
 * starts at −o·Σq, so the sum is quant.h's exactly. */
T512 void mm_tile_avx512(const mm_tile_args *a)
{
    const size_t G = (size_t)a->group, nq = G / 4;
    const int8_t *x0 = a->x[0]->q, *x1 = a->x[1]->q, *x2 = a->x[2]->q, *x3 = a->x[3]->q;
    __m512 f00 = _mm512_setzero_ps(), f01 = f00, f02 = f00, f03 = f00;
    __m512 f10 = f00, f11 = f00, f12 = f00, f13 = f00;
    const unsigned char *pg = a->panel;
    for (size_t g = 0; g < a->ngroups; g++, pg += a->gstride, x0 += G, x1 += G, x2 += G, x3 += G) {
        __m512i s00 = _mm512_set1_epi32(-a->x[0]->offsum[g]), s10 = s00;
        __m512i s01 = _mm512_set1_epi32(-a->x[1]->offsum[g]), s11 = s01;
        __m512i s02 = _mm512_set1_epi32(-a->x[2]->offsum[g]), s12 = s02;
        __m512i s03 = _mm512_set1_epi32(-a->x[3]->offsum[g]), s13 = s03;
        const unsigned char *pq = pg;
        for (size_t q = 0; q < nq; q++, pq += 128) {
            __m512i w0 = _mm512_load_si512((const void *)pq), w1 = _mm512_load_si512((const void *)(pq + 64));
            __m512i b0 = _mm512_set1_epi32(load_i32(x0 + 4 * q)), b1 = _mm512_set1_epi32(load_i32(x1 + 4 * q));
            __m512i b2 = _mm512_set1_epi32(load_i32(x2 + 4 * q)), b3 = _mm512_set1_epi32(load_i32(x3 + 4 * q));
            s00 = _mm512_dpbusd_epi32(s00, w0, b0);
            s10 = _mm512_dpbusd_epi32(s10, w1, b0);
            s01 = _mm512_dpbusd_epi32(s01, w0, b1);
            s11 = _mm512_dpbusd_epi32(s11, w1, b1);
            s02 = _mm512_dpbusd_epi32(s02, w0, b2);
            s12 = _mm512_dpbusd_epi32(s12, w1, b2);
            s03 = _mm512_dpbusd_epi32(s03, w0, b3);
            s13 = _mm512_dpbusd_epi32(s13, w1, b3);
        }
        const float *sc = (const float *)(const void *)(pg + G * 32);
        __m512 sc0 = _mm512_load_ps(sc), sc1 = _mm512_load_ps(sc + 16);
        __m512 d0 = _mm512_set1_ps(a->x[0]->dx[g]), d1 = _mm512_set1_ps(a->x[1]->dx[g]);
        __m512 d2 = _mm512_set1_ps(a->x[2]->dx[g]), d3 = _mm512_set1_ps(a->x[3]->dx[g]);
        f00 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s00), _mm512_mul_ps(sc0, d0), f00);
        f10 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s10), _mm512_mul_ps(sc1, d0), f10);
        f01 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s01), _mm512_mul_ps(sc0, d1), f01);
        f11 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s11), _mm512_mul_ps(sc1, d1), f11);
        f02 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s02), _mm512_mul_ps(sc0, d2), f02);
        f12 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s12), _mm512_mul_ps(sc1, d2), f12);
        f03 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s03), _mm512_mul_ps(sc0, d3), f03);
        f13 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s13), _mm512_mul_ps(sc1, d3), f13);
        if (a->has_min) {
            __m512 m0 = _mm512_load_ps(sc + 32), m1 = _mm512_load_ps(sc + 48);
            __m512 e0 = _mm512_set1_ps(a->x[0]->sx[g]), e1 = _mm512_set1_ps(a->x[1]->sx[g]);
            __m512 e2 = _mm512_set1_ps(a->x[2]->sx[g]), e3 = _mm512_set1_ps(a->x[3]->sx[g]);
            f00 = _mm512_fmadd_ps(m0, e0, f00);
            f10 = _mm512_fmadd_ps(m1, e0, f10);
            f01 = _mm512_fmadd_ps(m0, e1, f01);
            f11 = _mm512_fmadd_ps(m1, e1, f11);
            f02 = _mm512_fmadd_ps(m0, e2, f02);
            f12 = _mm512_fmadd_ps(m1, e2, f12);
            f03 = _mm512_fmadd_ps(m0, e3, f03);
            f13 = _mm512_fmadd_ps(m1, e3, f13);
        }
    }
    const float *b0 = a->bias, *b1 = a->bias ? a->bias + 16 : NULL;
    store512(a->y[0], f00, a->ncols, a->accumulate, b0);
    store512(a->y[1], f01, a->ncols, a->accumulate, b0);
    store512(a->y[2], f02, a->ncols, a->accumulate, b0);
    store512(a->y[3], f03, a->ncols, a->accumulate, b0);
    if (a->ncols > 16) {
        store512(a->y[0] ? a->y[0] + 16 : NULL, f10, a->ncols - 16, a->accumulate, b1);
        store512(a->y[1] ? a->y[1] + 16 : NULL, f11, a->ncols - 16, a->accumulate, b1);
        store512(a->y[2] ? a->y[2] + 16 : NULL, f12, a->ncols - 16, a->accumulate, b1);
        store512(a->y[3] ? a->y[3] + 16 : NULL, f13, a->ncols - 16, a->accumulate, b1);
    }
}

/* ------------------------------------------------------------------ AVX2 */

#define T256 __attribute__((target("avx2,fma,f16c")))

T256 static void store256(float *y, __m256 r, int cols, int accumulate, const float *bias)
{
    if (!y || cols <= 0)
        return;
    float t[8], o[8];
    int n = cols < 8 ? cols : 8;
    _mm256_storeu_ps(t, r);
    for (int i = 0; i < n; i++) { /* as the vector code would: (y + r) + b, lane by lane */
        float v = t[i];
        if (accumulate)
            v = y[i] + v;
        if (bias)
            v = v + bias[i];
        o[i] = v;
    }
    memcpy(y, o, (size_t)n * sizeof(float));
}

/* One quad's integer products for one activation row, 8 weight rows per vector:
 *   codes below 64 (every type but Q8_0): maddubs (u8 × s8 pairs to s16, no saturation since
 *     2·63·127 < 2^15) then madd with ones to s32;
 *   Q8_0: the signed weight w = c ^ 0x80 carries its sign to the activation (sign_epi8) and
 *     its magnitude multiplies (|w| ≤ 128, 2·128·127 < 2^15), ggml's trick; the sum is then
 *     Σ w·q directly, so that accumulator starts at 0 instead of −128·Σq. */
T256 static inline __m256i dot_u(__m256i w, __m256i x, __m256i ones)
{
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), ones);
}

T256 static inline __m256i dot_s(__m256i wabs, __m256i wsig, __m256i x, __m256i ones)
{
    return _mm256_madd_epi16(_mm256_maddubs_epi16(wabs, _mm256_sign_epi8(x, wsig)), ones);
}

/* 16 weight rows (two vectors of 8) × 2 activation rows. */
T256 void mm_tile_avx2(const mm_tile_args *a)
{
    const size_t G = (size_t)a->group, nq = G / 4;
    const int signed8 = a->offset == 128;
    const __m256i ones = _mm256_set1_epi16(1), flip = _mm256_set1_epi8((char)0x80);
    const int8_t *x0 = a->x[0]->q, *x1 = a->x[1]->q;
    __m256 f00 = _mm256_setzero_ps(), f01 = f00, f10 = f00, f11 = f00;
    const unsigned char *pg = a->panel;
    for (size_t g = 0; g < a->ngroups; g++, pg += a->gstride, x0 += G, x1 += G) {
        __m256i s00 = _mm256_set1_epi32(signed8 ? 0 : -a->x[0]->offsum[g]), s10 = s00;
        __m256i s01 = _mm256_set1_epi32(signed8 ? 0 : -a->x[1]->offsum[g]), s11 = s01;
        const unsigned char *pq = pg;
        if (signed8) {
            for (size_t q = 0; q < nq; q++, pq += 64) {
                __m256i w0 = _mm256_xor_si256(_mm256_load_si256((const __m256i *)(const void *)pq), flip);
                __m256i w1 = _mm256_xor_si256(_mm256_load_si256((const __m256i *)(const void *)(pq + 32)), flip);
                __m256i a0 = _mm256_abs_epi8(w0), a1 = _mm256_abs_epi8(w1);
                __m256i b0 = _mm256_set1_epi32(load_i32(x0 + 4 * q)), b1 = _mm256_set1_epi32(load_i32(x1 + 4 * q));
                s00 = _mm256_add_epi32(s00, dot_s(a0, w0, b0, ones));
                s10 = _mm256_add_epi32(s10, dot_s(a1, w1, b0, ones));
                s01 = _mm256_add_epi32(s01, dot_s(a0, w0, b1, ones));
                s11 = _mm256_add_epi32(s11, dot_s(a1, w1, b1, ones));
            }
        } else {
            for (size_t q = 0; q < nq; q++, pq += 64) {
                __m256i w0 = _mm256_load_si256((const __m256i *)(const void *)pq);
                __m256i w1 = _mm256_load_si256((const __m256i *)(const void *)(pq + 32));
                __m256i b0 = _mm256_set1_epi32(load_i32(x0 + 4 * q)), b1 = _mm256_set1_epi32(load_i32(x1 + 4 * q));
                s00 = _mm256_add_epi32(s00, dot_u(w0, b0, ones));
                s10 = _mm256_add_epi32(s10, dot_u(w1, b0, ones));
                s01 = _mm256_add_epi32(s01, dot_u(w0, b1, ones));
                s11 = _mm256_add_epi32(s11, dot_u(w1, b1, ones));
            }
        }
        const float *sc = (const float *)(const void *)(pg + G * 16);
        __m256 sc0 = _mm256_load_ps(sc), sc1 = _mm256_load_ps(sc + 8);
        __m256 d0 = _mm256_set1_ps(a->x[0]->dx[g]), d1 = _mm256_set1_ps(a->x[1]->dx[g]);
        f00 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s00), _mm256_mul_ps(sc0, d0), f00);
        f10 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s10), _mm256_mul_ps(sc1, d0), f10);
        f01 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s01), _mm256_mul_ps(sc0, d1), f01);
        f11 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s11), _mm256_mul_ps(sc1, d1), f11);
        if (a->has_min) {
            __m256 m0 = _mm256_load_ps(sc + 16), m1 = _mm256_load_ps(sc + 24);
            __m256 e0 = _mm256_set1_ps(a->x[0]->sx[g]), e1 = _mm256_set1_ps(a->x[1]->sx[g]);
            f00 = _mm256_fmadd_ps(m0, e0, f00);
            f10 = _mm256_fmadd_ps(m1, e0, f10);
            f01 = _mm256_fmadd_ps(m0, e1, f01);
            f11 = _mm256_fmadd_ps(m1, e1, f11);
        }
    }
    const float *b1 = a->bias ? a->bias + 8 : NULL;
    store256(a->y[0], f00, a->ncols, a->accumulate, a->bias);
    store256(a->y[1], f01, a->ncols, a->accumulate, a->bias);
    store256(a->y[0] ? a->y[0] + 8 : NULL, f10, a->ncols - 8, a->accumulate, b1);
    store256(a->y[1] ? a->y[1] + 8 : NULL, f11, a->ncols - 8, a->accumulate, b1);
}

/* A Q8_0 panel four rows at a time: each row's 32 codes of a block (one load, flipped to
 * c = q + 128) and a 4 × 8 transpose of dwords give, per quad, the 16 bytes of 4 consecutive
 * rows, one store each; the 4 scales go through vcvtph2ps. The generic builder (unpack a block,
 * copy 4 bytes at a time, software f16) took a tenth of a Q8_0 forward pass. */
T256 void mm_panel_q8_0_avx2(const unsigned char *rows, size_t row_bytes, size_t K, int nr, unsigned char *panel)
{
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    const size_t gstride = 32 * (size_t)nr + 4 * (size_t)nr, NR4 = 4 * (size_t)nr;
    for (int r0 = 0; r0 < nr; r0 += 4) {
        const unsigned char *p0 = rows + (size_t)r0 * row_bytes, *p1 = p0 + row_bytes, *p2 = p1 + row_bytes,
                            *p3 = p2 + row_bytes;
        unsigned char *out = panel + (size_t)r0 * 4;
        for (size_t b = 0; b < K / 32; b++, out += gstride) {
            size_t o = b * 34;
            __m256i a0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(p0 + o + 2)), flip);
            __m256i a1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(p1 + o + 2)), flip);
            __m256i a2 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(p2 + o + 2)), flip);
            __m256i a3 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(p3 + o + 2)), flip);
            __m256i t0 = _mm256_unpacklo_epi32(a0, a1), t1 = _mm256_unpackhi_epi32(a0, a1);
            __m256i t2 = _mm256_unpacklo_epi32(a2, a3), t3 = _mm256_unpackhi_epi32(a2, a3);
            __m256i u[4] = {_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2),
                            _mm256_unpacklo_epi64(t1, t3), _mm256_unpackhi_epi64(t1, t3)};
            for (int q = 0; q < 4; q++) { /* u[q]: quad q in the low half, quad q + 4 in the high */
                _mm_storeu_si128((__m128i *)(void *)(out + (size_t)q * NR4), _mm256_castsi256_si128(u[q]));
                _mm_storeu_si128((__m128i *)(void *)(out + (size_t)(q + 4) * NR4), _mm256_extracti128_si256(u[q], 1));
            }
            uint16_t d[4];
            memcpy(&d[0], p0 + o, 2);
            memcpy(&d[1], p1 + o, 2);
            memcpy(&d[2], p2 + o, 2);
            memcpy(&d[3], p3 + o, 2);
            _mm_storeu_ps((float *)(void *)(out + 32 * (size_t)nr), _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(const void *)d)));
        }
    }
}

/* F16 through the F16C conversion instruction (exact, as gguf_f16_to_f32), BF16 by shifting
 * its bits into the top half of a float32. */
T256 void mm_widen_avx2(uint32_t type, const unsigned char *src, float *dst, size_t n)
{
    size_t i = 0;
    if (type == GGML_T_F16) {
        for (; i + 8 <= n; i += 8)
            _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(src + 2 * i))));
        for (; i < n; i++)
            dst[i] = gguf_f16_to_f32((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
    } else {
        for (; i + 8 <= n; i += 8) {
            __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)(src + 2 * i)));
            _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(h, 16)));
        }
        for (; i < n; i++) {
            uint32_t b = (uint32_t)(src[2 * i] | src[2 * i + 1] << 8) << 16;
            memcpy(&dst[i], &b, 4);
        }
    }
}

#endif
