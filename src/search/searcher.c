#include "searcher.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "kwcache.h"
#include "kwindex.h"
#include "library.h"
#include "musical_key.h"
#include "numparse.h"
#include "provider.h"

#include <stdio.h>
#include <sys/stat.h>

struct searcher {
    const char *library_path; /* searcher_set_library; NULL = results are not checked */
    int64_t *excluded;        /* n_excluded stored ids not in the library, ascending */
    size_t n_excluded;
    char excluded_key[STORE_FINGERPRINT_LEN + 96]; /* store and library state they were made for */
    store *st;
    store_meta meta;
    provider *prov;   /* opened on the first text query: `similar` needs none */
    veccache *vc;     /* NULL for stores with a knn op */
    kwcache *kc;      /* the derived keyword index, for stores without a current one */
    int use_cache;
    int meta_stale;   /* the store moved: meta must be re-read before the cache is rebuilt */
    float *query;     /* meta.dims floats */
    const char *model_location, *base_url; /* searcher_set_provider; NULL = defaults */
    const char *query_prefix; /* searcher_set_query_prefix; NULL = the store's */
    const search_scanner *scan; /* searcher_set_scanner; NULL = search_top_k */
    const searcher_gate *gate;  /* searcher_set_gate; NULL = none */
};

void searcher_set_scanner(searcher *s, const search_scanner *scan) { s->scan = scan; }
void searcher_set_gate(searcher *s, const searcher_gate *gate) { s->gate = gate; }

void searcher_set_provider(searcher *s, const char *model, const char *base_url)
{
    s->model_location = model;
    s->base_url = base_url;
}

void searcher_set_query_prefix(searcher *s, const char *prefix) { s->query_prefix = prefix; }

void searcher_query_init(searcher_query *q)
{
    memset(q, 0, sizeof *q);
    q->k = SEARCH_DEFAULT_K;
    q->bpm_tolerance = UNDERSTAND_DEFAULT_TOLERANCE;
}

/* "1"/"true"/"yes"/"" → 1, "0"/"false"/"no" → 0, else -1. */
static int parse_flag(const char *v)
{
    if (!*v || strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0)
        return 1;
    if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0)
        return 0;
    return -1;
}

static int name_is(const char *name, const char *want)
{
    for (; *name && *want; name++, want++)
        if (*name != *want && !((*name == '-' || *name == '_') && *want == '_'))
            return 0;
    return *name == *want;
}

