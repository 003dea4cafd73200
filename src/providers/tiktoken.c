#define PCRE2_CODE_UNIT_WIDTH 8
#include "tiktoken.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "bpe_merge.h"
#include "fileio.h"

#ifndef SAMPLEVEC_VOCAB_PATH
#define SAMPLEVEC_VOCAB_PATH "build/vocab/cl100k_base.json"
#endif

#define RANK_NONE UINT32_MAX

/* cl100k_base's pre-tokenization pattern, for .tiktoken files (which carry none); the same
 * string npm tiktoken ships as pat_str. */
static const char CL100K_PATTERN[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+"
    "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/* Unicode White_Space (what Rust's regex `\s` matches), as PCRE2 class items. */
static const char WHITE_SPACE_ITEMS[] =
    "\\t\\n\\x0B\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}"
    "\\x{205F}\\x{3000}";

typedef struct vocab_slot {
    uint32_t off;  /* into tiktoken.bytes */
    uint32_t len;  /* 0 = empty slot */
    uint32_t rank;
} vocab_slot;

struct tiktoken {
    unsigned char *bytes; /* every token's bytes, back to back */
    size_t bytes_len, bytes_cap;
    vocab_slot *slots;    /* open addressing, size mask+1 (power of two), ≤ 50% full */
    size_t mask, n_tokens;
    pcre2_code *re;
    pcre2_match_data *md;
    bpe_merger *merger;   /* the merge's working buffers, kept (no allocation per piece) */
    size_t whole_end;     /* the one token end of a piece that is a token itself */
};

static uint64_t hash_bytes(const unsigned char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static uint32_t lookup(const tiktoken *t, const unsigned char *s, size_t n)
{
    if (n == 0 || n > UINT32_MAX)
        return RANK_NONE;
    for (size_t i = hash_bytes(s, n) & t->mask;; i = (i + 1) & t->mask) {
        const vocab_slot *e = &t->slots[i];
        if (e->len == 0)
            return RANK_NONE;
        if (e->len == n && memcmp(t->bytes + e->off, s, n) == 0)
            return e->rank;
    }
}

static int table_init(tiktoken *t, size_t expect)
{
    size_t size = 1024;
    while (size < expect * 2)
        size *= 2;
    t->slots = calloc(size, sizeof *t->slots);
    t->mask = size - 1;
    return t->slots ? 0 : -1;
}

/* Adds token bytes s[0..n) with `rank`; returns -1 on OOM or a full table. */
static int table_add(tiktoken *t, const unsigned char *s, size_t n, uint32_t rank)
{
    if (n == 0 || n > UINT32_MAX || t->n_tokens * 2 >= t->mask)
        return -1;
    if (t->bytes_len + n > t->bytes_cap) {
        size_t cap = t->bytes_cap ? t->bytes_cap * 2 : 1 << 20;
        while (cap < t->bytes_len + n)
            cap *= 2;
        if (cap > UINT32_MAX)
            return -1;
        unsigned char *grown = realloc(t->bytes, cap);
        if (!grown)
            return -1;
        t->bytes = grown;
        t->bytes_cap = cap;
    }
    size_t i = hash_bytes(s, n) & t->mask;
    while (t->slots[i].len) {
        if (t->slots[i].len == n && memcmp(t->bytes + t->slots[i].off, s, n) == 0) {
            t->slots[i].rank = rank; /* a duplicate: last wins, as in a dict */
            return 0;
        }
        i = (i + 1) & t->mask;
    }
    memcpy(t->bytes + t->bytes_len, s, n);
    t->slots[i] = (vocab_slot){(uint32_t)t->bytes_len, (uint32_t)n, rank};
    t->bytes_len += n;
    t->n_tokens++;
    return 0;
}

/* Decodes one base64 token and adds it. */
static int add_b64(tiktoken *t, const char *b64, size_t len, uint64_t rank, char err[SV_ERR_LEN])
{
    unsigned char buf[512];
    if (BASE64_DECODED_MAX(len) > sizeof buf || rank >= RANK_NONE)
        return sv_fail(err, SV_EXIT_DATA, "token of rank %llu is too long or its rank too large",
                       (unsigned long long)rank);
    long n = base64_decode(b64, len, buf);
    if (n <= 0)
        return sv_fail(err, SV_EXIT_DATA, "token of rank %llu is not valid base64",
                       (unsigned long long)rank);
    if (table_add(t, buf, (size_t)n, (uint32_t)rank) != 0)
        return sv_fail(err, SV_EXIT_DATA, "out of memory loading the vocabulary");
    return 0;
}

/* npm tiktoken's bpe_ranks: lines "MARK OFFSET B64 B64 ...". */
static int parse_npm_ranks(tiktoken *t, const char *s, char err[SV_ERR_LEN])
{
    while (*s) {
        const char *eol = strchr(s, '\n');
        if (!eol)
            eol = s + strlen(s);
        const char *p = memchr(s, ' ', (size_t)(eol - s)); /* skip the marker field */
        if (p) {
            char *end;
            errno = 0;
            unsigned long long rank = strtoull(p + 1, &end, 10);
            if (errno || end == p + 1 || end > eol)
                return sv_fail(err, SV_EXIT_DATA, "bpe_ranks line without a rank offset");
            p = end;
            while (p < eol) {
                while (p < eol && *p == ' ')
                    p++;
                const char *q = p;
                while (q < eol && *q != ' ')
                    q++;
                if (q > p && add_b64(t, p, (size_t)(q - p), rank++, err) != 0)
                    return SV_EXIT_DATA;
                p = q;
            }
        }
        s = *eol ? eol + 1 : eol;
    }
    return 0;
}

/* OpenAI .tiktoken: lines "B64 RANK". */
static int parse_tiktoken_file(tiktoken *t, const char *s, char err[SV_ERR_LEN])
{
    size_t line = 0;
    while (*s) {
        line++;
        const char *eol = strchr(s, '\n');
        if (!eol)
            eol = s + strlen(s);
        if (eol > s && !(eol == s + 1 && *s == '\r')) {
            const char *sp = memchr(s, ' ', (size_t)(eol - s));
            char *end;
            errno = 0;
            unsigned long long rank = sp ? strtoull(sp + 1, &end, 10) : 0;
            if (!sp || errno || end == sp + 1)
                return sv_fail(err, SV_EXIT_DATA, "line %zu is not 'BASE64 RANK'", line);
            if (add_b64(t, s, (size_t)(sp - s), rank, err) != 0)
                return SV_EXIT_DATA;
        }
        s = *eol ? eol + 1 : eol;
    }
    return 0;
}

/* The pattern with `\s`/`\S` spelled as White_Space classes (see the header). Caller frees. */
static char *rewrite_pattern(const char *pat)
{
    size_t n = strlen(pat), ws = strlen(WHITE_SPACE_ITEMS);
    char *out = malloc(n * (ws + 4) + 1);
    if (!out)
        return NULL;
    char *o = out;
    int in_class = 0;
    for (size_t i = 0; i < n; i++) {
        char c = pat[i];
        if (c == '\\' && i + 1 < n) {
            char d = pat[++i];
            if (d == 's' || (d == 'S' && !in_class)) {
                if (!in_class)
                    o += sprintf(o, "[%s", d == 'S' ? "^" : "");
                memcpy(o, WHITE_SPACE_ITEMS, ws);
                o += ws;
                if (!in_class)
                    *o++ = ']';
            } else {
                *o++ = '\\';
                *o++ = d;
            }
            continue;
        }
        if (c == '[' && !in_class)
            in_class = 1;
        else if (c == ']' && in_class)
            in_class = 0;
        *o++ = c;
    }
    *o = '\0';
    return out;
}

/* A vocabulary is a few MB; refuse anything huge. */
#define VOCAB_MAX_BYTES ((size_t)64 << 20)

static char *read_file(const char *path, size_t *len, char err[SV_ERR_LEN])
{
    char *text = fileio_read_all(path, VOCAB_MAX_BYTES, len);
    if (!text && errno == EFBIG)
        sv_fail(err, SV_EXIT_DATA, "tokenizer vocabulary %s is larger than 64 MiB", path);
    else if (!text)
        sv_fail(err, SV_EXIT_DATA, "cannot read tokenizer vocabulary %s: %s", path, strerror(errno));
    return text;
}

tiktoken *tiktoken_load(const char *path, char err[SV_ERR_LEN])
{
    size_t len = 0;
    cJSON *json = NULL;
    char *pattern = NULL;
    tiktoken *t = NULL;
    char *text = read_file(path, &len, err);
    if (!text)
        return NULL;
    t = calloc(1, sizeof *t);
    if (!t || table_init(t, 110000) != 0 || !(t->merger = bpe_merger_new())) {
        sv_fail(err, SV_EXIT_DATA, "out of memory loading %s", path);
        goto fail;
    }
    char sub[SV_ERR_LEN] = "";
    const char *pat = CL100K_PATTERN;
    const char *p = text;
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    if (*p == '{') {
        json = cJSON_ParseWithLength(text, len);
        const cJSON *ranks = cJSON_GetObjectItemCaseSensitive(json, "bpe_ranks");
        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(json, "pat_str");
        if (!cJSON_IsString(ranks)) {
            sv_fail(err, SV_EXIT_DATA, "%s is not a tiktoken vocabulary (no bpe_ranks string)", path);
            goto fail;
        }
        if (cJSON_IsString(ps))
            pat = ps->valuestring;
        if (parse_npm_ranks(t, ranks->valuestring, sub) != 0)
            goto bad;
    } else if (parse_tiktoken_file(t, text, sub) != 0) {
        goto bad;
    }
    if (t->n_tokens < 256) {
        snprintf(sub, sizeof sub, "only %zu tokens", t->n_tokens);
        goto bad;
    }
    pattern = rewrite_pattern(pat);
    if (!pattern) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto fail;
    }
    int ecode;
    PCRE2_SIZE eoff;
    t->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
                          &ecode, &eoff, NULL);
    if (!t->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ecode, msg, sizeof msg);
        snprintf(sub, sizeof sub, "pattern does not compile at %zu: %s", (size_t)eoff, (char *)msg);
        goto bad;
    }
    pcre2_jit_compile(t->re, PCRE2_JIT_COMPLETE); /* no JIT on this CPU: the interpreter runs */
    t->md = pcre2_match_data_create_from_pattern(t->re, NULL);
    if (!t->md) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto fail;
    }
    free(pattern);
    cJSON_Delete(json);
    free(text);
    return t;
