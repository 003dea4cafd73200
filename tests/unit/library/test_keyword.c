/* keyword: the producer-aware tokenizer the keyword index and search share, and the fields of a
 * source text. Each case is the tokens joined with '|'. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "keyword.h"

typedef struct joined {
    char s[2048];
    size_t len;
} joined;

static int join(void *ctx, const char *tok, size_t len, size_t start, size_t end)
{
    joined *j = ctx;
    (void)start;
    (void)end;
    if (j->len)
        j->s[j->len++] = '|';
    memcpy(j->s + j->len, tok, len);
    j->len += len;
    j->s[j->len] = '\0';
    return 0;
}

static const char *toks(const char *text, enum keyword_mode mode)
{
    static joined j;
    memset(&j, 0, sizeof j);
    CHECK(keyword_tokenize(text, strlen(text), mode, join, &j) == 0);
    return j.s;
}

#define DOC(text, want) CHECK_STR_EQ(toks(text, KEYWORD_DOCUMENT), want)
#define QRY(text, want) CHECK_STR_EQ(toks(text, KEYWORD_QUERY), want)

/* Every token of text, tokenized again as a query, is itself. */
static int idempotent_cb(void *ctx, const char *tok, size_t len, size_t start, size_t end)
{
    (void)ctx;
    (void)start;
    (void)end;
    char buf[512];
    memcpy(buf, tok, len);
    buf[len] = '\0';
    joined j;
    memset(&j, 0, sizeof j);
    keyword_tokenize(buf, len, KEYWORD_QUERY, join, &j);
    if (strcmp(j.s, buf) != 0)
        fprintf(stderr, "token '%s' retokenizes as '%s'\n", buf, j.s);
    CHECK(strcmp(j.s, buf) == 0);
    return 0;
}

/* join with each token's offsets: "token@start-end|..." */
static int locate(void *ctx, const char *tok, size_t len, size_t start, size_t end)
{
    joined *j = ctx;
    j->len += (size_t)snprintf(j->s + j->len, sizeof j->s - j->len, "%.*s@%zu-%zu|", (int)len, tok, start, end);
    return 0;
}

/* A text of ASCII bytes only is tokenized straight from its bytes, any other text through its
 * code points (keyword.c): both ways give the same tokens at the same offsets. The same random
 * ASCII text with a trailing no-break space (U+00A0, a separator) takes the other way. */
static void ascii_way_matches_code_point_way(void)
{
    static const char *const pieces[] = {"a", "Z", "b", "9", "0", " ", "\t", "'", "-", "&", ".", "#", ",", ";",
                                         "\n", "drum", " and ", "bass", "hip", "hop", "bpm", "120", "lo", "fi",
                                         "THE", "x", "\x01", "\"", "n"};
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    int differ = 0;
    for (int round = 0; round < 20000; round++) {
        char text[256];
        size_t len = 0;
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        size_t n_pieces = seed % 24;
        for (size_t p = 0; p < n_pieces; p++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            const char *piece = pieces[seed % (sizeof pieces / sizeof pieces[0])];
            memcpy(text + len, piece, strlen(piece));
            len += strlen(piece);
        }
        memcpy(text + len, "\xc2\xa0", 2);
        for (int mode = KEYWORD_DOCUMENT; mode <= KEYWORD_QUERY; mode++) {
            joined ascii, code_points;
            memset(&ascii, 0, sizeof ascii);
            memset(&code_points, 0, sizeof code_points);
            CHECK(keyword_tokenize(text, len, mode, locate, &ascii) == 0);
            CHECK(keyword_tokenize(text, len + 2, mode, locate, &code_points) == 0);
            if (strcmp(ascii.s, code_points.s) != 0 && differ++ < 3)
                fprintf(stderr, "'%.*s': '%s' against '%s'\n", (int)len, text, ascii.s, code_points.s);
        }
    }
    CHECK(differ == 0);
}

