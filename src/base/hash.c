#include "hash.h"

#include <stdio.h>
#include <string.h>

uint64_t hash_fnv1a64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

void hash_source_hex(const char *text, char out[SV_HASH_HEX_LEN + 1])
{
    snprintf(out, SV_HASH_HEX_LEN + 1, "%016llx",
             (unsigned long long)hash_fnv1a64(text, strlen(text)));
}
