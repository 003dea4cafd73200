#include "array.h"

#include <stdint.h>
#include <stdlib.h>

int array_grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return -1;
        c *= 2;
    }
    if (elem == 0 || c > SIZE_MAX / elem)
        return -1;
    void *g = realloc(*buf, c * elem);
    if (!g)
        return -1;
    *buf = g;
    *cap = c;
    return 0;
}
