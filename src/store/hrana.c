/* hrana: Hrana-over-HTTP client on the shared http (libcurl multi) and retry modules. See
 * hrana.h for the protocol. */
#include "hrana.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "retry.h"

#define HRANA_URL_LEN 1024

#define HRANA_POOL 4 /* concurrent runs per client */

struct hrana_client {
    char url[HRANA_URL_LEN]; /* scheme://host[:port][/path], no trailing slash */
    char *token;             /* owned; NULL = none */
    char *auth_header;       /* "Authorization: Bearer …", owned */
    hrana_options opt;
    http_options http_opt;
    /* http clients, kept for the client's life so connections stay alive between calls (a TLS
     * handshake per chunk would dominate on Turso cloud). Each is single-threaded: a run
     * borrows one, so runs on several threads (the pipeline's writer and its lookups) go on
     * at the same time. */
    http_client *pool[HRANA_POOL];
    int pool_busy[HRANA_POOL];
    pthread_mutex_t lock;    /* guards pool/pool_busy */
    pthread_cond_t pool_free;
    pthread_mutex_t probe_lock; /* one version probe at a time */
    pthread_mutex_t rand_lock; /* guards rand_state */
    atomic_int version;      /* 0 unknown, 2 or 3 */
    atomic_int no_close;     /* the server rejected {"type":"close"} once */
    unsigned rand_state;     /* jitter */
    const volatile sig_atomic_t *cancel; /* see hrana_client_set_cancel */
};

/* ---------------------------------------------------------------- options */

static long env_long(const char *name, long fallback, long lo, long hi)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || x < lo || x > hi)
        return fallback;
    return x;
}

void hrana_options_default(hrana_options *o)
{
    o->max_retries = (int)env_long("SAMPLEVEC_TURSO_RETRIES", 6, 0, 100);
    o->timeout_ms = env_long("SAMPLEVEC_TURSO_TIMEOUT_MS", 120000, 100, 3600000);
    o->connect_timeout_ms = o->timeout_ms < 10000 ? o->timeout_ms : 10000;
    o->max_response = (size_t)64 << 20;
    /* 2: bench/turso.sh, tursodb serves 2 × 250 rows in flight best; 4 cost ~10% there (a
     * far-away server may want more: SAMPLEVEC_TURSO_INFLIGHT) */
    o->max_inflight = (int)env_long("SAMPLEVEC_TURSO_INFLIGHT", 2, 1, 64);
}

/* ---------------------------------------------------------------- client */


