/* OpenAI-compatible providers: openai (api.openai.com or any --base-url: Ollama, llama.cpp
 * server, vLLM, TEI) and openrouter (openrouter.ai, model ids like openai/text-embedding-3-small).
 *
 * One provider_embed call (a chunk of batch_size × concurrency texts):
 *   1. each text is made valid UTF-8 (tiktoken_sanitize_utf8), counted with cl100k_base when
 *      the model is OpenAI's and the vocabulary is at hand (else ≈ bytes/4), and cut to 8191
 *      tokens at a token boundary when longer;
 *   2. texts are packed in order into requests of at most batch_size inputs and 300,000 tokens
 *      (the API's per-request limits; 2048 inputs at most);
 *   3. up to `concurrency` requests are in flight (http.h: libcurl multi, reused connections);
 *      the limit halves on a 429 and grows back by one per success (AIMD), so a rate-limited
 *      run slows down instead of hammering;
 *   4. each answer: 2xx → vectors matched to inputs by `index`, base64 (little-endian float32)
 *      or float arrays; a missing index, wrong length or NaN/Inf fails that text with the
 *      reason. Transient failures (retry.h) wait and retry the same request; a 400/413/422 for
 *      several texts is bisected until the rejected text(s) are alone, and those fail with the
 *      API's message; a 400 about base64 switches the run to floats; 401/403 (the key) and 404
 *      (URL or model) stop the run, as does a server that cannot be reached after retries.
 * Keys never leave this file except in the Authorization header; every message built from a
 * server's answer has the key scrubbed, and request headers are never printed.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "dotenv.h"
#include "http.h"
#include "pricing.h"
#include "prompts.h"
#include "provider.h"
#include "retry.h"
#include "tiktoken.h"

#define OPENAI_BASE "https://api.openai.com/v1"
#define OPENROUTER_BASE "https://openrouter.ai/api/v1"
#define MAX_INPUTS_PER_REQUEST 2048
#define MAX_TOKENS_PER_REQUEST 300000
/* With estimated counts, leave room for estimates that run low (CJK, emoji). */
#define MAX_TOKENS_PER_REQUEST_ESTIMATED 200000

typedef struct openai_provider {
    provider base;          /* first: the pipeline sees a provider */
    char url[1024];         /* {base}/embeddings */
    char shown_url[1024];   /* url without user:password@, for messages */
    char *auth;             /* "Authorization: Bearer KEY" or NULL; wiped on free */
    char *key;              /* the key alone, for scrubbing server messages; wiped on free */
    const char *key_var;    /* OPENAI_API_KEY or OPENROUTER_API_KEY (a name, never a value) */
    int send_dimensions;
    int batch_size, concurrency, max_retries, verbose;
    int use_base64;         /* 1 until a server rejects base64 */
    int openai_family;      /* model is OpenAI's (cl100k_base, 8191-token inputs) */
    tiktoken *tk;           /* NULL: estimates */
    http_client *http;      /* created on first use, dropped after a fatal error */
    double limit;           /* AIMD concurrency limit, 1..concurrency */
    unsigned rng;           /* xorshift state for jitter */
    long requests;          /* numbering for --verbose */
    const volatile sig_atomic_t *cancel; /* the pipeline's interrupt flag, or NULL */
} openai_provider;

/* A request's worth of texts: indices into the chunk. */
typedef struct job {
    size_t *idx;
    size_t n;
    int64_t tokens;
    int retries;            /* retries spent on this request */
    double ready_at;        /* monotonic seconds */
    int sent_base64;        /* its last attempt asked for base64 */
    long number;
    struct job *next;
} job;

/* One text as sent. */
typedef struct text_in {
    const char *s;
    size_t len;
    char *owned; /* sanitized copy, or NULL */
} text_in;

/* State of one provider_embed call. */
typedef struct call {
    openai_provider *op;
    text_in *in;
    size_t n;
    float *vectors;
    provider_text_result *results;
    int64_t billed;
    int any_billed;
    job *queue;             /* waiting jobs, in order */
    job *flying;            /* submitted, not yet answered (linked by next as well) */
    int fatal;
    char *err;
} call;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double unit_random(openai_provider *op)
{
    unsigned x = op->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    op->rng = x ? x : 1;
    return (x >> 8) / 16777216.0;
}

/* Copies at most max_chars characters of src into out (cap bytes), replacing every occurrence
 * of the key and anything shaped like a secret key ("sk-" followed by 8+ key characters, as
 * OpenAI and OpenRouter keys are, masked or not) with "[redacted]". The source is matched
 * before anything is cut, so no prefix of a key survives a cut. */
