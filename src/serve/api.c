#include "api.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "assets.h"
#include "audio.h"
#include "checkpoint.h"
#include "library.h"
#include "mapservice.h"
#include "musical_key.h"
#include "numparse.h"
#include "searcher.h"
#include "openai_api.h"
#include "admission.h"
#include "scan_batch.h"
#include "searcher_pool.h"
#include "source_text.h"

struct serve_api {
    serve_api_config cfg;
    searcher_pool *pool;
    scan_batch *scans;   /* the pool's vector scans, joined across concurrent requests */
    admission *keyword;  /* the pool's keyword searches, a core's worth at a time in order */
    openai_api *openai;  /* /v1/embeddings and /v1/models */
    map_service *map;    /* NULL when the map is off */
    pthread_mutex_t mu;  /* guards meta */
    store_meta meta;     /* as the last query saw it */
};

/* ---- helpers ---- */

/* A sample id in the path tail; -1 (and a 400 in reply) when it is not one. */
static int parse_id(const char *tail, httpd_reply *reply, int64_t *id)
{
    if (numparse_int64(tail, id) != 0) { /* any int64: samples.id may be negative */
        httpd_reply_error(reply, 400, "'%.64s' is not a sample id (a whole number)", tail);
        return -1;
    }
    return 0;
}

static void remember_meta(serve_api *api, searcher *s)
{
    pthread_mutex_lock(&api->mu);
    api->meta = *searcher_meta(s);
    pthread_mutex_unlock(&api->mu);
}

/* 503 while the store is empty: an `embed --reset` dropped the vectors and is putting them
 * back. Any answer before it finishes would be a part of the library, so say so instead. */
static int reply_if_rebuilding(serve_api *api, searcher *s, httpd_reply *reply)
{
    (void)api;
    const store_meta *m = searcher_meta(s);
    if (m->rows > 0 && m->dims > 0)
        return 0;
    httpd_reply_error(reply, 503,
                      "store is being rebuilt: it holds no embeddings right now (an 'embed --reset' "
                      "is running or was interrupted); retry when 'samplevec embed' has finished");
    httpd_reply_header(reply, "Retry-After", "5");
    return 1;
}

/* ---- the page ---- */

