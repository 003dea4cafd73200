/* kwindex: the keyword index, an SQLite FTS5 table over the source texts, ranked by BM25.
 *
 *   CREATE VIRTUAL TABLE sample_keywords USING fts5(title, genre, mood, tags, params, body,
 *                                                  content='', tokenize='samplevec');
 *   rowid = sample_id; the columns are keyword_fields_in() of the source text (keyword.h), each
 *   cut to KWINDEX_FIELD_MAX_BYTES.
 *
 * The table is contentless (the text is already in sample_embeddings.embedding_source), so
 * replacing a row's entry needs the text it was indexed with: kwindex_put takes it.
 * 'samplevec' is keyword.h's tokenizer, registered on each connection by kwindex_register;
 * without it (the sqlite3 shell) the table cannot be read or written, which is why samplevec
 * records the generation it indexed (samplevec_meta 'keyword_generation') and treats an index
 * whose generation lags the store's as stale rather than trusting it.
 *
 * The same table lives in the SQLite store itself (written in the transaction that writes the
 * vectors) and in search's derived keyword cache for stores without a current one.
 *
 * Ranking: samplevec_bm25(sample_keywords, KWINDEX_W_TITLE, ..._GENRE, ..._MOOD, ..._TAGS,
 * ..._PARAMS, ..._BODY), an FTS5 function registered with the tokenizer: BM25F, i.e. Okapi BM25
 * (k1 = 1.2, b = 0.75) with each column's length normalised against that column's average
 * (FTS5's own bm25() normalises by the whole row, which favours samples for being short), over
 * an OR of the query's tokens; larger is better, ties by sample_id ascending. kwindex_query
 * computes exactly these scores (bit for bit, same order) in one pass over the matches, without
 * samplevec_bm25's per-row FTS5 calls (kwindex.c says how; tests/unit/store/test_kwindex.c
 * compares the two).
 *
 * Writers: FTS5 writes its pending terms out as a new segment when a statement savepoint opens
 * in the transaction (any INSERT with a trigger, such as sample_embeddings' written by another
 * program): entries interleaved with such statements make one segment each, and their merges
 * cost more than the entries (5x the vector inserts' time at 20,000 samples, measured). A caller
 * that writes other tables in the same transaction writes them first and the entries last.
 */
#ifndef SAMPLEVEC_KWINDEX_H
#define SAMPLEVEC_KWINDEX_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "keyword.h"
#include "msg.h"
#include "query.h"

#define KWINDEX_TABLE "sample_keywords"
/* The index's format: bumped whenever the tokenizer, the fields or the columns change, so an
 * index made by another version is rebuilt rather than read with the wrong tokens. Stores keep
 * it in samplevec_meta 'keyword_format'; the keyword cache in its stamp. */
#define KWINDEX_FORMAT "2" /* 2: fields cut to KWINDEX_FIELD_MAX_BYTES */
/* Bytes of each field that are indexed: the first 64 KiB (a vibe description is ~2 KB), so a
 * sample with a description of megabytes costs the index, and memory, no more than that. */
#define KWINDEX_FIELD_MAX_BYTES (64u << 10)
#define KWINDEX_W_TITLE 3.0
#define KWINDEX_W_GENRE 2.0
#define KWINDEX_W_MOOD 2.0
#define KWINDEX_W_TAGS 1.5
#define KWINDEX_W_PARAMS 1.0
#define KWINDEX_W_BODY 1.0
/* BM25F's parameters (kwindex.c): the usual values, also FTS5's. */
#define KWINDEX_BM25_K1 1.2
#define KWINDEX_BM25_B 0.75

/* Registers the 'samplevec' FTS5 tokenizer on db (needed before the table is created, read or
 * written). 0, or SV_EXIT_DATA with err when the SQLite library has no FTS5. */
int kwindex_register(sqlite3 *db, char err[SV_ERR_LEN]);

/* 1 if db has the sample_keywords table. */
int kwindex_exists(sqlite3 *db);

/* Each commit adds a segment to the index; FTS5 merges none until a level holds this many, then
 * that level whole (FTS5's crisismerge, with automerge off: kwindex.c says why). */
#define KWINDEX_MERGE_SEGMENTS 256

