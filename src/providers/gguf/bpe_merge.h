/* bpe_merge: the merge loop every byte-pair encoder of samplevec shares: OpenAI's cl100k
 * (tiktoken.h), llama.cpp's byte-level BPE "gpt2" (bpe.h) and its SentencePiece BPE "llama"
 * (spm.h).
 *
 * A piece s[0..n) starts as a row of symbols: one per byte, or spans the caller gives (UTF-8
 * characters). Repeatedly, the adjacent pair of symbols with the lowest rank becomes one
 * symbol; among pairs of equal rank the leftmost goes first; a pair without a rank never
 * merges. The loop ends when no adjacent pair has a rank. The caller says what a rank is:
 *   tiktoken        the concatenation's rank as a token
 *   BPE "gpt2"      the pair's line number in tokenizer.ggml.merges
 *   SPM "llama"     the concatenation's score as a vocabulary piece, highest first
 * (that is the order each of them merges in: llama.cpp's priority queues pop the lowest rank /
 * highest score, then the smallest left index, and skip entries a merge made stale).
 *
 * Two implementations give the same symbols: a rescan after each merge (tiktoken's own loop,
 * fastest on short pieces) and a binary heap with versioned entries, O(n log n), for long ones
 * (a 64 KiB run of spaces takes seconds with the rescan, milliseconds with the heap).
 * A bpe_merger holds the working buffers; it is not thread-safe (one per thread). */
#ifndef SAMPLEVEC_BPE_MERGE_H
#define SAMPLEVEC_BPE_MERGE_H

#include <stddef.h>
#include <stdint.h>

#define BPE_RANK_NONE UINT32_MAX

/* Rank of merging the symbols s[a..b) and s[b..c), or BPE_RANK_NONE when they do not merge. */
typedef uint32_t (*bpe_rank_fn)(const void *ctx, const unsigned char *s, size_t a, size_t b, size_t c);

typedef struct bpe_merger bpe_merger;

bpe_merger *bpe_merger_new(void); /* NULL on out of memory */
void bpe_merger_free(bpe_merger *m); /* NULL is a no-op */

/* Merges s[0..n) (n >= 1). starts: n_sym increasing symbol start offsets with starts[0] == 0
 * and the last < n, or NULL for one symbol per byte (n_sym is then n). Returns the number of
 * symbols left and points *ends at their end offsets (borrowed from m, valid until its next
 * call); 0 on out of memory. */
size_t bpe_merge(bpe_merger *m, const unsigned char *s, size_t n, const size_t *starts, size_t n_sym,
                 bpe_rank_fn rank, const void *ctx, const size_t **ends);

#ifdef SAMPLEVEC_TESTING
/* Pieces of at least this many symbols use the heap (default 128); tests set it to 0 or
 * SIZE_MAX to compare the two loops. */
extern size_t bpe_merge_heap_threshold;
#endif

#endif
