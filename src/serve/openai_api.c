#include "openai_api.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64.h"
#include "provider.h"

struct openai_api {
    searcher_pool *pool;
    provider *own;            /* --embed-model's provider, else NULL (the pool's searchers) */
    pthread_mutex_t own_lock; /* one request at a time uses it: a provider is not shared */
    long long created;        /* the models' "created": when serve started */
};

/* OpenAI's error object: {"error": {"message", "type", "param", "code"}}. */
static void v1_error(httpd_reply *reply, int status, const char *code, const char *param, const char *fmt, ...)
    SV_PRINTF(5, 6);
static void v1_error(httpd_reply *reply, int status, const char *code, const char *param, const char *fmt, ...)
{
    char message[SV_ERR_LEN + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    char *valid = httpd_utf8_valid(message, strlen(message));
    cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "message", valid ? valid : "out of memory");
    cJSON_AddStringToObject(e, "type", status >= 500 ? "server_error" : "invalid_request_error");
    if (param)
        cJSON_AddStringToObject(e, "param", param);
    else
        cJSON_AddNullToObject(e, "param");
    if (code)
        cJSON_AddStringToObject(e, "code", code);
    else
        cJSON_AddNullToObject(e, "code");
    free(valid);
    httpd_reply_json(reply, status, o ? cJSON_PrintUnformatted(o) : NULL);
    cJSON_Delete(o);
}

openai_api *openai_api_new(searcher_pool *pool, const char *embed_model, int threads, int *exit_code,
                           char err[SV_ERR_LEN])
{
    openai_api *o = calloc(1, sizeof *o);
    if (!o) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    o->pool = pool;
    o->created = (long long)time(NULL);
    pthread_mutex_init(&o->own_lock, NULL);
    if (embed_model) {
        provider_config cfg = {.name = "gguf", .model = embed_model, .batch_size = 32, .concurrency = 1,
                               .max_retries = 0, .threads = threads};
        char why[SV_ERR_LEN];
        if (!(o->own = provider_open(&cfg, exit_code, why))) {
            sv_fail(err, *exit_code, "--embed-model %s: %s", embed_model, why);
            openai_api_free(o);
            return NULL;
        }
    }
    return o;
}

void openai_api_free(openai_api *o)
{
    if (!o)
        return;
    provider_free(o->own);
    pthread_mutex_destroy(&o->own_lock);
    free(o);
}

void openai_api_model_id(openai_api *o, char *out, size_t cap)
{
    if (o->own) {
        snprintf(out, cap, "%s", o->own->model);
        return;
    }
    searcher *s = searcher_pool_take(o->pool);
    snprintf(out, cap, "%s", searcher_meta(s)->model);
    searcher_pool_give(o->pool, s);
}

/* The name a client asked for is the served model: its whole id, or for a GGUF id
 * ("nomic-embed-text:latest#3f1a…") the part before '#'. */
static int model_matches(const char *asked, const char *id)
{
    if (strcmp(asked, id) == 0)
        return 1;
    const char *hash = strchr(id, '#');
    return hash && strlen(asked) == (size_t)(hash - id) && strncmp(asked, id, (size_t)(hash - id)) == 0;
}

static cJSON *model_object(const openai_api *o, const char *id)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "id", id);
    cJSON_AddStringToObject(m, "object", "model");
    cJSON_AddNumberToObject(m, "created", (double)o->created);
    cJSON_AddStringToObject(m, "owned_by", "samplevec");
    return m;
}

void openai_api_models(openai_api *o, const httpd_request *req, httpd_reply *reply)
{
    char id[PROVIDER_MODEL_LEN];
    openai_api_model_id(o, id, sizeof id);
    if (req->tail[0]) { /* GET /v1/models/ID */
        if (!model_matches(req->tail, id)) {
            v1_error(reply, 404, "model_not_found", "model",
                     "The model '%.200s' does not exist: this server embeds with '%s' (GET /v1/models)", req->tail,
                     id);
            return;
        }
        cJSON *m = model_object(o, id);
        httpd_reply_json(reply, 200, m ? cJSON_PrintUnformatted(m) : NULL);
        cJSON_Delete(m);
        return;
    }
    cJSON *list = cJSON_CreateObject();
    cJSON_AddStringToObject(list, "object", "list");
    cJSON *data = cJSON_AddArrayToObject(list, "data");
    cJSON_AddItemToArray(data, model_object(o, id));
    httpd_reply_json(reply, 200, list ? cJSON_PrintUnformatted(list) : NULL);
    cJSON_Delete(list);
}

