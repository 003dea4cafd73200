#include "strbuf.h"

#include <stdint.h>
#include <stdlib.h>

/* Out of memory from now on: cap 0 sends every later append here (strbuf.h). */
static int fail(strbuf *b)
{
    b->oom = 1;
    b->cap = 0;
    return -1;
}

int strbuf_reserve(strbuf *b, size_t more)
{
    if (b->oom || more > SIZE_MAX - b->len - 4098)
        return fail(b);
    size_t need = b->len + more + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (more > cap / 4) /* a large piece: what it needs and an eighth more, up to 4 KiB */
        cap = need + (more / 8 < 4096 ? more / 8 : 4096);
    char *s = realloc(b->s, cap);
    if (!s)
        return fail(b);
    b->s = s;
    b->cap = cap;
    b->s[b->len] = '\0';
    return 0;
}

void strbuf_free(strbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}
