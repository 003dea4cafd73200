/* gemm: the matrix products of the BERT forward pass, row-major float32.
 *
 *   gemm_nt: Y[M×N] = alpha · X[M×K] · W[N×K]^T + beta · Y   (a linear layer: W is [out][in])
 *   gemm_nn: Y[M×N] = alpha · X[M×K] · W[K×N]   + beta · Y   (attention probabilities × V)
 * ld* are row strides in floats. Each runs on the calling thread only; bert.c splits the work.
 *
 * Two implementations with the same signatures: OpenBLAS (SkylakeX/Haswell kernels, picked by
 * OpenBLAS at run time from the CPU) and a plain scalar reference, kept as the twin the tests
 * compare against. OpenBLAS embedded 32× faster than the reference on this machine
 * (minilm shape, 4 texts of 169 tokens, 2 threads: 26.4 vs 0.82 texts/s; command in
 * docs/gguf.md), so it is the default; SAMPLEVEC_GEMM=ref selects the reference. */
#ifndef SAMPLEVEC_GEMM_H
#define SAMPLEVEC_GEMM_H

typedef void (*gemm_fn)(int M, int N, int K, float alpha, const float *X, int ldx, const float *W,
                        int ldw, float beta, float *Y, int ldy);

typedef struct gemm_kernels {
    const char *name; /* "openblas" or "reference" */
    gemm_fn nt, nn;
} gemm_kernels;

void gemm_nt_ref(int M, int N, int K, float alpha, const float *X, int ldx, const float *W, int ldw,
                 float beta, float *Y, int ldy);
void gemm_nn_ref(int M, int N, int K, float alpha, const float *X, int ldx, const float *W, int ldw,
                 float beta, float *Y, int ldy);
void gemm_nt_blas(int M, int N, int K, float alpha, const float *X, int ldx, const float *W, int ldw,
                  float beta, float *Y, int ldy);
void gemm_nn_blas(int M, int N, int K, float alpha, const float *X, int ldx, const float *W, int ldw,
                  float beta, float *Y, int ldy);

/* The kernels to use: SAMPLEVEC_GEMM=ref|blas, default OpenBLAS. Also pins OpenBLAS to one
 * thread per call (bert.c runs its own threads), once per process. */
const gemm_kernels *gemm_select(void);

#endif
