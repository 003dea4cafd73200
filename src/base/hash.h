/* hash: the source-text fingerprint that decides whether a stored vector is still current. */
#ifndef SAMPLEVEC_HASH_H
#define SAMPLEVEC_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SV_HASH_HEX_LEN 16

/* 64-bit FNV-1a of the bytes. */
uint64_t hash_fnv1a64(const void *data, size_t len);
/* hash_fnv1a64 of text as 16 lowercase hex digits plus NUL. */
void hash_source_hex(const char *text, char out[SV_HASH_HEX_LEN + 1]);

#endif