int searcher_query_set(searcher_query *q, const char *name, const char *value, char err[SV_ERR_LEN])
{
    if (name_is(name, "k")) {
        int64_t k;
        if (numparse_int64(value, &k) != 0 || k < 1 || k > SEARCHER_MAX_K)
            return sv_fail(err, SV_EXIT_USAGE, "k: '%s' is not a whole number between 1 and %d", value,
                           SEARCHER_MAX_K);
        q->k = (size_t)k;
    } else if (name_is(name, "bpm")) {
        char why[SV_ERR_LEN];
        if (search_parse_bpm(value, &q->filter, why) != 0)
            return sv_fail(err, SV_EXIT_USAGE, "bpm: %s", why);
    } else if (name_is(name, "key")) {
        int code = musical_key_parse(value);
        if (code == MUSICAL_KEY_NONE)
            return sv_fail(err, SV_EXIT_USAGE,
                           "key: '%s' is not a musical key; write e.g. Am, A minor, C#m, Dbm, F# major or 8A",
                           value);
        q->filter.has_key = 1;
        q->filter.key = code;
    } else if (name_is(name, "genre")) {
        if (!*value)
            return sv_fail(err, SV_EXIT_USAGE, "genre: empty; give a genre such as 'hip hop'");
        q->filter.genre = value;
    } else if (name_is(name, "mood")) {
        if (!*value)
            return sv_fail(err, SV_EXIT_USAGE, "mood: empty; give a mood such as 'dark'");
        q->filter.mood = value;
    } else if (name_is(name, "min_similarity")) {
        double v;
        if (numparse_decimal(value, &v) != 0 || v < -1 || v > 1)
            return sv_fail(err, SV_EXIT_USAGE,
                           "min-similarity: '%s' is not a number between -1 and 1 (cosine similarity)", value);
        q->filter.has_min_similarity = 1;
        q->filter.min_similarity = v;
    } else if (name_is(name, "mode")) {
        if (strcmp(value, "hybrid") == 0)
            q->mode = HYBRID_MODE_HYBRID;
        else if (strcmp(value, "vector") == 0)
            q->mode = HYBRID_MODE_VECTOR;
        else if (strcmp(value, "keyword") == 0)
            q->mode = HYBRID_MODE_KEYWORD;
        else
            return sv_fail(err, SV_EXIT_USAGE, "mode: '%s' is not a mode; use hybrid, vector or keyword", value);
    } else if (name_is(name, "literal") || name_is(name, "halftime") || name_is(name, "harmonic")) {
        int v = parse_flag(value);
        if (v < 0)
            return sv_fail(err, SV_EXIT_USAGE, "%s: '%s' is not a yes/no value; use 1 or 0", name, value);
        *(name_is(name, "literal") ? &q->literal : name_is(name, "halftime") ? &q->halftime : &q->harmonic) = v;
    } else if (name_is(name, "bpm_tolerance")) {
        double v;
        if (numparse_decimal(value, &v) != 0 || !isfinite(v) || v < 0 || v > 100)
            return sv_fail(err, SV_EXIT_USAGE, "bpm-tolerance: '%s' is not a number of BPM between 0 and 100", value);
        q->bpm_tolerance = v;
    } else if (name_is(name, "fusion")) {
        if (strcmp(value, "rrf") == 0)
            q->fusion = HYBRID_FUSION_RRF;
        else if (strcmp(value, "convex") == 0)
            q->fusion = HYBRID_FUSION_CONVEX;
        else
            return sv_fail(err, SV_EXIT_USAGE, "fusion: '%s' is not a fusion; use rrf or convex", value);
    } else {
        return sv_fail(err, SV_EXIT_USAGE,
                       "unknown parameter '%s': use k, bpm, key, genre, mood, min_similarity, mode, fusion, "
                       "literal, bpm_tolerance, halftime or harmonic",
                       name);
    }
    return 0;
}

const store_meta *searcher_meta(const searcher *s) { return &s->meta; }

void searcher_set_library(searcher *s, const char *library_path) { s->library_path = library_path; }

/* The stored ids whose sample the library no longer has, recomputed when the store's
 * fingerprint or the library file (or its -wal) changed; with a store that has no fingerprint
 * (Turso), for every query. A library that cannot be opened excludes nothing. */
static int refresh_excluded(searcher *s, char err[SV_ERR_LEN])
{
    if (!s->library_path)
        return 0;
    char key[sizeof s->excluded_key], fp[STORE_FINGERPRINT_LEN], wal[4200];
    struct stat lib, lw;
    int rc = store_fingerprint(s->st, fp, err);
    if (rc)
        return rc;
    if (stat(s->library_path, &lib) != 0) {
        free(s->excluded);
        s->excluded = NULL;
        s->n_excluded = 0;
        return 0; /* no library at hand */
    }
    snprintf(wal, sizeof wal, "%s-wal", s->library_path);
    if (stat(wal, &lw) != 0)
        memset(&lw, 0, sizeof lw);
    snprintf(key, sizeof key, "%s|%lld.%09ld|%lld|%lld.%09ld|%lld", fp, (long long)lib.st_mtim.tv_sec,
             lib.st_mtim.tv_nsec, (long long)lib.st_size, (long long)lw.st_mtim.tv_sec,
             lw.st_mtim.tv_nsec, (long long)lw.st_size);
    if (fp[0] && strcmp(key, s->excluded_key) == 0)
        return 0;
    char why[SV_ERR_LEN];
    library *l = library_open(s->library_path, why);
    if (!l)
        return 0; /* not a library we can read: nothing to check against */
    int64_t *ids = NULL, *orphans = NULL;
    size_t n_ids = 0, n_orphans = 0;
    rc = library_ids(l, &ids, &n_ids, err);
    library_close(l);
    if (!rc)
        rc = store_orphans(s->st, ids, n_ids, &orphans, &n_orphans, err);
    free(ids);
    if (rc)
        return rc;
    free(s->excluded);
    s->excluded = orphans;
    s->n_excluded = n_orphans;
    snprintf(s->excluded_key, sizeof s->excluded_key, "%s", key);
    return 0;
}

