#include "termtext.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <utf8proc.h>

#include "numparse.h"

#define ELLIPSIS "\xe2\x80\xa6" /* "…", one column */

/* One character at p: its byte length, its columns, and whether it must be shown as '?'. */
static size_t char_at(const char *s, int *width, int *masked)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp);
    if (len <= 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
        *width = 1;
        *masked = 1;
        return len > 0 ? (size_t)len : 1;
    }
    int w = utf8proc_charwidth(cp);
    *width = w < 0 ? 0 : w;
    *masked = 0;
    return (size_t)len;
}

int termtext_width(const char *s)
{
    int total = 0, w, masked;
    for (const char *p = s ? s : ""; *p; p += char_at(p, &w, &masked))
        total += (char_at(p, &w, &masked), w);
    return total;
}

/* Appends bytes to out[*len] when they fit (cap keeps one byte for the NUL). */
static void put(char *out, size_t cap, size_t *len, const char *bytes, size_t n)
{
    if (*len + n < cap) {
        memcpy(out + *len, bytes, n);
        *len += n;
    }
}

/* Copies the characters of [from, to) (to NULL: the end) using at most `cols` columns;
 * returns the columns used and sets *stop where it stopped. */
static int copy_span(const char *from, const char *to, int cols, char *out, size_t cap, size_t *len,
                     const char **stop)
{
    int used = 0, w, masked;
    const char *p = from;
    while (*p && (!to || p < to)) {
        size_t n = char_at(p, &w, &masked);
        if (used + w > cols)
            break;
        if (masked)
            put(out, cap, len, "?", 1);
        else
            put(out, cap, len, p, n);
        used += w;
        p += n;
    }
    if (stop)
        *stop = p;
    return used;
}

int termtext_fit(const char *s, int cols, termtext_cut how, int pad, char *out, size_t cap)
{
    size_t len = 0;
    int used = 0;
    if (!s)
        s = "";
    if (cap == 0)
        return 0;
    if (cols < 0)
        cols = 0;
    int total = termtext_width(s);
    if (total <= cols) {
        used = copy_span(s, NULL, cols, out, cap, &len, NULL);
    } else if (cols >= 1) {
        int room = cols - 1; /* the ellipsis takes one */
        if (how == TERMTEXT_CUT_MIDDLE && room >= 2) {
            int tail_cols = room - room / 2, w, masked;
            used = copy_span(s, NULL, room / 2, out, cap, &len, NULL);
            put(out, cap, &len, ELLIPSIS, sizeof ELLIPSIS - 1);
            used++;
            /* the tail starts where what is left fits in tail_cols */
            const char *tail = s;
            int rest = total;
            while (*tail && rest > tail_cols) {
                size_t n = char_at(tail, &w, &masked);
                rest -= w;
                tail += n;
            }
            used += copy_span(tail, NULL, tail_cols, out, cap, &len, NULL);
        } else {
            used = copy_span(s, NULL, room, out, cap, &len, NULL);
            put(out, cap, &len, ELLIPSIS, sizeof ELLIPSIS - 1);
            used++;
        }
    }
    for (; pad && used < cols; used++)
        put(out, cap, &len, " ", 1);
    out[len] = '\0';
    return used;
}

char *termtext_count(int64_t n, char out[TERMTEXT_COUNT_LEN])
{
    char digits[24];
    /* the magnitude as unsigned, so INT64_MIN has one too */
    uint64_t m = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    size_t len = 0;
    if (n < 0)
        out[len++] = '-';
    for (int i = nd - 1; i >= 0; i--) {
        out[len++] = digits[i];
        if (i > 0 && i % 3 == 0)
            out[len++] = ',';
    }
    out[len] = '\0';
    return out;
}

int termtext_columns(int fd)
{
    const char *env = getenv("COLUMNS");
    int64_t v;
    if (env && numparse_int64(env, &v) == 0 && v > 0 && v < 10000)
        return (int)v;
    struct winsize ws;
    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}