static void scrub_excerpt(const char *src, size_t max_chars, const char *key, char *out, size_t cap)
{
    static const char mark[] = "[redacted]";
    char tmp[SV_ERR_LEN];
    size_t klen = key ? strlen(key) : 0;
    size_t o = 0;
    for (size_t i = 0; src[i] && o < max_chars && o + sizeof mark < sizeof tmp;) {
        size_t skip = 0;
        if (klen >= 4 && strncmp(src + i, key, klen) == 0)
            skip = klen;
        else if (strncmp(src + i, "sk-", 3) == 0) {
            size_t j = i + 3;
            while (src[j] && (isalnum((unsigned char)src[j]) || src[j] == '-' || src[j] == '_' || src[j] == '*' || src[j] == '.'))
                j++;
            if (j - i >= 11)
                skip = j - i;
        }
        if (skip) {
            memcpy(tmp + o, mark, sizeof mark - 1);
            o += sizeof mark - 1;
            i += skip;
        } else {
            unsigned char c = (unsigned char)src[i++];
            tmp[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
        }
    }
    tmp[o] = '\0';
    snprintf(out, cap, "%s", tmp);
}

/* scrub_excerpt in place. */
static void scrub(char *s, size_t cap, const char *key)
{
    scrub_excerpt(s, SIZE_MAX, key, s, cap);
}

/* The server's error message (OpenAI's {"error":{"message"}}, else the body's start), scrubbed. */
static void api_message(const openai_provider *op, const http_response *r, char *out, size_t cap)
{
    out[0] = '\0';
    if (r->body && r->body_len) {
        cJSON *j = cJSON_ParseWithLength(r->body, r->body_len);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
        const cJSON *m = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "message")
                         : cJSON_IsString(e) ? e : NULL;
        if (!m)
            m = cJSON_GetObjectItemCaseSensitive(j, "message");
        if (cJSON_IsString(m))
            scrub_excerpt(m->valuestring, 300, op->key, out, cap);
        else
            scrub_excerpt(r->body, 160, op->key, out, cap);
        cJSON_Delete(j);
    }
    if (!out[0])
        snprintf(out, cap, "no message");
}

/* The request parameter an error names (OpenAI's error.param), e.g. "input" or "dimensions";
 * empty when none. */
static void api_param(const http_response *r, char *out, size_t cap)
{
    out[0] = '\0';
    cJSON *j = r->body ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "error"), "param");
    if (cJSON_IsString(p))
        snprintf(out, cap, "%.60s", p->valuestring);
    cJSON_Delete(j);
}

static void set_error(provider_text_result *res, const char *fmt, ...) SV_PRINTF(2, 3);
static void set_error(provider_text_result *res, const char *fmt, ...)
{
    char buf[SV_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(res->error);
    res->error = strdup(buf);
}

static void fail_job(call *c, const job *j, const char *fmt, const char *detail)
{
    for (size_t k = 0; k < j->n; k++)
        set_error(&c->results[j->idx[k]], fmt, detail);
}

static job *job_new(const size_t *idx, size_t n, int64_t tokens)
{
    job *j = calloc(1, sizeof *j);
    if (!j || !(j->idx = malloc((n ? n : 1) * sizeof *j->idx))) {
        free(j);
        return NULL;
    }
    memcpy(j->idx, idx, n * sizeof *idx);
    j->n = n;
    j->tokens = tokens;
    return j;
}

static void job_free(job *j)
{
    if (j) {
        free(j->idx);
        free(j);
    }
}

/* A request whose texts all have their outcome (vectors or reasons): tells the listener and
 * frees the job. */
static void job_finish(call *c, job *j)
{
    provider_progress(&c->op->base, j->n);
    job_free(j);
}

/* Appends at the queue's tail (FIFO keeps the chunk's order, which keeps retries fair). */
static void enqueue(call *c, job *j)
{
    j->next = NULL;
    job **p = &c->queue;
    while (*p)
        p = &(*p)->next;
    *p = j;
}

static int json_escape(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n * 6 + 3 > *cap) {
        size_t c = *cap ? *cap : 65536;
        while (c < *len + n * 6 + 3)
            c *= 2;
        char *g = realloc(*buf, c);
        if (!g)
            return -1;
        *buf = g;
        *cap = c;
    }
    char *o = *buf + *len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            *o++ = '\\';
            *o++ = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f) {
            o += sprintf(o, "\\u%04x", ch);
        } else {
            *o++ = (char)ch;
        }
    }
    *o++ = '"';
    *len = (size_t)(o - *buf);
    return 0;
}

static int append_str(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 65536;
        while (c < *len + n + 1)
            c *= 2;
        char *g = realloc(*buf, c);
        if (!g)
            return -1;
        *buf = g;
        *cap = c;
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
    return 0;
}

/* {"model":..,"input":[..],"encoding_format":..[,"dimensions":N]} for the job's texts. */
static char *request_body(const openai_provider *op, const text_in *in, const job *j, size_t *out_len)
{
    char *b = NULL;
    size_t len = 0, cap = 0;
    char tail[128];
    int ok = append_str(&b, &len, &cap, "{\"model\":") == 0 &&
             json_escape(&b, &len, &cap, op->base.model, strlen(op->base.model)) == 0 &&
             append_str(&b, &len, &cap, ",\"input\":[") == 0;
    for (size_t k = 0; ok && k < j->n; k++) {
        const text_in *t = &in[j->idx[k]];
        ok = (k == 0 || append_str(&b, &len, &cap, ",") == 0) && json_escape(&b, &len, &cap, t->s, t->len) == 0;
    }
    if (op->send_dimensions)
        snprintf(tail, sizeof tail, "],\"encoding_format\":\"%s\",\"dimensions\":%d}",
                 op->use_base64 ? "base64" : "float", op->base.dims);
    else
        snprintf(tail, sizeof tail, "],\"encoding_format\":\"%s\"}", op->use_base64 ? "base64" : "float");
    ok = ok && append_str(&b, &len, &cap, tail) == 0;
    if (!ok) {
        free(b);
        return NULL;
    }
    *out_len = len;
    return b;
}

