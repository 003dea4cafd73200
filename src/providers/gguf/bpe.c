#include "bpe.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "array.h"
#include "bpe_merge.h"

/* The tokenizer.ggml.pre names llama.cpp (v0.4.0, llama_vocab::impl::load) gives Qwen2's
 * pattern: pre-types QWEN2, STABLELM2, HUNYUAN and SOLAR_OPEN all split with it. */
static const char *const QWEN2_PRE[] = {"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez",
                                        "stablelm2", "hunyuan", "solar-open"};
#define N_QWEN2_PRE (sizeof QWEN2_PRE / sizeof QWEN2_PRE[0])

typedef struct merge_entry {
    const char *text;  /* "A B", borrowed */
    uint32_t len;      /* bytes of text; 0 = empty slot */
    uint32_t split;    /* offset of the space between A and B */
    uint32_t rank;
} merge_entry;

struct bpe {
    const vocab_map *v;
    merge_entry *merges; /* open addressing over the hash of "A B", mask + 1 slots */
    size_t mask;
    char sym[256][3];    /* GPT-2's symbol for each byte, UTF-8, NUL-terminated */
    unsigned char sym_len[256];
    bpe_merger *merger;
    /* working buffers, grown and kept */
    uint32_t *cpts;
    size_t cpts_cap;
    unsigned char *word; /* one word's symbols back to back */
    size_t word_cap;
    size_t *starts;      /* each symbol's offset in word */
    size_t starts_cap;
};

int bpe_pre_supported(gguf_str pre)
{
    for (size_t i = 0; i < N_QWEN2_PRE; i++)
        if (pre.len == strlen(QWEN2_PRE[i]) && memcmp(pre.ptr, QWEN2_PRE[i], pre.len) == 0)
            return 1;
    return 0;
}

const char *bpe_pre_names(void)
{
    return "'qwen2', 'deepseek-r1-qwen', 'kormo', 'f2llmv2', 'megrez', 'stablelm2', 'hunyuan', 'solar-open'";
}