hrana_client *hrana_client_new(const char *url, const char *token, const hrana_options *opt,
                               char err[SV_ERR_LEN])
{
    const char *rest;
    const char *scheme;
    if (strncmp(url, "libsql://", 9) == 0) {
        scheme = "https://"; /* libsql:// is Turso's name for HTTPS (or WebSockets) */
        rest = url + 9;
    } else if (strncmp(url, "https://", 8) == 0) {
        scheme = "https://";
        rest = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        scheme = "http://";
        rest = url + 7;
    } else {
        sv_fail(err, SV_EXIT_USAGE, "'%.200s' is not a libsql://, https:// or http:// URL", url);
        return NULL;
    }
    size_t host_len = strcspn(rest, "?#");
    if (host_len == 0 || rest[0] == '/') {
        sv_fail(err, SV_EXIT_USAGE, "store URL '%s…' has no host name", scheme);
        return NULL;
    }
    for (size_t i = 0; i < host_len; i++)
        if ((unsigned char)rest[i] <= ' ' || rest[i] == '@') {
            /* user:password@ would put a secret in every message that names the store */
            sv_fail(err, SV_EXIT_USAGE,
                    "store URL has a space, control character or user@ part; give the token in "
                    "TURSO_AUTH_TOKEN instead");
            return NULL;
        }
    while (host_len > 0 && rest[host_len - 1] == '/')
        host_len--;
    if (strlen(scheme) + host_len >= HRANA_URL_LEN) {
        sv_fail(err, SV_EXIT_USAGE, "store URL is longer than %d bytes", HRANA_URL_LEN - 1);
        return NULL;
    }
    /* authToken in the query string (libsql client URLs allow it) is a secret: take it out of
     * the URL and use it when no token was given. */
    char *query_token = NULL;
    const char *q = strchr(rest, '?');
    if (q) {
        const char *p = strstr(q, "authToken=");
        if (p && (p[-1] == '?' || p[-1] == '&')) {
            p += 10;
            size_t n = strcspn(p, "&#");
            query_token = strndup(p, n);
        }
    }
    hrana_client *c = calloc(1, sizeof *c);
    if (!c) {
        free(query_token);
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->pool_free, NULL);
    pthread_mutex_init(&c->probe_lock, NULL);
    pthread_mutex_init(&c->rand_lock, NULL);
    snprintf(c->url, sizeof c->url, "%s%.*s", scheme, (int)host_len, rest);
    if (opt)
        c->opt = *opt;
    else
        hrana_options_default(&c->opt);
    if (c->opt.max_inflight < 1)
        c->opt.max_inflight = 1;
    if (c->opt.max_response == 0)
        c->opt.max_response = (size_t)64 << 20;
    const char *tok = token && *token ? token : query_token;
    if (tok && *tok) {
        c->token = strdup(tok);
        size_t n = strlen(tok) + 32;
        c->auth_header = malloc(n);
        if (!c->token || !c->auth_header) {
            free(query_token);
            hrana_client_free(c);
            sv_fail(err, SV_EXIT_DATA, "out of memory");
            return NULL;
        }
        snprintf(c->auth_header, n, "Authorization: Bearer %s", tok);
    }
    free(query_token);
    c->rand_state = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)c;
    c->http_opt = (http_options){
        .connect_timeout_ms = c->opt.connect_timeout_ms,
        .timeout_ms = c->opt.timeout_ms,
        .max_body = c->opt.max_response,
        .max_connections = c->opt.max_inflight + 1,
    };
    if (!(c->pool[0] = http_client_new(&c->http_opt, err))) {
        hrana_client_free(c);
        return NULL;
    }
    return c;
}

void hrana_client_free(hrana_client *c)
{
    if (!c)
        return;
    if (c->token) /* do not leave the secret in freed memory */
        memset(c->token, 0, strlen(c->token));
    if (c->auth_header)
        memset(c->auth_header, 0, strlen(c->auth_header));
    free(c->token);
    free(c->auth_header);
    for (int k = 0; k < HRANA_POOL; k++)
        http_client_free(c->pool[k]);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->pool_free);
    pthread_mutex_destroy(&c->probe_lock);
    pthread_mutex_destroy(&c->rand_lock);
    free(c);
}

const char *hrana_client_url(const hrana_client *c) { return c->url; }
void hrana_client_set_cancel(hrana_client *c, const volatile sig_atomic_t *flag) { c->cancel = flag; }
static int cancelled(const hrana_client *c) { return c->cancel && *c->cancel; }
int hrana_client_version(const hrana_client *c) { return c->version; }

void hrana_scrub(const hrana_client *c, char *s)
{
    if (!c || !c->token || !s)
        return;
    size_t tl = strlen(c->token);
    if (tl == 0)
        return;
    char *p;
    while ((p = strstr(s, c->token)) != NULL) {
        memcpy(p, "***", 3);
        memmove(p + 3, p + tl, strlen(p + tl) + 1);
    }
}

/* At most outcap-1 bytes of src[0..len) into out, control characters as spaces, the token
 * scrubbed *before* cutting (a token straddling the cut must not survive as a prefix). */
static void scrubbed_excerpt(const hrana_client *c, const char *src, size_t len, char *out,
                             size_t outcap)
{
    /* The whole text is scrubbed before it is cut: each "***" shortens it, which can pull a
     * later copy of the token inside the cut (bodies are capped by hrana's response limit). */
    size_t take = len;
    char *tmp = malloc(take + 1);
    if (!tmp) {
        out[0] = '\0';
        return;
    }
    memcpy(tmp, src, take);
    tmp[take] = '\0';
    for (char *p = tmp; *p; p++)
        if ((unsigned char)*p < ' ')
            *p = ' ';
    hrana_scrub(c, tmp);
    snprintf(out, outcap, "%s", tmp);
    free(tmp);
}

