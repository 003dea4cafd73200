#include "unigram.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vocab.h"

#define ESCAPED_SPACE "\xe2\x96\x81" /* U+2581, SentencePiece's visible space */
#define UNKNOWN_PENALTY 10.0f       /* llama.cpp's unknown_token_score_penalty */

struct unigram {
    const gguf_str *tokens;   /* n texts: the file's, or `renamed` where a text was empty */
    gguf_str *renamed;        /* owned copy of the token array when some text was empty, else NULL */
    char *renamed_text;       /* the "[EMPTY_i]" strings it points into */
    size_t n;
    float *scores;            /* n */
    unsigned char *user_defined; /* n flags: USER_DEFINED (score 0 in the lattice) */
    vocab_map *pieces;        /* NORMAL, USER_DEFINED and UNUSED texts: the lattice's candidates */
    const gguf_str **ud;      /* USER_DEFINED texts, for the normaliser's prefix rule */
    size_t n_ud;
    int32_t unk;
    float unk_score;          /* lowest NORMAL score − UNKNOWN_PENALTY */
    /* the charsmap, borrowed */
    const unsigned char *units; /* n_units little-endian u32, possibly unaligned */
    size_t n_units;
    const char *strings;      /* replacement strings */
    size_t strings_len;
    int add_space_prefix, remove_extra_whitespaces;
};

/* ------------------------------------------------------------------ charsmap */

static uint32_t unit_at(const unigram *u, size_t i)
{
    const unsigned char *p = u->units + 4 * i;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t xcda_base(uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }
static uint32_t xcda_lcheck(uint32_t unit) { return unit & ((1u << 31) | 0xffu); }
static int xcda_leaf(uint32_t unit) { return (unit >> 8) & 1; }
static uint32_t xcda_value(uint32_t unit) { return unit & ((1u << 31) - 1); }

/* The replacement at offset v: 1 and its length when v lies in the strings and a NUL ends it. */
static int replacement_at(const unigram *u, uint32_t v, size_t *len)
{
    if (v >= u->strings_len)
        return 0;
    const char *end = memchr(u->strings + v, '\0', u->strings_len - v);
    if (!end)
        return 0;
    *len = (size_t)(end - (u->strings + v));
    return 1;
}

/* Every state a walk can reach, for every byte: a leaf's value unit inside the array and its
 * replacement NUL-terminated inside the strings. A state is the node index after the BASE
 * step; only its low 8 bits change with the next byte, so states at or past the array's last
 * 256-unit block have no children and need no visit. */
static int charsmap_check(const unigram *u, char err[SV_ERR_LEN])
{
    size_t limit = (u->n_units + 255) & ~(size_t)255;
    unsigned char *seen = calloc(limit / 8 + 1, 1);
    uint32_t *stack = malloc(limit * sizeof *stack);
    int rc = 0;
    if (!seen || !stack) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory checking the precompiled_charsmap");
        goto cleanup;
    }
    size_t top = 0;
    uint32_t root = xcda_base(unit_at(u, 0));
    if (root < limit) {
        seen[root / 8] |= (unsigned char)(1u << (root % 8));
        stack[top++] = root;
    }
    while (top) {
        uint32_t state = stack[--top];
        for (uint32_t c = 1; c < 256; c++) {
            uint32_t idx = state ^ c;
            if (idx >= u->n_units)
                continue;
            uint32_t unit = unit_at(u, idx);
            if (xcda_lcheck(unit) != c)
                continue;
            uint32_t child = idx ^ xcda_base(unit);
            size_t len;
            if (xcda_leaf(unit) && (child >= u->n_units || !replacement_at(u, xcda_value(unit_at(u, child)), &len))) {
                rc = sv_fail(err, SV_EXIT_DATA,
                             "tokenizer.ggml.precompiled_charsmap is corrupt: trie node %u points at a replacement "
                             "outside the map or without its NUL terminator",
                             (unsigned)idx);
                goto cleanup;
            }
            if (child < limit && !(seen[child / 8] & (1u << (child % 8)))) {
                seen[child / 8] |= (unsigned char)(1u << (child % 8));
                stack[top++] = child;
            }
        }
    }
cleanup:
    free(seen);
    free(stack);
    return rc;
}

