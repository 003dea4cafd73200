/* numparse: decimal only, whole input, range of int64 exactly; no hex, exponents, inf/nan,
 * signs other than a leading '-', or spaces. */
#include <stdint.h>

#include "check.h"
#include "numparse.h"

int main(void)
{
    int64_t v = 0;
    CHECK(numparse_int64("90", &v) == 0 && v == 90);
    CHECK(numparse_int64("-5", &v) == 0 && v == -5);
    CHECK(numparse_int64("010", &v) == 0 && v == 10); /* decimal, not octal */
    CHECK(numparse_int64("9223372036854775807", &v) == 0 && v == INT64_MAX);
    CHECK(numparse_int64("-9223372036854775808", &v) == 0 && v == INT64_MIN);
    v = 7;
    const char *bad_ints[] = {"", "-", "0x5A", "5A", " 5", "5 ", "+5", "1e2", "9223372036854775808",
                              "-9223372036854775809", "1.0", "--1", "٣"};
    for (size_t i = 0; i < sizeof bad_ints / sizeof bad_ints[0]; i++)
        CHECK(numparse_int64(bad_ints[i], &v) != 0);
    CHECK(v == 7); /* untouched on failure */

    double d = 0;
    CHECK(numparse_decimal("90", &d) == 0 && d == 90);
    CHECK(numparse_decimal("0.75", &d) == 0 && d == 0.75);
    CHECK(numparse_decimal("-0.5", &d) == 0 && d == -0.5);
    CHECK(numparse_decimal(".5", &d) == 0 && d == 0.5);
    CHECK(numparse_decimal("90.", &d) == 0 && d == 90);
    const char *bad_decimals[] = {"", ".", "-", "0x5A", "0x1p3", "1e2", "inf", "nan", "+1", " 1", "1 ",
                                  "1,5", "1.2.3"};
    for (size_t i = 0; i < sizeof bad_decimals / sizeof bad_decimals[0]; i++)
        CHECK(numparse_decimal(bad_decimals[i], &d) != 0);

    /* prefixes, for ranges such as 85-95 */
    const char *end = NULL;
    CHECK(numparse_decimal_prefix("85-95", &d, &end) == 0 && d == 85 && *end == '-');
    CHECK(numparse_decimal_prefix("0x5A", &d, &end) == 0 && d == 0 && *end == 'x'); /* "0", then junk */
    CHECK(numparse_decimal_prefix("x", &d, &end) != 0 && *end == 'x');
    return check_summary();
}
