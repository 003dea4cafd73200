/* f32_shortest: Ryu's shortest-digits search for binary32 (Ulf Adams, "Ryū: fast float-to-string
 * conversion", PLDI 2018), written out for samplevec.
 *
 * A float is mv·2^e2 (mv = 4·mantissa, so that the two neighbouring midpoints mm and mp are
 * integers too). Multiplying the three by 2^e2/10^e10 for a suitable e10, with 64-bit tables of
 * 5^±k that carry enough bits to be exact for every binary32 (the paper's proof, and the
 * exhaustive run in tests/unit/base/test_f32_shortest.c), gives the interval [vm, vp] of decimal
 * candidates. Digits are then removed while the interval still holds a number, and the last
 * one is rounded to nearest, ties to even.
 */
#include "f32_shortest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F32_MANTISSA_BITS 23
#define F32_EXPONENT_BIAS 127
#define POW5_INV_BITS 59 /* POW5_INV[q] = floor(2^(pow5_bits(q) - 1 + 59) / 5^q) + 1 */
#define POW5_BITS 61     /* POW5[i]     = 5^i scaled by a power of 2 to exactly 61 bits  */

/* Derived with exact integers (Python: see the formulas above); q < 31 and i < 48 cover every
 * binary32 exponent. */
static const uint64_t POW5_INV[31] = {
    576460752303423489u, 461168601842738791u, 368934881474191033u, 295147905179352826u,
    472236648286964522u, 377789318629571618u, 302231454903657294u, 483570327845851670u,
    386856262276681336u, 309485009821345069u, 495176015714152110u, 396140812571321688u,
    316912650057057351u, 507060240091291761u, 405648192073033409u, 324518553658426727u,
    519229685853482763u, 415383748682786211u, 332306998946228969u, 531691198313966350u,
    425352958651173080u, 340282366920938464u, 544451787073501542u, 435561429658801234u,
    348449143727040987u, 557518629963265579u, 446014903970612463u, 356811923176489971u,
    570899077082383953u, 456719261665907162u, 365375409332725730u,
};

static const uint64_t POW5[48] = {
    1152921504606846976u, 1441151880758558720u, 1801439850948198400u, 2251799813685248000u,
    1407374883553280000u, 1759218604441600000u, 2199023255552000000u, 1374389534720000000u,
    1717986918400000000u, 2147483648000000000u, 1342177280000000000u, 1677721600000000000u,
    2097152000000000000u, 1310720000000000000u, 1638400000000000000u, 2048000000000000000u,
    1280000000000000000u, 1600000000000000000u, 2000000000000000000u, 1250000000000000000u,
    1562500000000000000u, 1953125000000000000u, 1220703125000000000u, 1525878906250000000u,
    1907348632812500000u, 1192092895507812500u, 1490116119384765625u, 1862645149230957031u,
    1164153218269348144u, 1455191522836685180u, 1818989403545856475u, 2273736754432320594u,
    1421085471520200371u, 1776356839400250464u, 2220446049250313080u, 1387778780781445675u,
    1734723475976807094u, 2168404344971008868u, 1355252715606880542u, 1694065894508600678u,
    2117582368135750847u, 1323488980084844279u, 1654361225106055349u, 2067951531382569187u,
    1292469707114105741u, 1615587133892632177u, 2019483917365790221u, 1262177448353618888u,
};

/* ceil(log2(5^e)) for 1 <= e <= 3528, and 1 for e = 0. */
static int32_t pow5_bits(int32_t e) { return (int32_t)(((uint32_t)e * 1217359u) >> 19) + 1; }
/* floor(log10(2^e)) for 0 <= e <= 1650. */
static uint32_t log10_pow2(int32_t e) { return ((uint32_t)e * 78913u) >> 18; }
/* floor(log10(5^e)) for 0 <= e <= 2620. */
static uint32_t log10_pow5(int32_t e) { return ((uint32_t)e * 732923u) >> 20; }

