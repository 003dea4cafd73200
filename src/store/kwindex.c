#include "kwindex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyword.h"
#include "strbuf.h"

/* ---- the FTS5 tokenizer ---- */

typedef struct fts_token_ctx {
    void *fts_ctx;
    int (*x_token)(void *, int, const char *, int, int, int);
} fts_token_ctx;

static int fts_emit(void *ctx, const char *token, size_t len, size_t start, size_t end)
{
    fts_token_ctx *c = ctx;
    return c->x_token(c->fts_ctx, 0, token, (int)len, (int)start, (int)end);
}

/* A tokenizer instance (one per table and connection, used by that connection only) is the
 * scratch its texts are tokenized in: no allocation per column of every row. */
static int fts_create(void *unused, const char **args, int n_args, Fts5Tokenizer **out)
{
    (void)unused;
    (void)args;
    (void)n_args;
    keyword_scratch *sc = keyword_scratch_new();
    *out = (Fts5Tokenizer *)sc;
    return sc ? SQLITE_OK : SQLITE_NOMEM;
}

static void fts_delete(Fts5Tokenizer *t) { keyword_scratch_free((keyword_scratch *)t); }

/* A prepared column (kwindex_entry_prepare): its tokens, each ended by KWINDEX_TOKEN_END,
 * after the KWINDEX_PREPARED mark; emitted as they are, at their offsets in the value. */
static int replay_prepared(const char *text, int n_text, fts_token_ctx *c)
{
    int rc = SQLITE_OK;
    const char *end = text + n_text;
    for (const char *p = text + 1, *mark; rc == SQLITE_OK && (mark = memchr(p, KWINDEX_TOKEN_END, (size_t)(end - p)));
         p = mark + 1)
        rc = c->x_token(c->fts_ctx, 0, p, (int)(mark - p), (int)(p - text), (int)(mark - text));
    return rc;
}

static int fts_tokenize(Fts5Tokenizer *t, void *fts_ctx, int flags, const char *text, int n_text,
                        int (*x_token)(void *, int, const char *, int, int, int))
{
    fts_token_ctx c = {fts_ctx, x_token};
    if (!(flags & FTS5_TOKENIZE_QUERY) && text && n_text > 0 && text[0] == KWINDEX_PREPARED)
        return replay_prepared(text, n_text, &c);
    enum keyword_mode mode = (flags & FTS5_TOKENIZE_QUERY) ? KEYWORD_QUERY : KEYWORD_DOCUMENT;
    int rc = keyword_tokenize_in((keyword_scratch *)t, text ? text : "", text && n_text > 0 ? (size_t)n_text : 0,
                                 mode, fts_emit, &c);
    return rc == -1 ? SQLITE_NOMEM : rc;
}

static fts5_api *fts5_api_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return api;
}

/* ---- BM25F: BM25 with each column normalised by its own length ----
 * FTS5's built-in bm25() normalises by the length of the whole row, so a sample without a vibe
 * analysis (a title and a genre) outranks an analysed one (the same title and genre plus a
 * description) only because it is shorter. Here each column's term frequency is normalised by
 * that column's length against its average (Robertson & Zaragoza's BM25F), weighted, summed,
 * and saturated once per query term:
 *   tf'(t) = Σ_c w_c · tf_c(t) / (1 - b + b · len_c / avglen_c)
 *   score  = Σ_t idf(t) · tf'(t) · (k1 + 1) / (tf'(t) + k1),  idf = ln((N - n + 0.5)/(n + 0.5) + 1)
 * with k1 = 1.2, b = 0.75 (the usual values, also FTS5's). */
#define BM25F_K1 KWINDEX_BM25_K1
#define BM25F_B KWINDEX_BM25_B

const double kwindex_weights[6] = {KWINDEX_W_TITLE, KWINDEX_W_GENRE, KWINDEX_W_MOOD,
                                   KWINDEX_W_TAGS,  KWINDEX_W_PARAMS, KWINDEX_W_BODY};

typedef struct bm25f_stats {
    int n_phrase, n_col;
    double *idf;    /* n_phrase */
    double *avglen; /* n_col */
} bm25f_stats;

