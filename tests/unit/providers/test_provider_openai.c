/* The openai provider against tests/fake_openai/server.js on loopback: batching, concurrency,
 * base64 and float answers, every injected fault, bisection of a rejected batch, truncation,
 * fatal key/URL errors (without the key in any message), plus the retry policy and http
 * header parsing. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "fake_server.h"
#include "http.h"
#include "provider.h"
#include "retry.h"

#define KEY "sk-test-Zq8vKx2LmN4pR7sT9uW1yA3bC5dE"

static int n_texts;
static char **texts;

static void make_texts(int n)
{
    n_texts = n;
    texts = calloc((size_t)n, sizeof *texts);
    for (int i = 0; i < n; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "sample %d: dusty vinyl kick, %d BPM, warm tape hiss 🎛️ ドラム \"quoted\"\n", i, 80 + i % 90);
        texts[i] = strdup(buf);
    }
}

static provider *open_remote(const fake_server *s, int batch, int conc, int retries, const char *model, int dims)
{
    provider_config cfg = {0};
    cfg.name = "openai";
    cfg.model = model;
    cfg.dims = dims;
    cfg.base_url = s->base_url;
    cfg.batch_size = batch;
    cfg.concurrency = conc;
    cfg.max_retries = retries;
    int code = 0;
    char err[SV_ERR_LEN] = "";
    provider *p = provider_open(&cfg, &code, err);
    if (!p)
        fprintf(stderr, "provider_open: %s\n", err);
    return p;
}

typedef struct outcome {
    int rc, ok, failed;
    int64_t billed, counted;
    char first_error[SV_ERR_LEN];
    char err[SV_ERR_LEN];
    float *vectors;
    provider_text_result *results;
} outcome;

static void run(provider *p, const char *const *in, size_t n, outcome *o)
{
    memset(o, 0, sizeof *o);
    o->vectors = calloc(n * (size_t)p->dims, sizeof(float));
    o->results = calloc(n, sizeof *o->results);
    o->rc = provider_embed(p, in, n, o->vectors, o->results, &o->billed, o->err);
    for (size_t i = 0; i < n; i++) {
        if (o->results[i].error) {
            if (!o->failed++)
                snprintf(o->first_error, sizeof o->first_error, "%s", o->results[i].error);
        } else {
            o->ok++;
            o->counted += o->results[i].tokens;
        }
    }
}

static void outcome_free(outcome *o, size_t n)
{
    provider_results_clear(o->results, n);
    free(o->results);
    free(o->vectors);
}

static double norm(const float *v, int dims)
{
    double s = 0;
    for (int i = 0; i < dims; i++)
        s += (double)v[i] * v[i];
    return sqrt(s);
}

static cJSON *stats(const fake_server *s)
{
    char url[128], err[SV_ERR_LEN];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/__stats", s->port);
    http_client *c = http_client_new(NULL, err);
    http_request req = {url, NULL, 0, NULL, 0};
    http_response r;
    cJSON *j = NULL;
    if (c && http_perform(c, &req, &r, err) == 0) {
        j = cJSON_ParseWithLength(r.body, r.body_len);
        http_response_free(&r);
    }
    http_client_free(c);
    return j;
}

static double stat_num(cJSON *j, const char *name)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, name);
    return cJSON_IsNumber(x) ? x->valuedouble : -1;
}

static void test_retry_policy(void)
{
    CHECK(retry_should(429, 0, NULL) && retry_should(500, 0, NULL) && retry_should(503, 0, NULL));
    CHECK(retry_should(408, 0, NULL) && retry_should(409, 0, NULL) && retry_should(0, 1, NULL));
    CHECK(!retry_should(400, 0, NULL) && !retry_should(401, 0, NULL) && !retry_should(404, 0, NULL));
    CHECK(retry_should(400, 0, "true") && !retry_should(503, 0, "false"));
    /* Backoff: 0.5 · 2^n capped at 8, jitter shrinking by at most a quarter. */
    CHECK_NEAR(retry_delay_s(0, NULL, NULL, 0, 0.0), 0.5, 1e-9);
    CHECK_NEAR(retry_delay_s(2, NULL, NULL, 0, 0.0), 2.0, 1e-9);
    CHECK_NEAR(retry_delay_s(10, NULL, NULL, 0, 0.0), 8.0, 1e-9);
    CHECK(retry_delay_s(1, NULL, NULL, 0, 0.999) > 0.75 && retry_delay_s(1, NULL, NULL, 0, 0.999) < 1.0);
    /* Server hints: retry-after-ms first, then Retry-After seconds or HTTP date, within 120 s. */
    CHECK_NEAR(retry_delay_s(0, "250", "30", 0, 0.0), 0.25, 1e-9);
    CHECK_NEAR(retry_delay_s(0, NULL, "30", 0, 0.5), 30.0, 1e-9);
    CHECK_NEAR(retry_delay_s(3, NULL, "999", 0, 0.0), 4.0, 1e-9); /* too long: backoff instead */
    CHECK_NEAR(retry_delay_s(0, NULL, "0", 0, 0.0), 0.5, 1e-9);
    CHECK_NEAR(retry_delay_s(0, "soon", NULL, 0, 0.0), 0.5, 1e-9);
    time_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
    CHECK_NEAR(retry_after_s(NULL, "Sun, 06 Nov 1994 08:50:17 GMT", now), 40.0, 1e-9);
    CHECK(retry_after_s(NULL, "Sun, 06 Nov 1994 08:40:00 GMT", now) < 0); /* in the past */
}