/* The longest charsmap match at s[0..len): 1 with its length and replacement, else 0. */
static int charsmap_match(const unigram *u, const unsigned char *s, size_t len, size_t *matched,
                          const char **repl, size_t *repl_len)
{
    if (u->n_units == 0)
        return 0;
    int found = 0;
    uint32_t node = xcda_base(unit_at(u, 0));
    for (size_t i = 0; i < len && s[i] != 0; i++) {
        node ^= s[i];
        if (node >= u->n_units)
            break; /* llama.cpp throws here; a well-formed map never gets here */
        uint32_t unit = unit_at(u, node);
        if (xcda_lcheck(unit) != s[i])
            break;
        node ^= xcda_base(unit);
        size_t rl;
        if (xcda_leaf(unit) && node < u->n_units && replacement_at(u, xcda_value(unit_at(u, node)), &rl)) {
            found = 1;
            *matched = i + 1;
            *repl = u->strings + xcda_value(unit_at(u, node));
            *repl_len = rl;
        }
    }
    return found;
}

/* ------------------------------------------------------------------ building */

void unigram_free(unigram *u)
{
    if (!u)
        return;
    vocab_map_free(u->pieces);
    free(u->renamed);
    free(u->renamed_text);
    free(u->scores);
    free(u->user_defined);
    free(u->ud);
    free(u);
}

/* llama.cpp renames an empty token text "[EMPTY_<id>]" at load, and the lattice then matches
 * that text: the same here, in a copy of the token array. */
static int rename_empty(unigram *u, const gguf_str *tokens, size_t n)
{
    size_t empties = 0;
    for (size_t i = 0; i < n; i++)
        empties += tokens[i].len == 0;
    u->tokens = tokens;
    if (!empties)
        return 0;
    u->renamed = malloc(n * sizeof *u->renamed);
    u->renamed_text = malloc(empties * 24);
    if (!u->renamed || !u->renamed_text)
        return -1;
    char *t = u->renamed_text;
    for (size_t i = 0; i < n; i++) {
        u->renamed[i] = tokens[i];
        if (tokens[i].len == 0) {
            int k = snprintf(t, 24, "[EMPTY_%zu]", i);
            u->renamed[i].ptr = t;
            u->renamed[i].len = (uint64_t)k;
            t += 24;
        }
    }
    u->tokens = u->renamed;
    return 0;
}

int unigram_new(const unigram_config *cfg, unigram **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    size_t n = cfg->n;
    if (n == 0 || n > INT32_MAX / 4)
        return sv_fail(err, SV_EXIT_DATA, "tokenizer vocabulary has %zu tokens", n);
    if (cfg->unk_id < 0 || (size_t)cfg->unk_id >= n)
        return sv_fail(err, SV_EXIT_DATA, "tokenizer unknown token id %d is outside the %zu-token vocabulary",
                       cfg->unk_id, n);
    unigram *u = calloc(1, sizeof *u);
    unsigned char *keep = calloc(n, 1);
    int rc = 0;
    if (!u || !keep) {
        free(keep);
        free(u);
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    }
    u->n = n;
    u->unk = cfg->unk_id;
    u->add_space_prefix = cfg->add_space_prefix;
    u->remove_extra_whitespaces = cfg->remove_extra_whitespaces;
    u->scores = malloc(n * sizeof *u->scores);
    u->user_defined = calloc(n, 1);
    u->ud = malloc(n * sizeof *u->ud);
    if (!u->scores || !u->user_defined || !u->ud || rename_empty(u, cfg->tokens, n)) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    memcpy(u->scores, cfg->scores, n * sizeof *u->scores);
    float min_score = FLT_MAX;
    for (size_t i = 0; i < n; i++) {
        int32_t type = cfg->types ? cfg->types[i] : UNIGRAM_T_NORMAL;
        if (type == UNIGRAM_T_NORMAL && u->scores[i] < min_score)
            min_score = u->scores[i];
        keep[i] = type == UNIGRAM_T_NORMAL || type == UNIGRAM_T_USER_DEFINED || type == UNIGRAM_T_UNUSED;
        if (type == UNIGRAM_T_USER_DEFINED) {
            u->user_defined[i] = 1;
            u->ud[u->n_ud++] = &u->tokens[i];
        }
    }
    u->unk_score = min_score - UNKNOWN_PENALTY;
    if (!(u->pieces = vocab_map_new(u->tokens, n, keep))) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    if (cfg->charsmap) {
        /* llama.cpp's load-time checks: a u32 header and a trie that leaves room for strings */
        const unsigned char *c = cfg->charsmap;
        if (cfg->charsmap_len < 4) {
            rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.precompiled_charsmap has %zu bytes, too few for its header",
                         cfg->charsmap_len);
            goto cleanup;
        }
        uint32_t trie_bytes = (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
        if ((uint64_t)trie_bytes + 4 >= cfg->charsmap_len) {
            rc = sv_fail(err, SV_EXIT_DATA,
                         "tokenizer.ggml.precompiled_charsmap is corrupt: its trie of %u bytes does not fit in its %zu bytes",
                         (unsigned)trie_bytes, cfg->charsmap_len);
            goto cleanup;
        }
        u->units = c + 4;
        u->n_units = trie_bytes / 4;
        u->strings = (const char *)c + 4 + trie_bytes;
        u->strings_len = cfg->charsmap_len - 4 - trie_bytes;
        if (u->n_units && (rc = charsmap_check(u, err)))
            goto cleanup;
    }
cleanup:
    free(keep);
    if (rc) {
        unigram_free(u);
        return rc;
    }
    *out = u;
    return 0;
}

