#include "matmul.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "matmul_kernels.h"
#include "quant.h"

#define ALIGN64(n) (((n) + 63) & ~(size_t)63)
/* Float weights (F16, BF16) are widened this many rows at a time: 128 × K floats stays within
 * L2 for K up to 4096 and makes each sgemm call wide enough to run at speed. */
#define WIDEN_ROWS 128

struct mm_kernels {
    const char *name;
    int nr;            /* rows per panel; 0: the reference (no panels) */
    int p;             /* activation rows per tile */
    mm_tile_fn tile;
    mm_widen_fn widen; /* NULL: scalar conversion */
    mm_panel_fn panel_q8_0; /* a full Q8_0 panel; NULL: the generic builder */
    int blas;          /* float types through OpenBLAS */
    int simd_act;      /* activation quantizer with AVX2 */
};

static const mm_kernels k_ref = {"ref", 0, 1, NULL, NULL, NULL, 0, 0};
#if defined(__x86_64__)
static const mm_kernels k_avx2 = {"avx2", 16, 2, mm_tile_avx2, mm_widen_avx2, mm_panel_q8_0_avx2, 1, 1};
static const mm_kernels k_avx512 = {"avx512", 32, 4, mm_tile_avx512, mm_widen_avx2, mm_panel_q8_0_avx2, 1, 1};
#endif

int mm_type_supported(uint32_t type)
{
    return type == GGML_T_F32 || type == GGML_T_F16 || type == GGML_T_BF16 || quant_format_of(type) != NULL;
}

int mm_matrix_from_tensor(const gguf_tensor *t, mm_matrix *out, char err[SV_ERR_LEN])
{
    char nb[80];
    if (!mm_type_supported(t->type))
        return sv_fail(err, SV_EXIT_DATA, "tensor '%s' has type %s (%u), which matmul does not multiply",
                       gguf_str_print(t->name, nb, sizeof nb), gguf_type_name(t->type), t->type);
    if (t->n_dims != 2)
        return sv_fail(err, SV_EXIT_DATA, "tensor '%s' has %u dimensions; a weight matrix has 2",
                       gguf_str_print(t->name, nb, sizeof nb), t->n_dims);
    out->data = t->data;
    out->type = t->type;
    out->cols = (size_t)t->ne[0];
    out->rows = (size_t)t->ne[1];
    out->row_bytes = (size_t)(t->nbytes / t->ne[1]); /* the reader checked ne[0] is whole blocks */
    return 0;
}

const mm_kernels *mm_kernels_named(const char *name)
{
    if (strcmp(name, "ref") == 0)
        return &k_ref;
#if defined(__x86_64__)
    if (strcmp(name, "avx2") == 0)
        return mm_x86_has_avx2() ? &k_avx2 : NULL;
    if (strcmp(name, "avx512") == 0)
        return mm_x86_has_avx512() ? &k_avx512 : NULL;
#endif
    return NULL;
}

const char *mm_kernels_name(const mm_kernels *k) { return k->name; }

int mm_kernels_select(const mm_kernels **out, char err[SV_ERR_LEN])
{
    gemm_select(); /* pins OpenBLAS to one thread per call */
    const char *e = getenv("SAMPLEVEC_GEMM");
    *out = NULL;
    if (e && *e && strcmp(e, "auto") != 0 && strcmp(e, "blas") != 0) {
        if (strcmp(e, "ref") != 0 && strcmp(e, "avx2") != 0 && strcmp(e, "avx512") != 0)
            return sv_fail(err, SV_EXIT_USAGE, "SAMPLEVEC_GEMM=%.40s is not a kernel: use ref, avx2, avx512 or auto", e);
        if (!(*out = mm_kernels_named(e)))
            return sv_fail(err, SV_EXIT_USAGE, "SAMPLEVEC_GEMM=%s: this CPU cannot run those kernels (%s); use %s or ref", e,
                           strcmp(e, "avx2") == 0 ? "needs AVX2, FMA and F16C" : "needs AVX-512 F, BW, VL and VNNI",
                           mm_kernels_named("avx2") ? "avx2, auto" : "auto");
        return 0;
    }
    *out = mm_kernels_named("avx512");
    if (!*out)
        *out = mm_kernels_named("avx2");
    if (!*out)
        *out = &k_ref;
    return 0;
}

