/* tokenizer: the choice by tokenizer.ggml.model, llama.cpp's special tokens (WordPiece's
 * [CLS]/[SEP]; Unigram's add_bos/add_eos defaults and keys, ids outside the vocabulary),
 * truncation keeping both ends, USER_DEFINED tokens cut out of the text before either
 * tokenizer runs (CONTROL texts stay text), and the printable pieces. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gguf_build.h"
#include "tokenizer.h"

#define SP "\xe2\x96\x81" /* U+2581 */

enum { NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER = 4 };

static gguf_file *file;
static gguf_build build;

/* Opens the built file as a tokenizer (or fills err). The file stays open until close_all. */
static tokenizer *open_tok(char err[SV_ERR_LEN])
{
    tokenizer *t = NULL;
    gb_done(&build);
    if (gguf_open_memory(build.p, build.n, &file, err) == 0 && tokenizer_from_gguf(file, &t, err) != 0)
        t = NULL;
    return t;
}

static void close_all(tokenizer *t)
{
    tokenizer_free(t);
    gguf_free(file);
    file = NULL;
    free(build.p);
    build.p = NULL;
}

static void expect_encode(tokenizer *t, const char *text, size_t max_len, int want_trunc,
                          const int32_t *want, size_t n, int line)
{
    int32_t *ids = NULL;
    size_t got = 0;
    int trunc = -1;
    int ok = tokenizer_encode(t, text, max_len, &ids, &got, &trunc) == 0 && got == n && trunc == want_trunc &&
             memcmp(ids, want, n * sizeof *ids) == 0;
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "line %d: ids of '%s' (max %zu, truncated %d):", line, text, max_len, trunc);
        for (size_t i = 0; i < got; i++)
            fprintf(stderr, " %d", ids[i]);
        fprintf(stderr, "\n");
    }
    free(ids);
}
#define ENCODE(t, text, max_len, trunc, ...)                                                 \
    do {                                                                                    \
        static const int32_t want_[] = {__VA_ARGS__};                                       \
        expect_encode(t, text, max_len, trunc, want_, sizeof want_ / sizeof want_[0], __LINE__); \
    } while (0)

static void test_wordpiece(void)
{
    static const char *const toks[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", SP "hello", SP "world", "##x",
                                       "<ud>", SP "!", "ing"};
    static const int32_t types[] = {CONTROL, UNKNOWN, CONTROL, CONTROL, NORMAL, NORMAL, NORMAL, USER, NORMAL, NORMAL};
    char err[SV_ERR_LEN];
    gb_begin(&build);
    gb_str(&build, "tokenizer.ggml.model", "bert");
    gb_strs(&build, "tokenizer.ggml.tokens", toks, 10);
    gb_i32s(&build, "tokenizer.ggml.token_type", types, 10);
    gb_u32(&build, "tokenizer.ggml.unknown_token_id", 1);
    gb_u32(&build, "tokenizer.ggml.bos_token_id", 2);
    gb_u32(&build, "tokenizer.ggml.seperator_token_id", 3);
    tokenizer *t = open_tok(err);
    CHECK(t != NULL);
    if (!t) {
        fprintf(stderr, "%s\n", err);
        close_all(t);
        return;
    }
    CHECK_STR_EQ(tokenizer_model(t), "bert");
    CHECK(tokenizer_vocab_size(t) == 10);
    size_t head, tail;
    tokenizer_specials(t, &head, &tail);
    CHECK(head == 1 && tail == 1);
    ENCODE(t, "hello world", 512, 0, 2, 4, 5, 3);
    ENCODE(t, "hello world !", 3, 1, 2, 4, 3); /* cut, [SEP] kept at the end */
    ENCODE(t, "", 512, 0, 2, 3);
    ENCODE(t, "hello", 1, 1, 2, 3);           /* never fewer than the specials */
    /* a USER_DEFINED text splits the words around it: "hello<ud>world" is not one word */
    ENCODE(t, "hello<ud>world", 512, 0, 2, 4, 7, 5, 3);
    ENCODE(t, "[CLS]", 512, 0, 2, 1, 1, 1, 3); /* CONTROL text is text: [ cls ] */
    char piece[64];
    tokenizer_piece(t, 4, piece, sizeof piece);
    CHECK_STR_EQ(piece, "hello");
    tokenizer_piece(t, 9, piece, sizeof piece);
    CHECK_STR_EQ(piece, "##ing");
    tokenizer_piece(t, 2, piece, sizeof piece);
    CHECK_STR_EQ(piece, "[CLS]");
    tokenizer_piece(t, 99, piece, sizeof piece);
    CHECK_STR_EQ(piece, "##"); /* out of range: the empty text */
    close_all(t);
}

static const char *const ugm_toks[] = {"<s>", "</s>", "<unk>", SP, SP "a", SP "b", "<ud>", "<ud>x", "a", "b"};
static const float ugm_scores[] = {0, 0, 0, -5, -1, -1, 0, 0, -2, -2};
static const int32_t ugm_types[] = {CONTROL, CONTROL, UNKNOWN, NORMAL, NORMAL, NORMAL, USER, USER, NORMAL, NORMAL};

