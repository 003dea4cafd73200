/* tiktoken: OpenAI's byte-pair encoding, as used by text-embedding-3-* and ada-002
 * (cl100k_base), for exact token counts and truncation at a token boundary.
 *
 * Vocabulary files read (both map byte strings to ranks; a rank is also the token id):
 *   1. npm `tiktoken` encoders/<name>.json: {"pat_str": "...", "special_tokens": {...},
 *      "bpe_ranks": "! OFFSET B64 B64 ...\n..."}: each line's tokens take consecutive ranks
 *      from OFFSET (the first field is a marker). pat_str is the pre-tokenization pattern.
 *   2. OpenAI's `.tiktoken` file: one "B64 RANK" line per token; the pattern is cl100k_base's.
 *
 * Encoding (what tiktoken's encode_ordinary does; special-token text is ordinary text, as the
 * embeddings API treats it):
 *   1. The text is valid UTF-8 (tiktoken_sanitize_utf8 replaces ill-formed bytes the way
 *      JavaScript's TextDecoder does, so counts match npm tiktoken fed the same bytes).
 *   2. The pattern splits it into pieces (PCRE2, UTF + UCP, JIT). `\s` is rewritten to
 *      Unicode White_Space, which is what the reference's Rust regex means by it (PCRE2's
 *      UCP `\s` also matches U+180E).
 *   3. A piece that is itself a token costs 1; otherwise adjacent parts are merged, always the
 *      pair whose concatenation has the lowest rank, leftmost on ties, until no pair is a token.
 *
 * A tiktoken object is not thread-safe (it owns one PCRE2 match block); use one per thread.
 */
#ifndef SAMPLEVEC_TIKTOKEN_H
#define SAMPLEVEC_TIKTOKEN_H

#include <stddef.h>

#include "msg.h"

/* Input limit of OpenAI's embedding models, in tokens. */
#define TIKTOKEN_EMBED_MAX_TOKENS 8191

typedef struct tiktoken tiktoken;

/* Loads a vocabulary (format chosen by content). NULL with err filled on failure. */
tiktoken *tiktoken_load(const char *path, char err[SV_ERR_LEN]);
void tiktoken_free(tiktoken *t); /* NULL is a no-op */

/* Where the cl100k_base vocabulary is looked for: `override` if non-NULL, else
 * $SAMPLEVEC_TIKTOKEN, else the path compiled in (build/vocab/cl100k_base.json of the
 * source tree, filled by scripts/fetch-vocab.sh), else, when that is missing, the copy
 * `make install` puts in PREFIX/share/samplevec/. Borrowed string. */
const char *tiktoken_default_path(const char *override);

/* Tokens in text[0..len), which must be valid UTF-8. */
size_t tiktoken_count(tiktoken *t, const char *text, size_t len);

/* Like tiktoken_count, but stops once more than max_tokens are found. Returns the full count
 * when it is <= max_tokens, else max_tokens + 1; *prefix_len (if non-NULL) gets the length of
 * the longest prefix made of whole tokens that holds at most max_tokens tokens and ends on a
 * UTF-8 character boundary (all of len when nothing had to be cut). */
size_t tiktoken_count_prefix(tiktoken *t, const char *text, size_t len, size_t max_tokens,
                             size_t *prefix_len);

/* Copy of s[0..len) with each maximal ill-formed UTF-8 subsequence replaced by U+FFFD
 * (WHATWG "decode", the same as Node's Buffer.toString('utf8')). Returns NULL if s is already
 * valid (use it as is), else a malloc'd NUL-terminated string (caller frees) and *out_len.
 * Sets *oom on allocation failure. */
char *tiktoken_sanitize_utf8(const char *s, size_t len, size_t *out_len, int *oom);

#endif