size_t mm_chunk_rows(size_t M)
{
    size_t c = (M + 7) / 8;
    c = (c + 15) / 16 * 16;
    return c < 32 ? 32 : c > 256 ? 256 : c;
}

/* ------------------------------------------------------------------ scratch */

struct mm_scratch {
    unsigned char *buf; /* 64-byte aligned */
    size_t cap;
};

mm_scratch *mm_scratch_new(void) { return calloc(1, sizeof(mm_scratch)); }

void mm_scratch_free(mm_scratch *s)
{
    if (!s)
        return;
    free(s->buf);
    free(s);
}

static int scratch_grow(mm_scratch *s, size_t bytes)
{
    if (bytes <= s->cap)
        return 0;
    unsigned char *b = aligned_alloc(64, ALIGN64(bytes));
    if (!b)
        return -1;
    free(s->buf);
    s->buf = b;
    s->cap = ALIGN64(bytes);
    return 0;
}

/* Where one quantized activation row's parts sit, relative to its start. */
typedef struct act_layout {
    size_t dx, offsum, sx, stride;
} act_layout;

static act_layout act_layout_of(const quant_format *f, size_t K)
{
    size_t ng = K / (size_t)f->group, meta = ALIGN64(ng * 4);
    act_layout l;
    l.dx = ALIGN64(K);
    l.offsum = l.dx + meta;
    l.sx = l.offsum + meta;
    l.stride = l.sx + meta;
    return l;
}

static size_t panel_gstride(const quant_format *f, int nr)
{
    return (size_t)f->group * (size_t)nr + 4 * (size_t)nr * (size_t)(1 + f->has_min);
}

/* Bytes mm_mul needs for M rows with w: quantized activations and one panel, or for the
 * float types the BF16-rounded input and one widened panel. */
static size_t scratch_bytes(const mm_kernels *k, const mm_matrix *w, size_t M)
{
    const quant_format *f = quant_format_of(w->type);
    size_t K = w->cols;
    if (f) {
        size_t panel = k->nr ? panel_gstride(f, k->nr) * (K / (size_t)f->group) : 0;
        return M * act_layout_of(f, K).stride + ALIGN64(panel);
    }
    size_t xin = w->type == GGML_T_BF16 ? ALIGN64(M * K * sizeof(float)) : 0;
    return xin + ALIGN64(WIDEN_ROWS * K * sizeof(float));
}

int mm_scratch_reserve(mm_scratch *s, const mm_kernels *k, const mm_matrix *w, size_t rows)
{
    return scratch_grow(s, scratch_bytes(k, w, rows));
}

/* ------------------------------------------------------------------ block types */

static quant_act act_view(unsigned char *row, const act_layout *l)
{
    quant_act a = {(int8_t *)row, (float *)(row + l->dx), (int32_t *)(row + l->offsum), (float *)(row + l->sx)};
    return a;
}

static float epilogue(float r, const float *y, int accumulate, const float *bias)
{
    if (accumulate)
        r = *y + r;
    if (bias)
        r = r + *bias;
    return r;
}

/* Panel of rows [n0, n0 + nr) (see matmul_kernels.h). */
static void build_panel(const quant_format *f, const mm_matrix *w, size_t n0, int nr, unsigned char *panel)
{
    size_t K = w->cols, G = (size_t)f->group, gpb = (size_t)(f->block / f->group);
    size_t gstride = panel_gstride(f, nr), ngroups = K / G;
    size_t valid = w->rows - n0 < (size_t)nr ? w->rows - n0 : (size_t)nr;
    uint8_t c[256];
    float scale[16], minv[16];
    if (valid < (size_t)nr)
        memset(panel, 0, gstride * ngroups);
    for (size_t r = 0; r < valid; r++) {
        const unsigned char *row = w->data + (n0 + r) * w->row_bytes;
        for (size_t b = 0; b < K / (size_t)f->block; b++) {
            quant_unpack_block(f, row + b * (size_t)f->bytes, c, scale, minv);
            for (size_t j = 0; j < gpb; j++) {
                unsigned char *base = panel + (b * gpb + j) * gstride;
                for (size_t q = 0; q < G / 4; q++)
                    memcpy(base + (q * (size_t)nr + r) * 4, c + j * G + 4 * q, 4);
                float *sc = (float *)(base + G * (size_t)nr);
                sc[r] = scale[j];
                if (f->has_min)
                    sc[(size_t)nr + r] = minv[j];
            }
        }
    }
}

