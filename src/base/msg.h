/* Layer base/ (docs/architecture.md): plumbing every other layer may use; it includes nothing
 * of samplevec's. This header is its centre: every module reports through it.
 *
 * msg: diagnostics on stderr with a "samplevec: " prefix, and the exit codes.
 *
 * Exit codes (stable, documented in the README):
 *   0   SV_EXIT_OK           everything asked for was done
 *   1   SV_EXIT_FAILED       the run finished but some samples failed
 *   2   SV_EXIT_USAGE        bad flag or value, unknown provider, provider not available
 *   3   SV_EXIT_DATA         library, store or progress file unreadable or of the wrong schema;
 *                            a remote store unreachable after retries; the store is being
 *                            written by another run
 *   130 SV_EXIT_INTERRUPTED  SIGINT/SIGTERM; the checkpoint was flushed first
 */
#ifndef SAMPLEVEC_MSG_H
#define SAMPLEVEC_MSG_H

#include <stdarg.h>

#define SV_ERR_LEN 512 /* every caller-owned error buffer has this size */

enum sv_exit {
    SV_EXIT_OK = 0,
    SV_EXIT_FAILED = 1,
    SV_EXIT_USAGE = 2,
    SV_EXIT_DATA = 3,
    SV_EXIT_INTERRUPTED = 130,
};

#if defined(__GNUC__)
#define SV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SV_PRINTF(a, b)
#endif

/* "samplevec: error: ..." on stderr. */
void msg_error(const char *fmt, ...) SV_PRINTF(1, 2);
/* "samplevec: warning: ..." on stderr. */
void msg_warn(const char *fmt, ...) SV_PRINTF(1, 2);
/* "samplevec: ..." on stderr, unless msg_set_quiet(1). */
void msg_info(const char *fmt, ...) SV_PRINTF(1, 2);
void msg_set_quiet(int quiet);

/* Something drawn on stderr that messages must not run into (the CLI's live progress line):
 * hide(ctx) runs before each message and show(ctx) after it, on the thread writing the
 * message. Both or neither: either NULL removes the hooks. */
void msg_set_screen_hooks(void (*hide)(void *ctx), void (*show)(void *ctx), void *ctx);

/* Usage error: "samplevec: error: option --x: reason" then the --help hint.
 * Returns SV_EXIT_USAGE so callers can `return msg_usage(...)`. */
int msg_usage(const char *command, const char *fmt, ...) SV_PRINTF(2, 3);

/* snprintf into a caller-owned SV_ERR_LEN buffer; returns `code` for `return sv_fail(err, 3, ...)`. */
int sv_fail(char err[SV_ERR_LEN], int code, const char *fmt, ...) SV_PRINTF(3, 4);

#endif
