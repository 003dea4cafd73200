/* lexical: the default provider. Offline, no model file, deterministic. Two recipes, each
 * named by its model id and never changed once released (golden vectors pin them bit for bit,
 * tests/data/lexical/golden/):
 *
 * lexical-v1: a text becomes a bag of hashed features:
 *   - word unigrams            weight 1.0
 *   - word bigrams             weight 0.7   (keeps "dusty jazzy" apart from "jazzy dusty")
 *   - character trigrams of "<word>" (with boundary marks)  weight 0.25
 *     (so "jazz"/"jazzy", "drum"/"drums" still overlap)
 * Words are runs of letters and digits after Unicode lower-casing (utf8proc), so accents and
 * non-Latin scripts are words like any other. Each distinct feature contributes
 * weight × (1 + ln tf) (sublinear TF) to bucket hash % dims with a sign taken from another
 * hash bit (signed hashing: collisions cancel in expectation instead of piling up).
 * The vector is L2-normalised. Nothing depends on any corpus statistic, so a vector stored
 * today stays comparable with one computed next year: the recipe is versioned in the model id.
 *
 * lexical-v2 (the default for a new store): the same features, but a source text
 * (source_text.h: "Title: ...\nGenre: ...\n...") is read field by field from its own "Label: "
 * lines, and each field gets a fixed share of the vector: its own bag of features, L2-normalised,
 * times the field's weight (FIELDS below: title, genre and mood above long description
 * prose). Under v1 a 94-character text without a vibe analysis put its whole unit length on a
 * title and a genre, so one matching word scored higher there than in a 1,680-character text
 * about the query (bench/relevance.sh: unanalysed samples were a third of the vector top 10,
 * against a tenth of the relevant ones). Under v2 a field's match weighs the same in every
 * text: before normalisation each text is padded up to the length of a full source text
 * (PAD_TARGET_FACTOR) with PAD_FEATURES features hashed from its own bytes, which no query and
 * no other text shares, so a missing field counts as no match instead of making the others
 * weigh more, and a similarity is the sum of the fields' matches. The labels
 * themselves and the Energy line are not embedded. A text that does not start with a label
 * (a search query, embed-text's input) is embedded exactly as by v1. Still a function of the
 * text alone.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#include "fastmod.h"
#include "provider.h"

#define LEXICAL_V1_ID "lexical-v1"
#define LEXICAL_V2_ID "lexical-v2"
#define LEXICAL_DEFAULT_ID LEXICAL_V2_ID /* what a new store gets (README: Providers) */
#define WEIGHT_UNIGRAM 1.0f
#define WEIGHT_BIGRAM 0.7f
#define WEIGHT_TRIGRAM 0.25f
#define SEED_UNIGRAM 0x9e3779b97f4a7c15ULL
#define SEED_BIGRAM 0xc2b2ae3d27d4eb4fULL
#define SEED_TRIGRAM 0x165667b19e3779f9ULL
#define LEXICAL_MAX_THREADS 64
#define MAX_WORD_CODEPOINTS 64 /* longer runs (base64 junk, URLs) are cut: they carry no vibe */

/* 12 bytes a slot (packed to 4): a long text's table is the largest thing a run holds. */
#pragma pack(push, 4)
typedef struct feature_slot {
    uint64_t hash;       /* 0 = empty */
    uint32_t count_kind; /* occurrences in the low 30 bits; the feature kind (KIND_*) above */
} feature_slot;
#pragma pack(pop)
#define KIND_SHIFT 30
#define COUNT_MASK ((1u << KIND_SHIFT) - 1)
enum { KIND_UNIGRAM, KIND_BIGRAM, KIND_TRIGRAM };
static const float kind_weight[3] = {WEIGHT_UNIGRAM, WEIGHT_BIGRAM, WEIGHT_TRIGRAM};

/* One thread's scratch space: an open-addressing table of the features of the text at hand. */
typedef struct feature_table {
    feature_slot *slots; /* cap slots, reused across texts */
    size_t cap;
    uint32_t *used;      /* indices of occupied slots, n_used of them (≤ cap * 3/4): clearing
                            and summing touch only these, so one huge text does not make
                            every later text pay for a huge table */
    size_t n_used;
} feature_table;

