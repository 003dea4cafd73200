/* tokenizer: a text → the token ids a GGUF model evaluates, whatever its tokenizer. The file's
 * tokenizer.ggml.model picks the implementation:
 *   "bert"  WordPiece (wordpiece.h): BERT, MiniLM, bge-en, e5-en, nomic, jina v2
 *   "t5"    Unigram (unigram.h): XLM-RoBERTa models (bge-m3, multilingual-e5, arctic-embed 2 …)
 * Around the model-specific part this module does what llama.cpp's llama_vocab::tokenize does
 * for every kind (llama-vocab.cpp, llama.cpp v0.4.0):
 *   1. USER_DEFINED tokens (token_type 4) are cut out of the text first and stand for
 *      themselves: longest text first (equal lengths: lower id first), every occurrence left to
 *      right in every fragment still raw. CONTROL and UNKNOWN texts (`[CLS]`, `<s>`) stay plain
 *      text: llama.cpp's partition with parse_special = false.
 *   2. Every remaining raw fragment is tokenized on its own.
 *   3. The model's specials around them, as llama_tokenize(add_special = true) adds them:
 *      WordPiece always [CLS] … [SEP]; Unigram <s> when tokenizer.ggml.add_bos_token (default
 *      false) and </s> when add_eos_token (default true).
 * A text longer than the model's context is cut to it keeping the specials at both ends
 * (llama.cpp itself refuses such input). */
#ifndef SAMPLEVEC_TOKENIZER_H
#define SAMPLEVEC_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "msg.h"

typedef struct tokenizer tokenizer;

/* Builds the tokenizer g's metadata names; g must outlive it. Returns 0, or SV_EXIT_DATA with
 * err filled (an unknown tokenizer.ggml.model is named, with the ones this build knows). */
int tokenizer_from_gguf(const gguf_file *g, tokenizer **out, char err[SV_ERR_LEN]);
void tokenizer_free(tokenizer *t); /* NULL is a no-op */

/* tokenizer.ggml.model: "bert" or "t5". */
const char *tokenizer_model(const tokenizer *t);
size_t tokenizer_vocab_size(const tokenizer *t);

/* Steps 1 and 2 (no specials) for text[0..len), appending to *ids (malloc'd, *cap entries,
 * grown by realloc; *n used before and after; caller frees). 0, or -1 when out of memory. */
int tokenizer_tokenize(const tokenizer *t, const char *text, size_t len, int32_t **ids, size_t *n, size_t *cap);

/* The model's input for the NUL-terminated text: specials + tokens + specials, cut to max_len
 * tokens (at least the specials) keeping both ends. *ids malloc'd (caller frees), *n its
 * length, *truncated 1 when tokens were dropped. 0, or -1 when out of memory. */
int tokenizer_encode(const tokenizer *t, const char *text, size_t max_len, int32_t **ids, size_t *n,
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
