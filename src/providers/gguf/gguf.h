/* Layer providers/gguf/ (docs/architecture.md): in-process model engines (reader, tokenizers,
 * forward passes, kernels); builds on base/ only, and knows nothing of provider.h.
 *
 * gguf: a reader for GGUF v2/v3 model files (llama.cpp's format) that treats the file as hostile.
 *
 * The format, all integers little-endian:
 *   1. magic "GGUF", u32 version (2 or 3), u64 n_tensors, u64 n_kv
 *   2. n_kv key/value pairs: string key, u32 value type, value
 *        string = u64 byte length + bytes (no NUL)
 *        value  = scalar (u8 i8 u16 i16 u32 i32 f32 bool u64 i64 f64), string, or
 *                 array = u32 element type + u64 count + elements (no arrays of arrays here)
 *   3. n_tensors tensor infos: string name, u32 n_dims (1..4), u64 ne[n_dims] (ne[0] is the
 *      contiguous dimension), u32 ggml type, u64 offset relative to the data section
 *   4. padding to general.alignment (u32, default 32, a power of two)
 *   5. the data section: each tensor at its offset, which must be a multiple of the alignment
 *
 * Every count, length and offset is checked against the bytes left in the file before it is
 * used or allocated; a malformed file gives an error naming the field and the offending value,
 * never a crash. Strings and tensor data are borrowed from the mapping: they live until
 * gguf_free. */
#ifndef SAMPLEVEC_GGUF_H
#define SAMPLEVEC_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* Metadata value types (GGUF spec numbering). */
enum gguf_vtype {
    GGUF_T_U8 = 0, GGUF_T_I8 = 1, GGUF_T_U16 = 2, GGUF_T_I16 = 3, GGUF_T_U32 = 4,
    GGUF_T_I32 = 5, GGUF_T_F32 = 6, GGUF_T_BOOL = 7, GGUF_T_STRING = 8, GGUF_T_ARRAY = 9,
    GGUF_T_U64 = 10, GGUF_T_I64 = 11, GGUF_T_F64 = 12,
};

/* ggml tensor types named here: the ones this reader dequantizes (others are only size-checked). */
enum gguf_ggml_type {
    GGML_T_F32 = 0,
    GGML_T_F16 = 1,
    GGML_T_Q4_0 = 2, /* blocks of 32: f16 d + 16 bytes of nibbles; x = d * (q - 8) */
    GGML_T_Q4_1 = 3, /* f16 d, f16 m + nibbles; x = d * q + m */
    GGML_T_Q5_0 = 6, /* f16 d + u32 of 5th bits + nibbles; x = d * (q - 16) */
    GGML_T_Q5_1 = 7, /* f16 d, f16 m + u32 of 5th bits + nibbles; x = d * q + m */
    GGML_T_Q8_0 = 8, /* blocks of 32: f16 scale d + 32 int8; x = d * q */
    GGML_T_Q4_K = 12, /* super-blocks of 256: 8 × 32 with 6-bit scales and mins, 4-bit q */
    GGML_T_Q5_K = 13, /* the same with 5-bit q */
    GGML_T_Q6_K = 14, /* 16 × 16 with int8 scales, 6-bit q */
    GGML_T_Q8_K = 15, /* activations only: float d, 256 int8 (llama.cpp's K-quant products) */
    GGML_T_BF16 = 30,
};

typedef struct gguf_str {
    const char *ptr; /* borrowed from the mapping; not NUL-terminated */
    uint64_t len;
} gguf_str;

typedef struct gguf_kv {
    gguf_str key;
    uint32_t type;      /* enum gguf_vtype */
    uint32_t arr_type;  /* element type when type == GGUF_T_ARRAY */
    uint64_t arr_n;     /* element count when type == GGUF_T_ARRAY */
    const unsigned char *val; /* the value's bytes (for an array: its first element) */
} gguf_kv;