typedef enum lexical_recipe { LEXICAL_V1, LEXICAL_V2 } lexical_recipe;

typedef struct lexical_provider {
    provider base;
    lexical_recipe recipe;
    fastmod buckets; /* hash % dims: a feature's bucket */
    feature_table *tables; /* n_tables, one per worker thread */
    int n_tables;
} lexical_provider;

/* 1 + ln(tf). Counts are small: a table for them saves a logf per feature. */
#define TF_TABLE_SIZE 64
static float tf_table[TF_TABLE_SIZE];
static pthread_once_t tf_table_once = PTHREAD_ONCE_INIT;

static void tf_table_init(void)
{
    for (int i = 1; i < TF_TABLE_SIZE; i++)
        tf_table[i] = 1.0f + logf((float)i);
}

static float sublinear_tf(uint32_t count)
{
    return count < TF_TABLE_SIZE ? tf_table[count] : 1.0f + logf((float)count);
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static uint64_t hash_codepoints(uint64_t seed, const int32_t *cp, size_t n)
{
    uint64_t h = seed;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint64_t)(uint32_t)cp[i]) * 0x100000001b3ULL;
    return mix64(h);
}

/* Grows the table so that `needed` features fit at ≤ 75% load, keeping the features it holds
 * and their order in `used` (the order the vector is summed in, so a text's vector does not
 * depend on how often its table grew). Returns 0 or -1. */
static int ensure_capacity(feature_table *ft, size_t needed)
{
    size_t want = 64;
    while (want / 4 * 3 < needed)
        want *= 2;
    if (want <= ft->cap)
        return 0;
    /* used grows in place (realloc; glibc moves large blocks with mremap, without a copy):
     * each used[k] is read before it is rewritten below */
    uint32_t *used = want <= UINT32_MAX ? realloc(ft->used, want / 4 * 3 * sizeof *used) : NULL;
    if (!used)
        return -1;
    ft->used = used;
    feature_slot *slots = calloc(want, sizeof *slots);
    if (!slots)
        return -1;
    size_t mask = want - 1;
    for (size_t k = 0; k < ft->n_used; k++) {
        const feature_slot *old = &ft->slots[ft->used[k]];
        size_t i = old->hash & mask;
        while (slots[i].hash)
            i = (i + 1) & mask;
        slots[i] = *old;
        used[k] = (uint32_t)i;
    }
    free(ft->slots);
    ft->slots = slots;
    ft->cap = want;
    return 0;
}

/* A table grown past this for one long text is given back after it: memory follows the text
 * at hand, not the longest text seen. */
#define TABLE_KEEP_SLOTS (1u << 18)
/* Slots reserved up front for a text: its table then grows with its distinct features, not
 * with its length (a 4.6 MB description asked for 512 MB at once). */
#define TABLE_FIRST_SLOTS (1u << 14)

static int add_feature(feature_table *ft, uint64_t hash, uint32_t kind)
{
    if (hash == 0)
        hash = 1;
    if (ft->n_used + 1 > ft->cap / 4 * 3 && ensure_capacity(ft, ft->n_used + 1) != 0)
        return -1;
    size_t mask = ft->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        feature_slot *s = &ft->slots[i];
        if (s->hash == hash) {
            if ((s->count_kind & COUNT_MASK) < COUNT_MASK)
                s->count_kind++;
            return 0;
        }
        if (s->hash == 0) {
            s->hash = hash;
            s->count_kind = kind << KIND_SHIFT | 1;
            ft->used[ft->n_used++] = (uint32_t)i;
            return 0;
        }
    }
}

