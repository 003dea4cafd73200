#include "keyword.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "strbuf.h"

/* The tokenizer's tables (ASCII folding, stop words, compounds' first words), built once by
 * tables_init when an entry point is first called. */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static void tables_init(void);

/* ---- character classes ---- */

/* ASCII_FOLD[b]: a letter or digit folded to lower case; 0 for any other byte (tables_init). */
static unsigned char ASCII_FOLD[256];

enum cp_class { CP_SEP, CP_WORD, CP_CJK, CP_SYMBOL, CP_JOINER };

static int is_cjk(int32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF) ||   /* hiragana, katakana */
           (c >= 0x31F0 && c <= 0x31FF) ||   /* katakana extensions */
           (c >= 0x3400 && c <= 0x4DBF) ||   /* CJK extension A */
           (c >= 0x4E00 && c <= 0x9FFF) ||   /* CJK unified ideographs */
           (c >= 0xF900 && c <= 0xFAFF) ||   /* compatibility ideographs */
           (c >= 0xFF66 && c <= 0xFF9F) ||   /* half-width katakana */
           (c >= 0x1100 && c <= 0x11FF) ||   /* Hangul jamo */
           (c >= 0x3130 && c <= 0x318F) ||   /* Hangul compatibility jamo */
           (c >= 0xAC00 && c <= 0xD7AF) ||   /* Hangul syllables */
           (c >= 0x20000 && c <= 0x3FFFF);   /* CJK extensions B.. */
}

static enum cp_class classify_wide(int32_t c);

/* ASCII (most of every text) without a call. */
static inline enum cp_class classify(int32_t c)
{
    if (c >= 0 && c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? CP_WORD : CP_SEP;
    return classify_wide(c);
}

static enum cp_class classify_wide(int32_t c)
{
    if (c < 0)
        return CP_SEP;
    if (is_cjk(c))
        return CP_CJK;
    /* Emoji joiners, variation selectors and skin-tone modifiers glue emoji together: dropped. */
    if (c == 0x200D || (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0x1F3FB && c <= 0x1F3FF) || c == 0x20E3)
        return CP_JOINER;
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
        return CP_WORD;
    case UTF8PROC_CATEGORY_SO: case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC:
        return CP_SYMBOL;
    default:
        return CP_SEP;
    }
}

static int is_letter(int32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return classify(c) == CP_WORD && utf8proc_category(c) <= UTF8PROC_CATEGORY_LO;
}

static int is_digit(int32_t c) { return c >= '0' && c <= '9'; }

/* ---- the text as code points ---- */

typedef struct cp_at {
    int32_t cp;     /* -1 for an invalid byte */
    size_t start;   /* byte offset in the text */
} cp_at;

/* ---- raw tokens, before compounds and stop words ---- */

typedef struct raw_token {
    size_t off, len;      /* in the token buffer */
    size_t start, end;    /* in the text */
    int word;             /* 1 = a word (compounds and stop words apply) */
    int hard_break;       /* punctuation other than blanks and '&' before it: no compound */
    int amp_before;       /* a lone '&' between it and the word before */
} raw_token;

typedef struct tokenizer {
    char *buf;
    size_t buf_len, buf_cap;
    raw_token *tok;
    size_t n, cap;
    int oom;
} tokenizer;

static void buf_add(tokenizer *t, const char *s, size_t n)
{
    if (t->oom)
        return;
    if (n == 1 && t->buf_len < t->buf_cap) { /* one folded ASCII byte: most calls */
        t->buf[t->buf_len++] = *s;
        return;
    }
    if (t->buf_len + n > t->buf_cap) {
        size_t cap = t->buf_cap ? t->buf_cap * 2 : 256;
        while (cap < t->buf_len + n)
            cap *= 2;
        char *b = realloc(t->buf, cap);
        if (!b) {
            t->oom = 1;
            return;
        }
        t->buf = b;
        t->buf_cap = cap;
    }
    memcpy(t->buf + t->buf_len, s, n);
    t->buf_len += n;
}