bad:
    sv_fail(err, SV_EXIT_DATA, "tokenizer vocabulary %s is malformed: %s", path, sub);
fail:
    free(pattern);
    cJSON_Delete(json);
    free(text);
    tiktoken_free(t);
    return NULL;
}

void tiktoken_free(tiktoken *t)
{
    if (!t)
        return;
    pcre2_match_data_free(t->md);
    pcre2_code_free(t->re);
    free(t->bytes);
    free(t->slots);
    bpe_merger_free(t->merger);
    free(t);
}

const char *tiktoken_default_path(const char *override)
{
    if (override && *override)
        return override;
    const char *env = getenv("SAMPLEVEC_TIKTOKEN");
    if (env && *env)
        return env;
#ifdef SAMPLEVEC_VOCAB_INSTALLED
    /* An installed binary whose source tree is gone finds the copy `make install` put beside it. */
    if (access(SAMPLEVEC_VOCAB_PATH, R_OK) != 0 && access(SAMPLEVEC_VOCAB_INSTALLED, R_OK) == 0)
        return SAMPLEVEC_VOCAB_INSTALLED;
#endif
    return SAMPLEVEC_VOCAB_PATH;
}

/* bpe_merge's rank: the concatenation's rank as a token (tiktoken merges by token rank). */
static uint32_t pair_rank(const void *ctx, const unsigned char *s, size_t a, size_t b, size_t c)
{
    (void)b;
    return lookup(ctx, s + a, c - a);
}

