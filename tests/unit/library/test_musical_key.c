/* musical_key: every spelling the app (and people) write lands on one code. */
#include "check.h"
#include "musical_key.h"

#define C_MAJ 0
#define A_MIN (9 * 2 + 1)
#define CS_MIN (1 * 2 + 1)

int main(void)
{
    /* The app's spellings of A minor. */
    const char *a_minor[] = {"Am", "A minor", "A min", "a minor", "A Minor", "Amin", "A-minor",
                             "A_min", "  Am ", "A mi", "8A", "8a", "A MINOR"};
    for (size_t i = 0; i < sizeof a_minor / sizeof *a_minor; i++) {
        if (musical_key_parse(a_minor[i]) != A_MIN)
            fprintf(stderr, "spelling %s\n", a_minor[i]);
        CHECK(musical_key_parse(a_minor[i]) == A_MIN);
    }
    /* Enharmonics: C#m = Dbm, with symbols and words. */
    const char *cs_minor[] = {"C#m", "Dbm", "C# minor", "Db minor", "C♯m", "D♭ min", "C sharp minor",
                              "D flat minor", "c#m", "DBm", "12A"};
    for (size_t i = 0; i < sizeof cs_minor / sizeof *cs_minor; i++) {
        if (musical_key_parse(cs_minor[i]) != CS_MIN)
            fprintf(stderr, "spelling %s\n", cs_minor[i]);
        CHECK(musical_key_parse(cs_minor[i]) == CS_MIN);
    }
    const char *c_major[] = {"C", "C major", "Cmaj", "C maj", "CM", "c", "B#", "8B", "C Major"};
    for (size_t i = 0; i < sizeof c_major / sizeof *c_major; i++) {
        if (musical_key_parse(c_major[i]) != C_MAJ)
            fprintf(stderr, "spelling %s\n", c_major[i]);
        CHECK(musical_key_parse(c_major[i]) == C_MAJ);
    }
    /* Wrap-arounds and flats on naturals. */
    CHECK(musical_key_parse("Cb") == 11 * 2);
    CHECK(musical_key_parse("E#m") == 5 * 2 + 1);
    CHECK(musical_key_parse("Fb") == 4 * 2);
    CHECK(musical_key_parse("Bbm") == 10 * 2 + 1);
    CHECK(musical_key_parse("A#m") == 10 * 2 + 1);
    CHECK(musical_key_parse("Ebm") == musical_key_parse("D#m"));
    CHECK(musical_key_parse("G#") == musical_key_parse("Ab major"));
    /* Camelot both ways, and the harmonic neighbours: 8A = Am → 7A Dm, 9A Em, 8B C */
    for (int code = 0; code < MUSICAL_KEY_COUNT; code++) {
        int minor, n = musical_key_camelot(code, &minor);
        char spelled[8];
        snprintf(spelled, sizeof spelled, "%d%c", n, minor ? 'A' : 'B');
        CHECK(n >= 1 && n <= 12 && musical_key_parse(spelled) == code);
        CHECK(musical_key_from_camelot(n, minor) == code);
    }
    CHECK(musical_key_harmonic(A_MIN) == ((1u << A_MIN) | (1u << musical_key_parse("Dm")) |
                                          (1u << musical_key_parse("Em")) | (1u << C_MAJ)));
    CHECK(musical_key_harmonic(musical_key_parse("1A")) ==
          ((1u << musical_key_parse("1A")) | (1u << musical_key_parse("12A")) | (1u << musical_key_parse("2A")) |
           (1u << musical_key_parse("1B"))));
    CHECK(musical_key_harmonic(MUSICAL_KEY_NONE) == 0);
    /* Camelot wheel: 5A = C minor, 1B = B major, 3B = Db major, 1A = Ab minor. */
    CHECK(musical_key_parse("5A") == 1);
    CHECK(musical_key_parse("1B") == 11 * 2);
    CHECK(musical_key_parse("3B") == 1 * 2);
    CHECK(musical_key_parse("1A") == 8 * 2 + 1);
    /* Not keys. */
    const char *bad[] = {NULL, "", "H", "Am7", "A minorish", "13A", "0B", "minor", "X#m", "C##", "  ", "A moll"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (musical_key_parse(bad[i]) != MUSICAL_KEY_NONE)
            fprintf(stderr, "accepted %s\n", bad[i] ? bad[i] : "(null)");
        CHECK(musical_key_parse(bad[i]) == MUSICAL_KEY_NONE);
    }
    /* Every canonical name parses back to its code; codes are distinct. */
    for (int c = 0; c < MUSICAL_KEY_COUNT; c++)
        CHECK(musical_key_parse(musical_key_name(c)) == c);
    CHECK_STR_EQ(musical_key_name(A_MIN), "A minor");
    CHECK_STR_EQ(musical_key_name(-1), "");
    CHECK_STR_EQ(musical_key_name(24), "");
    return check_summary();
}