/* Features of one word (codepoints already lower-cased). */
static int add_word(feature_table *ft, const int32_t *word, size_t n, uint64_t *prev_hash)
{
    uint64_t h = hash_codepoints(SEED_UNIGRAM, word, n);
    int oom = add_feature(ft, h, KIND_UNIGRAM);
    if (*prev_hash)
        oom |= add_feature(ft, mix64(*prev_hash * 31 + h + SEED_BIGRAM), KIND_BIGRAM);
    *prev_hash = h;

    int32_t padded[MAX_WORD_CODEPOINTS + 2];
    padded[0] = '<';
    memcpy(padded + 1, word, n * sizeof *word);
    padded[n + 1] = '>';
    for (size_t i = 0; i + 3 <= n + 2; i++)
        oom |= add_feature(ft, hash_codepoints(SEED_TRIGRAM, padded + i, 3), KIND_TRIGRAM);
    return oom;
}

/* Word iterator: the next run of letters, digits and combining marks, lower-cased, into
 * word[] (cut at MAX_WORD_CODEPOINTS). Returns its length, or 0 at the end of the text.
 * Invalid UTF-8 bytes separate words. */
typedef struct word_iter {
    const utf8proc_uint8_t *p;
    utf8proc_ssize_t left;
} word_iter;

/* The next code point of it (an invalid byte reads as ' '), and whether it belongs to a word:
 * letters, digits and combining marks. */
static inline int next_codepoint(word_iter *it, utf8proc_int32_t *cp)
{
    *cp = it->p[0];
    utf8proc_ssize_t step = 1;
    if (*cp >= 0x80 && (step = utf8proc_iterate(it->p, it->left, cp)) <= 0) {
        step = 1;
        *cp = ' ';
    }
    it->p += step;
    it->left -= step;
    if (*cp < 0x80) /* ASCII fast path: most of every text; same answer as below */
        return (*cp >= '0' && *cp <= '9') || ((*cp | 32) >= 'a' && (*cp | 32) <= 'z');
    utf8proc_category_t cat = utf8proc_category(*cp);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
           (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO) || cat == UTF8PROC_CATEGORY_MN;
}

static size_t next_word(word_iter *it, int32_t word[MAX_WORD_CODEPOINTS])
{
    size_t wlen = 0;
    while (it->left > 0) {
        utf8proc_int32_t cp;
        if (next_codepoint(it, &cp)) {
            if (wlen < MAX_WORD_CODEPOINTS)
                word[wlen++] = cp < 0x80 ? (cp >= 'A' && cp <= 'Z' ? cp | 32 : cp) : utf8proc_tolower(cp);
        } else if (wlen) {
            return wlen;
        }
    }
    return wlen;
}

/* The number of words next_word would give, without building them (the provider's "tokens",
 * counted for every text it embeds). */
static int64_t count_words(const char *text)
{
    int64_t words = 0;
    int in_word = 0;
    word_iter it = {(const utf8proc_uint8_t *)text, (utf8proc_ssize_t)strlen(text)};
    while (it.left > 0) {
        utf8proc_int32_t cp;
        int is_word = next_codepoint(&it, &cp);
        words += is_word && !in_word;
        in_word = is_word;
    }
    return words;
}

/* Empties the table for the next text (or field) of len bytes, giving back a table grown for a
 * long one. Returns 0 or -1 (out of memory). */
static int table_reset(feature_table *ft, size_t len)
{
    for (size_t i = 0; i < ft->n_used; i++)
        ft->slots[ft->used[i]].hash = 0;
    ft->n_used = 0;
    if (ft->cap > TABLE_KEEP_SLOTS) { /* the last text was a long one: give its table back */
        free(ft->slots);
        free(ft->used);
        ft->slots = NULL;
        ft->used = NULL;
        ft->cap = 0;
    }
    /* Every byte starts at most one word and each word of n codepoints adds ≤ n + 2 features:
     * a short text's table is sized once; a long one's grows with what it holds. */
    size_t bound = 3 * len + 8;
    return ensure_capacity(ft, bound < TABLE_FIRST_SLOTS ? bound : TABLE_FIRST_SLOTS);
}

