#include "http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HEADERS_MAX (64 * 1024) /* a header block longer than this is hostile: truncated */

typedef struct transfer {
    CURL *easy;
    void *tag;
    struct curl_slist *headers;
    char *body;           /* response body, grown as it arrives */
    size_t body_len, body_cap;
    char *hdr;            /* response headers of the latest response */
    size_t hdr_len, hdr_cap;
    int too_big;          /* body exceeded the cap */
    char curl_err[CURL_ERROR_SIZE];
    struct transfer *next; /* list of live transfers, for cleanup */
} transfer;

struct http_client {
    CURLM *multi;
    http_options opt;
    transfer *live;
    int in_flight;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

static int append(char **buf, size_t *len, size_t *cap, const char *data, size_t n, size_t max)
{
    if (n > max || *len > max - n)
        return -1;
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + n + 1)
            c *= 2;
        char *g = realloc(*buf, c);
        if (!g)
            return -1;
        *buf = g;
        *cap = c;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

static void transfer_free(transfer *t)
{
    if (!t)
        return;
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->body);
    free(t->hdr);
    free(t);
}

/* Per-transfer body cap, kept beside the transfer so the write callback needs no client. */
typedef struct capped {
    transfer *t;
    size_t max;
} capped;

static size_t on_body_capped(char *data, size_t size, size_t nmemb, void *user)
{
    capped *c = user;
    size_t n = size * nmemb;
    if (append(&c->t->body, &c->t->body_len, &c->t->body_cap, data, n, c->max) != 0) {
        c->t->too_big = 1;
        return 0; /* libcurl fails the transfer with CURLE_WRITE_ERROR */
    }
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
    transfer *t = user;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) /* a new response (after 100 or a redirect) */
        t->hdr_len = 0;
    append(&t->hdr, &t->hdr_len, &t->hdr_cap, data, n, HEADERS_MAX); /* over the cap: dropped */
    return n;
}

http_client *http_client_new(const http_options *opt, char err[SV_ERR_LEN])
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        sv_fail(err, SV_EXIT_DATA, "libcurl failed to initialise: %s", curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    http_client *c = calloc(1, sizeof *c);
    if (!c) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    if (opt)
        c->opt = *opt;
    if (c->opt.connect_timeout_ms <= 0)
        c->opt.connect_timeout_ms = 10000;
    if (c->opt.timeout_ms <= 0)
        c->opt.timeout_ms = 120000;
    if (c->opt.max_body == 0)
        c->opt.max_body = (size_t)64 << 20;
    if (c->opt.max_connections <= 0)
        c->opt.max_connections = 16;
    c->multi = curl_multi_init();
    if (!c->multi) {
        free(c);
        sv_fail(err, SV_EXIT_DATA, "libcurl: cannot create a multi handle");
        return NULL;
    }
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->opt.max_connections);
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->opt.max_connections);
    return c;
}

void http_client_free(http_client *c)
{
    if (!c)
        return;
    while (c->live) {
        transfer *t = c->live;
        c->live = t->next;
        curl_multi_remove_handle(c->multi, t->easy);
        capped *cap = NULL;
        curl_easy_getinfo(t->easy, CURLINFO_PRIVATE, (char **)&cap);
        free(cap);
        transfer_free(t);
    }
    curl_multi_cleanup(c->multi);
    free(c);
}

int http_in_flight(const http_client *c) { return c->in_flight; }

int http_submit(http_client *c, const http_request *req, void *tag, char err[SV_ERR_LEN])
{
    transfer *t = calloc(1, sizeof *t);
    capped *cap = calloc(1, sizeof *cap);
    if (!t || !cap || !(t->easy = curl_easy_init())) {
        free(cap);
        transfer_free(t);
        return sv_fail(err, SV_EXIT_DATA, "out of memory starting a request");
    }
    cap->t = t;
    cap->max = c->opt.max_body;
    t->tag = tag;
    CURL *e = t->easy;
    for (size_t i = 0; i < req->n_headers; i++) {
        struct curl_slist *l = curl_slist_append(t->headers, req->headers[i]);
        if (!l)
            goto oom;
        t->headers = l;
    }
    /* libcurl waits up to 1 s for "100 Continue" before sending a large body; APIs never
     * need that handshake. */
    struct curl_slist *l = curl_slist_append(t->headers, "Expect:");
    if (!l)
        goto oom;
    t->headers = l;
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->opt.timeout_ms);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "samplevec/" SAMPLEVEC_VERSION);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body_capped);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, cap);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->curl_err);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)cap);
    if (req->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        if (curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body) != CURLE_OK)
            goto oom;
    }
    CURLMcode mc = curl_multi_add_handle(c->multi, e);
    if (mc != CURLM_OK) {
        free(cap);
        transfer_free(t);
        return sv_fail(err, SV_EXIT_DATA, "libcurl: %s", curl_multi_strerror(mc));
    }
    t->next = c->live;
    c->live = t;
    c->in_flight++;
    return 0;
