/* wordpiece: BERT tokenization from a GGUF vocabulary, token for token as llama.cpp's WPM
 * tokenizer (llama-vocab.cpp, llm_tokenizer_wpm_session) does it.
 *
 * Vocabulary layout (llama.cpp's "phantom space" form): a word-initial piece is stored as
 * U+2581 + piece, a continuation piece ("##iece" in HF) as "iece", control tokens ([CLS] ...)
 * verbatim. Lookup is on raw bytes, so the whole vocabulary is one map.
 *
 * Steps, per llama.cpp:
 *   1. UTF-8 → code points; an invalid byte becomes U+FFFD (then dropped).
 *   2. strip_accents: each code point → the first code point of its NFD decomposition
 *      (é → e, 한 → ᄒ); then combining marks (category M) are dropped.
 *   3. whitespace ends a word; NUL, U+FFFD and category C (Cc Cf Co Cs) are dropped;
 *      lowercase (simple case mapping) when the normalizer says so;
 *      punctuation (P), ASCII symbols (S below 0x7F) and CJK ideographs are one-char words.
 *   4. each word: U+2581 + word, greedy longest match over bytes (the first piece includes the
 *      U+2581, the rest do not); a word with any unmatched part becomes one [UNK].
 * Unicode properties come from utf8proc. */
#ifndef SAMPLEVEC_WORDPIECE_H
#define SAMPLEVEC_WORDPIECE_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "msg.h"

typedef struct wordpiece wordpiece;

/* Builds the tokenizer from tokenizer.ggml.* metadata (model must be "bert").
 * Returns 0, or SV_EXIT_DATA with err filled. */
int wordpiece_from_gguf(const gguf_file *g, wordpiece **out, char err[SV_ERR_LEN]);
/* From an explicit list (tests): tokens in GGUF form, borrowed for the tokenizer's life. */
int wordpiece_new(const gguf_str *tokens, size_t n, int32_t unk_id, int32_t cls_id, int32_t sep_id,
                  int lowercase, int strip_accents, wordpiece **out, char err[SV_ERR_LEN]);
void wordpiece_free(wordpiece *w); /* NULL is a no-op */

/* Tokenizes text[0..len) without specials, appending ids to *ids (a malloc'd array of *cap
 * entries, grown with realloc; caller frees). *n is the count before and after.
 * Returns 0, or -1 when out of memory. */
int wordpiece_tokenize(const wordpiece *w, const char *text, size_t len, int32_t **ids, size_t *n,
                       size_t *cap);

int32_t wordpiece_cls(const wordpiece *w);
int32_t wordpiece_sep(const wordpiece *w);
int32_t wordpiece_unk(const wordpiece *w);
size_t wordpiece_vocab_size(const wordpiece *w);
/* The GGUF-form text of token id (borrowed), or an empty string when out of range. */
gguf_str wordpiece_token(const wordpiece *w, int32_t id);

#endif