static void mul_quant(const mm_kernels *k, const quant_format *f, const mm_matrix *w, const float *x, size_t ldx,
                      size_t M, float *y, size_t ldy, const float *bias, int accumulate, unsigned char *buf)
{
    size_t K = w->cols, N = w->rows;
    act_layout l = act_layout_of(f, K);
    for (size_t m = 0; m < M; m++) {
        quant_act a = act_view(buf + m * l.stride, &l);
        if (k->simd_act)
            quant_act_row(f, x + m * ldx, K, &a);
        else
            quant_act_row_ref(f, x + m * ldx, K, &a);
    }
    if (!k->nr) {
        for (size_t m = 0; m < M; m++) {
            quant_act a = act_view(buf + m * l.stride, &l);
            float *yr = y + m * ldy;
            for (size_t n = 0; n < N; n++)
                yr[n] = epilogue(quant_dot_ref(f, w->data + n * w->row_bytes, K, &a), &yr[n], accumulate,
                                 bias ? &bias[n] : NULL);
        }
        return;
    }
    unsigned char *panel = buf + ALIGN64(M * l.stride);
    quant_act acts[MM_TILE_MAX_P];
    mm_tile_args t;
    t.panel = panel;
    t.gstride = panel_gstride(f, k->nr);
    t.ngroups = K / (size_t)f->group;
    t.group = f->group;
    t.offset = f->offset;
    t.has_min = f->has_min;
    t.accumulate = accumulate;
    for (size_t n0 = 0; n0 < N; n0 += (size_t)k->nr) {
        if (k->panel_q8_0 && f->type == GGML_T_Q8_0 && N - n0 >= (size_t)k->nr)
            k->panel_q8_0(w->data + n0 * w->row_bytes, w->row_bytes, K, k->nr, panel);
        else
            build_panel(f, w, n0, k->nr, panel);
        t.bias = bias ? bias + n0 : NULL;
        t.ncols = N - n0 < (size_t)k->nr ? (int)(N - n0) : k->nr;
        for (size_t m0 = 0; m0 < M; m0 += (size_t)k->p) {
            for (int i = 0; i < k->p; i++) {
                /* A short last tile repeats its last row and drops those outputs: every
                 * output sees the same operations whatever the tile it falls in. */
                size_t m = m0 + (size_t)i < M ? m0 + (size_t)i : M - 1;
                acts[i] = act_view(buf + m * l.stride, &l);
                t.x[i] = &acts[i];
                t.y[i] = m0 + (size_t)i < M ? y + m * ldy + n0 : NULL;
            }
            k->tile(&t);
        }
    }
}

/* ------------------------------------------------------------------ float types */

static void widen_scalar(uint32_t type, const unsigned char *src, float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint16_t h = (uint16_t)(src[2 * i] | src[2 * i + 1] << 8);
        if (type == GGML_T_F16) {
            dst[i] = gguf_f16_to_f32(h);
        } else {
            uint32_t b = (uint32_t)h << 16;
            memcpy(&dst[i], &b, 4);
        }
    }
}

/* Row n of a float matrix as float32 into dst (F32 copied, so any alignment works). */
static void widen_row(const mm_kernels *k, const mm_matrix *w, size_t n, float *dst)
{
    const unsigned char *row = w->data + n * w->row_bytes;
    if (w->type == GGML_T_F32)
        memcpy(dst, row, w->cols * sizeof(float)); /* little-endian host assumed (x86-64, arm64) */
    else if (k->widen)
        k->widen(w->type, row, dst, w->cols);
    else
        widen_scalar(w->type, row, dst, w->cols);
}

