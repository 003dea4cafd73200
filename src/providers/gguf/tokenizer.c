#include "tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe.h"
#include "spm.h"
#include "unigram.h"
#include "vocab.h"
#include "wordpiece.h"

#define TOKEN_TYPE_CONTROL 3
#define TOKEN_TYPE_USER_DEFINED 4

typedef enum { KIND_WORDPIECE, KIND_UNIGRAM, KIND_BPE, KIND_SPM } tokenizer_kind;

/* llama.cpp's defaults per tokenizer.ggml.model (llama_vocab::impl::load), -1 for none. */
typedef struct kind_row {
    const char *name;
    tokenizer_kind kind;
    int32_t bos, eos, unk;
    int add_bos, add_eos;
} kind_row;
static const kind_row KINDS[] = {
    {"bert", KIND_WORDPIECE, -1, -1, -1, 0, 0}, /* WordPiece reads its own [CLS]/[SEP] */
    {"t5", KIND_UNIGRAM, -1, 1, -1, 0, 1},
    {"gpt2", KIND_BPE, 11, 11, -1, 0, 0},
    {"llama", KIND_SPM, 1, 2, 0, 1, 0},
};
#define N_KINDS (sizeof KINDS / sizeof KINDS[0])

struct tokenizer {
    tokenizer_kind kind;
    wordpiece *wp;      /* KIND_WORDPIECE */
    unigram *ugm;       /* KIND_UNIGRAM */
    bpe *bpe;           /* KIND_BPE */
    spm *spm;           /* KIND_SPM */
    vocab_map *map;     /* KIND_BPE, KIND_SPM: every token's text → id */
    float *scores;      /* KIND_SPM: n piece scores */
    int add_space_prefix; /* KIND_SPM: a space before the first fragment and each after a token */
    gguf_str *tokens;   /* n texts (malloc'd array, texts borrowed from the file) */
    int32_t *types;     /* n token types, or NULL when the file has none */
    size_t n;
    int32_t head, tail; /* the special put before / after the tokens, -1 for none */
    int32_t *user_defined; /* USER_DEFINED ids, longest text first */
    size_t n_user_defined;
};

void tokenizer_free(tokenizer *t)
{
    if (!t)
        return;
    wordpiece_free(t->wp);
    unigram_free(t->ugm);
    bpe_free(t->bpe);
    spm_free(t->spm);
    vocab_map_free(t->map);
    free(t->scores);
    free(t->tokens);
    free(t->types);
    free(t->user_defined);
    free(t);
}

/* A special token id as llama.cpp settles it: the default unless it is outside the vocabulary
 * (then none), replaced by the file's key when that names a token of the vocabulary. */
static int special_id(const gguf_file *g, const char *key, int32_t dflt, size_t n, int32_t *out,
                      char err[SV_ERR_LEN])
{
    uint32_t v;
    int r = gguf_get_u32(g, key, &v);
    if (r < 0)
        return sv_fail(err, SV_EXIT_DATA, "%s is not an unsigned integer", key);
    *out = dflt >= 0 && (size_t)dflt < n ? dflt : -1;
    if (r > 0 && v < n)
        *out = (int32_t)v;
    return 0;
}

/* USER_DEFINED ids by text length, longest first; equal lengths by id (llama.cpp's std::sort
 * leaves their order unspecified). Insertion sort: real files have a handful. */
static void sort_user_defined(tokenizer *t)
{
    for (size_t i = 1; i < t->n_user_defined; i++) {
        int32_t id = t->user_defined[i];
        size_t j = i;
        for (; j > 0; j--) {
            int32_t prev = t->user_defined[j - 1];
            if (t->tokens[prev].len > t->tokens[id].len || (t->tokens[prev].len == t->tokens[id].len && prev < id))
                break;
            t->user_defined[j] = prev;
        }
        t->user_defined[j] = id;
    }
}

