/* hrana: Hrana-over-HTTP client on libcurl's multi interface. See hrana.h for the protocol. */
#include "hrana.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define HRANA_URL_LEN 1024
#define HRANA_BACKOFF_BASE_MS 250
#define HRANA_BACKOFF_CAP_MS 8000

struct hrana_client {
    char url[HRANA_URL_LEN]; /* scheme://host[:port][/path], no trailing slash */
    char *token;             /* owned; NULL = none */
    char *auth_header;       /* "Authorization: Bearer …", owned */
    hrana_options opt;
    int version;             /* 0 unknown, 2 or 3 */
    int no_close;            /* the server rejected {"type":"close"} once */
    unsigned rand_state;     /* jitter */
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
    o->max_inflight = (int)env_long("SAMPLEVEC_TURSO_INFLIGHT", 4, 1, 64);
}

/* ---------------------------------------------------------------- client */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

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
    pthread_once(&curl_once, curl_init_once);
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
    free(c);
}

const char *hrana_client_url(const hrana_client *c) { return c->url; }
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

/* ---------------------------------------------------------------- bodies */

void hrana_body_init(hrana_body *b) { memset(b, 0, sizeof *b); }
void hrana_body_free(hrana_body *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}
void hrana_body_reset(hrana_body *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int body_reserve(hrana_body *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->oom = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void hrana_body_raw(hrana_body *b, const char *s, size_t n)
{
    if (body_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void hrana_body_cstr(hrana_body *b, const char *s) { hrana_body_raw(b, s, strlen(s)); }

void hrana_body_json_str(hrana_body *b, const char *s)
{
    if (!s) {
        hrana_body_raw(b, "null", 4);
        return;
    }
    size_t n = strlen(s);
    if (body_reserve(b, n * 6 + 2)) /* worst case: every byte as \u00XX */
        return;
    char *o = b->data + b->len;
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
    b->len = (size_t)(o - b->data);
}

void hrana_arg_null(hrana_body *b, int comma)
{
    hrana_body_cstr(b, comma ? ",{\"type\":\"null\"}" : "{\"type\":\"null\"}");
}

void hrana_arg_int(hrana_body *b, int comma, int64_t v)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%s{\"type\":\"integer\",\"value\":\"%" PRId64 "\"}",
                     comma ? "," : "", v);
    hrana_body_raw(b, tmp, (size_t)n);
}

void hrana_arg_float(hrana_body *b, int comma, double v)
{
    if (!isfinite(v)) { /* JSON has no NaN/Inf */
        hrana_arg_null(b, comma);
        return;
    }
    char tmp[80];
    /* %.17g round-trips every double */
    int n = snprintf(tmp, sizeof tmp, "%s{\"type\":\"float\",\"value\":%.17g}", comma ? "," : "", v);
    hrana_body_raw(b, tmp, (size_t)n);
}

void hrana_arg_text(hrana_body *b, int comma, const char *s)
{
    if (!s) {
        hrana_arg_null(b, comma);
        return;
    }
    hrana_body_cstr(b, comma ? ",{\"type\":\"text\",\"value\":" : "{\"type\":\"text\",\"value\":");
    hrana_body_json_str(b, s);
    hrana_body_raw(b, "}", 1);
}

void hrana_arg_blob(hrana_body *b, int comma, const void *data, size_t n)
{
    hrana_body_cstr(b, comma ? ",{\"type\":\"blob\",\"base64\":\"" : "{\"type\":\"blob\",\"base64\":\"");
    if (body_reserve(b, (n + 2) / 3 * 4 + 2))
        return;
    b->len += hrana_base64_encode(data, n, b->data + b->len);
    hrana_body_raw(b, "\"}", 2);
}

/* ---------------------------------------------------------------- base64 */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t hrana_base64_encode(const unsigned char *in, size_t n, char *out)
{
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        o[0] = b64_alphabet[v >> 18];
        o[1] = b64_alphabet[(v >> 12) & 63];
        o[2] = b64_alphabet[(v >> 6) & 63];
        o[3] = b64_alphabet[v & 63];
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
    snprintf(err, SV_ERR_LEN, "%s%s%.400s", cJSON_IsString(code) ? code->valuestring : "",
             cJSON_IsString(code) ? ": " : "",
             cJSON_IsString(m) ? m->valuestring : "(no message)");
    hrana_scrub(c, err);
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

typedef struct slot {
    hrana_call *call;
    CURL *easy;
    struct curl_slist *headers;
    hrana_body body;      /* the request as sent */
    hrana_body resp;      /* the response body, capped */
    int too_big;          /* response passed max_response */
    int sent_close;       /* body carried {"type":"close"} */
    size_t cap;           /* max_response */
} slot;

typedef struct job {
    hrana_call *call;
    double next_ms;       /* earliest start (monotonic ms) */
    int done;
} job;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Appends to the slot's response body; returning short makes libcurl abort the transfer with
 * CURLE_WRITE_ERROR once the body passes the cap (CURLOPT_MAXFILESIZE alone only checks a
 * Content-Length the server chose to send). */
static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    slot *s = userdata;
    size_t n = size * nmemb;
    if (n > s->cap || s->resp.len > s->cap - n) {
        s->too_big = 1;
        return 0;
    }
    hrana_body_raw(&s->resp, ptr, n);
    return s->resp.oom ? 0 : n;
}

static double backoff_ms(hrana_client *c, int attempt)
{
    double ms = HRANA_BACKOFF_BASE_MS;
    for (int i = 1; i < attempt && ms < HRANA_BACKOFF_CAP_MS; i++)
        ms *= 2;
    if (ms > HRANA_BACKOFF_CAP_MS)
        ms = HRANA_BACKOFF_CAP_MS;
    c->rand_state = c->rand_state * 1103515245u + 12345u;
    double jitter = ((double)((c->rand_state >> 16) % 1000) / 1000.0 - 0.5) * 0.4; /* ±20% */
    return ms * (1.0 + jitter);
}

/* GET {url}/v3: 2xx → the server speaks Hrana 3 pipelines. Anything else (404 from tursodb
 * and older sqld) → v2. Unreachable → 0 with err (the caller retries). */
static int probe_version(hrana_client *c, char err[SV_ERR_LEN], int *transient)
{
    char url[HRANA_URL_LEN + 8];
    snprintf(url, sizeof url, "%s/v3", c->url);
    CURL *e = curl_easy_init();
    if (!e) {
        *transient = 0;
        sv_fail(err, SV_EXIT_DATA, "cannot initialise libcurl");
        return 0;
    }
    slot tmp = {0};
    tmp.cap = 65536;
    struct curl_slist *h = NULL;
    if (c->auth_header)
        h = curl_slist_append(h, c->auth_header);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &tmp);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->opt.timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)65536);
    CURLcode rc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    hrana_body_free(&tmp.resp);
    if (rc != CURLE_OK) {
        *transient = 1;
        snprintf(err, SV_ERR_LEN, "%s", curl_easy_strerror(rc));
        return 0;
    }
    if (status >= 500 || status == 429 || status == 408) {
        *transient = 1;
        snprintf(err, SV_ERR_LEN, "HTTP %ld", status);
        return 0;
    }
    if (status == 401 || status == 403) {
        *transient = 0;
        snprintf(err, SV_ERR_LEN,
                 "the server refused the credentials (HTTP %ld): check TURSO_AUTH_TOKEN", status);
        return 0;
    }
    return status >= 200 && status < 300 ? 3 : 2;
}

