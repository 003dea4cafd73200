#include "wordpiece.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "vocab.h"

struct wordpiece {
    const gguf_str *tokens; /* n GGUF-form token texts, borrowed */
    gguf_str *owned;        /* the same array when we allocated it (from_gguf) */
    size_t n;
    vocab_map *map;         /* text → id over every token */
    int32_t unk, cls, sep;
    int lowercase, strip_accents;
};

int wordpiece_new(const gguf_str *tokens, size_t n, int32_t unk_id, int32_t cls_id, int32_t sep_id,
                  int lowercase, int strip_accents, wordpiece **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    if (n == 0 || n > INT32_MAX / 4)
        return sv_fail(err, SV_EXIT_DATA, "tokenizer vocabulary has %zu tokens", n);
    int32_t ids[3] = {unk_id, cls_id, sep_id};
    const char *what[3] = {"unknown", "bos/[CLS]", "separator/[SEP]"};
    for (int k = 0; k < 3; k++)
        if (ids[k] < 0 || (size_t)ids[k] >= n)
            return sv_fail(err, SV_EXIT_DATA, "tokenizer %s token id %d is outside the %zu-token vocabulary",
                           what[k], ids[k], n);
    wordpiece *w = calloc(1, sizeof *w);
    if (!w)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    w->tokens = tokens;
    w->n = n;
    w->unk = unk_id;
    w->cls = cls_id;
    w->sep = sep_id;
    w->lowercase = lowercase;
    w->strip_accents = strip_accents;
    /* llama.cpp renames an empty token "[EMPTY_i]", which no text can produce ('[' is a
     * one-character word); the map leaving it out is equivalent. */
    if (!(w->map = vocab_map_new(tokens, n, NULL))) {
        wordpiece_free(w);
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    }
    *out = w;
    return 0;
}

int wordpiece_from_gguf(const gguf_file *g, wordpiece **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    gguf_str model = {0};
    char buf[80];
    int r = gguf_get_str(g, "tokenizer.ggml.model", &model);
    if (r <= 0)
        return sv_fail(err, SV_EXIT_DATA, "no tokenizer.ggml.model string in the file (not a llama.cpp model?)");
    if (!(model.len == 4 && memcmp(model.ptr, "bert", 4) == 0))
        return sv_fail(err, SV_EXIT_DATA, "tokenizer '%s' is not supported: only 'bert' (WordPiece) vocabularies are",
                       gguf_str_print(model, buf, sizeof buf));
    gguf_str *toks = NULL;
    size_t n = 0;
    r = gguf_get_str_array(g, "tokenizer.ggml.tokens", &toks, &n);
    if (r <= 0)
        return sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.tokens is %s", r == 0 ? "missing" : "not an array of strings");
    /* llama.cpp's WPM defaults when the keys are absent: [UNK] 100, [CLS] 101, [SEP] 102. */
    uint32_t unk = 100, cls = 101, sep = 102;
    /* llama.cpp's defaults when the keys are absent (files converted before they existed):
     * lowercase on, strip_accents following lowercase. */
    int lowercase = 1, strip = -1;
    if (gguf_get_u32(g, "tokenizer.ggml.unknown_token_id", &unk) < 0 ||
        gguf_get_u32(g, "tokenizer.ggml.bos_token_id", &cls) < 0 ||
        gguf_get_u32(g, "tokenizer.ggml.seperator_token_id", &sep) < 0 ||
        gguf_get_bool(g, "tokenizer.ggml.normalizer.lowercase", &lowercase) < 0 ||
        gguf_get_bool(g, "tokenizer.ggml.normalizer.strip_accents", &strip) < 0) {
        free(toks);
        return sv_fail(err, SV_EXIT_DATA, "a tokenizer.ggml.* special-token id or normalizer flag has the wrong type");
    }
    /* As llama.cpp: strip_accents defaults to the lowercase flag. */
    if (strip < 0)
        strip = lowercase;
    if (unk > INT32_MAX || cls > INT32_MAX || sep > INT32_MAX) {
        free(toks);
        return sv_fail(err, SV_EXIT_DATA, "tokenizer special-token id out of range");
    }
    r = wordpiece_new(toks, n, (int32_t)unk, (int32_t)cls, (int32_t)sep, lowercase, strip, out, err);
    if (r) {
        free(toks);
        return r;
    }
    (*out)->owned = toks;
    return 0;
}

void wordpiece_free(wordpiece *w)
{
    if (!w)
        return;
    vocab_map_free(w->map);
    free(w->owned);
    free(w);
}