static void send_asset(const serve_asset *a, const httpd_request *req, httpd_reply *reply)
{
    const char *inm = httpd_header(req, "If-None-Match");
    httpd_reply_header(reply, "ETag", a->etag);
    httpd_reply_header(reply, "Cache-Control", "no-cache");
    if (strstr(a->content_type, "text/html"))
        /* The page talks to this server only: a request anywhere else is refused by the browser. */
        httpd_reply_header(reply, "Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
                           "style-src 'self'; script-src 'self'; connect-src 'self'; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    reply->content_type = a->content_type;
    if (inm && strcmp(inm, a->etag) == 0) {
        reply->status = 304;
        reply->static_body = (const unsigned char *)"";
        reply->body_len = 0;
        return;
    }
    reply->status = 200;
    reply->static_body = a->data;
    reply->body_len = a->size;
}

static void handle_index(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    (void)ctx;
    const serve_asset *a = assets_find("/static/index.html");
    if (!a) {
        httpd_reply_error(reply, 500, "the page was not built into this binary");
        return;
    }
    send_asset(a, req, reply);
}

static void handle_static(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    (void)ctx;
    const serve_asset *a = assets_find(req->path);
    if (!a) {
        httpd_reply_error(reply, 404, "no file '%.200s' in the page", req->path);
        return;
    }
    send_asset(a, req, reply);
}

/* ---- queries ---- */

/* Fills q from the request's parameters other than q; 0, or -1 with a 400 in reply. */
static int read_query(const httpd_request *req, searcher_query *q, const char **text, httpd_reply *reply)
{
    char err[SV_ERR_LEN];
    searcher_query_init(q);
    *text = NULL;
    for (size_t i = 0; i < req->n_params; i++) {
        if (strcmp(req->param_names[i], "q") == 0) {
            *text = req->param_values[i];
        } else if (searcher_query_set(q, req->param_names[i], req->param_values[i], err) != 0) {
            httpd_reply_error(reply, 400, "%s", err);
            return -1;
        }
    }
    if (q->k > SERVE_MAX_K) {
        httpd_reply_error(reply, 400, "k: %zu is more than the %d results one HTTP query returns",
                          q->k, SERVE_MAX_K);
        return -1;
    }
    return 0;
}

static void handle_search(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    serve_api *api = ctx;
    searcher_query q;
    const char *text;
    char err[SV_ERR_LEN];
    if (read_query(req, &q, &text, reply))
        return;
    if (!text || !text[strspn(text, " \t\r\n")]) {
        httpd_reply_error(reply, 400, "q: missing or empty; describe a sound, e.g. /search?q=dark+moody+hip+hop");
        return;
    }
    searcher_answer answer = {0};
    searcher *s = searcher_pool_take(api->pool);
    int rc = searcher_search(s, text, &q, &answer, err);
    remember_meta(api, s);
    if (rc && reply_if_rebuilding(api, s, reply))
        rc = -1;
    searcher_pool_give(api->pool, s);
    if (rc > 0)
        httpd_reply_error(reply, rc == SV_EXIT_USAGE ? 400 : 500, "%s", err);
    else if (rc == 0)
        httpd_reply_json(reply, 200, searcher_answer_json(text, &answer));
    searcher_answer_clear(&answer);
}

static void handle_similar(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    serve_api *api = ctx;
    searcher_query q;
    const char *text;
    char err[SV_ERR_LEN];
    int64_t id;
    if (parse_id(req->tail, reply, &id) || read_query(req, &q, &text, reply))
        return;
    if (text) {
        httpd_reply_error(reply, 400, "q: /similar/ID takes no text; use /search?q=... for that");
        return;
    }
    query_results res = {0};
    int found = 0;
    searcher *s = searcher_pool_take(api->pool);
    int rc = searcher_similar(s, id, &q, &res, &found, err);
    remember_meta(api, s);
    if (rc && reply_if_rebuilding(api, s, reply))
        rc = -1;
    searcher_pool_give(api->pool, s);
    if (rc > 0)
        httpd_reply_error(reply, rc == SV_EXIT_USAGE ? 400 : 500, "%s", err);
    else if (rc == 0 && !found)
        httpd_reply_error(reply, 404, "sample %" PRId64 " has no embedding in the store", id);
    else if (rc == 0)
        httpd_reply_json(reply, 200, search_results_json(&res));
    query_results_clear(&res);
}

/* ---- the library ---- */

/* The library, or NULL with a 503 in reply when it cannot be read. */
static library *open_library(serve_api *api, httpd_reply *reply)
{
    char err[SV_ERR_LEN];
    library *lib = library_open(api->cfg.library, err);
    if (!lib)
        httpd_reply_error(reply, 503, "%s", err);
    return lib;
}

static cJSON *string_array(char **v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

static void add_str(cJSON *o, const char *name, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

static void handle_sample(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    serve_api *api = ctx;
    char err[SV_ERR_LEN];
    int64_t id;
    if (parse_id(req->tail, reply, &id))
        return;
    library *lib = open_library(api, reply);
    if (!lib)
        return;
    idspec_range one = {id, id};
    idspec sel = {&one, 1};
    library_sample s;
    memset(&s, 0, sizeof s);
    char *file_path = NULL, *text = NULL;
    library_cursor *cur = library_cursor_new(lib, &sel, NULL, err);
    int got = cur ? library_cursor_next(cur, &s, err) : SV_EXIT_DATA;
    if (got == 1 && library_file_path(lib, id, &file_path, err) < 0)
        got = SV_EXIT_DATA;
    if (got == 0) {
        httpd_reply_error(reply, 404, "no sample %" PRId64 " in the library", id);
    } else if (got != 1) {
        httpd_reply_error(reply, 500, "%s", err);
    } else {
        text = source_text_build(&s);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "sample_id", (double)s.id);
        add_str(o, "title", s.title);
        add_str(o, "genre", s.genre);
        if (s.has_bpm)
            cJSON_AddNumberToObject(o, "bpm", s.bpm);
        else
            cJSON_AddNullToObject(o, "bpm");
        add_str(o, "musical_key", s.musical_key);
        add_str(o, "mood_primary", s.mood_primary);
        add_str(o, "mood_secondary", s.mood_secondary);
        if (s.has_energy)
            cJSON_AddNumberToObject(o, "energy_level", s.energy_level);
        else
            cJSON_AddNullToObject(o, "energy_level");
        cJSON_AddItemToObject(o, "tags", string_array(s.tags, s.n_tags));
        cJSON_AddItemToObject(o, "texture_tags", string_array(s.texture_tags, s.n_texture_tags));
        add_str(o, "description", s.description);
        add_str(o, "file_path", file_path);
        add_str(o, "source_text", text);
        char *json = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        /* Library text is whatever the application stored: made valid UTF-8 for the JSON. */
        char *valid = json ? httpd_utf8_valid(json, strlen(json)) : NULL;
        free(json);
        httpd_reply_json(reply, 200, valid);
    }
    free(text);
    free(file_path);
    library_sample_clear(&s);
    library_cursor_free(cur);
    library_close(lib);
}

/* "Tue, 15 Nov 1994 08:12:31 GMT" */
static void http_date(time_t t, char out[64])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void handle_audio(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    serve_api *api = ctx;
    char err[SV_ERR_LEN], path[4096];
    int64_t id;
    if (parse_id(req->tail, reply, &id))
        return;
    library *lib = open_library(api, reply);
    if (!lib)
        return;
    char *file_path = NULL;
    int got = library_file_path(lib, id, &file_path, err);
    library_close(lib);
    int fd = -1;
    struct stat st;
    const char *type = NULL;
    if (got < 0 || got > 1) {
        httpd_reply_error(reply, 500, "%s", err);
    } else if (got == 0) {
        httpd_reply_error(reply, 404, "no sample %" PRId64 " in the library", id);
    } else if (!file_path || audio_resolve(file_path, api->cfg.audio_root, path, sizeof path) != 0) {
        httpd_reply_error(reply, 404, "sample %" PRId64 "'s file_path '%.300s' is not a path samplevec serves "
                          "(empty, or relative with '..')", id, file_path ? file_path : "");
    } else if (!(type = audio_content_type(path))) {
        httpd_reply_error(reply, 404, "sample %" PRId64 "'s file '%.300s' is not an audio file "
                          "(served: wav, aiff, mp3, flac, ogg)", id, file_path);
    } else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        httpd_reply_error(reply, 404, "file not found: sample %" PRId64 "'s file %.300s (%s)", id, path,
                          fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    free(file_path);
    if (fd < 0)
        return;

    uint64_t size = (uint64_t)st.st_size, first = 0, len = size;
    char etag[64], modified[64], range[96];
    snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "\"", size,
             (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec);
    http_date(st.st_mtim.tv_sec, modified);
    httpd_reply_header(reply, "Accept-Ranges", "bytes");
    httpd_reply_header(reply, "ETag", etag);
    httpd_reply_header(reply, "Last-Modified", modified);
    httpd_reply_header(reply, "Cache-Control", "private, max-age=300");
    reply->content_type = type;
    const char *inm = httpd_header(req, "If-None-Match");
    if (inm && strcmp(inm, etag) == 0) {
        close(fd);
        reply->status = 304;
        reply->static_body = (const unsigned char *)"";
        reply->body_len = 0;
        return;
    }
    const char *if_range = httpd_header(req, "If-Range");
    audio_range_kind kind = AUDIO_RANGE_NONE;
    if (!if_range || strcmp(if_range, etag) == 0) /* a changed file: the whole new one */
        kind = audio_parse_range(httpd_header(req, "Range"), size, &first, &len);
    if (kind == AUDIO_RANGE_UNSATISFIABLE) {
        close(fd);
        snprintf(range, sizeof range, "bytes */%" PRIu64, size);
        httpd_reply_error(reply, 416, "range '%.64s' is outside the file's %" PRIu64 " bytes",
                          httpd_header(req, "Range"), size);
        httpd_reply_header(reply, "Content-Range", range);
        return;
    }
    if (kind == AUDIO_RANGE_PARTIAL) {
        snprintf(range, sizeof range, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, first, first + len - 1, size);
        httpd_reply_header(reply, "Content-Range", range);
        reply->status = 206;
    } else {
        reply->status = 200;
    }
    reply->fd = fd;
    reply->fd_offset = first;
    reply->fd_len = len;
}

typedef struct facet_ctx {
    cJSON *arr;
    int64_t key_counts[MUSICAL_KEY_COUNT];
} facet_ctx;

static int add_facet(const char *value, int64_t count, void *ctx)
{
    facet_ctx *f = ctx;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "value", value);
    cJSON_AddNumberToObject(o, "count", (double)count);
    cJSON_AddItemToArray(f->arr, o);
    return 0;
}

static int add_key(const char *value, int64_t count, void *ctx)
{
    facet_ctx *f = ctx;
    int code = musical_key_parse(value);
    if (code != MUSICAL_KEY_NONE)
        f->key_counts[code] += count;
    return 0;
}

static void handle_facets(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    serve_api *api = ctx;
    (void)req;
    char err[SV_ERR_LEN];
    library *lib = open_library(api, reply);
    if (!lib)
        return;
    cJSON *o = cJSON_CreateObject();
    facet_ctx f;
    memset(&f, 0, sizeof f);
    int rc = 0;
    f.arr = cJSON_AddArrayToObject(o, "genres");
    rc = rc ? rc : library_values(lib, LIBRARY_FACET_GENRE, add_facet, &f, err);
    f.arr = cJSON_AddArrayToObject(o, "moods");
    rc = rc ? rc : library_values(lib, LIBRARY_FACET_MOOD, add_facet, &f, err);
    rc = rc ? rc : library_values(lib, LIBRARY_FACET_KEY, add_key, &f, err);
    /* Keys by the code every spelling folds to ("Am" = "A minor" = "8A"), in pitch order. */
    cJSON *keys = cJSON_AddArrayToObject(o, "keys");
    for (int c = 0; c < MUSICAL_KEY_COUNT; c++) {
        if (!f.key_counts[c])
            continue;
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "value", musical_key_name(c));
        cJSON_AddNumberToObject(k, "count", (double)f.key_counts[c]);
        cJSON_AddItemToArray(keys, k);
    }
    library_close(lib);
    if (rc) {
        cJSON_Delete(o);
        httpd_reply_error(reply, 500, "%s", err);
        return;
    }
    char *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    char *valid = json ? httpd_utf8_valid(json, strlen(json)) : NULL;
    free(json);
    httpd_reply_json(reply, 200, valid);
}

static void handle_health(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    serve_api *api = ctx;
    (void)req;
    char err[SV_ERR_LEN];
    store_meta m;
    pthread_mutex_lock(&api->mu);
    m = api->meta;
    pthread_mutex_unlock(&api->mu);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", m.rows > 0 ? "ok" : "rebuilding");
    cJSON_AddNumberToObject(o, "rows", (double)m.rows);
    cJSON_AddStringToObject(o, "provider", m.provider);
    cJSON_AddStringToObject(o, "model", m.model);
    cJSON_AddNumberToObject(o, "dims", m.dims);
    cJSON_AddStringToObject(o, "store", api->cfg.store);
    cJSON_AddStringToObject(o, "library", api->cfg.library);
    library *lib = library_open(api->cfg.library, err);
    int64_t total = 0;
    if (lib && library_count(lib, NULL, &total, err) == 0)
        cJSON_AddNumberToObject(o, "library_samples", (double)total);
    else
        cJSON_AddNullToObject(o, "library_samples");
    library_close(lib);
    checkpoint cp;
    if (api->cfg.progress && checkpoint_load(api->cfg.progress, &cp, err) == 0) {
        cJSON *run = cJSON_AddObjectToObject(o, "last_run");
        cJSON_AddStringToObject(run, "started_at", cp.started_at);
        cJSON_AddStringToObject(run, "updated_at", cp.updated_at);
        cJSON_AddBoolToObject(run, "finished", cp.finished);
        cJSON_AddNumberToObject(run, "successful", (double)cp.total_successful);
        cJSON_AddNumberToObject(run, "failed", (double)cp.total_failed);
        checkpoint_clear(&cp);
    } else {
        cJSON_AddNullToObject(o, "last_run");
    }
    char *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    char *valid = json ? httpd_utf8_valid(json, strlen(json)) : NULL;
    free(json);
    httpd_reply_json(reply, 200, valid);
}

/* ---- the map ---- */

static void handle_map_status(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    serve_api *api = ctx;
    (void)req;
    map_status st;
    map_service_status(api->map, &st);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "state", st.state);
    cJSON_AddBoolToObject(o, "stale", st.stale);
    cJSON_AddNumberToObject(o, "progress", st.progress);
    cJSON_AddNumberToObject(o, "points", (double)st.points);
    cJSON_AddNumberToObject(o, "version", st.version);
    cJSON_AddNumberToObject(o, "seconds", st.seconds);
    if (st.error[0]) {
        char *e = httpd_utf8_valid(st.error, strlen(st.error));
        cJSON_AddStringToObject(o, "error", e ? e : "");
        free(e);
    }
    char *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    httpd_reply_json(reply, 200, json);
}