int tokenizer_from_gguf(const gguf_file *g, tokenizer **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    gguf_str model = {0};
    char printable[80];
    int r = gguf_get_str(g, "tokenizer.ggml.model", &model);
    if (r <= 0)
        return sv_fail(err, SV_EXIT_DATA, "no tokenizer.ggml.model string in the file (not a llama.cpp model?)");
    tokenizer *t = calloc(1, sizeof *t);
    if (!t)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    int rc = 0;
    size_t n_types = 0;
    if ((r = gguf_get_str_array(g, "tokenizer.ggml.tokens", &t->tokens, &t->n)) <= 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.tokens is %s", r == 0 ? "missing" : "not an array of strings");
        goto cleanup;
    }
    if ((r = gguf_get_i32_array(g, "tokenizer.ggml.token_type", &t->types, &n_types)) < 0 ||
        (r > 0 && n_types < t->n)) {
        rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.token_type is %s",
                     r < 0 ? "not an integer array" : "shorter than the token list");
        goto cleanup;
    }
    const kind_row *row = NULL;
    for (size_t i = 0; i < N_KINDS && !row; i++)
        if (model.len == strlen(KINDS[i].name) && memcmp(model.ptr, KINDS[i].name, model.len) == 0)
            row = &KINDS[i];
    if (!row) {
        rc = sv_fail(err, SV_EXIT_DATA,
                     "tokenizer '%s' is not supported: only 'bert' (WordPiece), 't5' (Unigram), 'gpt2' (byte-level "
                     "BPE) and 'llama' (SentencePiece BPE) are",
                     gguf_str_print(model, printable, sizeof printable));
        goto cleanup;
    }
    t->kind = row->kind;
    if (row->kind == KIND_WORDPIECE) {
        if ((rc = wordpiece_from_gguf(g, &t->wp, err)))
            goto cleanup;
        t->head = wordpiece_cls(t->wp);
        t->tail = wordpiece_sep(t->wp);
    } else {
        int32_t bos = -1, eos = -1, unk = -1;
        int add_bos = row->add_bos, add_eos = row->add_eos;
        if ((rc = special_id(g, "tokenizer.ggml.bos_token_id", row->bos, t->n, &bos, err)) ||
            (rc = special_id(g, "tokenizer.ggml.eos_token_id", row->eos, t->n, &eos, err)) ||
            (rc = special_id(g, "tokenizer.ggml.unknown_token_id", row->unk, t->n, &unk, err)))
            goto cleanup;
        if (gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &add_bos) < 0 ||
            gguf_get_bool(g, "tokenizer.ggml.add_eos_token", &add_eos) < 0) {
            rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.add_bos_token or add_eos_token is not a bool");
            goto cleanup;
        }
        if ((add_bos && bos < 0) || (add_eos && eos < 0)) {
            rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.add_%s_token is true but the file names no %s token",
                         add_bos && bos < 0 ? "bos" : "eos", add_bos && bos < 0 ? "bos" : "eos");
            goto cleanup;
        }
        t->head = add_bos ? bos : -1;
        t->tail = add_eos ? eos : -1;
        if (row->kind == KIND_UNIGRAM) {
            if ((rc = unigram_from_gguf(g, &t->ugm, err)))
                goto cleanup;
        } else if (!(t->map = vocab_map_new(t->tokens, t->n, NULL))) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto cleanup;
        } else if (row->kind == KIND_BPE) {
            if ((rc = bpe_from_gguf(g, t->map, &t->bpe, err)))
                goto cleanup;
        } else {
            /* SentencePiece: scores rank the merges (0 when the file has none, as llama.cpp) */
            size_t n_scores = 0;
            t->add_space_prefix = 1;
            if ((r = gguf_get_f32_array(g, "tokenizer.ggml.scores", &t->scores, &n_scores)) < 0 ||
                (r > 0 && n_scores < t->n) ||
                gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &t->add_space_prefix) < 0) {
                rc = sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.scores is %s",
                             r < 0 ? "not a number array" : r > 0 && n_scores < t->n ? "shorter than the token list"
                                                                                      : "fine but add_space_prefix is not a bool");
                goto cleanup;
            }
            if (!t->scores && !(t->scores = calloc(t->n, sizeof *t->scores))) {
                rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
                goto cleanup;
            }
            if ((rc = spm_new(t->map, t->scores, unk, &t->spm, err)))
                goto cleanup;
        }
    }
    if (t->types) {
        for (size_t i = 0; i < t->n; i++)
            t->n_user_defined += t->types[i] == TOKEN_TYPE_USER_DEFINED && t->tokens[i].len > 0;
        if (t->n_user_defined && !(t->user_defined = malloc(t->n_user_defined * sizeof *t->user_defined))) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto cleanup;
        }
        t->n_user_defined = 0;
        for (size_t i = 0; i < t->n; i++)
            if (t->types[i] == TOKEN_TYPE_USER_DEFINED && t->tokens[i].len > 0)
                t->user_defined[t->n_user_defined++] = (int32_t)i;
        sort_user_defined(t);
    }
cleanup:
    if (rc) {
        tokenizer_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

const char *tokenizer_model(const tokenizer *t)
{
    for (size_t i = 0; i < N_KINDS; i++)
        if (KINDS[i].kind == t->kind)
            return KINDS[i].name;
    return "";
}

size_t tokenizer_vocab_size(const tokenizer *t) { return t->n; }

/* A piece of the text on its way through step 1: raw text[off, off+len), or token id. */
typedef struct fragment {
    int32_t id; /* -1: raw text */
    size_t off, len;
} fragment;

typedef struct fragments {
    fragment *a;
    size_t n, cap;
} fragments;

static int fragment_add(fragments *f, int32_t id, size_t off, size_t len)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        fragment *a = realloc(f->a, cap * sizeof *a);
        if (!a)
            return -1;
        f->a = a;
        f->cap = cap;
    }
    f->a[f->n++] = (fragment){id, off, len};
    return 0;
}