typedef struct gguf_tensor {
    gguf_str name;
    uint32_t n_dims;
    uint64_t ne[4];     /* unused dims are 1 */
    uint32_t type;      /* ggml type */
    uint64_t n_elems;   /* product of ne */
    uint64_t nbytes;    /* bytes in the file */
    const unsigned char *data; /* borrowed from the mapping */
} gguf_tensor;

typedef struct gguf_file gguf_file;

/* Maps and parses `path`. Returns 0, or SV_EXIT_DATA with err filled (err names the path). */
int gguf_open(const char *path, gguf_file **out, char err[SV_ERR_LEN]);
/* Parses `size` bytes at `data` (borrowed; must outlive the result). For tests and the fuzzer. */
int gguf_open_memory(const void *data, size_t size, gguf_file **out, char err[SV_ERR_LEN]);
void gguf_free(gguf_file *g); /* NULL is a no-op */

uint32_t gguf_version(const gguf_file *g);
size_t gguf_n_kv(const gguf_file *g);
const gguf_kv *gguf_kv_at(const gguf_file *g, size_t i);
size_t gguf_n_tensors(const gguf_file *g);
const gguf_tensor *gguf_tensor_at(const gguf_file *g, size_t i);
/* The whole file's bytes (for a content hash). */
const unsigned char *gguf_bytes(const gguf_file *g, size_t *size);

/* NULL when absent. */
const gguf_kv *gguf_find_kv(const gguf_file *g, const char *key);
const gguf_tensor *gguf_find_tensor(const gguf_file *g, const char *name);

/* Typed getters. Each returns 1 and sets *out when the key exists with a compatible type
 * (any integer type whose value fits for the integer getters; f32 or f64 for the float one),
 * 0 when the key is absent, -1 when it exists with an incompatible type or value. */
int gguf_get_u32(const gguf_file *g, const char *key, uint32_t *out);
int gguf_get_f32(const gguf_file *g, const char *key, float *out);
int gguf_get_bool(const gguf_file *g, const char *key, int *out);
int gguf_get_str(const gguf_file *g, const char *key, gguf_str *out);

/* A string array's elements: *out is malloc'd (caller frees), entries borrowed from the mapping.
 * Returns 1, 0 when absent, -1 when not an array of strings (or out of memory). */
int gguf_get_str_array(const gguf_file *g, const char *key, gguf_str **out, size_t *n);
/* An i32 array's elements copied into a malloc'd array (caller frees). Same returns. */
int gguf_get_i32_array(const gguf_file *g, const char *key, int32_t **out, size_t *n);
/* An f32 array's elements (an i32 array's converted, as llama.cpp reads integer token scores)
 * copied into a malloc'd array (caller frees). Same returns. */
int gguf_get_f32_array(const gguf_file *g, const char *key, float **out, size_t *n);
/* A u8 or i8 array's bytes, borrowed from the mapping (no copy, nothing to free). Same returns. */
int gguf_get_bytes_array(const gguf_file *g, const char *key, const unsigned char **out, size_t *n);

/* "F32", "Q8_0", ... or "unknown". */
const char *gguf_type_name(uint32_t type);
/* 1 if gguf_dequantize_row handles `type`. */
int gguf_type_supported(uint32_t type);
/* Converts elements [first, first+n) of t to floats. Both must be whole blocks for a block type
 * (the caller checks ne[0] % block == 0 once at load). t->type must be supported. */
void gguf_dequantize(const gguf_tensor *t, uint64_t first, uint64_t n, float *dst);

/* IEEE half <-> float, exact (no hardware needed). */
float gguf_f16_to_f32(uint16_t h);
uint16_t gguf_f32_to_f16(float f); /* round to nearest even */

/* Writes a printable, length-capped copy of s into buf (control bytes become '?'). */
const char *gguf_str_print(gguf_str s, char *buf, size_t bufsize);

#endif