/* What a request asks for, checked field by field as OpenAI does. */
typedef struct embed_request {
    const char **texts;
    size_t n;
    const char *model; /* NULL = the served one */
    int base64;
    int dimensions;    /* 0 = the model's */
} embed_request;

/* 0, or -1 with the 400 in reply. */
static int read_request(const cJSON *body, embed_request *r, httpd_reply *reply)
{
    if (!cJSON_IsObject(body)) {
        v1_error(reply, 400, NULL, NULL,
                 "We could not parse the JSON body of your request: send a JSON object such as "
                 "{\"input\": \"dark moody hip hop\", \"model\": \"...\"}");
        return -1;
    }
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(body, "input");
    if (cJSON_IsString(input)) {
        r->n = 1;
    } else if (cJSON_IsArray(input)) {
        r->n = (size_t)cJSON_GetArraySize(input);
    } else {
        v1_error(reply, 400, NULL, "input", "'input' is required: a string or an array of strings");
        return -1;
    }
    if (r->n == 0 || r->n > OPENAI_API_MAX_INPUTS) {
        v1_error(reply, 400, NULL, "input", "'input' must hold 1 to %d strings (it holds %zu)", OPENAI_API_MAX_INPUTS,
                 r->n);
        return -1;
    }
    if (!(r->texts = calloc(r->n, sizeof *r->texts))) {
        v1_error(reply, 500, NULL, NULL, "out of memory");
        return -1;
    }
    size_t i = 0;
    const cJSON *item = cJSON_IsString(input) ? input : input->child;
    for (; i < r->n; i++, item = item->next) {
        if (!cJSON_IsString(item)) {
            v1_error(reply, 400, NULL, "input",
                     "'input[%zu]' is not a string: samplevec embeds text (token-id arrays are not supported)", i);
            return -1;
        }
        if (!item->valuestring[0]) {
            v1_error(reply, 400, NULL, "input", "'input[%zu]' is an empty string: send some text", i);
            return -1;
        }
        r->texts[i] = item->valuestring;
        if (cJSON_IsString(input))
            break;
    }
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    if (model && !cJSON_IsNull(model)) {
        if (!cJSON_IsString(model)) {
            v1_error(reply, 400, NULL, "model", "'model' must be a string (GET /v1/models lists it)");
            return -1;
        }
        r->model = model->valuestring;
    }
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(body, "encoding_format");
    if (format && !cJSON_IsNull(format)) {
        if (cJSON_IsString(format) && strcmp(format->valuestring, "float") == 0) {
            r->base64 = 0;
        } else if (cJSON_IsString(format) && strcmp(format->valuestring, "base64") == 0) {
            r->base64 = 1;
        } else {
            v1_error(reply, 400, NULL, "encoding_format", "'encoding_format' must be \"float\" or \"base64\"");
            return -1;
        }
    }
    const cJSON *dims = cJSON_GetObjectItemCaseSensitive(body, "dimensions");
    if (dims && !cJSON_IsNull(dims)) {
        double d = cJSON_IsNumber(dims) ? dims->valuedouble : -1;
        if (!(d >= 1 && d <= 1e9 && d == floor(d))) {
            v1_error(reply, 400, NULL, "dimensions", "'dimensions' must be a whole number of at least 1");
            return -1;
        }
        r->dimensions = (int)d;
    }
    return 0;
}

/* Keeps the first `keep` of v's dims values and scales them back to unit length. */
static void shorten(float *v, int keep)
{
    double sum = 0;
    for (int i = 0; i < keep; i++)
        sum += (double)v[i] * v[i];
    if (sum > 0) {
        float scale = (float)(1.0 / sqrt(sum));
        for (int i = 0; i < keep; i++)
            v[i] *= scale;
    }
}

static cJSON *embedding_item(const float *v, int dims, int base64)
{
    if (base64) {
        /* little-endian float32, as OpenAI sends it */
        unsigned char *bytes = malloc((size_t)dims * 4);
        char *text = malloc(BASE64_ENCODED_LEN((size_t)dims * 4) + 1);
        cJSON *s = NULL;
        if (bytes && text) {
            for (int i = 0; i < dims; i++) {
                uint32_t u;
                memcpy(&u, &v[i], 4);
                for (int b = 0; b < 4; b++)
                    bytes[4 * i + b] = (unsigned char)(u >> (8 * b));
            }
            base64_encode(bytes, (size_t)dims * 4, text);
            s = cJSON_CreateString(text);
        }
        free(bytes);
        free(text);
        return s;
    }
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < dims; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
    return a;
}