static void buf_add_cp(tokenizer *t, int32_t cp)
{
    utf8proc_uint8_t out[4];
    utf8proc_ssize_t n = utf8proc_encode_char(cp, out);
    if (n > 0)
        buf_add(t, (const char *)out, (size_t)n);
}

/* Case-folded, compatibility-decomposed, accents stripped. */
static void buf_add_folded(tokenizer *t, int32_t cp)
{
    if (cp < 0x80) {
        char c = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
        buf_add(t, &c, 1);
        return;
    }
    utf8proc_int32_t out[18];
    int last = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char(
        cp, out, 18, UTF8PROC_CASEFOLD | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK, &last);
    if (n < 0 || n > 18) {
        buf_add_cp(t, cp);
        return;
    }
    for (utf8proc_ssize_t i = 0; i < n; i++)
        buf_add_cp(t, out[i]);
}

/* Inlined (always_inline, with push_word): called once per word of every text, and the calls'
 * saving and restoring of registers were a third of their cost (callgrind). */
#define PER_WORD static inline __attribute__((always_inline))

PER_WORD raw_token *token_push(tokenizer *t, size_t off, size_t start, size_t end, int word)
{
    if (t->oom)
        return NULL;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        raw_token *tk = realloc(t->tok, cap * sizeof *tk);
        if (!tk) {
            t->oom = 1;
            return NULL;
        }
        t->tok = tk;
        t->cap = cap;
    }
    raw_token *r = &t->tok[t->n++];
    *r = (raw_token){.off = off, .len = t->buf_len - off, .start = start, .end = end, .word = word};
    if (r->len > KEYWORD_MAX_TOKEN) { /* cut at a code point boundary */
        size_t cut = KEYWORD_MAX_TOKEN;
        while (cut > 0 && ((unsigned char)t->buf[off + cut] & 0xC0) == 0x80)
            cut--;
        r->len = cut;
        t->buf_len = off + cut;
    }
    return r;
}

static const char *const UNITS[] = {"bpm", "hz", "khz", "ms", "db", "bar", "bars", NULL};

/* A number glued to a unit ("120bpm") is pushed as two tokens. */
PER_WORD void push_word(tokenizer *t, size_t off, size_t start, size_t end, int hard_break, int amp)
{
    size_t len = t->buf_len - off, digits = 0;
    while (digits < len && (is_digit(t->buf[off + digits]) || t->buf[off + digits] == '.'))
        digits++;
    if (digits > 0 && digits < len) {
        for (const char *const *u = UNITS; *u; u++)
            if (strlen(*u) == len - digits && memcmp(t->buf + off + digits, *u, len - digits) == 0) {
                size_t unit_len = len - digits;
                t->buf_len = off + digits;
                raw_token *r = token_push(t, off, start, start + digits, 1);
                if (r) {
                    r->hard_break = hard_break;
                    r->amp_before = amp;
                }
                t->buf_len += unit_len;
                token_push(t, off + digits, start + digits, end, 1);
                return;
            }
    }
    raw_token *r = token_push(t, off, start, end, 1);
    if (r) {
        r->hard_break = hard_break;
        r->amp_before = amp;
    }
}