void searcher_free(searcher *s)
{
    if (!s)
        return;
    free(s->excluded);
    veccache_free(s->vc);
    kwcache_free(s->kc);
    provider_free(s->prov);
    store_close(s->st);
    free(s->query);
    free(s);
}

searcher *searcher_open(const char *location, int use_cache, int *exit_code, char err[SV_ERR_LEN])
{
    return searcher_open_hinted(location, use_cache, NULL, exit_code, err);
}

searcher *searcher_open_hinted(const char *location, int use_cache, const char *embed_command, int *exit_code,
                               char err[SV_ERR_LEN])
{
    searcher *s = calloc(1, sizeof *s);
    if (!s) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    s->use_cache = use_cache;
    int rc;
    if (!(s->st = store_open(location, STORE_READ_ONLY, exit_code, err)))
        goto fail;
    if ((rc = store_meta_get(s->st, &s->meta, err))) {
        *exit_code = rc;
        goto fail;
    }
    if (s->meta.dims <= 0 || s->meta.rows <= 0) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "store %s has no embeddings yet: run '%s' first", s->st->location,
                             embed_command ? embed_command : "samplevec embed --all");
        goto fail;
    }
    if (!(s->query = malloc((size_t)s->meta.dims * sizeof *s->query))) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto fail;
    }
    return s;
fail:
    searcher_free(s);
    return NULL;
}

/* The cache, rebuilt when the store moved since it was mapped. */
static int refresh_cache(searcher *s, char err[SV_ERR_LEN])
{
    char fp[STORE_FINGERPRINT_LEN];
    int rc;
    if (s->vc) {
        if ((rc = store_fingerprint(s->st, fp, err)))
            return rc;
        if (fp[0] && veccache_fingerprint_is(s->vc, fp))
            return 0;
        veccache_free(s->vc);
        s->vc = NULL;
        s->meta_stale = 1;
    }
    /* Re-read until the store holds embeddings again: a store emptied by a reset must keep
     * failing here, not be cached as an empty store under the old claim. */
    if (s->meta_stale) {
        if ((rc = store_meta_get(s->st, &s->meta, err)))
            return rc;
        if (s->meta.dims <= 0 || s->meta.rows <= 0)
            return sv_fail(err, SV_EXIT_DATA, "store %s has no embeddings any more", s->st->location);
        float *q = realloc(s->query, (size_t)s->meta.dims * sizeof *q);
        if (!q)
            return sv_fail(err, SV_EXIT_DATA, "out of memory");
        s->query = q;
        provider_free(s->prov); /* the claim may have changed model */
        s->prov = NULL;
        s->meta_stale = 0;
    }
    s->vc = veccache_for_store(s->st, &s->meta, s->use_cache, NULL, &rc, err);
    if (!s->vc)
        s->meta_stale = 1; /* the next try re-reads the claim: the store may be emptied by then */
    return s->vc ? 0 : rc;
}