/* Tokens of one piece; *ends (their end offsets, borrowed until the next call) set only when
 * ends is not NULL (a whole-token piece gives {n}). 0 on out of memory. */
static size_t piece_tokens(tiktoken *t, const unsigned char *s, size_t n, const size_t **ends)
{
    if (lookup(t, s, n) != RANK_NONE || n == 1) {
        t->whole_end = n;
        if (ends)
            *ends = &t->whole_end;
        return 1;
    }
    const size_t *merged;
    size_t tokens = bpe_merge(t->merger, s, n, NULL, n, pair_rank, t, &merged);
    if (ends)
        *ends = merged;
    return tokens;
}

/* Core loop: counts up to max_tokens; on overflow sets *cut to the end of the last whole token
 * that fits and returns max_tokens + 1. */
static size_t count_upto(tiktoken *t, const char *text, size_t len, size_t max_tokens, size_t *cut)
{
    size_t total = 0, off = 0;
    *cut = len;
    while (off < len) {
        int rc = pcre2_match(t->re, (PCRE2_SPTR)text, len, off, PCRE2_NO_UTF_CHECK, t->md, NULL);
        if (rc < 0)
            break; /* no further piece (every character matches some branch, so: the end) */
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(t->md);
        size_t s = ov[0], e = ov[1];
        if (e <= s) { /* cannot happen with this pattern; never loop forever on another */
            off = s + 1;
            continue;
        }
        const size_t *ends;
        size_t c = piece_tokens(t, (const unsigned char *)text + s, e - s, &ends);
        if (total + c > max_tokens) {
            size_t room = max_tokens - total;
            size_t cut_at = room > 0 ? s + ends[room - 1] : s;
            *cut = cut_at;
            return max_tokens + 1;
        }
        total += c;
        off = e;
    }
    return total;
}

