/* hrana: a client for libSQL's Hrana protocol over HTTP (Turso, sqld, `tursodb --sync-server`),
 * on libcurl. It knows the wire format, streams, retries and limits; it knows nothing of
 * samplevec's tables (store_turso.c does).
 *
 * The messages (JSON):
 *   POST {url}/v2/pipeline, or {url}/v3/pipeline when `GET {url}/v3` answers 2xx.
 *   Authorization: Bearer TOKEN (when a token is set).
 *   request   {"baton": null | string, "requests": [R, ...]}
 *     R  = {"type":"execute","stmt":S}
 *        | {"type":"batch","batch":{"steps":[{"condition":C,"stmt":S}, ...]}}  (condition optional)
 *        | {"type":"close"}                         closes the stream after the other requests
 *     S  = {"sql": string, "args": [V, ...]}
 *     V  = {"type":"null"} | {"type":"integer","value":"-12"}   (decimal *string*: JSON
 *          numbers lose int64 precision) | {"type":"float","value":1.5} (finite JSON number)
 *        | {"type":"text","value":string} | {"type":"blob","base64":string}
 *          (standard alphabet; sent unpadded, read with or without padding)
 *     C  = {"type":"ok","step":i} | {"type":"error","step":i} | {"type":"not","cond":C}
 *        | {"type":"and","conds":[C...]} | {"type":"or","conds":[C...]}
 *   response  {"baton": null | string, "base_url": null | string, "results": [X, ...]}
 *     X  = {"type":"ok","response":{"type":"execute","result":E}}
 *        | {"type":"ok","response":{"type":"batch","result":
 *              {"step_results":[E | null, ...], "step_errors":[ERR | null, ...]}}}
 *        | {"type":"ok","response":{"type":"close"}}
 *        | {"type":"error","error":ERR}
 *     E  = {"cols":[{"name":..}, ...], "rows":[[V, ...], ...], "affected_row_count": n, ...}
 *     ERR= {"message": string, "code": string}
 *   Streams: a request with baton null opens a stream; the next request on it must carry the
 *   baton of the last response, and goes to base_url when that is non-null. The local
 *   `tursodb` server answers every request with baton null and rejects `close` with HTTP 500
 *   "unknown variant `close`"; the client then stops sending `close` for its lifetime.
 *
 * Every pipeline this client sends is self-contained (no statement relies on session state
 * left by an earlier request), so after a transport failure a call simply starts a new stream
 * and is sent again. Callers must only send requests that are safe to repeat (idempotent
 * upserts, reads, IF NOT EXISTS DDL, BEGIN…COMMIT batches).
 *
 * Transport: the shared http module (libcurl multi; connections kept alive for the client's
 * life), retries as retry.h decides and schedules them (0.5 s doubling to 8 s with jitter,
 * Retry-After honoured): connection refused/reset, timeouts, empty or truncated replies,
 * HTTP 408/409/429/5xx; and, here, a 2xx body that is not a Hrana response and Hrana errors
 * that say the database is busy, locked, BLOCKED or over quota. Not retried: HTTP 401/403
 * (bad token), 404 (no Hrana here), other 4xx, a response above the size cap. The auth token
 * never appears in a message: server text is scrubbed before it is cut.
 * A client may be shared between threads: up to 4 runs go on at once, each on its own
 * connections.
 */
#ifndef SAMPLEVEC_HRANA_H
#define SAMPLEVEC_HRANA_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "msg.h"
#include "strbuf.h"

typedef struct hrana_options {
    int max_retries;         /* retries per request after the first attempt (default 6) */
    long timeout_ms;         /* whole request, connect included (default 120000) */
    long connect_timeout_ms; /* default 10000 */
    size_t max_response;     /* bytes; a larger response body is an error (default 64 MiB) */
    int max_inflight;        /* concurrent requests in hrana_run (default 2) */
} hrana_options;

/* Defaults above, then SAMPLEVEC_TURSO_RETRIES, SAMPLEVEC_TURSO_TIMEOUT_MS and
 * SAMPLEVEC_TURSO_INFLIGHT from the environment when set to a valid number. */
void hrana_options_default(hrana_options *o);

typedef struct hrana_client hrana_client;

/* url: libsql://HOST (spoken as https://HOST), https://… or http://…; a query string is
 * dropped, and its authToken= is used when token is NULL. token: NULL or "" = none. Does not
 * touch the network. NULL with err on a malformed URL or no memory. */
hrana_client *hrana_client_new(const char *url, const char *token, const hrana_options *opt,
                               char err[SV_ERR_LEN]);
