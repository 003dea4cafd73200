/* vecjson: encode → decode gives the same bits; the app's own writing (Python's json.dumps of
 * doubles, ", " separators) reads as the app reads it (double, then float32); malformed text
 * is refused with the offset where it fails. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vecjson.h"

static uint32_t bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

int main(void)
{
    enum { DIMS = 1536 };
    static float v[DIMS], back[DIMS];
    static char text[VECJSON_MAX_BYTES(DIMS)];
    uint64_t s = 12345;
    int same = 1;
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < DIMS; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t r = (uint32_t)(s >> 32);
            /* vector-like values, exact zeros, and arbitrary finite bit patterns */
            if (round % 3 == 0) {
                v[i] = (i % 7 == 0) ? 0.0f : ((float)(int32_t)r / 2147483648.0f) * 0.08f;
            } else {
                uint32_t b = r;
                if (((b >> 23) & 0xff) == 0xff)
                    b &= ~(1u << 30);
                memcpy(&v[i], &b, 4);
            }
        }
        size_t len = vecjson_encode(v, DIMS, text);
        size_t bad = 0;
        long n = vecjson_decode(text, back, DIMS, &bad);
        same &= len == strlen(text) && len < sizeof text && n == DIMS;
        for (int i = 0; i < DIMS; i++)
            same &= bits(back[i]) == bits(v[i]);
    }
    CHECK(same);

    /* exact text for a small vector */
    float small[5] = {0.0f, -0.0f, 0.5f, -1.25e-7f, 3.0f};
    CHECK(vecjson_encode(small, 5, text) > 0);
    CHECK_STR_EQ(text, "[0,-0.0,0.5,-1.25e-7,3]");
    float z[1];
    size_t bad;
    CHECK(vecjson_decode("[-0]", z, 1, &bad) == 1 && bits(z[0]) == 0);           /* Python: int 0 */
    CHECK(vecjson_decode("[-0.0]", z, 1, &bad) == 1 && bits(z[0]) == 0x80000000u);
    CHECK(vecjson_encode((float[]){1.0f, NAN}, 2, text) == 0);
    CHECK(vecjson_encode((float[]){INFINITY}, 1, text) == 0);

    /* what the app writes: json.dumps of Python floats (17 significant digits at most) */
    const char *app = " [0.012345678901234567, -1e-05, 2.5, 1.0000000596046448, 3e38 ,0]\n";
    float got[6];
    CHECK(vecjson_decode(app, got, 6, &bad) == 6);
    CHECK(bits(got[0]) == bits((float)strtod("0.012345678901234567", NULL)));
    CHECK(bits(got[1]) == bits((float)-1e-05));
    CHECK(got[2] == 2.5f);
    /* a tie between two floats after the double rounding: numpy rounds the double, as we do */
    CHECK(bits(got[3]) == bits((float)1.0000000596046448));
    CHECK(got[4] == (float)3e38 && got[5] == 0.0f);
    /* more numbers than room: counted, the first cap stored */
    CHECK(vecjson_decode("[1,2,3]", got, 2, &bad) == 3 && got[0] == 1.0f && got[1] == 2.0f);
    CHECK(vecjson_decode("[]", got, 2, &bad) == 0);
    CHECK(vecjson_decode("[1e400]", got, 1, &bad) == 1 && isinf(got[0]));

    static const struct {
        const char *text;
        size_t at;
    } malformed[] = {
        {"", 0},          {"1,2", 0},        {"[1,2", 4},     {"[1,,2]", 3},    {"[1 2]", 3},
        {"[01]", 2},      {"[.5]", 1},       {"[1.]", 3},     {"[1e]", 3},      {"[NaN]", 1},
        {"[Infinity]", 1}, {"[\"1\"]", 1},   {"[1]x", 3},     {"[+1]", 1},      {"[-]", 2},
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        bad = 999;
        long n = vecjson_decode(malformed[i].text, got, 6, &bad);
        CHECK(n == -1);
        if (n == -1 && bad != malformed[i].at)
            fprintf(stderr, "'%s': failed at %zu, want %zu\n", malformed[i].text, bad, malformed[i].at);
        CHECK(bad == malformed[i].at);
    }
    return check_summary();
}
