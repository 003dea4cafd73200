#include "demo_audio.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "musical_key.h"

#define PI 3.14159265358979323846

typedef enum voice { V_KICK, V_SNARE, V_HAT, V_PERC, V_BASS, V_PAD, V_KEYS, V_LOOP } voice;

typedef struct noise {
    uint64_t s;
} noise;

static double noise_next(noise *n) /* uniform in [-1, 1) */
{
    n->s = n->s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(n->s >> 11) / 4503599627370496.0 - 1.0;
}

/* 1 if word appears in text, case-insensitively. */
static int has_word(const char *text, const char *word)
{
    if (!text)
        return 0;
    size_t n = strlen(word);
    for (const char *p = text; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == word[i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

static voice pick_voice(const demo_audio_sample *s)
{
    static const struct {
        const char *word;
        voice v;
    } words[] = {
        {"kick", V_KICK},   {"808", V_KICK},     {"snare", V_SNARE},  {"clap", V_SNARE},
        {"hat", V_HAT},     {"cymbal", V_HAT},   {"ride", V_HAT},     {"shaker", V_PERC},
        {"conga", V_PERC},  {"bongo", V_PERC},   {"perc", V_PERC},    {"batucada", V_PERC},
        {"bass", V_BASS},   {"sub", V_BASS},     {"pad", V_PAD},      {"string", V_PAD},
        {"texture", V_PAD}, {"ambien", V_PAD},   {"vocal", V_PAD},    {"choir", V_PAD},
        {"drone", V_PAD},   {"loop", V_LOOP},    {"break", V_LOOP},   {"groove", V_LOOP},
        {"drum", V_LOOP},   {"beat", V_LOOP},    {"key", V_KEYS},     {"piano", V_KEYS},
        {"rhodes", V_KEYS}, {"chord", V_KEYS},   {"stab", V_KEYS},    {"organ", V_KEYS},
        {"guitar", V_KEYS}, {"horn", V_KEYS},    {"synth", V_KEYS},   {"riff", V_KEYS},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (has_word(s->title, words[i].word))
            return words[i].v;
    if (has_word(s->genre, "ambient") || has_word(s->genre, "cinematic"))
        return V_PAD;
    if (has_word(s->genre, "jazz") || has_word(s->genre, "soul") || has_word(s->genre, "lo-fi"))
        return V_KEYS;
    return V_LOOP;
}

static double midi_hz(double note) { return 440.0 * pow(2.0, (note - 69.0) / 12.0); }

/* Adds a kick at t0 (seconds) into buf. */
static void add_kick(float *buf, size_t n, double t0, double gain)
{
    size_t start = (size_t)(t0 * DEMO_AUDIO_RATE);
    double phase = 0;
    for (size_t i = start; i < n && i < start + (size_t)(0.35 * DEMO_AUDIO_RATE); i++) {
        double t = (double)(i - start) / DEMO_AUDIO_RATE;
        double f = 45.0 + 105.0 * exp(-t * 30.0);
        phase += 2 * PI * f / DEMO_AUDIO_RATE;
        buf[i] += (float)(gain * sin(phase) * exp(-t * 9.0));
    }
}

static void add_snare(float *buf, size_t n, double t0, double gain, noise *nz)
{
    size_t start = (size_t)(t0 * DEMO_AUDIO_RATE);
    for (size_t i = start; i < n && i < start + (size_t)(0.3 * DEMO_AUDIO_RATE); i++) {
        double t = (double)(i - start) / DEMO_AUDIO_RATE;
        buf[i] += (float)(gain * (0.7 * noise_next(nz) * exp(-t * 14.0) + 0.5 * sin(2 * PI * 180 * t) * exp(-t * 20.0)));
    }
}

static void add_hat(float *buf, size_t n, double t0, double gain, noise *nz)
{
    size_t start = (size_t)(t0 * DEMO_AUDIO_RATE);
    double prev = 0;
    for (size_t i = start; i < n && i < start + (size_t)(0.15 * DEMO_AUDIO_RATE); i++) {
        double t = (double)(i - start) / DEMO_AUDIO_RATE, x = noise_next(nz);
        buf[i] += (float)(gain * (x - prev) * 0.5 * exp(-t * 40.0)); /* first difference: high-pass */
        prev = x;
    }
}

/* A triad (root, third, fifth) from midi note root; minor picks the third. */
static void add_chord(float *buf, size_t n, double root, int minor, double attack, double decay, int detune)
{
    double notes[3] = {root, root + (minor ? 3 : 4), root + 7};
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / DEMO_AUDIO_RATE, v = 0;
        for (int k = 0; k < 3; k++) {
            double f = midi_hz(notes[k]);
            v += sin(2 * PI * f * t) + 0.3 * sin(4 * PI * f * t);
            if (detune) /* a second, slightly sharp voice: chorus */
                v += 0.6 * sin(2 * PI * f * 1.006 * t);
        }
        double env = (t < attack ? t / attack : 1.0) * exp(-t * decay);
        lp += 0.35 * (v * env - lp); /* one-pole low-pass: softer */
        buf[i] += (float)(0.25 * lp);
    }
}

unsigned char *demo_audio_render(const demo_audio_sample *s, size_t *len, double *duration_s)
{
    voice v = pick_voice(s);
    int key = musical_key_parse(s->musical_key);
    if (key == MUSICAL_KEY_NONE)
        key = 9 * 2 + 1; /* A minor */
    int pitch = key / 2, minor = key % 2;
    double bpm = s->bpm > 0 ? s->bpm : 90.0;
    if (bpm < 60)
        bpm = 60;
    if (bpm > 180)
        bpm = 180;
    double beat = 60.0 / bpm, seconds;
    switch (v) {
    case V_KICK: seconds = 0.35; break;
    case V_SNARE: seconds = 0.3; break;
    case V_HAT: seconds = 0.15; break;
    case V_PERC: seconds = 0.25; break;
    case V_BASS: seconds = 0.6; break;
    case V_PAD: seconds = 0.7; break;
    case V_KEYS: seconds = 0.6; break;
    default: seconds = 2 * beat > 0.9 ? 0.9 : 2 * beat; break;
    }
    size_t n = (size_t)(seconds * DEMO_AUDIO_RATE);
    float *buf = calloc(n, sizeof *buf);
    unsigned char *wav = malloc(44 + n);
    if (!buf || !wav) {
        free(buf);
        free(wav);
        return NULL;
    }
    noise nz = {s->seed * 0x9e3779b97f4a7c15ull ^ (uint64_t)s->id * 0xd1b54a32d192ed03ull};
    noise_next(&nz);
    switch (v) {
    case V_KICK: add_kick(buf, n, 0, 0.9); break;
    case V_SNARE: add_snare(buf, n, 0, 0.8, &nz); break;
    case V_HAT: add_hat(buf, n, 0, 0.9, &nz); break;
    case V_PERC: {
        double f = midi_hz(60 + pitch + 12 * (noise_next(&nz) > 0));
        for (size_t i = 0; i < n; i++) {
            double t = (double)i / DEMO_AUDIO_RATE;
            buf[i] = (float)((0.6 * sin(2 * PI * f * t) + 0.3 * noise_next(&nz)) * exp(-t * 18.0));
        }
        break;
    }
    case V_BASS: {
        double f = midi_hz(36 + pitch), lp = 0;
        for (size_t i = 0; i < n; i++) {
            double t = (double)i / DEMO_AUDIO_RATE, saw = 2 * fmod(f * t, 1.0) - 1;
            lp += 0.12 * (saw - lp);
            buf[i] = (float)((0.6 * sin(2 * PI * f * t) + 0.6 * lp) * (t < 0.01 ? t / 0.01 : 1) * exp(-t * 3.0));
        }
        break;
    }
    case V_PAD: add_chord(buf, n, 60 + pitch, minor, 0.25, 1.2, 1); break;
    case V_KEYS: add_chord(buf, n, 60 + pitch, minor, 0.005, 4.0, 0); break;
    case V_LOOP:
        for (int e = 0; e < 4; e++) /* eighth-note hats over two beats */
            add_hat(buf, n, e * beat / 2, 0.35, &nz);
        add_kick(buf, n, 0, 0.9);
        add_snare(buf, n, beat, 0.7, &nz);
        if (noise_next(&nz) > 0) /* a ghost kick before the snare on half of the loops */
            add_kick(buf, n, beat * 0.75, 0.5);
        break;
    }
    float peak = 0;
    for (size_t i = 0; i < n; i++)
        peak = fabsf(buf[i]) > peak ? fabsf(buf[i]) : peak;
    float scale = peak > 0 ? 0.85f / peak : 0;
    /* header */
    uint32_t data = (uint32_t)n, riff = 36 + data, fmt_len = 16, rate = DEMO_AUDIO_RATE, byte_rate = DEMO_AUDIO_RATE;
    uint16_t pcm = 1, channels = 1, align = 1, bits = 8;
    unsigned char *p = wav;
#define PUT(src, k)                  \
    do {                             \
        memcpy(p, (src), (k));       \
        p += (k);                    \
    } while (0)
    PUT("RIFF", 4);
    PUT(&riff, 4);
    PUT("WAVEfmt ", 8);
    PUT(&fmt_len, 4);
    PUT(&pcm, 2);
    PUT(&channels, 2);
    PUT(&rate, 4);
    PUT(&byte_rate, 4);
    PUT(&align, 2);
    PUT(&bits, 2);
    PUT("data", 4);
    PUT(&data, 4);
#undef PUT
    for (size_t i = 0; i < n; i++) {
        long q = lrintf(128.0f + 127.0f * buf[i] * scale);
        p[i] = (unsigned char)(q < 0 ? 0 : q > 255 ? 255 : q);
    }
    free(buf);
    *len = 44 + n;
    *duration_s = (double)n / DEMO_AUDIO_RATE;
    return wav;
}
