/* tokenize_many: token ids (no specials) for many texts with samplevec's tokenizer, for
 * tools/check_vocab.sh. Texts arrive NUL-separated on stdin; one line of ids per text.
 *   tokenize_many MODEL.gguf < texts */
#include <stdio.h>
#include <stdlib.h>

#include "gguf.h"
#include "tokenizer.h"

int main(int argc, char **argv)
{
    char err[SV_ERR_LEN];
    gguf_file *g = NULL;
    tokenizer *t = NULL;
    if (argc != 2) {
        fputs("usage: tokenize_many MODEL.gguf < NUL-separated texts\n", stderr);
        return 2;
    }
    if (gguf_open(argv[1], &g, err) || tokenizer_from_gguf(g, &t, err)) {
        fprintf(stderr, "tokenize_many: %s\n", err);
        return 3;
    }
    size_t cap = 1 << 16, n;
    char *text = malloc(cap);
    int c = 0, rc = 0;
    while (text && c != EOF) {
        for (n = 0; (c = getchar()) != EOF && c != 0; text[n++] = (char)c)
            if (n + 1 >= cap && !(text = realloc(text, cap *= 2)))
                break;
        if (!text || (c == EOF && n == 0))
            break;
        int32_t *ids = NULL;
        size_t m = 0, id_cap = 0;
        if (tokenizer_tokenize(t, text, n, &ids, &m, &id_cap)) {
            rc = 1;
            break;
        }
        for (size_t i = 0; i < m; i++)
            printf("%s%d", i ? " " : "", ids[i]);
        putchar('\n');
        free(ids);
    }
    if (!text)
        rc = 1;
    free(text);
    tokenizer_free(t);
    gguf_free(g);
    return rc;
}
