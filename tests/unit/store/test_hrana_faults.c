/* hrana: faults a real server will not produce on demand, from a fake HTTP server on loopback
 * (one thread, one connection at a time, `Connection: close` like tursodb): 5xx then success,
 * 5xx forever, 401, a black hole, an oversized body, BLOCKED errors, a server without `close`,
 * and several requests in flight. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "hrana.h"

#define TOKEN "fake-T0KEN-42"

enum mode { M_OK, M_503_THEN_OK, M_503, M_401, M_HANG, M_HUGE, M_BLOCKED_THEN_OK, M_NO_CLOSE, M_V3 };

static const char ok_body[] =
    "{\"baton\":null,\"base_url\":null,\"results\":[{\"type\":\"ok\",\"response\":{\"type\":"
    "\"execute\",\"result\":{\"cols\":[],\"rows\":[[{\"type\":\"integer\",\"value\":\"1\"}]]}}}]}";

typedef struct fake {
    int listen_fd, port;
    enum mode mode;
    atomic_int posts;        /* pipeline requests seen */
    atomic_int closes_seen;  /* bodies that carried {"type":"close"} */
    atomic_int auth_ok;      /* requests with the right Authorization header */
    atomic_int stop;
    pthread_t thread;
} fake;

static void send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void reply(int fd, int status, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status, strlen(body));
    send_all(fd, head, (size_t)n);
    send_all(fd, body, strlen(body));
}

/* Reads one request (headers + Content-Length body) into buf; returns its length or -1. */
static long read_request(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    long need = -1;
    while (len < cap - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 2000) <= 0)
            return -1;
        ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
        if (r <= 0)
            return -1;
        len += (size_t)r;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end && need < 0) {
            char *cl = strcasestr(buf, "Content-Length:");
            need = (long)(end + 4 - buf) + (cl && cl < end ? atol(cl + 15) : 0);
        }
        if (need >= 0 && (long)len >= need)
            return (long)len;
    }
    return -1;
}

static void *fake_main(void *arg)
{
    fake *f = arg;
    static char buf[1 << 20];
    while (!f->stop) {
        struct pollfd p = {f->listen_fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(f->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        long n = read_request(fd, buf, sizeof buf);
        if (n < 0) {
            close(fd);
            continue;
        }
        if (strncmp(buf, "GET /v3", 7) == 0) { /* v2-only (tursodb) unless M_V3 */
            reply(fd, f->mode == M_V3 ? 200 : 404, f->mode == M_V3 ? "" : "Not Found");
            close(fd);
            continue;
        }
        if (f->mode == M_V3 && strncmp(buf, "POST /v3/pipeline ", 18) != 0) {
            reply(fd, 404, "Not Found");
            close(fd);
            continue;
        }
        if (f->mode != M_V3 && strncmp(buf, "POST /v2/pipeline ", 18) != 0) {
            reply(fd, 404, "Not Found");
            close(fd);
            continue;
        }
        int k = ++f->posts;
        if (strstr(buf, "Authorization: Bearer " TOKEN "\r\n"))
            f->auth_ok++;
        int has_close = strstr(buf, "{\"type\":\"close\"}") != NULL;
        if (has_close)
            f->closes_seen++;
        switch (f->mode) {
        case M_OK:
        case M_V3: reply(fd, 200, ok_body); break;
        case M_503_THEN_OK: reply(fd, k <= 2 ? 503 : 200, k <= 2 ? "overloaded " TOKEN : ok_body); break;
        case M_503: /* the token straddles the client's 160-byte excerpt */
            reply(fd, 503, "Service Unavailable. 0123456789012345678901234567890123456789012345678901"
                           "2345678901234567890123456789012345678901234567890123456789012345678901"
                           "23456789012 " TOKEN " is fine");
            break;
        case M_401: reply(fd, 401, "{\"error\":\"bad token " TOKEN "\"}"); break;
        case M_HANG: { /* answer nothing until the test stops the server (or 30 s pass): the
                          * client's timeout must end the attempt, however slow the machine */
            struct timespec ts = {0, 20000000};
            for (int i = 0; i < 1500 && !f->stop; i++)
                nanosleep(&ts, NULL);
            break;
        }
        case M_HUGE: {
            const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
            send_all(fd, head, sizeof head - 1);
            static char chunk[65536];
            memset(chunk, ' ', sizeof chunk);
            for (int i = 0; i < 64 && !f->stop; i++) /* 4 MiB, no Content-Length */
                send_all(fd, chunk, sizeof chunk);
            break;
        }
        case M_BLOCKED_THEN_OK:
            reply(fd, 200, k <= 2 ? "{\"baton\":null,\"base_url\":null,\"results\":[{\"type\":\"error\","
                                    "\"error\":{\"message\":\"Operation was blocked\",\"code\":\"BLOCKED\"}}]}"
                                  : ok_body);
            break;
        case M_NO_CLOSE:
            if (has_close)
                reply(fd, 500, "Internal Server Error: Failed to parse pipeline request: unknown "
                               "variant `close`, expected `execute` or `batch`");
            else
                reply(fd, 200, ok_body);
            break;
        }
        close(fd);
    }
    return NULL;
}

static void fake_start(fake *f, enum mode m)
{
    memset(f, 0, sizeof *f);
    f->mode = m;
    f->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(f->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(f->listen_fd, (struct sockaddr *)&a, sizeof a);
    listen(f->listen_fd, 16);
    getsockname(f->listen_fd, (struct sockaddr *)&a, &len);
    f->port = ntohs(a.sin_port);
    pthread_create(&f->thread, NULL, fake_main, f);
}

static void fake_stop(fake *f)
{
    f->stop = 1;
    pthread_join(f->thread, NULL);
    close(f->listen_fd);
}

/* Runs n one-statement calls against the fake; returns hrana_run's code. */
static int run_calls(fake *f, size_t n, int retries, long timeout_ms, size_t max_response,
                     char err[SV_ERR_LEN], int *attempts)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", f->port);
    hrana_options o;
    hrana_options_default(&o);
    o.max_retries = retries;
    o.timeout_ms = timeout_ms;
    o.connect_timeout_ms = timeout_ms;
    if (max_response)
        o.max_response = max_response;
    hrana_client *c = hrana_client_new(url, TOKEN, &o, err);
    static const char req[] = "{\"type\":\"execute\",\"stmt\":{\"sql\":\"SELECT 1\"}}";
    hrana_call calls[8];
    memset(calls, 0, sizeof calls);
    for (size_t i = 0; i < n; i++) {
        calls[i].requests = req;
        calls[i].requests_len = sizeof req - 1;
    }
    int rc = hrana_run(c, calls, n, err);
    if (attempts)
        *attempts = calls[0].attempts;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) { /* every call answered, with the server's row */
            char e[SV_ERR_LEN];
            const cJSON *res = hrana_execute_result(c, &calls[i], 0, e);
            int64_t v = 0;
            CHECK(res && hrana_value_int(cJSON_GetArrayItem(cJSON_GetArrayItem(
                                             cJSON_GetObjectItem(res, "rows"), 0), 0), &v) == 0 && v == 1);
        }
        hrana_call_clear(&calls[i]);
    }
    hrana_client_free(c);
    return rc;
}

