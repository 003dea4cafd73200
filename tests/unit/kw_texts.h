/* kw_texts: the random source texts the keyword tests index (test_kwindex, test_kwcache):
 * producer words, CJK and Hangul, every fifth text without a vibe analysis. Deterministic:
 * set kw_rng before the first call to choose the sequence. Header-only, for tests. */
#ifndef SAMPLEVEC_TEST_KW_TEXTS_H
#define SAMPLEVEC_TEST_KW_TEXTS_H

#include <stdio.h>
#include <stdlib.h>

static const char *const KW_WORDS[] = {"dark",  "moody", "dusty", "warm",  "vinyl", "keys",  "piano",
                                       "trap",  "808",   "bass",  "groove", "funky", "chill", "rain",
                                       "lo-fi", "pads",  "dreamy", "jazz", "chords", "東京",  "서울"};
#define KW_N_WORDS (sizeof KW_WORDS / sizeof KW_WORDS[0])

static unsigned kw_rng = 12345;
static unsigned kw_rand(void)
{
    kw_rng = kw_rng * 1103515245u + 12345u;
    return (kw_rng >> 16) & 0x7fff;
}

/* n random words, space-separated, into out. */
static void kw_words(char *out, size_t cap, int n)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < n && len + 32 < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", KW_WORDS[kw_rand() % KW_N_WORDS]);
}

/* A source text as source_text.h writes it (caller frees); every fifth without a vibe analysis.
 * NULL when out of memory. */
static char *kw_source(int i)
{
    char title[128], genre[64], mood[64], tags[128], body[1024];
    kw_words(title, sizeof title, 1 + (int)(kw_rand() % 3));
    kw_words(genre, sizeof genre, 1);
    kw_words(mood, sizeof mood, 1);
    kw_words(tags, sizeof tags, (int)(kw_rand() % 4));
    kw_words(body, sizeof body, 5 + (int)(kw_rand() % 60));
    char *s = malloc(2048);
    if (!s)
        return NULL;
    if (i % 5 == 0)
        snprintf(s, 2048, "Title: %s\nGenre: %s", title, genre);
    else
        snprintf(s, 2048, "Title: %s\nGenre: %s\nBPM: %d\nKey: Am\nMood: %s\nTags: %s\nDescription: %s", title,
                 genre, 80 + i % 60, mood, tags, body);
    return s;
}

#endif
