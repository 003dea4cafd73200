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

static provider *open_model(const char *model, int dims)
{
    provider_config cfg = {.name = "lexical", .model = model, .dims = dims, .batch_size = 16};
    int code = 0;
    char err[SV_ERR_LEN];
    provider *p = provider_open(&cfg, &code, err);
    CHECK(p != NULL);
    return p;
}

static provider *open_lexical(int dims) { return open_model(NULL, dims); }

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
    CHECK_STR_EQ(p->model, "lexical-v2"); /* the default, for a new store */
    provider_free(p);
    p = open_model("lexical-v1", 64);
    CHECK_STR_EQ(p->model, "lexical-v1");
    provider_free(p);
    provider_config cfg = {.name = "lexical", .dims = 4};
    int code = 0;
    char err[SV_ERR_LEN];
    provider_config v3 = {.name = "lexical", .model = "lexical-v3"};
    CHECK(provider_open(&v3, &code, err) == NULL);
    CHECK(code == SV_EXIT_USAGE && strstr(err, "lexical-v3") && strstr(err, "lexical-v1") && strstr(err, "lexical-v2"));
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

/* A long description of what the query asks for (about 1,700 characters, as the AI analyses are). */
#define ANALYSED_TEXT                                                                                            \
    "Title: Warm Rhodes Figure\nGenre: soul\nBPM: 82\nKey: C minor\nMood: nostalgic, mellow\nEnergy: 0.40\n"     \
    "Tags: dusty, warm\nDescription: ## Listening notes\n\nA nostalgic soul idea built around a dusty rhodes, "   \
    "with a mellow undertone.\n\nThe rhodes sits low in the mix, warm and loose. It would not be out of place "   \
    "next to jazz records, and there is a hint of somber in the release.\n\n### Character\n- Tone: dusty, "      \
    "warm\n- Feel: nostalgic\n- Suited to a late-night intro\n\n### Notes\nSome listeners may hear gospel "      \
    "influences; the groove is swung. The chords move slowly between two voicings, each held for a bar, with "   \
    "the tremolo of the instrument left on and a little tape wobble on top. The low end is soft, the top is "    \
    "rolled off, and the whole thing breathes like an old record played in a small room. A producer could "      \
    "loop the first four bars under a vocal, or chop the second half into stabs for a slower beat. Nothing in "  \
    "it is sharp: the attack of every note is rounded, the reverb is short and dark, and the stereo image is "   \
    "narrow, which leaves room for drums and a bass line. It sits well at low volume and does not tire the "     \
    "ear over a long session. It would suit a film scene at night, a slow jam, or the bridge of a ballad. "       \
    "There is no percussion in it, no vocal, and no effect that would date it to a year. Pitched down a "       \
    "tone it turns darker and slower; pitched up it loses its weight. The room sound is part of the take, a "    \
    "faint hum under the chords, and cutting it with a high-pass filter thins the whole loop, so it is best "    \
    "left in. Layered under a brighter keyboard it adds the warmth that a clean sample lacks.\n"                \
    "Sample Tags: rhodes, loop"

/* Issue 11: under lexical-v1 a text without a vibe analysis (~90 characters: a title and a genre)
 * put its whole unit length on a few words, so one matching word there scored higher than a
 * 1,700-character text about the query. lexical-v2 gives each field the same share in every text. */
static void test_short_texts_do_not_win_by_being_short(void)
{
    const char *texts[] = {"warm rhodes", "Title: Glassy Rhodes Take\nGenre: jazz\nBPM: 80\nKey: Am\nSample Tags: rhodes, loop",
                           ANALYSED_TEXT};
    CHECK(strlen(texts[1]) < 100 && strlen(texts[2]) > 1600);
    provider_text_result res[3];
    float *v = malloc(3 * 1536 * sizeof *v);
    provider *v1 = open_model("lexical-v1", 1536);
    embed(v1, texts, 3, v, res);
    double short_v1 = cosine(v, v + 1536, 1536), long_v1 = cosine(v, v + 2 * 1536, 1536);
    CHECK(short_v1 > long_v1); /* the defect, kept: lexical-v1 never changes */
    provider *v2 = open_model("lexical-v2", 1536);
    embed(v2, texts, 3, v, res);
    double short_v2 = cosine(v, v + 1536, 1536), long_v2 = cosine(v, v + 2 * 1536, 1536);
    printf("'warm rhodes' against a 1-word match in %zu chars / the text about it in %zu chars: "
           "v1 %.3f / %.3f, v2 %.3f / %.3f\n",
           strlen(texts[1]), strlen(texts[2]), short_v1, long_v1, short_v2, long_v2);
    CHECK(long_v2 > short_v2 * 1.5);
    /* both tokens counts are the text's words, labels included, as count_tokens says */
    CHECK(res[2].tokens == provider_count_tokens(v2, texts[2]));
    free(v);
    provider_free(v1);
    provider_free(v2);
}

/* lexical-v2 reads fields only from a text that starts with a label: a query (or any plain
 * text) is embedded exactly as lexical-v1 embeds it, so the two recipes differ only in how a
 * source text is weighed. Two texts without an analysis are not alike for their padding. */
static void test_v2_plain_text_and_padding(void)
{
    const char *texts[] = {"warm dusty vinyl keys, 東京 서울 🔥", "Title: Cobalt Swell\nGenre: ambient",
                           "Title: Juniper Hook\nGenre: drill", "Title: Cobalt Swell\nGenre: ambient\nKey: Am"};
    provider_text_result res[4];
    float *a = malloc(4 * 256 * sizeof *a), *b = malloc(4 * 256 * sizeof *b);
    provider *v1 = open_model("lexical-v1", 256), *v2 = open_model("lexical-v2", 256);
    embed(v1, texts, 4, a, res);
    embed(v2, texts, 4, b, res);
    CHECK(memcmp(a, b, 256 * sizeof *a) == 0);          /* plain text: the same bits */
    CHECK(memcmp(a + 256, b + 256, 256 * sizeof *a) != 0); /* a source text: fields */
    double unrelated = cosine(b + 256, b + 512, 256), same = cosine(b + 256, b + 768, 256);
    CHECK(fabs(unrelated) < 0.15);  /* no word shared: their padding does not line up */
    CHECK(same > unrelated + 0.2); /* the same title and genre, a key more */
    free(a);
    free(b);
    provider_free(v1);
    provider_free(v2);
}

int main(void)
{
    test_deterministic_and_normalised();
    test_similarity_follows_words();
    test_dims_and_errors();
    test_huge_text_then_small_text();
    test_short_texts_do_not_win_by_being_short();
    test_v2_plain_text_and_padding();
    return check_summary();
}
