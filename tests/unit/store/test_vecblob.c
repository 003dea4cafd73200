#include <math.h>
#include <string.h>

#include "check.h"
#include "vecblob.h"

static void test_layout_is_little_endian_float32(void)
{
    float v[3] = {1.0f, -2.5f, 0.15625f};
    unsigned char blob[12];
    vecblob_encode(v, 3, blob);
    /* 1.0f = 0x3f800000, -2.5f = 0xc0200000, 0.15625f = 0x3e200000, least significant first */
    const unsigned char want[12] = {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0,
                                    0x00, 0x00, 0x20, 0x3e};
    CHECK(memcmp(blob, want, 12) == 0);
    float back[3];
    vecblob_decode(blob, 3, back);
    CHECK(memcmp(back, v, sizeof v) == 0);
}

/* The bytes a writer binds are the stored layout, whether or not they are v's own. */
static void test_bytes_are_the_stored_layout(void)
{
    float v[3] = {1.0f, -2.5f, 0.15625f};
    unsigned char scratch[12], blob[12];
    memset(scratch, 0xAA, sizeof scratch);
    vecblob_encode(v, 3, blob);
    CHECK(memcmp(vecblob_bytes(v, 3, scratch), blob, 12) == 0);
}

static void test_validate(void)
{
    char why[SV_ERR_LEN];
    float ok[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    CHECK(vecblob_validate(ok, 4, 4, why) == 0);
    CHECK(vecblob_validate(ok, 4, 8, why) == 1);
    CHECK(strstr(why, "4 dimensions") && strstr(why, "expects 8"));
    float nan_v[4] = {0.1f, NAN, 0.1f, 0.1f};
    CHECK(vecblob_validate(nan_v, 4, 4, why) == 1);
    CHECK(strstr(why, "NaN at index 1") != NULL);
    float inf_v[4] = {0.1f, 0.1f, 0.1f, -INFINITY};
    CHECK(vecblob_validate(inf_v, 4, 4, why) == 1);
    CHECK(strstr(why, "Inf at index 3") != NULL);
    float zero[4] = {0};
    CHECK(vecblob_validate(zero, 4, 4, why) == 1);
    CHECK(strstr(why, "all zeros") != NULL);
}

int main(void)
{
    test_layout_is_little_endian_float32();
    test_bytes_are_the_stored_layout();
    test_validate();
    return check_summary();
}
