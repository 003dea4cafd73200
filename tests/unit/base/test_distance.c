/* distance: every kernel equals the scalar reference bit for bit, and the reference equals a
 * double-precision dot product within float rounding. Odd lengths included. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "distance.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static float frand(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

int main(void)
{
    enum { MAX = 3100 };
    float *a = malloc(MAX * sizeof *a), *b = malloc(MAX * sizeof *b);
    for (int i = 0; i < MAX; i++)
        a[i] = frand(), b[i] = frand() * 3.0f;
    static const struct { const char *name; distance_dot_fn fn; } k[] = {
        {"avx2", distance_dot_avx2}, {"avx512", distance_dot_avx512}};
    size_t lens[300];
    size_t nl = 0;
    for (size_t n = 0; n <= 260; n++)
        lens[nl++] = n;
    const size_t more[] = {383, 384, 512, 767, 768, 1023, 1024, 1535, 1536, 1537, 3072, 3099};
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        lens[nl++] = more[i];

    int ran_simd = 0;
    for (size_t li = 0; li < nl; li++) {
        size_t n = lens[li];
        /* Unaligned starts too: the cache's rows are only 4-byte aligned for odd dims. */
        for (size_t off = 0; off < 3; off++) {
            if (n + off > MAX)
                continue;
            float ref = distance_dot_scalar(a + off, b + off, n);
            double exact = 0, mag = 0;
            for (size_t i = 0; i < n; i++) {
                exact += (double)a[off + i] * b[off + i];
                mag += __builtin_fabs((double)a[off + i] * b[off + i]);
            }
            /* Named tolerance: float accumulation, relative to the sum of magnitudes. */
            CHECK_NEAR(ref, exact, 1e-6 * mag + 1e-30);
            for (size_t ki = 0; ki < 2; ki++) {
                if (!distance_cpu_has(k[ki].name))
                    continue;
                ran_simd = 1;
                float got = k[ki].fn(a + off, b + off, n);
                if (got != ref)
                    fprintf(stderr, "%s n=%zu off=%zu: %.9g vs scalar %.9g\n", k[ki].name, n, off, got, ref);
                CHECK(got == ref);
            }
        }
    }
    CHECK(distance_dot_scalar(a, b, 0) == 0.0f);
    CHECK(distance_cpu_has("scalar"));
    CHECK(!distance_cpu_has("neon9000"));
    if (!ran_simd)
        fprintf(stderr, "note: this CPU has neither AVX2 nor AVX-512; only the reference ran\n");

    /* SAMPLEVEC_KERNEL picks a kernel; an unknown name falls back to the best. */
    const char *name = NULL;
    setenv("SAMPLEVEC_KERNEL", "scalar", 1);
    CHECK(distance_dot_pick(&name) == distance_dot_scalar);
    CHECK_STR_EQ(name, "scalar");
    setenv("SAMPLEVEC_KERNEL", "nonsense", 1);
    distance_dot_fn best = distance_dot_pick(&name);
    unsetenv("SAMPLEVEC_KERNEL");
    const char *best_name = NULL;
    CHECK(distance_dot_pick(&best_name) == best);
    CHECK_STR_EQ(name, best_name);
    if (distance_cpu_has("avx512"))
        CHECK_STR_EQ(best_name, "avx512");
    free(a);
    free(b);
    return check_summary();
}