static int submit(call *c, job *j)
{
    openai_provider *op = c->op;
    size_t len = 0;
    char *body = request_body(op, c->in, j, &len);
    if (!body)
        return sv_fail(c->err, SV_EXIT_DATA, "out of memory building a request");
    const char *headers[3];
    size_t nh = 0;
    headers[nh++] = "Content-Type: application/json";
    if (op->auth)
        headers[nh++] = op->auth;
    if (strcmp(op->base.name, "openrouter") == 0)
        headers[nh++] = "X-Title: samplevec";
    http_request req = {op->url, body, len, headers, nh};
    if (!j->number)
        j->number = ++op->requests;
    j->sent_base64 = op->use_base64;
    int rc = http_submit(op->http, &req, j, c->err);
    free(body);
    return rc;
}

/* Decodes one response item's embedding into dst (dims floats). NULL or the reason. */
static const char *decode_embedding(const openai_provider *op, const cJSON *emb, float *dst,
                                    char *why, size_t why_cap)
{
    size_t dims = (size_t)op->base.dims;
    if (cJSON_IsString(emb)) {
        size_t slen = strlen(emb->valuestring);
        unsigned char *raw = malloc(BASE64_DECODED_MAX(slen) + 1);
        if (!raw)
            return "out of memory";
        long got = base64_decode(emb->valuestring, slen, raw);
        if (got < 0 || got % 4) {
            free(raw);
            return "embedding is not valid base64 float32 data";
        }
        if ((size_t)got / 4 != dims) {
            free(raw);
            snprintf(why, why_cap, "the API returned %ld dimensions, expected %zu (pass --dims %ld for this model)",
                     got / 4, dims, got / 4);
            return why;
        }
        for (size_t d = 0; d < dims; d++) { /* little-endian float32 */
            uint32_t u = (uint32_t)raw[4 * d] | (uint32_t)raw[4 * d + 1] << 8 |
                         (uint32_t)raw[4 * d + 2] << 16 | (uint32_t)raw[4 * d + 3] << 24;
            memcpy(&dst[d], &u, 4);
        }
        free(raw);
    } else if (cJSON_IsArray(emb)) {
        size_t got = (size_t)cJSON_GetArraySize(emb);
        if (got != dims) {
            snprintf(why, why_cap, "the API returned %zu dimensions, expected %zu (pass --dims %zu for this model)",
                     got, dims, got);
            return why;
        }
        size_t d = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, emb)
        {
            if (!cJSON_IsNumber(x)) {
                snprintf(why, why_cap, "component %zu of the embedding is not a number (NaN?)", d);
                return why;
            }
            dst[d++] = (float)x->valuedouble;
        }
    } else {
        return "the response item has no embedding";
    }
    for (size_t d = 0; d < dims; d++)
        if (!isfinite(dst[d])) {
            snprintf(why, why_cap, "the API returned %s at component %zu", isnan(dst[d]) ? "NaN" : "Inf", d);
            return why;
        }
    return NULL;
}

/* A 2xx answer. Returns 0 when handled, 1 when the body is unusable (retry it). */
static int take_vectors(call *c, job *j, const http_response *r, char *why, size_t why_cap)
{
    openai_provider *op = c->op;
    cJSON *root = r->body ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsArray(data)) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
        if (e) { /* some compatible servers (OpenRouter relaying an upstream) answer errors with 200 */
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
            int transient = cJSON_IsNumber(code) && (code->valueint == 429 || code->valueint >= 500);
            api_message(op, r, why, why_cap);
            cJSON_Delete(root);
            if (transient)
                return 1; /* retried like the status it names */
            char msg[SV_ERR_LEN];
            snprintf(msg, sizeof msg, "%s", why);
            fail_job(c, j, "the API answered with an error: %s", msg);
            return 0;
        }
        snprintf(why, why_cap, "%s", root ? "the response has no data array" : "the response is not valid JSON");
        cJSON_Delete(root);
        return 1;
    }
    const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
    const cJSON *pt = cJSON_GetObjectItemCaseSensitive(usage, "prompt_tokens");
    if (cJSON_IsNumber(pt) && pt->valuedouble >= 0) {
        c->billed += (int64_t)pt->valuedouble;
        c->any_billed = 1;
    }
    unsigned char *seen = calloc(j->n, 1);
    if (!seen) {
        cJSON_Delete(root);
        fail_job(c, j, "%s", "out of memory");
        return 0;
    }
    size_t pos = 0, items = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, data)
    {
        items++;
        const cJSON *ix = cJSON_GetObjectItemCaseSensitive(item, "index");
        double d = cJSON_IsNumber(ix) ? ix->valuedouble : (double)pos;
        pos++;
        if (d < 0 || d >= (double)j->n || d != floor(d))
            continue; /* an index we never sent: ignored; the text it should be stays missing */
        size_t k = (size_t)d;
        provider_text_result *res = &c->results[j->idx[k]];
        if (seen[k]) {
            set_error(res, "the API returned index %zu twice in one response", k);
            continue;
        }
        seen[k] = 1;
        char buf[SV_ERR_LEN];
        const char *bad = decode_embedding(op, cJSON_GetObjectItemCaseSensitive(item, "embedding"),
                                           c->vectors + j->idx[k] * (size_t)op->base.dims, buf, sizeof buf);
        if (bad)
            set_error(res, "%s", bad);
    }
    for (size_t k = 0; k < j->n; k++)
        if (!seen[k])
            set_error(&c->results[j->idx[k]],
                      "the API returned %zu embeddings for %zu inputs and none for this text", items, j->n);
    free(seen);
    cJSON_Delete(root);
    return 0;
}