/* floor(m · factor / 2^shift) for a 32-bit m, a 64-bit factor and 32 <= shift < 96: the 96-bit
 * product in two halves (every shift used here is between 50 and 64). */
static uint32_t mul_shift(uint32_t m, uint64_t factor, int32_t shift)
{
    uint64_t low = (uint64_t)m * (uint32_t)factor;
    uint64_t high = (uint64_t)m * (factor >> 32);
    uint64_t top = (low >> 32) + high; /* = floor(m · factor / 2^32) */
    return (uint32_t)(top >> (shift - 32));
}

static int multiple_of_pow5(uint32_t v, uint32_t p)
{
    uint32_t count = 0;
    while (v != 0 && v % 5 == 0) {
        v /= 5;
        count++;
    }
    return count >= p;
}

static int multiple_of_pow2(uint32_t v, uint32_t p) { return (v & ((1u << p) - 1)) == 0; }

/* The shortest decimal digits·10^exp10 of the positive finite float (ieee_exponent, ieee_mantissa). */
static void shortest_decimal(uint32_t ieee_mantissa, uint32_t ieee_exponent, uint32_t *digits,
                             int32_t *exp10)
{
    int32_t e2;
    uint32_t m2;
    if (ieee_exponent == 0) { /* subnormal */
        e2 = 1 - F32_EXPONENT_BIAS - F32_MANTISSA_BITS - 2;
        m2 = ieee_mantissa;
    } else {
        e2 = (int32_t)ieee_exponent - F32_EXPONENT_BIAS - F32_MANTISSA_BITS - 2;
        m2 = (1u << F32_MANTISSA_BITS) | ieee_mantissa;
    }
    /* Round-to-nearest-even: an interval end is itself read back as this float only when the
     * mantissa is even. */
    const int ends_included = (m2 & 1) == 0;
    const uint32_t mv = 4 * m2, mp = 4 * m2 + 2;
    /* At a power of two (mantissa bits all zero) the float below is half as far away. */
    const uint32_t mm_shift = ieee_mantissa != 0 || ieee_exponent <= 1;
    const uint32_t mm = 4 * m2 - 1 - mm_shift;

    uint32_t vr, vp, vm, last_removed = 0;
    int32_t e10;
    int vm_trailing_zeros = 0, vr_trailing_zeros = 0;
    if (e2 >= 0) {
        const uint32_t q = log10_pow2(e2);
        e10 = (int32_t)q;
        const int32_t k = POW5_INV_BITS + pow5_bits((int32_t)q) - 1;
        const int32_t i = -e2 + (int32_t)q + k;
        vr = mul_shift(mv, POW5_INV[q], i);
        vp = mul_shift(mp, POW5_INV[q], i);
        vm = mul_shift(mm, POW5_INV[q], i);
        if (q != 0 && (vp - 1) / 10 <= vm / 10) {
            /* No digit will be removed below, but rounding needs the one q-1 would keep. */
            const int32_t l = POW5_INV_BITS + pow5_bits((int32_t)(q - 1)) - 1;
            last_removed = mul_shift(mv, POW5_INV[q - 1], -e2 + (int32_t)q - 1 + l) % 10;
        }
        if (q <= 9) {
            /* 5^9 < 2^24: only here can mv, mm or mp be divisible by 10^q; at most one of
             * them is a multiple of 5. */
            if (mv % 5 == 0)
                vr_trailing_zeros = multiple_of_pow5(mv, q);
            else if (ends_included)
                vm_trailing_zeros = multiple_of_pow5(mm, q);
            else
                vp -= (uint32_t)multiple_of_pow5(mp, q);
        }
    } else {
        const uint32_t q = log10_pow5(-e2);
        e10 = (int32_t)q + e2;
        const int32_t i = -e2 - (int32_t)q;
        const int32_t k = pow5_bits(i) - POW5_BITS;
        int32_t j = (int32_t)q - k;
        vr = mul_shift(mv, POW5[i], j);
        vp = mul_shift(mp, POW5[i], j);
        vm = mul_shift(mm, POW5[i], j);
        if (q != 0 && (vp - 1) / 10 <= vm / 10) {
            j = (int32_t)q - 1 - (pow5_bits(i + 1) - POW5_BITS);
            last_removed = mul_shift(mv, POW5[i + 1], j) % 10;
        }
        if (q <= 1) {
            /* mv = 4·m2 has two trailing zero bits, mm has one exactly when mm_shift is 1. */
            vr_trailing_zeros = 1;
            if (ends_included)
                vm_trailing_zeros = mm_shift == 1;
            else
                vp--;
        } else if (q < 31) {
            vr_trailing_zeros = multiple_of_pow2(mv, q - 1);
        }
    }

    int32_t removed = 0;
    uint32_t out;
    if (vm_trailing_zeros || vr_trailing_zeros) {
        /* The rare general case (~4%): exact ties and an included lower end need tracking. */
        while (vp / 10 > vm / 10) {
            vm_trailing_zeros &= vm % 10 == 0;
            vr_trailing_zeros &= last_removed == 0;
            last_removed = vr % 10;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
        if (vm_trailing_zeros) {
            while (vm != 0 && vm % 10 == 0) {
                vr_trailing_zeros &= last_removed == 0;
                last_removed = vr % 10;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
        }
        if (vr_trailing_zeros && last_removed == 5 && vr % 2 == 0)
            last_removed = 4; /* exactly halfway: round to even */
        out = vr + ((vr == vm && (!ends_included || !vm_trailing_zeros)) || last_removed >= 5);
    } else {
        while (vp / 10 > vm / 10) {
            last_removed = vr % 10;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
        out = vr + (vr == vm || last_removed >= 5);
    }
    *digits = out;
    *exp10 = e10 + removed;
}

static int decimal_length(uint32_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* Writes (negative) digits·10^exp10 in the shorter of fixed and scientific notation. */
static size_t format_decimal(int negative, uint32_t digits, int32_t exp10, char *out)
{
    while (digits >= 10 && digits % 10 == 0) { /* 250 is 25e1: two digits */
        digits /= 10;
        exp10++;
    }
    char d[10];
    const int n = decimal_length(digits);
    for (int i = n - 1; i >= 0; i--, digits /= 10)
        d[i] = (char)('0' + digits % 10);

    /* value = 0.d[0..n) · 10^point */
    const int32_t point = n + exp10, sci_exp = point - 1;
    const uint32_t sci_abs = (uint32_t)(sci_exp < 0 ? -sci_exp : sci_exp);
    const int sci_len = n + (n > 1) + 1 + (sci_exp < 0) + decimal_length(sci_abs);
    const int fixed_len = point >= n ? point : point > 0 ? n + 1 : 2 - point + n;
    char *p = out;
    if (negative)
        *p++ = '-';
    if (fixed_len <= sci_len) {
        if (point >= n) { /* an integer: the digits, then zeros */
            memcpy(p, d, (size_t)n);
            p += n;
            for (int32_t z = n; z < point; z++)
                *p++ = '0';
        } else if (point > 0) {
            memcpy(p, d, (size_t)point);
            p += point;
            *p++ = '.';
            memcpy(p, d + point, (size_t)(n - point));
            p += n - point;
        } else {
            *p++ = '0';
            *p++ = '.';
            for (int32_t z = point; z < 0; z++)
                *p++ = '0';
            memcpy(p, d, (size_t)n);
            p += n;
        }
    } else {
        *p++ = d[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, d + 1, (size_t)(n - 1));
            p += n - 1;
        }
        *p++ = 'e';
        if (sci_exp < 0)
            *p++ = '-';
        const int en = decimal_length(sci_abs);
        uint32_t rest = sci_abs;
        for (int i = en - 1; i >= 0; i--, rest /= 10)
            p[i] = (char)('0' + rest % 10);
        p += en;
    }
    *p = '\0';
    return (size_t)(p - out);
}

/* Powers of ten that are exact doubles (Clinger's fast path below). */
static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* 1 if the text (= digits·10^exp10) reads back as want through a double (strtod, then a cast:
 * Python's json then numpy float32), and, when direct is set, directly (strtof) too. The
 * double of digits·10^exp10 is one correctly rounded operation when |exp10| <= 22 (digits <
 * 2^30 is exact); strtod otherwise. */
static int reads_back(const char *text, uint32_t digits, int32_t exp10, float want, int direct)
{
    float f = direct ? strtof(text, NULL) : want;
    if (memcmp(&f, &want, sizeof want) != 0)
        return 0;
    double d = exp10 >= 0 && exp10 <= 22  ? (double)digits * POW10[exp10]
               : exp10 < 0 && exp10 >= -22 ? (double)digits / POW10[-exp10]
                                           : strtod(text, NULL);
    float back = (float)d;
    return memcmp(&back, &want, sizeof want) == 0;
}

/* The rare float whose shortest digits lie so close to the midpoint with a neighbour that the
 * nearest double is that midpoint, which the cast then rounds (to even) onto the neighbour;
 * e.g. 0x15ae43fd: "7.038531e-26" reads back through strtof but not through a double. The
 * shortest decimal that both read back: at each length from the shortest on, the correctly
 * rounded one and its two neighbours; 9 digits always do (they are within 5e-10 of the value,
 * the midpoints 3e-8 away). */
static size_t shortest_for_both(float v, int from_digits, char out[F32_SHORTEST_MAX])
{
    const float a = v < 0 ? -v : v;
    for (int n = from_digits; n <= 9; n++) {
        char text[40];
        snprintf(text, sizeof text, "%.*e", n - 1, (double)a);
        uint32_t rounded = 0;
        const char *q = text;
        for (; *q && *q != 'e'; q++)
            if (*q >= '0' && *q <= '9')
                rounded = rounded * 10 + (uint32_t)(*q - '0');
        const int32_t exp10 = (int32_t)strtol(q + 1, NULL, 10) - (n - 1);
        static const int deltas[3] = {0, -1, 1};
        for (int k = 0; k < 3; k++) {
            uint32_t digits = rounded + (uint32_t)deltas[k];
            if (digits == 0)
                continue;
            format_decimal(0, digits, exp10, text);
            if (reads_back(text, digits, exp10, a, 1))
                return format_decimal(v < 0, digits, exp10, out);
        }
    }
    return format_decimal(v < 0, 0, 0, out); /* not reached: 9 digits always read back */
}

size_t f32_shortest(float v, char out[F32_SHORTEST_MAX])
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    const int negative = (int)(bits >> 31);
    const uint32_t ieee_exponent = (bits >> F32_MANTISSA_BITS) & 0xffu;
    const uint32_t ieee_mantissa = bits & ((1u << F32_MANTISSA_BITS) - 1);
    if (ieee_exponent == 0xffu) {
        out[0] = '\0';
        return 0;
    }
    if (ieee_exponent == 0 && ieee_mantissa == 0) {
        const char *zero = negative ? "-0.0" : "0";
        size_t n = strlen(zero);
        memcpy(out, zero, n + 1);
        return n;
    }
    uint32_t digits;
    int32_t exp10;
    shortest_decimal(ieee_mantissa, ieee_exponent, &digits, &exp10);
    size_t len = format_decimal(negative, digits, exp10, out);
    const float a = negative ? -v : v;
    /* Ryu's digits read back through strtof by construction; the double path is checked */
    if (!reads_back(out + negative, digits, exp10, a, 0))
        len = shortest_for_both(v, decimal_length(digits), out);
    return len;
}
