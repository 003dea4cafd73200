/* strbuf: a string built by appending, NUL-terminated after every append: the one appender
 * behind the texts samplevec builds piece by piece (a sample's source text, the keyword
 * fields, a prepared keyword entry, an FTS5 query expression).
 *
 * Out of memory is sticky: the first append that cannot grow the buffer sets `oom`, and every
 * append after it does nothing, so a builder may check once at the end. The buffer grows by
 * doubling from 256 bytes, except that a reservation of more than a quarter of the grown size
 * takes what it asks and an eighth more, up to 4 KiB: a field of megabytes (a long vibe
 * description) costs no doubling slack, and a buffer sized once for its text (a prepared
 * keyword entry, kept until its commit) little more than that text. */
#ifndef SAMPLEVEC_STRBUF_H
#define SAMPLEVEC_STRBUF_H

#include <stddef.h>
#include <string.h>

typedef struct strbuf {
    char *s;    /* NULL until the first append or reservation; then s[len] == '\0' */
    size_t len; /* bytes, not counting that NUL */
    size_t cap; /* 0 once out of memory, so that every append takes the slow path and fails */
    int oom;
} strbuf;

/* Makes room for `more` bytes and the NUL after them. 0, or -1 (and oom) when out of memory. */
int strbuf_reserve(strbuf *b, size_t more);

/* Appends s[0, n). 0, or -1 when out of memory now or before. Inline: called per token on the
 * keyword index's path. */
static inline int strbuf_add(strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap && strbuf_reserve(b, n) != 0)
        return -1;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

/* Appends one byte (which may be '\0': a separator inside the string). As strbuf_add. */
static inline int strbuf_add_byte(strbuf *b, char c) { return strbuf_add(b, &c, 1); }

/* strbuf_add of a NUL-terminated string. */
static inline int strbuf_add_str(strbuf *b, const char *s) { return strbuf_add(b, s, strlen(s)); }

/* Empties b for reuse, keeping its buffer, and forgets an earlier out of memory. */
static inline void strbuf_clear(strbuf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->s)
        b->s[0] = '\0';
}

/* Frees the buffer and makes b empty again ({0}). */
void strbuf_free(strbuf *b);

#endif