static int slot_start(hrana_client *c, CURLM *multi, slot *s, hrana_call *call)
{
    s->call = call;
    hrana_body_reset(&s->body);
    hrana_body_reset(&s->resp);
    s->too_big = 0;
    s->cap = c->opt.max_response;
    s->sent_close = !c->no_close;
    hrana_body_cstr(&s->body, "{\"baton\":null,\"requests\":[");
    hrana_body_raw(&s->body, call->requests, call->requests_len);
    if (s->sent_close)
        hrana_body_cstr(&s->body, call->requests_len ? ",{\"type\":\"close\"}" : "{\"type\":\"close\"}");
    hrana_body_cstr(&s->body, "]}");
    if (s->body.oom || s->resp.oom)
        return -1;
    char url[HRANA_URL_LEN + 16];
    snprintf(url, sizeof url, "%s/v%d/pipeline", c->url, c->version);
    if (!s->easy)
        s->easy = curl_easy_init();
    else
        curl_easy_reset(s->easy);
    if (!s->easy)
        return -1;
    if (!s->headers) {
        s->headers = curl_slist_append(NULL, "Content-Type: application/json");
        /* libcurl waits up to 1 s for "100 Continue" before sending a large body; Hrana
         * servers never send it */
        s->headers = curl_slist_append(s->headers, "Expect:");
        if (c->auth_header)
            s->headers = curl_slist_append(s->headers, c->auth_header);
        if (!s->headers)
            return -1;
    }
    CURL *e = s->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, s->body.data);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body.len);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->opt.timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->opt.max_response);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    call->attempts++;
    return curl_multi_add_handle(multi, e) == CURLM_OK ? 0 : -1;
}

