/* distance: the dot-product kernel cosine similarity is built from, as a scalar reference and
 * AVX2 / AVX-512 versions picked at run time by CPU features.
 *
 * Every kernel computes the same float sum in the same order, so all return bit-identical
 * results on every machine (and a search ranks near-ties the same everywhere):
 *   element i of the vectors goes to lane i % 64; each lane accumulates a[i]*b[i] with a
 *   separate multiply and add (no FMA); the 64 lanes are then summed as a fixed tree
 *   (lane j += lane j+32, then j += j+16, ... j += j+1) and lane 0 is the result.
 * The SIMD kernels keep the 64 lanes in 4 zmm / 8 ymm registers and finish any tail
 * (n % 64 elements) through the scalar path.
 */
#ifndef SAMPLEVEC_DISTANCE_H
#define SAMPLEVEC_DISTANCE_H

#include <stddef.h>

typedef float (*distance_dot_fn)(const float *a, const float *b, size_t n);

/* Σ a[i]·b[i] over n floats, in the lane order above. Pointers need no alignment. */
float distance_dot_scalar(const float *a, const float *b, size_t n);
/* Same sum; call only when distance_cpu_has("avx2"). */
float distance_dot_avx2(const float *a, const float *b, size_t n);
/* Same sum; call only when distance_cpu_has("avx512"). */
float distance_dot_avx512(const float *a, const float *b, size_t n);

/* 1 if this CPU (and OS) runs the named kernel: "scalar", "avx2", "avx512". */
int distance_cpu_has(const char *kernel);

/* The fastest kernel this CPU runs, or the one named by SAMPLEVEC_KERNEL (scalar, avx2,
 * avx512) when set and supported (benchmarks compare kernels this way). *name (may be NULL)
 * receives the kernel's name. */
distance_dot_fn distance_dot_pick(const char **name);

#endif