/* ---------------------------------------------------------------- bodies */

void hrana_body_json_str(strbuf *b, const char *s)
{
    if (!s) {
        strbuf_add(b, "null", 4);
        return;
    }
    size_t n = strlen(s);
    if (strbuf_reserve(b, n * 6 + 2)) /* worst case: every byte as \u00XX */
        return;
    char *o = b->s + b->len;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        switch (ch) {
        case '"': *o++ = '\\'; *o++ = '"'; break;
        case '\\': *o++ = '\\'; *o++ = '\\'; break;
        case '\n': *o++ = '\\'; *o++ = 'n'; break;
        case '\r': *o++ = '\\'; *o++ = 'r'; break;
        case '\t': *o++ = '\\'; *o++ = 't'; break;
        default:
            if (ch < 0x20) {
                o += sprintf(o, "\\u%04x", ch);
            } else {
                *o++ = (char)ch; /* UTF-8 passes through; the library text is UTF-8 */
            }
        }
    }
    *o++ = '"';
    *o = '\0';
    b->len = (size_t)(o - b->s);
}

void hrana_arg_null(strbuf *b, int comma)
{
    strbuf_add_str(b, comma ? ",{\"type\":\"null\"}" : "{\"type\":\"null\"}");
}

void hrana_arg_int(strbuf *b, int comma, int64_t v)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%s{\"type\":\"integer\",\"value\":\"%" PRId64 "\"}",
                     comma ? "," : "", v);
    strbuf_add(b, tmp, (size_t)n);
}

void hrana_arg_float(strbuf *b, int comma, double v)
{
    if (!isfinite(v)) { /* JSON has no NaN/Inf */
        hrana_arg_null(b, comma);
        return;
    }
    char tmp[80];
    /* %.17g round-trips every double */
    int n = snprintf(tmp, sizeof tmp, "%s{\"type\":\"float\",\"value\":%.17g}", comma ? "," : "", v);
    strbuf_add(b, tmp, (size_t)n);
}

void hrana_arg_text(strbuf *b, int comma, const char *s)
{
    if (!s) {
        hrana_arg_null(b, comma);
        return;
    }
    strbuf_add_str(b, comma ? ",{\"type\":\"text\",\"value\":" : "{\"type\":\"text\",\"value\":");
    hrana_body_json_str(b, s);
    strbuf_add(b, "}", 1);
}

void hrana_arg_blob(strbuf *b, int comma, const void *data, size_t n)
{
    strbuf_add_str(b, comma ? ",{\"type\":\"blob\",\"base64\":\"" : "{\"type\":\"blob\",\"base64\":\"");
    if (strbuf_reserve(b, (n + 2) / 3 * 4 + 2))
        return;
    b->len += hrana_base64_encode(data, n, b->s + b->len);
    strbuf_add(b, "\"}", 2);
}

/* ---------------------------------------------------------------- base64 */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 12 bits → 2 output characters per lookup: a 1536-dim vector is 6 KiB of base64 per row,
 * the largest cost of building a request (perf, bench/turso.sh's store run). */
static char b64_pairs[4096][2];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;
static void b64_pairs_init(void)
{
    for (int i = 0; i < 4096; i++) {
        b64_pairs[i][0] = b64_alphabet[i >> 6];
        b64_pairs[i][1] = b64_alphabet[i & 63];
    }
}

size_t hrana_base64_encode(const unsigned char *in, size_t n, char *out)
{
    pthread_once(&b64_once, b64_pairs_init);
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        memcpy(o, b64_pairs[v >> 12], 2);
        memcpy(o + 2, b64_pairs[v & 4095], 2);
        o += 4;
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[(v >> 12) & 63];
        *o++ = b64_alphabet[(v >> 6) & 63];
    }
    *o = '\0';
    return (size_t)(o - out);
}

static int b64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+' || ch == '-') return 62; /* '-' '_': the URL-safe alphabet, read leniently */
    if (ch == '/' || ch == '_') return 63;
    return -1;
}

