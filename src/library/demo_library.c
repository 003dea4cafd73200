/* demo_library: a realistic sp404_samples.db, written fast and deterministically.
 *
 * Layout written (the application's SQLAlchemy models, DDL as SQLAlchemy emits it for SQLite):
 *   users(id, email, username, hashed_password, is_active, is_superuser, created_at, updated_at)
 *     one row, id 1, that every sample points to
 *   samples(id 1..count, user_id, title, file_path, file_size, duration, bpm, musical_key, genre,
 *     bpm_confidence, genre_confidence, key_confidence, tags, extra_metadata, analysis_metadata,
 *     created_at, analyzed_at, last_accessed_at)
 *   vibe_analyses(id, sample_id UNIQUE, mood_primary, mood_secondary, energy_level, danceability,
 *     acousticness, instrumentalness, texture_tags, characteristics {"raw_analysis": markdown,
 *     ...}, model_version, confidence_score, processing_time_ms, created_at)   ~90% of samples
 *   indexes as the application creates them (ix_users_*, ix_samples_id/title/genre/bpm,
 *     ix_vibe_analyses_id), built after the rows (sorting once beats maintaining them per row).
 *
 * Determinism: sample i draws everything from its own generator, seeded from (seed, i). So the
 * same seed gives the same rows whatever else changes, and a library of N samples is the first N
 * rows of any larger library with that seed (handy for "add 10 samples" tests). No clock, no
 * rand(), timestamps derived from the id.
 *
 * Speed: one transaction, journal off, two prepared inserts bound to stack buffers; the text is
 * assembled with memcpy from phrase tables, so generation costs about as much as SQLite's write.
 * The file is built under a temporary name and linked into place, so an interrupted run never
 * leaves a half-written library under the requested name, and an existing file is never replaced.
 */
#include "demo_library.h"

#include "demo_audio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- generator: splitmix64 seeds xoshiro256** ---- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n) (n small: the modulo bias is < 2^-50). */
static unsigned rng_below(rng *r, unsigned n) { return (unsigned)(rng_next(r) % n); }
static double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }
static int rng_chance(rng *r, double p) { return rng_unit(r) < p; }
#define PICK(r, arr) ((arr)[rng_below((r), (unsigned)(sizeof(arr) / sizeof((arr)[0])))])

/* ---- vocabulary ---- */

typedef struct genre_def {
    const char *name;
    int bpm_lo, bpm_hi;
    const char *phrases[8];     /* what the analysis hears: the searchable vibe */
    const char *textures[5];    /* texture_tags */
    const char *instruments[5]; /* named in titles and bullets */
    const char *moods[4];       /* likely mood_primary/secondary */
    const char *reference;      /* "reminiscent of ..." */
} genre_def;

