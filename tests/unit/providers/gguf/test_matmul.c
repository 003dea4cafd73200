/* matmul and quant: the block layouts against an encoder written here from the format table
 * and against gguf.c's separate decoder, the activation quantizers (vector = scalar, bit for
 * bit), the reference product against a double-precision dot of the decoded values, and one
 * kernel set against the reference on odd shapes, strides, biases and accumulation.
 *
 *   test_matmul            formats, quantizers and the reference kernels
 *   test_matmul avx2       the AVX2 kernels against the reference
 *   test_matmul avx512     the AVX-512 VNNI kernels against the reference
 * A kernel set this CPU cannot run prints "SKIPPED: ..." and exits 77 (CTest's skip code). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gguf.h"
#include "matmul.h"
#include "quant.h"

/* Block types: every kernel computes quant.h's expression with the same integer sums and the
 * same float operations in the same order, so the tolerance is zero: identical bits. */
#define QUANT_TOL_BITS 0
/* Float types through OpenBLAS: sums in another order differ by a few ulps per term, relative
 * to the sum of |x·w| (the same bound test_gemm uses). */
#define FLOAT_TOL_REL 1e-5

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static float frand(void) { return (float)(rnd() & 0xffffff) / 8388608.0f - 1.0f; } /* [-1, 1) */

static void put_f16(unsigned char *p, float v)
{
    uint16_t h = gguf_f32_to_f16(v);
    p[0] = (unsigned char)(h & 0xff);
    p[1] = (unsigned char)(h >> 8);
}

/* ------------------------------------------------------------------ layouts */

/* Packs codes c[block] (and the scale fields) into one block of `type`, the way the GGUF
 * table in quant.h describes it; returns the expected scale and min of each group. */