int unigram_from_gguf(const gguf_file *g, unigram **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    gguf_str *tokens = NULL;
    float *scores = NULL;
    int32_t *types = NULL;
    size_t n = 0, n_scores = 0, n_types = 0, charsmap_len = 0;
    const unsigned char *charsmap = NULL;
    uint32_t unk = 2; /* llama.cpp's default for "t5" */
    int space_prefix = 0, extra_ws = 0, r, rc = 0;
    if ((r = gguf_get_str_array(g, "tokenizer.ggml.tokens", &tokens, &n)) <= 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.tokens is %s", r == 0 ? "missing" : "not an array of strings");
        goto cleanup;
    }
    if ((r = gguf_get_f32_array(g, "tokenizer.ggml.scores", &scores, &n_scores)) < 0 || (r > 0 && n_scores < n)) {
        rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.scores is %s",
                     r < 0 ? "not an array of f32 or i32" : "shorter than the token list");
        goto cleanup;
    }
    if (r == 0) { /* llama.cpp: every score 0 */
        if (!(scores = calloc(n, sizeof *scores))) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto cleanup;
        }
    }
    if ((r = gguf_get_i32_array(g, "tokenizer.ggml.token_type", &types, &n_types)) < 0 || (r > 0 && n_types < n)) {
        rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.token_type is %s",
                     r < 0 ? "not an integer array" : "shorter than the token list");
        goto cleanup;
    }
    if (gguf_get_bytes_array(g, "tokenizer.ggml.precompiled_charsmap", &charsmap, &charsmap_len) < 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.precompiled_charsmap is not an array of bytes");
        goto cleanup;
    }
    if (gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &space_prefix) < 0 ||
        gguf_get_bool(g, "tokenizer.ggml.remove_extra_whitespaces", &extra_ws) < 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.add_space_prefix or remove_extra_whitespaces is not a bool");
        goto cleanup;
    }
    /* An id outside the vocabulary keeps the default, as llama.cpp does. */
    uint32_t v;
    if ((r = gguf_get_u32(g, "tokenizer.ggml.unknown_token_id", &v)) < 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.unknown_token_id is not an unsigned integer");
        goto cleanup;
    }
    if (r > 0 && v < n)
        unk = v;
    unigram_config cfg = {tokens, scores, types, n, unk < n ? (int32_t)unk : -1, charsmap, charsmap_len,
                          space_prefix, extra_ws};
    if ((rc = unigram_new(&cfg, out, err)))
        goto cleanup;
    /* the tokens are the mapping's; the array of them is ours and must live on */
    if (!(*out)->renamed) {
        (*out)->renamed = tokens;
        tokens = NULL;
    }
cleanup:
    free(tokens);
    free(scores);
    free(types);
    return rc;
}

/* ------------------------------------------------------------------ normalising */

/* The longest common prefix of s[0..len) with any USER_DEFINED text: llama.cpp walks a trie of
 * those texts as deep as the input follows it, whether or not a whole token ends there. */
static size_t user_defined_prefix(const unigram *u, const char *s, size_t len)
{
    size_t best = 0;
    for (size_t k = 0; k < u->n_ud; k++) {
        const gguf_str *t = u->ud[k];
        size_t i = 0, m = len < t->len ? len : (size_t)t->len;
        while (i < m && s[i] == t->ptr[i])
            i++;
        best = i > best ? i : best;
    }
    return best;
}