static const genre_def genres[] = {
    {"hip-hop", 85, 100,
     {"hard-hitting boom bap drums", "a chopped soul sample", "head-nodding swing",
      "a gritty sampled bassline", "a crunchy snare with room ambience", "a laid-back pocket",
      "MPC-style chops", "filtered vocal stabs"},
     {"gritty", "punchy", "dusty", "saturated", "sampled"},
     {"drums", "bass", "keys", "vocal chops", "scratches"},
     {"confident", "gritty", "chill", "nostalgic"}, "90s New York basement tapes"},
    {"boom bap", 84, 96,
     {"a dusty kick and snare", "swung hi-hats", "a crackling vinyl loop", "jazzy piano chops",
      "a thick upright bass", "SP-1200 grit", "a head-nodding groove", "a gritty 12-bit crunch"},
     {"dusty", "vinyl crackle", "12-bit", "gritty", "warm"},
     {"drums", "upright bass", "piano", "horns", "scratches"},
     {"nostalgic", "gritty", "confident", "melancholic"}, "golden-era crate-digging records"},
    {"jazz", 60, 180,
     {"dusty jazzy chords", "a walking upright bass", "a brushed snare",
      "smoky late-night piano", "muted trumpet lines", "extended seventh and ninth chords",
      "a swinging ride cymbal", "warm Rhodes voicings"},
     {"warm", "smoky", "organic", "vinyl crackle", "live room"},
     {"Rhodes", "upright bass", "trumpet", "saxophone", "brushes"},
     {"smooth", "melancholic", "sophisticated", "relaxed"}, "late-70s CTI jazz records"},
    {"soul", 65, 110,
     {"warm vinyl crackle", "a lush string section", "a gospel-tinged organ",
      "a sweet falsetto vocal", "a tight horn section", "a fat Motown-style bassline",
      "tape-saturated drums", "heartfelt chord changes"},
     {"warm", "vinyl crackle", "lush", "analog", "tape saturation"},
     {"strings", "organ", "vocals", "horns", "electric bass"},
     {"soulful", "romantic", "nostalgic", "uplifting"}, "Memphis soul 45s"},
    {"funk", 95, 120,
     {"a syncopated slap bass", "choppy wah guitar", "a tight clavinet riff",
      "punchy horn stabs", "ghost-note heavy drums", "a hard accent on the one",
      "greasy organ fills", "an in-the-pocket groove"},
     {"punchy", "bright", "dry", "analog", "tight"},
     {"slap bass", "wah guitar", "clavinet", "horns", "drums"},
     {"groovy", "playful", "energetic", "confident"}, "early-70s funk 45s"},
    {"lo-fi", 65, 90,
     {"dusty jazzy chords", "warm vinyl crackle", "tape-wobbled keys", "a soft muted kick",
      "rainy-day ambience", "a detuned piano", "mellow sidechained pads", "cassette hiss"},
     {"lo-fi", "dusty", "vinyl crackle", "tape hiss", "warm"},
     {"piano", "Rhodes", "guitar", "soft drums", "field recordings"},
     {"chill", "dreamy", "melancholic", "relaxed"}, "late-night lo-fi study streams"},
    {"trap", 130, 160,
     {"booming 808 slides", "rapid hi-hat rolls", "dark moody bells", "a hard clap on the three",
      "a menacing synth lead", "sparse eerie piano", "a half-time bounce", "distorted sub bass"},
     {"dark", "distorted", "crisp", "heavy", "digital"},
     {"808", "hi-hats", "bells", "synth lead", "claps"},
     {"dark", "aggressive", "menacing", "tense"}, "Atlanta trap mixtapes"},
    {"house", 118, 128,
     {"a four-on-the-floor kick", "shuffling open hi-hats", "bright piano stabs",
      "a deep rolling bassline", "a filtered disco loop", "a soulful diva vocal",
      "warm analog chords", "sidechained pads"},
     {"warm", "filtered", "groovy", "clean", "wide stereo"},
     {"kick", "piano", "bass", "vocals", "pads"},
     {"euphoric", "groovy", "uplifting", "hypnotic"}, "Chicago house white labels"},
    {"techno", 125, 140,
     {"a relentless four-on-the-floor kick", "a hypnotic acid line", "industrial percussion",
      "a dark rumbling bass", "metallic hi-hats", "an evolving modular sequence",
      "cavernous reverb", "driving warehouse energy"},
     {"industrial", "dark", "metallic", "hypnotic", "distorted"},
     {"kick", "acid synth", "modular synth", "percussion", "rumble bass"},
     {"hypnotic", "dark", "driving", "tense"}, "Detroit and Berlin warehouse sessions"},
    {"ambient", 60, 90,
     {"evolving shimmering pads", "glacial reverb tails", "granular textures",
      "distant field recordings", "slow swelling drones", "soft bell tones",
      "an airy, breathy atmosphere", "weightless long releases"},
     {"airy", "lush", "ethereal", "wide stereo", "reverb-heavy"},
     {"pads", "drones", "bells", "field recordings", "granular synth"},
     {"dreamy", "calm", "ethereal", "meditative"}, "Japanese environmental music"},
    {"r&b", 60, 100,
     {"silky smooth vocal runs", "a lush electric piano", "snappy finger snaps",
      "a deep sub bass", "sultry late-night chords", "crisp trap-influenced hats",
      "warm layered harmonies", "a slow-jam groove"},
     {"smooth", "silky", "warm", "polished", "lush"},
     {"vocals", "electric piano", "finger snaps", "sub bass", "guitar"},
     {"romantic", "sultry", "smooth", "intimate"}, "late-90s slow jams"},
    {"drum and bass", 160, 180,
     {"rolling amen breakbeats", "a growling reese bass", "chopped jungle breaks",
      "liquid atmospheric pads", "fast syncopated snares", "deep sub pressure",
      "ragga vocal stabs", "frantic breakbeat edits"},
     {"crisp", "rolling", "heavy", "breakbeat", "dark"},
     {"breakbeats", "reese bass", "pads", "sub bass", "vocal stabs"},
     {"energetic", "intense", "driving", "dark"}, "UK jungle pirate radio"},
    {"reggae", 60, 90,
     {"a skanking offbeat guitar", "a deep dub bassline", "a one-drop rhythm",
      "a bubbling organ", "spring reverb splashes", "tape echo delays",
      "roots vocal harmonies", "a laid-back island groove"},
     {"warm", "dubby", "spacious", "analog", "echoing"},
     {"guitar", "bass", "organ", "drums", "melodica"},
     {"relaxed", "uplifting", "sunny", "peaceful"}, "Kingston sound-system dubplates"},
    {"latin", 90, 130,
     {"syncopated congas and timbales", "a bright salsa piano montuno",
      "a clave-driven groove", "a brassy horn section", "shakers and guiro",
      "a bossa nova guitar", "a descending tumbao bass", "festive percussion"},
     {"bright", "organic", "live room", "percussive", "warm"},
     {"congas", "timbales", "piano", "horns", "nylon guitar"},
     {"festive", "sensual", "energetic", "joyful"}, "Fania-era salsa records"},
    {"afrobeat", 100, 125,
     {"interlocking guitar lines", "polyrhythmic percussion", "hypnotic horn riffs",
      "talking drum accents", "a driving shekere", "a deep groove bass",
      "call-and-response vocals", "a long hypnotic build"},
     {"organic", "polyrhythmic", "warm", "live room", "percussive"},
     {"guitar", "horns", "talking drum", "shekere", "bass"},
     {"joyful", "hypnotic", "energetic", "celebratory"}, "Lagos highlife sessions"},
    {"gospel", 70, 110,
     {"soaring choir harmonies", "Hammond organ swells", "rousing piano runs",
      "hand claps and tambourine", "uplifting chord progressions", "call-and-response vocals",
      "a warm church reverb", "a rising key change"},
     {"warm", "lush", "live room", "uplifting", "organic"},
     {"choir", "Hammond organ", "piano", "claps", "tambourine"},
     {"uplifting", "joyful", "spiritual", "hopeful"}, "Sunday-morning church recordings"},
    {"disco", 110, 125,
     {"lush string swells", "an octave-jumping bassline", "shimmering hi-hats",
      "funky rhythm guitar", "glittering synths", "a four-on-the-floor groove",
      "brassy horn hits", "falsetto hooks"},
     {"bright", "lush", "glossy", "analog", "groovy"},
     {"strings", "bass", "rhythm guitar", "horns", "synths"},
     {"euphoric", "playful", "groovy", "glamorous"}, "late-70s disco 12-inches"},
    {"dub", 60, 80,
     {"a deep rumbling bass", "a cavernous spring reverb", "tape delay throws",
      "sparse rimshots", "a filtered melodica", "heavy low end", "echo chamber feedback",
      "a stripped-down riddim"},
     {"dubby", "spacious", "echoing", "heavy", "analog"},
     {"bass", "melodica", "rimshot", "delay", "organ"},
     {"hypnotic", "dark", "relaxed", "meditative"}, "Black Ark-style studio dubs"},
    {"electronic", 100, 140,
     {"glassy synth arpeggios", "a punchy sidechained kick", "sweeping filter automation",
      "glitchy chopped vocals", "wide supersaw chords", "bit-crushed percussion",
      "a pulsing bass sequence", "a bright digital sheen"},
     {"synthetic", "glassy", "bright", "digital", "wide stereo"},
     {"synths", "drum machine", "vocal chops", "bass", "arpeggiator"},
     {"futuristic", "energetic", "euphoric", "tense"}, "2010s festival electronica"},
    {"rock", 90, 150,
     {"crunchy overdriven guitar", "live roomy drums", "a driving bass riff",
      "a fuzzed-out lead", "big crash cymbals", "garage-band energy", "stacked power chords",
      "raw amp distortion"},
     {"distorted", "raw", "live room", "gritty", "loud"},
     {"electric guitar", "drums", "bass", "organ", "fuzz lead"},
     {"aggressive", "energetic", "rebellious", "gritty"}, "70s garage rock singles"},
    {"cinematic", 60, 110,
     {"sweeping orchestral strings", "a tense staccato ostinato", "huge taiko hits",
      "dark brass swells", "suspenseful risers", "an emotional piano theme",
      "epic choir pads", "slow-building tension"},
     {"epic", "lush", "dark", "wide stereo", "orchestral"},
     {"strings", "brass", "taiko", "piano", "choir"},
     {"epic", "tense", "mysterious", "emotional"}, "film noir and thriller scores"},
};
#define N_GENRES (sizeof genres / sizeof genres[0])

