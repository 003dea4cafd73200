/* wordpiece: llama.cpp's WPM rules on a hand-made vocabulary (the full llama.cpp comparison is
 * tests/cli/gguf_golden.sh): normalisation, splitting, greedy longest match, whole-word [UNK],
 * the specials and truncation are test_tokenizer.c's. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "wordpiece.h"

#define P "\xe2\x96\x81" /* U+2581, the word-initial marker */
static const char *const vocab[] = {
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", P "hello", P "world", P "wo", "rld", P ",", P "!",
    P "cafe", P "\xe6\x97\xa5", P "\xe6\x9c\xac", P "un", "aff", "able", P "a", "b", P "#", P "\xc3\xb1",
    P "dup", P "dup",
};
#define NV (sizeof vocab / sizeof vocab[0])

static wordpiece *make(int lowercase, int strip)
{
    static gguf_str toks[NV];
    for (size_t i = 0; i < NV; i++) {
        toks[i].ptr = vocab[i];
        toks[i].len = strlen(vocab[i]);
    }
    wordpiece *w = NULL;
    char err[SV_ERR_LEN];
    if (wordpiece_new(toks, NV, 1, 2, 3, lowercase, strip, &w, err))
        fprintf(stderr, "wordpiece_new: %s\n", err);
    return w;
}

/* Tokenizes text and compares with want[0..n). */
static void expect(const wordpiece *w, const char *text, const int32_t *want, size_t n, int line)
{
    int32_t *ids = NULL;
    size_t got = 0, cap = 0;
    int ok = wordpiece_tokenize(w, text, strlen(text), &ids, &got, &cap) == 0 && got == n &&
             (n == 0 || memcmp(ids, want, n * sizeof *ids) == 0);
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "line %d: tokens of '%s':", line, text);
        for (size_t i = 0; i < got; i++)
            fprintf(stderr, " %d", ids[i]);
        fprintf(stderr, "\n");
    }
    free(ids);
}
#define EXPECT(w, text, ...)                                                                \
    do {                                                                                    \
        static const int32_t want_[] = {__VA_ARGS__};                                       \
        expect(w, text, want_, sizeof want_ / sizeof want_[0], __LINE__);                   \
    } while (0)

int main(void)
{
    wordpiece *w = make(1, 1);
    if (!w)
        return 1;
    EXPECT(w, "Hello, WORLD!", 4, 8, 5, 9);         /* lowercase; punctuation is its own word */
    EXPECT(w, "world", 5);                          /* longest match beats ▁wo + rld */
    EXPECT(w, "Caf\xc3\xa9", 10);                   /* é → e (first code point of its NFD) */
    EXPECT(w, "cafe\xcc\x81", 10);                  /* a combining mark is dropped */
    EXPECT(w, "\xc3\xb1", 1);                       /* ñ → n: ▁ñ is in the vocabulary, ▁n is not */
    EXPECT(w, "\xe6\x97\xa5\xe6\x9c\xac", 11, 12);  /* each CJK ideograph is a word */
    EXPECT(w, "unaffable", 13, 14, 15);             /* continuation pieces */
    EXPECT(w, "unaffablex", 1);                     /* any unmatched part: the whole word is [UNK] */
    EXPECT(w, "\t hello \xe3\x80\x80 world\n", 4, 5); /* ASCII and ideographic whitespace */
    EXPECT(w, "hel\x07lo", 4);                      /* control characters vanish inside a word */
    EXPECT(w, "hello\xff", 4);                      /* invalid UTF-8 → U+FFFD → dropped */
    EXPECT(w, "hello\xe2\x80\x8bworld", 1);         /* U+200B (Cf) dropped: "helloworld" is one word */
    EXPECT(w, "a#b", 16, 18, 1);                    /* ASCII symbol splits; "b" alone is not ▁b */
    EXPECT(w, "dup", 21);                           /* a duplicate text maps to the last id */
    EXPECT(w, "[CLS]", 1, 1, 1);                    /* "[" "cls" "]": no special parsing, none in vocab */
    int32_t *ids = NULL;
    size_t n = 0, cap = 0;
    CHECK(wordpiece_tokenize(w, "", 0, &ids, &n, &cap) == 0 && n == 0);
    CHECK(wordpiece_tokenize(w, "   \n", 4, &ids, &n, &cap) == 0 && n == 0);
    free(ids);

    wordpiece_free(w);

    /* Normalizer flags off: case and accents are kept, so these no longer match. */
    w = make(0, 0);
    EXPECT(w, "Hello", 1);
    EXPECT(w, "hello", 4);
    EXPECT(w, "\xc3\xb1", 19);                      /* ñ kept as is */
    EXPECT(w, "cafe\xcc\x81", 1);                   /* the combining mark stays in the word */
    wordpiece_free(w);

    /* Bad special ids are rejected at construction. */
    gguf_str one = {"x", 1};
    char err[SV_ERR_LEN];
    CHECK(wordpiece_new(&one, 1, 5, 0, 0, 1, 1, &w, err) == SV_EXIT_DATA && strstr(err, "unknown token id 5"));
    wordpiece_free(NULL);
    return check_summary();
}
