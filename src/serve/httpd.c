/* httpd: libmicrohttpd underneath, one thread per connection.
 *
 * Why thread per connection: handlers block (a search scans vectors, the audio handler opens
 * files), and a blocked handler must hold up its own connection only. libmicrohttpd bounds
 * each connection's memory (its pool holds the request head: HTTPD_HEAD_MAX) and the number of
 * connections; its own timeout is an idle timeout, reset by every byte, which a client
 * trickling one byte a second never trips. So a watchdog thread here keeps each connection's
 * request start and shuts the socket down once a request has run past request_timeout_s.
 * shutdown() is safe against the file descriptor's reuse because libmicrohttpd reports a
 * connection closed (NOTIFY_CLOSED, which takes the same mutex as the watchdog) before it
 * closes the descriptor.
 *
 * The request target is parsed here rather than by libmicrohttpd (which decodes it before the
 * handler sees it): the raw target comes from the URI log callback, so a malformed %-escape or
 * an encoded NUL is a 400, never silently passed on.
 */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "monotime.h"
#include "tiktoken.h"

/* One open connection, for the watchdog. */
typedef struct conn_slot {
    int fd;
    double start;      /* monotime of the current request's start */
    int shut;          /* the watchdog shut it down */
    struct conn_slot *prev, *next;
} conn_slot;

struct httpd {
    struct MHD_Daemon *daemon;
    httpd_config cfg;
    int port;
    pthread_mutex_t mu;      /* guards slots and stopping */
    pthread_cond_t wake;
    conn_slot *slots;        /* doubly linked list of open connections */
    int stopping;
    pthread_t watchdog;
    int watchdog_started;
};

/* Per request: created by the URI log callback, freed by the completion callback. */
typedef struct req_ctx {
    httpd *h;
    struct MHD_Connection *conn;
    char *raw;            /* the request target as received */
    char *path;           /* decoded path */
    char *query;          /* decoded parameters, NUL-separated, pointed at by req */
    httpd_request req;
    const httpd_route *route;
    char *body;           /* route->max_body > 0: the body so far */
    size_t body_len;
    int body_too_big;
    const char *bad_why;
    int status;
    char method[16];
    double t0;
} req_ctx;

/* ---- small helpers ---- */

char *httpd_utf8_valid(const char *s, size_t len)
{
    int oom = 0;
    size_t out_len;
    char *fixed = tiktoken_sanitize_utf8(s, len, &out_len, &oom);
    if (fixed || oom)
        return fixed;
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

void httpd_reply_json(httpd_reply *reply, int status, char *body)
{
    free(reply->body);
    reply->body = body;
    reply->body_len = 0;
    reply->status = body ? status : 500;
    reply->content_type = "application/json";
    if (!body)
        httpd_reply_error(reply, 500, "out of memory");
}

void httpd_reply_error(httpd_reply *reply, int status, const char *fmt, ...)
{
    char raw[SV_ERR_LEN + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    char *text = httpd_utf8_valid(raw, strlen(raw));
    cJSON *o = cJSON_CreateObject();
    free(reply->body);
    reply->body = NULL;
    if (o && text && cJSON_AddStringToObject(o, "error", text))
        reply->body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    free(text);
    reply->body_len = 0;
    reply->status = status;
    reply->content_type = "application/json";
    if (reply->fd >= 0) {
        close(reply->fd);
        reply->fd = -1;
    }
    if (reply->static_body && reply->release)
        reply->release(reply->release_arg);
    reply->static_body = NULL;
    reply->release = NULL;
}

void httpd_reply_header(httpd_reply *reply, const char *name, const char *value)
{
    if (reply->n_headers >= HTTPD_MAX_HEADERS || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n") ||
        strlen(name) >= sizeof reply->header_names[0] || strlen(value) >= sizeof reply->header_values[0])
        return; /* never a cut header: a cut CSP or Content-Range would say something else */
    snprintf(reply->header_names[reply->n_headers], sizeof reply->header_names[0], "%s", name);
    snprintf(reply->header_values[reply->n_headers], sizeof reply->header_values[0], "%s", value);
    reply->n_headers++;
}

const char *httpd_header(const httpd_request *req, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn, MHD_HEADER_KIND, name);
}

const char *httpd_param(const httpd_request *req, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->param_names[i], name) == 0)
            v = req->param_values[i];
    return v;
}

static int hexval(char c)
{
    return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                          : (c >= 'A' && c <= 'F')   ? c - 'A' + 10
                                                                     : -1;
}

