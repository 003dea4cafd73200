#include "musical_key.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Case-insensitive prefix test; returns the length of word when s starts with it. */
static size_t starts_word(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != word[i])
            return 0;
    return n;
}

/* "8A" → A minor; 0 when text is not Camelot. */
static int parse_camelot(const char *s, int *code)
{
    int n = 0, digits = 0;
    while (isdigit((unsigned char)*s) && digits < 3) {
        n = n * 10 + (*s - '0');
        s++, digits++;
    }
    if (digits == 0 || n < 1 || n > 12)
        return 0;
    char letter = (char)toupper((unsigned char)*s);
    if (letter != 'A' && letter != 'B')
        return 0;
    s++;
    while (is_blank(*s))
        s++;
    if (*s)
        return 0;
    *code = musical_key_from_camelot(n, letter == 'A');
    return 1;
}

/* Each step round the wheel is a fifth (7 semitones); 8A = A minor, 8B = C major. */
int musical_key_from_camelot(int number, int minor)
{
    if (number < 1 || number > 12)
        return MUSICAL_KEY_NONE;
    int root = minor ? 9 : 0;
    int pc = ((root + 7 * (number - 8)) % 12 + 12) % 12;
    return pc * 2 + (minor != 0);
}

int musical_key_camelot(int code, int *minor)
{
    if (code < 0 || code >= MUSICAL_KEY_COUNT)
        return 0;
    int pc = code / 2;
    *minor = code % 2;
    int root = *minor ? 9 : 0;
    /* 7 is its own inverse mod 12: steps = 7 * (pc - root) */
    int steps = ((7 * (pc - root)) % 12 + 12) % 12;
    return (steps + 7) % 12 + 1; /* 0 steps = 8 */
}

uint32_t musical_key_harmonic(int code)
{
    int minor;
    int n = musical_key_camelot(code, &minor);
    if (!n)
        return 0;
    int prev = n == 1 ? 12 : n - 1, next = n == 12 ? 1 : n + 1;
    return (1u << code) | (1u << musical_key_from_camelot(prev, minor)) |
           (1u << musical_key_from_camelot(next, minor)) | (1u << musical_key_from_camelot(n, !minor));
}

int musical_key_parse(const char *text)
{
    if (!text)
        return MUSICAL_KEY_NONE;
    const char *s = text;
    while (is_blank(*s))
        s++;
    int code;
    if (parse_camelot(s, &code))
        return code;

    static const int letter_pc[7] = {9, 11, 0, 2, 4, 5, 7}; /* A B C D E F G */
    char l = (char)toupper((unsigned char)*s);
    if (l < 'A' || l > 'G')
        return MUSICAL_KEY_NONE;
    int pc = letter_pc[l - 'A'];
    s++;

    /* Accidental, glued to the letter ("C#", "Db", "D♭") or a word ("C sharp"). */
    if (*s == '#') {
        pc++, s++;
    } else if (strncmp(s, "\xe2\x99\xaf", 3) == 0) { /* ♯ */
        pc++, s += 3;
    } else if (strncmp(s, "\xe2\x99\xad", 3) == 0) { /* ♭ */
        pc--, s += 3;
    } else if (*s == 'b' || *s == 'B') {
        /* A 'b' right after the letter is always a flat: no mode word starts with b. */
        pc--, s++;
    } else {
        const char *t = s;
        while (is_blank(*t) || *t == '-' || *t == '_')
            t++;
        size_t n;
        if ((n = starts_word(t, "sharp")) != 0)
            pc++, s = t + n;
        else if ((n = starts_word(t, "flat")) != 0)
            pc--, s = t + n;
    }
    pc = (pc + 12) % 12;

    while (is_blank(*s) || *s == '-' || *s == '_')
        s++;
    const char *mode = s;
    size_t len = strlen(mode);
    while (len > 0 && is_blank(mode[len - 1]))
        len--;

    int minor;
    if (len == 0) {
        minor = 0;
    } else if (len == 1 && mode[0] == 'M') {
        minor = 0; /* "CM": the upper-case M is major by convention */
    } else {
        static const struct { const char *word; int minor; } modes[] = {
            {"m", 1}, {"mi", 1}, {"min", 1}, {"minor", 1},
            {"ma", 0}, {"maj", 0}, {"major", 0},
        };
        minor = -1;
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
            if (strlen(modes[i].word) == len && starts_word(mode, modes[i].word) == len) {
                minor = modes[i].minor;
                break;
            }
        if (minor < 0)
            return MUSICAL_KEY_NONE;
    }
    return pc * 2 + minor;
}

const char *musical_key_name(int code)
{
    static const char *const names[MUSICAL_KEY_COUNT] = {
        "C major",  "C minor",  "C# major", "C# minor", "D major",  "D minor",
        "Eb major", "Eb minor", "E major",  "E minor",  "F major",  "F minor",
        "F# major", "F# minor", "G major",  "G minor",  "Ab major", "Ab minor",
        "A major",  "A minor",  "Bb major", "Bb minor", "B major",  "B minor",
    };
    if (code < 0 || code >= MUSICAL_KEY_COUNT)
        return "";
    return names[code];
}