long hrana_base64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    while (len > 0 && in[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return -1;
    size_t nbytes = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (nbytes > cap || nbytes > (size_t)LONG_MAX)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return (long)o;
}

/* ---------------------------------------------------------------- values */

const char *hrana_value_type(const cJSON *v)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "type");
    return cJSON_IsString(t) ? t->valuestring : "";
}

int hrana_value_int(const cJSON *v, int64_t *out)
{
    if (strcmp(hrana_value_type(v), "integer") != 0)
        return 1;
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, "value");
    if (cJSON_IsNumber(x)) { /* lenient: some servers send small integers as numbers */
        *out = (int64_t)x->valuedouble;
        return 0;
    }
    if (!cJSON_IsString(x))
        return 1;
    char *end;
    errno = 0;
    long long n = strtoll(x->valuestring, &end, 10);
    if (errno || end == x->valuestring || *end)
        return 1;
    *out = n;
    return 0;
}

int hrana_value_float(const cJSON *v, double *out)
{
    const char *t = hrana_value_type(v);
    if (strcmp(t, "integer") == 0) {
        int64_t i;
        if (hrana_value_int(v, &i))
            return 1;
        *out = (double)i;
        return 0;
    }
    if (strcmp(t, "float") != 0)
        return 1;
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, "value");
    if (!cJSON_IsNumber(x))
        return 1;
    *out = x->valuedouble;
    return 0;
}

const char *hrana_value_text(const cJSON *v)
{
    if (strcmp(hrana_value_type(v), "text") != 0)
        return NULL;
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, "value");
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

long hrana_value_blob(const cJSON *v, unsigned char *out, size_t cap)
{
    if (strcmp(hrana_value_type(v), "blob") != 0)
        return -1;
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, "base64");
    if (!cJSON_IsString(x))
        return -1;
    return hrana_base64_decode(x->valuestring, strlen(x->valuestring), out, cap);
}

int hrana_error_is_transient(const char *code, const char *message)
{
    static const char *const words[] = {"BLOCKED", "QUOTA", "BUSY", "LOCKED", "RATE_LIMIT",
                                        "database is locked", "Database is locked",
                                        "quota", "blocked", "busy", "rate limit"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if ((code && strstr(code, words[i])) || (message && strstr(message, words[i])))
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- reading results */

static void error_text(hrana_client *c, const cJSON *e, char err[SV_ERR_LEN])
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    char cbuf[64], mbuf[400];
    const char *cs = cJSON_IsString(code) ? code->valuestring : "";
    const char *ms = cJSON_IsString(m) ? m->valuestring : "(no message)";
    scrubbed_excerpt(c, cs, strlen(cs), cbuf, sizeof cbuf);
    scrubbed_excerpt(c, ms, strlen(ms), mbuf, sizeof mbuf);
    snprintf(err, SV_ERR_LEN, "%s%s%s", cbuf, cbuf[0] ? ": " : "", mbuf);
}

/* The response object of result i when it is ok, else NULL with err. */
static const cJSON *result_response(hrana_client *c, const hrana_call *call, int i,
                                    char err[SV_ERR_LEN])
{
    const cJSON *r = cJSON_GetArrayItem(call->results, i);
    if (!r) {
        snprintf(err, SV_ERR_LEN, "the server sent no result for request %d", i);
        return NULL;
    }
    const char *t = hrana_value_type(r);
    if (strcmp(t, "error") == 0) {
        error_text(c, cJSON_GetObjectItemCaseSensitive(r, "error"), err);
        return NULL;
    }
    const cJSON *resp = cJSON_GetObjectItemCaseSensitive(r, "response");
    if (strcmp(t, "ok") != 0 || !cJSON_IsObject(resp)) {
        snprintf(err, SV_ERR_LEN, "malformed result for request %d", i);
        return NULL;
    }
    return resp;
}

const cJSON *hrana_execute_result(hrana_client *c, const hrana_call *call, int i,
                                  char err[SV_ERR_LEN])
{
    const cJSON *resp = result_response(c, call, i, err);
    if (!resp)
        return NULL;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(resp, "result");
    if (!cJSON_IsObject(res) || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(res, "rows"))) {
        snprintf(err, SV_ERR_LEN, "malformed execute result for request %d", i);
        return NULL;
    }
    return res;
}