/* Decodes %XX (and '+' as a space when plus_is_space) in place. -1 on a malformed escape or an
 * encoded NUL. */
static int url_decode(char *s, int plus_is_space)
{
    char *out = s;
    for (; *s; s++) {
        if (*s == '+' && plus_is_space) {
            *out++ = ' ';
        } else if (*s == '%') {
            int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *out++ = (char)(hi * 16 + lo);
            s += 2;
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
    return 0;
}

/* Splits rc->raw into the decoded path and parameters; sets bad_why on a malformed target. */
static void parse_target(req_ctx *rc)
{
    const char *raw = rc->raw;
    const char *q = strchr(raw, '?');
    size_t plen = q ? (size_t)(q - raw) : strlen(raw);
    rc->path = malloc(plen + 1);
    rc->query = strdup(q ? q + 1 : "");
    if (!rc->path || !rc->query) {
        rc->bad_why = "out of memory";
        return;
    }
    memcpy(rc->path, raw, plen);
    rc->path[plen] = '\0';
    if (rc->path[0] != '/') {
        rc->bad_why = "malformed request target: it must start with '/'";
        return;
    }
    if (url_decode(rc->path, 0) != 0) {
        rc->bad_why = "malformed %-escape in the path";
        return;
    }
    httpd_request *req = &rc->req;
    for (char *save = NULL, *pair = strtok_r(rc->query, "&", &save); pair;
         pair = strtok_r(NULL, "&", &save)) {
        if (req->n_params == HTTPD_MAX_PARAMS) {
            rc->bad_why = "too many query parameters (at most 32)";
            return;
        }
        char *eq = strchr(pair, '=');
        char *value = eq ? eq + 1 : pair + strlen(pair);
        if (eq)
            *eq = '\0';
        if (url_decode(pair, 1) != 0 || url_decode(value, 1) != 0) {
            rc->bad_why = "malformed %-escape in the query string";
            return;
        }
        req->param_names[req->n_params] = pair;
        req->param_values[req->n_params] = value;
        req->n_params++;
    }
}

/* The route for path and method: *path_known = some route has this path (for 404 vs 405). */
static const httpd_route *find_route(const httpd *h, const char *path, const char *method,
                                     int *path_known, const char **tail)
{
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    *path_known = 0;
    for (size_t i = 0; i < h->cfg.n_routes; i++) {
        const httpd_route *r = &h->cfg.routes[i];
        size_t n = strlen(r->path);
        int match = r->prefix ? strncmp(path, r->path, n) == 0 : strcmp(path, r->path) == 0;
        if (!match)
            continue;
        *path_known = 1;
        if (strcmp(r->method, m) == 0) {
            *tail = r->prefix ? path + n : "";
            return r;
        }
    }
    return NULL;
}

/* The methods served at path, for Allow. */
static void allowed_methods(const httpd *h, const char *path, char *out, size_t outsz)
{
    out[0] = '\0';
    for (size_t i = 0; i < h->cfg.n_routes; i++) {
        const httpd_route *r = &h->cfg.routes[i];
        size_t n = strlen(r->path);
        if (r->prefix ? strncmp(path, r->path, n) != 0 : strcmp(path, r->path) != 0)
            continue;
        if (!strstr(out, r->method)) {
            size_t len = strlen(out);
            snprintf(out + len, outsz - len, "%s%s%s", len ? ", " : "", r->method,
                     strcmp(r->method, "GET") == 0 ? ", HEAD" : "");
        }
    }
}

/* ---- the watchdog ---- */

static void *watchdog_main(void *arg)
{
    httpd *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->stopping) {
        double now = monotime_now();
        for (conn_slot *s = h->slots; s; s = s->next) {
            if (!s->shut && now - s->start > h->cfg.request_timeout_s) {
                shutdown(s->fd, SHUT_RDWR);
                s->shut = 1;
                if (h->cfg.log_requests)
                    msg_info("a request ran past the %.0f s limit: its connection was closed",
                             h->cfg.request_timeout_s);
            }
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000 * 1000; /* 10 checks a second: the limit holds to 0.1 s */
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&h->wake, &h->mu, &until);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    httpd *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_slot *s = calloc(1, sizeof *s);
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!s || !ci) {
            free(s);
            return; /* no watchdog for this one; libmicrohttpd's idle timeout still applies */
        }
        s->fd = ci->connect_fd;
        s->start = monotime_now();
        pthread_mutex_lock(&h->mu);
        s->next = h->slots;
        if (h->slots)
            h->slots->prev = s;
        h->slots = s;
        pthread_mutex_unlock(&h->mu);
        *socket_context = s;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        conn_slot *s = *socket_context;
        pthread_mutex_lock(&h->mu);
        if (s->prev)
            s->prev->next = s->next;
        else
            h->slots = s->next;
        if (s->next)
            s->next->prev = s->prev;
        pthread_mutex_unlock(&h->mu);
        free(s);
        *socket_context = NULL;
    }
}