static void segment(tokenizer *t, const cp_at *cps, size_t n, size_t text_len, enum keyword_mode mode)
{
    int hard_break = 0, amp = 0;
#define END_OF(j) ((j) + 1 < n ? cps[(j) + 1].start : text_len)
    for (size_t i = 0; i < n && !t->oom;) {
        int32_t c = cps[i].cp;
        enum cp_class cls = classify(c);
        if (cls == CP_WORD) {
            size_t off = t->buf_len, j = i;
            for (; j < n; j++) {
                int32_t d = cps[j].cp;
                /* ASCII letters and digits, most of every word: folded straight into the
                 * buffer (as buf_add_folded would, without its checks) */
                if (d >= 0 && d < 0x80 && ASCII_FOLD[d] && t->buf_len < t->buf_cap) {
                    t->buf[t->buf_len++] = (char)ASCII_FOLD[d];
                    continue;
                }
                int32_t prev = j > i ? cps[j - 1].cp : -1, next = j + 1 < n ? cps[j + 1].cp : -1;
                if (classify(d) == CP_WORD) {
                    buf_add_folded(t, d);
                } else if ((d == '\'' || d == 0x2019 || d == '-') && is_letter(prev) && is_letter(next)) {
                    continue; /* "don't" = "dont", "lo-fi" = "lofi" */
                } else if (d == '&' && is_letter(prev) && is_letter(next)) {
                    buf_add(t, "n", 1); /* "r&b" = "rnb" */
                } else if (d == '.' && is_digit(prev) && is_digit(next)) {
                    buf_add(t, ".", 1);
                } else if (d == '#' && j > i) {
                    buf_add(t, "#", 1); /* "F#m", "C#" */
                } else {
                    break;
                }
            }
            push_word(t, off, cps[i].start, j < n ? cps[j].start : text_len, hard_break, amp);
            hard_break = amp = 0;
            i = j;
        } else if (cls == CP_CJK) {
            size_t j = i;
            while (j < n && classify(cps[j].cp) == CP_CJK)
                j++;
            size_t run = j - i;
            for (size_t a = i; a < j; a++) {
                if (mode == KEYWORD_DOCUMENT || run == 1) {
                    size_t off = t->buf_len;
                    buf_add_cp(t, cps[a].cp);
                    token_push(t, off, cps[a].start, END_OF(a), 0);
                }
                if (a + 1 < j) {
                    size_t off = t->buf_len;
                    buf_add_cp(t, cps[a].cp);
                    buf_add_cp(t, cps[a + 1].cp);
                    token_push(t, off, cps[a].start, END_OF(a + 1), 0);
                }
            }
            hard_break = 1;
            amp = 0;
            i = j;
        } else if (cls == CP_SYMBOL) {
            size_t off = t->buf_len;
            buf_add_cp(t, c);
            token_push(t, off, cps[i].start, END_OF(i), 0);
            hard_break = 1;
            amp = 0;
            i++;
        } else {
            if (c == '&')
                amp = 1;
            else if (c != ' ' && c != '\t' && cls != CP_JOINER)
                hard_break = 1;
            i++;
        }
    }
#undef END_OF
}

static int ascii_letter_at(const unsigned char *text, size_t i, size_t n)
{
    return i < n && ASCII_FOLD[text[i]] >= 'a';
}

/* segment() for a text of ASCII bytes only (most fields of every library), read straight from
 * the bytes: no code point array, no class calls. The same rules, so the same raw tokens
 * (test_keyword compares the two ways over random texts): a byte is a code point; letters and
 * digits are the only word characters; every other byte is a separator. */
static void segment_ascii(tokenizer *t, const unsigned char *text, size_t n)
{
    int hard_break = 0, amp = 0;
    for (size_t i = 0; i < n;) {
        int c = text[i];
        if (!ASCII_FOLD[c]) {
            if (c == '&')
                amp = 1;
            else if (c != ' ' && c != '\t')
                hard_break = 1;
            i++;
            continue;
        }
        /* the folded word, written where the buffer ends (keyword_tokenize_in reserved room
         * for the whole text); `end` is a local so the byte stores do not reload t */
        size_t off = t->buf_len, end = off, j = i;
        char *out = t->buf;
        for (; j < n; j++) {
            unsigned char d = text[j], folded = ASCII_FOLD[d];
            if (folded) {
                out[end++] = (char)folded;
                continue;
            }
            /* j > i: the word's first byte is a letter or digit */
            if ((d == '\'' || d == '-') && ascii_letter_at(text, j - 1, n) && ascii_letter_at(text, j + 1, n))
                continue;
            if (d == '&' && ascii_letter_at(text, j - 1, n) && ascii_letter_at(text, j + 1, n))
                out[end++] = 'n';
            else if (d == '.' && is_digit(text[j - 1]) && j + 1 < n && is_digit(text[j + 1]))
                out[end++] = '.';
            else if (d == '#')
                out[end++] = '#';
            else
                break;
        }
        t->buf_len = end;
        push_word(t, off, i, j, hard_break, amp);
        hard_break = amp = 0;
        i = j;
    }
}

