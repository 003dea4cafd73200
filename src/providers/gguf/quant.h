/* quant: GGUF's block-quantized weight formats read as integer codes with float scales, and the
 * activation quantizers llama.cpp's CPU backend pairs with them (ggml-cpu's `vec_dot_type`).
 *
 * Every supported block type is read, per group of G consecutive elements, as unsigned codes
 * c_k, a float scale s and a float min m; the weight is
 *      w_k = s · (c_k − o) + m                 o: the type's constant offset
 *
 *   type  elems bytes  block layout (little-endian)                                G   o    s        m
 *   Q8_0   32    34    f16 d, 32 × int8 q                                           32  128  d        0   (c = q + 128)
 *   Q4_0   32    18    f16 d, 16 bytes: low nibble = x[j], high nibble = x[j+16]    32  8    d        0
 *   Q4_1   32    20    f16 d, f16 m, the same nibbles                               32  0    d        m
 *   Q5_0   32    22    f16 d, u32 qh (bit j = 5th bit of x[j]), nibbles             32  16   d        0
 *   Q5_1   32    24    f16 d, f16 m, qh, nibbles                                    32  0    d        m
 *   Q4_K  256   144    f16 d, f16 dmin, 12 bytes of eight 6-bit scales and mins,    32  0    d·sc_j  −dmin·mn_j
 *                      128 bytes of nibbles (64 values per 32 bytes: low, then high)
 *   Q5_K  256   176    as Q4_K with 32 bytes of 5th bits before the nibbles         32  0    d·sc_j  −dmin·mn_j
 *   Q6_K  256   210    128 bytes low nibbles, 64 bytes of 2-bit highs,              16  32   d·sc_j   0
 *                      16 × int8 scales, f16 d
 *
 * An activation row x (K floats) is quantized for the weight it meets, as llama.cpp's x86 build
 * does it:
 *   Q8_0 (for Q8_0, Q4_0, Q5_0): per 32 values, d = max|x|/127, q = rne(x · 127/max|x|), dx = f16(d)
 *   Q8_1 (for Q4_1, Q5_1):       the same, and sx = f16(d · Σq) per block (llama.cpp's block_q8_1.s)
 *   Q8_K (for Q4_K, Q5_K, Q6_K): per 256, M = the value of largest magnitude (the first one),
 *                                q = min(127, rne(−127/M · x)), dx = 1/(−127/M), sx = dx · Σq per group
 * (rne: round half to even). Then one weight row times one activation row is
 *      y = Σ_g [ fl(s_g · dx_g) · (Σ_k c_k q_k − o · Σ_k q_k) + m_g · sx_g ]
 * with exact integer sums, each step one fused multiply-add, groups in order. Every kernel
 * (matmul.h) computes exactly this expression, so they agree bit for bit; it is llama.cpp's
 * block dot product up to float rounding (llama.cpp scales a K-type's super-block once, and
 * sums its blocks in another order). */
#ifndef SAMPLEVEC_QUANT_H
#define SAMPLEVEC_QUANT_H

#include <stddef.h>
#include <stdint.h>

/* How a type's activations are quantized. */
enum quant_act_kind { QUANT_ACT_Q8_0, QUANT_ACT_Q8_1, QUANT_ACT_Q8_K };

typedef struct quant_format {
    uint32_t type;      /* ggml type (gguf.h) */
    int block;          /* elements per block: 32 or 256 */
    int bytes;          /* bytes per block */
    int group;          /* elements per scale group G: 32, or 16 for Q6_K */
    int offset;         /* o */
    int has_min;        /* 1 when m can be non-zero (Q4_1, Q5_1, Q4_K, Q5_K) */
    int act;            /* enum quant_act_kind */
} quant_format;

/* The format of a block type; NULL for float types and types this reader does not multiply. */
const quant_format *quant_format_of(uint32_t type);

/* One block at blk: codes[block] (natural element order), scale[block/group], minv[block/group]. */
void quant_unpack_block(const quant_format *f, const unsigned char *blk, uint8_t *codes, float *scale, float *minv);

/* One activation row quantized for a format: views into memory the caller owns, each sized for
 * K = the row length. */
typedef struct quant_act {
    int8_t *q;          /* [K] */
    float *dx;          /* [K/group] the row's scale for each group (a Q8_K scale repeats per group) */
    int32_t *offsum;    /* [K/group] o · Σq over the group */
    float *sx;          /* [K/group] the min term's factor (Q8_1: f16(d·Σq) per block; Q8_K: dx·Σq) */
} quant_act;

/* Quantizes x[0..K) (K a multiple of f->block) into a. The scalar reference, and a version that
 * uses AVX2 when the CPU has it (same results bit for bit; quant_has_avx2() tells which runs). */
void quant_act_row_ref(const quant_format *f, const float *x, size_t K, const quant_act *a);
void quant_act_row(const quant_format *f, const float *x, size_t K, const quant_act *a);
int quant_has_avx2(void);

/* The reference product of one weight row (K elements, K/block blocks at w) with a quantized
 * activation row: the formula above, written straight from the block layouts. */
float quant_dot_ref(const quant_format *f, const unsigned char *w, size_t K, const quant_act *a);

/* x rounded to BF16 (nearest even), as llama.cpp rounds a BF16 weight's activations; dst may be x. */
void quant_round_bf16(const float *x, float *dst, size_t n);

#endif