/* ---- requests ---- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    req_ctx *rc = calloc(1, sizeof *rc);
    if (!rc)
        return NULL;
    rc->h = cls;
    rc->conn = conn;
    rc->t0 = monotime_now();
    rc->raw = strdup(uri ? uri : "");
    return rc;
}

/* The target as logged: control bytes and non-ASCII shown as %XX, at most 200 bytes. */
static void loggable(const char *raw, char out[256])
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)raw; *p && w < 200; p++) {
        if (*p < 0x20 || *p >= 0x7f)
            w += (size_t)snprintf(out + w, 256 - w, "%%%02X", *p);
        else
            out[w++] = (char)*p;
    }
    out[w] = '\0';
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    httpd *h = cls;
    req_ctx *rc = *req_cls;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (ci && ci->socket_context) {
        conn_slot *s = ci->socket_context;
        pthread_mutex_lock(&h->mu);
        s->start = monotime_now(); /* the next request on this connection starts its clock */
        pthread_mutex_unlock(&h->mu);
    }
    if (!rc)
        return;
    if (h->cfg.log_requests && rc->status) {
        char shown[256];
        loggable(rc->raw ? rc->raw : "", shown);
        msg_info("%s %s → %d (%.1f ms)%s", rc->method, shown, rc->status,
                 (monotime_now() - rc->t0) * 1000,
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (not completed: client gone or timed out)");
    }
    free(rc->raw);
    free(rc->path);
    free(rc->query);
    free(rc->body);
    free(rc);
    *req_cls = NULL;
}

static enum MHD_Result send_reply(req_ctx *rc, httpd_reply *reply)
{
    httpd *h = rc->h;
    struct MHD_Response *resp = NULL;
    if (reply->fd >= 0) {
        resp = MHD_create_response_from_fd_at_offset64(reply->fd_len, reply->fd, reply->fd_offset);
        if (resp)
            reply->fd = -1; /* libmicrohttpd closes it */
    } else if (reply->static_body && reply->release) {
        resp = MHD_create_response_from_buffer_with_free_callback_cls(
            reply->body_len, (void *)reply->static_body, reply->release, reply->release_arg);
        if (!resp)
            reply->release(reply->release_arg);
    } else if (reply->static_body) {
        resp = MHD_create_response_from_buffer(reply->body_len, (void *)reply->static_body,
                                               MHD_RESPMEM_PERSISTENT);
    } else {
        if (!reply->body)
            httpd_reply_error(reply, 500, "out of memory");
        size_t len = reply->body_len ? reply->body_len : (reply->body ? strlen(reply->body) : 0);
        resp = MHD_create_response_from_buffer(len, reply->body, MHD_RESPMEM_MUST_FREE);
        if (resp)
            reply->body = NULL;
    }
    if (reply->fd >= 0)
        close(reply->fd);
    free(reply->body);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type",
                            reply->content_type ? reply->content_type : "application/json");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    for (size_t i = 0; i < reply->n_headers; i++)
        MHD_add_response_header(resp, reply->header_names[i], reply->header_values[i]);
    if (h->cfg.allow_origin)
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", h->cfg.allow_origin);
    rc->status = reply->status;
    enum MHD_Result r = MHD_queue_response(rc->conn, (unsigned)reply->status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    httpd *h = cls;
    (void)url;
    (void)version;
    req_ctx *rc = *req_cls;
    if (!rc || !rc->raw)
        return MHD_NO; /* out of memory: drop the connection */
    httpd_reply reply;
    memset(&reply, 0, sizeof reply);
    reply.fd = -1;
    reply.status = 200;

    if (!rc->method[0]) { /* first call: the head is complete */
        snprintf(rc->method, sizeof rc->method, "%s", method);
        rc->req.method = rc->method;
        rc->req.raw_target = rc->raw;
        rc->req.conn = conn;
        parse_target(rc);
        if (rc->bad_why) {
            httpd_reply_error(&reply, 400, "%s", rc->bad_why);
            return send_reply(rc, &reply);
        }
        int known;
        const char *tail = "";
        rc->route = find_route(h, rc->path, method, &known, &tail);
        rc->req.path = rc->path;
        rc->req.tail = tail;
        if (!rc->route) {
            if (known) {
                char allow[64];
                allowed_methods(h, rc->path, allow, sizeof allow);
                httpd_reply_error(&reply, 405, "%s is not served at %s: use %s", method, rc->path, allow);
                httpd_reply_header(&reply, "Allow", allow);
            } else {
                char list[512] = "";
                size_t w = 0;
                for (size_t i = 0; i < h->cfg.n_routes && w < sizeof list - 64; i++)
                    w += (size_t)snprintf(list + w, sizeof list - w, "%s%s %s%s", i ? ", " : "",
                                          h->cfg.routes[i].method, h->cfg.routes[i].path,
                                          h->cfg.routes[i].prefix ? "ID" : "");
                httpd_reply_error(&reply, 404, "no such endpoint '%.200s': the API has %s", rc->path, list);
            }
            return send_reply(rc, &reply);
        }
        if (rc->route->max_body == 0) {
            const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
            const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
            if ((cl && strtoull(cl, NULL, 10) > 0) || te) {
                httpd_reply_error(&reply, 413, "%s %s takes no request body", method, rc->path);
                return send_reply(rc, &reply);
            }
            rc->route->handle(&rc->req, &reply, h->cfg.ctx);
            return send_reply(rc, &reply);
        }
        return MHD_YES; /* a route with a body: wait for it */
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rc->body_too_big || rc->body_len + n > rc->route->max_body) {
            rc->body_too_big = 1; /* keep reading (and dropping) so the 413 can be sent */
            return MHD_YES;
        }
        char *b = realloc(rc->body, rc->body_len + n + 1);
        if (!b)
            return MHD_NO;
        memcpy(b + rc->body_len, upload_data, n);
        rc->body = b;
        rc->body_len += n;
        b[rc->body_len] = '\0';
        return MHD_YES;
    }
    if (rc->body_too_big) {
        httpd_reply_error(&reply, 413, "request body over %zu bytes", rc->route->max_body);
        return send_reply(rc, &reply);
    }
    rc->req.body = rc->body ? rc->body : "";
    rc->req.body_len = rc->body_len;
    rc->route->handle(&rc->req, &reply, h->cfg.ctx);
    return send_reply(rc, &reply);
}