/* Adds the features of the words of text[0, len) to the table; *words counts them. 0 or -1. */
static int add_words(feature_table *ft, const char *text, size_t len, int64_t *words)
{
    int32_t word[MAX_WORD_CODEPOINTS];
    uint64_t prev_hash = 0;
    word_iter it = {(const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len};
    for (size_t wlen; (wlen = next_word(&it, word)) > 0; (*words)++)
        if (add_word(ft, word, wlen, &prev_hash) != 0)
            return -1;
    return 0;
}

static float feature_value(const feature_slot *s)
{
    return kind_weight[s->count_kind >> KIND_SHIFT] * sublinear_tf(s->count_kind & COUNT_MASK);
}

static void l2_normalise(float *out, int dims)
{
    double norm = 0;
    for (int i = 0; i < dims; i++)
        norm += (double)out[i] * out[i];
    if (norm > 0) {
        float inv = (float)(1.0 / sqrt(norm));
        for (int i = 0; i < dims; i++)
            out[i] *= inv;
    }
}

/* lexical-v1, and v2 for a text without labels: embeds one text into out[dims]; returns the number of words (the provider's
 * "tokens"), or -1 when out of memory. */
static int64_t embed_one(feature_table *ft, const char *text, float *out, const fastmod *buckets)
{
    int dims = (int)buckets->d;
    size_t len = strlen(text);
    int64_t words = 0;
    if (table_reset(ft, len) != 0 || add_words(ft, text, len, &words) != 0)
        return -1;
    memset(out, 0, (size_t)dims * sizeof *out);
    for (size_t i = 0; i < ft->n_used; i++) {
        const feature_slot *s = &ft->slots[ft->used[i]];
        float value = feature_value(s);
        out[fastmod_rem(buckets, s->hash)] += (s->hash >> 63) ? -value : value;
    }
    l2_normalise(out, dims);
    return words;
}

/* ---- lexical-v2: fields ----
 * The labels source_text.h writes, in its order. A line starting with a label that comes later
 * in this order than the field at hand starts that field; any other line continues the field
 * at hand (a description spans lines, and may itself hold "Key: ..." or "Mood: ..." lines, which
 * stay description). Weights: the share of the vector each field gets. Short, categorical fields
 * a producer searches by (title, genre, mood, texture tags) weigh most; the description is the
 * only prose (the words no label holds: "groove", "swung", an instrument named in passing) but
 * also names other genres and moods in passing, so it weighs less; BPM and key are matched by
 * search's filters, not by words, and weigh least. Energy (a number) is not embedded. */
typedef struct lexical_field {
    const char *label; /* with its ": " */
    float weight;      /* 0 = not embedded */
} lexical_field;

static const lexical_field FIELDS[] = {
    {"Title: ", 1.0f},  {"Genre: ", 0.8f}, {"BPM: ", 0.25f},         {"Key: ", 0.25f},
    {"Mood: ", 0.8f},   {"Energy: ", 0.0f}, {"Tags: ", 0.7f},         {"Description: ", 0.7f},
    {"Sample Tags: ", 0.5f},
};
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])
/* The squared length a text's fields are padded up to before the vector is normalised: 1.5 ×
 * the sum of the squared weights, i.e. a full source text's, whose fields share words (its
 * instrument and textures are in its title, its tags and its description), which lengthens it
 * by about half again (the bench library's analysed texts: 5.4 on average, against 3.6 with no
 * overlap; without an analysis 2.3). So every text's vector has about the same length before
 * normalisation, and a similarity is the sum of the fields' matches, not that sum divided by
 * how little else the text holds. */
#define PAD_TARGET_FACTOR 1.5
/* Features the padding is spread over: many, so that the buckets it shares with a query's
 * features move a similarity by a little noise for many texts, not by much for a few. */
#define PAD_FEATURES 256
#define SEED_PAD 0x243f6a8885a308d3ULL

/* The field whose label starts line[0, len), after field `after` (-1: any); -1 when none. */
static int field_at(const char *line, size_t len, int after)
{
    for (int f = after + 1; f < (int)N_FIELDS; f++) {
        size_t n = strlen(FIELDS[f].label);
        if (len >= n && memcmp(line, FIELDS[f].label, n) == 0)
            return f;
    }
    return -1;
}

/* lexical-v2: as embed_one for a text that does not start with a label; a source text field
 * by field (the top of this file). Returns the number of words of the whole text (labels
 * included, as count_tokens counts them), or -1 when out of memory. */
