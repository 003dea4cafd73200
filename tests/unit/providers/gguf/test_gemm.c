/* gemm: OpenBLAS against the scalar reference on odd shapes and strides, with a named
 * tolerance; the GELU lookup against the tanh formula it tabulates. */
#include <stdlib.h>

#include "check.h"
#include "bert.h"
#include "gemm.h"

/* Relative to the row's magnitude: float sums in a different order differ by a few ulps × K. */
#define GEMM_TOL 1e-5

static float frand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static void compare(int M, int N, int K, int ld_pad, float beta, int nt)
{
    unsigned seed = (unsigned)(M * 131 + N * 7 + K);
    int ldx = K + ld_pad, ldw = (nt ? K : N) + ld_pad, ldy = N + ld_pad;
    size_t wrows = nt ? (size_t)N : (size_t)K;
    float *X = malloc((size_t)M * ldx * sizeof *X), *W = malloc(wrows * ldw * sizeof *W);
    float *Y1 = malloc((size_t)M * ldy * sizeof *Y1), *Y2 = malloc((size_t)M * ldy * sizeof *Y2);
    for (size_t i = 0; i < (size_t)M * ldx; i++)
        X[i] = frand(&seed);
    for (size_t i = 0; i < wrows * ldw; i++)
        W[i] = frand(&seed);
    for (size_t i = 0; i < (size_t)M * ldy; i++)
        Y1[i] = Y2[i] = frand(&seed);
    gemm_select(); /* pins OpenBLAS to one thread */
    if (nt) {
        gemm_nt_ref(M, N, K, 0.5f, X, ldx, W, ldw, beta, Y1, ldy);
        gemm_nt_blas(M, N, K, 0.5f, X, ldx, W, ldw, beta, Y2, ldy);
    } else {
        gemm_nn_ref(M, N, K, 0.5f, X, ldx, W, ldw, beta, Y1, ldy);
        gemm_nn_blas(M, N, K, 0.5f, X, ldx, W, ldw, beta, Y2, ldy);
    }
    double worst = 0.0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < ldy; j++) {
            double d = fabs((double)Y1[(size_t)i * ldy + j] - Y2[(size_t)i * ldy + j]);
            worst = d > worst ? d : worst; /* includes the padding columns, which must be untouched */
        }
    if (worst <= GEMM_TOL * K)
        check_passed++;
    else {
        check_failed++;
        fprintf(stderr, "gemm_%s %dx%dx%d pad %d beta %g: max diff %g\n", nt ? "nt" : "nn", M, N, K, ld_pad, beta, worst);
    }
    free(X);
    free(W);
    free(Y1);
    free(Y2);
}

int main(void)
{
    static const int shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {17, 33, 31}, {64, 96, 128}, {130, 47, 385}, {1, 384, 1536}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int nt = 0; nt < 2; nt++) {
            compare(shapes[s][0], shapes[s][1], shapes[s][2], 0, 0.0f, nt);
            compare(shapes[s][0], shapes[s][1], shapes[s][2], 3, 1.0f, nt);
        }

    /* GELU: the fp16 table within fp16 rounding of the formula; exact outside [-10, 10]. */
    double worst = 0.0;
    for (float x = -9.99f; x < 9.99f; x += 0.0137f) {
        double d = fabs(bert_gelu(x) - bert_gelu_ref(x)) / (fabs(bert_gelu_ref(x)) + 1e-2);
        worst = d > worst ? d : worst;
    }
    CHECK(worst < 2e-3);
    CHECK(bert_gelu(-12.0f) == 0.0f && bert_gelu(12.5f) == 12.5f);
    CHECK_NEAR(bert_gelu(1.0f), 0.841192f, 1e-3);

    /* Softmax: the vector row against the expf twin, odd lengths, tails, huge spreads. */
    static const size_t lens[] = {1, 2, 7, 8, 9, 31, 33, 170, 512};
    double sworst = 0.0;
    unsigned seed = 7;
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        size_t n = lens[li];
        float a[512], b[512];
        for (size_t j = 0; j < n; j++)
            a[j] = b[j] = 30.0f * frand(&seed) + (j == n / 2 ? 100.0f : 0.0f) * (li % 2);
        bert_softmax_row(a, n);
        bert_softmax_row_ref(b, n);
        double sum = 0.0;
        for (size_t j = 0; j < n; j++) {
            double d = fabs((double)a[j] - b[j]) / (b[j] + 1e-30);
            sworst = b[j] > 1e-30 && d > sworst ? d : sworst;
            sum += a[j];
        }
        CHECK_NEAR(sum, 1.0, 1e-5);
    }
    CHECK(sworst < 1e-5); /* relative, per probability */

    /* GELU row (vector gather) equals the scalar lookup exactly, including ±10 and the tail. */
    float g[203], h[203];
    for (int i = 0; i < 203; i++)
        g[i] = h[i] = -12.0f + 0.1185f * (float)i + 0.0f;
    g[5] = h[5] = -10.0f;
    g[190] = h[190] = 10.0f;
    bert_gelu_row(g, 203);
    int same = 1;
    for (int i = 0; i < 203; i++)
        same &= g[i] == bert_gelu(h[i]);
    CHECK(same);

    /* LayerNorm: the vector row against the scalar twin (sums in double either way), odd
     * lengths and tails, an offset that makes the centring matter. */
    static const size_t ln_lens[] = {1, 7, 8, 9, 33, 384, 385};
    double lworst = 0.0;
    for (size_t li = 0; li < sizeof ln_lens / sizeof ln_lens[0]; li++) {
        size_t n = ln_lens[li];
        float a[385], b[385], w[385], bb[385];
        for (size_t j = 0; j < n; j++) {
            a[j] = b[j] = 100.0f + 3.0f * frand(&seed);
            w[j] = frand(&seed);
            bb[j] = frand(&seed);
        }
        bert_layer_norm(a, n, w, bb, 1e-12f);
        bert_layer_norm_ref(b, n, w, bb, 1e-12f);
        for (size_t j = 0; j < n; j++) {
            double d = fabs((double)a[j] - b[j]);
            lworst = d > lworst ? d : lworst;
        }
    }
    CHECK(lworst < 1e-5); /* outputs are O(1): a few float ulps */
    return check_summary();
}