static void handle_map(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    serve_api *api = ctx;
    (void)req;
    map_json *m = map_service_take(api->map);
    if (!m) {
        map_status st;
        map_service_status(api->map, &st);
        if (strcmp(st.state, "failed") == 0)
            httpd_reply_error(reply, 503, "no vibe map: %s", st.error);
        else
            httpd_reply_error(reply, 503, "the vibe map of %zu samples is being computed (%.0f%%); "
                              "GET /map/status says when it is ready", st.points, st.progress * 100);
        httpd_reply_header(reply, "Retry-After", "2");
        return;
    }
    reply->status = 200;
    reply->content_type = "application/json";
    reply->static_body = (const unsigned char *)m->text;
    reply->body_len = m->len;
    reply->release = map_json_release;
    reply->release_arg = m;
    httpd_reply_header(reply, "Cache-Control", "no-cache");
}

/* ---- the table ---- */

/* One row per endpoint. */
static void handle_v1_embeddings(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    openai_api_embeddings(((serve_api *)ctx)->openai, req, reply);
}

static void handle_v1_models(const httpd_request *req, httpd_reply *reply, void *ctx)
{
    openai_api_models(((serve_api *)ctx)->openai, req, reply);
}

static const httpd_route routes[] = {
    {"GET", "/", 0, 0, handle_index},
    {"GET", "/static/", 1, 0, handle_static},
    {"GET", "/health", 0, 0, handle_health},
    {"GET", "/search", 0, 0, handle_search},
    {"GET", "/similar/", 1, 0, handle_similar},
    {"GET", "/samples/", 1, 0, handle_sample},
    {"GET", "/audio/", 1, 0, handle_audio},
    {"GET", "/facets", 0, 0, handle_facets},
    {"GET", "/map", 0, 0, handle_map},
    {"GET", "/map/status", 0, 0, handle_map_status},
    {"POST", "/v1/embeddings", 0, OPENAI_API_MAX_BODY, handle_v1_embeddings},
    {"GET", "/v1/models", 0, 0, handle_v1_models},
    {"GET", "/v1/models/", 1, 0, handle_v1_models},
};

