#include "tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unigram.h"
#include "vocab.h"
#include "wordpiece.h"

#define TOKEN_TYPE_CONTROL 3
#define TOKEN_TYPE_USER_DEFINED 4

typedef enum { KIND_WORDPIECE, KIND_UNIGRAM } tokenizer_kind;

struct tokenizer {
    tokenizer_kind kind;
    wordpiece *wp;      /* KIND_WORDPIECE */
    unigram *ugm;       /* KIND_UNIGRAM */
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
    if (model.len == 4 && memcmp(model.ptr, "bert", 4) == 0) {
        t->kind = KIND_WORDPIECE;
        if ((rc = wordpiece_from_gguf(g, &t->wp, err)))
            goto cleanup;
        t->head = wordpiece_cls(t->wp);
        t->tail = wordpiece_sep(t->wp);
    } else if (model.len == 2 && memcmp(model.ptr, "t5", 2) == 0) {
        t->kind = KIND_UNIGRAM;
        if ((rc = unigram_from_gguf(g, &t->ugm, err)))
            goto cleanup;
        /* llama.cpp's "t5" defaults: no BOS, EOS id 1, add_bos off, add_eos on */
        int32_t bos = -1, eos = -1;
        int add_bos = 0, add_eos = 1;
        if ((rc = special_id(g, "tokenizer.ggml.bos_token_id", -1, t->n, &bos, err)) ||
            (rc = special_id(g, "tokenizer.ggml.eos_token_id", 1, t->n, &eos, err)))
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
    } else {
        rc = sv_fail(err, SV_EXIT_DATA, "tokenizer '%s' is not supported: only 'bert' (WordPiece) and 't5' (Unigram) are",
                     gguf_str_print(model, printable, sizeof printable));
        goto cleanup;
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

const char *tokenizer_model(const tokenizer *t) { return t->kind == KIND_WORDPIECE ? "bert" : "t5"; }

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

int tokenizer_tokenize(const tokenizer *t, const char *text, size_t len, int32_t **ids, size_t *n, size_t *cap)
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
    /* Step 2 */
    for (size_t i = 0; !rc && i < cur.n; i++) {
        const fragment *f = &cur.a[i];
        if (f->id >= 0)
            rc = vocab_push_id(ids, n, cap, f->id);
        else
            rc = t->kind == KIND_WORDPIECE ? wordpiece_tokenize(t->wp, text + f->off, f->len, ids, n, cap)
                                           : unigram_tokenize(t->ugm, text + f->off, f->len, ids, n, cap);
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

int tokenizer_encode(const tokenizer *t, const char *text, size_t max_len, int32_t **ids, size_t *n,
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