static void begin_unigram(size_t n)
{
    gb_begin(&build);
    gb_str(&build, "tokenizer.ggml.model", "t5");
    gb_strs(&build, "tokenizer.ggml.tokens", ugm_toks, n);
    gb_f32s(&build, "tokenizer.ggml.scores", ugm_scores, n);
    gb_i32s(&build, "tokenizer.ggml.token_type", ugm_types, n);
    gb_bool(&build, "tokenizer.ggml.add_space_prefix", 1);
    gb_bool(&build, "tokenizer.ggml.remove_extra_whitespaces", 1);
}

static void test_unigram(void)
{
    char err[SV_ERR_LEN], piece[64];
    size_t head, tail;
    /* No add_* keys: llama.cpp's UGM defaults, no BOS and EOS = id 1 */
    begin_unigram(10);
    tokenizer *t = open_tok(err);
    CHECK(t != NULL);
    if (t) {
        CHECK_STR_EQ(tokenizer_model(t), "t5");
        tokenizer_specials(t, &head, &tail);
        CHECK(head == 0 && tail == 1);
        ENCODE(t, "a b", 512, 0, 4, 5, 1);
        ENCODE(t, "", 512, 0, 1);
        /* USER_DEFINED first, the longer text first; each fragment between them gets its
         * own ▁ (the lattice alone would give "b" its id 9 inside one fragment) */
        ENCODE(t, "a<ud>xb<ud>", 512, 0, 4, 7, 5, 6, 1);
        ENCODE(t, "<ud><ud>", 512, 0, 6, 6, 1);
        ENCODE(t, "<s>", 512, 0, 3, 2, 1); /* CONTROL text is text: ▁ then <unk> for "<s>" */
        tokenizer_piece(t, 4, piece, sizeof piece);
        CHECK_STR_EQ(piece, SP "a"); /* as stored */
    }
    close_all(t);

    /* XLM-R's keys: <s> 0 before, </s> 1 after; cut keeps both */
    begin_unigram(10);
    gb_u32(&build, "tokenizer.ggml.bos_token_id", 0);
    gb_u32(&build, "tokenizer.ggml.eos_token_id", 1);
    gb_bool(&build, "tokenizer.ggml.add_bos_token", 1);
    gb_bool(&build, "tokenizer.ggml.add_eos_token", 1);
    if ((t = open_tok(err))) {
        ENCODE(t, "a b a", 512, 0, 0, 4, 5, 4, 1);
        ENCODE(t, "a b a", 3, 1, 0, 4, 1);
        ENCODE(t, "a b a", 2, 1, 0, 1);
    }
    CHECK(t != NULL);
    close_all(t);

    /* add_eos off, an eos id outside the vocabulary (the default 1 stays) */
    begin_unigram(10);
    gb_u32(&build, "tokenizer.ggml.eos_token_id", 77);
    gb_bool(&build, "tokenizer.ggml.add_eos_token", 0);
    if ((t = open_tok(err)))
        ENCODE(t, "a", 512, 0, 4);
    CHECK(t != NULL);
    close_all(t);

    /* add_bos on without a bos id: llama.cpp asserts; refused here */
    begin_unigram(10);
    gb_bool(&build, "tokenizer.ggml.add_bos_token", 1);
    CHECK(open_tok(err) == NULL && strstr(err, "add_bos_token is true but the file names no bos token"));
    close_all(NULL);

    /* a one-token vocabulary: the default EOS 1 falls outside, so add_eos has nothing to add */
    begin_unigram(1);
    gb_u32(&build, "tokenizer.ggml.unknown_token_id", 0);
    CHECK(open_tok(err) == NULL && strstr(err, "no eos token"));
    close_all(NULL);
}

static void test_errors(void)
{
    char err[SV_ERR_LEN];
    gb_begin(&build);
    gb_str(&build, "tokenizer.ggml.model", "rwkv");
    gb_strs(&build, "tokenizer.ggml.tokens", ugm_toks, 3);
    CHECK(open_tok(err) == NULL && strstr(err, "tokenizer 'rwkv' is not supported") && strstr(err, "'t5'"));
    close_all(NULL);
    gb_begin(&build);
    gb_strs(&build, "tokenizer.ggml.tokens", ugm_toks, 3);
    CHECK(open_tok(err) == NULL && strstr(err, "no tokenizer.ggml.model"));
    close_all(NULL);
    gb_begin(&build);
    gb_str(&build, "tokenizer.ggml.model", "t5");
    gb_strs(&build, "tokenizer.ggml.tokens", ugm_toks, 10);
    gb_i32s(&build, "tokenizer.ggml.token_type", ugm_types, 9);
    CHECK(open_tok(err) == NULL && strstr(err, "token_type is shorter"));
    close_all(NULL);
    tokenizer_free(NULL);
}

int main(void)
{
    test_wordpiece();
    test_unigram();
    test_errors();
    return check_summary();
}
