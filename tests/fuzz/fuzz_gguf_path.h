/* What the GGUF fuzzer does with one input, shared by tests/fuzz/fuzz_gguf.c (libFuzzer) and
 * test_gguf's replay of tests/data/gguf/fuzz/ (every build), so that both run the same path:
 * the reader, every supported tensor dequantized, the tokenizer (WordPiece, Unigram, byte-level
 * BPE, SentencePiece BPE) on texts with the hard cases, the model loader of the file's
 * architecture (bert.h or decoder.h) and one short forward pass. */
#ifndef SAMPLEVEC_FUZZ_GGUF_PATH_H
#define SAMPLEVEC_FUZZ_GGUF_PATH_H

#include <stdlib.h>
#include <string.h>

#include "bert.h"
#include "decoder.h"
#include "gguf.h"
#include "tokenizer.h"

/* data must be a heap block of exactly size bytes (so ASan sees a read past its end). */
static void fuzz_gguf_exercise(const unsigned char *data, size_t size)
{
    gguf_file *g = NULL;
    char err[SV_ERR_LEN];
    if (gguf_open_memory(data, size, &g, err) != 0)
        return;
    for (size_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor *t = gguf_tensor_at(g, i);
        if (gguf_type_supported(t->type) && t->n_elems <= 65536) {
            float *out = malloc(t->n_elems * sizeof *out);
            if (out)
                gguf_dequantize(t, 0, t->n_elems, out);
            free(out);
        }
    }
    tokenizer *tok = NULL;
    if (tokenizer_from_gguf(g, &tok, err) == 0) {
        /* bytes a charsmap maps (tab, NBSP, full-width, a combining accent, ZWSP), CJK, Korean,
         * emoji, contractions and digit runs (Qwen2's pattern), CR/LF runs, invalid UTF-8,
         * "▁" and spaces (SentencePiece), specials spelled as text */
        static const char *const texts[] = {
            "Hello, W\xc3\xb6rld! \xe6\x97\xa5\xe6\x9c\xac caf\xc3\xa9 \xff",
            "\ttab\xc2\xa0nbsp \xef\xbc\xa1 e\xcc\x81 a\xe2\x80\x8b" "b \xf0\x9f\xa5\x81\xe2\x96   <s>",
            "it's   808\r\n\r\n \xed\x95\x9c\xea\xb5\xad \xf0\x9f\xa5\x81\xf0\x9f\x91\xa9\xf0\x9f\x8f\xbd <s>[CLS]",
            "", " ", "\xe2\x96\x81\x80\xf8\x88",
        };
        for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
            int32_t *ids = NULL;
            size_t n = 0;
            int trunc = 0;
            if (tokenizer_encode(tok, texts[k], 64, &ids, &n, &trunc) == 0) {
                char piece[64];
                for (size_t i = 0; i < n; i++)
                    tokenizer_piece(tok, ids[i], piece, sizeof piece);
                free(ids);
            }
        }
        tokenizer_free(tok);
    }
    /* One short text through the forward pass: the matrices are multiplied where they lie in
     * the (hostile) file, so the kernels see its bytes as they are. */
    gguf_str arch = {"", 0};
    gguf_get_str(g, "general.architecture", &arch);
    if (decoder_runs(arch)) {
        decoder_model *m = NULL;
        if (decoder_load(g, &m, err) == 0) {
            const decoder_info *in = decoder_get_info(m);
            int32_t ids[3] = {0, in->vocab > 1 ? 1 : 0, 0};
            const int32_t *rows[1] = {ids};
            size_t len = in->ctx < 3 ? (size_t)in->ctx : 3;
            float *out = malloc((size_t)in->hidden * sizeof *out);
            if (out)
                decoder_embed_batch(m, 2, rows, &len, 1, out, err);
            free(out);
            decoder_free(m);
        }
    } else {
        bert_model *m = NULL;
        if (bert_load(g, &m, err) == 0) {
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
    }
    gguf_free(g);
}

#endif
