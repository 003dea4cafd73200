/* distance: the scalar reference equals a double-precision dot product within float rounding,
 * and SAMPLEVEC_KERNEL picks kernels; `test_distance KERNEL` compares one SIMD kernel with the
 * reference bit for bit (odd lengths and unaligned starts included). CTest runs one test per
 * kernel, so a kernel this CPU cannot run is a visible skip of its own. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "distance.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static float frand(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static const struct {
    const char *name;
    distance_dot_fn fn;
    const char *needs; /* the CPU feature a skip names */
} kernels[] = {{"avx2", distance_dot_avx2, "AVX2"}, {"avx512", distance_dot_avx512, "AVX-512F"}};

enum { MAX = 3100 };

/* Every length 0..260 and the dims models use, each at 3 start offsets. */
static size_t test_lengths(size_t lens[300])
{
    size_t nl = 0;
    for (size_t n = 0; n <= 260; n++)
        lens[nl++] = n;
    const size_t more[] = {383, 384, 512, 767, 768, 1023, 1024, 1535, 1536, 1537, 3072, 3099};
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        lens[nl++] = more[i];
    return nl;
}

static int compare_kernel(const char *name, const float *a, const float *b)
{
    size_t k = 0;
    while (k < sizeof kernels / sizeof *kernels && strcmp(kernels[k].name, name) != 0)
        k++;
    if (k == sizeof kernels / sizeof *kernels) {
        fprintf(stderr, "unknown kernel '%s' (want avx2 or avx512)\n", name);
        return 2;
    }
    if (!distance_cpu_has(name)) {
        check_skip("kernel %s: this CPU lacks %s, so it cannot run here", name, kernels[k].needs);
        return check_summary();
    }
    size_t lens[300], nl = test_lengths(lens);
    for (size_t li = 0; li < nl; li++) {
        size_t n = lens[li];
        /* Unaligned starts too: the cache's rows are only 4-byte aligned for odd dims. */
        for (size_t off = 0; off < 3 && n + off <= MAX; off++) {
            float ref = distance_dot_scalar(a + off, b + off, n);
            float got = kernels[k].fn(a + off, b + off, n);
            if (got != ref)
                fprintf(stderr, "%s n=%zu off=%zu: %.9g vs scalar %.9g\n", name, n, off, got, ref);
            CHECK(got == ref);
        }
    }
    printf("kernel %s equals the scalar reference bit for bit\n", name);
    return check_summary();
}

int main(int argc, char **argv)
{
    float *a = malloc(MAX * sizeof *a), *b = malloc(MAX * sizeof *b);
    for (int i = 0; i < MAX; i++)
        a[i] = frand(), b[i] = frand() * 3.0f;
    if (argc > 1) {
        int rc = compare_kernel(argv[1], a, b);
        free(a);
        free(b);
        return rc;
    }
    size_t lens[300], nl = test_lengths(lens);
    for (size_t li = 0; li < nl; li++) {
        size_t n = lens[li];
        for (size_t off = 0; off < 3 && n + off <= MAX; off++) {
            float ref = distance_dot_scalar(a + off, b + off, n);
            double exact = 0, mag = 0;
            for (size_t i = 0; i < n; i++) {
                exact += (double)a[off + i] * b[off + i];
                mag += __builtin_fabs((double)a[off + i] * b[off + i]);
            }
            /* Named tolerance: float accumulation, relative to the sum of magnitudes. */
            CHECK_NEAR(ref, exact, 1e-6 * mag + 1e-30);
        }
    }
    CHECK(distance_dot_scalar(a, b, 0) == 0.0f);
    CHECK(distance_cpu_has("scalar"));
    CHECK(!distance_cpu_has("neon9000"));
    /* Name the kernels this CPU cannot run (their own tests, unit/test_distance/NAME, skip). */
    for (size_t k = 0; k < sizeof kernels / sizeof *kernels; k++)
        printf("kernel %s: %s\n", kernels[k].name,
               distance_cpu_has(kernels[k].name) ? "runs here" : "cannot run on this CPU (its test skips)");

    /* SAMPLEVEC_KERNEL picks a kernel; an unknown name falls back to the best. */
    const char *name = NULL;
    setenv("SAMPLEVEC_KERNEL", "scalar", 1);
    CHECK(distance_dot_pick(&name) == distance_dot_scalar);
    CHECK_STR_EQ(name, "scalar");
    for (size_t k = 0; k < sizeof kernels / sizeof *kernels; k++)
        if (distance_cpu_has(kernels[k].name)) {
            setenv("SAMPLEVEC_KERNEL", kernels[k].name, 1);
            CHECK(distance_dot_pick(&name) == kernels[k].fn);
            CHECK_STR_EQ(name, kernels[k].name);
        }
    setenv("SAMPLEVEC_KERNEL", "nonsense", 1);
    distance_dot_fn best = distance_dot_pick(&name);
    unsetenv("SAMPLEVEC_KERNEL");
    const char *best_name = NULL;
    CHECK(distance_dot_pick(&best_name) == best);
    CHECK_STR_EQ(name, best_name);
    if (distance_cpu_has("avx512"))
        CHECK_STR_EQ(best_name, "avx512");
    else if (distance_cpu_has("avx2"))
        CHECK_STR_EQ(best_name, "avx2");
    free(a);
    free(b);
    return check_summary();
}
