/* tokenizer: a text → the token ids a GGUF model evaluates, whatever its tokenizer. The file's
 * tokenizer.ggml.model picks the implementation:
 *   "bert"  WordPiece (wordpiece.h): BERT, MiniLM, bge-en, e5-en, nomic, jina v2
 *   "t5"    Unigram (unigram.h): XLM-RoBERTa models (bge-m3, multilingual-e5, arctic-embed 2 …)
 *   "gpt2"  byte-level BPE with Qwen2's pre-tokenizer (bpe.h): Qwen3-Embedding
 *   "llama" SentencePiece BPE with byte fallback (spm.h): EmbeddingGemma
 * Around the model-specific part this module does what llama.cpp's llama_vocab::tokenize does
 * for every kind (llama-vocab.cpp, llama.cpp v0.4.0):
 *   1. USER_DEFINED tokens (token_type 4) are cut out of the text first and stand for
 *      themselves: longest text first (equal lengths: lower id first), every occurrence left to
 *      right in every fragment still raw. CONTROL and UNKNOWN texts (`[CLS]`, `<s>`) stay plain
 *      text: llama.cpp's partition with parse_special = false.
 *   2. Every remaining raw fragment is tokenized on its own. SentencePiece with
 *      tokenizer.ggml.add_space_prefix (default true) puts a space before the first fragment
 *      and before each that follows a USER_DEFINED token.
 *   3. The model's specials around them, as llama_tokenize(add_special = true) adds them:
 *      WordPiece always [CLS] … [SEP]; the others BOS when tokenizer.ggml.add_bos_token and EOS
 *      when add_eos_token, with llama.cpp's defaults where the file is silent:
 *        model   BOS id  EOS id  UNK id  add_bos  add_eos
 *        t5      none    1       none    false    true
 *        gpt2    11      11      none    false    false
 *        llama   1       2       0       true     false
 *      (tokenizer.ggml.{bos,eos,unknown}_token_id replace an id when they name a token).
 * A text longer than the model's context is cut to it keeping the specials at both ends
 * (llama.cpp itself refuses such input). */
#ifndef SAMPLEVEC_TOKENIZER_H
#define SAMPLEVEC_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "msg.h"

/* A tokenizer keeps working buffers (the BPE kinds): one per thread. */
typedef struct tokenizer tokenizer;

/* Builds the tokenizer g's metadata names; g must outlive it. Returns 0, or SV_EXIT_DATA with
 * err filled (an unknown tokenizer.ggml.model is named, with the ones this build knows). */
int tokenizer_from_gguf(const gguf_file *g, tokenizer **out, char err[SV_ERR_LEN]);
void tokenizer_free(tokenizer *t); /* NULL is a no-op */

/* tokenizer.ggml.model: "bert", "t5", "gpt2" or "llama". */
const char *tokenizer_model(const tokenizer *t);
size_t tokenizer_vocab_size(const tokenizer *t);

/* Steps 1 and 2 (no specials) for text[0..len), appending to *ids (malloc'd, *cap entries,
 * grown by realloc; *n used before and after; caller frees). 0, or -1 when out of memory. */
int tokenizer_tokenize(tokenizer *t, const char *text, size_t len, int32_t **ids, size_t *n, size_t *cap);

/* The model's input for the NUL-terminated text: specials + tokens + specials, cut to max_len
 * tokens (at least the specials) keeping both ends. *ids malloc'd (caller frees), *n its
 * length, *truncated 1 when tokens were dropped. 0, or -1 when out of memory. */
int tokenizer_encode(tokenizer *t, const char *text, size_t max_len, int32_t **ids, size_t *n,
                     int *truncated);
/* How many ids tokenizer_encode puts before (0 or 1) and after (0 or 1) the text's tokens. */
void tokenizer_specials(const tokenizer *t, size_t *head, size_t *tail);

/* Token id's text as the file stores it (borrowed), or "" when out of range. */
gguf_str tokenizer_token(const tokenizer *t, int32_t id);
/* Token id as people write it, into buf (always NUL-terminated, cut to size): WordPiece in
 * Hugging Face's form ("▁word" → "word", continuation "iece" → "##iece"), other kinds and every
 * CONTROL token as stored. */
void tokenizer_piece(const tokenizer *t, int32_t id, char *buf, size_t size);

#endif
