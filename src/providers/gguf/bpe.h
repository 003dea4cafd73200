/* bpe: llama.cpp's byte-level BPE tokenizer (tokenizer.ggml.model "gpt2") with the Qwen2
 * pre-tokenizer (Qwen2/2.5/3, Qwen3-Embedding), token for token as llm_tokenizer_bpe_session
 * (llama-vocab.cpp) tokenizes one raw fragment of text.
 *
 * Metadata: tokenizer.ggml.merges, string[]: "A B", the pair A, B (split at the first space
 * after the first byte) merging with rank = its line number; the first of repeated lines
 * counts. tokenizer.ggml.pre names the pre-tokenizer: "qwen2" and the names llama.cpp gives
 * the same pattern (bpe_pre_supported).
 *
 * Steps, per fragment:
 *   1. UTF-8 → code points as llama.cpp decodes them (unicode_cpts_from_utf8: a byte that
 *      starts no valid sequence becomes U+FFFD; overlong forms and surrogates pass).
 *   2. Pre-tokenize with Qwen2's pattern, as llama.cpp's hand-written matcher applies it
 *      (unicode_regex_split_custom_qwen2):
 *        '(s|t|re|ve|m|ll|d) in either case  |  [^\r\n\p{L}\p{N}]?\p{L}+  |  \p{N}  (one digit)
 *        |  ' '?[^\s\p{L}\p{N}]+[\r\n]*  |  \s*[\r\n]+  |  \s+(?!\S)  |  \s+
 *      \s is Unicode White_Space; \p{L} and \p{N} come from utf8proc.
 *   3. Each word's UTF-8 bytes become GPT-2's printable symbols (byte → one code point), one
 *      symbol per byte; the pair of lowest merge rank merges, leftmost first (bpe_merge.h).
 *   4. A symbol that is a token is its id; one that is not (an inconsistent vocabulary) is
 *      looked up byte by byte as one-byte texts, and bytes without a token are dropped.
 * Known differences: utf8proc's Unicode version may be older than llama.cpp's tables (a letter
 * or digit added since is punctuation here); a code point above U+10FFFF (llama.cpp throws)
 * becomes U+FFFD. A bpe keeps working buffers: one per thread. */
#ifndef SAMPLEVEC_BPE_H
#define SAMPLEVEC_BPE_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "msg.h"
#include "vocab.h"

typedef struct bpe bpe;

/* 1 if the pre-tokenizer `pre` (tokenizer.ggml.pre) is one bpe runs. */
int bpe_pre_supported(gguf_str pre);
/* The names bpe_pre_supported accepts, for messages: "'qwen2', ...". */
const char *bpe_pre_names(void);

/* merges: n_merges "A B" lines, borrowed for the bpe's life; v (the vocabulary's text → id
 * map, every token kept) borrowed too. */
int bpe_new(const vocab_map *v, const gguf_str *merges, size_t n_merges, bpe **out, char err[SV_ERR_LEN]);
/* Reads tokenizer.ggml.merges and checks tokenizer.ggml.pre. g and v must outlive the bpe. */
int bpe_from_gguf(const gguf_file *g, const vocab_map *v, bpe **out, char err[SV_ERR_LEN]);
void bpe_free(bpe *b); /* NULL is a no-op */

/* Appends the tokens of one raw fragment text[0..len) to *ids (malloc'd, *cap entries, grown
 * with realloc; caller frees; *n the count before and after). 0, or -1 when out of memory. */
int bpe_tokenize(bpe *b, const char *text, size_t len, int32_t **ids, size_t *n, size_t *cap);

/* Step 2 alone: the pre-tokens of text[0..len), as code-point counts written to
 * word_cpts[0..max_words). Returns how many there are (it may exceed max_words), or SIZE_MAX
 * when out of memory. */
size_t bpe_pretokenize(bpe *b, const char *text, size_t len, size_t *word_cpts, size_t max_words);

#endif