const httpd_route *serve_api_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

serve_api *serve_api_new(const serve_api_config *cfg, int *exit_code, char err[SV_ERR_LEN])
{
    serve_api *api = calloc(1, sizeof *api);
    if (!api) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    api->cfg = *cfg;
    pthread_mutex_init(&api->mu, NULL);
    if (!(api->scans = scan_batch_new(0))) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto fail;
    }
    /* A core's worth of keyword searches at once, in arrival order (serve/admission.h). */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (!(api->keyword = admission_new(cores > 0 ? (int)cores : 1))) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto fail;
    }
    searcher_pool_config pc = {cfg->store,   cfg->use_cache,  cfg->model,
                               cfg->base_url, cfg->searchers, cfg->library,
                               cfg->embed_hint, scan_batch_scanner(api->scans),
                               admission_gate(api->keyword)};
    if (!(api->pool = searcher_pool_new(&pc, exit_code, err)))
        goto fail;
    /* Map the cache in every searcher now and ready each one (searcher_warm), so the first
     * requests are as fast as the rest. */
    size_t n = cfg->searchers ? cfg->searchers : 1;
    searcher **taken = calloc(n, sizeof *taken);
    int rc = taken ? 0 : sv_fail(err, SV_EXIT_DATA, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        taken[i] = searcher_pool_take(api->pool);
        searcher_query warm;
        searcher_query_init(&warm);
        warm.k = 1;
        query_results none = {0};
        int found;
        rc = searcher_similar(taken[i], -1, &warm, &none, &found, err);
        query_results_clear(&none);
        char warm_err[SV_ERR_LEN]; /* what fails here fails the requests too, with their message */
        if (!rc)
            (void)searcher_warm(taken[i], warm_err);
        remember_meta(api, taken[i]);
    }
    for (size_t i = 0; taken && i < n; i++)
        if (taken[i])
            searcher_pool_give(api->pool, taken[i]);
    free(taken);
    if (rc) {
        *exit_code = rc;
        goto fail;
    }
    if (!(api->openai = openai_api_new(api->pool, cfg->embed_model, 0, exit_code, err)))
        goto fail;
    if (!(api->map = map_service_start(cfg->store, cfg->use_cache, err))) {
        *exit_code = SV_EXIT_DATA;
        goto fail;
    }
    return api;
fail:
    serve_api_free(api);
    return NULL;
}

void serve_api_free(serve_api *api)
{
    if (!api)
        return;
    map_service_stop(api->map);
    openai_api_free(api->openai);
    searcher_pool_free(api->pool);
    scan_batch_free(api->scans);
    admission_free(api->keyword);
    pthread_mutex_destroy(&api->mu);
    free(api);
}

void serve_api_describe(serve_api *api, long long *rows, char *model, size_t model_size)
{
    pthread_mutex_lock(&api->mu);
    *rows = (long long)api->meta.rows;
    snprintf(model, model_size, "%s", api->meta.model);
    pthread_mutex_unlock(&api->mu);
}

void serve_api_scan_counts(serve_api *api, unsigned long long *passes, unsigned long long *scans)
{
    uint64_t p, q;
    scan_batch_counts(api->scans, &p, &q);
    *passes = p;
    *scans = q;
}