int main(void)
{
    ascii_way_matches_code_point_way();

    /* producer tokens stay whole; case and accents fold */
    DOC("Dark TRAP 808 in F#m", "dark|trap|808|f#m");
    DOC("Café Beyoncé NAÏVE", "cafe|beyonce|naive");
    DOC("lo-fi Lo Fi lofi LO-FI", "lofi|lofi|lofi|lofi");
    DOC("hip-hop, Hip Hop; hiphop", "hiphop|hiphop|hiphop");
    DOC("boom bap drums", "boombap|drums");
    DOC("boom, bap", "boom|bap"); /* punctuation between: two words */
    DOC("R&B d&b Drum and Bass drum n bass drum & bass", "rnb|dnb|dnb|dnb|dnb");
    DOC("don't stop", "dont|stop");
    /* numbers glued to units split; other alphanumerics stay whole */
    DOC("120bpm 92.5BPM 440hz tr808 90s 4x4", "120|bpm|92.5|bpm|440|hz|tr808|90s|4x4");
    DOC("85-95 bpm", "85|95|bpm");
    /* stop words weigh nothing */
    DOC("the and of a", "");
    DOC("The Sound of the City", "sound|city");
    /* CJK: characters and pairs in documents, pairs (or the lone character) in queries */
    DOC("東京 Night", "東|東京|京|night");
    DOC("東京駅", "東|東京|京|京駅|駅");
    QRY("東京", "東京");
    QRY("東京駅", "東京|京駅");
    QRY("雨", "雨");
    DOC("서울 Groove #44", "서|서울|울|groove|44");
    QRY("서울", "서울");
    DOC("ドラム", "ド|ドラ|ラ|ラム|ム");
    /* emoji and symbols are tokens; joiners and modifiers are not */
    DOC("🔥 Fire Break", "🔥|fire|break");
    DOC("👍🏽 ❤️ ★", "👍|❤|★");
    DOC("🔥🔥", "🔥|🔥");
    /* invalid UTF-8 separates */
    DOC("dark\xff" "trap", "dark|trap");
    /* idempotent: each token is its own query */
    const char *texts[] = {"Dark TRAP 808 in F#m 120bpm lo-fi R&B 東京駅 서울 🔥 Café 92.5", "drum and bass"};
    for (size_t i = 0; i < 2; i++)
        keyword_tokenize(texts[i], strlen(texts[i]), KEYWORD_DOCUMENT, idempotent_cb, NULL);
    /* a very long word is cut at a character boundary */
    char longw[1200];
    for (int i = 0; i < 399; i++)
        memcpy(longw + i * 3, "\xd0\xb6" "a", 3); /* "жa" repeated: the cut must not split a character */
    longw[1197] = '\0';
    const char *cut = toks(longw, KEYWORD_DOCUMENT);
    CHECK(strlen(cut) <= KEYWORD_MAX_TOKEN && strlen(cut) > 200 && ((unsigned char)cut[strlen(cut) - 1] & 0xC0) != 0xC0);

    /* fields */
    keyword_scratch *sc = keyword_scratch_new();
    const char *f[KEYWORD_FIELDS];
    size_t f_len[KEYWORD_FIELDS];
    CHECK(keyword_fields_in(sc,
                            "Title: Dusty Keys\nGenre: soul\nBPM: 90\nKey: Am\nMood: warm, dark\nEnergy: 0.40\n"
                            "Tags: vinyl\nDescription: warm keys\nwith a second line\nSample Tags: keys, loop",
                            SIZE_MAX, f, f_len) == 0);
    CHECK_STR_EQ(f[KEYWORD_TITLE], "Dusty Keys");
    CHECK_STR_EQ(f[KEYWORD_GENRE], "soul");
    CHECK_STR_EQ(f[KEYWORD_MOOD], "warm, dark");
    CHECK_STR_EQ(f[KEYWORD_TAGS], "vinyl\nkeys, loop");
    CHECK_STR_EQ(f[KEYWORD_PARAMS], "90\nAm");
    CHECK_STR_EQ(f[KEYWORD_BODY], "warm keys\nwith a second line");
    for (int i = 0; i < KEYWORD_FIELDS; i++)
        CHECK(f_len[i] == strlen(f[i]));
    CHECK(keyword_fields_in(sc, NULL, SIZE_MAX, f, f_len) == 0);
    CHECK_STR_EQ(f[KEYWORD_TITLE], "");
    CHECK_STR_EQ(f[KEYWORD_BODY], "");
    CHECK(keyword_fields_in(sc, "just some text", SIZE_MAX, f, f_len) == 0);
    CHECK_STR_EQ(f[KEYWORD_BODY], "just some text");
    /* kept to max_bytes + 1 bytes, across lines of the same field; other fields whole */
    CHECK(keyword_fields_in(sc, "Title: abcdefgh\nGenre: soul\nDescription: one\ntwo three", 5, f, f_len) == 0);
    CHECK_STR_EQ(f[KEYWORD_TITLE], "abcdef");
    CHECK_STR_EQ(f[KEYWORD_GENRE], "soul");
    CHECK_STR_EQ(f[KEYWORD_BODY], "one\ntw");
    /* keyword_fields_in reuses its scratch's buffers: a text after a longer one gives exactly
     * the fields a fresh scratch gives it, nothing of the one before (an emptied field is "") */
    const char *sources[] = {"Title: a very long title indeed\nGenre: boom bap\nMood: dark\nDescription: long words here",
                             "Title: Rain\nDescription: short", "", "Genre: soul\nKey: Am\nBPM: 92"};
    for (size_t t = 0; t < sizeof sources / sizeof sources[0]; t++) {
        keyword_scratch *fresh = keyword_scratch_new();
        const char *in[KEYWORD_FIELDS];
        size_t in_len[KEYWORD_FIELDS];
        CHECK(keyword_fields_in(fresh, sources[t], 8, f, f_len) == 0 &&
              keyword_fields_in(sc, sources[t], 8, in, in_len) == 0);
        for (int i = 0; i < KEYWORD_FIELDS; i++) {
            CHECK_STR_EQ(in[i], f[i]);
            CHECK(in_len[i] == f_len[i] && in_len[i] == strlen(f[i]));
        }
        keyword_scratch_free(fresh);
    }
    keyword_scratch_free(sc);
    return check_summary();
}