static int64_t embed_fields(feature_table *ft, const char *text, float *out, const fastmod *buckets)
{
    int dims = (int)buckets->d;
    size_t len = strlen(text);
    const char *eol = memchr(text, '\n', len);
    if (field_at(text, eol ? (size_t)(eol - text) : len, -1) < 0)
        return embed_one(ft, text, out, buckets);

    /* each field's span of the text: [start, end) */
    size_t start[N_FIELDS] = {0}, end[N_FIELDS] = {0};
    int at = -1;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_end = nl ? (size_t)(nl - text) : len;
        int f = field_at(text + pos, line_end - pos, at);
        if (f >= 0) {
            at = f;
            start[f] = pos + strlen(FIELDS[f].label);
        }
        if (at >= 0)
            end[at] = line_end;
        pos = nl ? line_end + 1 : len;
    }

    memset(out, 0, (size_t)dims * sizeof *out);
    int64_t field_words = 0; /* the labels are not in any field: counted below */
    for (size_t f = 0; f < N_FIELDS; f++) {
        if (FIELDS[f].weight == 0)
            continue;
        size_t n = end[f] > start[f] ? end[f] - start[f] : 0;
        if (table_reset(ft, n) != 0 || add_words(ft, text + start[f], n, &field_words) != 0)
            return -1;
        double sq = 0;
        for (size_t i = 0; i < ft->n_used; i++) {
            double v = feature_value(&ft->slots[ft->used[i]]);
            sq += v * v;
        }
        if (sq == 0)
            continue;
        float scale = (float)(FIELDS[f].weight / sqrt(sq));
        for (size_t i = 0; i < ft->n_used; i++) {
            const feature_slot *s = &ft->slots[ft->used[i]];
            float value = feature_value(s) * scale;
            out[fastmod_rem(buckets, s->hash)] += (s->hash >> 63) ? -value : value;
        }
    }
    /* Padding up to the length of a full source text: hashed from the text's own bytes, so
     * two texts' padding never line up (two samples are not alike for both lacking an
     * analysis) and no query shares it. */
    double length = 0, target = 0;
    for (int i = 0; i < dims; i++)
        length += (double)out[i] * out[i];
    for (size_t f = 0; f < N_FIELDS; f++)
        target += PAD_TARGET_FACTOR * FIELDS[f].weight * FIELDS[f].weight;
    if (length < target) {
        uint64_t seed = SEED_PAD;
        for (size_t i = 0; i < len; i++)
            seed = (seed ^ (unsigned char)text[i]) * 0x100000001b3ULL;
        float value = (float)sqrt((target - length) / PAD_FEATURES);
        for (uint64_t k = 0; k < PAD_FEATURES; k++) {
            uint64_t h = mix64(seed + k * 0x9e3779b97f4a7c15ULL);
            out[fastmod_rem(buckets, h)] += (h >> 63) ? -value : value;
        }
    }
    l2_normalise(out, dims);
    return count_words(text); /* what count_tokens says: the labels' words too */
}

/* A chunk is shared among worker threads, each claiming the next text with an atomic counter
 * (texts vary from 300 to 2,500 bytes, so fixed slices would leave a core idle). */
typedef struct embed_job {
    lexical_provider *lp;
    const char *const *texts;
    size_t n;
    float *vectors;
    provider_text_result *results;
    _Alignas(64) atomic_size_t next; /* own cache line: every worker hits it */
    atomic_int out_of_memory;
} embed_job;

typedef struct embed_worker {
    embed_job *job;
    feature_table *table;
    pthread_t thread;
} embed_worker;

static void *embed_worker_run(void *arg)
{
    embed_worker *w = arg;
    embed_job *job = w->job;
    const fastmod *buckets = &job->lp->buckets;
    for (size_t i; (i = atomic_fetch_add(&job->next, 1)) < job->n;) {
        float *out = job->vectors + i * buckets->d;
        int64_t words = job->lp->recipe == LEXICAL_V2 ? embed_fields(w->table, job->texts[i], out, buckets)
                                                      : embed_one(w->table, job->texts[i], out, buckets);
        if (words < 0)
            atomic_store(&job->out_of_memory, 1);
        job->results[i].tokens = words < 0 ? 0 : words;
    }
    return NULL;
}

