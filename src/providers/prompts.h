/* prompts: the prefixes retrieval models were trained to see before a query and before a
 * document, looked up by what is known of a model: its architecture (general.architecture) and
 * its names (general.name, general.basename, the file or Ollama name, a remote model id).
 *
 * The table, first match wins (names match case-insensitively, ' ' and '_' read as '-', at the
 * start of a name or after a character that is not a letter or digit):
 *   model                    matched by                               query / document prefix
 *   nomic-embed-text         architecture nomic-bert; "nomic-embed"   "search_query: " / "search_document: "
 *   Qwen3-Embedding          architecture qwen3; "qwen3-embedding"    PROMPTS_INSTRUCT "\nQuery:" / none
 *   EmbeddingGemma           architecture gemma-embedding;            "task: search result | query: " /
 *                            "embeddinggemma"                         "title: none | text: "
 *   e5 instruct              "multilingual-e5-large-instruct",        PROMPTS_INSTRUCT "\nQuery: " / none
 *                            "e5-mistral"
 *   e5                       "multilingual-e5", "e5-small", "e5-base", "query: " / "passage: "
 *                            "e5-large"
 *   snowflake-arctic-embed 2 "arctic-embed2", "arctic-embed-l-v2",    "query: " / none
 *                            "arctic-embed-m-v2"
 *   snowflake-arctic-embed   "arctic-embed"                           PROMPTS_REPRESENT / none
 *   mxbai-embed-large        "mxbai-embed"                            PROMPTS_REPRESENT / none
 *   bge English              "bge-small-en", "bge-base-en",           PROMPTS_REPRESENT / none
 *                            "bge-large-en"
 * Everything else (MiniLM, bge-m3, granite-embedding, paraphrase-multilingual, jina v2, OpenAI's
 * models, lexical) embeds both as they are. */
#ifndef SAMPLEVEC_PROMPTS_H
#define SAMPLEVEC_PROMPTS_H

#include <stddef.h>

#define PROVIDER_PREFIX_LEN 512

typedef struct provider_prompts {
    char query[PROVIDER_PREFIX_LEN];    /* put before every query; "" = none */
    char document[PROVIDER_PREFIX_LEN]; /* put before every document; "" = none */
} provider_prompts;

/* The instruction the instruction-tuned models get: what a search of a sample library is. */
#define PROMPTS_INSTRUCT "Instruct: Given a description of a sound, retrieve music samples that match it"
/* The query instruction of the BERT-style English retrieval models (BAAI, mixedbread, Snowflake). */
#define PROMPTS_REPRESENT "Represent this sentence for searching relevant passages: "

/* Fills *out with the prompts of the first table row that architecture (NULL = unknown) or
 * one of names[0..n) (NULL entries skipped) matches, and returns that row's model name; with
 * no match, out gets two empty prefixes and the result is NULL. */
const char *prompts_for(const char *architecture, const char *const *names, size_t n, provider_prompts *out);

#endif
