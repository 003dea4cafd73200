/* http: connection reuse, many transfers in flight, the body cap, timeouts, headers, refused
 * connections; against tests/fake_openai/server.js on loopback. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fake_server.h"
#include "http.h"

static const char BODY[] = "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\",\"c\"],\"dimensions\":8}";

/* The fake server's own count of the most requests it held at once (GET /__stats). */
static long max_in_flight(http_client *c, const fake_server *s)
{
    char url[128], err[SV_ERR_LEN];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/__stats", s->port);
    http_request get = {url, NULL, 0, NULL, 0};
    http_response r;
    long most = -1;
    if (http_perform(c, &get, &r, err) == 0 && r.status == 200 && r.body) {
        const char *p = strstr(r.body, "\"max_in_flight\":");
        if (p)
            most = strtol(p + strlen("\"max_in_flight\":"), NULL, 10);
    }
    http_response_free(&r);
    return most;
}

/* POST /__control: the fake server's latency from now on. */
static void set_latency(http_client *c, const fake_server *s, int ms)
{
    char url[128], body[64], err[SV_ERR_LEN];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/__control", s->port);
    snprintf(body, sizeof body, "{\"latency_ms\": %d}", ms);
    http_request post = {url, body, strlen(body), NULL, 0};
    http_response r;
    CHECK(http_perform(c, &post, &r, err) == 0 && r.status == 200);
    http_response_free(&r);
}

int main(void)
{
    fake_server s;
    const char *args[] = {"--latency-ms", "100", "--faults", "ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,ok,429,slow", NULL};
    if (fake_start(&s, args) != 0) {
        fprintf(stderr, "cannot start the fake server (is node installed?)\n");
        CHECK(0);
        return check_summary();
    }
    char url[128], err[SV_ERR_LEN];
    snprintf(url, sizeof url, "%s/embeddings", s.base_url);
    const char *headers[] = {"Content-Type: application/json"};
    http_request req = {url, BODY, strlen(BODY), headers, 1};
    /* Timeouts far beyond any answer here, however loaded the machine: only the case that
     * tests the timeout uses a short one (below), against an answer 100 times later. */
    http_options opt = {10000, 30000, 0, 4};
    http_client *c = http_client_new(&opt, err);
    CHECK(c != NULL);

    /* Sequential requests reuse one connection. */
    long opened = 0;
    for (int i = 0; i < 4; i++) {
        http_response r;
        CHECK(http_perform(c, &req, &r, err) == 0);
        CHECK(r.status == 200 && !r.transport_error && r.body && strstr(r.body, "\"usage\""));
        opened += r.new_connections;
        http_response_free(&r);
    }
    CHECK(opened == 1);

    /* Twelve submitted at once, four connections at most: all come back, tags intact, and
     * they overlap: the server itself counts the requests it holds at once (each waits 100 ms
     * there), at least two and at most four; no clock is read. */
    int tags[12], seen[12] = {0};
    for (int i = 0; i < 12; i++) {
        tags[i] = i;
        CHECK(http_submit(c, &req, &tags[i], err) == 0);
    }
    CHECK(http_in_flight(c) == 12);
    int done = 0;
    long new_conns = 0;
    while (http_in_flight(c)) {
        void *tag;
        http_response r;
        int got = http_poll(c, 5000, &tag, &r, err);
        CHECK(got == 1);
        if (got != 1)
            break;
        seen[*(int *)tag]++;
        done += r.status == 200;
        new_conns += r.new_connections;
        http_response_free(&r);
    }
    int all_once = 1;
    for (int i = 0; i < 12; i++)
        all_once &= seen[i] == 1;
    CHECK(done == 12 && all_once);
    CHECK(new_conns <= 3); /* the one kept from before, and at most three more */
    long most = max_in_flight(c, &s);
    if (most < 2 || most > 4)
        fprintf(stderr, "the server held %ld requests at once, want 2..4\n", most);
    CHECK(most >= 2 && most <= 4);

    /* Headers of the 429: retry-after readable. */
    http_response r;
    CHECK(http_perform(c, &req, &r, err) == 0);
    char v[32];
    CHECK(r.status == 429 && http_response_header(&r, "Retry-After", v, sizeof v) && strcmp(v, "1") == 0);
    http_response_free(&r);
    /* 'slow' answers 10 × the latency late: with the latency at 3 s that is 30 s, and a client
     * whose whole-transfer timeout is 300 ms gets a timeout, not an answer. */
    set_latency(c, &s, 3000);
    http_options brief = {10000, 300, 0, 1};
    http_client *quick = http_client_new(&brief, err);
    CHECK(http_perform(quick, &req, &r, err) == 0);
    CHECK(r.transport_error && r.timed_out && r.status == 0);
    http_response_free(&r);
    http_client_free(quick);
    set_latency(c, &s, 100);
    http_client_free(c);

    /* A body over the cap fails the transfer instead of growing without bound. */
    http_options tiny = {10000, 30000, 100, 1};
    c = http_client_new(&tiny, err);
    CHECK(http_perform(c, &req, &r, err) == 0);
    CHECK(r.transport_error && strstr(r.error, "larger than 100 bytes"));
    http_response_free(&r);
    fake_stop(&s);

    /* Nobody listening: a connect failure, flagged as such. */
    CHECK(http_perform(c, &req, &r, err) == 0);
    CHECK(r.transport_error && r.connect_failed && !r.timed_out);
    http_response_free(&r);
    /* Freeing a client with transfers in flight aborts them without leaks. */
    CHECK(http_submit(c, &req, NULL, err) == 0);
    http_client_free(c);
    http_client_free(NULL);
    return check_summary();
}
