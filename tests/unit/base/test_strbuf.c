/* strbuf: appends keep the string NUL-terminated, a NUL byte may sit inside it, growth doubles
 * from 256 but a large reservation gets an eighth (at most 4 KiB) of slack, out of memory is
 * sticky until strbuf_clear, and strbuf_clear keeps the buffer. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "strbuf.h"

int main(void)
{
    strbuf b = {0};
    CHECK(strbuf_add(&b, "", 0) == 0 && b.s && b.len == 0 && b.s[0] == '\0');
    CHECK(b.cap == 256);
    CHECK(strbuf_add_str(&b, "Title: ") == 0 && strbuf_add(&b, "Dusty Keys", 5) == 0);
    CHECK(b.len == 12 && strcmp(b.s, "Title: Dusty") == 0);
    CHECK(strbuf_add_byte(&b, '\0') == 0 && strbuf_add_byte(&b, 'x') == 0);
    CHECK(b.len == 14 && memcmp(b.s, "Title: Dusty\0x", 15) == 0); /* and the NUL after */

    /* doubling while an append is at most a quarter of the grown size; past that, what it needs
     * and 4 KiB */
    char big[5000];
    memset(big, 'a', sizeof big);
    CHECK(strbuf_add(&b, big, 100) == 0 && strbuf_add(&b, big, 100) == 0 && b.cap == 256);
    CHECK(strbuf_add(&b, big, 100) == 0 && b.cap == 512); /* 314 + 1 > 256: doubled */
    CHECK(strbuf_add(&b, big, 5000) == 0 && b.cap == 314 + 5000 + 1 + 625); /* 5000 > 8192 / 4 */
    CHECK(b.len == 5314 && b.s[b.len] == '\0' && b.s[5313] == 'a');
    strbuf huge = {0}; /* the slack stops at 4 KiB */
    CHECK(strbuf_reserve(&huge, 100000) == 0 && huge.cap == 100001 + 4096);
    strbuf_free(&huge);

    /* out of memory (a reservation past SIZE_MAX): sticky, the string untouched */
    char *before = b.s;
    CHECK(strbuf_reserve(&b, SIZE_MAX - 10) == -1 && b.oom);
    CHECK(strbuf_add(&b, "z", 1) == -1 && strbuf_add_byte(&b, 'z') == -1);
    CHECK(b.len == 5314 && b.s == before && b.s[b.len] == '\0');
    strbuf_clear(&b); /* forgets it, keeps the buffer */
    CHECK(!b.oom && b.len == 0 && b.s == before && b.s[0] == '\0');
    CHECK(strbuf_add_str(&b, "again") == 0 && strcmp(b.s, "again") == 0);

    strbuf_free(&b);
    CHECK(b.s == NULL && b.len == 0 && b.cap == 0 && !b.oom);
    return check_summary();
}