int unigram_normalize(const unigram *u, const char *text, size_t len, char **out, size_t *out_len)
{
    vocab_bytes b = {0};
    const unsigned char *s = (const unsigned char *)text;
    int in_word = 0, prefixed = 0;
    *out = NULL;
    *out_len = 0;
    for (size_t off = 0; off < len;) {
        const char *piece;
        size_t piece_len, consumed;
        if ((consumed = user_defined_prefix(u, text + off, len - off)) > 0) {
            piece = text + off;
            piece_len = consumed;
        } else if (charsmap_match(u, s + off, len - off, &consumed, &piece, &piece_len)) {
        } else {
            size_t o = off;
            if (vocab_utf8_decode(s, len, &o) >= 0) {
                piece = text + off;
                piece_len = consumed = o - off;
            } else {
                piece = "\xef\xbf\xbd"; /* U+FFFD for one invalid byte */
                piece_len = 3;
                consumed = 1;
            }
        }
        for (size_t i = 0; i < piece_len; i++) {
            char c = piece[i];
            if (c != ' ') {
                if (!in_word) {
                    in_word = 1;
                    if ((u->add_space_prefix && !prefixed) || u->remove_extra_whitespaces) {
                        if (vocab_bytes_put(&b, ESCAPED_SPACE, 3))
                            goto oom;
                        prefixed = 1;
                    }
                }
                if (vocab_bytes_put(&b, &c, 1))
                    goto oom;
            } else {
                in_word = 0;
                if (!u->remove_extra_whitespaces && vocab_bytes_put(&b, ESCAPED_SPACE, 3))
                    goto oom;
            }
        }
        off += consumed;
    }
    *out = b.p;
    *out_len = b.n;
    return 0;
oom:
    free(b.p);
    return -1;
}

/* ------------------------------------------------------------------ segmenting */

typedef struct best_path {
    int32_t id;    /* the last token of the best path ending here */
    size_t from;   /* where that token starts */
    double score;  /* the path's summed score */
} best_path;

int unigram_tokenize(const unigram *u, const char *text, size_t len, int32_t **ids, size_t *n, size_t *cap)
{
    char *norm = NULL;
    size_t L = 0;
    if (unigram_normalize(u, text, len, &norm, &L))
        return -1;
    if (L == 0) {
        free(norm);
        return 0;
    }
    best_path *best = malloc((L + 1) * sizeof *best);
    if (!best) {
        free(norm);
        return -1;
    }
    best[0] = (best_path){u->unk, 0, 0.0};
    for (size_t i = 1; i <= L; i++)
        best[i] = (best_path){u->unk, 0, -DBL_MAX};
    const unsigned char *s = (const unsigned char *)norm;
    size_t max_len = vocab_map_max_len(u->pieces);
    for (size_t off = 0; off < L;) {
        size_t cp_len = vocab_utf8_len(s[off]);
        if (cp_len > L - off)
            cp_len = L - off;
        double here = best[off].score;
        int whole_cp = 0; /* some piece covers exactly this code point */
        uint64_t h = VOCAB_HASH_SEED;
        size_t stop = L - off < max_len ? L - off : max_len;
        for (size_t k = 1; k <= stop; k++) {
            h = vocab_hash_step(h, s[off + k - 1]);
            if (!vocab_map_has_len(u->pieces, k))
                continue;
            int32_t id = vocab_map_find_hashed(u->pieces, h, norm + off, k);
            if (id < 0)
                continue;
            if (k == cp_len)
                whole_cp = 1;
            double score = here + (u->user_defined[id] ? 0.0 : (double)u->scores[id]);
            if (score > best[off + k].score)
                best[off + k] = (best_path){id, off, score};
        }
        if (!whole_cp) {
            double score = here + (double)u->unk_score;
            if (score > best[off + cp_len].score)
                best[off + cp_len] = (best_path){u->unk, off, score};
        }
        off += cp_len;
    }
    /* Backtrack, then reverse what was appended. */
    size_t first = *n;
    int rc = 0, prev_unk = 0;
    for (size_t at = L;;) {
        best_path p = best[at];
        int is_unk = p.id == u->unk;
        if (!(prev_unk && is_unk) && vocab_push_id(ids, n, cap, p.id)) {
            rc = -1;
            break;
        }
        if (p.from == 0)
            break;
        prev_unk = is_unk;
        at = p.from;
    }
    for (size_t a = first, z = *n; a + 1 < z; a++, z--) {
        int32_t t = (*ids)[a];
        (*ids)[a] = (*ids)[z - 1];
        (*ids)[z - 1] = t;
    }
    free(best);
    free(norm);
    return rc;
}