/* Creates the table if absent. 0 or SV_EXIT_DATA. */
int kwindex_create(sqlite3 *db, char err[SV_ERR_LEN]);

/* Writing entries: statements prepared once on db (whose table must exist), reused per row.
 * _new also gives an index made before KWINDEX_MERGE_SEGMENTS that merge policy (a write: call
 * it inside the writer's transaction). */
typedef struct kwindex_writer kwindex_writer;
kwindex_writer *kwindex_writer_new(sqlite3 *db, char err[SV_ERR_LEN]); /* NULL with err */
void kwindex_writer_free(kwindex_writer *w);                           /* NULL is a no-op */
/* Writes sample_id's entry for new_source; old_source (NULL = none) is the text its current
 * entry was made from, removed first; new_source NULL only removes. Inside the caller's
 * transaction. 0 or SV_EXIT_DATA. */
int kwindex_writer_put(kwindex_writer *w, int64_t sample_id, const char *old_source, const char *new_source,
                       char err[SV_ERR_LEN]);

/* An entry tokenized ahead of its transaction (kwindex_entry_prepare), so that a writer can
 * tokenize on another thread while the previous batch is being written, and its transaction
 * only files the tokens. bytes: the six column values one after another, each ended by a NUL:
 * KWINDEX_PREPARED, then every token followed by KWINDEX_TOKEN_END (both control characters,
 * which the tokenizer never puts in a token). The 'samplevec' tokenizer, given a document
 * value that starts with KWINDEX_PREPARED, emits those tokens as they are; the index gets
 * exactly the tokens and column lengths kwindex_writer_put would give it (test_kwindex). */
#define KWINDEX_PREPARED '\x1e'
#define KWINDEX_TOKEN_END '\x1f'
typedef struct kwindex_entry {
    char *bytes; /* malloc'd, owned by whoever holds the entry */
} kwindex_entry;
/* source's entry, tokenized as kwindex_entry_tokens does. scratch as there. 0, or -1 when out
 * of memory (*out untouched). Needs no connection: any thread, one scratch per thread. */
int kwindex_entry_prepare(keyword_scratch *scratch, const char *source, kwindex_entry *out);
/* kwindex_writer_put with the new entry prepared ahead (old_source as there). */
int kwindex_writer_put_prepared(kwindex_writer *w, int64_t sample_id, const char *old_source,
                                const kwindex_entry *entry, char err[SV_ERR_LEN]);

/* The rows matching any token of text (keyword.h, query mode), best first, appended to out;
 * at most limit (0 = every match). *n_tokens (may be NULL) gets the number of tokens the text
 * gave: 0 means no meaningful word, and nothing is appended. 0 or SV_EXIT_DATA. */
int kwindex_query(sqlite3 *db, const char *text, size_t limit, query_keyword_hits *out,
                  size_t *n_tokens, char err[SV_ERR_LEN]);

/* The tokens of source's entry as the index receives them: keyword_fields_in, each field cut to
 * KWINDEX_FIELD_MAX_BYTES, keyword_tokenize (document mode); fn gets the column (enum
 * keyword_field) of each token. 0, fn's non-zero value, or -1 when out of memory. Readers that
 * keep their own copy of the index (search's keyword cache) use this, so their tokens and
 * column lengths are the FTS5 table's. scratch (keyword.h; NULL = one for this call) holds
 * the tokenizer's buffers across calls. */
typedef int (*kwindex_token_fn)(void *ctx, int column, const char *token, size_t len);
int kwindex_entry_tokens(keyword_scratch *scratch, const char *source, kwindex_token_fn fn, void *ctx);

/* The BM25F weight of each column (KWINDEX_W_*), in column order. */
extern const double kwindex_weights[6];

/* The best `limit` (0 = all) of n scored rows, best first (larger score, then smaller id),
 * appended to out: kwindex_query's order. 0, or -1 when out of memory. */
int kwindex_best(const int64_t *ids, const double *scores, size_t n, size_t limit, query_keyword_hits *out);

/* The OR of text's query tokens as an FTS5 MATCH expression, each token quoted; caller frees.
 * *n_tokens gets their number. NULL when out of memory. */
char *kwindex_match_expression(const char *text, size_t *n_tokens);

#endif
