#include "numparse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int numparse_int64(const char *s, int64_t *out)
{
    const char *p = s;
    int negative = *p == '-';
    if (negative)
        p++;
    if (*p < '0' || *p > '9')
        return -1;
    /* accumulate the magnitude as unsigned so INT64_MIN is reachable */
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (*p)
        return -1;
    *out = negative ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int numparse_decimal_prefix(const char *s, double *out, const char **end)
{
    const char *p = s;
    *end = s;
    if (*p == '-')
        p++;
    size_t int_digits = strspn(p, "0123456789");
    p += int_digits;
    size_t frac_digits = 0;
    if (*p == '.') {
        frac_digits = strspn(p + 1, "0123456789");
        p += 1 + frac_digits;
    }
    if (int_digits + frac_digits == 0)
        return -1;
    /* the span is plain decimal now, so strtod reads exactly it (the program never changes
     * LC_NUMERIC, so '.' is the decimal point) */
    char buf[64];
    size_t n = (size_t)(p - s);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return -1;
    *out = v;
    *end = p;
    return 0;
}

int numparse_decimal(const char *s, double *out)
{
    const char *end;
    double v;
    if (numparse_decimal_prefix(s, &v, &end) != 0 || *end)
        return -1;
    *out = v;
    return 0;
}