/* Opens the store's provider on first use (the same model as the store's vectors). */
static int ensure_provider(searcher *s, char err[SV_ERR_LEN])
{
    int rc;
    if (!s->prov) {
        provider_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.name = s->meta.provider;
        /* A GGUF model id ("name#hash") is no path: the gguf provider finds the file from it
         * ($SAMPLEVEC_MODEL, the name in the current directory, or the name in Ollama's
         * store) unless --model gave the file. */
        cfg.model = s->model_location ? s->model_location : s->meta.model;
        cfg.base_url = s->base_url;
        cfg.dims = s->meta.dims;
        cfg.batch_size = 1;
        cfg.concurrency = 1;
        cfg.max_retries = 3;
        cfg.threads = 1;
        /* Queries as the store's documents expect them: the prefix recorded with them (none
         * for a store from before prefixes), unless the user gave one. */
        cfg.query_prefix = s->query_prefix ? s->query_prefix : s->meta.prompts.query;
        cfg.document_prefix = s->meta.prompts.document;
        char why[SV_ERR_LEN];
        if (!(s->prov = provider_open(&cfg, &rc, why)))
            return sv_fail(err, rc, "cannot embed the query with the store's provider %s, model %s: %s",
                           s->meta.provider, s->meta.model, why);
        if (strcmp(s->prov->model, s->meta.model) != 0)
            return sv_fail(err, SV_EXIT_USAGE,
                           "the store was embedded with model '%s' but the query would be embedded "
                           "with '%s': pass the same --model as 'samplevec embed' got",
                           s->meta.model, s->prov->model);
        if (s->prov->dims != s->meta.dims)
            return sv_fail(err, SV_EXIT_DATA, "provider %s gives %d dims; the store holds %d",
                           s->meta.provider, s->prov->dims, s->meta.dims);
    }
    return 0;
}

int searcher_embed(searcher *s, provider_role role, const char *const *texts, size_t n, float *vectors,
                   provider_text_result *results, char err[SV_ERR_LEN])
{
    int rc = ensure_provider(s, err);
    if (rc)
        return rc;
    memset(results, 0, n * sizeof *results);
    for (size_t off = 0; off < n; off += s->prov->chunk_size) {
        size_t m = n - off < s->prov->chunk_size ? n - off : s->prov->chunk_size;
        int64_t billed;
        if ((rc = provider_embed_as(s->prov, role, texts + off, m, vectors + off * (size_t)s->meta.dims,
                                    results + off, &billed, err)))
            return rc;
    }
    return 0;
}

static int embed_query(searcher *s, const char *text, char err[SV_ERR_LEN])
{
    int rc = ensure_provider(s, err);
    if (rc)
        return rc;
    provider_text_result res;
    memset(&res, 0, sizeof res);
    int64_t billed;
    const char *texts[1] = {text};
    if ((rc = provider_embed_as(s->prov, PROVIDER_ROLE_QUERY, texts, 1, s->query, &res, &billed, err)))
        return rc;
    if (res.error) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot embed the query: %s", res.error);
        provider_results_clear(&res, 1);
        return rc;
    }
    return 0;
}

static int query_is_zero(const searcher *s) { return search_query_inv_norm(s->query, s->meta.dims) == 0.0; }

/* The keyword ranking of text: search's keyword cache (kwcache.h: posting lists scored in C,
 * the same answer as the store's FTS5 index, several times faster) from its file beside the
 * store, or built there; where it could only live in memory, the store's own index when it is
 * current (building costs seconds a 100,000 samples, one FTS5 query tens of milliseconds),
 * else the cache in memory. *available = 0 when the store has neither (no keyword op and no
 * fingerprint). */
static int keyword_hits(searcher *s, const char *text, size_t limit, query_keyword_hits *out, int *available,
                        char err[SV_ERR_LEN])
{
    int rc;
    size_t n_tokens;
    *available = 0;
    char fp[STORE_FINGERPRINT_LEN];
    if ((rc = store_fingerprint(s->st, fp, err)))
        return rc;
    if (s->kc && !kwcache_fingerprint_is(s->kc, fp)) {
        kwcache_free(s->kc);
        s->kc = NULL;
    }
    if (!s->kc && fp[0] && !(s->kc = kwcache_for_store(s->st, fp, s->use_cache, !s->st->vt->keyword, &rc, err)) &&
        rc)
        return rc;
    if (!s->kc && s->st->vt->keyword) {
        if ((rc = s->st->vt->keyword(s->st, text, limit, out, &n_tokens, available, err)) || *available)
            return rc;
        if (fp[0] && !(s->kc = kwcache_for_store(s->st, fp, s->use_cache, 1, &rc, err)))
            return rc;
    }
    if (!s->kc)
        return 0;
    *available = 1;
    return kwcache_query(s->kc, text, limit, out, &n_tokens, err);
}

