/* vocab: what every tokenizer of a GGUF vocabulary shares: the token text → id map, llama.cpp's
 * lenient UTF-8 decoding, and the growable id array tokenizers append to.
 *
 * Token texts are raw bytes (GGUF strings need not be valid UTF-8), compared byte for byte.
 * The map hashes with 64-bit FNV-1a, which a caller can also compute one byte at a time
 * (vocab_hash_step) to probe every prefix of a text in one pass (the Unigram lattice). */
#ifndef SAMPLEVEC_VOCAB_H
#define SAMPLEVEC_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

typedef struct vocab_map vocab_map;

/* A map over tokens[0..n) (borrowed: they must outlive the map). keep == NULL keeps every
 * token, else only those with keep[i] != 0. Empty texts are left out. A text held by several
 * kept ids maps to the last of them, as llama.cpp's `token_to_id[text] = id` and its tries do.
 * NULL on out of memory. */
vocab_map *vocab_map_new(const gguf_str *tokens, size_t n, const unsigned char *keep);
void vocab_map_free(vocab_map *m); /* NULL is a no-op */

/* The id of the token whose text is s[0..len), or -1. */
int32_t vocab_map_find(const vocab_map *m, const char *s, size_t len);

#define VOCAB_HASH_SEED 0xcbf29ce484222325ULL
/* FNV-1a one byte further: h = VOCAB_HASH_SEED, then a step per byte of s, gives the hash that
 * vocab_map_find_hashed expects for s. */
static inline uint64_t vocab_hash_step(uint64_t h, unsigned char byte)
{
    return (h ^ byte) * 0x100000001b3ULL;
}
/* vocab_map_find with the hash of s[0..len) already computed. */
int32_t vocab_map_find_hashed(const vocab_map *m, uint64_t hash, const char *s, size_t len);
/* The longest kept token's length in bytes; whether some kept token is exactly len bytes. */
size_t vocab_map_max_len(const vocab_map *m);
int vocab_map_has_len(const vocab_map *m, size_t len);

/* llama.cpp's unicode_cpt_from_utf8: the lead byte says the length (0xxxxxxx 1, 110xxxxx 2,
 * 1110xxxx 3, 11110xxx 4) and each continuation byte must be 10xxxxxx; overlong forms and
 * surrogates pass (no further checks). Decodes the code point at s[*off] (< len) and moves *off
 * past it; an invalid sequence returns -1 and leaves *off alone (callers consume one byte). */
int32_t vocab_utf8_decode(const unsigned char *s, size_t len, size_t *off);
/* llama.cpp's unicode_len_utf8: 1, 2, 3 or 4 from the high bits of a lead byte alone
 * (a continuation byte counts 1, 0xF8..0xFF count 4). */
size_t vocab_utf8_len(unsigned char lead);

/* A growable byte buffer (the normalised text a tokenizer builds): start it zeroed, free p. */
typedef struct vocab_bytes {
    char *p;
    size_t n, cap;
} vocab_bytes;
/* Appends src[0..n). 0, or -1 when out of memory (b unchanged). */
int vocab_bytes_put(vocab_bytes *b, const void *src, size_t n);

/* Appends id to *ids (malloc'd, *cap entries, grown by realloc; *n used). 0, or -1 when out
 * of memory (*ids unchanged). */
int vocab_push_id(int32_t **ids, size_t *n, size_t *cap, int32_t id);

#endif
