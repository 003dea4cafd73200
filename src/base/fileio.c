#include "fileio.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

char *fileio_read_all(const char *path, size_t max_bytes, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    int error = 0;
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max_bytes) {
                error = EFBIG;
                goto fail;
            }
            size_t grown_cap = cap ? cap * 2 : 65536;
            char *grown = realloc(buf, grown_cap);
            if (!grown) {
                error = ENOMEM;
                goto fail;
            }
            buf = grown;
            cap = grown_cap;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        error = EIO;
        goto fail;
    }
    if (n > max_bytes) {
        error = EFBIG;
        goto fail;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
fail:
    fclose(f);
    free(buf);
    errno = error;
    return NULL;
}

int fileio_temp_path(const char *path, char *out, size_t cap)
{
    static atomic_ulong next;
    unsigned long n = atomic_fetch_add(&next, 1);
    int len = snprintf(out, cap, "%s.tmp.%ld.%lu", path, (long)getpid(), n);
    return len < 0 || (size_t)len >= cap ? -1 : 0;
}
