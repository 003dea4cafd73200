#include "query.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "musical_key.h"

/* A copy of s that is valid UTF-8 (every invalid byte becomes U+FFFD), so that the JSON both
 * `--json` and `serve` print stays parseable whatever bytes the library holds. */
static char *dup_or_null(const char *s, int *oom)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *d = malloc(len * 3 + 1); /* worst case: every byte replaced by 3 */
    if (!d) {
        *oom = 1;
        return NULL;
    }
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t o = 0;
    while (*p) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
        if (n <= 0) {
            memcpy(d + o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
        } else {
            memcpy(d + o, p, (size_t)n);
            o += (size_t)n;
            p += n;
        }
    }
    d[o] = '\0';
    return d;
}

int query_results_append(query_results *r, int64_t sample_id, double similarity, const char *title,
                          const char *genre, int has_bpm, double bpm, const char *musical_key,
                          const char *mood_primary)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 16;
        query_hit *h = realloc(r->hits, nc * sizeof *h);
        if (!h)
            return -1;
        r->hits = h;
        r->cap = nc;
    }
    query_hit *h = &r->hits[r->n];
    memset(h, 0, sizeof *h);
    int oom = 0;
    h->sample_id = sample_id;
    h->similarity = similarity;
    h->score = similarity;
    h->distance = 1.0 - similarity;
    h->title = dup_or_null(title, &oom);
    h->genre = dup_or_null(genre, &oom);
    h->musical_key = dup_or_null(musical_key, &oom);
    h->mood_primary = dup_or_null(mood_primary, &oom);
    h->has_bpm = has_bpm;
    h->bpm = has_bpm ? bpm : 0;
    r->n++; /* counted even on failure so that clear frees what was copied */
    return oom ? -1 : 0;
}

void query_results_clear(query_results *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->hits[i].title);
        free(r->hits[i].genre);
        free(r->hits[i].musical_key);
        free(r->hits[i].mood_primary);
    }
    free(r->hits);
    memset(r, 0, sizeof *r);
}

int query_filter_key_code_matches(const query_filter *f, int code)
{
    if (!f->has_key)
        return 1;
    if (code == f->key)
        return 1;
    return code >= 0 && code < 32 && (f->also_keys >> code) & 1u;
}

int query_filter_key_matches(const query_filter *f, const char *musical_key)
{
    return !f->has_key || query_filter_key_code_matches(f, musical_key_parse(musical_key));
}

int query_filter_bpm_matches(const query_filter *f, int has_bpm, double bpm)
{
    if (!f->has_bpm)
        return 1;
    if (!has_bpm)
        return 0;
    if (bpm >= f->bpm_min && bpm <= f->bpm_max)
        return 1;
    return f->bpm_halftime && ((bpm >= f->bpm_min / 2 && bpm <= f->bpm_max / 2) ||
                               (bpm >= f->bpm_min * 2 && bpm <= f->bpm_max * 2));
}

int query_keyword_hits_append(query_keyword_hits *h, int64_t sample_id, double score)
{
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 64;
        query_keyword_hit *p = realloc(h->hits, nc * sizeof *p);
        if (!p)
            return -1;
        h->hits = p;
        h->cap = nc;
    }
    h->hits[h->n].sample_id = sample_id;
    h->hits[h->n].score = score;
    h->n++;
    return 0;
}

void query_keyword_hits_clear(query_keyword_hits *h)
{
    free(h->hits);
    memset(h, 0, sizeof *h);
}

char *query_utf8_dup(const char *s)
{
    int oom = 0;
    return dup_or_null(s ? s : "", &oom);
}

int query_filter_excludes(const query_filter *f, int64_t id)
{
    size_t lo = 0, hi = f->n_excluded;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->excluded[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->n_excluded && f->excluded[lo] == id;
}
