/* understand: BPM and key phrases become parameters and leave the text; genre and mood words
 * of the library's vocabulary are recognised and stay. */
#include "check.h"
#include "musical_key.h"
#include "understand.h"

static understood u;

static void read_q(const char *text)
{
    static const char *genres[] = {"hip-hop", "trap", "drum and bass", "jazz", "lo-fi"};
    static const char *moods[] = {"dark", "chill", "dreamy"};
    understand_vocab v = {genres, 5, moods, 3};
    CHECK(understand_query(text, UNDERSTAND_DEFAULT_TOLERANCE, &v, &u) == 0);
}

#define BPM(q_, lo_, hi_, rest_, from_)                                               \
    do {                                                                              \
        read_q(q_);                                                                   \
        CHECK(u.has_bpm);                                                             \
        CHECK_NEAR(u.bpm_min, lo_, 1e-9);                                             \
        CHECK_NEAR(u.bpm_max, hi_, 1e-9);                                             \
        CHECK_STR_EQ(u.text, rest_);                                                  \
        CHECK_STR_EQ(u.bpm_from, from_);                                              \
    } while (0)

#define KEY(q_, spelled_, rest_, from_)                                               \
    do {                                                                              \
        read_q(q_);                                                                   \
        CHECK(u.has_key && u.key == musical_key_parse(spelled_));                     \
        CHECK_STR_EQ(u.text, rest_);                                                  \
        CHECK_STR_EQ(u.key_from, from_);                                              \
    } while (0)

#define NO_KEY(q_)                                                                    \
    do {                                                                              \
        read_q(q_);                                                                   \
        if (u.has_key)                                                                \
            fprintf(stderr, "'%s' read a key from '%s'\n", q_, u.key_from);          \
        CHECK(!u.has_key);                                                            \
        CHECK_STR_EQ(u.text, q_);                                                     \
    } while (0)

int main(void)
{
    /* BPM: one value ± 4, a range as written, glued or apart, with a qualifier */
    BPM("dusty jazz 90 bpm", 86, 94, "dusty jazz", "90 bpm");
    BPM("dusty jazz 90bpm", 86, 94, "dusty jazz", "90bpm");
    BPM("90BPM dusty", 86, 94, "dusty", "90BPM");
    BPM("chill 85-95 bpm keys", 85, 95, "chill keys", "85-95 bpm");
    BPM("chill 85-95bpm", 85, 95, "chill", "85-95bpm");
    BPM("chill 85 to 95 bpm", 85, 95, "chill", "85 to 95 bpm");
    BPM("chill 85 - 95 bpm", 85, 95, "chill", "85 - 95 bpm");
    BPM("dusty chords around 90 bpm", 86, 94, "dusty chords", "around 90 bpm");
    BPM("drums ~92.5bpm,", 88.5, 96.5, "drums", "~92.5bpm,");
    BPM("drums at 140 bpm in F minor", 136, 144, "drums", "at 140 bpm");
    read_q("hard 808 drums");
    CHECK(!u.has_bpm);
    CHECK_STR_EQ(u.text, "hard 808 drums");
    read_q("95-85 bpm"); /* backwards: not a range */
    CHECK(!u.has_bpm);
    understood t;
    CHECK(understand_query("keys 100 bpm", 10, NULL, &t) == 0 && t.bpm_min == 90 && t.bpm_max == 110);

    /* keys: "in ..." with any spelling; chord symbols and Camelot alone */
    KEY("dusty jazz chords in A minor", "Am", "dusty jazz chords", "in A minor");
    KEY("dark trap in F#m", "F#m", "dark trap", "in F#m");
    KEY("pads in c sharp minor please", "C#m", "pads please", "in c sharp minor");
    KEY("pads in 8A", "Am", "pads", "in 8A");
    KEY("pads in C", "C", "pads", "in C");
    KEY("Am piano", "Am", "piano", "Am");
    KEY("piano F#m", "F#m", "piano", "F#m");
    KEY("piano Bbm", "Bbm", "piano", "Bbm");
    KEY("piano C♯m", "C#m", "piano", "C♯m");
    KEY("piano Eb major", "Eb", "piano", "Eb major");
    KEY("piano D min", "Dm", "piano", "D min");
    KEY("piano 11B", "A", "piano", "11B");
    KEY("piano Bb", "Bb", "piano", "Bb");
    /* not keys: articles, ordinary words, drum machines */
    NO_KEY("in a dark mood");
    NO_KEY("a bed of strings");
    NO_KEY("808 cowbell");
    NO_KEY("am I dreaming");
    NO_KEY("B-side vibes");
    NO_KEY("deep bass in the mix");

    /* the first of each; both together */
    read_q("dark trap 808 in F minor around 140 bpm");
    CHECK(u.has_bpm && u.bpm_min == 136 && u.bpm_max == 144);
    CHECK(u.has_key && u.key == musical_key_parse("Fm"));
    CHECK_STR_EQ(u.text, "dark trap 808");
    /* genre and mood words of the vocabulary; spelled as the tokenizer reads them */
    CHECK(u.n_genres == 1 && strcmp(u.genres[0], "trap") == 0);
    CHECK(u.n_moods == 1 && strcmp(u.moods[0], "dark") == 0);
    read_q("dreamy hip hop and drum & bass, lofi");
    CHECK(u.n_genres == 3);
    CHECK_STR_EQ(u.genres[0], "hip-hop");
    CHECK_STR_EQ(u.genres[1], "drum and bass");
    CHECK_STR_EQ(u.genres[2], "lo-fi");
    CHECK(u.n_moods == 1 && strcmp(u.moods[0], "dreamy") == 0);
    read_q("jazzy"); /* a word that contains a genre is not the genre */
    CHECK(u.n_genres == 0);
    /* no vocabulary: no genres */
    CHECK(understand_query("dark trap", 4, NULL, &t) == 0 && t.n_genres == 0 && t.n_moods == 0);
    /* only parameters: no words left */
    read_q("140 bpm in F minor");
    CHECK_STR_EQ(u.text, "");
    CHECK(u.has_bpm && u.has_key);
    /* a long text is cut, never overrun */
    char longq[4000];
    memset(longq, 'a', sizeof longq - 1);
    for (size_t i = 10; i < sizeof longq - 1; i += 11)
        longq[i] = ' ';
    longq[sizeof longq - 1] = '\0';
    read_q(longq);
    CHECK(strlen(u.text) < UNDERSTAND_TEXT_LEN);
    return check_summary();
}
