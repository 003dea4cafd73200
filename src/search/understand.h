/* understand: reads a producer's query ("dark trap 808 in F minor around 140 bpm") into the
 * words to rank by and the parameters it names, so "140 bpm" becomes a BPM filter instead of
 * two more words.
 *
 * Read from the text (whitespace-separated words, case-insensitive unless said otherwise;
 * trailing , ; . ! ? ignored):
 *   BPM    "90 bpm", "90bpm", "90BPM", "85-95 bpm", "85–95 bpm", "85 to 95 bpm", "85-95bpm", each
 *          optionally after "around", "about", "approx", "approximately", "roughly", "near",
 *          "at" or "~" ("~90 bpm", "~90bpm"): one BPM becomes value ± tolerance, a range is
 *          taken as written
 *   key    "in " + any spelling musical_key.h reads, of one to three words ("in A minor",
 *          "in F#m", "in C sharp minor", "in 8A"; a lone lower-case letter after "in" is not a
 *          key: "in a dark mood"); without "in": a minor chord symbol with an upper-case tonic
 *          ("Am", "F#m", "Bbm", "C♯m"), a sharp or flat tonic ("F#", "Bb"), an upper-case tonic
 *          and a mode word ("A minor", "Eb major", "D min") and Camelot ("8A", "11B")
 *   genre and mood words: every genre and mood of the library's own vocabulary (given by the
 *          caller) whose keyword tokens (keyword.h) occur in the query's tokens in a row
 *          ("hip hop" finds the genre "hip-hop"); these stay in the text and boost matching
 *          samples (hybrid.h)
 * The first BPM and the first key are used; later ones stay words. The BPM and key phrases are
 * cut from the text; what remains is ranked.
 */
#ifndef SAMPLEVEC_UNDERSTAND_H
#define SAMPLEVEC_UNDERSTAND_H

#include <stddef.h>

#define UNDERSTAND_TEXT_LEN 1024
#define UNDERSTAND_FROM_LEN 96
#define UNDERSTAND_MAX_TERMS 8
#define UNDERSTAND_TERM_LEN 64
#define UNDERSTAND_DEFAULT_TOLERANCE 4.0

typedef struct understood {
    char text[UNDERSTAND_TEXT_LEN];     /* the words left to rank by */
    int has_bpm;                        /* a BPM phrase was read */
    double bpm_min, bpm_max;            /* its range (tolerance applied) */
    char bpm_from[UNDERSTAND_FROM_LEN]; /* the phrase, as written */
    int has_key;
    int key;                            /* musical_key.h code */
    char key_from[UNDERSTAND_FROM_LEN];
    int n_genres, n_moods;              /* vocabulary values named by the query */
    char genres[UNDERSTAND_MAX_TERMS][UNDERSTAND_TERM_LEN];
    char moods[UNDERSTAND_MAX_TERMS][UNDERSTAND_TERM_LEN];
} understood;

/* The library's vocabulary: distinct genre and mood values (borrowed). */
typedef struct understand_vocab {
    const char *const *genres;
    size_t n_genres;
    const char *const *moods;
    size_t n_moods;
} understand_vocab;

/* Reads text into out. tolerance: ± BPM for a single value. vocab may be NULL (no genre or
 * mood words). Always succeeds (a text too long is cut at UNDERSTAND_TEXT_LEN - 1 bytes on a
 * character boundary); returns 0, or -1 when out of memory. */
int understand_query(const char *text, double tolerance, const understand_vocab *vocab, understood *out);

#endif
