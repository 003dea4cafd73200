/* bpe: Qwen2's pre-tokenizer on the hard cases (contractions in either case, one digit at a
 * time, runs of spaces before a word, CR/LF, punctuation and emoji runs, Korean and Japanese
 * letters, invalid UTF-8), then merges by rank on a hand-made byte-level vocabulary. The
 * comparison with llama.cpp itself is tests/cli/gguf_golden_decoder.sh. */
#include <stdlib.h>
#include <string.h>

#include "bpe.h"
#include "check.h"

/* GPT-2's printable symbol for each byte, UTF-8. */
static char sym[256][3];
static void make_syms(void)
{
    int next = 256;
    for (int c = 0; c < 256; c++) {
        int keep = (c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE);
        int cp = keep ? c : next++;
        if (cp < 0x80) {
            sym[c][0] = (char)cp;
        } else {
            sym[c][0] = (char)(0xC0 | (cp >> 6));
            sym[c][1] = (char)(0x80 | (cp & 0x3F));
        }
    }
}

#define G "\xc4\xa0" /* Ġ, the symbol of a space */
/* tokens beyond the 256 bytes: ids 256, 257, ... */
static const char *const extra[] = {G "s", G "sw", "ing", "sw", "in", G "t", "he", G "the", "aa", "'s", G "I", "ab"};
/* merges, rank = index */
static const char *const merge_lines[] = {G " s", "s w", G "s w", "i n", "in g", G " t", "h e", G "t he", "a a", "' s",
                                          G " I", "x y", "\xc3\x83 \xc2\xa9", "a b"};

static bpe *b;
static vocab_map *v;
static gguf_str toks[256 + sizeof extra / sizeof extra[0]];
static gguf_str merges[sizeof merge_lines / sizeof merge_lines[0]];

static int setup(void)
{
    char err[SV_ERR_LEN];
    make_syms();
    size_t n = 0;
    for (int c = 0; c < 256; c++)
        toks[n++] = (gguf_str){sym[c], strlen(sym[c])};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        toks[n++] = (gguf_str){extra[i], strlen(extra[i])};
    for (size_t i = 0; i < sizeof merges / sizeof merges[0]; i++)
        merges[i] = (gguf_str){merge_lines[i], strlen(merge_lines[i])};
    if (!(v = vocab_map_new(toks, n, NULL)) || bpe_new(v, merges, sizeof merges / sizeof merges[0], &b, err)) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    return 0;
}

/* Pre-tokens of text joined by '|', compared with want. */
static void expect_words(const char *text, const char *want, int line)
{
    size_t lens[256], k = bpe_pretokenize(b, text, strlen(text), lens, 256);
    char got[1024];
    size_t o = 0, at = 0;
    for (size_t w = 0; w < k && w < 256; w++) {
        if (w)
            got[o++] = '|';
        for (size_t c = 0; c < lens[w]; c++) { /* copy lens[w] UTF-8 characters */
            size_t l = vocab_utf8_len((unsigned char)text[at]);
            memcpy(got + o, text + at, l);
            o += l;
            at += l;
        }
    }
    got[o] = '\0';
    if (strcmp(got, want) == 0) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "line %d: words of '%s': got '%s', want '%s'\n", line, text, got, want);
    }
}
#define WORDS(text, want) expect_words(text, want, __LINE__)

static void expect_ids(const char *text, const int32_t *want, size_t n, int line)
{
    int32_t *ids = NULL;
    size_t got = 0, cap = 0;
    char what[128];
    snprintf(what, sizeof what, "ids of '%s'", text);
    if (bpe_tokenize(b, text, strlen(text), &ids, &got, &cap))
        got = 0, n++; /* out of memory: report the ids as different */
    check_ids(what, ids, got, want, n, line);
    free(ids);
}
#define IDS(text, ...)                                                                      \
    do {                                                                                    \
        static const int32_t want_[] = {__VA_ARGS__};                                       \
        expect_ids(text, want_, sizeof want_ / sizeof want_[0], __LINE__);                  \
    } while (0)

int main(void)
{
    if (setup())
        return 1;
    /* contractions, either case; not a contraction: the apostrophe goes with the letters */
    WORDS("it's IT'S we'LL they've I'm", "it|'s| IT|'S| we|'LL| they|'ve| I|'m");
    WORDS("'x 'Re", "'x| '|Re"); /* the space takes the apostrophe: no contraction left */
    /* digits one at a time, never joined to letters or a space */
    WORDS("808 BPM 1,234.56", "8|0|8| BPM| |1|,|2|3|4|.|5|6");
    /* runs of spaces: all but the last before a word; at the end, all */
    WORDS("a   b  ", "a|  | b|  ");
    WORDS("x \t y", "x| \t| y");
    /* CR/LF: whitespace up to the last line break is one word */
    WORDS("a\n\n  \r\nb", "a|\n\n  \r\n|b");
    WORDS("end.\r\n\r\nnext", "end|.\r\n\r\n|next");
    /* punctuation runs take one leading space and the line breaks after them */
    WORDS("hi !!! ...?? (x)", "hi| !!!| ...??| (|x|)");
    WORDS("(x)", "(x|)"); /* one non-letter before letters joins them */
    /* letters of every script; emoji are symbols: a run with its space */
    WORDS("\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xe3\x83\x89\xe3\x83\xa9\xe3\x83\xa0\xe3\x81\xae\xe6\x97\xa5",
          "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4| \xe3\x83\x89\xe3\x83\xa9\xe3\x83\xa0\xe3\x81\xae\xe6\x97\xa5");
    WORDS("go \xf0\x9f\xa5\x81\xf0\x9f\x94\xa5 now", "go| \xf0\x9f\xa5\x81\xf0\x9f\x94\xa5| now");
    /* a combining mark is not a letter: it ends the letters and starts a run */
    WORDS("cafe\xcc\x81s", "cafe|\xcc\x81s");
    /* any one non-letter but CR/LF/digits leads a word: NBSP, U+200B alike */
    WORDS("a\xc2\xa0" "b\xe2\x80\x8b" "c", "a|\xc2\xa0" "b|\xe2\x80\x8b" "c");
    WORDS("", "");

    /* merges: lowest rank first ("Ġ s" before "s w"), so " sw" is Ġs + w → Ġsw */
    IDS(" swing", 257, 258);                          /* Ġsw ing */
    IDS("sw", 259);                                   /* no Ġ: s w → sw */
    IDS(" the", 263);                                 /* Ġ t, h e, Ġt he */
    IDS("aaa", 264, 'a');                             /* ties: the leftmost pair merges */
    IDS("it's", 'i', 't', 265);                       /* 's is its own word, and a token */
    IDS("ab", 267);
    /* a merge whose result is no token: each byte of the symbol as a one-byte text, so the
     * ASCII ones survive and the rest are dropped (llama.cpp's fallback) */
    IDS("xy", 'x', 'y');
    IDS("\xc3\xa9x", 'x');                         /* é: "Ã ©" merges into no token, dropped */
    IDS("\xc3\xa8", 0xC3, 0xA8);                     /* è: no merge, its two byte symbols */
    /* invalid UTF-8: U+FFFD, whose three bytes are byte tokens */
    IDS("\xff", 0xEF, 0xBF, 0xBD);
    bpe_free(b);
    vocab_map_free(v);
    bpe_free(NULL);
    return check_summary();
}
