/* lexical: the default provider. Offline, no model file, deterministic.
 *
 * A text becomes a bag of hashed features:
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
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#include "provider.h"

#define LEXICAL_MODEL_ID "lexical-v1"
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

typedef struct lexical_provider {
    provider base;
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

static size_t next_word(word_iter *it, int32_t word[MAX_WORD_CODEPOINTS])
{
    size_t wlen = 0;
    while (it->left > 0) {
        utf8proc_int32_t cp = it->p[0];
        utf8proc_ssize_t step = 1;
        if (cp >= 0x80 && (step = utf8proc_iterate(it->p, it->left, &cp)) <= 0) {
            step = 1;
            cp = ' ';
        }
        it->p += step;
        it->left -= step;
        int is_word;
        if (cp < 0x80) { /* ASCII fast path: most of every text; same answer as below */
            is_word = (cp >= '0' && cp <= '9') || ((cp | 32) >= 'a' && (cp | 32) <= 'z');
            cp |= is_word && cp >= 'A' ? 32 : 0;
        } else {
            utf8proc_category_t cat = utf8proc_category(cp);
            is_word = (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
                      (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO) ||
                      cat == UTF8PROC_CATEGORY_MN;
            cp = is_word ? utf8proc_tolower(cp) : cp;
        }
        if (is_word) {
            if (wlen < MAX_WORD_CODEPOINTS)
                word[wlen++] = cp;
        } else if (wlen) {
            return wlen;
        }
    }
    return wlen;
}

static word_iter word_iter_of(const char *text)
{
    word_iter it = {(const utf8proc_uint8_t *)text, (utf8proc_ssize_t)strlen(text)};
    return it;
}

/* Embeds one text into out[dims]; returns the number of words (the provider's "tokens"),
 * or -1 when out of memory. */
static int64_t embed_one(feature_table *ft, const char *text, float *out, int dims)
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
    size_t bound = 3 * strlen(text) + 8;
    if (ensure_capacity(ft, bound < TABLE_FIRST_SLOTS ? bound : TABLE_FIRST_SLOTS) != 0)
        return -1;

    int32_t word[MAX_WORD_CODEPOINTS];
    int64_t words = 0;
    uint64_t prev_hash = 0;
    word_iter it = word_iter_of(text);
    for (size_t wlen; (wlen = next_word(&it, word)) > 0; words++)
        if (add_word(ft, word, wlen, &prev_hash) != 0)
            return -1;

    memset(out, 0, (size_t)dims * sizeof *out);
    for (size_t i = 0; i < ft->n_used; i++) {
        const feature_slot *s = &ft->slots[ft->used[i]];
        float value = kind_weight[s->count_kind >> KIND_SHIFT] * sublinear_tf(s->count_kind & COUNT_MASK);
        size_t bucket = (size_t)(s->hash % (uint64_t)dims);
        out[bucket] += (s->hash >> 63) ? -value : value;
    }
    double norm = 0;
    for (int i = 0; i < dims; i++)
        norm += (double)out[i] * out[i];
    if (norm > 0) {
        float inv = (float)(1.0 / sqrt(norm));
        for (int i = 0; i < dims; i++)
            out[i] *= inv;
    }
    return words;
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
    int dims = job->lp->base.dims;
    for (size_t i; (i = atomic_fetch_add(&job->next, 1)) < job->n;) {
        int64_t words = embed_one(w->table, job->texts[i], job->vectors + i * (size_t)dims, dims);
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
    int32_t word[MAX_WORD_CODEPOINTS];
    int64_t words = 0;
    word_iter it = word_iter_of(text);
    while (next_word(&it, word) > 0)
        words++;
    return words;
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
    if (cfg->model && strcmp(cfg->model, LEXICAL_MODEL_ID) != 0) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "provider 'lexical' has one model, '%s' (got --model '%s'): drop "
                             "--model",
                             LEXICAL_MODEL_ID, cfg->model);
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
    snprintf(lp->base.model, sizeof lp->base.model, LEXICAL_MODEL_ID);
    lp->base.dims = dims;
    lp->base.usd_per_mtok = 0;
    lp->base.tokens_exact = 1;
    lp->base.chunk_size = (size_t)(cfg->batch_size > 0 ? cfg->batch_size : 100);
    return &lp->base;
}
