/* matmul: the linear layers of the encoders, Y = X·Wᵀ, with W read in place from the GGUF
 * mapping in its own type: block-quantized weights stay quantized (no float copy of a matrix is
 * ever made), so a model needs about its file size in memory.
 *
 *   X  [M × K] float32 rows (stride ldx floats): M tokens, K input features
 *   W  [N × K] a 2-D GGUF tensor (ne[0] = K, ne[1] = N): row n holds output n's weights
 *   Y  [M × N] float32 rows (stride ldy floats):
 *        Y[m][n] = (accumulate ? Y[m][n] : 0) + Σ_k X[m][k]·W[n][k], then + bias[n] when given
 *
 * Per weight type, as llama.cpp's CPU backend multiplies it:
 *   F32, F16     X as float32; F16 rows are widened to float32 a panel at a time
 *   BF16         X rounded to BF16 first
 *   Q8_0 Q4_0 Q5_0 Q4_1 Q5_1 Q4_K Q5_K Q6_K
 *                X quantized per row to Q8_0, Q8_1 or Q8_K, integer dot products per block
 *                (quant.h gives the formats and the exact expression)
 *
 * Kernels, picked at run time (mm_kernels_select) or by name:
 *   "ref"     scalar C for everything: the reference the tests compare the others with
 *   "avx2"    AVX2 integer kernels for the block types (8 output rows per vector); OpenBLAS
 *             sgemm for the float types
 *   "avx512"  AVX-512 VNNI integer kernels (16 output rows per vector, vpdpbusd); OpenBLAS
 *             for the float types. Needs AVX-512 F, BW, VL and VNNI (Ice Lake, Zen 4 and
 *             later); a CPU with AVX-512 but no VNNI (Skylake-SP) runs "avx2".
 * On block types every kernel computes quant.h's expression in the same order, so all three
 * give the same bits. On float types OpenBLAS sums in its own order (within 1e-5·K relative
 * of the reference).
 *
 * Determinism: an output's value depends on its own row of X and row of W only, never on M,
 * on how the rows were split, or on the thread that computed it — except through OpenBLAS on
 * float types, whose last bits can depend on M; split rows with mm_chunk_rows (a function of
 * the total row count alone) and every thread count gives the same bits.
 *
 * Threads: mm_mul runs on the calling thread. To spread a product over nth threads, each
 * thread (ith = 0 … nth−1, its own scratch) claims row chunks from a shared counter — what
 * mm_task does, and what bert.c does around whole layers:
 *
 *     chunk = mm_chunk_rows(M);  // every thread:
 *     for (size_t c; (c = atomic_fetch_add(&next, 1)) * chunk < M;)
 *         mm_mul(k, &w, x + c*chunk*ldx, ldx, min(chunk, M − c*chunk), y + c*chunk*ldy, ldy, bias, 0, scratch[ith]);
 */
#ifndef SAMPLEVEC_MATMUL_H
#define SAMPLEVEC_MATMUL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "msg.h"

/* A weight matrix, borrowed from the mapping (lives as long as the gguf_file). */
typedef struct mm_matrix {
    const unsigned char *data; /* N rows of row_bytes each */
    uint32_t type;             /* ggml type */
    size_t rows;               /* N: outputs */
    size_t cols;               /* K: inputs */
    size_t row_bytes;
} mm_matrix;

/* t must be 2-D with a type mm_type_supported accepts. Returns 0 or SV_EXIT_DATA naming t. */
int mm_matrix_from_tensor(const gguf_tensor *t, mm_matrix *out, char err[SV_ERR_LEN]);
/* 1 for F32, F16, BF16 and the eight block types above. */
int mm_type_supported(uint32_t type);

typedef struct mm_kernels mm_kernels;

/* The kernels named "ref", "avx2" or "avx512"; NULL when the name is unknown or this CPU cannot
 * run them. */
const mm_kernels *mm_kernels_named(const char *name);
/* $SAMPLEVEC_GEMM when set ("ref", "avx2", "avx512"; "auto" or "blas" = the default), else the
 * fastest this CPU runs. Returns 0, or SV_EXIT_USAGE with err saying why the variable's value
 * cannot be used. Pins OpenBLAS to one thread per call (the callers run their own threads). */
int mm_kernels_select(const mm_kernels **out, char err[SV_ERR_LEN]);
const char *mm_kernels_name(const mm_kernels *k);

/* Working memory of one thread: grows to the largest product it has run, then is reused. */
typedef struct mm_scratch mm_scratch;
mm_scratch *mm_scratch_new(void); /* NULL on out of memory */
void mm_scratch_free(mm_scratch *s); /* NULL is a no-op */
/* Grows s for products of up to `rows` rows with w (so mm_mul will not allocate). 0, or -1 on
 * out of memory. */
int mm_scratch_reserve(mm_scratch *s, const mm_kernels *k, const mm_matrix *w, size_t rows);

/* Rows per chunk for M rows split across threads: a function of M alone (see Determinism),
 * large enough to amortise a panel of weights, small enough for 8 chunks when M allows. */
size_t mm_chunk_rows(size_t M);

/* The product above for M rows, on the calling thread. x and y must not overlap; bias has N
 * floats or is NULL. Returns 0, or -1 when s had to grow and memory ran out (y is then
 * unchanged). */
int mm_mul(const mm_kernels *k, const mm_matrix *w, const float *x, size_t ldx, size_t M, float *y, size_t ldy,
           const float *bias, int accumulate, mm_scratch *s);

/* One product shared by nth threads: mm_task_init once, then every thread calls mm_task_run
 * with its ith and its own scratch; the product is complete when all have returned (the
 * caller's join or barrier orders the writes). */
typedef struct mm_task {
    const mm_kernels *k;
    const mm_matrix *w;
    const float *x, *bias;
    float *y;
    size_t ldx, ldy, M, chunk;
    int accumulate;
    atomic_int failed;                   /* set when a thread's scratch could not grow */
    _Alignas(64) atomic_size_t next;     /* the next chunk to claim, on its own cache line */
    char pad[64 - sizeof(atomic_size_t)];
} mm_task;

void mm_task_init(mm_task *t, const mm_kernels *k, const mm_matrix *w, const float *x, size_t ldx, size_t M, float *y,
                  size_t ldy, const float *bias, int accumulate);
/* Claims chunks until none is left. ith/nth identify the caller; the split never depends on
 * them. Returns 0, or -1 when this thread's scratch could not grow: the product is then
 * incomplete and t->failed is set for the others to see after the join. */
int mm_task_run(mm_task *t, int ith, int nth, mm_scratch *s);

#endif