enum outcome { OUT_OK, OUT_RETRY, OUT_FATAL, OUT_RESEND /* at once, no backoff */ };

/* Classifies a finished transfer; on OUT_OK the call owns the parsed response. */
static enum outcome slot_finish(hrana_client *c, slot *s, CURLcode rc, char msg[SV_ERR_LEN])
{
    long status = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_FILESIZE_EXCEEDED || s->too_big) {
        snprintf(msg, SV_ERR_LEN, "the response is larger than the %zu MiB cap",
                 c->opt.max_response >> 20);
        return OUT_FATAL;
    }
    if (rc == CURLE_WRITE_ERROR && s->resp.oom) {
        snprintf(msg, SV_ERR_LEN, "out of memory reading the response");
        return OUT_FATAL;
    }
    if (rc != CURLE_OK) {
        snprintf(msg, SV_ERR_LEN, "%s", curl_easy_strerror(rc));
        return OUT_RETRY; /* refused, reset, timed out, empty reply, truncated, DNS */
    }
    if (status < 200 || status >= 300) {
        /* the body may be HTML or may quote the request: show a short, scrubbed excerpt */
        char excerpt[200] = "";
        if (s->resp.data) {
            snprintf(excerpt, sizeof excerpt, "%.160s", s->resp.data);
            for (char *p = excerpt; *p; p++)
                if ((unsigned char)*p < ' ')
                    *p = ' ';
            hrana_scrub(c, excerpt);
        }
        if (s->sent_close && s->resp.data && strstr(s->resp.data, "close") &&
            (strstr(s->resp.data, "unknown variant") || strstr(s->resp.data, "unsupported") ||
             strstr(s->resp.data, "not supported"))) {
            c->no_close = 1; /* e.g. tursodb: "unknown variant `close`" */
            return OUT_RESEND;
        }
        if (status == 401 || status == 403) {
            snprintf(msg, SV_ERR_LEN,
                     "the server refused the credentials (HTTP %ld): check TURSO_AUTH_TOKEN", status);
            return OUT_FATAL;
        }
        snprintf(msg, SV_ERR_LEN, "HTTP %ld%s%s", status, excerpt[0] ? ": " : "", excerpt);
        if (status >= 500 || status == 429 || status == 408)
            return OUT_RETRY;
        if (status == 404)
            snprintf(msg, SV_ERR_LEN, "HTTP 404 for /v%d/pipeline: no Hrana server at this URL",
                     c->version);
        return OUT_FATAL;
    }
    cJSON *root = s->resp.data ? cJSON_ParseWithLength(s->resp.data, s->resp.len) : NULL;
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
    hrana_call_clear(s->call);
    s->call->response = root;
    s->call->results = results;
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
    int rc = 0;
    char last[SV_ERR_LEN] = "";
    if (n == 0)
        return 0;
    /* the protocol version, once per client; unreachable here counts as a first attempt */
    for (int attempt = 0; c->version == 0; attempt++) {
        int transient = 0;
        int v = probe_version(c, last, &transient);
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
        double ms = backoff_ms(c, attempt + 1);
        struct timespec ts = {(time_t)(ms / 1000), (long)((long)ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }

    size_t nslots = (size_t)c->opt.max_inflight < n ? (size_t)c->opt.max_inflight : n;
    slot *slots = calloc(nslots, sizeof *slots);
    job *jobs = calloc(n, sizeof *jobs);
    CURLM *multi = curl_multi_init();
    if (!slots || !jobs || !multi) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        jobs[i].call = &calls[i];
        calls[i].attempts = 0;
    }
    size_t next_job = 0, done = 0, inflight = 0;
    size_t *retry_q = calloc(n, sizeof *retry_q); /* job indices waiting for their backoff */
    size_t n_retry = 0;
    if (!retry_q) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    while (done < n) {
        double now = now_ms();
        /* fill free slots: due retries first, then new jobs */
        for (size_t k = 0; k < nslots; k++) {
            if (slots[k].call)
                continue;
            size_t pick = SIZE_MAX;
            for (size_t r = 0; r < n_retry; r++)
                if (jobs[retry_q[r]].next_ms <= now) {
                    pick = retry_q[r];
                    retry_q[r] = retry_q[--n_retry];
                    break;
                }
            if (pick == SIZE_MAX && next_job < n)
                pick = next_job++;
            if (pick == SIZE_MAX)
                break;
            if (slot_start(c, multi, &slots[k], jobs[pick].call)) {
                rc = sv_fail(err, SV_EXIT_DATA, "out of memory building a request");
                goto cleanup_retry;
            }
            inflight++;
        }
        if (inflight == 0) {
            /* only backoffs pending: sleep until the earliest */
            double soonest = 1e300;
            for (size_t r = 0; r < n_retry; r++)
                if (jobs[retry_q[r]].next_ms < soonest)
                    soonest = jobs[retry_q[r]].next_ms;
            double ms = soonest - now_ms();
            if (ms > 0) {
                struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000.0) * 1e6)};
                nanosleep(&ts, NULL);
            }
            continue;
        }
        int running = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            slot *s = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            CURLcode res = m->data.result;
            curl_multi_remove_handle(multi, m->easy_handle);
            inflight--;
            size_t ji = (size_t)(s->call - calls);
            char msg[SV_ERR_LEN];
            enum outcome o = slot_finish(c, s, res, msg);
            s->call = NULL;
            if (o == OUT_OK) {
                jobs[ji].done = 1;
                done++;
            } else if (o == OUT_RESEND) {
                jobs[ji].call->attempts--; /* a protocol negotiation, not a failure */
                jobs[ji].next_ms = 0;
                retry_q[n_retry++] = ji;
            } else if (o == OUT_RETRY && jobs[ji].call->attempts <= c->opt.max_retries) {
                snprintf(last, sizeof last, "%s", msg);
                jobs[ji].next_ms = now_ms() + backoff_ms(c, jobs[ji].call->attempts);
                retry_q[n_retry++] = ji;
            } else {
                hrana_scrub(c, msg);
                if (o == OUT_RETRY)
                    rc = sv_fail(err, SV_EXIT_DATA,
                                 "Turso store %s unreachable: gave up after %d attempts (last "
                                 "error: %.300s)",
                                 c->url, jobs[ji].call->attempts, msg);
                else
                    rc = sv_fail(err, SV_EXIT_DATA, "Turso store %s: %.400s", c->url, msg);
                goto cleanup_retry;
            }
        }
        if (done < n && inflight > 0) {
            int wait = 100;
            double soonest = 1e300;
            for (size_t r = 0; r < n_retry; r++)
                if (jobs[retry_q[r]].next_ms < soonest)
                    soonest = jobs[retry_q[r]].next_ms;
            if (n_retry && soonest - now_ms() < wait)
                wait = soonest - now_ms() > 0 ? (int)(soonest - now_ms()) : 0;
            curl_multi_poll(multi, NULL, 0, wait, NULL);
        }
    }
cleanup_retry:
    free(retry_q);
cleanup:
    if (slots) {
        for (size_t k = 0; k < nslots; k++) {
            if (slots[k].easy) {
                if (slots[k].call)
                    curl_multi_remove_handle(multi, slots[k].easy);
                curl_easy_cleanup(slots[k].easy);
            }
            curl_slist_free_all(slots[k].headers);
            if (slots[k].body.data) /* the body may hold nothing secret, but be tidy */
                hrana_body_free(&slots[k].body);
            hrana_body_free(&slots[k].resp);
        }
    }
    curl_multi_cleanup(multi);
    free(slots);
    free(jobs);
    (void)last;
    return rc;
}
