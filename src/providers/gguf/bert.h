/* bert: the forward pass of llama.cpp's `bert` architecture (BERT, MiniLM, bge, e5, gte,
 * XLM-RoBERTa ...), of `nomic-bert` (nomic-embed-text) and of `jina-bert-v2`
 * (jina-embeddings-v2), many texts per pass.
 *
 * Per text of L tokens ([CLS] ... [SEP], L <= context length), H = hidden, F = feed-forward:
 *   x = LN(tok_embd[id] + token_types[0] + position_embd[pos])          (L × H)
 *   per layer: qkv = x Wqkv^T + b; per head softmax(q k^T / sqrt(H/heads)) v; o = attn Wo^T + b
 *              x = LN1(o + x); x = LN2(GELU(x Wup^T + b) Wdown^T + b + x)
 *   pooled = mean over all L tokens (pooling_type 1), token 0 (2, CLS) or token L-1 (3, last)
 * GELU is llama.cpp's: tanh approximation through an fp16 lookup table. Output is L2-normalised.
 * nomic-bert differs in two places: no position table, instead Q and K rotate by position
 * (RoPE, NEOX layout), and the feed-forward is x = LN2(Wdown (silu(Wgate x) * Wup x) + x).
 * jina-bert-v2: no position table either; ALiBi instead: the attention score of token i for
 * token j gets slope_h · −|i − j| added after scaling (slope_h = m0^(h+1) for the first n2
 * heads, m1^(2(h − n2) + 1) after, n2 = 2^⌊log2 heads⌋, m0 = 2^(−8/n2), m1 = 2^(−4/n2): ggml's
 * soft_max with max_bias 8); the feed-forward is GEGLU, f = GELU(u₁) · u₂ with u = x Wup^T + b
 * split in halves [F | F] (or, in older files, u₁ = x Wgate^T and u₂ = x Wup^T + b); optional
 * LayerNorms over each token's whole Q and K (attn_q_norm, attn_k_norm) and a second one after
 * LN1, x' = LN1b(LN1(o + x) + x) (attn_norm_2).
 *
 * A batch packs its texts back to back (no padding: attention runs per text over its own
 * length, which is the padding mask). Weight matrices stay in the file mapping in their own
 * type and are multiplied there (matmul.h); token_embd is dequantized row by row; only the
 * vectors (biases, norms, positions) are float32 copies. */
#ifndef SAMPLEVEC_BERT_H
#define SAMPLEVEC_BERT_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "msg.h"

typedef struct bert_model bert_model;
typedef struct bert_workspace bert_workspace;

typedef struct bert_info {
    int hidden, ffn, layers, heads, ctx; /* ctx = bert.context_length (max tokens per text) */
    int vocab;
    int pooling;                         /* 1 mean, 2 cls, 3 last */
    int gated;                           /* 1 when the FFN has a third matrix, ffn_gate (nomic-bert's
                                            SwiGLU, older jina-bert-v2 files' GEGLU) */
    int ffn_up;                          /* rows of ffn_up: ffn, or 2 × ffn when it holds both
                                            halves of jina-bert-v2's GEGLU */
    float eps;
    uint32_t weight_type;                /* ggml type of blk.0.attn_output.weight (F32, F16, Q8_0 ...) */
} bert_info;

/* Validates architecture, hyper-parameters and every tensor (name, shape, type) and loads the
 * weights. g must outlive the model (its matrices are read from the mapping). Returns 0,
 * SV_EXIT_DATA with err naming what is wrong, or SV_EXIT_USAGE when $SAMPLEVEC_GEMM names
 * kernels this CPU cannot run (matmul.h). */
int bert_load(const gguf_file *g, bert_model **out, char err[SV_ERR_LEN]);
void bert_free(bert_model *m); /* NULL is a no-op */
const bert_info *bert_get_info(const bert_model *m);

/* Working buffers for the forward pass, empty at first: bert_embed_batch sizes them for its
 * batch (total tokens, longest text, threads) and reuses them for every batch that fits, so
 * a run allocates only when a batch is larger than all before it. NULL on out of memory. */
bert_workspace *bert_workspace_new(void);
void bert_workspace_free(bert_workspace *ws); /* NULL is a no-op */

/* Bytes of working memory a batch of `tokens` tokens in `texts` texts, the longest `longest`
 * tokens, needs on `threads` threads: per token x and Q/K/V (4·H floats; the attention output
 * overwrites Q), per thread a row chunk's feed-forward buffers and one head's scores (an
 * estimate within a few percent: the matmul scratch is approximated). */
size_t bert_batch_bytes(const bert_model *m, size_t tokens, size_t texts, size_t longest, int threads);

/* Embeds n texts: ids[i] holds lens[i] token ids (1 <= lens[i] <= ctx, ids < vocab, checked),
 * out gets n × hidden floats, L2-normalised. threads >= 1.
 * Returns 0, or SV_EXIT_DATA (bad input) / SV_EXIT_FAILED (out of memory) with err filled. */
int bert_embed_batch(const bert_model *m, bert_workspace *ws, int threads, const int32_t *const *ids,
                     const size_t *lens, size_t n, float *out, char err[SV_ERR_LEN]);

/* GELU, tanh approximation (the function llama.cpp tabulates), and what the forward pass
 * applies: that function through the fp16 table. For tests. */
float bert_gelu_ref(float x);
float bert_gelu(float x);
/* Softmax of row[0..n) in place: the forward pass's (AVX2+FMA when the CPU has them) and its
 * scalar reference twin (glibc expf). */
void bert_softmax_row(float *row, size_t n);
void bert_softmax_row_ref(float *row, size_t n);
/* GELU over a row as the forward pass applies it (AVX2 gather when available); bert_gelu is
 * its scalar twin. */
void bert_gelu_row(float *y, size_t n);
/* y = LayerNorm(y) · w + b over a row of n floats (mean and variance summed in double, as
 * ggml_norm): the forward pass's (AVX2 when available) and its scalar twin. */
void bert_layer_norm(float *y, size_t n, const float *w, const float *b, float eps);
void bert_layer_norm_ref(float *y, size_t n, const float *w, const float *b, float eps);

#endif