static const char *const any_moods[] = {"dark", "chill", "energetic", "melancholic", "uplifting",
                                        "mysterious", "dreamy", "nostalgic", "aggressive",
                                        "playful", "somber", "warm"};
static const char *const any_textures[] = {"crisp", "warm", "airy", "gritty", "saturated",
                                           "analog", "filtered", "bit-crushed", "tape hiss",
                                           "dry", "wide stereo", "mono"};
static const char *const sample_tags[] = {"drums", "bass", "keys", "melody", "vocals", "fx",
                                          "loop", "chords", "pad", "horns", "strings", "guitar",
                                          "808", "percussion", "one-shot", "break"};
static const char *const kinds[] = {"Loop", "Break", "One-Shot", "Chop", "Stab", "Riff",
                                    "Pad", "Groove", "Phrase", "Texture"};
static const char *const title_words[] = {"Dusty", "Midnight", "Golden", "Velvet", "Smoky",
                                          "Neon", "Rainy", "Broken", "Faded", "Sunday",
                                          "Heavy", "Lazy", "Crystal", "Late Night", "Cold",
                                          "Hazy", "Warm", "Low", "Deep", "Lost"};
/* Non-ASCII titles as producers name things: accents, CJK, Cyrillic, Greek, Hangul, emoji. */
static const char *const intl_titles[] = {
    "Café Noir Keys", "Señorita Horn Stabs", "東京 Night Drive", "夜の雨 Pad", "🔥 Fire Break",
    "Øresund Pads", "Ça Plane Strings", "São Paulo Batucada", "Müller Bassline",
    "Jalapeño Percussion", "Ελληνικό Bouzouki", "Москва Synth", "🎹 Late Keys", "서울 Groove",
    "Crème Brûlée Soul", "Fútbol Chant Chop", "Ñandú Flute", "北京 Erhu Phrase", "🌧️ Rain Tape"};
static const char *const notes[] = {"C", "C#", "Db", "D", "D#", "Eb", "E", "F", "F#",
                                    "Gb", "G", "G#", "Ab", "A", "A#", "Bb", "B"};
static const char *const models[] = {"google/gemini-2.0-flash-001", "qwen/qwen-2.5-7b-instruct",
                                     "anthropic/claude-3.5-haiku"};
static const char *const grooves[] = {
    "sits slightly behind the beat", "swings hard with a lazy, drunken feel",
    "is locked tight to the grid", "pushes forward with real urgency",
    "breathes with a loose, human feel", "rolls with a syncopated bounce",
    "lopes along in a half-time feel", "shuffles with a triplet lilt"};
static const char *const production[] = {
    "Low end is tight and mono-compatible.", "Transients are soft, probably tape-compressed.",
    "Light sidechain pumping on the pads.", "Highs rolled off around 10 kHz for a vintage feel.",
    "Noticeable room reverb on the drums.", "Clean stereo image with wide pads.",
    "Slight wow and flutter suggests a cassette source.", "Clipping on the peaks adds grit.",
    "Sample-rate reduction gives a 12-bit crunch.", "Heavy bus compression glues it together.",
    "A little mud around 250 Hz; a gentle cut cleans it up.",
    "Loops cleanly at the bar line with no click."};
static const char *const uses[] = {
    "Chop it into the SP-404 pads and play the stabs live.", "Layer it under a vocal hook.",
    "Loop the first bar as a bed for verses.", "Pitch it down a few semitones for a darker take.",
    "Resample it through the vinyl sim effect.", "Use it as an intro or an interlude.",
    "Pair it with a sparse drum break.", "Filter the lows and layer a heavier kick.",
    "A strong starting point for a beat tape.", "Time-stretch it for an ambient transition.",
    "Drop it in a bridge to change the mood.", "Sidechain it to the kick for extra bounce."};
static const char *const aspects[] = {"Texture", "Low end", "Top end", "Space", "Dynamics",
                                      "Character", "Stereo field", "Attack"};

/* ---- bounded string building into fixed buffers (sizes cover the worst case) ---- */

typedef struct buf {
    char *p;
    size_t len, cap; /* cap includes the NUL */
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->len + n >= b->cap)
        n = b->cap - 1 - b->len; /* never reached with the sizes below; clip, never overflow */
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}
static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }
static void putf(buf *b, const char *fmt, ...) SV_PRINTF(2, 3);
static void putf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len = b->len + (size_t)n >= b->cap ? b->cap - 1 : b->len + (size_t)n;
}
/* Appends each string argument up to a NULL: the hot path, where printf's machinery was a third
 * of the run. Arguments are plain values: every random draw happens before the call, in
 * statement order, because C leaves the order of argument evaluation unspecified and the output
 * must be the same under any compiler. */
static void cat(buf *b, ...)
{
    va_list ap;
    va_start(ap, b);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
        put(b, s, strlen(s));
    va_end(ap);
}
#define CAT(b, ...) cat((b), __VA_ARGS__, (const char *)NULL)

