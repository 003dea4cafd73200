/* spm: llama.cpp's SentencePiece BPE tokenizer (tokenizer.ggml.model "llama": Gemma,
 * EmbeddingGemma, Llama 2, Mistral), token for token as llm_tokenizer_spm_session
 * (llama-vocab.cpp) tokenizes one raw fragment of text.
 *
 * Vocabulary form: a space is U+2581 ("▁"); pieces carry scores (tokenizer.ggml.scores);
 * byte-fallback tokens are "<0x00>" … "<0xFF>".
 *
 * Steps, per fragment:
 *   1. With add_space_prefix (the caller says when: the first fragment, or one after a
 *      USER_DEFINED token), a space is put in front; then every ' ' becomes "▁".
 *   2. The text is split into UTF-8 characters by their lead byte (an invalid byte is a
 *      character of its own, or of up to 3 following bytes, as llama.cpp counts them).
 *   3. The adjacent pair whose concatenation is a token with the highest score merges,
 *      leftmost among equal scores (bpe_merge.h), until no pair is a token.
 *   4. A symbol that is a token is its id; any other (a character the vocabulary lacks: emoji,
 *      a rare Hangul syllable) becomes one "<0xXX>" token per byte, or the byte as a one-byte
 *      text when there is no "<0xXX>", or the unknown token when neither exists (where
 *      llama.cpp throws).
 * An spm keeps working buffers: one per thread. */
#ifndef SAMPLEVEC_SPM_H
#define SAMPLEVEC_SPM_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "vocab.h"

typedef struct spm spm;

/* v (the text → id map, every token kept) and scores (tokenizer.ggml.scores, one per id the
 * map can return) are borrowed for the spm's life. unk: the unknown token's id, or -1 when
 * there is none. */
int spm_new(const vocab_map *v, const float *scores, int32_t unk, spm **out, char err[SV_ERR_LEN]);
void spm_free(spm *s); /* NULL is a no-op */

/* Appends the tokens of one raw fragment text[0..len) to *ids (malloc'd, *cap entries, grown
 * with realloc; caller frees; *n the count before and after). 0, or -1 when out of memory. */
int spm_tokenize(spm *s, const char *text, size_t len, int add_space_prefix, int32_t **ids, size_t *n, size_t *cap);

#endif
