#include "gemm.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void gemm_nt_ref(int M, int N, int K, float alpha, const float *X, int ldx, const float *W, int ldw,
                 float beta, float *Y, int ldy)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            const float *x = X + (size_t)i * ldx, *w = W + (size_t)j * ldw;
            float s = 0.0f;
            for (int k = 0; k < K; k++)
                s += x[k] * w[k];
            float *y = Y + (size_t)i * ldy + j;
            *y = alpha * s + (beta == 0.0f ? 0.0f : beta * *y);
        }
}

void gemm_nn_ref(int M, int N, int K, float alpha, const float *X, int ldx, const float *W, int ldw,
                 float beta, float *Y, int ldy)
{
    for (int i = 0; i < M; i++) {
        float *y = Y + (size_t)i * ldy;
        for (int j = 0; j < N; j++)
            y[j] = beta == 0.0f ? 0.0f : beta * y[j];
        for (int k = 0; k < K; k++) {
            float a = alpha * X[(size_t)i * ldx + k];
            const float *w = W + (size_t)k * ldw;
            for (int j = 0; j < N; j++)
                y[j] += a * w[j];
        }
    }
}

void gemm_nt_blas(int M, int N, int K, float alpha, const float *X, int ldx, const float *W, int ldw,
                  float beta, float *Y, int ldy)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, alpha, X, ldx, W, ldw, beta, Y, ldy);
}

void gemm_nn_blas(int M, int N, int K, float alpha, const float *X, int ldx, const float *W, int ldw,
                  float beta, float *Y, int ldy)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, alpha, X, ldx, W, ldw, beta, Y, ldy);
}

static const gemm_kernels k_blas = {"openblas", gemm_nt_blas, gemm_nn_blas};
static const gemm_kernels k_ref = {"reference", gemm_nt_ref, gemm_nn_ref};
static const gemm_kernels *selected;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void select_once(void)
{
    const char *e = getenv("SAMPLEVEC_GEMM");
    selected = (e && strcmp(e, "ref") == 0) ? &k_ref : &k_blas;
    /* bert.c splits every product across its own threads; OpenBLAS threads on top of those
     * would oversubscribe the cores. */
    openblas_set_num_threads(1);
}

const gemm_kernels *gemm_select(void)
{
    pthread_once(&once, select_once);
    return selected;
}
