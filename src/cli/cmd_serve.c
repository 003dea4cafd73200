/* samplevec serve: the search API over HTTP/1.1 on loopback, for the sample manager's web app.
 *
 *   GET /search?q=TEXT&k=&bpm=&key=&genre=&mood=&min_similarity=   → 200 JSON array
 *   GET /similar/ID?k=&bpm=&key=&genre=&mood=&min_similarity=      → 200 JSON array
 *   GET /health                                                     → 200 {"status":"ok",...}
 * The arrays are exactly what `search --json` / `similar --json` print. Errors are JSON too:
 * {"error": "..."} with 400 (bad parameter), 404 (unknown path or sample), 405 (not GET),
 * 413 (request head over 16 KiB), 500 (store failure).
 * One request per connection (Connection: close), answered in arrival order; the vector cache
 * stays mapped between requests and is re-checked against the store before each query, so an
 * `embed` running beside the server is picked up by the next request.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cliopt.h"
#include "commands.h"
#include "locations.h"
#include "monotime.h"
#include "msg.h"
#include "searcher.h"

#define SERVE_HEAD_MAX 16384

static const char serve_help[] =
    "usage: samplevec serve [--port P] [--host ADDR] [OPTIONS]\n"
    "\n"
    "Answers searches over HTTP until interrupted:\n"
    "  GET /search?q=TEXT&k=10&bpm=85-95&key=Am&genre=soul&mood=dark&min_similarity=0.2\n"
    "  GET /similar/ID?k=10&...      (same filters; the sample itself is left out)\n"
    "  GET /health\n"
    "Both return the JSON array `samplevec search --json` prints; a bad parameter gets\n"
    "400 with {\"error\": \"...\"}.\n"
    "\n"
    "options:\n"
    "  --allow-origin ORIGIN  send Access-Control-Allow-Origin: ORIGIN so a browser page from\n"
    "                         ORIGIN (e.g. http://localhost:3000) may call the API (default: none)\n"
    "  --base-url URL         OpenAI-compatible server of the store's provider (see search --help)\n"
    "  --host ADDR            IPv4 address to listen on (default 127.0.0.1, loopback only)\n"
    "  --library PATH         sample manager database; locates the default store\n"
    "  --model PATH           the .gguf file of a store embedded with --provider gguf\n"
    "  --no-cache             keep the vector cache in a private temporary file\n"
    "  --port P               TCP port (default 8404; 0 = any free port, printed on stderr)\n"
    "  --store PATH|URL|app   vector store (default: $TURSO_DATABASE_URL, else samplevec.db next\n"
    "                         to the library); app = the library's own sample_embeddings\n"
    "                         table (filters read from its samples and vibe_analyses)\n"
    "  --help                 this text\n"
    "\n"
    "exit codes: 0 stopped by SIGINT/SIGTERM, 2 usage error or the port is taken,\n"
    "3 store unreadable, empty or unreachable.\n";

enum {
    OPT_ALLOW_ORIGIN = 256, OPT_BASE_URL, OPT_HELP, OPT_HOST, OPT_LIBRARY, OPT_MODEL, OPT_NO_CACHE, OPT_PORT,
    OPT_STORE,
};

/* Alphasorted. */
static const struct option serve_table[] = {
    {"allow-origin", required_argument, NULL, OPT_ALLOW_ORIGIN},
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"help", no_argument, NULL, OPT_HELP},
    {"host", required_argument, NULL, OPT_HOST},
    {"library", required_argument, NULL, OPT_LIBRARY},
    {"model", required_argument, NULL, OPT_MODEL},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"port", required_argument, NULL, OPT_PORT},
    {"store", required_argument, NULL, OPT_STORE},
    {NULL, 0, NULL, 0},
};

static volatile sig_atomic_t stop_requested;
static void on_stop(int sig) { (void)sig; stop_requested = 1; }

typedef struct response {
    int status;
    char *body; /* malloc'd JSON */
} response;

static const char *status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Request Header Fields Too Large";
    default: return "Internal Server Error";
    }
}

static void set_error(response *r, int status, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", message);
    free(r->body);
    r->body = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    r->status = status;
}