/* ---- compounds and stop words ---- */

/* With each word's length; looked up through stop_set (below). */
#define STOP(w) {w, sizeof w - 1}
static const struct {
    const char *word;
    size_t len;
} STOP_WORDS[] = {
    STOP("a"), STOP("about"), STOP("after"), STOP("all"), STOP("also"), STOP("am"), STOP("an"), STOP("and"),
    STOP("any"), STOP("are"), STOP("as"), STOP("at"), STOP("be"), STOP("been"), STOP("being"), STOP("both"),
    STOP("but"), STOP("by"), STOP("can"), STOP("could"), STOP("did"), STOP("do"), STOP("does"), STOP("each"),
    STOP("for"), STOP("from"), STOP("had"), STOP("has"), STOP("have"), STOP("he"), STOP("her"), STOP("here"),
    STOP("him"), STOP("his"), STOP("how"), STOP("i"), STOP("if"), STOP("in"), STOP("into"), STOP("is"),
    STOP("it"), STOP("its"), STOP("just"), STOP("me"), STOP("more"), STOP("most"), STOP("my"), STOP("n"),
    STOP("no"), STOP("nor"), STOP("not"), STOP("of"), STOP("on"), STOP("or"), STOP("other"), STOP("our"),
    STOP("s"), STOP("same"), STOP("she"), STOP("should"), STOP("so"), STOP("some"), STOP("such"), STOP("t"),
    STOP("than"), STOP("that"), STOP("the"), STOP("their"), STOP("them"), STOP("then"), STOP("there"),
    STOP("these"), STOP("they"), STOP("this"), STOP("those"), STOP("to"), STOP("too"), STOP("very"),
    STOP("was"), STOP("we"), STOP("were"), STOP("what"), STOP("when"), STOP("where"), STOP("which"),
    STOP("while"), STOP("who"), STOP("whom"), STOP("why"), STOP("will"), STOP("with"), STOP("would"),
    STOP("you"), STOP("your"),
};
#define STOP_MAX_LEN 6 /* "should" */

/* Lookups, once per token of every indexed text, go through a small hash set built once from
 * the lists here: a word of at most 8 bytes is one integer (its bytes, the rest 0; no token
 * holds a NUL), so a lookup is a multiply and a probe or two, where a binary search over the
 * words was a quarter of the tokenizer's time. */
#define WORD_SET_SLOTS 256 /* a power of two, well above the words it holds */
static uint64_t stop_set[WORD_SET_SLOTS];
static unsigned char compound_first_byte[256]; /* 1: a compound's first word starts with it */
static size_t compound_first_max_len;

/* (len ≤ 8) A loop rather than memcpy, which with a variable length is a call per token. */
static uint64_t word_key(const char *word, size_t len)
{
    uint64_t key = 0;
    for (size_t i = 0; i < len; i++)
        key |= (uint64_t)(unsigned char)word[i] << (8 * i);
    return key;
}

static size_t word_slot(uint64_t key) { return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 56) & (WORD_SET_SLOTS - 1); }

/* keyword_is_stop_word once the tables are built (once per token of every text). */
static int is_stop_word(const char *word, size_t len)
{
    if (len == 0 || len > STOP_MAX_LEN)
        return 0;
    uint64_t key = word_key(word, len);
    for (size_t i = word_slot(key);; i = (i + 1) & (WORD_SET_SLOTS - 1)) {
        if (stop_set[i] == key)
            return 1;
        if (stop_set[i] == 0)
            return 0;
    }
}