/* s as a JSON string literal (the text is ours: ASCII or valid UTF-8, escape what JSON needs). */
static void put_json_str(buf *b, const char *s)
{
    put(b, "\"", 1);
    for (;;) {
        size_t run = strcspn(s, "\"\\\n"); /* vectorised in glibc: this was 16% of the run */
        put(b, s, run);
        s += run;
        if (*s == '\0')
            break;
        put(b, *s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\", 2);
        s++;
    }
    put(b, "\"", 1);
}
static void put_json_array(buf *b, const char *const *items, int n)
{
    put(b, "[", 1);
    for (int i = 0; i < n; i++) {
        if (i)
            put(b, ", ", 2); /* Python json.dumps separators, as the application writes */
        put_json_str(b, items[i]);
    }
    put(b, "]", 1);
}

/* Picks k distinct indices below n into out (k <= n). */
static void pick_distinct(rng *r, int n, int k, int *out)
{
    for (int i = 0; i < k; i++) {
        int v, dup;
        do {
            v = (int)rng_below(r, (unsigned)n);
            dup = 0;
            for (int j = 0; j < i; j++)
                dup |= out[j] == v;
        } while (dup);
        out[i] = v;
    }
}

static void fmt_time(char *out, size_t n, int64_t epoch)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

/* ---- one sample ---- */

#define DESC_MIN 300
#define DESC_MAX 2500

typedef struct demo_row {
    /* samples */
    char title[160], file_path[80], key[16], tags[256], extra[128], analysis[192];
    char created[24], analyzed[24];
    const char *genre;
    double bpm, duration;
    int has_bpm, has_key, has_tags, has_analysis, has_analyzed;
    int64_t file_size;
    int conf_bpm, conf_genre, conf_key; /* -1 = NULL */
    /* vibe_analyses */
    int has_vibe;
    const char *mood1, *mood2, *model;
    double energy, dance, acoustic, instrumental, confidence;
    int processing_ms;
    char texture_json[256], desc[DESC_MAX + 1], characteristics[2 * DESC_MAX + 512];
    size_t desc_len;
} demo_row;

/* The genre's phrases in a shuffled order, so one description never repeats a phrase until it has
 * used all eight. */
typedef struct phrase_deck {
    const genre_def *g;
    int order[8], next;
} phrase_deck;

static void deck_init(phrase_deck *d, rng *r, const genre_def *g)
{
    d->g = g;
    d->next = 0;
    for (int i = 0; i < 8; i++)
        d->order[i] = i;
    for (int i = 7; i > 0; i--) {
        int j = (int)rng_below(r, (unsigned)i + 1), t = d->order[i];
        d->order[i] = d->order[j];
        d->order[j] = t;
    }
}

static const char *deck_draw(phrase_deck *d) { return d->g->phrases[d->order[d->next++ & 7]]; }

static const char *const placements[] = {"upfront", "far back", "dead center", "wide",
                                         "just under the vocal range", "low and heavy"};
static const char *const scenes[] = {"late-night", "rainy-day", "driving", "sunrise", "club",
                                     "film", "study", "workout"};
static const char *const extra_sections[] = {"Arrangement Ideas", "Layering Tips", "Mix Notes",
                                             "Sound Design Details", "Sampling Notes",
                                             "Listening Notes"};

/* One free-standing bullet for the later sections. */
static void extra_bullet(buf *c, rng *r, phrase_deck *d, const demo_row *row, const char *instr,
                         const char **tex, int ntex)
{
    const char *a, *b;
    switch (rng_below(r, 8)) {
    case 0:
        a = deck_draw(d);
        b = PICK(r, genres[rng_below(r, N_GENRES)].phrases);
        CAT(c, "- Try ", a, " against ", b, " for contrast.\n");
        break;
    case 1: CAT(c, "- The ", instr, " sits ", PICK(r, placements), " in the mix.\n"); break;
    case 2:
        a = tex[rng_below(r, (unsigned)ntex)];
        b = deck_draw(d);
        CAT(c, "- The ", a, " texture works well with ", b, ".\n");
        break;
    case 3: CAT(c, "- Bring out ", deck_draw(d), " with a gentle high shelf.\n"); break;
    case 4: CAT(c, "- Cut the loop right before ", deck_draw(d), " for a clean chop.\n"); break;
    case 5:
        a = tex[rng_below(r, (unsigned)ntex)];
        b = PICK(r, scenes);
        CAT(c, "- Feels ", row->mood1, " and ", a, ", right for ", b, " scenes.\n");
        break;
    case 6: CAT(c, "- ", PICK(r, production), "\n"); break;
    default: CAT(c, "- ", PICK(r, uses), "\n"); break;
    }
}

static const char *energy_words(double e)
{
    return e < 0.3 ? "low-key and restrained"
         : e < 0.55 ? "moderate and steady"
         : e < 0.8 ? "lively and driving"
                    : "high-octane, peak-time";
}

/* The markdown description, DESC_MIN..DESC_MAX bytes (ASCII, so also characters). Sections are
 * added until a drawn target length is reached; a chunk that would pass DESC_MAX is skipped. */
static void make_description(rng *r, const genre_def *g, demo_row *row, const char **tex, int ntex)
{
    buf d = {row->desc, 0, sizeof row->desc};
    char chunk[1024];
    /* Target: the mean of two uniforms, so most analyses are mid-length, a few short or long. */
    size_t target = DESC_MIN + (size_t)((rng_unit(r) + rng_unit(r)) * 0.5 * (DESC_MAX - DESC_MIN));
    char bpm_txt[32] = "a loose, free tempo", key_txt[40] = "no clear tonal center";
    if (row->has_bpm)
        snprintf(bpm_txt, sizeof bpm_txt, "%.0f BPM", row->bpm);
    if (row->has_key)
        snprintf(key_txt, sizeof key_txt, "%s", row->key);
    int minor = row->has_key && (strchr(row->key, 'm') != NULL);
    const char *instr = PICK(r, g->instruments);
    phrase_deck deck;
    deck_init(&deck, r, g);
    int aspect_idx[8];

    const char *p1 = deck_draw(&deck), *p2 = deck_draw(&deck), *p3;
    CAT(&d, "## Vibe Analysis\n\nA ", row->mood1, " ", g->name, " piece led by ", instr, ", at ",
        bpm_txt, " in ", key_txt, ", built on ", p1, " and ", p2, ". The overall feel is ",
        row->mood1);
    if (row->mood2)
        CAT(&d, ", shading into ", row->mood2);
    CAT(&d, "; ", tex[0], " and ", ntex > 1 ? tex[1] : "clean", " in texture.\n");

    /* Eight core sections in order, then extra ones, each heading used once. */
    int n_sections = 8 + (int)(sizeof extra_sections / sizeof *extra_sections);
    for (int section = 0; d.len < target && section < n_sections; section++) {
        buf c = {chunk, 0, sizeof chunk};
        switch (section) {
        case 0: {
            int n = 2 + (int)rng_below(r, 3);
            puts_(&c, "\n### Sonic Character\n");
            pick_distinct(r, 8, n, aspect_idx);
            for (int i = 0; i < n; i++)
                CAT(&c, "- **", aspects[aspect_idx[i]], ":** ", deck_draw(&deck), "\n");
            break;
        }
        case 1:
            p1 = PICK(r, grooves);
            p2 = deck_draw(&deck);
            p3 = deck_draw(&deck);
            CAT(&c, "\n### Rhythm & Groove\nSitting at ", bpm_txt, ", the groove ", p1,
                ". Expect ", p2, " underneath ", p3, ".\n");
            break;
        case 2:
            puts_(&c, "\n### Harmonic Content\n");
            if (row->has_key)
                CAT(&c, "Rooted in ", key_txt, "; the ", minor ? "minor" : "major",
                    " tonality leans ", minor ? "bittersweet and moody. " : "bright and open. ");
            else
                puts_(&c, "There is no clear tonal center: it is mostly rhythm and texture. ");
            CAT(&c, "The harmony rests on the ", instr, ", over ", deck_draw(&deck), ".\n");
            break;
        case 3:
            putf(&c, "\n### Mood & Energy\n- **Mood:** %s%s%s\n- **Energy:** %s (%.2f)\n",
                 row->mood1, row->mood2 ? ", " : "", row->mood2 ? row->mood2 : "",
                 energy_words(row->energy), row->energy);
            putf(&c, "- **Danceability:** %.2f\n", row->dance);
            break;
        case 4: {
            int idx[3], n = 1 + (int)rng_below(r, 3);
            puts_(&c, "\n### Production Notes\n");
            pick_distinct(r, (int)(sizeof production / sizeof *production), n, idx);
            for (int i = 0; i < n; i++)
                CAT(&c, "- ", production[idx[i]], "\n");
            break;
        }
        case 5: {
            int idx[3], n = 2 + (int)rng_below(r, 2);
            puts_(&c, "\n### Best Use Cases\n");
            pick_distinct(r, (int)(sizeof uses / sizeof *uses), n, idx);
            for (int i = 0; i < n; i++)
                CAT(&c, "- ", uses[idx[i]], "\n");
            break;
        }
        case 6:
            p1 = deck_draw(&deck);
            p2 = PICK(r, genres[rng_below(r, N_GENRES)].phrases);
            p3 = PICK(r, any_moods);
            CAT(&c, "\n### Similar Vibes\nReminiscent of ", g->reference, ": ", p1, " meets ", p2,
                ", ", p3, ".\n");
            break;
        case 7:
            puts_(&c, "\n**Texture tags:** ");
            for (int i = 0; i < ntex; i++)
                CAT(&c, i ? ", " : "", tex[i]);
            puts_(&c, "\n");
            break;
        default:
            CAT(&c, "\n### ", extra_sections[section - 8], "\n");
            for (int i = 0, n = 3 + (int)rng_below(r, 3); i < n; i++)
                extra_bullet(&c, r, &deck, row, instr, tex, ntex);
            break;
        }
        if (d.len + c.len > DESC_MAX)
            break;
        put(&d, c.p, c.len);
    }
    /* Model output arrives stripped: no trailing newline (it would show in the source text as a
     * blank line before "Sample Tags"). A short opening alone can be under the minimum: pad it
     * with production notes. */
    while (d.len > 0 && d.p[d.len - 1] == '\n')
        d.p[--d.len] = '\0';
    while (d.len < DESC_MIN)
        CAT(&d, "\n- ", PICK(r, production));
    row->desc_len = d.len;
}

static void make_row(uint64_t seed, int64_t id, demo_row *row)
{
    rng r;
    rng_seed(&r, seed, (uint64_t)id);
    const genre_def *g = &genres[rng_below(&r, N_GENRES)];
    memset(row, 0, offsetof(demo_row, texture_json));
    row->genre = g->name;

    /* BPM in the genre's range, clamped to 60..180; ~7% unknown; some with decimals. */
    row->has_bpm = !rng_chance(&r, 0.07);
    if (row->has_bpm) {
        double bpm = g->bpm_lo + rng_below(&r, (unsigned)(g->bpm_hi - g->bpm_lo + 1));
        if (rng_chance(&r, 0.3))
            bpm += rng_chance(&r, 0.5) ? 0.5 : (double)rng_below(&r, 100) / 100.0;
        row->bpm = bpm < 60 ? 60 : bpm > 180 ? 180 : bpm;
    }
    /* Keys as the application stores them: "F#m", "C", "A minor", "C# major", or NULL. */
    unsigned kf = rng_below(&r, 100);
    row->has_key = kf >= 12;
    if (row->has_key) {
        const char *note = PICK(&r, notes);
        int minor = rng_chance(&r, 0.55);
        if (kf < 75)
            snprintf(row->key, sizeof row->key, "%s%s", note, minor ? "m" : "");
        else
            snprintf(row->key, sizeof row->key, "%s %s", note, minor ? "minor" : "major");
    }

    /* Moods: mostly the genre's own, sometimes any; the secondary differs, ~25% NULL. */
    row->mood1 = rng_chance(&r, 0.75) ? PICK(&r, g->moods) : PICK(&r, any_moods);
    if (!rng_chance(&r, 0.25)) {
        do
            row->mood2 = rng_chance(&r, 0.6) ? PICK(&r, g->moods) : PICK(&r, any_moods);
        while (strcmp(row->mood2, row->mood1) == 0);
    }
    row->energy = (double)rng_below(&r, 1001) / 1000.0;
    row->dance = (double)rng_below(&r, 1001) / 1000.0;
    row->acoustic = (double)rng_below(&r, 1001) / 1000.0;
    row->instrumental = (double)rng_below(&r, 1001) / 1000.0;

    /* Title. */
    buf t = {row->title, 0, sizeof row->title};
    if (rng_chance(&r, 0.07))
        puts_(&t, PICK(&r, intl_titles));
    else {
        const char *w = PICK(&r, title_words), *in = PICK(&r, g->instruments);
        CAT(&t, w, " ", in, " ", PICK(&r, kinds));
        for (size_t i = 0; i < t.len; i++) /* "warm wah guitar" → "Warm Wah Guitar" */
            if ((i == 0 || t.p[i - 1] == ' ') && t.p[i] >= 'a' && t.p[i] <= 'z')
                t.p[i] = (char)(t.p[i] - 'a' + 'A');
    }
    switch (rng_below(&r, 5)) {
    case 0: break;
    case 1:
        if (row->has_bpm)
            putf(&t, " %.0f", row->bpm);
        break;
    case 2: putf(&t, " #%u", 1 + rng_below(&r, 50)); break;
    case 3: putf(&t, " (Take %u)", 1 + rng_below(&r, 9)); break;
    default: CAT(&t, " - ", row->mood1); break;
    }

    uint64_t u1 = rng_next(&r), u2 = rng_next(&r);
    snprintf(row->file_path, sizeof row->file_path, "uploads/1/%08x-%04x-4%03x-a%03x-%012llx.wav",
             (unsigned)(u1 >> 32), (unsigned)(u1 >> 16) & 0xffff, (unsigned)u1 & 0xfff,
             (unsigned)(u2 >> 52), (unsigned long long)(u2 & 0xffffffffffffULL));
    row->duration = 0.5 + (double)rng_below(&r, 29500) / 1000.0;
    row->file_size = 44 + (int64_t)(row->duration * 176400.0); /* 16-bit stereo 44.1 kHz WAV */
    row->conf_bpm = row->has_bpm ? 40 + (int)rng_below(&r, 61) : -1;
    row->conf_genre = rng_chance(&r, 0.1) ? -1 : 30 + (int)rng_below(&r, 71);
    row->conf_key = row->has_key ? 30 + (int)rng_below(&r, 71) : -1;

    /* samples.tags: 1-4 from the tag list, plus sometimes the mood (as the application does);
     * ~8% NULL, ~2% an empty array. */
    unsigned tf = rng_below(&r, 100);
    row->has_tags = tf >= 8;
    if (row->has_tags) {
        buf b = {row->tags, 0, sizeof row->tags};
        const char *chosen[5];
        int idx[4], n = tf < 10 ? 0 : 1 + (int)rng_below(&r, 4);
        pick_distinct(&r, (int)(sizeof sample_tags / sizeof *sample_tags), n, idx);
        for (int i = 0; i < n; i++)
            chosen[i] = sample_tags[idx[i]];
        if (n && rng_chance(&r, 0.4))
            chosen[n++] = row->mood1;
        put_json_array(&b, chosen, n);
    }
    buf x = {row->extra, 0, sizeof row->extra};
    if (rng_chance(&r, 0.6))
        puts_(&x, "{}");
    else
        putf(&x, "{\"source\": \"%s\", \"original_filename\": \"sample_%lld.wav\"}",
             rng_chance(&r, 0.5) ? "upload" : "youtube", (long long)id); /* one draw: fine */
    row->has_analysis = rng_chance(&r, 0.7);
    if (row->has_analysis) {
        buf a = {row->analysis, 0, sizeof row->analysis};
        double raw = row->has_bpm ? row->bpm * (rng_chance(&r, 0.2) ? 2.0 : 1.0) : 0.0;
        int half = rng_chance(&r, 0.2);
        putf(&a, "{\"analyzer\": \"essentia\", \"bpm_method\": \"rhythm_extractor\", "
                 "\"raw_bpm\": %.2f, \"corrections\": [%s]}",
             raw, half ? "\"half-time\"" : "");
    }
    int64_t created = 1735689600 + id * 37 + rng_below(&r, 30); /* from 2025-01-01 UTC */
    fmt_time(row->created, sizeof row->created, created);

    /* ~10% of samples have no vibe analysis. */
    row->has_vibe = !rng_chance(&r, 0.10);
    if (!row->has_vibe)
        return;
    row->has_analyzed = 1;
    fmt_time(row->analyzed, sizeof row->analyzed, created + 60 + rng_below(&r, 600));
    row->model = PICK(&r, models);
    row->confidence = 0.6 + (double)rng_below(&r, 381) / 1000.0;
    row->processing_ms = 800 + (int)rng_below(&r, 5200);

    const char *tex[5];
    int idx[4], ntex = 2 + (int)rng_below(&r, 3);
    pick_distinct(&r, 5, ntex, idx);
    for (int i = 0; i < ntex; i++)
        tex[i] = g->textures[idx[i]];
    if (rng_chance(&r, 0.3)) { /* one from outside the genre, if not already there */
        const char *extra = PICK(&r, any_textures);
        int dup = 0;
        for (int i = 0; i < ntex; i++)
            dup |= strcmp(tex[i], extra) == 0;
        if (!dup)
            tex[ntex++] = extra;
    }
    buf tj = {row->texture_json, 0, sizeof row->texture_json};
    put_json_array(&tj, tex, ntex);

    make_description(&r, g, row, tex, ntex);
    buf c = {row->characteristics, 0, sizeof row->characteristics};
    puts_(&c, "{\"raw_analysis\": ");
    put_json_str(&c, row->desc);
    CAT(&c, ", \"instruments\": [\"", g->instruments[idx[0]], "\", \"", g->instruments[idx[1]],
        "\"], \"reference\": \"", g->reference, "\"}");
}

/* ---- writing ---- */

static const char schema_sql[] =
    "CREATE TABLE users (\n\tid INTEGER NOT NULL, \n\temail VARCHAR NOT NULL, \n\tusername "
    "VARCHAR NOT NULL, \n\thashed_password VARCHAR NOT NULL, \n\tis_active BOOLEAN, "
    "\n\tis_superuser BOOLEAN, \n\tcreated_at DATETIME DEFAULT CURRENT_TIMESTAMP, \n\tupdated_at "
    "DATETIME, \n\tPRIMARY KEY (id)\n);\n"
    "CREATE TABLE samples (\n\tid INTEGER NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\ttitle "
    "VARCHAR NOT NULL, \n\tfile_path VARCHAR NOT NULL, \n\tfile_size INTEGER, \n\tduration "
    "FLOAT, \n\tbpm FLOAT, \n\tmusical_key VARCHAR, \n\tgenre VARCHAR, \n\tbpm_confidence "
    "INTEGER, \n\tgenre_confidence INTEGER, \n\tkey_confidence INTEGER, \n\ttags JSON, "
    "\n\textra_metadata JSON, \n\tanalysis_metadata JSON, \n\tcreated_at DATETIME DEFAULT "
    "CURRENT_TIMESTAMP, \n\tanalyzed_at DATETIME, \n\tlast_accessed_at DATETIME, \n\tPRIMARY "
    "KEY (id), \n\tFOREIGN KEY(user_id) REFERENCES users (id)\n);\n"
    "CREATE TABLE vibe_analyses (\n\tid INTEGER NOT NULL, \n\tsample_id INTEGER NOT NULL, "
    "\n\tmood_primary VARCHAR NOT NULL, \n\tmood_secondary VARCHAR, \n\tenergy_level FLOAT, "
    "\n\tdanceability FLOAT, \n\tacousticness FLOAT, \n\tinstrumentalness FLOAT, "
    "\n\ttexture_tags JSON, \n\tcharacteristics JSON, \n\tmodel_version VARCHAR, "
    "\n\tconfidence_score FLOAT, \n\tprocessing_time_ms INTEGER, \n\tcreated_at DATETIME "
    "DEFAULT CURRENT_TIMESTAMP, \n\tPRIMARY KEY (id), \n\tUNIQUE (sample_id), \n\tFOREIGN "
    "KEY(sample_id) REFERENCES samples (id)\n);\n"
    "INSERT INTO users VALUES (1, 'producer@example.com', 'producer', '(none)', 1, 0, "
    "'2025-01-01 00:00:00', NULL);\n";

static const char index_sql[] =
    "CREATE UNIQUE INDEX ix_users_email ON users (email);\n"
    "CREATE UNIQUE INDEX ix_users_username ON users (username);\n"
    "CREATE INDEX ix_users_id ON users (id);\n"
    "CREATE INDEX ix_samples_id ON samples (id);\n"
    "CREATE INDEX ix_samples_title ON samples (title);\n"
    "CREATE INDEX ix_samples_genre ON samples (genre);\n"
    "CREATE INDEX ix_samples_bpm ON samples (bpm);\n"
    "CREATE INDEX ix_vibe_analyses_id ON vibe_analyses (id);\n";

/* Ctrl-C / SIGTERM while generating: stop at the next row, remove the partial file, exit 130.
 * Without this a killed 1,000,000-sample run would leave gigabytes under PATH.partial-<pid>. */
static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void bind_opt_text(sqlite3_stmt *st, int i, int has, const char *s)
{
    if (has)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}
static void bind_opt_int(sqlite3_stmt *st, int i, int v)
{
    if (v >= 0)
        sqlite3_bind_int(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Where the sound files go: dir is the directory given; stored = the prefix file_path gets
 * (relative to the library's directory when dir is inside it, so the default --audio-root of
 * `serve` finds the files wherever the pair is moved, else absolute). */
typedef struct audio_out {
    const char *dir;
    char stored[PATH_MAX];
} audio_out;

/* Writes sample id's sound to audio->dir, never replacing a file; sets row's file_path (into
 * path_buf), file_size and duration. 0 or an SV_EXIT_* code. */
static int write_sound(const audio_out *audio, uint64_t seed, int64_t id, demo_row *row, char *path_buf,
                       size_t path_size, char err[SV_ERR_LEN])
{
    demo_audio_sample s = {seed, id, row->title, row->genre, row->has_key ? row->key : NULL,
                           row->has_bpm ? row->bpm : 0};
    size_t len;
    double seconds;
    unsigned char *wav = demo_audio_render(&s, &len, &seconds);
    if (!wav)
        return sv_fail(err, SV_EXIT_DATA, "out of memory synthesizing sample %lld", (long long)id);
    char file[PATH_MAX + 32];
    snprintf(file, sizeof file, "%s/%06lld.wav", audio->dir, (long long)id);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    int rc = 0;
    if (fd < 0) {
        rc = sv_fail(err, errno == EEXIST ? SV_EXIT_USAGE : SV_EXIT_DATA,
                     "cannot write '%s': %s (demo-library never overwrites a file: give an empty "
                     "--audio directory)", file, strerror(errno));
    } else {
        ssize_t w = write(fd, wav, len);
        if (close(fd) != 0 || w != (ssize_t)len)
            rc = sv_fail(err, SV_EXIT_DATA, "cannot write '%s': %s", file, strerror(errno));
    }
    free(wav);
    snprintf(path_buf, path_size, "%s%s%06lld.wav", audio->stored, audio->stored[0] ? "/" : "", (long long)id);
    row->file_size = (int64_t)len;
    row->duration = seconds;
    return rc;
}

static int write_rows(sqlite3 *db, int64_t count, uint64_t seed, const audio_out *audio, int64_t *with_vibe,
                      char err[SV_ERR_LEN])
{
    char sound_path[PATH_MAX + 32];
    sqlite3_stmt *ins_s = NULL, *ins_v = NULL;
    demo_row *row = malloc(sizeof *row);
    int rc = 0;
    if (!row)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO samples (id, user_id, title, file_path, file_size, "
                           "duration, bpm, musical_key, genre, bpm_confidence, genre_confidence, "
                           "key_confidence, tags, extra_metadata, analysis_metadata, created_at, "
                           "analyzed_at, last_accessed_at) VALUES "
                           "(?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                           "?15, ?16, NULL)",
                           -1, &ins_s, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO vibe_analyses (id, sample_id, mood_primary, "
                           "mood_secondary, energy_level, danceability, acousticness, "
                           "instrumentalness, texture_tags, characteristics, model_version, "
                           "confidence_score, processing_time_ms, created_at) VALUES "
                           "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                           -1, &ins_v, NULL) != SQLITE_OK)
        goto sqlfail;
    *with_vibe = 0;
    for (int64_t id = 1; id <= count; id++) {
        if (stop_requested) {
            rc = sv_fail(err, SV_EXIT_INTERRUPTED, "interrupted after %lld of %lld samples",
                         (long long)(id - 1), (long long)count);
            goto cleanup;
        }
        make_row(seed, id, row);
        if (audio && (rc = write_sound(audio, seed, id, row, sound_path, sizeof sound_path, err)))
            goto cleanup;
        sqlite3_bind_int64(ins_s, 1, id);
        sqlite3_bind_text(ins_s, 2, row->title, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_s, 3, audio ? sound_path : row->file_path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins_s, 4, row->file_size);
        sqlite3_bind_double(ins_s, 5, row->duration);
        if (row->has_bpm)
            sqlite3_bind_double(ins_s, 6, row->bpm);
        else
            sqlite3_bind_null(ins_s, 6);
        bind_opt_text(ins_s, 7, row->has_key, row->key);
        sqlite3_bind_text(ins_s, 8, row->genre, -1, SQLITE_STATIC);
        bind_opt_int(ins_s, 9, row->conf_bpm);
        bind_opt_int(ins_s, 10, row->conf_genre);
        bind_opt_int(ins_s, 11, row->conf_key);
        bind_opt_text(ins_s, 12, row->has_tags, row->tags);
        sqlite3_bind_text(ins_s, 13, row->extra, -1, SQLITE_STATIC);
        bind_opt_text(ins_s, 14, row->has_analysis, row->analysis);
        sqlite3_bind_text(ins_s, 15, row->created, -1, SQLITE_STATIC);
        bind_opt_text(ins_s, 16, row->has_analyzed, row->analyzed);
        if (sqlite3_step(ins_s) != SQLITE_DONE)
            goto sqlfail;
        sqlite3_reset(ins_s);
        if (!row->has_vibe)
            continue;
        ++*with_vibe;
        sqlite3_bind_int64(ins_v, 1, *with_vibe);
        sqlite3_bind_int64(ins_v, 2, id);
        sqlite3_bind_text(ins_v, 3, row->mood1, -1, SQLITE_STATIC);
        bind_opt_text(ins_v, 4, row->mood2 != NULL, row->mood2);
        sqlite3_bind_double(ins_v, 5, row->energy);
        sqlite3_bind_double(ins_v, 6, row->dance);
        sqlite3_bind_double(ins_v, 7, row->acoustic);
        sqlite3_bind_double(ins_v, 8, row->instrumental);
        sqlite3_bind_text(ins_v, 9, row->texture_json, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_v, 10, row->characteristics, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_v, 11, row->model, -1, SQLITE_STATIC);
        sqlite3_bind_double(ins_v, 12, row->confidence);
        sqlite3_bind_int(ins_v, 13, row->processing_ms);
        sqlite3_bind_text(ins_v, 14, row->analyzed, -1, SQLITE_STATIC);
        if (sqlite3_step(ins_v) != SQLITE_DONE)
            goto sqlfail;
        sqlite3_reset(ins_v);
    }
    goto cleanup;
sqlfail:
    rc = sv_fail(err, SV_EXIT_DATA, "cannot write demo library: %s", sqlite3_errmsg(db));
cleanup:
    sqlite3_finalize(ins_s);
    sqlite3_finalize(ins_v);
    free(row);
    return rc;
}

/* Creates audio_dir (and its parents' last level) if missing and fills out. */
static int audio_prepare(const char *library, const char *audio_dir, audio_out *out, char err[SV_ERR_LEN])
{
    char lib_dir[PATH_MAX], lib_real[PATH_MAX], dir_real[PATH_MAX];
    struct stat st;
    out->dir = audio_dir;
    if (mkdir(audio_dir, 0755) != 0 && errno != EEXIST)
        return sv_fail(err, SV_EXIT_USAGE, "cannot create --audio directory '%s': %s", audio_dir,
                       strerror(errno));
    if (stat(audio_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return sv_fail(err, SV_EXIT_USAGE, "--audio '%s' is not a directory", audio_dir);
    snprintf(lib_dir, sizeof lib_dir, "%s", library);
    if (!realpath(dirname(lib_dir), lib_real) || !realpath(audio_dir, dir_real))
        return sv_fail(err, SV_EXIT_USAGE, "cannot resolve --audio '%s': %s", audio_dir, strerror(errno));
    size_t n = strlen(lib_real);
    if (strcmp(dir_real, lib_real) == 0)
        out->stored[0] = '\0';
    else if (strncmp(dir_real, lib_real, n) == 0 && dir_real[n] == '/')
        snprintf(out->stored, sizeof out->stored, "%s", dir_real + n + 1);
    else
        snprintf(out->stored, sizeof out->stored, "%s", dir_real);
    return 0;
}

int demo_library_write(const char *path, int64_t count, uint64_t seed, char err[SV_ERR_LEN])
{
    return demo_library_write_audio(path, count, seed, NULL, err);
}

int demo_library_write_audio(const char *path, int64_t count, uint64_t seed, const char *audio_dir,
                             char err[SV_ERR_LEN])
{
    struct stat st;
    audio_out audio;
    sqlite3 *db = NULL;
    char *tmp = NULL;
    int rc = 0, tmp_made = 0;
    int64_t with_vibe = 0;
    if (count < 0)
        return sv_fail(err, SV_EXIT_USAGE, "count %lld is negative", (long long)count);
    if (lstat(path, &st) == 0)
        return sv_fail(err, SV_EXIT_USAGE,
                       "'%s' already exists; demo-library never overwrites a file (remove it "
                       "or choose another path)",
                       path);
    if (audio_dir && (rc = audio_prepare(path, audio_dir, &audio, err)))
        return rc;
    size_t n = strlen(path) + 32;
    if (!(tmp = malloc(n)))
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    snprintf(tmp, n, "%s.partial-%ld", path, (long)getpid());
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    stop_requested = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    unlink(tmp); /* a leftover from a killed run with a recycled pid */
    if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        rc = sv_fail(err, SV_EXIT_USAGE, "cannot create '%s': %s (does its directory exist?)",
                     path, db ? sqlite3_errmsg(db) : "out of memory");
        goto cleanup;
    }
    tmp_made = 1;
    /* No journal and no syncs: the file is not visible under its name until it is complete. */
    char *e = NULL;
    if (sqlite3_exec(db,
                     "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode="
                     "EXCLUSIVE; PRAGMA cache_size=-65536; BEGIN;",
                     NULL, NULL, &e) != SQLITE_OK ||
        sqlite3_exec(db, schema_sql, NULL, NULL, &e) != SQLITE_OK) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot write '%s': %s", path, e ? e : "?");
        sqlite3_free(e);
        goto cleanup;
    }
    if ((rc = write_rows(db, count, seed, audio_dir ? &audio : NULL, &with_vibe, err)))
        goto cleanup;
    if (sqlite3_exec(db, index_sql, NULL, NULL, &e) != SQLITE_OK ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, &e) != SQLITE_OK) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot write '%s': %s", path, e ? e : "?");
        sqlite3_free(e);
        goto cleanup;
    }
    if (sqlite3_close(db) != SQLITE_OK) {
        db = NULL;
        rc = sv_fail(err, SV_EXIT_DATA, "cannot finish '%s'", path);
        goto cleanup;
    }
    db = NULL;
    /* link() fails if path appeared meanwhile: never replace a file, even one made during the
     * run. Filesystems without hard links get a rename after a fresh existence check. */
    if (link(tmp, path) != 0) {
        if (errno == EEXIST) {
            rc = sv_fail(err, SV_EXIT_USAGE, "'%s' already exists; demo-library never "
                         "overwrites a file (remove it or choose another path)", path);
            goto cleanup;
        }
        if (lstat(path, &st) == 0 || rename(tmp, path) != 0) {
            rc = sv_fail(err, SV_EXIT_DATA, "cannot move the finished library to '%s': %s",
                         path, strerror(errno));
            goto cleanup;
        }
        tmp_made = 0;
    }
cleanup:
    sqlite3_close(db);
    if (tmp_made)
        unlink(tmp);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc == SV_EXIT_INTERRUPTED)
        sv_fail(err, rc, "interrupted: '%s' was not written (nothing left behind)", path);
    free(tmp);
    return rc;
}
