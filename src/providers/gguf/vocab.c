#include "vocab.h"

#include <stdlib.h>
#include <string.h>

struct vocab_map {
    const gguf_str *tokens; /* borrowed */
    int32_t *table;         /* open addressing, mask+1 slots of token ids, -1 = empty */
    size_t mask;
    unsigned char *has_len; /* has_len[L] = 1 if some kept token is L bytes long (0..max_len) */
    size_t max_len;
};

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = VOCAB_HASH_SEED;
    for (size_t i = 0; i < len; i++)
        h = vocab_hash_step(h, (unsigned char)s[i]);
    return h;
}

vocab_map *vocab_map_new(const gguf_str *tokens, size_t n, const unsigned char *keep)
{
    if (n > SIZE_MAX / 8)
        return NULL;
    vocab_map *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->tokens = tokens;
    size_t slots = 16;
    while (slots < 2 * n)
        slots <<= 1;
    m->mask = slots - 1;
    for (size_t i = 0; i < n; i++)
        if ((!keep || keep[i]) && tokens[i].len > m->max_len)
            m->max_len = (size_t)tokens[i].len; /* bounded by the file size */
    m->table = malloc(slots * sizeof *m->table);
    m->has_len = calloc(m->max_len + 1, 1);
    if (!m->table || !m->has_len) {
        vocab_map_free(m);
        return NULL;
    }
    memset(m->table, 0xff, slots * sizeof *m->table);
    for (size_t i = 0; i < n; i++) {
        if ((keep && !keep[i]) || tokens[i].len == 0)
            continue;
        m->has_len[tokens[i].len] = 1;
        size_t h = (size_t)hash_bytes(tokens[i].ptr, (size_t)tokens[i].len) & m->mask;
        for (;;) {
            int32_t id = m->table[h];
            if (id < 0 || (tokens[id].len == tokens[i].len &&
                           memcmp(tokens[id].ptr, tokens[i].ptr, (size_t)tokens[i].len) == 0)) {
                m->table[h] = (int32_t)i; /* a duplicate: the last id wins */
                break;
            }
            h = (h + 1) & m->mask;
        }
    }
    return m;
}

void vocab_map_free(vocab_map *m)
{
    if (!m)
        return;
    free(m->table);
    free(m->has_len);
    free(m);
}

int32_t vocab_map_find_hashed(const vocab_map *m, uint64_t hash, const char *s, size_t len)
{
    if (len > m->max_len || !m->has_len[len])
        return -1;
    for (size_t h = (size_t)hash & m->mask;; h = (h + 1) & m->mask) {
        int32_t id = m->table[h];
        if (id < 0)
            return -1;
        if (m->tokens[id].len == len && memcmp(m->tokens[id].ptr, s, len) == 0)
            return id;
    }
}

int32_t vocab_map_find(const vocab_map *m, const char *s, size_t len)
{
    if (len > m->max_len || !m->has_len[len])
        return -1;
    return vocab_map_find_hashed(m, hash_bytes(s, len), s, len);
}

size_t vocab_map_max_len(const vocab_map *m) { return m->max_len; }

int vocab_map_has_len(const vocab_map *m, size_t len) { return len <= m->max_len && m->has_len[len]; }

int32_t vocab_utf8_decode(const unsigned char *s, size_t len, size_t *off)
{
    size_t o = *off;
    unsigned char b = s[o];
    if (!(b & 0x80)) {
        *off = o + 1;
        return b;
    }
    int extra = !(b & 0x40) ? -1 : !(b & 0x20) ? 1 : !(b & 0x10) ? 2 : !(b & 0x08) ? 3 : -1;
    if (extra < 0 || o + (size_t)extra >= len)
        return -1;
    int32_t c = b & (0x3f >> extra);
    for (int k = 1; k <= extra; k++) {
        if ((s[o + k] & 0xc0) != 0x80)
            return -1;
        c = c << 6 | (s[o + k] & 0x3f);
    }
    *off = o + 1 + (size_t)extra;
    return c;
}

size_t vocab_utf8_len(unsigned char lead)
{
    static const unsigned char by_high_bits[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return by_high_bits[lead >> 4];
}

int vocab_bytes_put(vocab_bytes *b, const void *src, size_t n)
{
    if (n == 0)
        return 0;
    if (n > b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n < n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
    return 0;
}

int vocab_push_id(int32_t **ids, size_t *n, size_t *cap, int32_t id)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        int32_t *p = realloc(*ids, c * sizeof *p);
        if (!p)
            return -1;
        *ids = p;
        *cap = c;
    }
    (*ids)[(*n)++] = id;
    return 0;
}
