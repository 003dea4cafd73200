/* tokcount: counts the tokens of texts with samplevec's C cl100k_base BPE, for bench/remote.sh.
 * usage: tokcount VOCAB TEXTS.jsonl ROUNDS  (one JSON string per line)
 * prints: "<total tokens per round> <seconds for all rounds>" */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tiktoken.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: tokcount VOCAB TEXTS.jsonl ROUNDS\n");
        return 2;
    }
    char err[SV_ERR_LEN];
    tiktoken *t = tiktoken_load(argv[1], err);
    if (!t) {
        fprintf(stderr, "tokcount: %s\n", err);
        return 3;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 3;
    }
    size_t n = 0, cap = 0;
    char **texts = NULL;
    static char line[1 << 20];
    while (fgets(line, sizeof line, f)) {
        cJSON *j = cJSON_Parse(line);
        if (cJSON_IsString(j)) {
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                texts = realloc(texts, cap * sizeof *texts);
            }
            texts[n++] = strdup(j->valuestring);
        }
        cJSON_Delete(j);
    }
    fclose(f);
    int rounds = atoi(argv[3]);
    size_t total = 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int r = 0; r < rounds; r++) {
        total = 0;
        for (size_t i = 0; i < n; i++)
            total += tiktoken_count(t, texts[i], strlen(texts[i]));
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%zu %.6f\n", total, (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    tiktoken_free(t);
    return 0;
}