static void mul_float(const mm_kernels *k, const mm_matrix *w, const float *x, size_t ldx, size_t M, float *y,
                      size_t ldy, const float *bias, int accumulate, unsigned char *buf)
{
    size_t K = w->cols, N = w->rows;
    if (w->type == GGML_T_BF16) { /* llama.cpp multiplies BF16 weights with BF16 activations */
        float *xr = (float *)buf;
        for (size_t m = 0; m < M; m++)
            quant_round_bf16(x + m * ldx, xr + m * K, K);
        x = xr;
        ldx = K;
        buf += ALIGN64(M * K * sizeof(float));
    }
    float *panel = (float *)buf;
    if (!k->blas) {
        for (size_t n = 0; n < N; n++) {
            widen_row(k, w, n, panel);
            for (size_t m = 0; m < M; m++) {
                const float *xr = x + m * ldx;
                float s = 0.0f;
                for (size_t i = 0; i < K; i++)
                    s += xr[i] * panel[i];
                y[m * ldy + n] = epilogue(s, &y[m * ldy + n], accumulate, bias ? &bias[n] : NULL);
            }
        }
        return;
    }
    if (w->type == GGML_T_F32 && (uintptr_t)w->data % sizeof(float) == 0) { /* the mapping itself */
        gemm_nt_blas((int)M, (int)N, (int)K, 1.0f, x, (int)ldx, (const float *)(const void *)w->data, (int)K,
                     accumulate ? 1.0f : 0.0f, y, (int)ldy);
    } else {
        for (size_t n0 = 0; n0 < N; n0 += WIDEN_ROWS) {
            size_t rows = N - n0 < WIDEN_ROWS ? N - n0 : WIDEN_ROWS;
            for (size_t r = 0; r < rows; r++)
                widen_row(k, w, n0 + r, panel + r * K);
            gemm_nt_blas((int)M, (int)rows, (int)K, 1.0f, x, (int)ldx, panel, (int)K, accumulate ? 1.0f : 0.0f,
                         y + n0, (int)ldy);
        }
    }
    if (bias)
        for (size_t m = 0; m < M; m++)
            for (size_t n = 0; n < N; n++)
                y[m * ldy + n] = y[m * ldy + n] + bias[n];
}

int mm_mul(const mm_kernels *k, const mm_matrix *w, const float *x, size_t ldx, size_t M, float *y, size_t ldy,
           const float *bias, int accumulate, mm_scratch *s)
{
    if (M == 0 || w->rows == 0)
        return 0;
    if (scratch_grow(s, scratch_bytes(k, w, M)))
        return -1;
    const quant_format *f = quant_format_of(w->type);
    if (f)
        mul_quant(k, f, w, x, ldx, M, y, ldy, bias, accumulate, s->buf);
    else
        mul_float(k, w, x, ldx, M, y, ldy, bias, accumulate, s->buf);
    return 0;
}

/* ------------------------------------------------------------------ threads */

void mm_task_init(mm_task *t, const mm_kernels *k, const mm_matrix *w, const float *x, size_t ldx, size_t M, float *y,
                  size_t ldy, const float *bias, int accumulate)
{
    t->k = k;
    t->w = w;
    t->x = x;
    t->ldx = ldx;
    t->M = M;
    t->y = y;
    t->ldy = ldy;
    t->bias = bias;
    t->accumulate = accumulate;
    t->chunk = mm_chunk_rows(M);
    atomic_init(&t->failed, 0);
    atomic_init(&t->next, 0);
}

int mm_task_run(mm_task *t, int ith, int nth, mm_scratch *s)
{
    (void)ith;
    (void)nth;
    for (;;) {
        size_t c = atomic_fetch_add(&t->next, 1), r0 = c * t->chunk;
        if (r0 >= t->M)
            return 0;
        size_t rows = t->M - r0 < t->chunk ? t->M - r0 : t->chunk;
        if (mm_mul(t->k, t->w, t->x + r0 * t->ldx, t->ldx, rows, t->y + r0 * t->ldy, t->ldy, t->bias, t->accumulate,
                   s)) {
            atomic_store(&t->failed, 1);
            return -1;
        }
    }
}