static void requeue_later(call *c, job *j, const http_response *r, const char *reason)
{
    openai_provider *op = c->op;
    char ra_ms[64], ra[128];
    const char *p_ms = http_response_header(r, "retry-after-ms", ra_ms, sizeof ra_ms) ? ra_ms : NULL;
    const char *p_ra = http_response_header(r, "retry-after", ra, sizeof ra) ? ra : NULL;
    double delay = retry_delay_s(j->retries, p_ms, p_ra, time(NULL), unit_random(op));
    j->retries++;
    j->ready_at = mono_s() + delay;
    if (op->verbose)
        msg_info("request %ld: %s; retry %d of %d in %.2f s", j->number, reason, j->retries,
                 op->max_retries, delay);
    enqueue(c, j);
}

/* Splits a rejected request in two so the text(s) the API refuses end up alone. */
static int bisect(call *c, job *j)
{
    size_t half = j->n / 2;
    int64_t t1 = 0;
    for (size_t k = 0; k < half; k++)
        t1 += c->results[j->idx[k]].tokens;
    job *a = job_new(j->idx, half, t1), *b = job_new(j->idx + half, j->n - half, j->tokens - t1);
    if (!a || !b) {
        job_free(a);
        job_free(b);
        return sv_fail(c->err, SV_EXIT_DATA, "out of memory");
    }
    a->ready_at = b->ready_at = 0;
    enqueue(c, a);
    enqueue(c, b);
    job_free(j);
    return 0;
}

/* Decides what a finished request means. Returns non-zero (with c->err) for a fatal error. */
static int handle(call *c, job *j, http_response *r)
{
    openai_provider *op = c->op;
    char msg[SV_ERR_LEN], why[SV_ERR_LEN];
    long st = r->status;
    if (op->verbose)
        msg_info("request %ld: %zu inputs, %lld tokens -> %s%ld in %.2f s", j->number, j->n,
                 (long long)j->tokens, r->transport_error ? "no response, status " : "HTTP ", st, r->seconds);
    if (r->transport_error) {
        snprintf(msg, sizeof msg, "%s", r->error);
        scrub(msg, sizeof msg, op->key);
        if (j->retries < op->max_retries) {
            requeue_later(c, j, r, msg);
            return 0;
        }
        if (r->connect_failed) {
            job_free(j);
            return sv_fail(c->err, SV_EXIT_DATA,
                           "cannot reach the embeddings API at %s after %d retries: %s (check "
                           "--base-url and the network)",
                           op->shown_url, op->max_retries, msg);
        }
        fail_job(c, j, "no answer from the API after retries: %s", msg);
        job_finish(c, j);
        return 0;
    }
    if (st >= 200 && st < 300) {
        if (take_vectors(c, j, r, why, sizeof why) == 0) {
            if (op->limit < op->concurrency)
                op->limit += 1;
            job_finish(c, j);
        } else if (j->retries < op->max_retries) {
            requeue_later(c, j, r, why);
        } else {
            fail_job(c, j, "unusable answer from the API after retries: %s", why);
            job_finish(c, j);
        }
        return 0;
    }
    api_message(op, r, msg, sizeof msg);
    if (st == 401 || st == 403) {
        job_free(j);
        if (op->key)
            return sv_fail(c->err, SV_EXIT_USAGE,
                           "the API refused the key in %s (HTTP %ld): check that it is valid and "
                           "allowed to use %s",
                           op->key_var, st, op->base.model);
        return sv_fail(c->err, SV_EXIT_USAGE,
                       "the API at %s wants a key (HTTP %ld): set %s in the environment or ./.env",
                       op->shown_url, st, op->key_var);
    }
    if (st == 404) {
        job_free(j);
        return sv_fail(c->err, SV_EXIT_USAGE,
                       "HTTP 404 from %s: %s (check --base-url and --model '%s')", op->shown_url, msg,
                       op->base.model);
    }
    if (j->sent_base64 && (st == 400 || st == 422) &&
        (strcasestr(msg, "base64") || strcasestr(msg, "encoding_format"))) {
        op->use_base64 = 0; /* this server wants floats: for the rest of the run */
        if (op->verbose)
            msg_info("the server rejects base64 embeddings; using float arrays");
        j->ready_at = 0;
        enqueue(c, j);
        return 0;
    }
    char xsr[16];
    if (retry_should(st, 0, http_response_header(r, "x-should-retry", xsr, sizeof xsr) ? xsr : NULL)) {
        if (st == 429) {
            op->limit /= 2;
            if (op->limit < 1)
                op->limit = 1;
        }
        if (j->retries < op->max_retries) {
            snprintf(why, sizeof why, "HTTP %ld: %.400s", st, msg);
            requeue_later(c, j, r, why);
        } else {
            snprintf(why, sizeof why, "HTTP %ld after %d retries: %.400s", st, op->max_retries, msg);
            fail_job(c, j, "%s", why);
            job_finish(c, j);
        }
        return 0;
    }
    char param[64];
    api_param(r, param, sizeof param);
    if ((st == 400 || st == 422) && param[0] && strcmp(param, "input") != 0) {
        /* A setting every request shares (dimensions, model...): bisecting cannot help. */
        job_free(j);
        return sv_fail(c->err, SV_EXIT_USAGE, "the API rejected the request's '%s' (HTTP %ld): %.300s",
                       param, st, msg);
    }
    if ((st == 400 || st == 413 || st == 422) && j->n > 1)
        return bisect(c, j);
    snprintf(why, sizeof why, "the API rejected this text (HTTP %ld): %.400s", st, msg);
    fail_job(c, j, "%s", why);
    job_finish(c, j);
    return 0;
}

