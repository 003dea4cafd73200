/* decoder: the forward pass of llama.cpp's decoder-style embedding architectures, many texts per
 * pass:
 *   qwen3            Qwen3-Embedding (src/models/qwen3.cpp in llama.cpp v0.4.0)
 *   gemma-embedding  EmbeddingGemma (src/models/gemma-embedding.cpp)
 *
 * Per text of L tokens, H = hidden, hd = head dim (attention.key_length, H / heads when absent),
 * heads query heads sharing kv key/value heads (grouped-query attention: query head h reads kv
 * head h / (heads / kv)), RMSNorm(y) = y / sqrt(mean(y²) + eps) · w (sum of squares in double,
 * as ggml_rms_norm):
 *   x = token_embd[id]                            (gemma: × √H)
 *   per layer: h = RMSNorm(x) · attn_norm
 *              q = h Wqᵀ, k = h Wkᵀ, v = h Wvᵀ; each head of q and k RMSNorm'd (attn_q_norm,
 *              attn_k_norm, hd weights), then rotated by RoPE (NEOX pairs i, i + hd/2, angle
 *              pos · base^(−2i/hd) stepped by multiplication in float, as ggml's rope cache)
 *              a = softmax(q kᵀ / √hd + mask) v per head; o = a Woᵀ
 *     qwen3:   x = x + o;  x = x + Wdown(silu(Wgate h') ⊙ Wup h'),  h' = RMSNorm(x) · ffn_norm
 *     gemma:   x = x + RMSNorm(o) · post_attention_norm;
 *              x = x + RMSNorm(Wdown(gelu(Wgate h') ⊙ Wup h')) · post_ffw_norm
 *   x = RMSNorm(x) · output_norm; pooled = x[L−1] (qwen3, last) or mean over the L tokens
 *   (gemma), then for gemma dense_3(dense_2(pooled)) when the file has them; L2-normalised.
 * Masks: qwen3 is causal (token i sees j ≤ i). Gemma is bidirectional; its sliding-window
 * layers (il % period < period − 1, period = attention.sliding_window_pattern, default 6) see
 * only |i − j| ≤ ⌊sliding_window / 2⌋ and rotate with rope.freq_base_swa (default 10000), the
 * others see every token and rotate with rope.freq_base.
 * Qwen3 in llama.cpp attends through its KV cache, whose K and V are F16: K and V are rounded
 * to fp16, and ggml's F16 products round Q and the softmax output to fp16 too. This module
 * rounds the same four (sums stay in float) so the vectors match; gemma has no cache (all F32).
 * GELU is bert.h's (tanh form through the fp16 table, as ggml_vec_geglu_f32).
 *
 * A batch packs its texts back to back (no padding). Weight matrices stay in the file mapping
 * in their own type and are multiplied there (matmul.h); token_embd is dequantized row by row;
 * norm vectors are float32 copies. Working memory is allocated per batch. */
#ifndef SAMPLEVEC_DECODER_H
#define SAMPLEVEC_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "msg.h"

typedef struct decoder_model decoder_model;

typedef struct decoder_info {
    int hidden, ffn, layers, heads, heads_kv, head_dim, ctx; /* ctx = <arch>.context_length */
    int vocab;
    int pooling;          /* 1 mean, 3 last */
    int dense;            /* gemma: dense_2 (H → dense) and dense_3 (dense → H) present */
    float eps;
    uint32_t weight_type; /* ggml type of blk.0.attn_output.weight */
} decoder_info;

/* 1 when decoder_load runs architecture arch (general.architecture). */
int decoder_runs(gguf_str arch);

/* Validates hyper-parameters and every tensor (name, shape, type) and loads the norms. g must
 * outlive the model. Returns 0, SV_EXIT_DATA with err naming what is wrong, or SV_EXIT_USAGE
 * when $SAMPLEVEC_GEMM names kernels this CPU cannot run (matmul.h). */
int decoder_load(const gguf_file *g, decoder_model **out, char err[SV_ERR_LEN]);
void decoder_free(decoder_model *m); /* NULL is a no-op */
const decoder_info *decoder_get_info(const decoder_model *m);

/* Embeds n texts: ids[i] holds lens[i] token ids (1 <= lens[i] <= ctx, ids < vocab, checked),
 * out gets n × hidden floats, L2-normalised. threads >= 1; the result does not depend on it.
 * Returns 0, or SV_EXIT_DATA (bad input) / SV_EXIT_FAILED (out of memory) with err filled. */
int decoder_embed_batch(const decoder_model *m, int threads, const int32_t *const *ids, const size_t *lens, size_t n,
                        float *out, char err[SV_ERR_LEN]);

/* y = RMSNorm(y) · w over n floats (w NULL: no weights). For tests. */
void decoder_rms_norm(float *y, size_t n, const float *w, float eps);

#endif
