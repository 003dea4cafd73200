/* libFuzzer target: the GGUF reader, then the tokenizer, the model loader and one short forward
 * pass on whatever parses.
 * Built and run by tools/fuzz_gguf.sh (not part of the normal build). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bert.h"
#include "gguf.h"
#include "tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A heap copy of exactly `size` bytes so ASan catches any read past the end. */
    unsigned char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    gguf_file *g = NULL;
    char err[SV_ERR_LEN];
    if (gguf_open_memory(copy, size, &g, err) == 0) {
        for (size_t i = 0; i < gguf_n_tensors(g); i++) {
            const gguf_tensor *t = gguf_tensor_at(g, i);
            if (gguf_type_supported(t->type) && t->n_elems <= 65536) {
                float *out = malloc(t->n_elems * sizeof *out);
                if (out)
                    gguf_dequantize(t, 0, t->n_elems, out);
                free(out);
            }
        }
        tokenizer *w = NULL;
        if (tokenizer_from_gguf(g, &w, err) == 0) {
            /* bytes a charsmap maps (tab, NBSP, full-width, a combining accent, ZWSP), CJK,
             * an emoji, invalid UTF-8 and a run of spaces */
            static const char *const texts[] = {
                "Hello, W\xc3\xb6rld! \xe6\x97\xa5\xe6\x9c\xac caf\xc3\xa9 \xff",
                "\ttab\xc2\xa0nbsp \xef\xbc\xa1 e\xcc\x81 a\xe2\x80\x8b" "b \xf0\x9f\xa5\x81\xe2\x96   <s>",
                "",
            };
            for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
                int32_t *ids = NULL;
                size_t n = 0;
                int trunc = 0;
                if (tokenizer_encode(w, texts[k], 64, &ids, &n, &trunc) == 0)
                    free(ids);
            }
            tokenizer_free(w);
        }
        bert_model *m = NULL;
        if (bert_load(g, &m, err) == 0) {
            /* One short text through the forward pass: the matrices are multiplied where they
             * lie in the (hostile) file, so the kernels see its bytes as they are. */
            const bert_info *in = bert_get_info(m);
            int32_t ids[3] = {0, in->vocab > 1 ? 1 : 0, 0};
            const int32_t *rows[1] = {ids};
            size_t len = in->ctx < 3 ? (size_t)in->ctx : 3;
            float *out = malloc((size_t)in->hidden * sizeof *out);
            bert_workspace *ws = bert_workspace_new();
            if (out && ws)
                bert_embed_batch(m, ws, 1, rows, &len, 1, out, err);
            bert_workspace_free(ws);
            free(out);
            bert_free(m);
        }
        gguf_free(g);
    }
    free(copy);
    return 0;
}