/* Takes the job to send next among those whose wait is over: a retry before any fresh request
 * (oldest first), so a retried request does not end up last and hold the chunk open. */
static job *take_ready(call *c, double now)
{
    job **best = NULL;
    for (job **p = &c->queue; *p; p = &(*p)->next) {
        if ((*p)->ready_at > now)
            continue;
        if (!best || ((*p)->number && (!(*best)->number || (*p)->number < (*best)->number)))
            best = p;
    }
    if (!best)
        return NULL;
    job *j = *best;
    *best = j->next;
    return j;
}

static double next_ready(const call *c)
{
    double t = -1;
    for (const job *j = c->queue; j; j = j->next)
        if (t < 0 || j->ready_at < t)
            t = j->ready_at;
    return t;
}

/* Prepares the texts: valid UTF-8, token counts, truncation. */
static int prepare(call *c, const char *const *texts)
{
    openai_provider *op = c->op;
    for (size_t i = 0; i < c->n; i++) {
        text_in *t = &c->in[i];
        size_t len = strlen(texts[i]), clean_len = 0;
        int oom = 0;
        t->owned = tiktoken_sanitize_utf8(texts[i], len, &clean_len, &oom);
        if (oom)
            return sv_fail(c->err, SV_EXIT_DATA, "out of memory");
        t->s = t->owned ? t->owned : texts[i];
        t->len = t->owned ? clean_len : len;
        provider_text_result *res = &c->results[i];
        if (t->len == 0) {
            set_error(res, "empty source text (the embeddings API rejects empty input)");
            continue;
        }
        if (op->tk) {
            size_t cut = t->len;
            size_t n = tiktoken_count_prefix(op->tk, t->s, t->len, TIKTOKEN_EMBED_MAX_TOKENS, &cut);
            if (n > TIKTOKEN_EMBED_MAX_TOKENS) {
                res->truncated = 1;
                t->len = cut;
                n = tiktoken_count(op->tk, t->s, cut);
            }
            res->tokens = (int64_t)n;
        } else {
            res->tokens = pricing_estimate_tokens(t->s);
        }
    }
    return 0;
}

/* Packs the texts still to send into jobs, in order. */
static int pack(call *c)
{
    openai_provider *op = c->op;
    size_t *idx = malloc((c->n ? c->n : 1) * sizeof *idx);
    if (!idx)
        return sv_fail(c->err, SV_EXIT_DATA, "out of memory");
    int64_t budget = op->tk ? MAX_TOKENS_PER_REQUEST : MAX_TOKENS_PER_REQUEST_ESTIMATED;
    size_t m = 0;
    int64_t tokens = 0;
    for (size_t i = 0; i <= c->n; i++) {
        int last = i == c->n;
        int live = !last && !c->results[i].error;
        int64_t t = live ? c->results[i].tokens : 0;
        if (m && (last || (live && ((int)m >= op->batch_size || tokens + t > budget)))) {
            job *j = job_new(idx, m, tokens);
            if (!j) {
                free(idx);
                return sv_fail(c->err, SV_EXIT_DATA, "out of memory");
            }
            enqueue(c, j);
            m = 0;
            tokens = 0;
        }
        if (live) {
            idx[m++] = i;
            tokens += t;
        }
    }
    free(idx);
    return 0;
}