/* Texts per worker below which threads cost more than they save. */
#define TEXTS_PER_WORKER_MIN 16

static int lexical_embed(provider *p, const char *const *texts, size_t n, float *vectors,
                         provider_text_result *results, int64_t *billed_tokens, char err[SV_ERR_LEN])
{
    lexical_provider *lp = (lexical_provider *)p;
    *billed_tokens = -1;
    embed_job job = {.lp = lp, .texts = texts, .n = n, .vectors = vectors, .results = results};
    atomic_init(&job.next, 0);
    atomic_init(&job.out_of_memory, 0);
    int workers = lp->n_tables;
    if ((size_t)workers > n / TEXTS_PER_WORKER_MIN)
        workers = (int)(n / TEXTS_PER_WORKER_MIN);
    if (workers < 1)
        workers = 1;
    embed_worker w[LEXICAL_MAX_THREADS];
    int started = 0;
    for (int t = 1; t < workers; t++) {
        w[t].job = &job;
        w[t].table = &lp->tables[t];
        if (pthread_create(&w[t].thread, NULL, embed_worker_run, &w[t]) != 0)
            break;
        started = t;
    }
    w[0].job = &job;
    w[0].table = &lp->tables[0];
    embed_worker_run(&w[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(w[t].thread, NULL);
    if (atomic_load(&job.out_of_memory))
        return sv_fail(err, SV_EXIT_DATA, "out of memory embedding a chunk of %zu texts", n);
    return 0;
}

static int64_t lexical_count_tokens(provider *p, const char *text)
{
    (void)p;
    return count_words(text);
}

static void lexical_free(provider *p)
{
    lexical_provider *lp = (lexical_provider *)p;
    for (int t = 0; t < lp->n_tables; t++) {
        free(lp->tables[t].slots);
        free(lp->tables[t].used);
    }
    free(lp->tables);
    free(lp);
}

static const provider_vtable lexical_vtable = {lexical_embed, lexical_count_tokens, lexical_free};

provider *provider_lexical_open(const provider_config *cfg, int *exit_code, char err[SV_ERR_LEN])
{
    const char *model = cfg->model ? cfg->model : LEXICAL_DEFAULT_ID;
    lexical_recipe recipe;
    if (strcmp(model, LEXICAL_V1_ID) == 0)
        recipe = LEXICAL_V1;
    else if (strcmp(model, LEXICAL_V2_ID) == 0)
        recipe = LEXICAL_V2;
    else {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "provider 'lexical' has the models '%s' (the default) and '%s' (got "
                             "--model '%s'): pass one of them, or drop --model",
                             LEXICAL_V2_ID, LEXICAL_V1_ID, model);
        return NULL;
    }
    int dims = cfg->dims ? cfg->dims : PROVIDER_DEFAULT_DIMS;
    if (dims < 8 || dims > 65536) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "option --dims: %d is out of range for 'lexical' (8..65536)", dims);
        return NULL;
    }
    int threads = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    if (threads > LEXICAL_MAX_THREADS)
        threads = LEXICAL_MAX_THREADS;
    pthread_once(&tf_table_once, tf_table_init);
    lexical_provider *lp = calloc(1, sizeof *lp);
    if (lp && !(lp->tables = calloc((size_t)threads, sizeof *lp->tables))) {
        free(lp);
        lp = NULL;
    }
    if (lp)
        lp->n_tables = threads;
    if (!lp) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    lp->base.vt = &lexical_vtable;
    snprintf(lp->base.name, sizeof lp->base.name, "lexical");
    lp->recipe = recipe;
    snprintf(lp->base.model, sizeof lp->base.model, "%s", model);
    lp->base.dims = dims;
    lp->buckets = fastmod_for((uint64_t)dims);
    lp->base.usd_per_mtok = 0;
    lp->base.tokens_exact = 1;
    lp->base.chunk_size = (size_t)(cfg->batch_size > 0 ? cfg->batch_size : 100);
    return &lp->base;
}
