#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "provider.h"

static double cosine(const float *a, const float *b, int n)
{
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < n; i++) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    return dot / sqrt(na * nb);
}

static provider *open_lexical(int dims)
{
    provider_config cfg = {.name = "lexical", .dims = dims, .batch_size = 16};
    int code = 0;
    char err[SV_ERR_LEN];
    provider *p = provider_open(&cfg, &code, err);
    CHECK(p != NULL);
    return p;
}

static void embed(provider *p, const char *const *texts, size_t n, float *out, provider_text_result *res)
{
    int64_t billed;
    char err[SV_ERR_LEN];
    memset(res, 0, n * sizeof *res);
    CHECK(provider_embed(p, texts, n, out, res, &billed, err) == 0);
    CHECK(billed == -1);
}

static void test_deterministic_and_normalised(void)
{
    provider *p = open_lexical(1536);
    const char *texts[] = {"Title: Dusty Jazz Loop\nGenre: jazz\nBPM: 90",
                           "Title: Dusty Jazz Loop\nGenre: jazz\nBPM: 90",
                           "Title: Café Ñandú 日本のビート 🎹"};
    float *v = malloc(3 * 1536 * sizeof *v);
    provider_text_result res[3];
    embed(p, texts, 3, v, res);
    CHECK(memcmp(v, v + 1536, 1536 * sizeof *v) == 0);
    for (int t = 0; t < 3; t++) {
        double norm = 0;
        for (int i = 0; i < 1536; i++)
            norm += (double)v[t * 1536 + i] * v[t * 1536 + i];
        CHECK_NEAR(sqrt(norm), 1.0, 1e-5);
    }
    CHECK(res[0].tokens == 8); /* Title Dusty Jazz Loop Genre jazz BPM 90 */
    CHECK(res[2].tokens == provider_count_tokens(p, texts[2]));
    /* A second provider instance gives bit-identical vectors: nothing depends on history. */
    provider *q = open_lexical(1536);
    float *w = malloc(1536 * sizeof *w);
    embed(q, texts + 2, 1, w, res);
    CHECK(memcmp(w, v + 2 * 1536, 1536 * sizeof *w) == 0);
    free(w);
    free(v);
    provider_free(q);
    provider_free(p);
}

static void test_similarity_follows_words(void)
{
    provider *p = open_lexical(1536);
    const char *texts[] = {"dusty jazzy chords with warm vinyl crackle",
                           "Warm, DUSTY jazz chords; vinyl crackle!",
                           "aggressive distorted trap 808 bass"};
    float *v = malloc(3 * 1536 * sizeof *v);
    provider_text_result res[3];
    embed(p, texts, 3, v, res);
    double near = cosine(v, v + 1536, 1536), far = cosine(v, v + 2 * 1536, 1536);
    CHECK(near > 0.5);
    CHECK(far < 0.2);
    CHECK(near > far + 0.3);
    free(v);
    provider_free(p);
}

static void test_dims_and_errors(void)
{
    provider *p = open_lexical(64);
    CHECK(p->dims == 64);
    CHECK(strcmp(p->model, "lexical-v1") == 0);
    provider_free(p);
    provider_config cfg = {.name = "lexical", .dims = 4};
    int code = 0;
    char err[SV_ERR_LEN];
    CHECK(provider_open(&cfg, &code, err) == NULL);
    CHECK(code == SV_EXIT_USAGE && strstr(err, "--dims") != NULL);
    provider_config bad = {.name = "word2vec"};
    CHECK(provider_open(&bad, &code, err) == NULL);
    CHECK(code == SV_EXIT_USAGE && strstr(err, "word2vec") != NULL);
    provider_free(NULL);
}

static void test_huge_text_then_small_text(void)
{
    provider *p = open_lexical(256);
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + (i * 7 % 26));
    for (size_t i = 9; i < n; i += 10)
        big[i] = ' ';
    big[n] = '\0';
    const char *texts[] = {big, "small text"};
    float *v = malloc(2 * 256 * sizeof *v);
    provider_text_result res[2];
    embed(p, texts, 2, v, res);
    provider *q = open_lexical(256);
    float w[256];
    embed(q, texts + 1, 1, w, res);
    CHECK(memcmp(w, v + 256, sizeof w) == 0);
    free(v);
    free(big);
    provider_free(q);
    provider_free(p);
}

int main(void)
{
    test_deterministic_and_normalised();
    test_similarity_follows_words();
    test_dims_and_errors();
    test_huge_text_then_small_text();
    return check_summary();
}