int tokenizer_tokenize(tokenizer *t, const char *text, size_t len, int32_t **ids, size_t *n, size_t *cap)
{
    if (len == 0)
        return 0;
    fragments cur = {0}, next = {0};
    int rc = fragment_add(&cur, -1, 0, len);
    /* Step 1, one USER_DEFINED token at a time over every raw fragment: each occurrence, left
     * to right, splits it (an iteration rather than a recursion per token: a file may have
     * thousands of them). */
    for (size_t k = 0; !rc && k < t->n_user_defined; k++) {
        int32_t id = t->user_defined[k];
        gguf_str s = t->tokens[id];
        next.n = 0;
        for (size_t i = 0; !rc && i < cur.n; i++) {
            fragment f = cur.a[i];
            while (!rc && f.id < 0) {
                const char *at = f.len >= s.len ? memmem(text + f.off, f.len, s.ptr, (size_t)s.len) : NULL;
                if (!at)
                    break;
                size_t left = (size_t)(at - (text + f.off));
                rc = (left && fragment_add(&next, -1, f.off, left)) || fragment_add(&next, id, 0, 0);
                f.off += left + (size_t)s.len;
                f.len -= left + (size_t)s.len;
                if (f.len == 0)
                    f.id = -2; /* used up */
            }
            if (!rc && f.id != -2)
                rc = fragment_add(&next, f.id, f.off, f.len);
        }
        fragments swap = cur;
        cur = next;
        next = swap;
    }
    /* Step 2. SentencePiece's space prefix goes on the first fragment and on each that
     * follows a token (llama.cpp's is_prev_special). */
    int after_token = 1;
    for (size_t i = 0; !rc && i < cur.n; i++) {
        const fragment *f = &cur.a[i];
        const char *s = text + f->off;
        if (f->id >= 0)
            rc = vocab_push_id(ids, n, cap, f->id);
        else if (t->kind == KIND_WORDPIECE)
            rc = wordpiece_tokenize(t->wp, s, f->len, ids, n, cap);
        else if (t->kind == KIND_UNIGRAM)
            rc = unigram_tokenize(t->ugm, s, f->len, ids, n, cap);
        else if (t->kind == KIND_BPE)
            rc = bpe_tokenize(t->bpe, s, f->len, ids, n, cap);
        else
            rc = spm_tokenize(t->spm, s, f->len, t->add_space_prefix && after_token, ids, n, cap);
        after_token = f->id >= 0;
    }
    free(cur.a);
    free(next.a);
    return rc ? -1 : 0;
}

void tokenizer_specials(const tokenizer *t, size_t *head, size_t *tail)
{
    *head = t->head >= 0;
    *tail = t->tail >= 0;
}

int tokenizer_encode(tokenizer *t, const char *text, size_t max_len, int32_t **ids, size_t *n,
                     int *truncated)
{
    size_t cap = 64, head, tail;
    tokenizer_specials(t, &head, &tail);
    *n = 0;
    *truncated = 0;
    if (!(*ids = malloc(cap * sizeof **ids)))
        return -1;
    if ((head && vocab_push_id(ids, n, &cap, t->head)) || tokenizer_tokenize(t, text, strlen(text), ids, n, &cap) ||
        (tail && vocab_push_id(ids, n, &cap, t->tail))) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return -1;
    }
    if (max_len < head + tail)
        max_len = head + tail;
    if (*n > max_len) {
        *truncated = 1;
        if (tail)
            (*ids)[max_len - 1] = t->tail;
        *n = max_len;
    }
    return 0;
}

gguf_str tokenizer_token(const tokenizer *t, int32_t id)
{
    gguf_str empty = {"", 0};
    return id >= 0 && (size_t)id < t->n ? t->tokens[id] : empty;
}

void tokenizer_piece(const tokenizer *t, int32_t id, char *buf, size_t size)
{
    gguf_str s = tokenizer_token(t, id);
    int control = t->types && id >= 0 && (size_t)id < t->n && t->types[id] == TOKEN_TYPE_CONTROL;
    if (t->kind != KIND_WORDPIECE || control)
        snprintf(buf, size, "%.*s", (int)s.len, s.ptr);
    else if (s.len >= 3 && memcmp(s.ptr, "\xe2\x96\x81", 3) == 0)
        snprintf(buf, size, "%.*s", (int)s.len - 3, s.ptr + 3);
    else
        snprintf(buf, size, "##%.*s", (int)s.len, s.ptr);
}
