#include "vecjson.h"

#include <stdint.h>
#include <stdlib.h>

size_t vecjson_encode(const float *v, size_t dims, char *out)
{
    char *p = out;
    *p++ = '[';
    for (size_t i = 0; i < dims; i++) {
        if (i)
            *p++ = ',';
        size_t n = f32_shortest(v[i], p); /* its NUL lands where the next byte goes */
        if (n == 0) {
            out[0] = '\0';
            return 0;
        }
        p += n;
    }
    *p++ = ']';
    *p = '\0';
    return (size_t)(p - out);
}

/* Powers of ten that are exact doubles: m·10^e (or m/10^-e) with m <= 2^53 is then one
 * correctly rounded operation (Clinger's fast path), the same double strtod returns. */
static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* One JSON number at *pp, as the app reads it: a double, then float32. The JSON grammar
 * is checked first, so strtod (the slow path) parses exactly the token. 0, or -1 malformed. */
static int parse_number(const char **pp, float *out)
{
    const char *p = *pp, *start = p;
    int negative = 0, integer_token = 1, dropped = 0, digits = 0;
    uint64_t m = 0;
    int64_t exp10 = 0;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        for (; IS_DIGIT(*p); p++) {
            if (digits < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                digits++;
            } else {
                exp10++;
                dropped |= *p != '0';
            }
        }
    } else {
        goto malformed;
    }
    if (*p == '.') {
        integer_token = 0;
        p++;
        if (!IS_DIGIT(*p))
            goto malformed;
        for (; IS_DIGIT(*p); p++) {
            if (digits < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                digits += m != 0; /* leading zeros of 0.000123 are not significant */
                exp10--;
            } else {
                dropped |= *p != '0';
            }
        }
    }
    if (*p == 'e' || *p == 'E') {
        integer_token = 0;
        p++;
        int sign = 1;
        if (*p == '+' || *p == '-')
            sign = *p++ == '-' ? -1 : 1;
        if (!IS_DIGIT(*p))
            goto malformed;
        int64_t e = 0;
        for (; IS_DIGIT(*p); p++)
            if (e < 100000)
                e = e * 10 + (*p - '0');
        exp10 += sign * e;
    }
    double d;
    if (m == 0 && !dropped)
        d = 0.0;
    else if (!dropped && m <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22)
        d = exp10 >= 0 ? (double)m * POW10[exp10] : (double)m / POW10[-exp10];
    else
        d = strtod(start + negative, NULL);
    /* Python reads "-0" as the integer 0, so only "-0.0" and the like are negative zero. */
    if (negative && !(integer_token && d == 0.0))
        d = -d;
    *out = (float)d;
    *pp = p;
    return 0;
malformed:
    *pp = p; /* where it went wrong */
    return -1;
}

long vecjson_decode(const char *text, float *out, size_t cap, size_t *bad_at)
{
    const char *p = skip_space(text);
    long count = 0;
    if (*p != '[')
        goto bad;
    p = skip_space(p + 1);
    if (*p == ']') {
        p = skip_space(p + 1);
        if (*p)
            goto bad;
        return 0;
    }
    for (;;) {
        float v;
        if (parse_number(&p, &v) != 0)
            goto bad;
        if ((size_t)count < cap)
            out[count] = v;
        count++;
        p = skip_space(p);
        if (*p == ',') {
            p = skip_space(p + 1);
            continue;
        }
        if (*p != ']')
            goto bad;
        p = skip_space(p + 1);
        if (*p)
            goto bad;
        return count;
    }
bad:
    *bad_at = (size_t)(p - text);
    return -1;
}
