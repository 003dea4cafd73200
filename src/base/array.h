/* array: growing a malloc'd array by doubling, the one helper behind the model tokenizers'
 * growing arrays (token ids, code points, merge heaps). Strings built by appending use
 * strbuf.h. */
#ifndef SAMPLEVEC_ARRAY_H
#define SAMPLEVEC_ARRAY_H

#include <stddef.h>

/* Makes *buf (a malloc'd array of *cap elements of `elem` bytes, or NULL with *cap 0) hold at
 * least `need` elements, doubling from 64; the contents are kept. 0, or -1 when out of memory or
 * the size overflows (*buf and *cap are then unchanged). */
int array_grow(void **buf, size_t *cap, size_t need, size_t elem);

#endif
