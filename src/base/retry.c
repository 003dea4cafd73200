#include "retry.h"

#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

int retry_should(long status, int transport_error, const char *x_should_retry)
{
    if (x_should_retry) {
        if (strcasecmp(x_should_retry, "true") == 0)
            return 1;
        if (strcasecmp(x_should_retry, "false") == 0)
            return 0;
    }
    if (transport_error || status == 0)
        return 1;
    return status == 408 || status == 409 || status == 429 || status >= 500;
}

/* A finite number and nothing else (spaces around allowed). */
static int parse_number(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v))
        return 0;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end)
        return 0;
    *out = v;
    return 1;
}

double retry_after_s(const char *retry_after_ms, const char *retry_after, time_t now)
{
    double v = -1;
    if (retry_after_ms && parse_number(retry_after_ms, &v))
        v /= 1000.0;
    else if (retry_after && !parse_number(retry_after, &v)) {
        time_t when = curl_getdate(retry_after, NULL); /* RFC 7231 HTTP-date */
        v = when == (time_t)-1 ? -1 : difftime(when, now);
    } else if (!retry_after) {
        v = -1;
    }
    return v > 0 && v <= RETRY_AFTER_MAX_S ? v : -1;
}

double retry_delay_s(int n, const char *retry_after_ms, const char *retry_after, time_t now,
                     double unit_random)
{
    double hinted = retry_after_s(retry_after_ms, retry_after, now);
    if (hinted > 0)
        return hinted;
    if (n < 0)
        n = 0;
    double base = RETRY_INITIAL_S * pow(2.0, n > 60 ? 60 : n);
    if (base > RETRY_MAX_S)
        base = RETRY_MAX_S;
    return base * (1.0 - 0.25 * unit_random);
}