static void encode(uint32_t type, const uint8_t *c, unsigned char *p, float *scale, float *minv)
{
    float d = 0.01f + 0.01f * (float)(rnd() % 50), m = -0.5f * (float)(rnd() % 7) * 0.03f;
    float dh = gguf_f16_to_f32(gguf_f32_to_f16(d)), mh = gguf_f16_to_f32(gguf_f32_to_f16(m));
    switch (type) {
    case GGML_T_Q8_0:
        put_f16(p, d);
        for (int i = 0; i < 32; i++)
            p[2 + i] = (unsigned char)(c[i] - 128);
        scale[0] = dh, minv[0] = 0.0f;
        break;
    case GGML_T_Q4_0:
    case GGML_T_Q4_1: {
        unsigned char *qs = p + (type == GGML_T_Q4_1 ? 4 : 2);
        put_f16(p, d);
        if (type == GGML_T_Q4_1)
            put_f16(p + 2, m);
        for (int j = 0; j < 16; j++)
            qs[j] = (unsigned char)(c[j] | c[j + 16] << 4);
        scale[0] = dh, minv[0] = type == GGML_T_Q4_1 ? mh : 0.0f;
        break;
    }
    case GGML_T_Q5_0:
    case GGML_T_Q5_1: {
        unsigned char *h = p + (type == GGML_T_Q5_1 ? 4 : 2), *qs = h + 4;
        uint32_t qh = 0;
        put_f16(p, d);
        if (type == GGML_T_Q5_1)
            put_f16(p + 2, m);
        for (int j = 0; j < 32; j++)
            qh |= (uint32_t)(c[j] >> 4) << j;
        for (int j = 0; j < 4; j++)
            h[j] = (unsigned char)(qh >> (8 * j));
        for (int j = 0; j < 16; j++)
            qs[j] = (unsigned char)((c[j] & 15) | (c[j + 16] & 15) << 4);
        scale[0] = dh, minv[0] = type == GGML_T_Q5_1 ? mh : 0.0f;
        break;
    }
    case GGML_T_Q4_K:
    case GGML_T_Q5_K: {
        int five = type == GGML_T_Q5_K, sc[8], mn[8];
        unsigned char *s = p + 4, *qh = p + 16, *qs = p + (five ? 48 : 16);
        float dmin = 0.005f * (float)(1 + rnd() % 9);
        put_f16(p, d);
        put_f16(p + 2, dmin);
        float dminh = gguf_f16_to_f32(gguf_f32_to_f16(dmin));
        for (int j = 0; j < 8; j++) {
            sc[j] = (int)(rnd() % 64), mn[j] = (int)(rnd() % 64);
            scale[j] = dh * (float)sc[j];
            minv[j] = -(dminh * (float)mn[j]);
        }
        for (int j = 0; j < 4; j++) { /* 6-bit fields; sub-blocks 4..7 keep their top bits in bytes 0..7 */
            s[j] = (unsigned char)(sc[j] | (sc[j + 4] >> 4) << 6);
            s[j + 4] = (unsigned char)(mn[j] | (mn[j + 4] >> 4) << 6);
            s[j + 8] = (unsigned char)((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
        }
        if (five)
            memset(qh, 0, 32);
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++) {
                uint8_t lo = c[64 * j + l], hi = c[64 * j + 32 + l];
                qs[32 * j + l] = (unsigned char)((lo & 15) | (hi & 15) << 4);
                if (five)
                    qh[l] |= (unsigned char)((lo >> 4) << (2 * j) | (hi >> 4) << (2 * j + 1));
            }
        break;
    }
    case GGML_T_Q6_K: {
        unsigned char *ql = p, *qh = p + 128;
        signed char *s = (signed char *)(p + 192);
        put_f16(p + 208, d);
        for (int j = 0; j < 16; j++) {
            s[j] = (signed char)((int)(rnd() % 256) - 128);
            scale[j] = dh * (float)s[j];
            minv[j] = 0.0f;
        }
        for (int h = 0; h < 2; h++)
            for (int l = 0; l < 32; l++) {
                const uint8_t *q = c + 128 * h;
                ql[64 * h + l] = (unsigned char)((q[l] & 15) | (q[l + 64] & 15) << 4);
                ql[64 * h + l + 32] = (unsigned char)((q[l + 32] & 15) | (q[l + 96] & 15) << 4);
                qh[32 * h + l] = (unsigned char)((q[l] >> 4) | (q[l + 32] >> 4) << 2 | (q[l + 64] >> 4) << 4 |
                                                 (q[l + 96] >> 4) << 6);
            }
        break;
    }
    }
}

static const uint32_t qtypes[] = {GGML_T_Q8_0, GGML_T_Q4_0, GGML_T_Q4_1, GGML_T_Q5_0,
                                  GGML_T_Q5_1, GGML_T_Q4_K, GGML_T_Q5_K, GGML_T_Q6_K};
#define NQTYPES (sizeof qtypes / sizeof qtypes[0])

static int code_bits(uint32_t t)
{
    return t == GGML_T_Q8_0 ? 8 : t == GGML_T_Q6_K ? 6 : (t == GGML_T_Q5_0 || t == GGML_T_Q5_1 || t == GGML_T_Q5_K) ? 5 : 4;
}

static void test_layouts(void)
{
    for (size_t ti = 0; ti < NQTYPES; ti++) {
        const quant_format *f = quant_format_of(qtypes[ti]);
        uint8_t c[256], got[256];
        unsigned char blk[512];
        float scale[16], minv[16], gs[16], gm[16];
        int ok = 1;
        for (int rep = 0; rep < 20; rep++) {
            for (int i = 0; i < f->block; i++)
                c[i] = (uint8_t)(rnd() % (1u << code_bits(f->type)));
            if (rep == 0)
                memset(c, (1 << code_bits(f->type)) - 1, (size_t)f->block); /* every bit set */
            encode(f->type, c, blk, scale, minv);
            quant_unpack_block(f, blk, got, gs, gm);
            ok &= memcmp(c, got, (size_t)f->block) == 0;
            for (int g = 0; g < f->block / f->group; g++)
                ok &= gs[g] == scale[g] && gm[g] == minv[g];
            /* gguf.c's own decoder (written separately) agrees: w = s·(c − o) + m */
            gguf_tensor t = {.type = f->type, .data = blk, .ne = {(uint64_t)f->block, 1, 1, 1}};
            float w[256];
            gguf_dequantize(&t, 0, (uint64_t)f->block, w);
            for (int i = 0; i < f->block; i++)
                ok &= w[i] == scale[i / f->group] * (float)((int)c[i] - f->offset) + minv[i / f->group];
        }
        if (!ok)
            fprintf(stderr, "layout of %s: unpacked codes or scales differ from the encoder\n", gguf_type_name(f->type));
        CHECK(ok);
    }
}

/* ------------------------------------------------------------------ activations */

typedef struct act_buf {
    int8_t q[1024];
    float dx[64], sx[64];
    int32_t offsum[64];
} act_buf;

static quant_act view(act_buf *b)
{
    quant_act a = {b->q, b->dx, b->offsum, b->sx};
    return a;
}

static void test_activations(void)
{
    const size_t K = 768;
    float x[768];
    for (size_t ti = 0; ti < NQTYPES; ti++) {
        const quant_format *f = quant_format_of(qtypes[ti]);
        for (int rep = 0; rep < 6; rep++) {
            for (size_t i = 0; i < K; i++)
                x[i] = 3.0f * frand() * (rep == 1 && i < 256 ? 0.0f : 1.0f); /* rep 1: zero blocks */
            if (rep >= 4) { /* what hostile weights make of a row: NaN (rep 4) and infinities (rep 5) */
                float bad = rep == 4 ? NAN : INFINITY;
                x[5] = bad, x[300] = -bad, x[301] = 2.0f * bad, x[700] = bad;
            }
            if (rep == 2) { /* equal magnitudes of both signs: Q8_K takes the first one's sign */
                x[40] = -7.5f, x[90] = 7.5f;
                x[300] = 6.0f, x[301] = -6.0f;
            }
            if (rep == 3)
                for (size_t i = 0; i < K; i++)
                    x[i] = (float)(i % 5) * 0.5f - 1.0f; /* exact halves: rounding ties */
            act_buf a, b;
            memset(&a, 0x55, sizeof a);
            memset(&b, 0x55, sizeof b);
            quant_act va = view(&a), vb = view(&b);
            quant_act_row(f, x, K, &va);
            quant_act_row_ref(f, x, K, &vb);
            size_t ng = K / (size_t)f->group;
            CHECK(memcmp(a.q, b.q, K) == 0 && memcmp(a.dx, b.dx, ng * 4) == 0 && memcmp(a.sx, b.sx, ng * 4) == 0 &&
                  memcmp(a.offsum, b.offsum, ng * 4) == 0);
            if (rep >= 4) /* codes stay codes, sums stay bounded (the fuzzer found an overflow here) */
                continue;
            /* Each value within half a step of its code, and the group sums right. */
            int ok = 1;
            for (size_t i = 0; i < K; i++) {
                float dx = b.dx[i / (size_t)f->group];
                double err = fabs((double)x[i] - (double)dx * b.q[i]);
                ok &= err <= fabs(dx) * 0.5 * 1.01 + fabs(x[i]) * 2e-3; /* + f16 rounding of the Q8_0 scale */
            }
            for (size_t g = 0; g < ng; g++) {
                int32_t s = 0;
                for (int i = 0; i < f->group; i++)
                    s += b.q[g * (size_t)f->group + (size_t)i];
                ok &= b.offsum[g] == f->offset * s;
            }
            CHECK(ok);
            if (rep == 1)
                CHECK(b.dx[0] == 0.0f && b.q[0] == 0 && b.q[255] == 0);
            if (rep == 2 && f->act == QUANT_ACT_Q8_K) { /* the first of the largest keeps its sign */
                CHECK(b.q[40] == -127 && b.q[90] == 127 && b.dx[0] > 0.0f);
                CHECK(b.q[300] == -127 && b.q[301] == 127 && b.dx[300 / f->group] < 0.0f);
            }
        }
    }
    float y[5] = {1.0f, 1.00390625f, 1.01171875f, -3.0e-39f, 65504.0f};
    quant_round_bf16(y, y, 5);
    CHECK(y[0] == 1.0f && y[1] == 1.0f && y[2] == 1.015625f); /* ties to even; 1.0117 rounds up */
}

/* The reference product equals a double-precision dot of decoded weights and decoded
 * activations, to float rounding. */
static void test_reference_dot(void)
{
    for (size_t ti = 0; ti < NQTYPES; ti++) {
        const quant_format *f = quant_format_of(qtypes[ti]);
        size_t K = 512, nb = K / (size_t)f->block;
        unsigned char w[512 / 32 * 34];
        uint8_t c[256];
        float sc[16], mn[16], x[512], wf[512];
        for (size_t b = 0; b < nb; b++) {
            for (int i = 0; i < f->block; i++)
                c[i] = (uint8_t)(rnd() % (1u << code_bits(f->type)));
            encode(f->type, c, w + b * (size_t)f->bytes, sc, mn);
        }
        gguf_tensor t = {.type = f->type, .data = w, .ne = {K, 1, 1, 1}};
        gguf_dequantize(&t, 0, K, wf);
        for (size_t i = 0; i < K; i++)
            x[i] = 2.0f * frand();
        act_buf a;
        quant_act va = view(&a);
        quant_act_row_ref(f, x, K, &va);
        double want = 0.0, mag = 0.0;
        for (size_t i = 0; i < K; i++) {
            /* Q8_1's min term uses f16(d·Σq) with the unrounded d: the decoded product's
             * difference from it is within the f16 rounding of that sum. */
            double xv = (double)a.dx[i / (size_t)f->group] * a.q[i];
            want += (double)wf[i] * xv;
            mag += fabs((double)wf[i] * xv);
        }
        float got = quant_dot_ref(f, w, K, &va);
        double tol = mag * (f->act == QUANT_ACT_Q8_1 ? 2e-3 : 1e-5);
        if (fabs(got - want) > tol)
            fprintf(stderr, "%s reference dot %.9g, decoded %.9g (tol %g)\n", gguf_type_name(f->type), got, want, tol);
        CHECK(fabs(got - want) <= tol);
    }
}

/* ------------------------------------------------------------------ kernels */

/* A random N × K matrix of `type`: scales kept finite and modest, codes anywhere. */
static unsigned char *make_matrix(uint32_t type, size_t N, size_t K, mm_matrix *m)
{
    const quant_format *f = quant_format_of(type);
    size_t row_bytes = f ? K / (size_t)f->block * (size_t)f->bytes : K * (type == GGML_T_F32 ? 4 : 2);
    unsigned char *data = malloc(N * row_bytes + 64);
    for (size_t n = 0; n < N; n++) {
        unsigned char *row = data + n * row_bytes;
        if (f) {
            uint8_t c[256];
            float sc[16], mn[16];
            for (size_t b = 0; b < K / (size_t)f->block; b++) {
                for (int i = 0; i < f->block; i++)
                    c[i] = (uint8_t)(rnd() % (1u << code_bits(type)));
                encode(type, c, row + b * (size_t)f->bytes, sc, mn);
            }
        } else {
            for (size_t k = 0; k < K; k++) {
                float v = frand();
                if (type == GGML_T_F32) {
                    memcpy(row + 4 * k, &v, 4);
                } else if (type == GGML_T_F16) {
                    put_f16(row + 2 * k, v);
                } else {
                    uint32_t u;
                    memcpy(&u, &v, 4);
                    row[2 * k] = (unsigned char)(u >> 16), row[2 * k + 1] = (unsigned char)(u >> 24);
                }
            }
        }
    }
    m->data = data;
    m->type = type;
    m->rows = N;
    m->cols = K;
    m->row_bytes = row_bytes;
    return data;
}

static const uint32_t alltypes[] = {GGML_T_F32, GGML_T_F16, GGML_T_BF16, GGML_T_Q8_0, GGML_T_Q4_0, GGML_T_Q4_1,
                                    GGML_T_Q5_0, GGML_T_Q5_1, GGML_T_Q4_K, GGML_T_Q5_K, GGML_T_Q6_K};

/* Y from kernels k and from the reference, M × N (+3 columns of padding that must stay), with
 * a bias and accumulation or not; equal bits (block types) or within FLOAT_TOL_REL. */
static void compare(const mm_kernels *k, uint32_t type, size_t M, size_t N, size_t K, int with_bias, int accumulate)
{
    const mm_kernels *ref = mm_kernels_named("ref");
    mm_matrix w;
    unsigned char *data = make_matrix(type, N, K, &w);
    size_t ldx = K + 5, ldy = N + 3;
    float *x = malloc(M * ldx * sizeof *x), *y1 = malloc(M * ldy * sizeof *y1), *y2 = malloc(M * ldy * sizeof *y2);
    float *bias = malloc(N * sizeof *bias);
    for (size_t i = 0; i < M * ldx; i++)
        x[i] = 2.0f * frand() + (i % 97 == 0 ? 9.0f : 0.0f);
    for (size_t i = 0; i < M * ldy; i++)
        y1[i] = y2[i] = frand();
    for (size_t i = 0; i < N; i++)
        bias[i] = frand();
    mm_scratch *s = mm_scratch_new();
    int rc1 = mm_mul(ref, &w, x, ldx, M, y1, ldy, with_bias ? bias : NULL, accumulate, s);
    int rc2 = mm_mul(k, &w, x, ldx, M, y2, ldy, with_bias ? bias : NULL, accumulate, s);
    CHECK(rc1 == 0 && rc2 == 0);
    double worst = 0.0;
    size_t diff_bits = 0;
    for (size_t m = 0; m < M; m++)
        for (size_t n = 0; n < ldy; n++) {
            float a = y1[m * ldy + n], b = y2[m * ldy + n];
            if (n >= N) { /* padding: untouched by both */
                diff_bits += memcmp(&a, &b, 4) != 0;
                continue;
            }
            if (quant_format_of(type)) {
                diff_bits += memcmp(&a, &b, 4) != 0;
            } else {
                double mag = 0.0; /* Σ|x·w| bounds the rounding of either order */
                float wr[4096];
                const unsigned char *row = w.data + n * w.row_bytes;
                gguf_tensor t = {.type = type, .data = row, .ne = {K, 1, 1, 1}};
                gguf_dequantize(&t, 0, K, wr);
                for (size_t i = 0; i < K; i++)
                    mag += fabs((double)x[m * ldx + i] * wr[i]);
                double d = fabs((double)a - b) / (mag + 1.0);
                worst = d > worst ? d : worst;
            }
        }
    int ok = diff_bits <= QUANT_TOL_BITS && worst <= FLOAT_TOL_REL;
    if (!ok)
        fprintf(stderr, "%s %s M%zu N%zu K%zu bias %d acc %d: %zu outputs differ in bits, worst relative %g\n",
                mm_kernels_name(k), gguf_type_name(type), M, N, K, with_bias, accumulate, diff_bits, worst);
    CHECK(ok);
    mm_scratch_free(s);
    free(data);
    free(x);
    free(y1);
    free(y2);
    free(bias);
}

/* On block types an output does not depend on the other rows in the call: row r of an M-row
 * product equals the same row multiplied alone, bit for bit. (OpenBLAS's float sums may
 * depend on M; mm_chunk_rows keeps float types deterministic instead, see test_threads.) */
static void test_row_independence(const mm_kernels *k, uint32_t type)
{
    size_t M = 37, N = 45, K = 512;
    mm_matrix w;
    unsigned char *data = make_matrix(type, N, K, &w);
    float *x = malloc(M * K * sizeof *x), *y = malloc(M * N * sizeof *y), y1[45];
    for (size_t i = 0; i < M * K; i++)
        x[i] = frand();
    mm_scratch *s = mm_scratch_new();
    mm_mul(k, &w, x, K, M, y, N, NULL, 0, s);
    int same = 1;
    for (size_t r = 0; r < M; r += 6) {
        mm_mul(k, &w, x + r * K, K, 1, y1, N, NULL, 0, s);
        same &= memcmp(y1, y + r * N, sizeof y1) == 0;
    }
    CHECK(same);
    mm_scratch_free(s);
    free(data);
    free(x);
    free(y);
}

typedef struct task_arg {
    mm_task *t;
    int ith, nth;
    mm_scratch *s;
} task_arg;

static void *task_thread(void *p)
{
    task_arg *a = p;
    mm_task_run(a->t, a->ith, a->nth, a->s);
    return NULL;
}

static void run_task(const mm_kernels *k, const mm_matrix *w, const float *x, size_t M, float *y, int nth)
{
    mm_task t;
    pthread_t tid[4];
    task_arg args[4];
    mm_task_init(&t, k, w, x, w->cols, M, y, w->rows, NULL, 0);
    for (int i = 0; i < nth; i++) {
        args[i] = (task_arg){&t, i, nth, mm_scratch_new()};
        if (i)
            pthread_create(&tid[i], NULL, task_thread, &args[i]);
    }
    task_thread(&args[0]);
    for (int i = 1; i < nth; i++)
        pthread_join(tid[i], NULL);
    for (int i = 0; i < nth; i++)
        mm_scratch_free(args[i].s);
    CHECK(atomic_load(&t.failed) == 0);
}

/* mm_task over 1 and 3 threads: the same bits (several chunks: 600 rows). */
static void test_threads(const mm_kernels *k, uint32_t type)
{
    size_t M = 600, N = 70, K = 256;
    mm_matrix w;
    unsigned char *data = make_matrix(type, N, K, &w);
    float *x = malloc(M * K * sizeof *x), *y1 = malloc(M * N * sizeof *y1), *y3 = malloc(M * N * sizeof *y3);
    for (size_t i = 0; i < M * K; i++)
        x[i] = frand();
    run_task(k, &w, x, M, y1, 1);
    run_task(k, &w, x, M, y3, 3);
    CHECK(memcmp(y1, y3, M * N * sizeof *y1) == 0);
    free(data);
    free(x);
    free(y1);
    free(y3);
}

/* An F32 tensor at an address that is not a multiple of 4 (a file with general.alignment 1 or
 * 2): widened through a copy instead of handed to OpenBLAS in place; same values. */
static void test_unaligned_f32(const mm_kernels *k)
{
    size_t M = 5, N = 9, K = 40;
    mm_matrix w;
    unsigned char *data = make_matrix(GGML_T_F32, N, K, &w), *shifted = malloc(N * w.row_bytes + 2);
    memcpy(shifted + 2, data, N * w.row_bytes);
    mm_matrix w2 = w;
    w2.data = shifted + 2;
    float x[5 * 40], y1[5 * 9], y2[5 * 9];
    for (size_t i = 0; i < M * K; i++)
        x[i] = frand();
    mm_scratch *s = mm_scratch_new();
    mm_mul(k, &w, x, K, M, y1, N, NULL, 0, s);
    mm_mul(k, &w2, x, K, M, y2, N, NULL, 0, s);
    int ok = 1;
    for (size_t i = 0; i < M * N; i++)
        ok &= fabsf(y1[i] - y2[i]) <= 1e-5f * (float)K;
    CHECK(ok);
    mm_scratch_free(s);
    free(data);
    free(shifted);
}

static void test_kernels(const mm_kernels *k)
{
    test_unaligned_f32(k);
    static const size_t Ms[] = {1, 2, 3, 5, 9, 33};
    static const size_t Ns[] = {1, 7, 16, 31, 33, 70};
    for (size_t ti = 0; ti < sizeof alltypes / sizeof alltypes[0]; ti++) {
        uint32_t type = alltypes[ti];
        const quant_format *f = quant_format_of(type);
        size_t kb = f && f->block == 256 ? 256 : 32, Ks[] = {kb, 3 * kb, 2 * kb + (f ? 0 : 7)}; /* odd K for floats */
        for (size_t mi = 0; mi < sizeof Ms / sizeof Ms[0]; mi++)
            for (size_t ni = 0; ni < sizeof Ns / sizeof Ns[0]; ni++) {
                size_t K = Ks[(mi + ni) % 3];
                compare(k, type, Ms[mi], Ns[ni], K, (int)((mi + ni) % 2), (int)(ni % 3 == 1));
            }
        if (f)
            test_row_independence(k, type);
        test_threads(k, type);
    }
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "ref";
    const mm_kernels *k = mm_kernels_named(name);
    if (!k) {
        printf("SKIPPED: this CPU cannot run the '%s' kernels (%s)\n", name,
               strcmp(name, "avx512") == 0 ? "needs AVX-512 F, BW, VL and VNNI" : "needs AVX2, FMA and F16C");
        return 77;
    }
    const mm_kernels *dflt;
    char err[SV_ERR_LEN];
    CHECK(mm_kernels_select(&dflt, err) == 0); /* also pins OpenBLAS to one thread */
    if (strcmp(name, "ref") == 0) {
        test_layouts();
        test_activations();
        test_reference_dot();
        CHECK(mm_chunk_rows(1) == 32 && mm_chunk_rows(2048) == 256 && mm_chunk_rows(700) == 96);
    }
    test_kernels(k);
    printf("kernels '%s' checked against the reference\n", name);
    return check_summary();
}
