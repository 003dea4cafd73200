/* check.h: the whole unit-test harness. CHECK records a failure and goes on; the test's main
 * returns check_summary(), which prints "N passed, N failed" and is non-zero on any failure. */
#ifndef SAMPLEVEC_CHECK_H
#define SAMPLEVEC_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            check_passed++;                                                           \
        } else {                                                                      \
            check_failed++;                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_STR_EQ(got, want)                                                       \
    do {                                                                              \
        const char *g_ = (got), *w_ = (want);                                         \
        if (g_ && w_ && strcmp(g_, w_) == 0) {                                        \
            check_passed++;                                                           \
        } else {                                                                      \
            check_failed++;                                                           \
            fprintf(stderr, "%s:%d: CHECK_STR_EQ failed:\n  got:  %s\n  want: %s\n",  \
                    __FILE__, __LINE__, g_ ? g_ : "(null)", w_ ? w_ : "(null)");      \
        }                                                                             \
    } while (0)

#define CHECK_NEAR(got, want, tol)                                                    \
    do {                                                                              \
        double g_ = (got), w_ = (want);                                               \
        if (fabs(g_ - w_) <= (tol)) {                                                 \
            check_passed++;                                                           \
        } else {                                                                      \
            check_failed++;                                                           \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.9g, want %.9g (tol %g)\n", \
                    __FILE__, __LINE__, #got, g_, w_, (double)(tol));                 \
        }                                                                             \
    } while (0)

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