static int ensure_http(openai_provider *op, char err[SV_ERR_LEN])
{
    if (op->http)
        return 0;
    http_options ho = {10000, 120000, (size_t)256 << 20, op->concurrency + 2};
    op->http = http_client_new(&ho, err);
    return op->http ? 0 : SV_EXIT_DATA;
}

static int openai_embed(provider *p, const char *const *texts, size_t n, float *vectors,
                        provider_text_result *results, int64_t *billed_tokens, char err[SV_ERR_LEN])
{
    openai_provider *op = (openai_provider *)p;
    call c = {.op = op, .n = n, .vectors = vectors, .results = results, .err = err};
    int rc = 0;
    if (n == 0)
        return 0;
    if (op->base.vt == NULL || !op->url[0])
        return sv_fail(err, SV_EXIT_USAGE, "provider '%s' was opened for a dry run only", p->name);
    if ((rc = ensure_http(op, err)))
        return rc;
    c.in = calloc(n, sizeof *c.in);
    if (!c.in)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    if ((rc = prepare(&c, texts)) || (rc = pack(&c)))
        goto cleanup;
    while (c.queue || http_in_flight(op->http)) {
        int stopping = op->cancel && *op->cancel;
        if (stopping && !http_in_flight(op->http)) {
            /* Ctrl-C: the answers already asked for are in (paid work is kept: the pipeline
             * stores those vectors); what is still queued is not sent, and no backoff or
             * Retry-After is sat out. */
            for (job *j = c.queue; j; j = j->next)
                for (size_t k = 0; k < j->n; k++)
                    results[j->idx[k]].pending = 1;
            *billed_tokens = c.any_billed ? c.billed : -1;
            rc = sv_fail(err, SV_EXIT_INTERRUPTED, "interrupted while embedding");
            goto cleanup;
        }
        double now = mono_s();
        while (!stopping && http_in_flight(op->http) < (int)op->limit) {
            job *j = take_ready(&c, now);
            if (!j)
                break;
            if ((rc = submit(&c, j))) {
                job_free(j);
                goto cleanup;
            }
            j->next = c.flying;
            c.flying = j;
        }
        double wake = next_ready(&c);
        int wait_ms = 1000;
        if (wake >= 0 && http_in_flight(op->http) < (int)op->limit)
            wait_ms = wake <= now ? 0 : (int)((wake - now) * 1000) + 1;
        if (wait_ms > 1000 || stopping) /* stopping: only the answers in flight are awaited */
            wait_ms = 1000;
        if (!http_in_flight(op->http)) {
            if (wait_ms > 0) {
                struct timespec ts = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000000L};
                nanosleep(&ts, NULL);
            }
            continue;
        }
        void *tag = NULL;
        http_response r;
        int got = http_poll(op->http, wait_ms, &tag, &r, err);
        if (got < 0) {
            rc = SV_EXIT_DATA;
            goto cleanup;
        }
        if (got == 1) {
            for (job **f = &c.flying; *f; f = &(*f)->next)
                if (*f == tag) {
                    *f = ((job *)tag)->next;
                    break;
                }
            rc = handle(&c, tag, &r);
            http_response_free(&r);
            if (rc)
                goto cleanup;
        }
    }
    *billed_tokens = c.any_billed ? c.billed : -1;
cleanup:
    if (rc && rc != SV_EXIT_INTERRUPTED) {
        /* In-flight requests belong to a run that stops: drop them with their client. */
        http_client_free(op->http);
        op->http = NULL;
    }
    for (job **list = &c.queue; list; list = list == &c.queue ? &c.flying : NULL)
        while (*list) {
            job *j = *list;
            *list = j->next;
            job_free(j);
        }
    for (size_t i = 0; i < n; i++)
        free(c.in[i].owned);
    free(c.in);
    return rc;
}

static int64_t openai_count_tokens(provider *p, const char *text)
{
    openai_provider *op = (openai_provider *)p;
    if (!op->tk)
        return pricing_estimate_tokens(text);
    size_t len = strlen(text), clean_len = 0;
    int oom = 0;
    char *clean = tiktoken_sanitize_utf8(text, len, &clean_len, &oom);
    const char *s = clean ? clean : text;
    size_t n = tiktoken_count_prefix(op->tk, s, clean ? clean_len : len, TIKTOKEN_EMBED_MAX_TOKENS, NULL);
    free(clean);
    if (oom)
        return pricing_estimate_tokens(text);
    return (int64_t)n; /* limit + 1 at most: enough to tell that the text will be cut */
}

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static void openai_free(provider *p)
{
    openai_provider *op = (openai_provider *)p;
    http_client_free(op->http);
    tiktoken_free(op->tk);
    wipe_free(op->auth);
    wipe_free(op->key);
    free(op);
}

static const provider_vtable openai_vtable = {openai_embed, openai_count_tokens, openai_free};