void searcher_answer_clear(searcher_answer *a)
{
    query_results_clear(&a->results);
    memset(a, 0, sizeof *a);
}

static int filter_is_set(const query_filter *f)
{
    return f->has_bpm || f->has_key || f->genre || f->mood || f->has_min_similarity || f->has_exclude;
}

/* The library's genre and mood values, from the cache's dictionaries (NULL when none). */
static int vocab_of(const veccache *vc, understand_vocab *v, const char ***genres, const char ***moods)
{
    memset(v, 0, sizeof *v);
    *genres = calloc(vc->n_genres + 1, sizeof **genres);
    *moods = calloc(vc->n_moods + 1, sizeof **moods);
    if (!*genres || !*moods)
        return -1;
    for (uint32_t i = 0; i < vc->n_genres; i++)
        (*genres)[i] = veccache_str(vc, vc->genres[i]);
    for (uint32_t i = 0; i < vc->n_moods; i++)
        (*moods)[i] = veccache_str(vc, vc->moods[i]);
    v->genres = *genres;
    v->n_genres = vc->n_genres;
    v->moods = *moods;
    v->n_moods = vc->n_moods;
    return 0;
}

/* Reads the text (unless literal) and sets the filter that will run: parameters win. */
static int understand(searcher *s, const char *text, const searcher_query *q, searcher_understood *u,
                      char err[SV_ERR_LEN])
{
    u->filter = q->filter;
    /* A text too long to read (a pasted description) is ranked as it is, never cut. */
    u->literal = q->literal || strlen(text) >= UNDERSTAND_TEXT_LEN - 1;
    u->bpm_from_parameter = q->filter.has_bpm;
    u->key_from_parameter = q->filter.has_key;
    u->words = text;
    if (!u->literal) {
        u->words = u->parsed.text;
        understand_vocab vocab;
        const char **genres = NULL, **moods = NULL;
        /* Genre and mood words only boost hybrid ranking, which only local stores run. */
        int have_vocab = q->mode == HYBRID_MODE_HYBRID && s->vc && !s->st->vt->knn &&
                         vocab_of(s->vc, &vocab, &genres, &moods) == 0;
        int rc = understand_query(text, q->bpm_tolerance, have_vocab ? &vocab : NULL, &u->parsed);
        free(genres);
        free(moods);
        if (rc)
            return sv_fail(err, SV_EXIT_DATA, "out of memory");
        if (u->parsed.has_bpm && !u->filter.has_bpm) {
            u->filter.has_bpm = 1;
            u->filter.bpm_min = u->parsed.bpm_min;
            u->filter.bpm_max = u->parsed.bpm_max;
        }
        if (u->parsed.has_key && !u->filter.has_key) {
            u->filter.has_key = 1;
            u->filter.key = u->parsed.key;
        }
    }
    if (q->halftime && u->filter.has_bpm)
        u->filter.bpm_halftime = 1;
    if (q->harmonic && u->filter.has_key)
        u->filter.also_keys = musical_key_harmonic(u->filter.key);
    char *expr = kwindex_match_expression(u->words, &u->keyword_tokens);
    if (!expr)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    free(expr);
    return 0;
}

/* hybrid_vector_ranking on a thread: only scan, vc, query and f are read, none written (a
 * scanner is called from many threads at once: serve's scan_batch). */
typedef struct vector_job {
    const search_scanner *scan;
    const veccache *vc;
    const float *query;
    const query_filter *f;
    size_t k;
    query_results results;
    int rc, used, running;
    char err[SV_ERR_LEN];
    pthread_t thread;
} vector_job;

static void *vector_job_run(void *arg)
{
    vector_job *j = arg;
    j->rc = hybrid_vector_ranking(j->scan, j->vc, j->query, j->f, j->k, &j->results, j->err);
    return NULL;
}

/* Joins the thread (if any); its rc, with its message copied to err (NULL: not copied). */
static int vector_job_wait(vector_job *j, char err[SV_ERR_LEN])
{
    if (j->running) {
        pthread_join(j->thread, NULL);
        j->running = 0;
    }
    if (j->rc && err)
        memcpy(err, j->err, SV_ERR_LEN);
    return j->rc;
}