/* Decodes %XX and '+' in place. -1 on a malformed escape or an encoded NUL. */
static int url_decode(char *s)
{
    char *out = s;
    for (; *s; s++) {
        if (*s == '+') {
            *out++ = ' ';
        } else if (*s == '%') {
            int hi, lo;
            char h = s[1], l = h ? s[2] : 0;
            hi = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
            lo = (l >= '0' && l <= '9') ? l - '0' : (l >= 'a' && l <= 'f') ? l - 'a' + 10 : (l >= 'A' && l <= 'F') ? l - 'A' + 10 : -1;
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

/* Handles one request target (path?query, modified in place). */
static void route(searcher *sr, char *target, response *r)
{
    char err[SV_ERR_LEN], msg[SV_ERR_LEN + 64];
    char *query = strchr(target, '?');
    if (query)
        *query++ = '\0';
    int is_search = strcmp(target, "/search") == 0;
    int is_similar = strncmp(target, "/similar/", 9) == 0;
    if (strcmp(target, "/health") == 0) {
        const store_meta *m = searcher_meta(sr);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "status", "ok");
        cJSON_AddNumberToObject(o, "rows", (double)m->rows);
        cJSON_AddStringToObject(o, "provider", m->provider);
        cJSON_AddStringToObject(o, "model", m->model);
        cJSON_AddNumberToObject(o, "dims", m->dims);
        r->body = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        r->status = 200;
        return;
    }
    if (!is_search && !is_similar) {
        snprintf(msg, sizeof msg, "no such endpoint '%.200s': use /search?q=..., /similar/ID or /health", target);
        set_error(r, 404, msg);
        return;
    }

    searcher_query q;
    searcher_query_init(&q);
    const char *text = NULL;
    for (char *save = NULL, *pair = query ? strtok_r(query, "&", &save) : NULL; pair;
         pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        char *value = eq ? eq + 1 : pair + strlen(pair);
        if (eq)
            *eq = '\0';
        if (url_decode(pair) != 0 || url_decode(value) != 0) {
            set_error(r, 400, "malformed %-escape in the query string");
            return;
        }
        if (strcmp(pair, "q") == 0) {
            text = value;
        } else if (searcher_query_set(&q, pair, value, err) != 0) {
            set_error(r, 400, err);
            return;
        }
    }

    int rc, found = 1;
    query_results res = {0};
    if (is_search) {
        if (!text || !text[strspn(text, " \t\r\n")]) {
            set_error(r, 400, "q: missing or empty; describe a sound, e.g. /search?q=dark+moody+hip+hop");
            return;
        }
        rc = searcher_search(sr, text, &q, &res, err);
    } else {
        const char *id_text = target + 9;
        char *end;
        errno = 0;
        long long id = strtoll(id_text, &end, 10);
        if (end == id_text || *end || errno || id < 0) {
            snprintf(msg, sizeof msg, "'%.64s' is not a sample id (a whole number)", id_text);
            set_error(r, 400, msg);
            return;
        }
        rc = searcher_similar(sr, id, &q, &res, &found, err);
        if (!rc && !found) {
            snprintf(msg, sizeof msg, "sample %lld has no embedding in the store", id);
            set_error(r, 404, msg);
            query_results_clear(&res);
            return;
        }
    }
    if (rc) {
        set_error(r, rc == SV_EXIT_USAGE ? 400 : 500, err);
    } else {
        r->body = search_results_json(&res);
        r->status = r->body ? 200 : 500;
    }
    query_results_clear(&res);
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void serve_one(int fd, searcher *sr, const char *allow_origin)
{
    char head[SERVE_HEAD_MAX + 1];
    size_t len = 0;
    response r = {500, NULL};
    double t0 = monotime_now();
    /* A slow or silent client cannot hold the server for more than this. */
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    for (;;) {
        if (len == SERVE_HEAD_MAX) {
            set_error(&r, 413, "request head over 16 KiB");
            goto reply;
        }
        ssize_t got = recv(fd, head + len, SERVE_HEAD_MAX - len, 0);
        if (got < 0 && errno == EINTR && !stop_requested)
            continue;
        if (got <= 0)
            return; /* closed, timed out or interrupted before a full head: nothing to answer */
        if (monotime_now() - t0 > 5.0)
            return; /* a head trickled in byte by byte: same limit as one silent read */
        len += (size_t)got;
        head[len] = '\0';
        if (strstr(head, "\r\n\r\n") || strstr(head, "\n\n"))
            break;
    }
    char method[16], target[SERVE_HEAD_MAX];
    if (sscanf(head, "%15s %16383s", method, target) != 2 || target[0] != '/') {
        set_error(&r, 400, "malformed request line");
        goto reply;
    }
    if (strcmp(method, "GET") != 0) {
        set_error(&r, 405, "only GET is served");
        goto reply;
    }
    char logged[200];
    snprintf(logged, sizeof logged, "%.199s", target);
    route(sr, target, &r);
    msg_info("GET %s → %d (%.1f ms)", logged, r.status, (monotime_now() - t0) * 1000);
reply:
    if (!r.body)
        r.body = strdup("{\"error\":\"out of memory\"}");
    char hdr[512];
    int n = snprintf(hdr, sizeof hdr,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n%s%s%s%s\r\n",
                     r.status, status_text(r.status), r.body ? strlen(r.body) : 0,
                     allow_origin ? "Access-Control-Allow-Origin: " : "", allow_origin ? allow_origin : "",
                     allow_origin ? "\r\n" : "", r.status == 405 ? "Allow: GET\r\n" : "");
    send_all(fd, hdr, (size_t)n);
    if (r.body)
        send_all(fd, r.body, strlen(r.body));
    free(r.body);
}

int cmd_serve(int argc, char **argv)
{
    const char *library_path = LOCATIONS_DEFAULT_LIBRARY, *store_loc = NULL, *host = "127.0.0.1";
    const char *allow_origin = NULL, *model = NULL, *base_url = NULL;
    int use_cache = 1, c;
    int64_t port = 8404;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", serve_table, NULL)) != -1) {
        switch (c) {
        case OPT_ALLOW_ORIGIN:
            if (strpbrk(optarg, "\r\n"))
                return msg_usage("serve", "option --allow-origin: '%s' contains a line break", optarg);
            allow_origin = optarg;
            break;
        case OPT_BASE_URL: base_url = optarg; break;
        case OPT_HELP: fputs(serve_help, stdout); return SV_EXIT_OK;
        case OPT_HOST: host = optarg; break;
        case OPT_LIBRARY: library_path = optarg; break;
        case OPT_MODEL: model = optarg; break;
        case OPT_NO_CACHE: use_cache = 0; break;
        case OPT_PORT:
            if (cliopt_int("serve", "port", optarg, 0, 65535, &port))
                return SV_EXIT_USAGE;
            break;
        case OPT_STORE: store_loc = optarg; break;
        default: return cliopt_bad_option("serve", c, argv);
        }
    }
    if (optind < argc)
        return msg_usage("serve", "unexpected argument '%s'", argv[optind]);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
        return msg_usage("serve", "option --host: '%s' is not an IPv4 address (e.g. 127.0.0.1)", host);
    char store_buf[LOCATIONS_LEN], err[SV_ERR_LEN];
    locations_resolve_store(store_loc, library_path, store_buf);
    store_loc = store_buf;

    int rc = 0, lfd = -1;
    searcher *sr = searcher_open(store_loc, use_cache, &rc, err);
    if (!sr) {
        msg_error("%s", err);
        return rc;
    }
    searcher_set_provider(sr, model, base_url);
    /* Map the cache now, so the first request is as fast as the rest. */
    searcher_query warm;
    searcher_query_init(&warm);
    warm.k = 1;
    query_results none = {0};
    int found;
    if ((rc = searcher_similar(sr, -1, &warm, &none, &found, err))) {
        msg_error("%s", err);
        goto done;
    }
    query_results_clear(&none);

    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 64) != 0) {
        msg_error("cannot listen on %s:%lld: %s (pick another --port)", host, (long long)port, strerror(errno));
        rc = SV_EXIT_USAGE;
        goto done;
    }
    socklen_t alen = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &alen);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: accept() returns EINTR and the loop ends */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    char store_shown[LOCATIONS_LEN];
    locations_shown(store_loc, store_shown);
    msg_info("serving %s (%lld samples, %s) on http://%s:%d/ — Ctrl-C stops", store_shown,
             (long long)searcher_meta(sr)->rows, searcher_meta(sr)->model, host, ntohs(addr.sin_port));
    fflush(stderr);
    while (!stop_requested) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            msg_error("accept: %s", strerror(errno));
            rc = SV_EXIT_DATA;
            break;
        }
        serve_one(fd, sr, allow_origin);
        close(fd);
    }
    if (stop_requested)
        msg_info("stopped");
done:
    if (lfd >= 0)
        close(lfd);
    searcher_free(sr);
    return rc;
}
