/* termtext: text for a person at a terminal, measured in columns.
 *
 * Widths are display columns as utf8proc counts them (a CJK character is 2, a combining mark
 * 0). Bytes a terminal must never receive raw (invalid UTF-8, C0/C1 control characters such
 * as ESC or a line break) are shown as '?' and count 1, so a hostile title cannot move the
 * cursor or wrap a line. Counts for people carry thousands separators (2,437); --json output
 * never goes through here. */
#ifndef SAMPLEVEC_TERMTEXT_H
#define SAMPLEVEC_TERMTEXT_H

#include <stddef.h>
#include <stdint.h>

#define TERMTEXT_COUNT_LEN 32 /* room for any int64 with separators */

typedef enum termtext_cut {
    TERMTEXT_CUT_END,    /* "a long title…": titles, names */
    TERMTEXT_CUT_MIDDLE, /* "/home/me/…/samplevec.db": paths, where both ends matter */
} termtext_cut;

/* Columns s takes on screen (control characters and invalid bytes as '?'). */
int termtext_width(const char *s);

/* Writes s into out (cap bytes, always NUL-terminated) in at most `cols` columns, cut with
 * "…" where `how` says when it is wider, control characters masked as '?'. When `pad` is
 * set, spaces fill it to exactly `cols` columns. Returns the columns written. */
int termtext_fit(const char *s, int cols, termtext_cut how, int pad, char *out, size_t cap);

/* n with a comma every three digits: 1234567 → "1,234,567", -1234 → "-1,234". Returns out. */
char *termtext_count(int64_t n, char out[TERMTEXT_COUNT_LEN]);

/* The terminal's width in columns for the stream on file descriptor fd: $COLUMNS when set to
 * a number (a user's or a test's choice wins), else the terminal's own size (TIOCGWINSZ),
 * else 0 (not a terminal and no $COLUMNS: no limit). */
int termtext_columns(int fd);

#endif