int main(void)
{
    fake f;
    char err[SV_ERR_LEN];
    int attempts = 0;

    /* several calls in flight, each with the bearer token, each closing its stream */
    fake_start(&f, M_OK);
    CHECK(run_calls(&f, 6, 0, 5000, 0, err, NULL) == 0);
    fake_stop(&f);
    CHECK(f.posts == 6);
    CHECK(f.auth_ok == 6);
    CHECK(f.closes_seen == 6);

    /* 503 twice, then fine: retried with backoff, succeeds */
    fake_start(&f, M_503_THEN_OK);
    CHECK(run_calls(&f, 1, 3, 5000, 0, err, &attempts) == 0);
    fake_stop(&f);
    CHECK(attempts == 3);

    /* 503 forever: gives up after 1 + retries attempts, exit 3, token scrubbed from the excerpt */
    fake_start(&f, M_503);
    CHECK(run_calls(&f, 1, 2, 5000, 0, err, &attempts) == SV_EXIT_DATA);
    fake_stop(&f);
    CHECK(attempts == 3 && f.posts == 3);
    CHECK(strstr(err, "503") != NULL);
    CHECK(strstr(err, "gave up after 3 attempts") != NULL);
    CHECK(strstr(err, TOKEN) == NULL);
    CHECK(strstr(err, "fake") == NULL); /* not even its first bytes */

    /* 401: not retried, names the variable, not its value */
    fake_start(&f, M_401);
    CHECK(run_calls(&f, 1, 5, 5000, 0, err, &attempts) == SV_EXIT_DATA);
    fake_stop(&f);
    CHECK(f.posts == 1);
    CHECK(strstr(err, "TURSO_AUTH_TOKEN") != NULL);
    CHECK(strstr(err, TOKEN) == NULL);

    /* a server that accepts and never answers: the client's 300 ms timeout ends each attempt
     * (the server hangs up only later, so an error that says "timed out" is the timeout's) */
    fake_start(&f, M_HANG);
    CHECK(run_calls(&f, 1, 1, 300, 0, err, &attempts) == SV_EXIT_DATA);
    fake_stop(&f);
    CHECK(attempts == 2);
    CHECK(strstr(err, "imeout") != NULL || strstr(err, "timed out") != NULL);

    /* a 4 MiB body against a 1 MiB cap: refused, not retried, not buffered whole */
    fake_start(&f, M_HUGE);
    CHECK(run_calls(&f, 1, 3, 5000, 1 << 20, err, &attempts) == SV_EXIT_DATA);
    fake_stop(&f);
    CHECK(attempts == 1);
    CHECK(strstr(err, "larger than") != NULL);

    /* BLOCKED (Turso's over-quota answer) twice, then fine */
    fake_start(&f, M_BLOCKED_THEN_OK);
    CHECK(run_calls(&f, 1, 3, 5000, 0, err, &attempts) == 0);
    fake_stop(&f);
    CHECK(attempts == 3);

    /* a server without `close` (tursodb): one refusal, then requests go without it */
    fake_start(&f, M_NO_CLOSE);
    CHECK(run_calls(&f, 3, 0, 5000, 0, err, NULL) == 0);
    fake_stop(&f);
    CHECK(f.closes_seen >= 1 && f.closes_seen <= 3);
    CHECK(f.posts - f.closes_seen == 3); /* each call answered once, without close */

    /* a server whose GET /v3 answers 200 gets /v3/pipeline (the fake 404s /v2 then) */
    fake_start(&f, M_V3);
    CHECK(run_calls(&f, 2, 0, 5000, 0, err, NULL) == 0);
    fake_stop(&f);
    CHECK(f.posts == 2);

    /* connection refused: nothing listens on the fake's old port */
    CHECK(run_calls(&f, 1, 1, 2000, 0, err, &attempts) == SV_EXIT_DATA);
    CHECK(strstr(err, "127.0.0.1") != NULL);
    return check_summary();
}