int searcher_search(searcher *s, const char *text, const searcher_query *q, searcher_answer *out,
                    char err[SV_ERR_LEN])
{
    int rc;
    memset(out, 0, sizeof *out);
    out->mode = q->mode;
    out->fusion = q->fusion;
    if (!s->st->vt->knn && (rc = refresh_cache(s, err)))
        return rc;
    searcher_understood *u = &out->understood;
    if ((rc = understand(s, text, q, u, err)))
        return rc;
    if ((rc = refresh_excluded(s, err)))
        return rc;
    query_filter filter = u->filter; /* and the vectors of samples the library lost, left out */
    filter.excluded = s->excluded;
    filter.n_excluded = s->n_excluded;
    const query_filter *f = &filter;
    const char *words = u->words;
    int parameters = u->parsed.has_bpm || u->parsed.has_key;
    if (u->keyword_tokens == 0 && !parameters)
        return sv_fail(err, SV_EXIT_USAGE,
                       "the query '%s' has no meaningful word (only words such as 'the', 'and', 'of', or "
                       "punctuation); describe a sound, e.g. 'dark moody hip hop'",
                       text);
    if (u->keyword_tokens == 0) {
        /* Only parameters ("140 bpm in F minor"): the samples that pass them, in id order. */
        snprintf(out->note, sizeof out->note, "no words to rank by: the samples that pass the filters, by id");
        memset(s->query, 0, (size_t)s->meta.dims * sizeof *s->query);
        out->mode = HYBRID_MODE_VECTOR;
        if (s->st->vt->knn) {
            int found;
            return s->st->vt->knn(s->st, s->query, 0, f, q->k, &out->results, &found, err);
        }
        return search_scan(s->scan, s->vc, s->query, f, q->k, &out->results, err);
    }
    if ((rc = embed_query(s, words, err)))
        return rc;
    if (q->mode == HYBRID_MODE_VECTOR && query_is_zero(s))
        return sv_fail(err, SV_EXIT_USAGE,
                       "the query '%s' has no words the %s model knows; describe a sound, e.g. 'dark moody "
                       "hip hop', or search by keyword (--mode keyword or hybrid)",
                       words, s->meta.model);
    if (s->st->vt->knn) {
        /* A store that ranks on its side (Turso) has no keyword index here: docs/search.md. */
        if (q->mode == HYBRID_MODE_KEYWORD)
            return sv_fail(err, SV_EXIT_USAGE,
                           "store %s has no keyword index (a remote store ranks by vector on the server): "
                           "use --mode vector or hybrid",
                           s->st->location);
        if (query_is_zero(s))
            return sv_fail(err, SV_EXIT_USAGE,
                           "the query '%s' has no words the %s model knows, and store %s has no keyword "
                           "index; describe a sound, e.g. 'dark moody hip hop'",
                           words, s->meta.model, s->st->location);
        if (q->mode == HYBRID_MODE_HYBRID) {
            out->mode = HYBRID_MODE_VECTOR;
            snprintf(out->note, sizeof out->note,
                     "vector-only: a remote store has no keyword index (docs/search.md)");
        }
        int found;
        return s->st->vt->knn(s->st, s->query, 0, f, q->k, &out->results, &found, err);
    }
    query_keyword_hits kw = {0};
    int available = 0;
    /* Hybrid: the vector ranking runs on a thread of its own while this one asks the keyword
     * index (SQLite stays on the caller's thread), so the query costs about the longer of the
     * two rather than their sum (docs/search.md has the figures). */
    vector_job vj;
    memset(&vj, 0, sizeof vj);
    if (q->mode == HYBRID_MODE_HYBRID && !query_is_zero(s)) {
        vj = (vector_job){.scan = s->scan, .vc = s->vc, .query = s->query, .f = f, .k = q->k, .used = 1};
        if (pthread_create(&vj.thread, NULL, vector_job_run, &vj) == 0)
            vj.running = 1;
        else
            vector_job_run(&vj); /* no thread to be had: in turn */
    }
    if (q->mode != HYBRID_MODE_VECTOR) {
        /* Every match when a filter or convex fusion needs the whole list, else the first ones
         * and one more: whether the matches end within the depth decides if they rank first. */
        size_t depth = q->mode == HYBRID_MODE_KEYWORD ? q->k : q->k > HYBRID_DEPTH ? q->k : HYBRID_DEPTH;
        size_t limit = filter_is_set(f) || q->fusion == HYBRID_FUSION_CONVEX ? 0 : depth + 1;
        if (s->gate)
            s->gate->enter(s->gate->ctx);
        rc = keyword_hits(s, words, limit, &kw, &available, err);
        if (s->gate)
            s->gate->leave(s->gate->ctx);
        if (rc)
            goto cleanup;
        kw.complete = limit == 0 || kw.n < limit;
        if (!available) {
            if (q->mode == HYBRID_MODE_KEYWORD) {
                rc = sv_fail(err, SV_EXIT_USAGE, "store %s has no keyword index: use --mode vector or hybrid",
                             s->st->location);
                goto cleanup;
            }
            out->mode = HYBRID_MODE_VECTOR;
            snprintf(out->note, sizeof out->note, "vector-only: store %.200s has no keyword index",
                     s->st->location);
        }
    }
    const char *genres[UNDERSTAND_MAX_TERMS], *moods[UNDERSTAND_MAX_TERMS];
    hybrid_boost boost = {genres, (size_t)u->parsed.n_genres, moods, (size_t)u->parsed.n_moods};
    for (int i = 0; i < u->parsed.n_genres; i++)
        genres[i] = u->parsed.genres[i];
    for (int i = 0; i < u->parsed.n_moods; i++)
        moods[i] = u->parsed.moods[i];
    if ((rc = vector_job_wait(&vj, err)))
        goto cleanup;
    rc = hybrid_rank(s->scan, s->vc, s->query, available ? &kw : NULL, f, &boost, q->k, out->mode, q->fusion,
                     vj.used ? &vj.results : NULL, &out->results, err);
cleanup:
    vector_job_wait(&vj, NULL);
    query_results_clear(&vj.results);
    query_keyword_hits_clear(&kw);
    return rc;
}