static void bm25f_stats_free(void *p)
{
    bm25f_stats *st = p;
    if (st) {
        free(st->idf);
        free(st->avglen);
        free(st);
    }
}

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *ud)
{
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)ud)++;
    return SQLITE_OK;
}

/* Per query, once: the idf of each phrase and each column's average length. */
static bm25f_stats *bm25f_stats_of(const Fts5ExtensionApi *api, Fts5Context *fts)
{
    bm25f_stats *st = api->xGetAuxdata(fts, 0);
    if (st)
        return st;
    if (!(st = calloc(1, sizeof *st)))
        return NULL;
    st->n_phrase = api->xPhraseCount(fts);
    st->n_col = api->xColumnCount(fts);
    st->idf = calloc((size_t)st->n_phrase + 1, sizeof *st->idf);
    st->avglen = calloc((size_t)st->n_col + 1, sizeof *st->avglen);
    sqlite3_int64 rows = 0;
    if (!st->idf || !st->avglen || api->xRowCount(fts, &rows) != SQLITE_OK)
        goto fail;
    for (int c = 0; c < st->n_col; c++) {
        sqlite3_int64 total = 0;
        if (api->xColumnTotalSize(fts, c, &total) != SQLITE_OK)
            goto fail;
        st->avglen[c] = rows > 0 ? (double)total / (double)rows : 0;
    }
    for (int p = 0; p < st->n_phrase; p++) {
        sqlite3_int64 hits = 0;
        if (api->xQueryPhrase(fts, p, &hits, count_row) != SQLITE_OK)
            goto fail;
        st->idf[p] = log(((double)rows - (double)hits + 0.5) / ((double)hits + 0.5) + 1.0);
    }
    if (api->xSetAuxdata(fts, st, bm25f_stats_free) != SQLITE_OK)
        return NULL; /* xSetAuxdata freed it */
    return st;
fail:
    bm25f_stats_free(st);
    return NULL;
}

/* samplevec_bm25(table, w_0, ..., w_{n-1}): the row's BM25F score (larger is better); a
 * missing weight is 1. */
static void bm25f_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int n_val,
                           sqlite3_value **val)
{
    bm25f_stats *st = bm25f_stats_of(api, fts);
    if (!st) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    double small[64], *tf = small;
    size_t cells = (size_t)st->n_phrase * (size_t)st->n_col;
    if (cells > sizeof small / sizeof *small && !(tf = malloc(cells * sizeof *tf))) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    memset(tf, 0, cells * sizeof *tf);
    int n_inst = 0, rc = api->xInstCount(fts, &n_inst);
    for (int i = 0; rc == SQLITE_OK && i < n_inst; i++) {
        int phrase, col, off;
        if ((rc = api->xInst(fts, i, &phrase, &col, &off)) == SQLITE_OK && phrase < st->n_phrase &&
            col < st->n_col)
            tf[(size_t)phrase * (size_t)st->n_col + (size_t)col] += 1;
    }
    double norm[64];
    for (int c = 0; rc == SQLITE_OK && c < st->n_col && c < 64; c++) {
        int len = 0;
        rc = api->xColumnSize(fts, c, &len);
        double rel = st->avglen[c] > 0 ? (double)len / st->avglen[c] : 0;
        norm[c] = 1.0 - BM25F_B + BM25F_B * rel;
    }
    double score = 0;
    for (int p = 0; rc == SQLITE_OK && p < st->n_phrase; p++) {
        double t = 0;
        for (int c = 0; c < st->n_col && c < 64; c++) {
            double f = tf[(size_t)p * (size_t)st->n_col + (size_t)c];
            if (f > 0)
                t += (c < n_val ? sqlite3_value_double(val[c]) : 1.0) * f / norm[c];
        }
        if (t > 0)
            score += st->idf[p] * t * (BM25F_K1 + 1) / (t + BM25F_K1);
    }
    if (tf != small)
        free(tf);
    if (rc != SQLITE_OK)
        sqlite3_result_error_code(ctx, rc);
    else
        sqlite3_result_double(ctx, score);
}