int keyword_is_stop_word(const char *word, size_t len)
{
    pthread_once(&tables_once, tables_init);
    return is_stop_word(word, len);
}

/* Two words written apart that producers mean as one. */
static const char *const COMPOUNDS[][3] = {
    {"hip", "hop", "hiphop"},     {"boom", "bap", "boombap"},     {"lo", "fi", "lofi"},
    {"trip", "hop", "triphop"},   {"neo", "soul", "neosoul"},     {"old", "school", "oldschool"},
    {"g", "funk", "gfunk"},       {"dub", "step", "dubstep"},     {"drum", "bass", "dnb"},
};
#define N_COMPOUNDS (sizeof COMPOUNDS / sizeof COMPOUNDS[0])
static size_t compound_len[N_COMPOUNDS][3]; /* strlen of each, by tables_init */

static void tables_init(void)
{
    _Static_assert(STOP_MAX_LEN <= sizeof(uint64_t), "a stop word fits a key");
    for (size_t w = 0; w < sizeof STOP_WORDS / sizeof STOP_WORDS[0]; w++) {
        uint64_t key = word_key(STOP_WORDS[w].word, STOP_WORDS[w].len);
        size_t i = word_slot(key);
        while (stop_set[i] != 0)
            i = (i + 1) & (WORD_SET_SLOTS - 1);
        stop_set[i] = key;
    }
    for (size_t c = 0; c < N_COMPOUNDS; c++) {
        for (int k = 0; k < 3; k++)
            compound_len[c][k] = strlen(COMPOUNDS[c][k]);
        compound_first_byte[(unsigned char)COMPOUNDS[c][0][0]] = 1;
        if (compound_len[c][0] > compound_first_max_len)
            compound_first_max_len = compound_len[c][0];
    }
    for (int c = '0'; c <= '9'; c++)
        ASCII_FOLD[c] = (unsigned char)c;
    for (int c = 'a'; c <= 'z'; c++)
        ASCII_FOLD[c] = ASCII_FOLD[c - 32] = (unsigned char)c;
}

/* Whether a token may begin a compound ("drum" is COMPOUNDS' last first word): most are
 * rejected by their length or first byte before any word is compared. */
static int may_start_compound(const tokenizer *t, const raw_token *r)
{
    return r->word && r->len > 0 && r->len <= compound_first_max_len &&
           compound_first_byte[(unsigned char)t->buf[r->off]];
}

/* Whether r is the word w of w_len bytes; most tokens are rejected by their length. */
static int tok_is(const tokenizer *t, const raw_token *r, const char *w, size_t w_len)
{
    return r->word && r->len == w_len && t->buf[r->off] == w[0] && memcmp(t->buf + r->off, w, w_len) == 0;
}
#define TOK_IS(t, r, literal) tok_is(t, r, literal, sizeof literal - 1)

