/* Layer serve/ (docs/architecture.md): the HTTP face of samplevec — server, JSON API, the web
 * page's assets and the vibe map service; builds on search/ and pipeline/.
 *
 * httpd: an HTTP/1.1 server (libmicrohttpd, one thread per connection) that routes requests
 * through a table, so an endpoint is one row. Nothing of libmicrohttpd shows above this header.
 *
 * What a request may cost (each a guard against a slow or hostile client):
 *   request head      at most HTTPD_HEAD_MAX bytes (request line + headers) → 431
 *   request body      at most the route's max_body bytes (0 = none accepted) → 413
 *   whole request     from the connection's first byte, or the end of its previous response,
 *                     until its response is sent: request_timeout_s. Past it the socket is
 *                     shut down, whatever the client is doing (trickling a head byte by byte,
 *                     reading the response slowly, or waiting on a slow handler). This is a
 *                     limit per request, not per byte.
 *   connections       at most max_connections at once; each has its own thread, so a slow
 *                     one delays nobody else
 * Errors are JSON objects {"error": "..."} whose text is valid UTF-8 (ill-formed bytes of
 * the request echoed in a message become U+FFFD).
 */
#ifndef SAMPLEVEC_HTTPD_H
#define SAMPLEVEC_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define HTTPD_HEAD_MAX 16384
#define HTTPD_MAX_PARAMS 32
#define HTTPD_MAX_HEADERS 8

typedef struct httpd httpd;

/* One request as a handler sees it; every string borrowed for the handler's call. */
typedef struct httpd_request {
    const char *method;   /* "GET", "HEAD", "POST", ... (HEAD is routed as GET) */
    const char *path;     /* %-decoded path without the query, e.g. "/similar/12" */
    const char *tail;     /* path after the route's prefix ("12"); "" for exact routes */
    const char *raw_target; /* the request target as received (for logs) */
    size_t n_params;      /* query parameters, %-decoded ('+' = space), in order */
    const char *param_names[HTTPD_MAX_PARAMS], *param_values[HTTPD_MAX_PARAMS];
    const char *body;     /* NUL-terminated body (routes with max_body > 0), else NULL */
    size_t body_len;
    void *conn;           /* private */
} httpd_request;

/* What a handler answers. Exactly one body source: body (owned, freed by httpd), static_body
 * (borrowed: until release(release_arg) is called when release is set, else for the server's
 * lifetime), or fd (owned, closed by httpd; fd_len bytes from fd_offset are sent). */
typedef struct httpd_reply {
    int status;
    const char *content_type;   /* static string; default "application/json" */
    char *body;
    size_t body_len;            /* for body and static_body; 0 with body = strlen(body) */
    const unsigned char *static_body;
    void (*release)(void *);    /* NULL, or called once static_body is no longer needed */
    void *release_arg;
    int fd;                     /* -1 = none */
    uint64_t fd_offset, fd_len;
    size_t n_headers;           /* extra headers, copied by httpd_reply_header */
    char header_names[HTTPD_MAX_HEADERS][32];
    char header_values[HTTPD_MAX_HEADERS][512];
} httpd_reply;

typedef void (*httpd_handler)(const httpd_request *req, httpd_reply *reply, void *ctx);

typedef struct httpd_route {
    const char *method;  /* "GET" (also answers HEAD) or "POST" */
    const char *path;    /* exact path, or a prefix when it ends in '/' and prefix is set */
    int prefix;
    size_t max_body;     /* bytes of request body accepted; 0 = none */
    httpd_handler handle;
} httpd_route;

typedef struct httpd_config {
    const char *host;          /* IPv4 address to listen on */
    int port;                  /* 0 = any free port (httpd_port tells which) */
    const httpd_route *routes; /* n_routes, borrowed for the server's lifetime */
    size_t n_routes;
    void *ctx;                 /* passed to every handler */
    double request_timeout_s;  /* whole-request limit (see above) */
    unsigned max_connections;
    const char *allow_origin;  /* Access-Control-Allow-Origin on every reply, or NULL */
    int log_requests;          /* one line per request on stderr (method, target, status, ms) */
} httpd_config;

/* Starts listening and serving on background threads. NULL with err (the port is taken, the
 * address is not local, ...). cfg's strings and routes are borrowed. */
httpd *httpd_start(const httpd_config *cfg, char err[SV_ERR_LEN]);
/* Stops accepting, ends every connection and joins the threads. NULL is a no-op. */
void httpd_stop(httpd *h);
int httpd_port(const httpd *h);

/* A request header's value (case-insensitive name), or NULL. */
const char *httpd_header(const httpd_request *req, const char *name);
/* The value of query parameter name (last one wins), or NULL. */
const char *httpd_param(const httpd_request *req, const char *name);

/* reply = status with {"error": message} (message made valid UTF-8). */
void httpd_reply_error(httpd_reply *reply, int status, const char *fmt, ...) SV_PRINTF(3, 4);
/* reply = 200 (or status) with body, taking ownership of body (NULL = out of memory → 500). */
void httpd_reply_json(httpd_reply *reply, int status, char *body);
/* Adds a header to reply; dropped when it has CR or LF, does not fit (name 31 bytes, value 511)
 * or HTTPD_MAX_HEADERS are there already. */
void httpd_reply_header(httpd_reply *reply, const char *name, const char *value);

/* s[0..len) with every ill-formed UTF-8 sequence replaced by U+FFFD; caller frees. NULL out of
 * memory. */
char *httpd_utf8_valid(const char *s, size_t len);

#endif
