#include "spm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "bpe_merge.h"

#define SPACE_MARK "\xe2\x96\x81" /* U+2581 */

struct spm {
    const vocab_map *v;
    const float *scores;     /* per id */
    int32_t byte_token[256]; /* the token a byte falls back to: <0xXX>, the byte itself, or unk */
    bpe_merger *merger;
    unsigned char *text;     /* the escaped fragment */
    size_t text_cap;
    size_t *starts;          /* its characters' offsets */
    size_t starts_cap;
};

int spm_new(const vocab_map *v, const float *scores, int32_t unk, spm **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    spm *s = calloc(1, sizeof *s);
    if (!s || !(s->merger = bpe_merger_new())) {
        free(s);
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    }
    s->v = v;
    s->scores = scores;
    for (int c = 0; c < 256; c++) { /* llama_vocab::byte_to_token */
        char hex[8];
        unsigned char one = (unsigned char)c;
        snprintf(hex, sizeof hex, "<0x%02X>", c);
        int32_t id = vocab_map_find(v, hex, 6);
        if (id < 0)
            id = vocab_map_find(v, (const char *)&one, 1);
        s->byte_token[c] = id >= 0 ? id : unk;
    }
    *out = s;
    return 0;
}

void spm_free(spm *s)
{
    if (!s)
        return;
    bpe_merger_free(s->merger);
    free(s->text);
    free(s->starts);
    free(s);
}

/* A score as a rank: a higher score is a lower rank, as llama.cpp pops the best score first.
 * The float's bits made order-preserving as an unsigned integer, then inverted; -0 is 0 and
 * NaN comes last (llama.cpp's comparisons leave both undefined). */
static uint32_t score_rank(float score)
{
    if (isnan(score))
        return BPE_RANK_NONE - 1;
    if (score == 0.0f)
        score = 0.0f;
    uint32_t bits;
    memcpy(&bits, &score, 4);
    uint32_t key = (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
    uint32_t r = ~key;
    return r == BPE_RANK_NONE ? BPE_RANK_NONE - 1 : r;
}

/* bpe_merge's rank: the concatenation's score when it is a token. */
static uint32_t piece_rank(const void *ctx, const unsigned char *s, size_t a, size_t b, size_t c)
{
    (void)b;
    const spm *sp = ctx;
    int32_t id = vocab_map_find(sp->v, (const char *)s + a, c - a);
    return id < 0 ? BPE_RANK_NONE : score_rank(sp->scores[id]);
}


int spm_tokenize(spm *s, const char *text, size_t len, int add_space_prefix, int32_t **ids, size_t *n, size_t *cap)
{
    /* 1. escape: ' ' → ▁ (3 bytes) */
    size_t need = 3 * (len + 1);
    if (len > SIZE_MAX / 4 || array_grow((void **)&s->text, &s->text_cap, need, 1))
        return -1;
    size_t w = 0;
    if (add_space_prefix) {
        memcpy(s->text, SPACE_MARK, 3);
        w = 3;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == ' ') {
            memcpy(s->text + w, SPACE_MARK, 3);
            w += 3;
        } else {
            s->text[w++] = (unsigned char)text[i];
        }
    }
    if (w == 0)
        return 0;
    /* 2. characters by their lead byte */
    if (array_grow((void **)&s->starts, &s->starts_cap, w, sizeof(size_t)))
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < w;) {
        s->starts[k++] = i;
        size_t l = vocab_utf8_len(s->text[i]);
        i += l < w - i ? l : w - i;
    }
    /* 3. merge by score */
    const size_t *ends;
    size_t m = bpe_merge(s->merger, s->text, w, s->starts, k, piece_rank, s, &ends);
    if (m == 0)
        return -1;
    /* 4. pieces, or their bytes */
    for (size_t i = 0, st = 0; i < m; st = ends[i++]) {
        int32_t id = vocab_map_find(s->v, (const char *)s->text + st, ends[i] - st);
        size_t count = id >= 0 ? 1 : ends[i] - st;
        if (array_grow((void **)ids, cap, *n + count, sizeof **ids))
            return -1;
        if (id >= 0) {
            (*ids)[(*n)++] = id;
            continue;
        }
        for (size_t j = st; j < ends[i]; j++)
            if (s->byte_token[s->text[j]] >= 0)
                (*ids)[(*n)++] = s->byte_token[s->text[j]];
    }
    return 0;
}
