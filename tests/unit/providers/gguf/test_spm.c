/* spm: SentencePiece BPE as llama.cpp runs it, on a hand-made vocabulary: the best-scoring
 * pair merges first (leftmost among equal scores), spaces are U+2581 with an optional prefix,
 * characters the vocabulary lacks (emoji, a Hangul syllable) fall back to <0xXX> byte tokens,
 * then to one-byte texts, then to the unknown token. The comparison with llama.cpp itself is
 * tests/cli/gguf_golden_decoder.sh. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "spm.h"

#define SP "\xe2\x96\x81" /* ▁ */

static gguf_str toks[300];
static float scores[300];
static char bytes[256][7];
static size_t n_tok;

static int32_t add(const char *t, float score)
{
    toks[n_tok] = (gguf_str){t, strlen(t)};
    scores[n_tok] = score;
    return (int32_t)n_tok++;
}

static spm *s;
static vocab_map *v;

static void expect(const char *text, int prefix, const int32_t *want, size_t n, int line)
{
    int32_t *ids = NULL;
    size_t got = 0, cap = 0;
    char what[128];
    snprintf(what, sizeof what, "ids of '%s'%s", text, prefix ? " with the space prefix" : "");
    if (spm_tokenize(s, text, strlen(text), prefix, &ids, &got, &cap))
        got = 0, n++; /* out of memory: report the ids as different */
    check_ids(what, ids, got, want, n, line);
    free(ids);
}
#define IDS(text, prefix, ...)                                                              \
    do {                                                                                    \
        const int32_t want_[] = {__VA_ARGS__};                                              \
        expect(text, prefix, want_, sizeof want_ / sizeof want_[0], __LINE__);              \
    } while (0)

int main(void)
{
    char err[SV_ERR_LEN];
    add("<pad>", 0), add("<eos>", 0), add("<bos>", 0);
    int32_t unk = add("<unk>", 0);
    for (int c = 0; c < 256; c++) { /* byte tokens 4 .. 259: id = 4 + byte */
        snprintf(bytes[c], sizeof bytes[c], "<0x%02X>", c);
        add(bytes[c], 0);
    }
    int32_t sp = add(SP, -1), a = add("a", -2), b = add("b", -2), c = add("c", -2);
    int32_t ab = add("ab", -5), bc = add("bc", -4);
    add(SP "a", -3);
    int32_t spab = add(SP "ab", -7), aa = add("aa", -8), hangul = add("\xed\x95\x9c", -2);
    if (!(v = vocab_map_new(toks, n_tok, NULL)) || spm_new(v, scores, unk, &s, err)) {
        fprintf(stderr, "setup: %s\n", err);
        return 1;
    }
    IDS("abc", 0, a, bc);              /* bc (-4) beats ab (-5); a+bc is no piece */
    IDS("ab", 0, ab);
    IDS(" ab", 0, spab);               /* ▁a (-3) first, then ▁a+b = ▁ab */
    IDS("ab", 1, spab);                /* the space prefix */
    IDS("a b", 0, a, sp, b);           /* ▁b is no piece: ▁ alone, then b */
    IDS("aaa", 0, aa, a);              /* equal scores: the leftmost pair */
    IDS("\xed\x95\x9c", 0, hangul);    /* a piece */
    /* no piece: one <0xXX> per byte (a Hangul syllable, an emoji) */
    IDS("\xed\x95\x9d", 0, 4 + 0xED, 4 + 0x95, 4 + 0x9D);
    IDS("\xf0\x9f\xa5\x81" "c", 0, 4 + 0xF0, 4 + 0x9F, 4 + 0xA5, 4 + 0x81, c);
    /* invalid UTF-8 is bytes too: a lead byte takes up to the length it announces */
    IDS("\xff" "a", 0, 4 + 0xFF, 4 + 'a');
    IDS("a\x80", 0, a, 4 + 0x80);
    int32_t *ids = NULL;
    size_t n = 0, cap = 0;
    CHECK(spm_tokenize(s, "", 0, 0, &ids, &n, &cap) == 0 && n == 0);
    CHECK(spm_tokenize(s, "", 0, 1, &ids, &n, &cap) == 0 && n == 1 && ids[0] == sp); /* "▁" alone */
    free(ids);
    spm_free(s);
    vocab_map_free(v);

    /* without <0xXX> tokens a byte falls back to a one-byte text, then to <unk> */
    n_tok = 0;
    add("<unk>", 0);
    int32_t x = add("x", -1), hi = add("\xc3", -1);
    if (!(v = vocab_map_new(toks, n_tok, NULL)) || spm_new(v, scores, 0, &s, err))
        return 1;
    IDS("\xc3\xa9x", 0, hi, 0, x);     /* é: C3 is a one-byte text, A9 is nothing: <unk> */
    spm_free(s);
    vocab_map_free(v);
    spm_free(NULL);
    return check_summary();
}
