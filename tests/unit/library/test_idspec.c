/* idspec: parsing, merging, membership, and the error text for each kind of bad part. */
#include "check.h"
#include "idspec.h"

#include <stdlib.h>

/* Parses text and checks its ranges equal want (pairs lo,hi; n ranges). */
static void expect_ranges(const char *text, const int64_t *want, size_t n)
{
    char err[SV_ERR_LEN] = "";
    idspec *s = idspec_parse(text, err);
    CHECK(s != NULL);
    if (!s) {
        fprintf(stderr, "  parse '%s' failed: %s\n", text, err);
        return;
    }
    CHECK(s->n == n);
    if (s->n == n)
        for (size_t i = 0; i < n; i++) {
            CHECK(s->ranges[i].lo == want[2 * i]);
            CHECK(s->ranges[i].hi == want[2 * i + 1]);
        }
    idspec_free(s);
}

/* Parse must fail and err must contain each of the given fragments. */
static void expect_error(const char *text, const char *frag1, const char *frag2)
{
    char err[SV_ERR_LEN] = "";
    idspec *s = idspec_parse(text, err);
    CHECK(s == NULL);
    idspec_free(s);
    CHECK(strstr(err, frag1) != NULL);
    if (frag2)
        CHECK(strstr(err, frag2) != NULL);
    if (!strstr(err, frag1) || (frag2 && !strstr(err, frag2)))
        fprintf(stderr, "  '%s' → err '%s'\n", text ? text : "(null)", err);
}

int main(void)
{
    expect_ranges("1,5,10-20,100-200", (const int64_t[]){1, 1, 5, 5, 10, 20, 100, 200}, 4);
    /* Unsorted input is sorted; overlapping and adjacent ranges merge. */
    expect_ranges("100-200,5,1", (const int64_t[]){1, 1, 5, 5, 100, 200}, 3);
    expect_ranges("10-20,15-30,31,33", (const int64_t[]){10, 31, 33, 33}, 2);
    expect_ranges("3,2,1,4-4", (const int64_t[]){1, 4}, 1);
    expect_ranges("5-10,1-100", (const int64_t[]){1, 100}, 1);
    expect_ranges("7,7,7", (const int64_t[]){7, 7}, 1);
    /* Spaces around parts and the dash are tolerated. */
    expect_ranges(" 1 , 5 - 9 ", (const int64_t[]){1, 1, 5, 9}, 2);
    expect_ranges("0", (const int64_t[]){0, 0}, 1);
    expect_ranges("9223372036854775807", (const int64_t[]){INT64_MAX, INT64_MAX}, 1);
    /* samples.id is any int64: a leading '-' is a sign, the next '-' separates a range */
    expect_ranges("-5", (const int64_t[]){-5, -5}, 1);
    expect_ranges("-10--5,-5-3", (const int64_t[]){-10, 3}, 1);
    expect_ranges(" -3 - -1 ", (const int64_t[]){-3, -1}, 1);
    expect_ranges("-9223372036854775808", (const int64_t[]){INT64_MIN, INT64_MIN}, 1);
    expect_ranges("-9223372036854775808-9223372036854775807",
                  (const int64_t[]){INT64_MIN, INT64_MAX}, 1);
    expect_ranges("9223372036854775806-9223372036854775807,1",
                  (const int64_t[]){1, 1, INT64_MAX - 1, INT64_MAX}, 2);

    expect_error("5-2", "'5-2'", "backwards");
    expect_error("1,5-2,9", "'5-2'", "2-5");
    expect_error("1,abc", "'abc'", "not a number");
    expect_error("1,2x", "'2x'", "not a number");
    expect_error("1.5", "'1.5'", "not a number");
    expect_error("", "empty", NULL);
    expect_error("   ", "empty", NULL);
    expect_error("1,,2", "empty part", "'1,,2'");
    expect_error("1,", "empty part", NULL);
    expect_error(",1", "empty part", NULL);
    expect_error("+5", "'+5'", "leading '-'");
    expect_error("--5", "'--5'", "leading '-'");
    expect_error("-", "'-'", "leading '-'");
    expect_error("- 5", "'- 5'", "leading '-'");
    expect_error("5--3", "'5--3'", "backwards");
    expect_error("-9223372036854775809", "out of range", "'-9223372036854775809'");
    expect_error("3-", "'3-'", "missing number");
    expect_error("9223372036854775808", "out of range", "'9223372036854775808'");
    expect_error("1-99999999999999999999999", "out of range", NULL);
    expect_error(NULL, "no sample ids", NULL);

    char err[SV_ERR_LEN];
    /* the canonical text reads back to the same ranges */
    const char *texts[][2] = {{"100-200, 5,1,2", "1-2,5,100-200"},
                              {"-9223372036854775808--9223372036854775807,9223372036854775807",
                               "-9223372036854775808--9223372036854775807,9223372036854775807"},
                              {"7,7", "7"}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        idspec *a = idspec_parse(texts[i][0], err);
        char *text = a ? idspec_format(a) : NULL;
        CHECK_STR_EQ(text, texts[i][1]);
        idspec *b = text ? idspec_parse(text, err) : NULL;
        CHECK(a && b && a->n == b->n && memcmp(a->ranges, b->ranges, a->n * sizeof *a->ranges) == 0);
        free(text);
        idspec_free(a);
        idspec_free(b);
    }
    idspec *s = idspec_parse("1,5,10-20,100-200", err);
    CHECK(s != NULL);
    int64_t in[] = {1, 5, 10, 15, 20, 100, 150, 200};
    int64_t out[] = {0, 2, 4, 6, 9, 21, 99, 201, -1, INT64_MAX};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        CHECK(idspec_contains(s, in[i]));
    for (size_t i = 0; i < sizeof out / sizeof *out; i++)
        CHECK(!idspec_contains(s, out[i]));
    CHECK(!idspec_contains(NULL, 1));
    idspec_free(s);
    idspec_free(NULL);

    /* Many parts: every even id up to 2000 stays separate; membership agrees with parity. */
    size_t len = 0, cap = 16 * 1001;
    char *big = malloc(cap);
    CHECK(big != NULL);
    if (big) {
        for (int i = 2000; i >= 0; i -= 2)
            len += (size_t)snprintf(big + len, cap - len, "%s%d", len ? "," : "", i);
        s = idspec_parse(big, err);
        CHECK(s && s->n == 1001);
        int ok = 1;
        for (int64_t i = -1; s && i <= 2002; i++)
            ok &= idspec_contains(s, i) == (i >= 0 && i <= 2000 && i % 2 == 0);
        CHECK(ok);
        idspec_free(s);
        free(big);
    }
    return check_summary();
}