static void collect_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int n_val,
                             sqlite3_value **val);

int kwindex_register(sqlite3 *db, char err[SV_ERR_LEN])
{
    static fts5_tokenizer tokenizer = {fts_create, fts_delete, fts_tokenize};
    fts5_api *api = fts5_api_of(db);
    if (!api || api->iVersion < 2)
        return sv_fail(err, SV_EXIT_DATA,
                       "this SQLite library has no FTS5 (full-text search): install Debian's libsqlite3-0");
    if (api->xCreateTokenizer(api, "samplevec", NULL, &tokenizer, NULL) != SQLITE_OK ||
        api->xCreateFunction(api, "samplevec_bm25", NULL, bm25f_function, NULL) != SQLITE_OK ||
        api->xCreateFunction(api, "samplevec_collect", NULL, collect_function, NULL) != SQLITE_OK)
        return sv_fail(err, SV_EXIT_DATA, "cannot register the keyword tokenizer: %s", sqlite3_errmsg(db));
    return 0;
}

/* ---- the table ---- */

int kwindex_exists(sqlite3 *db)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='" KWINDEX_TABLE "'",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

static int exec(sqlite3 *db, const char *sql, const char *what, char err[SV_ERR_LEN])
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    int rc = sv_fail(err, SV_EXIT_DATA, "keyword index: cannot %s: %s", what, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

/* FTS5 writes each commit's entries out as a new segment and, by default, merges segments
 * as they accumulate (automerge: a level is merged bit by bit once it holds 4; samplevec used
 * 16 before). During an embed that rewrote the whole index once more: at 200,000 samples
 * (~170 commits) +0.7 GB written and ~1.3 s of a 12 s run (docs/search.md, session 9). Here
 * nothing is merged until a level holds KWINDEX_MERGE_SEGMENTS (kwindex.h), then that level is
 * merged whole (crisismerge): a 200,000-sample embed merges nothing, and FTS5's limit of 2,000
 * segments stays far off. More segments cost a query little (171 against ~20: +1.4%
 * instructions in kwindex_query, whose time goes to the matching rows), and search ranks
 * with its own keyword cache (kwcache.h) wherever it can keep one. kwindex_writer_new gives
 * the policy to an index made before it. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define MERGE_POLICY_SQL                                                                           \
    "INSERT INTO " KWINDEX_TABLE "(" KWINDEX_TABLE ", rank) VALUES('automerge', 0);"              \
    "INSERT INTO " KWINDEX_TABLE "(" KWINDEX_TABLE ", rank) VALUES('crisismerge', "                 \
    STR(KWINDEX_MERGE_SEGMENTS) ");"

int kwindex_create(sqlite3 *db, char err[SV_ERR_LEN])
{
    if (kwindex_exists(db))
        return 0;
    return exec(db,
                "CREATE VIRTUAL TABLE " KWINDEX_TABLE
                " USING fts5(title, genre, mood, tags, params, body, content='', tokenize='samplevec');" MERGE_POLICY_SQL,
                "create it", err);
}

struct kwindex_writer {
    sqlite3 *db;
    sqlite3_stmt *insert, *remove; /* prepared once, reused per row */
    keyword_scratch *fields;       /* a raw entry's fields, split text after text */
};

void kwindex_writer_free(kwindex_writer *w)
{
    if (!w)
        return;
    sqlite3_finalize(w->insert);
    sqlite3_finalize(w->remove);
    keyword_scratch_free(w->fields);
    free(w);
}

