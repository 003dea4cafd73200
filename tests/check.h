/* check.h: the whole unit-test harness. CHECK records a failure and goes on; the test's main
 * returns check_summary(), which prints "N passed, N failed" (", N skipped" when a case was
 * skipped) and is non-zero on any failure.
 *
 * A case this machine cannot run (a CPU feature, an optional reference tool) calls
 * check_skip("reason"): it prints "SKIPPED: reason", and check_summary() then returns
 * CHECK_SKIP_CODE when nothing failed, which CTest reports as skipped (SKIP_RETURN_CODE in
 * tests/CMakeLists.txt), never as passed. Keep a skippable case in a test of its own (an
 * argument or a separate file) so the skip does not hide the cases that did run. */
#ifndef SAMPLEVEC_CHECK_H
#define SAMPLEVEC_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The exit code CTest reads as "skipped" (the automake convention). */
#define CHECK_SKIP_CODE 77

static int check_passed, check_failed, check_skipped;

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

/* Records a case that did not run here, and why (printf-style reason). */
__attribute__((format(printf, 1, 2))) static inline void check_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("SKIPPED: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
    check_skipped++;
}

/* Token ids got[0..n_got) against want[0..n_want); a failure prints `what`, the caller's line
 * and both lists. */
static inline void check_ids(const char *what, const int32_t *got, size_t n_got, const int32_t *want, size_t n_want,
                             int line)
{
    if (n_got == n_want && (n_want == 0 || memcmp(got, want, n_want * sizeof *want) == 0)) {
        check_passed++;
        return;
    }
    check_failed++;
    fprintf(stderr, "line %d: %s:\n  got ", line, what);
    for (size_t i = 0; i < n_got; i++)
        fprintf(stderr, " %d", got[i]);
    fprintf(stderr, "\n  want");
    for (size_t i = 0; i < n_want; i++)
        fprintf(stderr, " %d", want[i]);
    fprintf(stderr, "\n");
}

static inline int check_summary(void)
{
    if (check_skipped)
        printf("%d passed, %d failed, %d skipped\n", check_passed, check_failed, check_skipped);
    else
        printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : check_skipped ? CHECK_SKIP_CODE : 0;
}

#endif
