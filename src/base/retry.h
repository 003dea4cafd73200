/* retry: when to retry an HTTP request and how long to wait, as the official openai-python
 * client does (_should_retry / _calculate_retry_timeout), with the server's hints honoured.
 *
 *   retry?  x-should-retry: true/false decides when present; else 408, 409, 429 and every
 *           status >= 500 are retried, and so is a transport error (no response: connection
 *           refused or reset, timeout, truncated body). Anything else (400, 401, 403, 404, 422)
 *           is not.
 *   wait    retry-after-ms (milliseconds), else Retry-After (seconds, or an HTTP date), when it
 *           is > 0 and <= RETRY_AFTER_MAX_S; else min(0.5 · 2^n, 8) s for the n-th retry
 *           (n from 0), times a jitter in (0.75, 1].
 */
#ifndef SAMPLEVEC_RETRY_H
#define SAMPLEVEC_RETRY_H

#include <time.h>

#define RETRY_INITIAL_S 0.5
#define RETRY_MAX_S 8.0
#define RETRY_AFTER_MAX_S 120.0 /* openai-python trusts up to 60 s; rate-limit windows reach 120 */

/* 1 to retry. status: HTTP status, or 0 with transport_error for no response. x_should_retry:
 * that header's value, or NULL when absent. */
int retry_should(long status, int transport_error, const char *x_should_retry);

/* Seconds to wait before retry number `n` (0 for the first retry). retry_after_ms and
 * retry_after: the headers' values or NULL. now: the wall clock, for HTTP dates.
 * unit_random: a uniform number in [0, 1) for the jitter. */
double retry_delay_s(int n, const char *retry_after_ms, const char *retry_after, time_t now,
                     double unit_random);

/* The server's requested wait in seconds (retry-after-ms, then Retry-After), or -1 when
 * absent, unparsable, <= 0 or over RETRY_AFTER_MAX_S. */
double retry_after_s(const char *retry_after_ms, const char *retry_after, time_t now);

#endif