kwindex_writer *kwindex_writer_new(sqlite3 *db, char err[SV_ERR_LEN])
{
    kwindex_writer *w = calloc(1, sizeof *w);
    if (!w) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    w->db = db;
    /* an index made before the merge policy above takes it now (two config rows, in the
     * writer's transaction) */
    if (exec(db, MERGE_POLICY_SQL, "set its merge policy", err)) {
        kwindex_writer_free(w);
        return NULL;
    }
    if (!(w->fields = keyword_scratch_new())) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        kwindex_writer_free(w);
        return NULL;
    }
    if (sqlite3_prepare_v3(db, "INSERT INTO " KWINDEX_TABLE "(rowid, title, genre, mood, tags, params, body)"
                           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, SQLITE_PREPARE_PERSISTENT, &w->insert, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(db,
                           "INSERT INTO " KWINDEX_TABLE "(" KWINDEX_TABLE
                           ", rowid, title, genre, mood, tags, params, body)"
                           " VALUES('delete', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, SQLITE_PREPARE_PERSISTENT, &w->remove, NULL) != SQLITE_OK) {
        sv_fail(err, SV_EXIT_DATA, "keyword index: %s", sqlite3_errmsg(db));
        kwindex_writer_free(w);
        return NULL;
    }
    return w;
}

/* The length n of field f cut to KWINDEX_FIELD_MAX_BYTES, back to the start of a UTF-8
 * character. */
static size_t cut_length(const char *f, size_t n)
{
    if (n <= KWINDEX_FIELD_MAX_BYTES)
        return n;
    n = KWINDEX_FIELD_MAX_BYTES;
    while (n > 0 && ((unsigned char)f[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Steps st (insert or remove) with the entry's six column values bound. */
static int step_entry(kwindex_writer *w, sqlite3_stmt *st, int64_t id, const char *const value[KEYWORD_FIELDS],
                      const int len[KEYWORD_FIELDS], char err[SV_ERR_LEN])
{
    int rc = 0;
    sqlite3_bind_int64(st, 1, id);
    for (int i = 0; i < KEYWORD_FIELDS; i++)
        sqlite3_bind_text(st, i + 2, value[i], len[i], SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sv_fail(err, SV_EXIT_DATA, "keyword index: cannot index sample %lld: %s", (long long)id,
                     sqlite3_errmsg(w->db));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int write_entry(kwindex_writer *w, sqlite3_stmt *st, int64_t id, const char *source, char err[SV_ERR_LEN])
{
    const char *fields[KEYWORD_FIELDS];
    size_t field_len[KEYWORD_FIELDS];
    if (keyword_fields_in(w->fields, source, KWINDEX_FIELD_MAX_BYTES, fields, field_len) != 0)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    const char *value[KEYWORD_FIELDS];
    int len[KEYWORD_FIELDS];
    for (int i = 0; i < KEYWORD_FIELDS; i++) {
        /* A field that starts with the prepared mark (a control character, so a separator the
         * tokenizer skips) is bound without it: the tokens are the same, and the tokenizer
         * never reads a raw field as a prepared one. */
        const char *f = fields[i];
        int n = (int)cut_length(f, field_len[i]);
        while (n > 0 && *f == KWINDEX_PREPARED) {
            f++;
            n--;
        }
        value[i] = f;
        len[i] = n;
    }
    return step_entry(w, st, id, value, len, err);
}

int kwindex_writer_put(kwindex_writer *w, int64_t sample_id, const char *old_source, const char *new_source,
                       char err[SV_ERR_LEN])
{
    int rc;
    if (old_source && (rc = write_entry(w, w->remove, sample_id, old_source, err)))
        return rc;
    return new_source ? write_entry(w, w->insert, sample_id, new_source, err) : 0;
}

int kwindex_writer_put_prepared(kwindex_writer *w, int64_t sample_id, const char *old_source,
                                const kwindex_entry *entry, char err[SV_ERR_LEN])
{
    int rc;
    if (old_source && (rc = write_entry(w, w->remove, sample_id, old_source, err)))
        return rc;
    const char *value[KEYWORD_FIELDS];
    int len[KEYWORD_FIELDS];
    const char *p = entry->bytes;
    for (int i = 0; i < KEYWORD_FIELDS; i++) {
        value[i] = p;
        len[i] = (int)strlen(p); /* a token never holds a NUL: keyword.h */
        p += len[i] + 1;
    }
    return step_entry(w, w->insert, sample_id, value, len, err);
}

/* ---- entries tokenized ahead ---- */

typedef struct prepare_buf {
    strbuf text;
    int column; /* the column being written */
} prepare_buf;

/* Ends columns until `column` is the one being written (columns come in order, some empty). */
static int prepare_reach(void *ctx, int column)
{
    prepare_buf *b = ctx;
    static const char next_column[2] = {'\0', KWINDEX_PREPARED};
    for (; b->column < column; b->column++)
        if (strbuf_add(&b->text, next_column, 2))
            return -1;
    return 0;
}

/* A token of the column being written, and its end mark. */
static int prepare_token(void *ctx, const char *token, size_t len, size_t start, size_t end)
{
    (void)start;
    (void)end;
    prepare_buf *b = ctx;
    return strbuf_add(&b->text, token, len) || strbuf_add_byte(&b->text, KWINDEX_TOKEN_END) ? -1 : 0;
}

/* Tokenizes source's fields in column order (keyword_fields_in, each cut to
 * KWINDEX_FIELD_MAX_BYTES, document mode): column(ctx, i) before field i's tokens, which go
 * to fn. scratch NULL: one for this call. 0, a callback's non-zero value, or -1 when out of
 * memory. */
static int tokenize_fields(keyword_scratch *scratch, const char *source, int (*column)(void *ctx, int column),
                           keyword_token_fn fn, void *ctx)
{
    keyword_scratch *own = scratch ? NULL : keyword_scratch_new(), *sc = scratch ? scratch : own;
    const char *fields[KEYWORD_FIELDS];
    size_t len[KEYWORD_FIELDS];
    if (!sc || keyword_fields_in(sc, source ? source : "", KWINDEX_FIELD_MAX_BYTES, fields, len) != 0) {
        keyword_scratch_free(own);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < KEYWORD_FIELDS && !rc; i++)
        if (!(rc = column(ctx, i)))
            rc = keyword_tokenize_in(sc, fields[i], cut_length(fields[i], len[i]), KEYWORD_DOCUMENT, fn, ctx);
    keyword_scratch_free(own);
    return rc;
}

int kwindex_entry_prepare(keyword_scratch *scratch, const char *source, kwindex_entry *out)
{
    prepare_buf b = {{0}, 0};
    /* room for the usual entry at once: its tokens and their ends take about the text's
     * bytes (separators become ends, stop words and labels drop out), of its indexed fields'
     * bytes at most */
    size_t guess = source ? strlen(source) : 0;
    if (guess > KEYWORD_FIELDS * (size_t)KWINDEX_FIELD_MAX_BYTES)
        guess = KEYWORD_FIELDS * (size_t)KWINDEX_FIELD_MAX_BYTES;
    int rc = strbuf_reserve(&b.text, guess + 64) || strbuf_add_byte(&b.text, KWINDEX_PREPARED);
    if (!rc)
        rc = tokenize_fields(scratch, source, prepare_reach, prepare_token, &b);
    if (!rc) /* the last column's NUL is the string's own */
        rc = prepare_reach(&b, KEYWORD_FIELDS - 1);
    if (rc) {
        strbuf_free(&b.text);
        return -1;
    }
    out->bytes = b.text.s;
    return 0;
}

typedef struct entry_token_ctx {
    kwindex_token_fn fn;
    void *ctx;
    int column;
} entry_token_ctx;

static int entry_column(void *ctx, int column)
{
    ((entry_token_ctx *)ctx)->column = column;
    return 0;
}

static int entry_token(void *ctx, const char *token, size_t len, size_t start, size_t end)
{
    (void)start;
    (void)end;
    entry_token_ctx *c = ctx;
    return c->fn(c->ctx, c->column, token, len);
}

int kwindex_entry_tokens(keyword_scratch *scratch, const char *source, kwindex_token_fn fn, void *ctx)
{
    entry_token_ctx c = {fn, ctx, 0};
    return tokenize_fields(scratch, source, entry_column, entry_token, &c);
}

/* ---- queries ---- */

typedef struct expr_buf {
    strbuf text;
    size_t n_tokens;
} expr_buf;

static int expr_token(void *ctx, const char *token, size_t len, size_t start, size_t end)
{
    (void)start;
    (void)end;
    expr_buf *b = ctx;
    if (b->n_tokens)
        strbuf_add(&b->text, " OR ", 4);
    strbuf_add(&b->text, "\"", 1);
    for (size_t i = 0; i < len; i++)
        strbuf_add(&b->text, token[i] == '"' ? "\"\"" : &token[i], token[i] == '"' ? 2 : 1);
    strbuf_add(&b->text, "\"", 1);
    b->n_tokens++;
    return b->text.oom ? -1 : 0; /* sticky: any append above that failed */
}

char *kwindex_match_expression(const char *text, size_t *n_tokens)
{
    expr_buf b = {{0}, 0};
    if (strbuf_add(&b.text, "", 0) || keyword_tokenize(text, strlen(text), KEYWORD_QUERY, expr_token, &b) != 0) {
        strbuf_free(&b.text);
        return NULL;
    }
    *n_tokens = b.n_tokens;
    return b.text.s;
}

/* ---- the ranking, in one pass ----
 * samplevec_bm25() above is the definition, but ranked through SQL it costs ~1 µs of FTS5 API
 * per matching row on top of the match itself (xColumnSize runs a docsize SELECT per row,
 * xQueryPhrase a query per phrase for its idf, the sorter every row): ~100 ms for a query of
 * common words over 100,000 samples, where the match alone takes ~9 ms. kwindex_query computes
 * the same scores, bit for bit, in one pass: samplevec_collect() records each matching row's
 * per-phrase weighted frequency t (the same expression, the same order), reading the column
 * lengths from a cursor over the docsize table that moves with the match (both in rowid
 * order); the idf of each phrase is the number of collected rows holding it; the best `limit`
 * are kept in a heap. test_kwindex checks it against samplevec_bm25 ranked by SQL. */

typedef struct collect_state {
    sqlite3 *db;
    int n_phrase, n_col, ready;
    double weight[64], avglen[64];
    sqlite3_int64 rows;          /* xRowCount: every row of the table */
    sqlite3_stmt *docsize;       /* SELECT id, sz FROM ..._docsize WHERE id >= ?1 */
    int ds_valid;                /* docsize is on a row: ds_id, ds_len */
    sqlite3_int64 ds_id;
    int ds_len[64];
    int64_t *ids;                /* n matched rows */
    double *t;                   /* n × n_phrase weighted term frequencies */
    size_t n, cap;
} collect_state;

/* A column-size record of the docsize table: one SQLite varint per column. 0 when it does not
 * hold exactly n_col of them. */
static int decode_sizes(const unsigned char *p, int n, int n_col, int *out)
{
    int i = 0, c = 0;
    for (; c < n_col && i < n; c++) {
        uint32_t v = 0;
        int k = 0;
        for (; k < 5 && i < n; k++) {
            unsigned char b = p[i++];
            v = (v << 7) | (b & 0x7f);
            if (!(b & 0x80))
                break;
        }
        if (k == 5 || v > 0x7fffffff)
            return 0;
        out[c] = (int)v;
    }
    return c == n_col && i == n;
}

/* Moves the docsize cursor to rowid; 1 with the row's column lengths in st->ds_len, 0 when it
 * has none there (the caller asks FTS5 instead). Rows come in rowid order, so this is a scan;
 * a long gap is crossed by seeking. */
static int docsize_at(collect_state *st, sqlite3_int64 rowid)
{
    if (!st->docsize)
        return 0;
    if (st->ds_valid && st->ds_id == rowid)
        return 1;
    int steps = 0;
    if (!st->ds_valid || st->ds_id > rowid)
        steps = 64; /* not started, or behind: seek */
    for (;;) {
        if (steps >= 64) {
            sqlite3_reset(st->docsize);
            sqlite3_bind_int64(st->docsize, 1, rowid);
            steps = 0;
        }
        if (sqlite3_step(st->docsize) != SQLITE_ROW) {
            st->ds_valid = 0;
            sqlite3_reset(st->docsize);
            return 0;
        }
        steps++;
        st->ds_id = sqlite3_column_int64(st->docsize, 0);
        const unsigned char *sz = sqlite3_column_blob(st->docsize, 1);
        st->ds_valid = decode_sizes(sz, sqlite3_column_bytes(st->docsize, 1), st->n_col, st->ds_len);
        if (!st->ds_valid)
            return 0;
        if (st->ds_id >= rowid)
            return st->ds_id == rowid;
    }
}

static int collect_setup(collect_state *st, const Fts5ExtensionApi *api, Fts5Context *fts)
{
    st->n_phrase = api->xPhraseCount(fts);
    st->n_col = api->xColumnCount(fts);
    if (st->n_col > 64 || st->n_phrase < 1 || api->xRowCount(fts, &st->rows) != SQLITE_OK)
        return SQLITE_ERROR;
    for (int c = 0; c < st->n_col; c++) {
        sqlite3_int64 total = 0;
        if (api->xColumnTotalSize(fts, c, &total) != SQLITE_OK)
            return SQLITE_ERROR;
        st->avglen[c] = st->rows > 0 ? (double)total / (double)st->rows : 0;
    }
    /* Without the docsize table (it should be there) every row asks xColumnSize. */
    if (sqlite3_prepare_v2(st->db, "SELECT id, sz FROM \"" KWINDEX_TABLE "_docsize\" WHERE id >= ?1", -1,
                           &st->docsize, NULL) != SQLITE_OK)
        st->docsize = NULL;
    st->ready = 1;
    return SQLITE_OK;
}

/* samplevec_collect(table, state): records the row into the collect_state bound as a pointer. */
static void collect_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int n_val,
                             sqlite3_value **val)
{
    collect_state *st = n_val >= 1 ? sqlite3_value_pointer(val[0], "samplevec_collect") : NULL;
    int rc = SQLITE_OK;
    if (!st || (!st->ready && (rc = collect_setup(st, api, fts)) != SQLITE_OK)) {
        sqlite3_result_error_code(ctx, st ? rc : SQLITE_MISUSE);
        return;
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 1024;
        int64_t *ids = realloc(st->ids, cap * sizeof *ids);
        if (ids)
            st->ids = ids;
        double *t = ids ? realloc(st->t, cap * (size_t)st->n_phrase * sizeof *t) : NULL;
        if (!t) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        st->t = t;
        st->cap = cap;
    }
    sqlite3_int64 rowid = api->xRowid(fts);
    int len[64];
    if (docsize_at(st, rowid)) {
        memcpy(len, st->ds_len, (size_t)st->n_col * sizeof *len);
    } else {
        for (int c = 0; rc == SQLITE_OK && c < st->n_col; c++)
            rc = api->xColumnSize(fts, c, &len[c]);
    }
    /* the same norm and t as bm25f_function, in the same order */
    double norm[64];
    for (int c = 0; c < st->n_col; c++) {
        double rel = st->avglen[c] > 0 ? (double)len[c] / st->avglen[c] : 0;
        norm[c] = 1.0 - BM25F_B + BM25F_B * rel;
    }
    double *t = st->t + st->n * (size_t)st->n_phrase;
    for (int p = 0; rc == SQLITE_OK && p < st->n_phrase; p++) {
        double f[64];
        memset(f, 0, (size_t)st->n_col * sizeof *f);
        Fts5PhraseIter it;
        int col, off;
        rc = api->xPhraseFirst(fts, p, &it, &col, &off);
        for (; rc == SQLITE_OK && col >= 0; api->xPhraseNext(fts, &it, &col, &off))
            if (col < st->n_col)
                f[col] += 1;
        double tp = 0;
        for (int c = 0; c < st->n_col; c++)
            if (f[c] > 0)
                tp += st->weight[c] * f[c] / norm[c];
        t[p] = tp;
    }
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    st->ids[st->n++] = rowid;
    sqlite3_result_null(ctx);
}

/* Heap order: the worst kept hit on top (lower score, then higher id). */
static int hit_worse(const query_keyword_hit *a, const query_keyword_hit *b)
{
    return a->score < b->score || (a->score == b->score && a->sample_id > b->sample_id);
}

static void heap_down(query_keyword_hit *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && hit_worse(&h[l], &h[m]))
            m = l;
        if (r < n && hit_worse(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        query_keyword_hit x = h[i];
        h[i] = h[m];
        h[m] = x;
        i = m;
    }
}

static int hit_better_first(const void *x, const void *y)
{
    const query_keyword_hit *a = x, *b = y;
    return hit_worse(b, a) ? -1 : hit_worse(a, b) ? 1 : 0;
}

int kwindex_best(const int64_t *ids, const double *scores, size_t n_rows, size_t limit, query_keyword_hits *out)
{
    size_t keep = limit && limit < n_rows ? limit : n_rows, n = 0;
    query_keyword_hit *h = malloc((keep ? keep : 1) * sizeof *h);
    if (!h)
        return -1;
    for (size_t i = 0; i < n_rows; i++) {
        query_keyword_hit x = {ids[i], scores[i]};
        if (n < keep) {
            h[n++] = x;
            if (n == keep) /* heapify once full */
                for (size_t j = keep / 2; j-- > 0;)
                    heap_down(h, keep, j);
        } else if (keep && hit_worse(&h[0], &x)) {
            h[0] = x;
            heap_down(h, keep, 0);
        }
    }
    qsort(h, n, sizeof *h, hit_better_first);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = query_keyword_hits_append(out, h[i].sample_id, h[i].score);
    free(h);
    return rc;
}

/* The best `limit` (0 = all) of the collected rows, best first, appended to out. */
static int rank_collected(const collect_state *st, size_t limit, query_keyword_hits *out)
{
    int n_phrase = st->n_phrase; /* a pasted source text is hundreds */
    double *idf = malloc((size_t)n_phrase * sizeof *idf);
    double *scores = malloc((st->n ? st->n : 1) * sizeof *scores);
    if (!idf || !scores) {
        free(idf);
        free(scores);
        return -1;
    }
    for (int p = 0; p < n_phrase; p++) {
        size_t hits = 0;
        for (size_t i = 0; i < st->n; i++)
            hits += st->t[i * (size_t)st->n_phrase + (size_t)p] > 0;
        idf[p] = log(((double)st->rows - (double)hits + 0.5) / ((double)hits + 0.5) + 1.0);
    }
    for (size_t i = 0; i < st->n; i++) {
        const double *t = st->t + i * (size_t)st->n_phrase;
        double score = 0;
        for (int p = 0; p < n_phrase; p++)
            if (t[p] > 0)
                score += idf[p] * t[p] * (BM25F_K1 + 1) / (t[p] + BM25F_K1);
        scores[i] = score;
    }
    int rc = kwindex_best(st->ids, scores, st->n, limit, out);
    free(scores);
    free(idf);
    return rc;
}

int kwindex_query(sqlite3 *db, const char *text, size_t limit, query_keyword_hits *out,
                  size_t *n_tokens, char err[SV_ERR_LEN])
{
    size_t n = 0;
    char *expr = kwindex_match_expression(text, &n);
    if (!expr)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    if (n_tokens)
        *n_tokens = n;
    int rc = 0;
    sqlite3_stmt *st = NULL;
    collect_state cs;
    memset(&cs, 0, sizeof cs);
    cs.db = db;
    for (int c = 0; c < 64; c++)
        cs.weight[c] = c < 6 ? kwindex_weights[c] : 1.0;
    if (n == 0)
        goto cleanup;
    if (sqlite3_prepare_v2(db,
                           "SELECT samplevec_collect(" KWINDEX_TABLE ", ?2) FROM " KWINDEX_TABLE
                           " WHERE " KWINDEX_TABLE " MATCH ?1",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sv_fail(err, SV_EXIT_DATA, "keyword index: %s", sqlite3_errmsg(db));
        goto cleanup;
    }
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
    sqlite3_bind_pointer(st, 2, &cs, "samplevec_collect", NULL);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (step != SQLITE_DONE) {
        rc = sv_fail(err, SV_EXIT_DATA, "keyword index: query failed: %s", sqlite3_errmsg(db));
        goto cleanup;
    }
    if (cs.n && rank_collected(&cs, limit, out))
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
cleanup:
    sqlite3_finalize(st);
    sqlite3_finalize(cs.docsize);
    free(cs.ids);
    free(cs.t);
    free(expr);
    return rc;
}