/* ---- start and stop ---- */

int httpd_port(const httpd *h) { return h->port; }

httpd *httpd_start(const httpd_config *cfg, char err[SV_ERR_LEN])
{
    httpd *h = calloc(1, sizeof *h);
    int lfd = -1;
    if (!h) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    h->cfg = *cfg;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->wake, NULL);

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->host, &addr.sin_addr) != 1) {
        sv_fail(err, SV_EXIT_USAGE, "'%s' is not an IPv4 address (e.g. 127.0.0.1)", cfg->host);
        goto fail;
    }
    /* Our own listening socket: bind errors are then errno, said plainly. */
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 128) != 0) {
        sv_fail(err, SV_EXIT_USAGE, "cannot listen on %s:%d: %s (pick another --port)", cfg->host,
                cfg->port, strerror(errno));
        goto fail;
    }
    socklen_t alen = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &alen);
    h->port = ntohs(addr.sin_port);

    unsigned idle = (unsigned)(cfg->request_timeout_s + 0.999);
    h->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL,
        0, NULL, NULL, on_request, h,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)lfd,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(HTTPD_HEAD_MAX + 16384),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, idle ? idle : 1u,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)(1024 * 1024),
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_END);
    if (!h->daemon) {
        sv_fail(err, SV_EXIT_DATA, "cannot start the HTTP server on %s:%d", cfg->host, h->port);
        goto fail;
    }
    lfd = -1; /* the daemon owns it now */
    if (pthread_create(&h->watchdog, NULL, watchdog_main, h) != 0) {
        sv_fail(err, SV_EXIT_DATA, "cannot start the request watchdog thread");
        goto fail;
    }
    h->watchdog_started = 1;
    return h;
fail:
    if (lfd >= 0)
        close(lfd);
    httpd_stop(h);
    return NULL;
}

void httpd_stop(httpd *h)
{
    if (!h)
        return;
    if (h->daemon)
        MHD_stop_daemon(h->daemon);
    pthread_mutex_lock(&h->mu);
    h->stopping = 1;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->mu);
    if (h->watchdog_started)
        pthread_join(h->watchdog, NULL);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->mu);
    free(h);
}