void hrana_client_free(hrana_client *c); /* NULL is a no-op */
/* flag: NULL, or a flag that, once set, makes a run that is waiting to retry give up with
 * SV_EXIT_INTERRUPTED (requests on the wire are not cut short). */
void hrana_client_set_cancel(hrana_client *c, const volatile sig_atomic_t *flag);
/* The URL for messages: scheme://host[:port][/path], never a query or a token. Borrowed. */
const char *hrana_client_url(const hrana_client *c);
/* Pipeline protocol version in use (2 or 3); 0 until the first request. */
int hrana_client_version(const hrana_client *c);

/* ---- request bodies ----
 * A request body is a strbuf (strbuf.h): built with strbuf_add / strbuf_add_str and the
 * functions below, which never fail visibly; on out-of-memory the strbuf's sticky `oom` is set
 * and nothing more is appended: check it once before sending. */
void hrana_body_json_str(strbuf *b, const char *s); /* "…" with JSON escapes; NULL → null */
/* Values V. A comma is written before the value when `comma` is non-zero. */
void hrana_arg_null(strbuf *b, int comma);
void hrana_arg_int(strbuf *b, int comma, int64_t v);
void hrana_arg_float(strbuf *b, int comma, double v); /* non-finite → null */
void hrana_arg_text(strbuf *b, int comma, const char *s); /* NULL → null */
void hrana_arg_blob(strbuf *b, int comma, const void *data, size_t n);

/* Base64 (standard alphabet). encode writes 4*ceil(n/3) chars at most, unpadded, plus NUL;
 * returns the length. decode accepts padded or unpadded input; returns the byte count, or -1
 * for a malformed string or one that does not fit in cap. */
size_t hrana_base64_encode(const unsigned char *in, size_t n, char *out);
long hrana_base64_decode(const char *in, size_t len, unsigned char *out, size_t cap);

/* ---- running pipelines ----
 * One call = one pipeline on a fresh stream (baton null, closed where the server supports it).
 * `requests` is the comma-separated list of R objects (without brackets); the client wraps it. */
typedef struct hrana_call hrana_call;
/* Fills call->requests/requests_len (memory owned by ctx) just before the call is first sent,
 * so building request i+1 overlaps request i on the wire and at the server. 0, or -1 (out of
 * memory: the run fails). */
typedef int (*hrana_build_fn)(void *ctx, hrana_call *call);

struct hrana_call {
    const char *requests; /* borrowed; requests_len bytes; or NULL with build set */
    size_t requests_len;
    hrana_build_fn build; /* optional: see hrana_build_fn */
    void *build_ctx;
    cJSON *response;      /* out: the parsed response, owned; freed by hrana_call_clear */
    cJSON *results;       /* out: response's "results" array, borrowed from response */
    int attempts;         /* out: HTTP attempts made */
};

/* Runs calls[0..n), up to max_inflight at once, each retried on its own. Returns 0 once every
 * call has a Hrana response (per-request errors inside results are the caller's to read), or
 * SV_EXIT_DATA with err filled (unreachable after retries, auth refused, oversized or malformed
 * response); calls already answered keep their responses. */
int hrana_run(hrana_client *c, hrana_call *calls, size_t n, char err[SV_ERR_LEN]);
void hrana_call_clear(hrana_call *call); /* frees response; call reusable */

/* ---- reading results ----
 * result i of a call as an execute result E, or NULL with err filled with the request's error
 * ("CODE: message", scrubbed). */
const cJSON *hrana_execute_result(hrana_client *c, const hrana_call *call, int i,
                                  char err[SV_ERR_LEN]);
/* result i as a batch: 0 when step `must_succeed` has a result and every step before it has
 * no error, else 1 with err naming the first failed step's error. */
int hrana_batch_ok(hrana_client *c, const hrana_call *call, int i, int must_succeed,
                   char err[SV_ERR_LEN]);

/* A value V: type name ("null", "integer", "float", "text", "blob"), and accessors that
 * return 0 on success, 1 when the value has another type or does not parse. */
const char *hrana_value_type(const cJSON *v);
int hrana_value_int(const cJSON *v, int64_t *out);
int hrana_value_float(const cJSON *v, double *out); /* integer values convert too */
const char *hrana_value_text(const cJSON *v);       /* NULL unless type text; borrowed */
/* Decoded blob into out (cap bytes); returns the byte count or -1. */
long hrana_value_blob(const cJSON *v, unsigned char *out, size_t cap);

/* 1 if a Hrana error (code, message) means "try again later": busy, locked, BLOCKED, quota. */
int hrana_error_is_transient(const char *code, const char *message);

/* Replaces every occurrence of the client's token in s (NUL-terminated, in place) by "***". */
void hrana_scrub(const hrana_client *c, char *s);

#endif