char *searcher_answer_json(const char *text, const searcher_answer *a)
{
    /* The results go in as the raw text search_results_json made: parsed back, cJSON would
     * turn their ids into doubles, which round ids above 2^53. */
    char *results = search_results_json(&a->results);
    cJSON *o = cJSON_CreateObject(), *u = cJSON_CreateObject();
    char *out = NULL;
    if (!o || !u || !results) {
        cJSON_Delete(u);
        goto cleanup;
    }
    const searcher_understood *un = &a->understood;
    char *query_text = query_utf8_dup(text), *words = query_utf8_dup(un->literal ? text : un->parsed.text);
    if (!query_text || !words) {
        free(query_text);
        free(words);
        cJSON_Delete(u);
        goto cleanup;
    }
    cJSON_AddStringToObject(o, "query", query_text);
    free(query_text);
    cJSON_AddStringToObject(o, "mode", hybrid_mode_name(a->mode));
    if (a->mode == HYBRID_MODE_HYBRID)
        cJSON_AddStringToObject(o, "fusion", hybrid_fusion_name(a->fusion));
    else
        cJSON_AddNullToObject(o, "fusion");
    cJSON_AddStringToObject(u, "text", words);
    free(words);
    cJSON_AddBoolToObject(u, "literal", un->literal);
    const query_filter *f = &un->filter;
    if (f->has_bpm) {
        cJSON *b = cJSON_AddObjectToObject(u, "bpm");
        cJSON_AddNumberToObject(b, "min", f->bpm_min);
        if (f->bpm_max >= 1e9)
            cJSON_AddNullToObject(b, "max");
        else
            cJSON_AddNumberToObject(b, "max", f->bpm_max);
        cJSON_AddBoolToObject(b, "halftime", f->bpm_halftime);
        char *from = query_utf8_dup(un->bpm_from_parameter ? "--bpm" : un->parsed.bpm_from);
        cJSON_AddStringToObject(b, "from", from ? from : "");
        free(from);
    } else {
        cJSON_AddNullToObject(u, "bpm");
    }
    if (f->has_key) {
        cJSON *k = cJSON_AddObjectToObject(u, "key");
        cJSON_AddStringToObject(k, "key", musical_key_name(f->key));
        cJSON *keys = cJSON_AddArrayToObject(k, "keys");
        cJSON_AddItemToArray(keys, cJSON_CreateString(musical_key_name(f->key)));
        for (int c = 0; c < MUSICAL_KEY_COUNT; c++)
            if (c != f->key && query_filter_key_code_matches(f, c))
                cJSON_AddItemToArray(keys, cJSON_CreateString(musical_key_name(c)));
        cJSON_AddBoolToObject(k, "harmonic", f->also_keys != 0);
        char *from = query_utf8_dup(un->key_from_parameter ? "--key" : un->parsed.key_from);
        cJSON_AddStringToObject(k, "from", from ? from : "");
        free(from);
    } else {
        cJSON_AddNullToObject(u, "key");
    }
    cJSON *g = cJSON_AddArrayToObject(u, "genres"), *m = cJSON_AddArrayToObject(u, "moods");
    for (int i = 0; i < un->parsed.n_genres; i++) {
        char *v = query_utf8_dup(un->parsed.genres[i]);
        cJSON_AddItemToArray(g, cJSON_CreateString(v ? v : ""));
        free(v);
    }
    for (int i = 0; i < un->parsed.n_moods; i++) {
        char *v = query_utf8_dup(un->parsed.moods[i]);
        cJSON_AddItemToArray(m, cJSON_CreateString(v ? v : ""));
        free(v);
    }
    cJSON_AddItemToObject(o, "understood", u);
    if (a->note[0])
        cJSON_AddStringToObject(o, "note", a->note);
    else
        cJSON_AddNullToObject(o, "note");
    cJSON_AddRawToObject(o, "results", results);
    out = cJSON_PrintUnformatted(o);
cleanup:
    free(results);
    cJSON_Delete(o);
    return out;
}

