/* http: a libcurl wrapper for JSON-over-HTTP APIs (the embedding providers, a remote store).
 *
 * Many requests in flight over reused connections (libcurl's multi interface: one connection
 * cache per client, keep-alive, HTTP/2 multiplexing where the server offers it), connect and
 * total timeouts, response bodies capped, and each response's status and headers kept so the
 * caller can read retry-after, retry-after-ms or x-should-retry. It has no retry policy
 * (retry.h decides) and never logs: request headers carry API keys.
 *
 * Usage: http_submit() any number of requests, each with a caller tag, then http_poll() until
 * it has handed back every one. http_perform() is the one-request shortcut.
 * A client is used from one thread.
 */
#ifndef SAMPLEVEC_HTTP_H
#define SAMPLEVEC_HTTP_H

#include <stddef.h>

#include "msg.h"

typedef struct http_options {
    long connect_timeout_ms; /* TCP + TLS handshake; 0 = 10 s */
    long timeout_ms;         /* whole transfer; 0 = 120 s */
    size_t max_body;         /* response bytes kept; a longer body fails the transfer; 0 = 64 MiB */
    int max_connections;     /* open connections per host; 0 = 16 */
} http_options;

typedef struct http_request {
    const char *url;
    const char *body;              /* NULL = GET; else POST of body[0..body_len), copied */
    size_t body_len;
    const char *const *headers;    /* n_headers "Name: value" lines, copied */
    size_t n_headers;
} http_request;

typedef struct http_response {
    long status;          /* HTTP status of the final response; 0 when none arrived */
    int transport_error;  /* 1 = no complete response (connect failure, reset, timeout,
                             truncated or over-long body); see error */
    int timed_out;        /* 1 = the connect or total timeout fired */
    int connect_failed;   /* 1 = no connection was made (refused, unresolvable, TLS failed) */
    char error[256];      /* why, when transport_error (libcurl's message) */
    char *body;           /* NUL-terminated response body (malloc'd; may be NULL when empty) */
    size_t body_len;
    char *headers;        /* the final response's header block, "Name: value\r\n" lines */
    size_t headers_len;
    double seconds;       /* wall time of the transfer */
    long new_connections; /* connections this transfer had to open (0 = it reused one) */
} http_response;

typedef struct http_client http_client;

http_client *http_client_new(const http_options *opt, char err[SV_ERR_LEN]);
/* Aborts transfers still in flight. NULL is a no-op. */
void http_client_free(http_client *c);

/* Starts a request; `tag` comes back from http_poll with its response. */
int http_submit(http_client *c, const http_request *req, void *tag, char err[SV_ERR_LEN]);
/* Requests submitted and not yet handed back. */
int http_in_flight(const http_client *c);
/* Drives the transfers for up to timeout_ms. Returns 1 with *tag and *resp (free it with
 * http_response_free) when one finished, 0 when none did in time (or none is in flight),
 * -1 on an internal libcurl failure with err filled. */
int http_poll(http_client *c, int timeout_ms, void **tag, http_response *resp, char err[SV_ERR_LEN]);
/* Submits one request and waits for it. Use it on a client with nothing else in flight
 * (another transfer finishing meanwhile would be dropped). Returns 0 with *resp filled (check
 * status/transport_error), -1 with err. */
int http_perform(http_client *c, const http_request *req, http_response *resp, char err[SV_ERR_LEN]);

/* Copies header `name` (case-insensitive) of resp, trimmed, into out; 1 if present. */
int http_response_header(const http_response *resp, const char *name, char *out, size_t out_len);
void http_response_free(http_response *resp); /* frees the buffers and zeroes it */

#endif