static int is_openai_family(const char *model)
{
    if (strncmp(model, "openai/", 7) == 0)
        model += 7;
    return strncmp(model, "text-embedding-3-", 17) == 0 || strcmp(model, "text-embedding-ada-002") == 0;
}

/* Asks the server for one embedding to learn a model's dimensions (self-hosted models). */
static int probe_dims(openai_provider *op, char err[SV_ERR_LEN])
{
    int rc = ensure_http(op, err);
    if (rc)
        return rc;
    char *b = NULL;
    size_t len = 0, cap = 0;
    if (append_str(&b, &len, &cap, "{\"model\":") || json_escape(&b, &len, &cap, op->base.model, strlen(op->base.model)) ||
        append_str(&b, &len, &cap, ",\"input\":[\"dimension probe\"],\"encoding_format\":\"float\"}")) {
        free(b);
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    }
    const char *headers[2] = {"Content-Type: application/json", op->auth};
    http_request req = {op->url, b, len, headers, op->auth ? 2 : 1};
    http_response r;
    for (int attempt = 0;; attempt++) {
        if (http_perform(op->http, &req, &r, err) != 0) {
            free(b);
            return SV_EXIT_DATA;
        }
        if (attempt < op->max_retries && (r.transport_error || retry_should(r.status, 0, NULL))) {
            double d = retry_delay_s(attempt, NULL, NULL, time(NULL), unit_random(op));
            http_response_free(&r);
            struct timespec ts = {(time_t)d, (long)((d - (time_t)d) * 1e9)};
            nanosleep(&ts, NULL);
            continue;
        }
        break;
    }
    free(b);
    char msg[SV_ERR_LEN];
    rc = 0;
    if (r.transport_error) {
        snprintf(msg, sizeof msg, "%s", r.error);
        scrub(msg, sizeof msg, op->key);
        rc = sv_fail(err, SV_EXIT_DATA, "cannot reach the embeddings API at %s: %s", op->shown_url, msg);
    } else if (r.status != 200) {
        api_message(op, &r, msg, sizeof msg);
        rc = sv_fail(err, SV_EXIT_USAGE, "asking %s for the dimensions of '%s' failed (HTTP %ld): %s; pass --dims N",
                     op->shown_url, op->base.model, r.status, msg);
    } else {
        cJSON *root = cJSON_ParseWithLength(r.body, r.body_len);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "data"), 0), "embedding");
        int dims = cJSON_IsArray(e) ? cJSON_GetArraySize(e) : 0;
        cJSON_Delete(root);
        if (dims <= 0 || dims > 65536)
            rc = sv_fail(err, SV_EXIT_USAGE, "the server did not say the dimensions of '%s': pass --dims N", op->base.model);
        else
            op->base.dims = dims;
    }
    http_response_free(&r);
    return rc;
}

static int valid_key(const char *k)
{
    for (; *k; k++)
        if ((unsigned char)*k <= 0x20 || (unsigned char)*k == 0x7f)
            return 0;
    return 1;
}

