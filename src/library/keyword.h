/* keyword: the words of a source text as the keyword index sees them, one tokenizer for the
 * store that writes the index (store/kwindex.h registers it with SQLite FTS5) and for search
 * that queries it, so a query word and a document word are the same token or not at all.
 *
 * Tokens (UTF-8, lower-case, accents folded: "Café" = "cafe"):
 *   words      runs of letters and digits; "'" inside a word is dropped ("don't" = "dont");
 *              '-' between letters joins ("lo-fi" = "lofi", "hip-hop" = "hiphop"); '&' between
 *              letters becomes 'n' ("r&b" = "rnb", "d&b" = "dnb"); '#' right after a word stays
 *              in it ("F#m" = "f#m", "C#" = "c#"); '.' between digits stays ("92.5")
 *   units      a number glued to a unit is two tokens: "120bpm" = "120" "bpm" (bpm, hz, khz,
 *              ms, db, bar, bars); "808", "tr808", "90s" stay whole
 *   compounds  producer words written as two: "hip hop", "boom bap", "lo fi", "trip hop",
 *              "neo soul", "old school", "g funk" = one token each ("hiphop", ...); "drum and
 *              bass", "drum n bass", "drum & bass", "d&b" = "dnb"
 *   CJK        Han ideographs, kana and Hangul are not separated by spaces: a document gives
 *              every character and every adjacent pair ("東京駅" = 東 京 駅 東京 京駅); a query
 *              gives the pairs of a run of two or more, or the lone character ("東京" = 東京,
 *              "雨" = 雨), so a query word matches documents containing that exact run
 *   symbols    each emoji or other symbol character is a token of its own ("🔥"); emoji
 *              joiners, variation selectors and skin-tone modifiers are dropped
 *   stop words common English function words ("the", "and", "of", "a", ...) give no token:
 *              they weigh nothing in either the index or the query
 * Every token maps to itself when tokenized again as a query, so a query can quote tokens.
 *
 * Fields: the keyword index keeps six columns per sample, read from the source text's own
 * "Label: value" lines (source_text.h): title (Title), genre (Genre), mood (Mood), tags (Tags,
 * Sample Tags), params (BPM, Key) and body (Description). Apart, so that BM25's length
 * normalisation compares a genre with a genre: a sample without a vibe analysis has no Mood,
 * Tags or Description, and one column for all of them would make its genre weigh more only
 * because its column is shorter. A line without a known label continues the field of
 * the line before it (a description may span lines; text before any label is body); Energy is
 * not indexed, nor are the labels themselves. This is a function of the text alone.
 */
#ifndef SAMPLEVEC_KEYWORD_H
#define SAMPLEVEC_KEYWORD_H

#include <stddef.h>

#define KEYWORD_MAX_TOKEN 256 /* bytes; longer words are cut (URLs, base64 carry no vibe) */

enum keyword_mode {
    KEYWORD_DOCUMENT = 0, /* CJK runs give characters and pairs */
    KEYWORD_QUERY = 1,    /* CJK runs give pairs (or the lone character) */
};

/* Called once per token: token is len bytes (not NUL-terminated), from text[start, end).
 * Return non-zero to stop; keyword_tokenize then returns that value. */
typedef int (*keyword_token_fn)(void *ctx, const char *token, size_t len, size_t start, size_t end);

/* Tokenizes text[0, len) (UTF-8; invalid bytes are separators). Returns 0, the callback's
 * non-zero value, or -1 when out of memory. */
int keyword_tokenize(const char *text, size_t len, enum keyword_mode mode, keyword_token_fn fn, void *ctx);

/* Reusable buffers for keyword_tokenize_in: a writer that tokenizes text after text (the FTS5
 * tokenizer, the keyword cache's build) keeps one instead of allocating three buffers per text.
 * One scratch per thread at a time. _new: NULL when out of memory; _free(NULL) is a no-op. */
typedef struct keyword_scratch keyword_scratch;
keyword_scratch *keyword_scratch_new(void);
void keyword_scratch_free(keyword_scratch *s);
/* keyword_tokenize with scratch's buffers (grown as needed, kept for the next call). */
int keyword_tokenize_in(keyword_scratch *scratch, const char *text, size_t len, enum keyword_mode mode,
                        keyword_token_fn fn, void *ctx);

/* 1 if the folded word (as keyword_tokenize emits it, before stop-word removal) is a stop word. */
int keyword_is_stop_word(const char *word, size_t len);

enum keyword_field {
    KEYWORD_TITLE = 0, KEYWORD_GENRE, KEYWORD_MOOD, KEYWORD_TAGS, KEYWORD_PARAMS, KEYWORD_BODY,
    KEYWORD_FIELDS
};

/* Splits a source text into its fields, each the values of its lines joined with "\n"
 * (labels removed). A field is kept to its first max_bytes + 1 bytes (SIZE_MAX: whole), so
 * that a reader who indexes only the first max_bytes of a field (kwindex.h) holds no more of an
 * 8 MB description than that. out[i] (NUL-terminated, possibly "") and len[i] (its bytes) are
 * in scratch's own buffers, kept for the next call (a writer that splits text after text
 * allocates nothing per text): valid until scratch's next keyword_fields_in, not to be freed.
 * The tokenizer's buffers are others, so a field can be tokenized with the same scratch. 0, or
 * -1 when out of memory. */
int keyword_fields_in(keyword_scratch *scratch, const char *source, size_t max_bytes, const char *out[KEYWORD_FIELDS],
                      size_t len[KEYWORD_FIELDS]);

#endif
