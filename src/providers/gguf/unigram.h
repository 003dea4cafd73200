/* unigram: SentencePiece Unigram tokenization (llama.cpp's UGM, tokenizer.ggml.model "t5") as
 * XLM-RoBERTa models use it (bge-m3, multilingual-e5, paraphrase-multilingual-mpnet,
 * snowflake-arctic-embed2, granite-embedding-278m), token for token as llama.cpp v0.4.0's
 * llm_tokenizer_ugm_session does it.
 *
 * The metadata it reads:
 *   tokenizer.ggml.tokens        piece texts; a word-initial piece starts with U+2581 "▁"
 *   tokenizer.ggml.scores        f32 (or i32) log probabilities, one per token
 *   tokenizer.ggml.token_type    1 NORMAL, 2 UNKNOWN, 3 CONTROL, 4 USER_DEFINED, 5 UNUSED,
 *                                6 BYTE (absent: all NORMAL)
 *   tokenizer.ggml.precompiled_charsmap   u8 array, SentencePiece's normaliser (below; optional)
 *   tokenizer.ggml.add_space_prefix, .remove_extra_whitespaces   bools (default false)
 *   tokenizer.ggml.unknown_token_id   (default 2)
 *
 * precompiled_charsmap, all little-endian: u32 T = the trie's size in bytes; T/4 u32 units of
 * an XOR-compressed double array (darts-clone) over the UTF-8 bytes of source strings; then,
 * from byte 4 + T to the end, NUL-terminated replacement strings. A unit u has
 *   BASE(u) = (u >> 10) << ((u & 0x200) >> 6),  LCHECK(u) = u & 0x800000ff,  LEAF(u) = bit 8,
 *   VALUE(u) = u & 0x7fffffff (a replacement's byte offset in the strings).
 * Matching bytes c1 c2 ... from the root: node = BASE(unit[0]); per byte c (a NUL byte ends
 * the walk): node ^= c; stop unless LCHECK(unit[node]) == c; leaf = LEAF(unit[node]);
 * node ^= BASE(unit[node]); if leaf, VALUE(unit[node]) is the replacement for the bytes so far.
 * The longest match wins.
 *
 * Steps, per fragment of text (USER_DEFINED tokens are cut out before: tokenizer.h):
 *   1. Normalise, left to right: the longest run of bytes that is a prefix of some USER_DEFINED
 *      token is kept as is; else the longest charsmap match is replaced (possibly by nothing);
 *      else one UTF-8 character is kept (an invalid byte becomes U+FFFD).
 *   2. Spaces (the byte ' ' only, after step 1; a charsmap maps tabs, newlines and exotic
 *      spaces to it): with remove_extra_whitespaces every run of non-spaces gets one "▁"
 *      before it and the spaces go; without, every space becomes "▁" and add_space_prefix
 *      puts one "▁" before the first non-space.
 *   3. Viterbi over byte offsets, one code point at a time: every NORMAL, USER_DEFINED (score
 *      0) and UNUSED piece that starts there is a candidate, scores summed in double; a code
 *      point no single piece covers may also be <unk> at (lowest NORMAL score − 10). A later
 *      path replaces the best one only with a strictly greater score.
 *   4. Backtrack from the end; consecutive <unk>s become one.
 * No specials here: tokenizer.h adds <s> / </s>. */
#ifndef SAMPLEVEC_UNIGRAM_H
#define SAMPLEVEC_UNIGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "msg.h"

/* token_type values (llama.cpp's llama_token_type) */
enum {
    UNIGRAM_T_UNDEFINED = 0, UNIGRAM_T_NORMAL = 1, UNIGRAM_T_UNKNOWN = 2, UNIGRAM_T_CONTROL = 3,
    UNIGRAM_T_USER_DEFINED = 4, UNIGRAM_T_UNUSED = 5, UNIGRAM_T_BYTE = 6,
};

typedef struct unigram unigram;

typedef struct unigram_config {
    const gguf_str *tokens;    /* n texts, borrowed for the tokenizer's life */
    const float *scores;       /* n scores (copied) */
    const int32_t *types;      /* n token types (copied), or NULL: all NORMAL */
    size_t n;
    int32_t unk_id;            /* the <unk> the lattice falls back to (0 <= unk_id < n) */
    const unsigned char *charsmap; /* precompiled_charsmap (borrowed), or NULL */
    size_t charsmap_len;
    int add_space_prefix;
    int remove_extra_whitespaces;
} unigram_config;

/* Builds the tokenizer. The charsmap is checked whole here: every node the walk can reach
 * and every replacement it can pick lie inside the blob, and every replacement ends in a NUL
 * (llama.cpp checks these while tokenizing and throws); an index past the array's end ends a
 * match, where llama.cpp would throw. Returns 0, or SV_EXIT_DATA with err filled. */
int unigram_new(const unigram_config *cfg, unigram **out, char err[SV_ERR_LEN]);
/* From tokenizer.ggml.* metadata (model "t5"); tokens are borrowed from g. */
int unigram_from_gguf(const gguf_file *g, unigram **out, char err[SV_ERR_LEN]);
void unigram_free(unigram *u); /* NULL is a no-op */

/* Tokenizes one fragment text[0..len), appending ids to *ids (malloc'd, *cap entries, grown by
 * realloc; *n used before and after; caller frees). 0, or -1 when out of memory. */
int unigram_tokenize(const unigram *u, const char *text, size_t len, int32_t **ids, size_t *n, size_t *cap);

/* Steps 1 and 2 alone: *out is malloc'd (caller frees), *out_len its length (not
 * NUL-terminated). 0, or -1 when out of memory. For tests and diagnostics. */
int unigram_normalize(const unigram *u, const char *text, size_t len, char **out, size_t *out_len);

#endif