/* The raw tokens (after tables_init) as tokens: compounds joined, stop words dropped. */
static int finish(tokenizer *t, keyword_token_fn fn, void *ctx)
{
    for (size_t i = 0; i < t->n; i++) {
        raw_token *r = &t->tok[i];
        if (i + 1 < t->n && may_start_compound(t, r)) {
            /* "drum and bass", "drum n bass": the connector word between the two */
            raw_token *b = &t->tok[i + 1];
            size_t skip = 0;
            if (TOK_IS(t, r, "drum") && (TOK_IS(t, b, "and") || TOK_IS(t, b, "n")) && !b->hard_break &&
                i + 2 < t->n && TOK_IS(t, &t->tok[i + 2], "bass") && !t->tok[i + 2].hard_break)
                skip = 2;
            else if (TOK_IS(t, r, "drum") && TOK_IS(t, b, "bass") && b->amp_before && !b->hard_break)
                skip = 1; /* "drum & bass" */
            if (skip) {
                int rc = fn(ctx, "dnb", 3, r->start, t->tok[i + skip].end);
                if (rc)
                    return rc;
                i += skip;
                continue;
            }
            for (size_t c = 0; c < N_COMPOUNDS; c++) {
                if (c == 8) /* drum bass only with a connector, handled above */
                    break;
                if (tok_is(t, r, COMPOUNDS[c][0], compound_len[c][0]) &&
                    tok_is(t, b, COMPOUNDS[c][1], compound_len[c][1]) && !b->hard_break &&
                    !b->amp_before) {
                    skip = 1;
                    int rc = fn(ctx, COMPOUNDS[c][2], compound_len[c][2], r->start, b->end);
                    if (rc)
                        return rc;
                    break;
                }
            }
            if (skip) {
                i++;
                continue;
            }
        }
        if (r->len == 0 || (r->word && is_stop_word(t->buf + r->off, r->len)))
            continue;
        int rc = fn(ctx, t->buf + r->off, r->len, r->start, r->end);
        if (rc)
            return rc;
    }
    return 0;
}

struct keyword_scratch {
    cp_at *cps;
    size_t cps_cap;
    char *buf;
    size_t buf_cap;
    raw_token *tok;
    size_t tok_cap;
    strbuf fields[KEYWORD_FIELDS]; /* keyword_fields_in's */
};

keyword_scratch *keyword_scratch_new(void) { return calloc(1, sizeof(keyword_scratch)); }

void keyword_scratch_free(keyword_scratch *s)
{
    if (!s)
        return;
    free(s->cps);
    free(s->buf);
    free(s->tok);
    for (int i = 0; i < KEYWORD_FIELDS; i++)
        strbuf_free(&s->fields[i]);
    free(s);
}

/* *p holds at least want elements of size bytes; 0, or -1 when out of memory. */
static int reserve(void **p, size_t *cap, size_t want, size_t size)
{
    if (*cap >= want)
        return 0;
    void *q = realloc(*p, want * size);
    if (!q)
        return -1;
    *p = q;
    *cap = want;
    return 0;
}

/* 1 if text[0, len) holds no byte above 0x7F: eight bytes a step. */
static int is_ascii(const char *text, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, text + i, 8);
        if (w & 0x8080808080808080ULL)
            return 0;
    }
    for (; i < len; i++)
        if ((unsigned char)text[i] >= 0x80)
            return 0;
    return 1;
}

