#include "prompts.h"

#include <stdio.h>
#include <string.h>

typedef struct prompts_row {
    const char *model;        /* what the row is, for messages */
    const char *architecture; /* a GGUF architecture only this model family has, or NULL */
    const char *names[4];     /* name patterns, NULL-terminated */
    const char *query, *document;
} prompts_row;

static const prompts_row table[] = {
    {"nomic-embed-text", "nomic-bert", {"nomic-embed"}, "search_query: ", "search_document: "},
    {"Qwen3-Embedding", "qwen3", {"qwen3-embedding"}, PROMPTS_INSTRUCT "\nQuery:", ""},
    {"EmbeddingGemma", "gemma-embedding", {"embeddinggemma"}, "task: search result | query: ", "title: none | text: "},
    {"e5 instruct", NULL, {"multilingual-e5-large-instruct", "e5-mistral"}, PROMPTS_INSTRUCT "\nQuery: ", ""},
    {"e5", NULL, {"multilingual-e5", "e5-small", "e5-base", "e5-large"}, "query: ", "passage: "},
    {"snowflake-arctic-embed 2", NULL, {"arctic-embed2", "arctic-embed-l-v2", "arctic-embed-m-v2"}, "query: ", ""},
    {"snowflake-arctic-embed", NULL, {"arctic-embed"}, PROMPTS_REPRESENT, ""},
    {"mxbai-embed-large", NULL, {"mxbai-embed"}, PROMPTS_REPRESENT, ""},
    {"bge English", NULL, {"bge-small-en", "bge-base-en", "bge-large-en"}, PROMPTS_REPRESENT, ""},
};
#define N_ROWS (sizeof table / sizeof table[0])

/* s lowercased, ' ' and '_' as '-', into buf (cut to size). */
static void normalise(const char *s, char *buf, size_t size)
{
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++) {
        char c = s[i];
        buf[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c == ' ' || c == '_' ? '-' : c;
    }
    buf[i] = '\0';
}

static int is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/* 1 if pattern occurs in name at its start or after a character that is not a letter or digit. */
static int name_has(const char *name, const char *pattern)
{
    for (const char *at = strstr(name, pattern); at; at = strstr(at + 1, pattern))
        if (at == name || !is_alnum(at[-1]))
            return 1;
    return 0;
}

const char *prompts_for(const char *architecture, const char *const *names, size_t n, provider_prompts *out)
{
    char norm[4][256]; /* a name longer than this is cut: the table's names are short */
    size_t nn = 0;
    for (size_t i = 0; i < n && nn < 4; i++)
        if (names[i] && *names[i])
            normalise(names[i], norm[nn++], sizeof norm[0]);
    out->query[0] = out->document[0] = '\0';
    for (size_t r = 0; r < N_ROWS; r++) {
        const prompts_row *row = &table[r];
        int hit = architecture && row->architecture && strcmp(architecture, row->architecture) == 0;
        for (size_t p = 0; !hit && p < 4 && row->names[p]; p++)
            for (size_t k = 0; !hit && k < nn; k++)
                hit = name_has(norm[k], row->names[p]);
        if (hit) {
            snprintf(out->query, sizeof out->query, "%s", row->query);
            snprintf(out->document, sizeof out->document, "%s", row->document);
            return row->model;
        }
    }
    return NULL;
}