/* FNV-1a over A, a space, then B: the hash of the merges line "A B" without building it. */
static uint64_t pair_hash(const unsigned char *a, size_t la, const unsigned char *b, size_t lb)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < la; i++)
        h = (h ^ a[i]) * 1099511628211ull;
    h = (h ^ ' ') * 1099511628211ull;
    for (size_t i = 0; i < lb; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static uint32_t merge_rank(const bpe *b, const unsigned char *l, size_t ll, const unsigned char *r, size_t rl)
{
    for (size_t i = (size_t)pair_hash(l, ll, r, rl) & b->mask;; i = (i + 1) & b->mask) {
        const merge_entry *e = &b->merges[i];
        if (e->len == 0)
            return BPE_RANK_NONE;
        if (e->split == ll && e->len == ll + 1 + rl && memcmp(e->text, l, ll) == 0 &&
            memcmp(e->text + ll + 1, r, rl) == 0)
            return e->rank;
    }
}

/* bpe_merge's rank: the pair's line in the merges list. */
static uint32_t pair_rank(const void *ctx, const unsigned char *s, size_t a, size_t b, size_t c)
{
    return merge_rank(ctx, s + a, b - a, s + b, c - b);
}

/* Code point → UTF-8 as llama.cpp's unicode_cpt_to_utf8 writes it (surrogates included; it
 * throws above U+10FFFF, where this writes U+FFFD). utf8proc_encode_char will not do: it writes
 * U+FFFE and U+FFFF as single bytes. Returns the length. */
static size_t encode_utf8(uint32_t c, unsigned char *u)
{
    if (c > 0x10FFFF)
        c = 0xFFFD;
    if (c < 0x80) {
        u[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        u[0] = (unsigned char)(0xC0 | (c >> 6));
        u[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (c >> 12));
        u[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    u[0] = (unsigned char)(0xF0 | (c >> 18));
    u[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    u[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* GPT-2's byte → printable code point map: printable Latin-1 bytes stand for themselves, the
 * others take 256, 257, ... in byte order. */
static void make_symbols(bpe *b)
{
    int next = 256;
    for (int c = 0; c < 256; c++) {
        int keep = (c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF);
        int cp = keep ? c : next++;
        unsigned char buf[4];
        size_t n = encode_utf8((uint32_t)cp, buf);
        memcpy(b->sym[c], buf, n);
        b->sym[c][n] = '\0';
        b->sym_len[c] = (unsigned char)n;
    }
}

int bpe_new(const vocab_map *v, const gguf_str *merges, size_t n_merges, bpe **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    if (n_merges > UINT32_MAX / 4)
        return sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.merges has %zu entries", n_merges);
    bpe *b = calloc(1, sizeof *b);
    if (!b)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    b->v = v;
    make_symbols(b);
    size_t slots = 16;
    while (slots < 2 * n_merges)
        slots <<= 1;
    b->mask = slots - 1;
    b->merges = calloc(slots, sizeof *b->merges);
    b->merger = bpe_merger_new();
    if (!b->merges || !b->merger) {
        bpe_free(b);
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    }
    for (size_t r = 0; r < n_merges; r++) {
        gguf_str m = merges[r];
        /* llama.cpp splits at the first space after the first byte; a line without one is the
         * pair ("", ""), which no two symbols are */
        const char *sp = m.len > 1 ? memchr(m.ptr + 1, ' ', (size_t)m.len - 1) : NULL;
        if (!sp || m.len > UINT32_MAX)
            continue;
        size_t split = (size_t)(sp - m.ptr);
        const unsigned char *l = (const unsigned char *)m.ptr, *rt = l + split + 1;
        size_t i = (size_t)pair_hash(l, split, rt, (size_t)m.len - split - 1) & b->mask;
        for (;; i = (i + 1) & b->mask) {
            merge_entry *e = &b->merges[i];
            if (e->len == 0) {
                *e = (merge_entry){m.ptr, (uint32_t)m.len, (uint32_t)split, (uint32_t)r};
                break;
            }
            if (e->len == m.len && e->split == split && memcmp(e->text, m.ptr, m.len) == 0)
                break; /* a repeated pair keeps its first rank (std::map::emplace) */
        }
    }
    *out = b;
    return 0;
}

int bpe_from_gguf(const gguf_file *g, const vocab_map *v, bpe **out, char err[SV_ERR_LEN])
{
    gguf_str pre = {"", 0};
    char printable[64];
    *out = NULL;
    if (gguf_get_str(g, "tokenizer.ggml.pre", &pre) < 0)
        return sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.pre is not a string");
    if (!bpe_pre_supported(pre))
        return sv_fail(err, SV_EXIT_DATA, "pre-tokenizer '%s' of tokenizer 'gpt2' is not supported (supported: %s)",
                       gguf_str_print(pre, printable, sizeof printable), bpe_pre_names());
    gguf_str *merges = NULL;
    size_t n = 0;
    int got = gguf_get_str_array(g, "tokenizer.ggml.merges", &merges, &n);
    if (got <= 0)
        return sv_fail(err, SV_EXIT_DATA, "tokenizer.ggml.merges is %s",
                       got == 0 ? "missing (a byte-level BPE needs its merges)" : "not an array of strings");
    int rc = bpe_new(v, merges, n, out, err);
    free(merges); /* the entries point into the mapping, not into this array */
    return rc;
}

void bpe_free(bpe *b)
{
    if (!b)
        return;
    free(b->merges);
    bpe_merger_free(b->merger);
    free(b->cpts);
    free(b->word);
    free(b->starts);
    free(b);
}


static int push_id(int32_t **ids, size_t *n, size_t *cap, int32_t id)
{
    if (array_grow((void **)ids, cap, *n + 1, sizeof **ids))
        return -1;
    (*ids)[(*n)++] = id;
    return 0;
}

/* One code point as llama.cpp's unicode_cpt_from_utf8 reads it: the lead byte says the
 * length, continuation bytes are only checked for 10xxxxxx. Returns the bytes used, or 0 when
 * the sequence is invalid (the caller takes one byte as U+FFFD). */
static size_t decode_cpt(const unsigned char *s, size_t left, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (need == 0 || left < need)
        return 0;
    for (size_t i = 1; i < need; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    uint32_t v = need == 2 ? c & 0x1Fu : need == 3 ? c & 0x0Fu : c & 0x07u;
    for (size_t i = 1; i < need; i++)
        v = (v << 6) | (s[i] & 0x3Fu);
    *cp = v;
    return need;
}

enum { F_IN = 1, F_LETTER = 2, F_NUMBER = 4, F_SPACE = 8 };

/* Unicode White_Space: what llama.cpp's tables (and Python's, Rust's) call \s. */
static int is_white_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

static unsigned cpt_flags(uint32_t c)
{
    unsigned f = F_IN;
    if (c <= 0x10FFFF) {
        switch (utf8proc_category((utf8proc_int32_t)c)) {
        case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
            f |= F_LETTER;
            break;
        case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
            f |= F_NUMBER;
            break;
        default:
            break;
        }
    }
    if (is_white_space(c))
        f |= F_SPACE;
    return f;
}

static uint32_t ascii_lower(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Encodes one pre-token (code points cp[0..n)) as GPT-2 symbols, merges them, and appends
 * the tokens. 0, or -1 when out of memory. */
static int encode_word(bpe *b, const uint32_t *cp, size_t n, int32_t **ids, size_t *nid, size_t *cap)
{
    /* ≤ 4 UTF-8 bytes per code point, ≤ 2 bytes per symbol */
    if (array_grow((void **)&b->word, &b->word_cap, 8 * n, 1) || array_grow((void **)&b->starts, &b->starts_cap, 4 * n, sizeof(size_t)))
        return -1;
    size_t w = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char u[4];
        size_t ul = encode_utf8(cp[i], u);
        for (size_t j = 0; j < ul; j++) {
            b->starts[k++] = w;
            memcpy(b->word + w, b->sym[u[j]], b->sym_len[u[j]]);
            w += b->sym_len[u[j]];
        }
    }
    const size_t *ends;
    size_t m = bpe_merge(b->merger, b->word, w, b->starts, k, pair_rank, b, &ends);
    if (m == 0)
        return -1;
    for (size_t i = 0, s = 0; i < m; s = ends[i++]) {
        int32_t id = vocab_map_find(b->v, (const char *)b->word + s, ends[i] - s);
        if (id >= 0) {
            if (push_id(ids, nid, cap, id))
                return -1;
            continue;
        }
        for (size_t j = s; j < ends[i]; j++) /* llama.cpp's fallback: each byte as a 1-byte text */
            if ((id = vocab_map_find(b->v, (const char *)b->word + j, 1)) >= 0 && push_id(ids, nid, cap, id))
                return -1;
    }
    return 0;
}

/* Code points of text[0..len) into b->cpts as llama.cpp decodes them; their count, or
 * SIZE_MAX when out of memory. */
static size_t decode_text(bpe *b, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    if (array_grow((void **)&b->cpts, &b->cpts_cap, len + 1, sizeof(uint32_t)))
        return SIZE_MAX;
    size_t nc = 0;
    for (size_t i = 0; i < len;) {
        size_t used = decode_cpt(s + i, len - i, &b->cpts[nc]);
        if (used == 0) {
            b->cpts[nc] = 0xFFFD;
            used = 1;
        }
        nc++;
        i += used;
    }
    return nc;
}

/* The end of the pre-token that starts at cp[pos]: Qwen2's pattern, branch for branch as
 * llama.cpp's matcher tries them. F(i) is 0 past the end, as its flags of an out-of-range
 * position are. */
static size_t next_word(const uint32_t *cp, size_t nc, size_t pos)
{
#define F(i) ((i) < nc ? cpt_flags(cp[i]) : 0u) /* i must have no side effect */
    size_t start = pos;
    uint32_t c = cp[pos];
    unsigned f = F(pos);
    if (c == '\'' && pos + 1 < nc) { /* 's 't 're 've 'm 'll 'd, either case */
        uint32_t c1 = ascii_lower(cp[pos + 1]);
        uint32_t c2 = pos + 2 < nc ? ascii_lower(cp[pos + 2]) : 0;
        if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd')
            return pos + 2;
        if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
            return pos + 3;
    }
    if (!(c == '\r' || c == '\n' || (f & F_NUMBER)) && ((f & F_LETTER) || (F(pos + 1) & F_LETTER))) {
        pos++; /* [^\r\n\p{L}\p{N}]?\p{L}+ */
        while (F(pos) & F_LETTER)
            pos++;
        return pos;
    }
    if (f & F_NUMBER) /* \p{N}: one at a time */
        return pos + 1;
    unsigned f2 = c == ' ' ? F(pos + 1) : f;
    if (!(f2 & (F_SPACE | F_LETTER | F_NUMBER)) && f) { /* ' '?[^\s\p{L}\p{N}]+[\r\n]* */
        pos += c == ' ';
        while (!(f2 & (F_SPACE | F_LETTER | F_NUMBER)) && f2) {
            pos++;
            f2 = F(pos);
        }
        while (pos < nc && (cp[pos] == '\r' || cp[pos] == '\n'))
            pos++;
        return pos;
    }
    size_t ws = 0, last_rn = 0;
    while (F(pos + ws) & F_SPACE) {
        if (cp[pos + ws] == '\r' || cp[pos + ws] == '\n')
            last_rn = pos + ws + 1;
        ws++;
    }
    if (last_rn > 0) /* \s*[\r\n]+ */
        return last_rn;
    if (ws > 1 && pos + ws < nc) /* \s+(?!\S): the last space goes with what follows */
        return pos + ws - 1;
    if (ws > 0) /* \s+ */
        return pos + ws;
    return start + 1; /* nothing matched: the character alone */
#undef F
}

int bpe_tokenize(bpe *b, const char *text, size_t len, int32_t **ids, size_t *n, size_t *cap)
{
    size_t nc = decode_text(b, text, len);
    if (nc == SIZE_MAX)
        return -1;
    for (size_t pos = 0, end; pos < nc; pos = end) {
        end = next_word(b->cpts, nc, pos);
        if (encode_word(b, b->cpts + pos, end - pos, ids, n, cap))
            return -1;
    }
    return 0;
}

size_t bpe_pretokenize(bpe *b, const char *text, size_t len, size_t *word_cpts, size_t max_words)
{
    size_t nc = decode_text(b, text, len), k = 0;
    if (nc == SIZE_MAX)
        return SIZE_MAX;
    for (size_t pos = 0, end; pos < nc; pos = end, k++) {
        end = next_word(b->cpts, nc, pos);
        if (k < max_words)
            word_cpts[k] = end - pos;
    }
    return k;
}