/* text[0, len) as code points at their byte offsets (cps holds len of them); their count. */
static size_t code_points(const char *text, size_t len, cp_at *cps)
{
    size_t n = 0;
    for (size_t pos = 0; pos < len;) {
        if ((unsigned char)text[pos] < 0x80) { /* ASCII, most of every text */
            cps[n].cp = (unsigned char)text[pos];
            cps[n].start = pos++;
            n++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate((const utf8proc_uint8_t *)text + pos,
                                                 (utf8proc_ssize_t)(len - pos), &cp);
        if (step <= 0) {
            cp = -1;
            step = 1;
        }
        cps[n].cp = cp;
        cps[n].start = pos;
        n++;
        pos += (size_t)step;
    }
    return n;
}

int keyword_tokenize_in(keyword_scratch *sc, const char *text, size_t len, enum keyword_mode mode,
                        keyword_token_fn fn, void *ctx)
{
    pthread_once(&tables_once, tables_init);
    int ascii = is_ascii(text, len);
    /* room for the usual case at once (folded ASCII is at most as long as the text, which
     * segment_ascii relies on; a word is a few bytes): the buffers grow only for CJK pairs and
     * long decompositions */
    if ((!ascii && reserve((void **)&sc->cps, &sc->cps_cap, len + 1, sizeof *sc->cps)) ||
        reserve((void **)&sc->buf, &sc->buf_cap, len + 16, 1) ||
        reserve((void **)&sc->tok, &sc->tok_cap, len / 4 + 16, sizeof *sc->tok))
        return -1;
    tokenizer t;
    memset(&t, 0, sizeof t);
    t.buf = sc->buf;
    t.buf_cap = sc->buf_cap;
    t.tok = sc->tok;
    t.cap = sc->tok_cap;
    if (ascii) {
        segment_ascii(&t, (const unsigned char *)text, len);
    } else {
        size_t n = code_points(text, len, sc->cps);
        segment(&t, sc->cps, n, len, mode);
    }
    /* the buffers may have grown: the scratch keeps them either way */
    sc->buf = t.buf;
    sc->buf_cap = t.buf_cap;
    sc->tok = t.tok;
    sc->tok_cap = t.cap;
    return t.oom ? -1 : finish(&t, fn, ctx);
}

int keyword_tokenize(const char *text, size_t len, enum keyword_mode mode, keyword_token_fn fn, void *ctx)
{
    keyword_scratch sc;
    memset(&sc, 0, sizeof sc);
    int rc = keyword_tokenize_in(&sc, text, len, mode, fn, ctx);
    free(sc.cps);
    free(sc.buf);
    free(sc.tok);
    return rc;
}

/* ---- fields ---- */

static const struct {
    const char *label;
    int field; /* -1 = not indexed */
} LABELS[] = {
    {"Title: ", KEYWORD_TITLE}, {"Genre: ", KEYWORD_GENRE},      {"BPM: ", KEYWORD_PARAMS},
    {"Key: ", KEYWORD_PARAMS},  {"Mood: ", KEYWORD_MOOD},        {"Energy: ", -1},
    {"Tags: ", KEYWORD_TAGS},   {"Sample Tags: ", KEYWORD_TAGS}, {"Description: ", KEYWORD_BODY},
};

/* Splits source into f (each emptied first, its buffer kept); -1 when out of memory. */
static int split_fields(const char *source, size_t max_bytes, strbuf f[KEYWORD_FIELDS])
{
    for (int i = 0; i < KEYWORD_FIELDS; i++)
        strbuf_clear(&f[i]);
    int current = KEYWORD_BODY, rc = 0;
    for (const char *line = source ? source : ""; *line && !rc;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *value = line;
        size_t vlen = len;
        for (size_t i = 0; i < sizeof LABELS / sizeof LABELS[0]; i++) {
            size_t ll = strlen(LABELS[i].label);
            if (len >= ll && memcmp(line, LABELS[i].label, ll) == 0) {
                current = LABELS[i].field;
                value = line + ll;
                vlen = len - ll;
                break;
            }
        }
        /* a line without a label continues the field before it (multi-line descriptions);
         * a field past max_bytes takes no more (its first max_bytes are exactly as uncut) */
        if (current >= 0 && f[current].len <= max_bytes) {
            if (f[current].len)
                rc = strbuf_add(&f[current], "\n", 1);
            /* max_bytes + 1 at most: one past the cut, where a reader sees whether its cut
             * falls inside a character */
            size_t room = f[current].len <= max_bytes ? max_bytes - f[current].len + (max_bytes < SIZE_MAX) : 0;
            if (!rc)
                rc = strbuf_add(&f[current], value, vlen < room ? vlen : room);
        }
        line = eol ? eol + 1 : line + len;
    }
    for (int i = 0; i < KEYWORD_FIELDS && !rc; i++)
        if (f[i].len == 0)
            rc = strbuf_add(&f[i], "", 0);
    return rc;
}

int keyword_fields_in(keyword_scratch *sc, const char *source, size_t max_bytes, const char *out[KEYWORD_FIELDS],
                      size_t len[KEYWORD_FIELDS])
{
    if (split_fields(source, max_bytes, sc->fields) != 0)
        return -1;
    for (int i = 0; i < KEYWORD_FIELDS; i++) {
        out[i] = sc->fields[i].s;
        len[i] = sc->fields[i].len;
    }
    return 0;
}
