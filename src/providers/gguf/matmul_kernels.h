/* matmul_kernels: what matmul.c hands its SIMD kernels (matmul_x86.c). Internal to matmul;
 * callers use matmul.h.
 *
 * A panel holds NR consecutive weight rows of a block type, re-laid so that one vector load
 * gives 4 consecutive codes of each of NR/lanes rows per vector. Per group g (G elements, see
 * quant.h), at g · gstride bytes:
 *     codes  [G/4][NR][4] u8   quad q of row r at (q·NR + r)·4
 *     scale  [NR] float        s_g of each row
 *     minv   [NR] float        m_g of each row (only when the format has a min)
 * gstride = G·NR + 4·NR·(1 + has_min), a multiple of 64; the panel is 64-byte aligned. Rows past
 * the matrix's end are zero (codes and scales), and their outputs are not stored.
 *
 * A tile kernel multiplies one panel with P activation rows (quant_act) and writes P rows of
 * min(NR, ncols) outputs, each computed as quant.h's expression with the same operations in
 * the same order as quant_dot_ref, then the epilogue r = (accumulate ? y : 0) + r; r = r + bias. */
#ifndef SAMPLEVEC_MATMUL_KERNELS_H
#define SAMPLEVEC_MATMUL_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "quant.h"

#define MM_TILE_MAX_P 4

typedef struct mm_tile_args {
    const unsigned char *panel;
    size_t gstride;                       /* bytes per group */
    size_t ngroups;                       /* K / G */
    int group;                            /* G */
    int offset;                           /* o */
    int has_min;
    const quant_act *x[MM_TILE_MAX_P];    /* the tile's activation rows (a short tile repeats one) */
    float *y[MM_TILE_MAX_P];              /* output rows at the panel's first column; NULL: discard */
    const float *bias;                    /* at the panel's first column, or NULL */
    int accumulate;
    int ncols;                            /* outputs to store per row, 1..NR */
} mm_tile_args;

typedef void (*mm_tile_fn)(const mm_tile_args *a);

/* Builds the panel of the nr rows of a Q8_0 matrix (K columns) that start at rows, row_bytes
 * apart; nr is the kernel's NR and every row exists. The same bytes as the generic builder. */
typedef void (*mm_panel_fn)(const unsigned char *rows, size_t row_bytes, size_t K, int nr, unsigned char *panel);

/* F16 or BF16 (ggml type) to float32: n values. */
typedef void (*mm_widen_fn)(uint32_t type, const unsigned char *src, float *dst, size_t n);

#if defined(__x86_64__)
int mm_x86_has_avx2(void);      /* AVX2 + FMA + F16C */
int mm_x86_has_avx512(void);    /* AVX-512 F, BW, VL, VNNI */
void mm_tile_avx2(const mm_tile_args *a);   /* NR 16, P 2 */
void mm_tile_avx512(const mm_tile_args *a); /* NR 32, P 4 */
void mm_widen_avx2(uint32_t type, const unsigned char *src, float *dst, size_t n);
void mm_panel_q8_0_avx2(const unsigned char *rows, size_t row_bytes, size_t K, int nr, unsigned char *panel);
#endif

#endif