int32_t wordpiece_cls(const wordpiece *w) { return w->cls; }
int32_t wordpiece_sep(const wordpiece *w) { return w->sep; }
int32_t wordpiece_unk(const wordpiece *w) { return w->unk; }
size_t wordpiece_vocab_size(const wordpiece *w) { return w->n; }

gguf_str wordpiece_token(const wordpiece *w, int32_t id)
{
    gguf_str empty = {"", 0};
    return id >= 0 && (size_t)id < w->n ? w->tokens[id] : empty;
}

/* A bad lead or continuation byte becomes U+FFFD and consumes one byte, as in llama.cpp. */
static uint32_t next_cpt(const unsigned char *s, size_t len, size_t *off)
{
    int32_t c = vocab_utf8_decode(s, len, off);
    if (c >= 0)
        return (uint32_t)c;
    (*off)++;
    return 0xFFFD;
}

static int is_whitespace(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

static int is_chinese(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) ||
           (c >= 0x2B920 && c <= 0x2CEAF) || /* sic: llama.cpp follows HF's 0x2B920 */
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* Greedy longest match of one word (already prefixed with U+2581) over bytes. */
static int tokenize_word(const wordpiece *w, const char *word, size_t n, int32_t **ids, size_t *nids, size_t *cap)
{
    size_t start = *nids;
    for (size_t i = 0; i < n;) {
        size_t max_len = vocab_map_max_len(w->map);
        size_t jmax = n < i + max_len + 1 ? n : i + max_len + 1;
        int32_t id = -1;
        size_t j;
        for (j = jmax; j > i; j--)
            if ((id = vocab_map_find(w->map, word + i, j - i)) >= 0)
                break;
        if (id < 0) { /* any unmatched part: the whole word is [UNK] */
            *nids = start;
            break;
        }
        if (vocab_push_id(ids, nids, cap, id))
            return -1;
        i = j;
    }
    if (*nids == start && vocab_push_id(ids, nids, cap, w->unk))
        return -1;
    return 0;
}

int wordpiece_tokenize(const wordpiece *w, const char *text, size_t len, int32_t **ids, size_t *n, size_t *cap)
{
    static const char phantom[3] = {(char)0xE2, (char)0x96, (char)0x81}; /* U+2581 */
    const unsigned char *s = (const unsigned char *)text;
    vocab_bytes word = {0};
    int rc = 0;
    if (vocab_bytes_put(&word, phantom, 3))
        return -1;
    for (size_t off = 0; off < len;) {
        uint32_t c = next_cpt(s, len, &off);
        if (w->strip_accents && c <= 0x10FFFF) {
            utf8proc_int32_t dec[8];
            int last = 0;
            utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)c, dec, 8, UTF8PROC_DECOMPOSE, &last);
            if (k > 0)
                c = (uint32_t)dec[0];
        }
        int word_ends = is_whitespace(c);
        int cat = c <= 0x10FFFF ? utf8proc_category((utf8proc_int32_t)c) : UTF8PROC_CATEGORY_CN;
        int single = 0;
        if (!word_ends) {
            if (c == 0 || c == 0xFFFD || cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
                cat == UTF8PROC_CATEGORY_CO || cat == UTF8PROC_CATEGORY_CS)
                continue;
            if (w->strip_accents && (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
                                     cat == UTF8PROC_CATEGORY_ME))
                continue;
            /* Beyond U+10FFFF llama.cpp's unicode_cpt_to_utf8 throws; such a code point is
             * dropped here instead. */
            if (c > 0x10FFFF)
                continue;
            single = (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO) ||
                     (c < 0x7F && cat >= UTF8PROC_CATEGORY_SM && cat <= UTF8PROC_CATEGORY_SO) || is_chinese(c);
        }
        if ((word_ends || single) && word.n > 3) { /* finish the current word */
            if (tokenize_word(w, word.p, word.n, ids, n, cap)) {
                rc = -1;
                goto cleanup;
            }
            word.n = 3;
        }
        if (word_ends)
            continue;
        if (w->lowercase)
            c = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
        unsigned char enc[4];
        utf8proc_ssize_t k = utf8proc_encode_char((utf8proc_int32_t)c, enc);
        if (vocab_bytes_put(&word, enc, (size_t)k)) {
            rc = -1;
            goto cleanup;
        }
        if (single) {
            if (tokenize_word(w, word.p, word.n, ids, n, cap)) {
                rc = -1;
                goto cleanup;
            }
            word.n = 3;
        }
    }
    if (word.n > 3 && tokenize_word(w, word.p, word.n, ids, n, cap))
        rc = -1;
cleanup:
    free(word.p);
    return rc;
}