/* Embeds r's texts with the served model: vectors (n × *dims, caller frees) and the model's id. */
static int embed_texts(openai_api *o, const embed_request *r, float **vectors, int *dims,
                       provider_text_result *results, char id[PROVIDER_MODEL_LEN], char err[SV_ERR_LEN])
{
    int rc = 0;
    if (o->own) {
        pthread_mutex_lock(&o->own_lock);
        provider *p = o->own;
        snprintf(id, PROVIDER_MODEL_LEN, "%s", p->model);
        *dims = p->dims;
        if (!(*vectors = malloc(r->n * (size_t)p->dims * sizeof **vectors)))
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        for (size_t off = 0; !rc && off < r->n; off += p->chunk_size) {
            size_t m = r->n - off < p->chunk_size ? r->n - off : p->chunk_size;
            int64_t billed;
            rc = provider_embed_as(p, PROVIDER_ROLE_RAW, r->texts + off, m, *vectors + off * (size_t)p->dims,
                                   results + off, &billed, err);
        }
        pthread_mutex_unlock(&o->own_lock);
        return rc;
    }
    searcher *s = searcher_pool_take(o->pool);
    const store_meta *m = searcher_meta(s);
    snprintf(id, PROVIDER_MODEL_LEN, "%s", m->model);
    *dims = m->dims;
    if (r->model && !model_matches(r->model, id))
        rc = -1; /* the caller answers 404 */
    else if (!(*vectors = malloc(r->n * (size_t)m->dims * sizeof **vectors)))
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
    else
        rc = searcher_embed(s, PROVIDER_ROLE_RAW, r->texts, r->n, *vectors, results, err);
    searcher_pool_give(o->pool, s);
    return rc;
}

void openai_api_embeddings(openai_api *o, const httpd_request *req, httpd_reply *reply)
{
    embed_request r = {0};
    float *vectors = NULL;
    provider_text_result *results = NULL;
    cJSON *body = req->body ? cJSON_ParseWithLength(req->body, req->body_len) : NULL, *out = NULL;
    char err[SV_ERR_LEN], id[PROVIDER_MODEL_LEN] = "";
    int dims = 0;
    if (read_request(body, &r, reply))
        goto cleanup;
    if (o->own && r.model && !model_matches(r.model, o->own->model)) {
        snprintf(id, sizeof id, "%s", o->own->model);
        goto unknown_model;
    }
    if (!(results = calloc(r.n, sizeof *results))) {
        v1_error(reply, 500, NULL, NULL, "out of memory");
        goto cleanup;
    }
    int rc = embed_texts(o, &r, &vectors, &dims, results, id, err);
    if (rc == -1)
        goto unknown_model;
    if (rc) {
        v1_error(reply, rc == SV_EXIT_USAGE ? 400 : 500, NULL, NULL, "%s", err);
        goto cleanup;
    }
    if (r.dimensions > dims) {
        v1_error(reply, 400, NULL, "dimensions", "'dimensions' is %d, but model '%s' gives %d", r.dimensions, id,
                 dims);
        goto cleanup;
    }
    int keep = r.dimensions ? r.dimensions : dims;
    int64_t tokens = 0;
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "object", "list");
    cJSON *data = cJSON_AddArrayToObject(out, "data");
    for (size_t i = 0; i < r.n; i++) {
        if (results[i].error) {
            v1_error(reply, 400, NULL, "input", "'input[%zu]' cannot be embedded: %s", i, results[i].error);
            goto cleanup;
        }
        float *v = vectors + i * (size_t)dims;
        if (keep < dims)
            shorten(v, keep);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(data, e);
        cJSON_AddStringToObject(e, "object", "embedding");
        cJSON_AddNumberToObject(e, "index", (double)i);
        cJSON_AddItemToObject(e, "embedding", embedding_item(v, keep, r.base64));
        tokens += results[i].tokens;
    }
    cJSON_AddStringToObject(out, "model", id);
    cJSON *usage = cJSON_AddObjectToObject(out, "usage");
    cJSON_AddNumberToObject(usage, "prompt_tokens", (double)tokens);
    cJSON_AddNumberToObject(usage, "total_tokens", (double)tokens);
    httpd_reply_json(reply, 200, cJSON_PrintUnformatted(out));
    goto cleanup;
unknown_model:
    v1_error(reply, 404, "model_not_found", "model",
             "The model '%.200s' does not exist: this server embeds with '%s' (GET /v1/models)", r.model, id);
cleanup:
    if (results)
        provider_results_clear(results, r.n);
    free(results);
    free(vectors);
    free(r.texts);
    cJSON_Delete(out);
    cJSON_Delete(body);
}
