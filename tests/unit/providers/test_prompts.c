/* prompts: the table picks each retrieval model's prefixes from its architecture or names (as
 * real files and ids spell them), and nothing for models without; provider_open puts the
 * user's prefixes over the model's; provider_embed_as embeds prefix + text. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "prompts.h"
#include "provider.h"

/* The row for (architecture, name), and its prefixes compared with want_q/want_d. */
static void expect(const char *arch, const char *name, const char *want_model, const char *want_q,
                   const char *want_d, int line)
{
    provider_prompts p;
    const char *names[2] = {name, NULL};
    const char *model = prompts_for(arch, names, 2, &p);
    int ok = (model == NULL) == (want_model == NULL) && (!model || strcmp(model, want_model) == 0) &&
             strcmp(p.query, want_q) == 0 && strcmp(p.document, want_d) == 0;
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "line %d: %s / %s → %s: \"%s\" / \"%s\"\n", line, arch ? arch : "-", name ? name : "-",
                model ? model : "(none)", p.query, p.document);
    }
}
#define EXPECT(arch, name, model, q, d) expect(arch, name, model, q, d, __LINE__)

static void test_table(void)
{
    /* by architecture, whatever the name */
    EXPECT("nomic-bert", "whatever.gguf", "nomic-embed-text", "search_query: ", "search_document: ");
    EXPECT("qwen3", NULL, "Qwen3-Embedding", PROMPTS_INSTRUCT "\nQuery:", "");
    EXPECT("gemma-embedding", NULL, "EmbeddingGemma", "task: search result | query: ", "title: none | text: ");
    /* by name: general.name, general.basename, file names, Ollama names, remote ids */
    EXPECT("bert", "nomic-embed-text:latest", "nomic-embed-text", "search_query: ", "search_document: ");
    EXPECT("bert", "Multilingual E5 Large", "e5", "query: ", "passage: ");
    EXPECT("bert", "multilingual-e5-small-Q8_0.gguf", "e5", "query: ", "passage: ");
    EXPECT("bert", "intfloat/e5-base-v2", "e5", "query: ", "passage: ");
    EXPECT("bert", "multilingual-e5-large-instruct", "e5 instruct", PROMPTS_INSTRUCT "\nQuery: ", "");
    EXPECT("bert", "snowflake-arctic-embed2:568m", "snowflake-arctic-embed 2", "query: ", "");
    EXPECT("bert", "Snowflake Arctic Embed L v2.0", "snowflake-arctic-embed 2", "query: ", "");
    EXPECT("bert", "snowflake-arctic-embed:335m", "snowflake-arctic-embed", PROMPTS_REPRESENT, "");
    EXPECT("bert", "mxbai-embed-large-v1", "mxbai-embed-large", PROMPTS_REPRESENT, "");
    EXPECT(NULL, "bge-small-en-v1.5", "bge English", PROMPTS_REPRESENT, "");
    EXPECT(NULL, "Qwen3-Embedding-0.6B", "Qwen3-Embedding", PROMPTS_INSTRUCT "\nQuery:", "");
    EXPECT(NULL, "embeddinggemma:300m", "EmbeddingGemma", "task: search result | query: ", "title: none | text: ");
    /* models that take texts as they are */
    EXPECT("bert", "bge-m3", NULL, "", "");
    EXPECT("bert", "all-MiniLM-L6-v2.Q8_0.gguf", NULL, "", "");
    EXPECT("bert", "granite-embedding:278m", NULL, "", "");
    EXPECT("bert", "paraphrase-multilingual-mpnet-base-v2", NULL, "", "");
    EXPECT("jina-bert-v2", "jina-embeddings-v2-base-en", NULL, "", "");
    EXPECT(NULL, "text-embedding-3-small", NULL, "", "");
    EXPECT(NULL, "lexical-v1", NULL, "", "");
    EXPECT(NULL, NULL, NULL, "", "");
    /* a pattern inside a word does not count: "e5-small" in "bge5-small" is no e5 */
    EXPECT("bert", "bge5-small", NULL, "", "");
    EXPECT("bert", "samplevec-test-tiny", NULL, "", "");
    /* any of several names may match */
    provider_prompts p;
    const char *names[3] = {"samplevec-test", "", "nomic-embed-text-v1.5.f16.gguf"};
    CHECK(prompts_for("bert", names, 3, &p) && strcmp(p.query, "search_query: ") == 0);
}

/* With the lexical provider (no prompts of its own): overrides, and embed_as = embed of
 * prefix + text. */
static void test_provider(void)
{
    char err[SV_ERR_LEN];
    int code = 0;
    provider_config cfg = {.name = "lexical", .dims = 64, .query_prefix = "query: ", .document_prefix = "passage: "};
    provider *p = provider_open(&cfg, &code, err);
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK(strcmp(provider_prefix(p, PROVIDER_ROLE_QUERY), "query: ") == 0);
    CHECK(strcmp(provider_prefix(p, PROVIDER_ROLE_DOCUMENT), "passage: ") == 0);
    CHECK(strcmp(provider_prefix(p, PROVIDER_ROLE_RAW), "") == 0);
    const char *text[1] = {"warm analog pad"}, *with[1] = {"query: warm analog pad"};
    float a[64], b[64], c[64];
    provider_text_result r[1];
    int64_t billed;
    memset(r, 0, sizeof r);
    CHECK(provider_embed_as(p, PROVIDER_ROLE_QUERY, text, 1, a, r, &billed, err) == 0 && !r[0].error);
    CHECK(provider_embed(p, with, 1, b, r, &billed, err) == 0);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(provider_embed_as(p, PROVIDER_ROLE_RAW, text, 1, c, r, &billed, err) == 0);
    CHECK(memcmp(a, c, sizeof a) != 0);
    CHECK(provider_count_tokens_as(p, PROVIDER_ROLE_QUERY, text[0]) == provider_count_tokens(p, with[0]));
    provider_free(p);

    /* too long to record */
    char *big = malloc(PROVIDER_PREFIX_LEN + 1);
    memset(big, 'x', PROVIDER_PREFIX_LEN);
    big[PROVIDER_PREFIX_LEN] = '\0';
    cfg.query_prefix = big;
    CHECK(provider_open(&cfg, &code, err) == NULL && code == SV_EXIT_USAGE && strstr(err, "--query-prefix"));
    free(big);
    /* "" is an override too: none */
    provider_config e5 = {.name = "openai", .model = "multilingual-e5-small", .base_url = "http://127.0.0.1:9/v1",
                          .dims = 384, .offline = 1};
    if ((p = provider_open(&e5, &code, err))) {
        CHECK(strcmp(p->prompts.query, "query: ") == 0 && strcmp(p->prompts.document, "passage: ") == 0);
        provider_free(p);
    }
    e5.document_prefix = "";
    if ((p = provider_open(&e5, &code, err))) {
        CHECK(strcmp(p->prompts.query, "query: ") == 0 && p->prompts.document[0] == '\0');
        provider_free(p);
    }
    CHECK(p != NULL);
}

int main(void)
{
    test_table();
    test_provider();
    return check_summary();
}
