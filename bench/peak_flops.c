/* Machine peak for float32 FMA on T threads: 12 independent vector FMA chains per thread
 * (enough to cover FMA latency × ports), AVX-512 when the CPU has it, else AVX2.
 * usage: peak_flops [THREADS=2]; prints GFLOP/s. Built by bench/gguf.sh. */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERS 20000000L
static volatile float sink;

__attribute__((target("avx512f"))) static void *run512(void *arg)
{
    (void)arg;
    __m512 a[12], m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++)
        a[i] = _mm512_set1_ps((float)i);
    /* named registers: an array here was kept in memory at -O2 (store-forwarding bound) */
    __m512 r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7], r8 = a[8], r9 = a[9], r10 = a[10], r11 = a[11];
    for (long k = 0; k < ITERS; k++) {
        r0 = _mm512_fmadd_ps(r0, m, c);
        r1 = _mm512_fmadd_ps(r1, m, c);
        r2 = _mm512_fmadd_ps(r2, m, c);
        r3 = _mm512_fmadd_ps(r3, m, c);
        r4 = _mm512_fmadd_ps(r4, m, c);
        r5 = _mm512_fmadd_ps(r5, m, c);
        r6 = _mm512_fmadd_ps(r6, m, c);
        r7 = _mm512_fmadd_ps(r7, m, c);
        r8 = _mm512_fmadd_ps(r8, m, c);
        r9 = _mm512_fmadd_ps(r9, m, c);
        r10 = _mm512_fmadd_ps(r10, m, c);
        r11 = _mm512_fmadd_ps(r11, m, c);
    }
    a[0] = r0; a[1] = r1; a[2] = r2; a[3] = r3; a[4] = r4; a[5] = r5; a[6] = r6; a[7] = r7; a[8] = r8; a[9] = r9; a[10] = r10; a[11] = r11;

    float s = 0;
    for (int i = 0; i < 12; i++)
        s += _mm512_reduce_add_ps(a[i]);
    sink = s;
    return NULL;
}

__attribute__((target("avx2,fma"))) static void *run256(void *arg)
{
    (void)arg;
    __m256 a[12], m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++)
        a[i] = _mm256_set1_ps((float)i);
    /* named registers: an array here was kept in memory at -O2 (store-forwarding bound) */
    __m256 r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7], r8 = a[8], r9 = a[9], r10 = a[10], r11 = a[11];
    for (long k = 0; k < ITERS; k++) {
        r0 = _mm256_fmadd_ps(r0, m, c);
        r1 = _mm256_fmadd_ps(r1, m, c);
        r2 = _mm256_fmadd_ps(r2, m, c);
        r3 = _mm256_fmadd_ps(r3, m, c);
        r4 = _mm256_fmadd_ps(r4, m, c);
        r5 = _mm256_fmadd_ps(r5, m, c);
        r6 = _mm256_fmadd_ps(r6, m, c);
        r7 = _mm256_fmadd_ps(r7, m, c);
        r8 = _mm256_fmadd_ps(r8, m, c);
        r9 = _mm256_fmadd_ps(r9, m, c);
        r10 = _mm256_fmadd_ps(r10, m, c);
        r11 = _mm256_fmadd_ps(r11, m, c);
    }
    a[0] = r0; a[1] = r1; a[2] = r2; a[3] = r3; a[4] = r4; a[5] = r5; a[6] = r6; a[7] = r7; a[8] = r8; a[9] = r9; a[10] = r10; a[11] = r11;

    float t[8], s = 0;
    for (int i = 0; i < 12; i++) {
        _mm256_storeu_ps(t, a[i]);
        for (int j = 0; j < 8; j++)
            s += t[j];
    }
    sink = s;
    return NULL;
}

int main(int argc, char **argv)
{
    int T = argc > 1 ? atoi(argv[1]) : 2, wide = __builtin_cpu_supports("avx512f") ? 16 : 8;
    pthread_t th[64];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < T && i < 64; i++)
        pthread_create(&th[i], NULL, wide == 16 ? run512 : run256, NULL);
    for (int i = 0; i < T && i < 64; i++)
        pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%.1f\n", (double)T * ITERS * 12 * wide * 2 / s / 1e9);
    return 0;
}