int hrana_batch_ok(hrana_client *c, const hrana_call *call, int i, int must_succeed,
                   char err[SV_ERR_LEN])
{
    const cJSON *resp = result_response(c, call, i, err);
    if (!resp)
        return 1;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(resp, "result");
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(res, "step_results");
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(res, "step_errors");
    if (!cJSON_IsArray(results) || !cJSON_IsArray(errors)) {
        snprintf(err, SV_ERR_LEN, "malformed batch result for request %d", i);
        return 1;
    }
    for (int k = 0; k <= must_succeed; k++) {
        const cJSON *e = cJSON_GetArrayItem(errors, k);
        if (e && cJSON_IsObject(e)) {
            char inner[SV_ERR_LEN];
            error_text(c, e, inner);
            snprintf(err, SV_ERR_LEN, "step %d: %.450s", k, inner);
            return 1;
        }
    }
    const cJSON *last = cJSON_GetArrayItem(results, must_succeed);
    if (!last || cJSON_IsNull(last)) {
        snprintf(err, SV_ERR_LEN, "step %d did not run (an earlier step failed)", must_succeed);
        return 1;
    }
    return 0;
}

/* A transient Hrana error anywhere in a response (request errors, batch step errors). */
static int response_has_transient_error(const cJSON *results)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, results) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
        if (cJSON_IsObject(e)) {
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
            if (hrana_error_is_transient(cJSON_IsString(code) ? code->valuestring : NULL,
                                         cJSON_IsString(m) ? m->valuestring : NULL))
                return 1;
        }
        const cJSON *resp = cJSON_GetObjectItemCaseSensitive(r, "response");
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(resp, "result");
        const cJSON *errs = cJSON_GetObjectItemCaseSensitive(res, "step_errors");
        const cJSON *se;
        cJSON_ArrayForEach(se, errs) {
            if (!cJSON_IsObject(se))
                continue;
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(se, "code");
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(se, "message");
            if (hrana_error_is_transient(cJSON_IsString(code) ? code->valuestring : NULL,
                                         cJSON_IsString(m) ? m->valuestring : NULL))
                return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- transport */

typedef struct job {
    hrana_call *call;
    double next_ms;       /* earliest (re)start, monotonic ms */
    int sent_close;       /* the body in flight carried {"type":"close"} */
} job;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Sleeps ms in 50 ms slices; returns early (1) once the client's cancel flag is set. */
static int sleep_ms(const hrana_client *c, double ms)
{
    double end = now_ms() + ms;
    for (double left = ms; left > 0; left = end - now_ms()) {
        if (cancelled(c))
            return 1;
        double slice = left < 50 ? left : 50;
        struct timespec ts = {0, (long)(slice * 1e6)};
        nanosleep(&ts, NULL);
    }
    return cancelled(c);
}

static double unit_random(hrana_client *c)
{
    pthread_mutex_lock(&c->rand_lock);
    c->rand_state = c->rand_state * 1103515245u + 12345u;
    unsigned r = c->rand_state;
    pthread_mutex_unlock(&c->rand_lock);
    return (double)((r >> 8) % 1000000u) / 1e6;
}

/* retry.h's wait before retry number n (0-based), honouring Retry-After / retry-after-ms. */
static double backoff_ms(hrana_client *c, int n, const http_response *resp)
{
    char after_ms[64], after[128];
    int has_ms = resp && http_response_header(resp, "retry-after-ms", after_ms, sizeof after_ms);
    int has_s = resp && http_response_header(resp, "retry-after", after, sizeof after);
    return 1000.0 * retry_delay_s(n, has_ms ? after_ms : NULL, has_s ? after : NULL, time(NULL),
                                  unit_random(c));
}

static void add_headers(hrana_client *c, http_request *req, const char *hdr[3])
{
    size_t n = 0;
    hdr[n++] = "Content-Type: application/json";
    if (c->auth_header)
        hdr[n++] = c->auth_header;
    req->headers = hdr;
    req->n_headers = n;
}

/* GET {url}/v3: 2xx → the server speaks Hrana 3 pipelines; anything else (404 from tursodb
 * and older sqld) → v2. 0 with err when unreachable (*transient) or refused. */
static int probe_version(hrana_client *c, http_client *http, char err[SV_ERR_LEN], int *transient,
                         double *wait_ms, int n)
{
    char url[HRANA_URL_LEN + 8];
    snprintf(url, sizeof url, "%s/v3", c->url);
    http_request req = {.url = url};
    const char *hdr[3];
    add_headers(c, &req, hdr);
    req.n_headers = c->auth_header ? 2 : 1;
    http_response resp;
    *transient = 0;
    if (http_perform(http, &req, &resp, err) != 0)
        return 0;
    int v = 0;
    if (resp.transport_error || retry_should(resp.status, 0, NULL)) {
        *transient = 1;
        if (resp.transport_error)
            snprintf(err, SV_ERR_LEN, "%s", resp.error);
        else
            snprintf(err, SV_ERR_LEN, "HTTP %ld", resp.status);
        *wait_ms = backoff_ms(c, n, &resp);
    } else if (resp.status == 401 || resp.status == 403) {
        snprintf(err, SV_ERR_LEN,
                 "the server refused the credentials (HTTP %ld): check TURSO_AUTH_TOKEN", resp.status);
    } else {
        v = resp.status >= 200 && resp.status < 300 ? 3 : 2;
    }
    http_response_free(&resp);
    return v;
}

/* Sets c->version, retrying an unreachable server like any request. */
static int probe_with_retries(hrana_client *c, http_client *http, char err[SV_ERR_LEN])
{
    char last[SV_ERR_LEN] = "";
    for (int attempt = 0; c->version == 0; attempt++) {
        int transient = 0;
        double wait = 0;
        int v = probe_version(c, http, last, &transient, &wait, attempt);
        if (v) {
            c->version = v;
            break;
        }
        if (!transient || attempt >= c->opt.max_retries) {
            hrana_scrub(c, last);
            if (!transient)
                return sv_fail(err, SV_EXIT_DATA, "Turso store %s: %s", c->url, last);
            return sv_fail(err, SV_EXIT_DATA,
                           "Turso store %s unreachable: gave up after %d attempts (last error: "
                           "%.300s)",
                           c->url, attempt + 1, last);
        }
        if (sleep_ms(c, wait))
            return sv_fail(err, SV_EXIT_INTERRUPTED,
                           "interrupted while Turso store %s was unreachable (last error: %.300s)",
                           c->url, last);
    }
    return 0;
}

/* Starts jobs[j] on the wire. */
static int job_submit(hrana_client *c, http_client *http, job *jb, strbuf *body,
                      char err[SV_ERR_LEN])
{
    hrana_call *call = jb->call;
    if (!call->requests && call->build && call->build(call->build_ctx, call) != 0)
        return sv_fail(err, SV_EXIT_DATA, "out of memory building a request");
    if (!call->requests)
        return sv_fail(err, SV_EXIT_DATA, "internal error: a call without requests");
    jb->sent_close = !c->no_close;
    strbuf_clear(body);
    strbuf_add_str(body, "{\"baton\":null,\"requests\":[");
    strbuf_add(body, call->requests, call->requests_len);
    if (jb->sent_close)
        strbuf_add_str(body, call->requests_len ? ",{\"type\":\"close\"}" : "{\"type\":\"close\"}");
    strbuf_add_str(body, "]}");
    if (body->oom)
        return sv_fail(err, SV_EXIT_DATA, "out of memory building a request");
    char url[HRANA_URL_LEN + 16];
    snprintf(url, sizeof url, "%s/v%d/pipeline", c->url, (int)c->version);
    http_request req = {.url = url, .body = body->s, .body_len = body->len};
    const char *hdr[3];
    add_headers(c, &req, hdr);
    call->attempts++;
    return http_submit(http, &req, jb, err); /* the body is copied */
}

enum outcome { OUT_OK, OUT_RETRY, OUT_FATAL, OUT_RESEND /* at once, no backoff */ };

/* Classifies a finished transfer; on OUT_OK the call owns the parsed response. */
static enum outcome job_finish(hrana_client *c, job *jb, http_response *resp, char msg[SV_ERR_LEN])
{
    if (resp->transport_error) {
        snprintf(msg, SV_ERR_LEN, "%s", resp->error);
        if (strstr(resp->error, "larger than")) { /* http.c's body cap: not worth a retry */
            snprintf(msg, SV_ERR_LEN, "the response is larger than the %zu MiB cap",
                     c->opt.max_response >> 20);
            return OUT_FATAL;
        }
        return OUT_RETRY; /* refused, reset, timed out, empty reply, truncated, DNS */
    }
    long status = resp->status;
    if (status < 200 || status >= 300) {
        /* the body may be HTML or may quote the request: a short, scrubbed excerpt */
        char excerpt[160] = "";
        if (resp->body)
            scrubbed_excerpt(c, resp->body, resp->body_len, excerpt, sizeof excerpt);
        if (jb->sent_close && resp->body && strstr(resp->body, "close") &&
            (strstr(resp->body, "unknown variant") || strstr(resp->body, "unsupported") ||
             strstr(resp->body, "not supported"))) {
            c->no_close = 1; /* e.g. tursodb: "unknown variant `close`" */
            return OUT_RESEND;
        }
        if (status == 401 || status == 403) {
            snprintf(msg, SV_ERR_LEN,
                     "the server refused the credentials (HTTP %ld): check TURSO_AUTH_TOKEN", status);
            return OUT_FATAL;
        }
        snprintf(msg, SV_ERR_LEN, "HTTP %ld%s%s", status, excerpt[0] ? ": " : "", excerpt);
        char xsr[16];
        int has_xsr = http_response_header(resp, "x-should-retry", xsr, sizeof xsr);
        if (retry_should(status, 0, has_xsr ? xsr : NULL))
            return OUT_RETRY;
        if (status == 404)
            snprintf(msg, SV_ERR_LEN, "HTTP 404 for /v%d/pipeline: no Hrana server at this URL",
                     (int)c->version);
        return OUT_FATAL;
    }
    cJSON *root = resp->body ? cJSON_ParseWithLength(resp->body, resp->body_len) : NULL;
    cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    if (!cJSON_IsArray(results)) {
        cJSON_Delete(root);
        snprintf(msg, SV_ERR_LEN, "the server's answer is not a Hrana pipeline response");
        return OUT_RETRY;
    }
    if (response_has_transient_error(results)) {
        cJSON_Delete(root);
        snprintf(msg, SV_ERR_LEN, "the server is busy or blocked (quota?)");
        return OUT_RETRY;
    }
    hrana_call_clear(jb->call);
    jb->call->response = root;
    jb->call->results = results;
    return OUT_OK;
}

void hrana_call_clear(hrana_call *call)
{
    cJSON_Delete(call->response);
    call->response = NULL;
    call->results = NULL;
}

int hrana_run(hrana_client *c, hrana_call *calls, size_t n, char err[SV_ERR_LEN])
{
    if (n == 0)
        return 0;
    /* borrow an http client (runs on other threads keep theirs) */
    int slot = -1, rc = 0;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        for (int k = 0; k < HRANA_POOL && slot < 0; k++)
            if (!c->pool_busy[k])
                slot = k;
        if (slot >= 0)
            break;
        pthread_cond_wait(&c->pool_free, &c->lock);
    }
    c->pool_busy[slot] = 1;
    pthread_mutex_unlock(&c->lock);
    if (!c->pool[slot] && !(c->pool[slot] = http_client_new(&c->http_opt, err))) {
        rc = SV_EXIT_DATA;
        goto release;
    }
    http_client *http = c->pool[slot];
    if (c->version == 0) {
        pthread_mutex_lock(&c->probe_lock);
        if (c->version == 0)
            rc = probe_with_retries(c, http, err);
        pthread_mutex_unlock(&c->probe_lock);
        if (rc)
            goto release;
    }
    size_t n_waiting = 0, done = 0;
    int inflight = 0;
    char last_msg[SV_ERR_LEN] = ""; /* the last failure that is being retried */
    job *jobs = calloc(n, sizeof *jobs);
    size_t *waiting = calloc(n, sizeof *waiting); /* job indices not on the wire, not done */
    strbuf body = {0};
    if (!jobs || !waiting) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        jobs[i].call = &calls[i];
        calls[i].attempts = 0;
        waiting[i] = i;
    }
    n_waiting = n;
    while (done < n) {
        /* interrupted while something waits to be retried: give up now (a healthy request on
         * the wire is left to finish; a failing one could keep us here for its backoffs) */
        if (cancelled(c)) {
            int retrying = 0;
            for (size_t w = 0; w < n_waiting && !retrying; w++)
                retrying = jobs[waiting[w]].call->attempts > 0;
            if (retrying) {
                goto interrupted;
            }
        }
        /* start what is due, in order, up to max_inflight */
        double now = now_ms();
        for (size_t w = 0; w < n_waiting && inflight < c->opt.max_inflight;) {
            job *jb = &jobs[waiting[w]];
            if (jb->next_ms > now) {
                w++;
                continue;
            }
            if ((rc = job_submit(c, http, jb, &body, err)))
                goto cleanup;
            inflight++;
            memmove(&waiting[w], &waiting[w + 1], (n_waiting - w - 1) * sizeof *waiting);
            n_waiting--;
        }
        if (inflight == 0) { /* only backoffs pending: sleep until the earliest */
            double soonest = 1e300;
            for (size_t w = 0; w < n_waiting; w++)
                if (jobs[waiting[w]].next_ms < soonest)
                    soonest = jobs[waiting[w]].next_ms;
            if (sleep_ms(c, soonest - now_ms())) {
                goto interrupted;
            }
            continue;
        }
        void *tag = NULL;
        http_response resp;
        int got = http_poll(http, 100, &tag, &resp, err);
        if (got < 0) {
            rc = SV_EXIT_DATA;
            goto cleanup;
        }
        if (got == 0)
            continue;
        inflight--;
        job *jb = tag;
        char msg[SV_ERR_LEN];
        enum outcome o = job_finish(c, jb, &resp, msg);
        if (o == OUT_OK) {
            done++;
        } else if (o == OUT_RESEND) {
            jb->call->attempts--; /* a protocol negotiation, not a failure */
            jb->next_ms = 0;
            waiting[n_waiting++] = (size_t)(jb - jobs);
        } else if (o == OUT_RETRY && jb->call->attempts <= c->opt.max_retries) {
            snprintf(last_msg, sizeof last_msg, "%s", msg);
            jb->next_ms = now_ms() + backoff_ms(c, jb->call->attempts - 1, &resp);
            waiting[n_waiting++] = (size_t)(jb - jobs);
        } else {
            hrana_scrub(c, msg);
            if (o == OUT_RETRY)
                rc = sv_fail(err, SV_EXIT_DATA,
                             "Turso store %s unreachable: gave up after %d attempts (last "
                             "error: %.300s)",
                             c->url, jb->call->attempts, msg);
            else
                rc = sv_fail(err, SV_EXIT_DATA, "Turso store %s: %.400s", c->url, msg);
        }
        http_response_free(&resp);
        if (rc)
            goto cleanup;
    }
    goto cleanup;
interrupted:
    hrana_scrub(c, last_msg);
    rc = sv_fail(err, SV_EXIT_INTERRUPTED,
                 "interrupted while Turso store %s was unreachable (last error: %.300s)", c->url,
                 last_msg);
cleanup:
    if (inflight > 0) {
        /* a failed run abandons its other transfers (every request is safe to have happened
         * or not): a fresh http client aborts them instead of waiting out their timeouts */
        http_client_free(c->pool[slot]);
        c->pool[slot] = NULL; /* made again by the next run that borrows the slot */
    }
    strbuf_free(&body);
    free(jobs);
    free(waiting);
release:
    pthread_mutex_lock(&c->lock);
    c->pool_busy[slot] = 0;
    pthread_cond_signal(&c->pool_free);
    pthread_mutex_unlock(&c->lock);
    return rc;
}
