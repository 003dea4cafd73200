/* f32_shortest against independent oracles: strtof and strtod+cast read every output back to
 * the same bits; no decimal with one digit fewer reads back to it through both (the neighbours
 * of the correctly rounded shorter one, from printf, are all tried); among decimals of its
 * length it is printf's correctly rounded one whenever that one reads back. Edge floats, every float
 * near each power of two, and 2,000,000 random bit patterns; SAMPLEVEC_F32_EXHAUSTIVE=1 runs
 * the read-back checks over all 2^32 patterns (minutes: run by hand, not by CTest). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "f32_shortest.h"

static uint32_t bits_of(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

static float float_of(uint32_t b)
{
    float f;
    memcpy(&f, &b, 4);
    return f;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return 0;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* Significant digits of a decimal text, as an integer and a power of ten: value = d·10^e. */
static void decimal_parts(const char *s, uint64_t *d, int *e, int *ndigits)
{
    *d = 0;
    *e = 0;
    *ndigits = 0;
    int started = 0, after_point = 0;
    for (; *s && *s != 'e' && *s != 'E'; s++) {
        if (*s == '-')
            continue;
        if (*s == '.') {
            after_point = 1;
            continue;
        }
        int digit = *s - '0';
        if (digit || started) {
            started = 1;
            *d = *d * 10 + (uint64_t)digit;
            (*ndigits)++;
        }
        if (after_point)
            (*e)--;
    }
    if (*s)
        *e += atoi(s + 1);
    while (*d && *d % 10 == 0) { /* "250" is 25e1: two significant digits */
        *d /= 10;
        (*e)++;
        (*ndigits)--;
    }
}

/* Both readers: strtof, and strtod then a cast (Python's json + numpy float32). */
static int reads_back(const char *text, float f)
{
    return bits_of(strtof(text, NULL)) == bits_of(f) &&
           bits_of((float)strtod(text, NULL)) == bits_of(f);
}

static int failures_shown;

/* Every property for one float; 1 when all hold. */
static int check_one(float f, int check_shortest)
{
    char out[F32_SHORTEST_MAX];
    size_t n = f32_shortest(f, out);
    int ok = n == strlen(out) && n > 0 && n < F32_SHORTEST_MAX && json_number(out) &&
             reads_back(out, f);
    if (ok && check_shortest && f != 0) {
        uint64_t d;
        int e, nd;
        decimal_parts(out, &d, &e, &nd);
        char cand[64];
        if (nd > 1) { /* nothing with nd-1 digits may read back */
            snprintf(cand, sizeof cand, "%.*e", nd - 2, fabs((double)f));
            uint64_t cd;
            int ce, cn;
            decimal_parts(cand, &cd, &ce, &cn);
            for (int delta = -1; delta <= 1 && ok; delta++) {
                snprintf(cand, sizeof cand, "%s%llue%d", f < 0 ? "-" : "",
                         (unsigned long long)(cd + (uint64_t)(int64_t)delta), ce);
                if (cd + (uint64_t)(int64_t)delta != 0 && reads_back(cand, f))
                    ok = 0;
            }
        }
        /* the correctly rounded decimal of that length, when it reads back, is the one */
        snprintf(cand, sizeof cand, "%.*e", nd - 1, (double)f);
        if (ok && reads_back(cand, f)) {
            uint64_t rd;
            int re, rn;
            decimal_parts(cand, &rd, &re, &rn);
            ok = rd == d && re == e;
        }
    }
    if (!ok && failures_shown++ < 20)
        fprintf(stderr, "float 0x%08x (%.9g): wrote '%s'\n", bits_of(f), (double)f, out);
    return ok;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t next_u32(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

int main(void)
{
    char out[F32_SHORTEST_MAX];
    static const struct {
        float f;
        const char *text;
    } known[] = {
        {0.0f, "0"},           {-0.0f, "-0.0"},        {1.0f, "1"},
        {-1.0f, "-1"},         {0.1f, "0.1"},          {0.3f, "0.3"},
        {-0.25f, "-0.25"},     {3.5f, "3.5"},          {250.0f, "250"},
        {1e10f, "1e10"},       {1.5e-7f, "1.5e-7"},    {0.001f, "1e-3"},       {0.0123f, "0.0123"},
        {1e-4f, "1e-4"},       {33554432.0f, "33554432"}, {16777216.0f, "16777216"},
        {FLT_MAX, "3.4028235e38"}, {FLT_MIN, "1.1754944e-38"}, {1e-45f, "1e-45"},
        {-FLT_MAX, "-3.4028235e38"}, {123456.7f, "123456.7"}, {0.012345679f, "0.012345679"},
    };
    /* found by the exhaustive run: Ryu's "7.038531e-26" reads back through strtof, but its
     * nearest double is the midpoint with the next float, which the cast rounds up to */
    f32_shortest(float_of(0x15ae43fdu), out);
    CHECK_STR_EQ(out, "7.0385307e-26");
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        f32_shortest(known[i].f, out);
        CHECK_STR_EQ(out, known[i].text);
    }
    CHECK(f32_shortest(NAN, out) == 0 && out[0] == '\0');
    CHECK(f32_shortest(INFINITY, out) == 0 && out[0] == '\0');
    CHECK(f32_shortest(-INFINITY, out) == 0);

    /* edges: every exponent's first and last few floats, both signs, subnormals included */
    int edge_ok = 1;
    for (uint32_t exp = 0; exp < 255; exp++)
        for (uint32_t m = 0; m < 8; m++)
            for (uint32_t sign = 0; sign < 2; sign++) {
                uint32_t base = (sign << 31) | (exp << 23);
                edge_ok &= check_one(float_of(base | m), 1);
                edge_ok &= check_one(float_of(base | (0x7fffffu - m)), 1);
            }
    CHECK(edge_ok);

    /* random bit patterns (non-finite ones skipped), and random vector-like values */
    int random_ok = 1;
    long checked = 0;
    for (int i = 0; i < 2000000; i++) {
        uint32_t b = next_u32();
        if (((b >> 23) & 0xff) == 0xff)
            continue;
        random_ok &= check_one(float_of(b), i % 4 == 0);
        checked++;
    }
    for (int i = 0; i < 200000; i++) {
        float v = (float)((double)(int32_t)next_u32() / 2147483648.0 * 0.2);
        random_ok &= check_one(v, 1);
    }
    CHECK(random_ok);
    CHECK(checked > 1900000);

    const char *all = getenv("SAMPLEVEC_F32_EXHAUSTIVE");
    if (all && strcmp(all, "1") == 0) {
        long bad = 0;
        for (uint64_t b = 0; b <= UINT32_MAX; b++) {
            if (((b >> 23) & 0xff) == 0xff)
                continue;
            if (!check_one(float_of((uint32_t)b), 0))
                bad++;
            if ((b & 0x0fffffff) == 0)
                fprintf(stderr, "exhaustive: 0x%08llx, %ld bad so far\n", (unsigned long long)b, bad);
        }
        printf("exhaustive: every finite float32 read back (strtof, strtod+cast): %ld bad\n", bad);
        CHECK(bad == 0);
    }
    return check_summary();
}
