/* musical_key: one code per key, whatever the spelling, so `--key Am` finds samples the app
 * labelled "A minor", "A min", "Amin" or "8A".
 *
 * A key code is pitch_class * 2 + minor, 0..23 (pitch class: C = 0, C#/Db = 1, ... B = 11).
 * Spellings read (case-insensitive, surrounding blanks ignored):
 *   tonic   A..G, then an accidental: '#', '♯', "sharp" (+1) or 'b', '♭', "flat" (-1);
 *           enharmonics fold together: C#m = Dbm, E# = F, Cb = B
 *   mode    none or "maj"/"major"/"ma" = major; "m"/"min"/"minor"/"mi" = minor,
 *           except that a lone upper-case "M" is major (as in "CM"); the mode may be
 *           separated from the tonic by blanks, '-' or '_'
 *   Camelot 1A..12A (minor), 1B..12B (major): 8A = A minor, 8B = C major
 */
#ifndef SAMPLEVEC_MUSICAL_KEY_H
#define SAMPLEVEC_MUSICAL_KEY_H

#include <stdint.h>

#define MUSICAL_KEY_NONE (-1)
#define MUSICAL_KEY_COUNT 24

/* The key code of text, or MUSICAL_KEY_NONE when text is NULL or not a key. */
int musical_key_parse(const char *text);

/* Camelot wheel position of code: returns 1..12 and sets *minor (A = minor, B = major); 0 for
 * an invalid code. 8A = A minor, 8B = C major; one step = a fifth. */
int musical_key_camelot(int code, int *minor);
/* The key code of Camelot number (1..12) and letter (minor: A), or MUSICAL_KEY_NONE. */
int musical_key_from_camelot(int number, int minor);
/* code and its harmonic neighbours as DJ tools mix them: the same Camelot number ±1 (same
 * letter) and the relative major/minor (same number, other letter); bit (1 << code) each. 0 for
 * an invalid code. */
uint32_t musical_key_harmonic(int code);

/* Canonical display name ("A minor", "C# major"); "" for an invalid code. Static storage. */
const char *musical_key_name(int code);

#endif