static void test_header_lookup(void)
{
    char hdr[] = "HTTP/1.1 429 Too Many Requests\r\nRetry-After:  7 \r\nx-should-retry: false\r\n\r\n";
    http_response r = {0};
    r.headers = hdr;
    r.headers_len = strlen(hdr);
    char v[32];
    CHECK(http_response_header(&r, "retry-after", v, sizeof v) && strcmp(v, "7") == 0);
    CHECK(http_response_header(&r, "X-Should-Retry", v, sizeof v) && strcmp(v, "false") == 0);
    CHECK(!http_response_header(&r, "retry-after-ms", v, sizeof v));
}

int main(void)
{
    test_retry_policy();
    test_header_lookup();
    setenv("OPENAI_API_KEY", KEY, 1);
    unsetenv("OPENAI_BASE_URL");
    make_texts(230);
    const char *const *in = (const char *const *)texts;
    fake_server s;
    outcome o, o2;

    /* 1. Clean run: 230 texts in requests of 20, 4 in flight; base64 answers. */
    const char *a1[] = {"--key", KEY, "--latency-ms", "100", NULL};
    if (fake_start(&s, a1) != 0) {
        fprintf(stderr, "cannot start the fake server (is node installed?)\n");
        CHECK(0);
        return check_summary();
    }
    provider *p = open_remote(&s, 20, 4, 2, NULL, 0);
    CHECK(p && p->dims == 1536 && p->chunk_size == 320 && p->tokens_exact);
    if (!p)
        return check_summary();
    run(p, in, 230, &o);
    CHECK(o.rc == 0 && o.ok == 230 && o.failed == 0);
    CHECK(o.billed == o.counted && o.billed > 230); /* usage.prompt_tokens = our exact count */
    int unit = 0;
    for (int i = 0; i < 230; i++)
        unit += fabs(norm(o.vectors + (size_t)i * 1536, 1536) - 1.0) < 1e-3;
    CHECK(unit == 230);
    cJSON *st = stats(&s);
    CHECK(stat_num(st, "requests") == 12);      /* ceil(230 / 20) */
    CHECK(stat_num(st, "max_inputs") == 20);
    CHECK(stat_num(st, "max_in_flight") == 4);  /* concurrent, never more than asked */
    cJSON_Delete(st);

    /* 2. The same texts as floats give the same vectors (base64 decoding is exact). */
    fake_stop(&s);
    const char *a2[] = {"--key", KEY, "--reject-base64", NULL};
    CHECK(fake_start(&s, a2) == 0);
    provider_free(p);
    p = open_remote(&s, 50, 2, 2, NULL, 0);
    run(p, in, 230, &o2);
    CHECK(o2.rc == 0 && o2.ok == 230);
    CHECK(memcmp(o.vectors, o2.vectors, 230 * 1536 * sizeof(float)) == 0);
    outcome_free(&o2, 230);
    fake_stop(&s);

    /* 3. Transient faults, each once: every text still stored exactly once. */
    const char *a3[] = {"--key", KEY, "--faults", "429,500,502,503,drop,truncate,200error", "--retry-after-ms", "20", NULL};
    CHECK(fake_start(&s, a3) == 0);
    provider_free(p);
    p = open_remote(&s, 20, 4, 5, NULL, 0);
    run(p, in, 230, &o2);
    CHECK(o2.rc == 0 && o2.ok == 230 && o2.failed == 0);
    CHECK(memcmp(o.vectors, o2.vectors, 230 * 1536 * sizeof(float)) == 0);
    st = stats(&s);
    CHECK(stat_num(st, "requests") == 12 + 7); /* each fault cost one extra request */
    cJSON_Delete(st);
    outcome_free(&o2, 230);
    fake_stop(&s);

    /* 3b. Rate limited: four 429s at once halve the requests in flight down to one; the next
     * request goes alone, and concurrency grows back one per success. */
    char log_path[64];
    snprintf(log_path, sizeof log_path, "/tmp/samplevec-fake-log-%d", (int)getpid());
    unlink(log_path);
    const char *a3b[] = {"--key", KEY, "--latency-ms", "100", "--faults", "429,429,429,429", "--retry-after-ms", "10", "--log", log_path, NULL};
    CHECK(fake_start(&s, a3b) == 0);
    provider_free(p);
    p = open_remote(&s, 10, 4, 5, NULL, 0);
    run(p, in, 80, &o2);
    CHECK(o2.rc == 0 && o2.ok == 80);
    outcome_free(&o2, 80);
    fake_stop(&s);
    int inflight[32] = {0}, nreq = 0;
    FILE *lf = fopen(log_path, "r");
    char fault[32];
    int num, bytes, fl;
    while (lf && nreq < 32 && fscanf(lf, "%d %31s %d %d", &num, fault, &bytes, &fl) == 4)
        inflight[nreq++] = fl;
    if (lf)
        fclose(lf);
    unlink(log_path);
    CHECK(nreq == 12 && inflight[3] == 4); /* 8 requests + 4 retries; the first four together */
    CHECK(inflight[4] == 1);                /* after the 429s: one at a time */
    CHECK(inflight[5] <= 2 && inflight[6] <= 2);

    /* 4. Persistent 503 beyond --max-retries: the texts fail with the reason, no fatal error. */
    const char *a4[] = {"--key", KEY, "--faults", "503,503,503", NULL};
    CHECK(fake_start(&s, a4) == 0);
    provider_free(p);
    p = open_remote(&s, 20, 1, 2, NULL, 0);
    run(p, in, 20, &o2);
    CHECK(o2.rc == 0 && o2.failed == 20 && o2.ok == 0);
    CHECK(strstr(o2.first_error, "HTTP 503 after 2 retries") != NULL);
    outcome_free(&o2, 20);
    run(p, in, 20, &o2); /* the server recovered: the next chunk goes through */
    CHECK(o2.rc == 0 && o2.ok == 20);
    outcome_free(&o2, 20);
    fake_stop(&s);

    /* 5. Bad answers: one fewer item, a NaN, a short vector → exactly those texts fail. */
    const char *a5[] = {"--key", KEY, "--faults", "count,nan,dims", NULL};
    CHECK(fake_start(&s, a5) == 0);
    provider_free(p);
    p = open_remote(&s, 10, 1, 2, NULL, 0);
    run(p, in, 40, &o2);
    CHECK(o2.rc == 0 && o2.failed == 3 && o2.ok == 37);
    CHECK(o2.results[9].error && strstr(o2.results[9].error, "returned 9 embeddings for 10 inputs"));
    CHECK(o2.results[10].error && strstr(o2.results[10].error, "NaN"));
    CHECK(o2.results[20].error && strstr(o2.results[20].error, "1535 dimensions"));
    outcome_free(&o2, 40);
    fake_stop(&s);

    /* 6. A 400 naming one bad input: bisection isolates the two bad texts; the rest are stored. */
    const char *a6[] = {"--key", KEY, "--bad-marker", "FORBIDDEN", NULL};
    CHECK(fake_start(&s, a6) == 0);
    provider_free(p);
    p = open_remote(&s, 100, 4, 2, NULL, 0);
    free(texts[17]);
    texts[17] = strdup("this one is FORBIDDEN");
    free(texts[151]);
    texts[151] = strdup("FORBIDDEN as well");
    run(p, in, 230, &o2);
    CHECK(o2.rc == 0 && o2.failed == 2 && o2.ok == 228);
    CHECK(o2.results[17].error && strstr(o2.results[17].error, "HTTP 400") && strstr(o2.results[17].error, "Invalid 'input[0]'"));
    CHECK(o2.results[151].error != NULL);
    outcome_free(&o2, 230);

    /* 6b. A 400 about a setting (param "dimensions") stops the run instead of bisecting. */
    fake_stop(&s);
    const char *a6b[] = {"--key", KEY, "--faults", "400param", "--bad-marker", "FORBIDDEN", NULL};
    CHECK(fake_start(&s, a6b) == 0);
    provider_free(p);
    p = open_remote(&s, 100, 4, 2, NULL, 0);
    run(p, in, 100, &o2);
    CHECK(o2.rc == SV_EXIT_USAGE && strstr(o2.err, "'dimensions'"));
    outcome_free(&o2, 100);
    cJSON *st6 = stats(&s);
    CHECK(stat_num(st6, "requests") == 1);
    cJSON_Delete(st6);

    /* 7. A text over 8191 tokens is cut at a token boundary and accepted by the server. */
    char *longtext = malloc(9000 * 5 + 1);
    for (int i = 0; i < 9000; i++)
        memcpy(longtext + 5 * i, "kick ", 5);
    longtext[9000 * 5 - 1] = 0;
    const char *one[] = {longtext, "short"};
    run(p, one, 2, &o2);
    CHECK(o2.rc == 0 && o2.ok == 2 && o2.results[0].truncated && o2.results[0].tokens == 8191);
    CHECK(o2.billed == 8191 + 1);
    /* the count says "longer than the limit"; the pipeline caps it there and counts a cut */
    CHECK(provider_count_tokens(p, longtext) > 8191 && p->max_input_tokens == 8191);
    outcome_free(&o2, 2);
    free(longtext);

    /* 8. --dims for text-embedding-3-* is sent as `dimensions`. */
    provider_free(p);
    p = open_remote(&s, 100, 4, 2, "text-embedding-3-large", 256);
    run(p, in, 5, &o2);
    CHECK(p->dims == 256 && o2.rc == 0 && o2.ok == 5);
    CHECK(fabs(norm(o2.vectors, 256) - 1.0) < 1e-3);
    outcome_free(&o2, 5);

    /* 9. Fatal: a wrong key stops with a message about the key, never the key itself
     * (the server echoes the whole key it received). */
    setenv("OPENAI_API_KEY", "sk-wrong-Hh7Jj8Kk9Ll0Mm1Nn2", 1);
    provider_free(p);
    p = open_remote(&s, 100, 4, 2, NULL, 0);
    run(p, in, 5, &o2);
    CHECK(o2.rc == SV_EXIT_USAGE && strstr(o2.err, "OPENAI_API_KEY") && !strstr(o2.err, "Hh7Jj8"));
    outcome_free(&o2, 5);
    setenv("OPENAI_API_KEY", KEY, 1);
    /* 404 for an unknown model: stop, naming the model. */
    provider_free(p);
    p = open_remote(&s, 100, 4, 2, "text-embedding-3-smal", 0);
    run(p, in, 5, &o2);
    CHECK(o2.rc == SV_EXIT_USAGE && strstr(o2.err, "HTTP 404") && strstr(o2.err, "text-embedding-3-smal"));
    outcome_free(&o2, 5);
    provider_free(p);
    /* A self-hosted model's dims are asked of the server; an unknown one fails at open. */
    p = open_remote(&s, 100, 4, 2, "nomic-embed-text", 0);
    CHECK(p == NULL);
    fake_stop(&s);

    /* 10. A self-hosted server without a key (Ollama-like): dims learned from the server,
     * floats only, no price. */
    unsetenv("OPENAI_API_KEY");
    const char *a10[] = {"--models", "nomic-embed-text:768", "--float-only", NULL};
    CHECK(fake_start(&s, a10) == 0);
    p = open_remote(&s, 100, 4, 2, "nomic-embed-text", 0);
    CHECK(p && p->dims == 768 && p->usd_per_mtok == 0 && !p->tokens_exact);
    if (p) {
        run(p, in, 30, &o2);
        CHECK(o2.rc == 0 && o2.ok == 30 && fabs(norm(o2.vectors + 768, 768) - 1.0) < 1e-3);
        outcome_free(&o2, 30);
        provider_free(p);
    }
    fake_stop(&s);
    setenv("OPENAI_API_KEY", KEY, 1);

    /* 11. Nobody listening: fatal after the retries, exit code 3. */
    fake_server gone = s;
    p = open_remote(&gone, 100, 4, 1, NULL, 0);
    run(p, in, 5, &o2);
    CHECK(o2.rc == SV_EXIT_DATA && strstr(o2.err, "cannot reach"));
    outcome_free(&o2, 5);
    provider_free(p);

    outcome_free(&o, 230);
    for (int i = 0; i < n_texts; i++)
        free(texts[i]);
    free(texts);
    return check_summary();
}