size_t tiktoken_count(tiktoken *t, const char *text, size_t len)
{
    size_t cut;
    return count_upto(t, text, len, SIZE_MAX - 1, &cut);
}

size_t tiktoken_count_prefix(tiktoken *t, const char *text, size_t len, size_t max_tokens,
                             size_t *prefix_len)
{
    size_t cut, total = count_upto(t, text, len, max_tokens, &cut);
    if (total <= max_tokens) {
        if (prefix_len)
            *prefix_len = len;
        return total;
    }
    /* A token may end inside a multi-byte character: back off to its first byte. Re-encoding a
     * prefix can split its last piece differently, so check and shrink until it fits. */
    size_t budget = max_tokens;
    for (;;) {
        while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
            cut--;
        size_t c2, again = count_upto(t, text, cut, max_tokens, &c2);
        if (again <= max_tokens || budget == 0)
            break;
        budget--;
        count_upto(t, text, len, budget, &cut);
    }
    if (prefix_len)
        *prefix_len = cut;
    return max_tokens + 1;
}

char *tiktoken_sanitize_utf8(const char *s, size_t len, size_t *out_len, int *oom)
{
    *oom = 0;
    const unsigned char *u = (const unsigned char *)s;
    char *out = NULL;
    size_t o = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char b = u[i];
        size_t need = 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b < 0x80)
            need = 0;
        else if (b >= 0xC2 && b <= 0xDF)
            need = 1;
        else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            if (b == 0xE0)
                lo = 0xA0;
            if (b == 0xED)
                hi = 0x9F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            if (b == 0xF0)
                lo = 0x90;
            if (b == 0xF4)
                hi = 0x8F;
        } else {
            need = SIZE_MAX; /* never a lead byte */
        }
        size_t good = 0; /* continuation bytes that fit */
        if (need != SIZE_MAX)
            while (good < need && i + 1 + good < len) {
                unsigned char c = u[i + 1 + good];
                if (c < lo || c > hi)
                    break;
                lo = 0x80, hi = 0xBF;
                good++;
            }
        if (need != SIZE_MAX && good == need) { /* a whole character */
            if (out)
                memcpy(out + o, u + i, need + 1);
            o += need + 1;
            i += need + 1;
            continue;
        }
        /* Ill-formed: the lead byte plus the continuation bytes that fit become one U+FFFD. */
        if (!out) {
            /* Worst case: every byte becomes 3 bytes. */
            if (len > (SIZE_MAX - 1) / 3 || !(out = malloc(len * 3 + 1))) {
                *oom = 1;
                return NULL;
            }
            memcpy(out, s, o);
        }
        memcpy(out + o, "\xEF\xBF\xBD", 3);
        o += 3;
        i += (need == SIZE_MAX ? 0 : good) + 1;
    }
    if (!out)
        return NULL;
    out[o] = '\0';
    *out_len = o;
    return out;
}
