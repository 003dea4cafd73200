/* termtext: widths by terminal columns, cutting at the end or in the middle with "…",
 * control characters masked, counts with separators. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "termtext.h"

static const char *fit(const char *s, int cols, termtext_cut how, int pad)
{
    static char out[256];
    termtext_fit(s, cols, how, pad, out, sizeof out);
    return out;
}

int main(void)
{
    CHECK(termtext_width("abc") == 3);
    CHECK(termtext_width("日本") == 4);          /* wide characters take two columns */
    CHECK(termtext_width("e\xcc\x81") == 1);      /* a combining accent takes none */
    CHECK(termtext_width("a\x1b[31mb") == 7);    /* ESC shown as '?', one column */
    CHECK(termtext_width("\xff") == 1);          /* invalid UTF-8 too */

    CHECK_STR_EQ(fit("short", 10, TERMTEXT_CUT_END, 0), "short");
    CHECK_STR_EQ(fit("short", 8, TERMTEXT_CUT_END, 1), "short   ");
    CHECK_STR_EQ(fit("a long title", 7, TERMTEXT_CUT_END, 0), "a long…");
    CHECK_STR_EQ(fit("/home/me/music/library/samplevec.db", 20, TERMTEXT_CUT_MIDDLE, 0), "/home/me/…mplevec.db");
    CHECK(termtext_width(fit("/home/me/music/library/samplevec.db", 20, TERMTEXT_CUT_MIDDLE, 0)) <= 20);
    CHECK_STR_EQ(fit("日本語のタイトル", 8, TERMTEXT_CUT_END, 1), "日本語… "); /* never half a wide char */
    CHECK_STR_EQ(fit("red\x1b[31mline\nbreak", 40, TERMTEXT_CUT_END, 0), "red?[31mline?break");
    CHECK_STR_EQ(fit("abc", 1, TERMTEXT_CUT_MIDDLE, 0), "…");
    CHECK_STR_EQ(fit("abc", 0, TERMTEXT_CUT_END, 0), "");
    for (int cols = 1; cols < 30; cols++) /* never wider than asked */
        CHECK(termtext_width(fit("a/b/c/日本/d/e/f/very-long-file-name.db", cols, TERMTEXT_CUT_MIDDLE, 1)) == cols);

    char n[TERMTEXT_COUNT_LEN];
    CHECK_STR_EQ(termtext_count(0, n), "0");
    CHECK_STR_EQ(termtext_count(999, n), "999");
    CHECK_STR_EQ(termtext_count(1000, n), "1,000");
    CHECK_STR_EQ(termtext_count(2437, n), "2,437");
    CHECK_STR_EQ(termtext_count(-1234567, n), "-1,234,567");
    CHECK_STR_EQ(termtext_count(INT64_MIN, n), "-9,223,372,036,854,775,808");

    setenv("COLUMNS", "42", 1);
    CHECK(termtext_columns(1) == 42);
    setenv("COLUMNS", "0x50", 1); /* not a number: ignored */
    CHECK(termtext_columns(-1) == 0);
    unsetenv("COLUMNS");
    CHECK(termtext_columns(-1) == 0); /* not a terminal */
    return check_summary();
}