provider *provider_openai_open(const provider_config *cfg, int *exit_code, char err[SV_ERR_LEN])
{
    const char *name = cfg->name ? cfg->name : "openai";
    int router = strcmp(name, "openrouter") == 0;
    const char *model = cfg->model ? cfg->model : router ? "openai/text-embedding-3-small" : "text-embedding-3-small";
    const char *base = cfg->base_url;
    if (!base || !*base)
        base = router ? OPENROUTER_BASE : dotenv_get("OPENAI_BASE_URL");
    if (!base || !*base)
        base = OPENAI_BASE;
    const char *key_var = router ? "OPENROUTER_API_KEY" : "OPENAI_API_KEY";
    const char *key = dotenv_get(key_var);
    int official = strstr(base, "://api.openai.com") || strstr(base, "://openrouter.ai");
    openai_provider *op = NULL;

    if (cfg->base_url && !*cfg->base_url) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE, "option --base-url: the URL is empty");
        return NULL;
    }
    /* Checked before the URL is ever shown: it may carry credentials (user:pass@). */
    size_t scheme = strncmp(base, "http://", 7) == 0 ? 7 : strncmp(base, "https://", 8) == 0 ? 8 : 0;
    if (!scheme) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "base URL must start with http:// or https:// (it starts with '%.*s')",
                             (int)strcspn(base, ":/@"), base);
        return NULL;
    }
    if (base[scheme] == '\0' || base[scheme] == '/' || base[scheme] == '@' ||
        strpbrk(base, "?#")) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "base URL needs a host and no query or fragment, like "
                             "http://localhost:11434/v1");
        return NULL;
    }
    if (strlen(model) >= PROVIDER_MODEL_LEN || !*model) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE, "model id must be 1 to %d characters", PROVIDER_MODEL_LEN - 1);
        return NULL;
    }
    double price = pricing_usd_per_mtok(model);
    if (price < 0 && official) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "no price known for model '%s': use text-embedding-3-small, "
                             "text-embedding-3-large or text-embedding-ada-002",
                             model);
        return NULL;
    }
    if (key && !valid_key(key)) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE, "%s contains spaces or control characters: set it to the key alone", key_var);
        return NULL;
    }
    if (!cfg->offline && official && !key) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "%s is not set: export it or add %s=... to ./.env ('samplevec embed "
                             "--dry-run' estimates the cost without a key)",
                             key_var, key_var);
        return NULL;
    }
    op = calloc(1, sizeof *op);
    if (!op)
        goto oom;
    op->base.vt = &openai_vtable;
    snprintf(op->base.name, sizeof op->base.name, "%s", name);
    snprintf(op->base.model, sizeof op->base.model, "%s", model);
    const char *names[1] = {model}; /* e.g. nomic-embed-text served by Ollama */
    prompts_for(NULL, names, 1, &op->base.prompts);
    op->key_var = key_var;
    op->openai_family = is_openai_family(model);
    const char *bare = strncmp(model, "openai/", 7) == 0 ? model + 7 : model;
    int native = strcmp(bare, "text-embedding-3-large") == 0 ? 3072 : 1536;
    if (cfg->dims && op->openai_family && cfg->dims > native) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE, "--dims %d is more than %s has (%d)", cfg->dims, model, native);
        goto fail;
    }
    if (cfg->dims && op->openai_family && strncmp(bare, "text-embedding-3-", 17) != 0 && cfg->dims != native) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE, "%s has a fixed size of %d dimensions: drop --dims", model, native);
        goto fail;
    }
    op->base.dims = cfg->dims ? cfg->dims : native;
    op->send_dimensions = cfg->dims && strncmp(bare, "text-embedding-3-", 17) == 0;
    op->base.usd_per_mtok = price < 0 ? 0 : price;
    op->batch_size = cfg->batch_size > 0 ? cfg->batch_size : 100;
    if (op->batch_size > MAX_INPUTS_PER_REQUEST)
        op->batch_size = MAX_INPUTS_PER_REQUEST;
    op->concurrency = cfg->concurrency > 0 ? cfg->concurrency : 4;
    op->max_retries = cfg->max_retries >= 0 ? cfg->max_retries : 5;
    op->verbose = cfg->verbose;
    op->cancel = cfg->cancel;
    op->use_base64 = 1;
    op->limit = op->concurrency;
    op->rng = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16) ^ 0x9e3779b9u;
    /* Four rounds of requests per chunk: a request waiting out a Retry-After or a backoff
     * then overlaps the chunk's other requests instead of stalling the pipeline, which commits
     * chunk by chunk (bench/remote.sh: with 5% 429s and 5% 500s, one round per chunk ran at
     * about 210 samples/s, four rounds at about 600). Capped so vectors stay under ~50 MB. */
    size_t round = (size_t)op->batch_size * (size_t)op->concurrency;
    op->base.chunk_size = round * 4 > 8192 ? (round > 8192 ? round : 8192) : round * 4;

    if (op->openai_family) {
        char terr[SV_ERR_LEN];
        op->tk = tiktoken_load(tiktoken_default_path(cfg->vocab), terr);
        if (!op->tk && cfg->vocab) { /* asked for by name: a bad file is an error, not a hint */
            *exit_code = sv_fail(err, SV_EXIT_DATA, "--vocab: %s", terr);
            goto fail;
        }
        if (!op->tk && (cfg->offline || cfg->verbose))
            msg_warn("token counts are estimates: %s (run scripts/fetch-vocab.sh, or point "
                     "SAMPLEVEC_TIKTOKEN at a cl100k_base file)",
                     terr);
        op->base.tokens_exact = op->tk != NULL;
        op->base.max_input_tokens = op->tk ? TIKTOKEN_EMBED_MAX_TOKENS : 0; /* cut only when counted */
    }
    if (cfg->offline)
        return &op->base; /* no key, no URL needed: count_tokens only */

    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    if (blen + sizeof "/embeddings" > sizeof op->url) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE, "base URL is too long (%zu bytes)", blen);
        goto fail;
    }
    snprintf(op->url, sizeof op->url, "%.*s/embeddings", (int)blen, base);
    /* Credentials in the URL (https://user:secret@host/v1) never reach a message. */
    const char *host = strstr(op->url, "://") + 3, *at = strchr(host, '@'), *slash = strchr(host, '/');
    if (at && (!slash || at < slash))
        snprintf(op->shown_url, sizeof op->shown_url, "%.*s[redacted]@%s", (int)(host - op->url), op->url, at + 1);
    else
        snprintf(op->shown_url, sizeof op->shown_url, "%s", op->url);
    if (key) {
        size_t n = strlen(key) + sizeof "Authorization: Bearer ";
        if (!(op->auth = malloc(n)) || !(op->key = strdup(key)))
            goto oom;
        snprintf(op->auth, n, "Authorization: Bearer %s", key);
    }
    if (!cfg->dims && !op->openai_family) {
        int rc = probe_dims(op, err);
        if (rc) {
            *exit_code = rc;
            goto fail;
        }
    }
    return &op->base;
oom:
    *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
fail:
    if (op)
        openai_free(&op->base);
    return NULL;
}