oom:
    free(cap);
    transfer_free(t);
    return sv_fail(err, SV_EXIT_DATA, "out of memory starting a request");
}

static void unlink_transfer(http_client *c, transfer *t)
{
    for (transfer **p = &c->live; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            return;
        }
}

/* Hands back the first finished transfer, if any. */
static int take_done(http_client *c, void **tag, http_response *resp)
{
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        CURLcode rc = m->data.result;
        capped *cap = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&cap);
        transfer *t = cap->t;
        memset(resp, 0, sizeof *resp);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
        curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &resp->seconds);
        curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &resp->new_connections);
        if (rc != CURLE_OK) {
            resp->transport_error = 1;
            resp->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
            resp->connect_failed = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                                   rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_SSL_CONNECT_ERROR;
            if (t->too_big)
                snprintf(resp->error, sizeof resp->error, "response body larger than %zu bytes", cap->max);
            else
                snprintf(resp->error, sizeof resp->error, "%s", t->curl_err[0] ? t->curl_err : curl_easy_strerror(rc));
        }
        resp->body = t->body;
        resp->body_len = t->body_len;
        resp->headers = t->hdr;
        resp->headers_len = t->hdr_len;
        t->body = t->hdr = NULL;
        *tag = t->tag;
        curl_multi_remove_handle(c->multi, e);
        unlink_transfer(c, t);
        free(cap);
        transfer_free(t);
        c->in_flight--;
        return 1;
    }
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int http_poll(http_client *c, int timeout_ms, void **tag, http_response *resp, char err[SV_ERR_LEN])
{
    double deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (take_done(c, tag, resp))
            return 1;
        if (c->in_flight == 0)
            return 0;
        int running = 0;
        CURLMcode mc = curl_multi_perform(c->multi, &running);
        if (mc != CURLM_OK)
            return sv_fail(err, SV_EXIT_DATA, "libcurl: %s", curl_multi_strerror(mc)), -1;
        if (take_done(c, tag, resp))
            return 1;
        double left = deadline - now_ms();
        if (left <= 0)
            return 0;
        mc = curl_multi_poll(c->multi, NULL, 0, (int)(left < 1000 ? left + 1 : 1000), NULL);
        if (mc != CURLM_OK)
            return sv_fail(err, SV_EXIT_DATA, "libcurl: %s", curl_multi_strerror(mc)), -1;
    }
}

int http_perform(http_client *c, const http_request *req, http_response *resp, char err[SV_ERR_LEN])
{
    int marker;
    if (http_submit(c, req, &marker, err) != 0)
        return -1;
    for (;;) {
        void *tag = NULL;
        int rc = http_poll(c, 1000, &tag, resp, err);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            if (tag == &marker)
                return 0;
            http_response_free(resp); /* someone else's transfer: the contract says none */
        }
    }
}

int http_response_header(const http_response *resp, const char *name, char *out, size_t out_len)
{
    if (!resp->headers || out_len == 0)
        return 0;
    size_t nlen = strlen(name);
    const char *p = resp->headers, *end = resp->headers + resp->headers_len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1, *ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            size_t n = (size_t)(ve - v);
            if (n >= out_len)
                n = out_len - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
        p = eol + 1;
    }
    return 0;
}

void http_response_free(http_response *resp)
{
    if (!resp)
        return;
    free(resp->body);
    free(resp->headers);
    memset(resp, 0, sizeof *resp);
}