int searcher_warm(searcher *s, char err[SV_ERR_LEN])
{
    if (s->st->vt->knn)
        return 0;
    int rc = refresh_cache(s, err);
    if (rc)
        return rc;
    size_t floats = s->vc->n * (size_t)s->vc->dims, stride = 4096 / sizeof(float);
    volatile float sink = 0;
    for (size_t i = 0; i < floats; i += stride)
        sink += s->vc->vectors[i];
    (void)sink;
    query_keyword_hits kw = {0};
    int available;
    rc = keyword_hits(s, "sample", 1, &kw, &available, err);
    query_keyword_hits_clear(&kw);
    return rc;
}

int searcher_similar(searcher *s, int64_t sample_id, const searcher_query *q, query_results *out,
                     int *found, char err[SV_ERR_LEN])
{
    int rc;
    query_filter f = q->filter;
    if (q->halftime && f.has_bpm)
        f.bpm_halftime = 1;
    if (q->harmonic && f.has_key)
        f.also_keys = musical_key_harmonic(f.key);
    f.has_exclude = 1;
    f.exclude_id = sample_id;
    *found = 0;
    if ((rc = refresh_excluded(s, err)))
        return rc;
    f.excluded = s->excluded;
    f.n_excluded = s->n_excluded;
    if (query_filter_excludes(&f, sample_id))
        return 0; /* its sample left the library: not a sample to be like */
    if (s->st->vt->knn)
        return s->st->vt->knn(s->st, NULL, sample_id, &f, q->k, out, found, err);
    if ((rc = refresh_cache(s, err)))
        return rc;
    int64_t row = veccache_find(s->vc, sample_id);
    if (row < 0)
        return 0;
    *found = 1;
    /* The sample's vector is read from the mapping in place. */
    return search_scan(s->scan, s->vc, s->vc->vectors + (size_t)row * (size_t)s->vc->dims, &f, q->k, out, err);
}
