/* demo_audio: short synthesized sounds for the demo library, so the vibe browser has something
 * to play. Deterministic: the same sample (seed, id, title, genre, BPM, key) gives the same bytes.
 *
 * File format: RIFF/WAVE, PCM (format 1), mono, 8-bit unsigned, 11,025 Hz: the small end of
 * what every browser plays, so that 2,437 files stay under 20 MB (about 8 KB each).
 *   bytes 0..43  the canonical 44-byte header (RIFF size, "WAVE", "fmt " of 16, "data" size)
 *   44..         one byte per sample, 128 = silence
 *
 * What is synthesized, from words of the title (then the genre):
 *   kick, 808        a sine swept from 150 to 45 Hz, 0.35 s
 *   snare, clap      noise and a 180 Hz body, 0.3 s
 *   hat, cymbal      high-passed noise, 0.15 s
 *   perc, conga, ... a tuned noise burst, 0.25 s
 *   bass, sub        the key's root two octaves down, 0.6 s
 *   pad, strings, texture, ambient, vocal   a slow detuned triad in the key, 0.7 s
 *   keys, piano, chord, stab, organ, guitar, horn, ...   a plucked triad in the key, 0.6 s
 *   loop, break, groove, drum   two beats of kick, snare and eighth-note hats at the BPM (at most 0.9 s)
 * The key is the sample's (musical_key.h spellings; A minor when missing), the BPM its own (90
 * when missing).
 */
#ifndef SAMPLEVEC_DEMO_AUDIO_H
#define SAMPLEVEC_DEMO_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#define DEMO_AUDIO_RATE 11025

typedef struct demo_audio_sample {
    uint64_t seed;           /* with id: the noise and small variations */
    int64_t id;
    const char *title, *genre, *musical_key; /* NULL = missing */
    double bpm;              /* <= 0 = missing */
} demo_audio_sample;

/* The WAV file's bytes; caller frees. NULL when out of memory. *duration_s = its length. */
unsigned char *demo_audio_render(const demo_audio_sample *s, size_t *len, double *duration_s);

#endif
