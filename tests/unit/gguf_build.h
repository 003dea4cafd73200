/* gguf_build.h: a metadata-only GGUF v3 file (no tensors) built in memory, for the tokenizer
 * tests. gb_* append one key each; gb_done patches the key count and returns the bytes
 * (caller frees b->p). Little-endian host assumed, as the tests run on x86-64. Not a test
 * itself: CMake only builds tests/unit/test_*.c. */
#ifndef SAMPLEVEC_TEST_GGUF_BUILD_H
#define SAMPLEVEC_TEST_GGUF_BUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"

typedef struct gguf_build {
    unsigned char *p;
    size_t n, cap;
    uint64_t n_kv;
} gguf_build;

static inline void gb_put(gguf_build *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}
static inline void gb_u32v(gguf_build *b, uint32_t v) { gb_put(b, &v, 4); }
static inline void gb_u64v(gguf_build *b, uint64_t v) { gb_put(b, &v, 8); }
static inline void gb_strv(gguf_build *b, const char *s, size_t len)
{
    gb_u64v(b, len);
    gb_put(b, s, len);
}

/* Header: "GGUF", version 3, 0 tensors, the key count (patched by gb_done). */
static inline void gb_begin(gguf_build *b)
{
    memset(b, 0, sizeof *b);
    gb_put(b, "GGUF", 4);
    gb_u32v(b, 3);
    gb_u64v(b, 0);
    gb_u64v(b, 0);
}
static inline void gb_key(gguf_build *b, const char *key, uint32_t type)
{
    gb_strv(b, key, strlen(key));
    gb_u32v(b, type);
    b->n_kv++;
}
static inline void gb_str(gguf_build *b, const char *key, const char *v)
{
    gb_key(b, key, GGUF_T_STRING);
    gb_strv(b, v, strlen(v));
}
static inline void gb_u32(gguf_build *b, const char *key, uint32_t v)
{
    gb_key(b, key, GGUF_T_U32);
    gb_u32v(b, v);
}
static inline void gb_bool(gguf_build *b, const char *key, int v)
{
    unsigned char c = (unsigned char)(v != 0);
    gb_key(b, key, GGUF_T_BOOL);
    gb_put(b, &c, 1);
}
static inline void gb_array(gguf_build *b, const char *key, uint32_t type, uint64_t n)
{
    gb_key(b, key, GGUF_T_ARRAY);
    gb_u32v(b, type);
    gb_u64v(b, n);
}
/* Token texts are NUL-terminated strings, so a text cannot hold a NUL byte. */
static inline void gb_strs(gguf_build *b, const char *key, const char *const *v, size_t n)
{
    gb_array(b, key, GGUF_T_STRING, n);
    for (size_t i = 0; i < n; i++)
        gb_strv(b, v[i], strlen(v[i]));
}
static inline void gb_f32s(gguf_build *b, const char *key, const float *v, size_t n)
{
    gb_array(b, key, GGUF_T_F32, n);
    gb_put(b, v, 4 * n);
}
static inline void gb_i32s(gguf_build *b, const char *key, const int32_t *v, size_t n)
{
    gb_array(b, key, GGUF_T_I32, n);
    gb_put(b, v, 4 * n);
}
static inline void gb_u8s(gguf_build *b, const char *key, const unsigned char *v, size_t n)
{
    gb_array(b, key, GGUF_T_U8, n);
    if (n)
        gb_put(b, v, n);
}
static inline void gb_done(gguf_build *b)
{
    memcpy(b->p + 16, &b->n_kv, 8);
}

#endif
