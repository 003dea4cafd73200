#include "searcher.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "musical_key.h"
#include "provider.h"

struct searcher {
    store *st;
    store_meta meta;
    provider *prov;   /* opened on the first text query: `similar` needs none */
    veccache *vc;     /* NULL for stores with a knn op */
    int use_cache;
    float *query;     /* meta.dims floats */
    const char *model_location, *base_url; /* searcher_set_provider; NULL = defaults */
};

void searcher_set_provider(searcher *s, const char *model, const char *base_url)
{
    s->model_location = model;
    s->base_url = base_url;
}

void searcher_query_init(searcher_query *q)
{
    memset(q, 0, sizeof *q);
    q->k = SEARCH_DEFAULT_K;
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
    char *end;
    if (name_is(name, "k")) {
        errno = 0;
        long long k = strtoll(value, &end, 10);
        if (end == value || *end || errno || k < 1 || k > SEARCHER_MAX_K)
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
        errno = 0;
        double v = strtod(value, &end);
        if (end == value || *end || errno || !isfinite(v) || v < -1 || v > 1)
            return sv_fail(err, SV_EXIT_USAGE,
                           "min-similarity: '%s' is not a number between -1 and 1 (cosine similarity)", value);
        q->filter.has_min_similarity = 1;
        q->filter.min_similarity = v;
    } else {
        return sv_fail(err, SV_EXIT_USAGE,
                       "unknown parameter '%s': use k, bpm, key, genre, mood or min_similarity", name);
    }
    return 0;
}

const store_meta *searcher_meta(const searcher *s) { return &s->meta; }

void searcher_free(searcher *s)
{
    if (!s)
        return;
    veccache_free(s->vc);
    provider_free(s->prov);
    store_close(s->st);
    free(s->query);
    free(s);
}

searcher *searcher_open(const char *location, int use_cache, int *exit_code, char err[SV_ERR_LEN])
{
    searcher *s = calloc(1, sizeof *s);
    if (!s) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    s->use_cache = use_cache;
    int rc;
    if (!(s->st = store_open(location, 1, exit_code, err)))
        goto fail;
    if ((rc = store_meta_get(s->st, &s->meta, err))) {
        *exit_code = rc;
        goto fail;
    }
    if (s->meta.dims <= 0 || s->meta.rows <= 0) {
        *exit_code = sv_fail(err, SV_EXIT_DATA,
                             "store %s has no embeddings yet: run 'samplevec embed --all' first",
                             s->st->location);
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
    }
    s->vc = veccache_for_store(s->st, &s->meta, s->use_cache, NULL, &rc, err);
    return s->vc ? 0 : rc;
}

static int embed_query(searcher *s, const char *text, char err[SV_ERR_LEN])
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
    provider_text_result res;
    memset(&res, 0, sizeof res);
    int64_t billed;
    const char *texts[1] = {text};
    if ((rc = provider_embed(s->prov, texts, 1, s->query, &res, &billed, err)))
        return rc;
    if (res.error) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot embed the query: %s", res.error);
        provider_results_clear(&res, 1);
        return rc;
    }
    double sq = 0;
    for (int i = 0; i < s->meta.dims; i++)
        sq += (double)s->query[i] * s->query[i];
    if (!(sq > 0))
        return sv_fail(err, SV_EXIT_USAGE,
                       "the query '%s' has no words the %s model knows; describe a sound, e.g. 'dark moody hip hop'",
                       text, s->meta.model);
    return 0;
}

int searcher_search(searcher *s, const char *text, const searcher_query *q, query_results *out,
                    char err[SV_ERR_LEN])
{
    int rc;
    if (!s->st->vt->knn && (rc = refresh_cache(s, err)))
        return rc;
    if ((rc = embed_query(s, text, err)))
        return rc;
    if (s->st->vt->knn) {
        int found;
        return s->st->vt->knn(s->st, s->query, 0, &q->filter, q->k, out, &found, err);
    }
    return search_top_k(s->vc, s->query, &q->filter, q->k, 0, out, err);
}

int searcher_similar(searcher *s, int64_t sample_id, const searcher_query *q, query_results *out,
                     int *found, char err[SV_ERR_LEN])
{
    int rc;
    query_filter f = q->filter;
    f.has_exclude = 1;
    f.exclude_id = sample_id;
    *found = 0;
    if (s->st->vt->knn)
        return s->st->vt->knn(s->st, NULL, sample_id, &f, q->k, out, found, err);
    if ((rc = refresh_cache(s, err)))
        return rc;
    int64_t row = veccache_find(s->vc, sample_id);
    if (row < 0)
        return 0;
    *found = 1;
    /* The sample's vector is read from the mapping in place. */
    return search_top_k(s->vc, s->vc->vectors + (size_t)row * (size_t)s->vc->dims, &f, q->k, 0, out, err);
}
