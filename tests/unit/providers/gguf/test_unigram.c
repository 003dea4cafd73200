/* unigram: llama.cpp's UGM rules on hand-made vocabularies and charsmaps (the full llama.cpp
 * comparison is tests/cli/gguf_golden.sh: xlmr-* and the edge texts of xlmr-edge.json):
 * charsmap matching (longest match, empty replacements, a prefix that is no rule, bytes past
 * the array), corrupt charsmaps refused at load, invalid UTF-8, whitespace in every mode,
 * the lattice (best path, ties, <unk> for uncovered code points and their merging,
 * USER_DEFINED at score 0 and its prefix rule, UNUSED in, CONTROL out, duplicates, empty
 * texts), Korean and Japanese, and the metadata reader. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gguf_build.h"
#include "unigram.h"

#define SP "\xe2\x96\x81" /* U+2581 */

/* ------------------------------------------------------------------ a charsmap writer
 * The layout unigram.h describes, built the way tools/gguf_writer.py builds it: each trie node
 * gets a base no other node uses, so that a label match can only come from the real parent. */

typedef struct cm_rule {
    const char *src, *dst;
} cm_rule;

#define CM_NODES 256
#define CM_UNITS 8192

typedef struct cm_node {
    int child[256]; /* node index + 1, 0 = none */
    int value;      /* replacement offset, -1 = none */
} cm_node;

static cm_node cm_nodes[CM_NODES];
static int cm_n_nodes;
static uint32_t cm_units[CM_UNITS];
static unsigned char cm_present[CM_UNITS], cm_base_used[CM_UNITS];
static size_t cm_n_units;

static void cm_set(size_t pos, uint32_t v)
{
    cm_units[pos] = v;
    cm_present[pos] = 1;
    if (pos + 1 > cm_n_units)
        cm_n_units = pos + 1;
}

static void cm_place(int node, size_t pos)
{
    cm_node *nd = &cm_nodes[node];
    size_t base = 1;
    for (;; base++) {
        int clash = cm_base_used[base] || (nd->value >= 0 && cm_present[base]);
        for (int c = 1; c < 256 && !clash; c++)
            clash = nd->child[c] && cm_present[base ^ (size_t)c];
        if (!clash)
            break;
    }
    cm_base_used[base] = 1;
    size_t offset = pos ^ base;
    cm_set(pos, (cm_units[pos] & 0x1ff) | (uint32_t)(offset << 10));
    if (nd->value >= 0)
        cm_set(base, (1u << 31) | (uint32_t)nd->value);
    for (int c = 1; c < 256; c++)
        if (nd->child[c])
            cm_set(base ^ (size_t)c, (uint32_t)c | (cm_nodes[nd->child[c] - 1].value >= 0 ? 1u << 8 : 0));
    for (int c = 1; c < 256; c++)
        if (nd->child[c])
            cm_place(nd->child[c] - 1, base ^ (size_t)c);
}

/* The blob for rules[0..n); *len its size; caller frees. */
static unsigned char *charsmap(const cm_rule *rules, size_t n, size_t *len)
{
    char strings[1024];
    size_t sn = 0;
    memset(cm_nodes, 0, sizeof cm_nodes);
    memset(cm_units, 0, sizeof cm_units);
    memset(cm_present, 0, sizeof cm_present);
    memset(cm_base_used, 0, sizeof cm_base_used);
    cm_n_units = 0;
    cm_n_nodes = 1;
    cm_nodes[0].value = -1;
    for (size_t r = 0; r < n; r++) {
        int node = 0;
        for (const unsigned char *s = (const unsigned char *)rules[r].src; *s; s++) {
            if (!cm_nodes[node].child[*s]) {
                cm_nodes[cm_n_nodes].value = -1;
                cm_nodes[node].child[*s] = ++cm_n_nodes;
            }
            node = cm_nodes[node].child[*s] - 1;
        }
        cm_nodes[node].value = (int)sn;
        size_t dl = strlen(rules[r].dst) + 1;
        memcpy(strings + sn, rules[r].dst, dl);
        sn += dl;
    }
    cm_place(0, 0);
    *len = 4 + 4 * cm_n_units + sn;
    unsigned char *blob = malloc(*len);
    uint32_t trie = (uint32_t)(4 * cm_n_units);
    memcpy(blob, &trie, 4);
    memcpy(blob + 4, cm_units, 4 * cm_n_units);
    memcpy(blob + 4 + 4 * cm_n_units, strings, sn);
    return blob;
}

/* ------------------------------------------------------------------ the vocabulary */

enum { NORMAL = UNIGRAM_T_NORMAL, UNKNOWN = UNIGRAM_T_UNKNOWN, CONTROL = UNIGRAM_T_CONTROL,
       USER = UNIGRAM_T_USER_DEFINED, UNUSED = UNIGRAM_T_UNUSED };

typedef struct piece {
    const char *text;
    float score;
    int32_t type;
} piece;

static const piece pieces[] = {
    {"<s>", 0, CONTROL},         /* 0 */
    {"<pad>", 0, CONTROL},       /* 1 */
    {"</s>", 0, CONTROL},        /* 2 */
    {"<unk>", 0, UNKNOWN},       /* 3 */
    {SP, -2.0f, NORMAL},         /* 4 */
    {SP "a", -1.0f, NORMAL},     /* 5 */
    {"a", -3.0f, NORMAL},        /* 6 */
    {"b", -3.0f, NORMAL},        /* 7 */
    {SP "ab", -1.5f, NORMAL},    /* 8 */
    {"ab", -2.5f, NORMAL},       /* 9 */
    {"\xc3\xa9", -2.0f, NORMAL}, /* 10 é */
    {"fi", -2.0f, NORMAL},       /* 11 */
    {"<ud>", -100.0f, USER},     /* 12: scored 0 in the lattice */
    {"x", -5.0f, UNUSED},        /* 13: a candidate all the same */
    {SP "b", -0.1f, CONTROL},    /* 14: never a candidate */
    {"\xed\x95\x9c", -2.0f, NORMAL}, /* 15 한 */
    {"\xe3\x82\xab", -2.0f, NORMAL}, /* 16 カ */
    {"", -1.0f, NORMAL},         /* 17: llama.cpp names it "[EMPTY_17]" */
    {"X", -1.0f, NORMAL},        /* 18 */
    {"\xef\xbf\xbd", -4.0f, CONTROL}, /* 19 U+FFFD, not a candidate */
};
#define NP (sizeof pieces / sizeof pieces[0])

static const cm_rule rules[] = {
    {"\t", " "},
    {"\xc2\xa0", " "},             /* NBSP */
    {"\xe2\x80\x8b", ""},          /* ZWSP: removed */
    {"\xef\xac\x81", "fi"},        /* ﬁ */
    {"e\xcc\x81", "\xc3\xa9"},     /* e + U+0301 → é */
    {"A", "a"},
    {"Ab", "X"},                   /* longer than "A": wins where both match */
    {"QRS", "b"},                  /* "Q" and "QR" are nodes, not rules */
    {"\xef\xbd\xb6", "\xe3\x82\xab"}, /* half-width ｶ → カ */
    {"\xe3\x80\x80", "  "},        /* ideographic space → two spaces */
};

/* The charsmaps make() built: a tokenizer borrows its map, so they are freed at the end. */
static unsigned char *made[16];
static int n_made;

static unigram *make(int prefix, int extra_ws, int with_charsmap)
{
    static gguf_str toks[NP];
    float scores[NP];
    int32_t types[NP];
    for (size_t i = 0; i < NP; i++) {
        toks[i].ptr = pieces[i].text;
        toks[i].len = strlen(pieces[i].text);
        scores[i] = pieces[i].score;
        types[i] = pieces[i].type;
    }
    size_t cm_len = 0;
    unsigned char *cm = with_charsmap ? charsmap(rules, sizeof rules / sizeof rules[0], &cm_len) : NULL;
    if (cm && n_made < 16)
        made[n_made++] = cm;
    unigram_config cfg = {toks, scores, types, NP, 3, cm, cm_len, prefix, extra_ws};
    unigram *u = NULL;
    char err[SV_ERR_LEN];
    if (unigram_new(&cfg, &u, err))
        fprintf(stderr, "unigram_new: %s\n", err);
    return u;
}

static void expect_norm(const unigram *u, const char *text, const char *want, int line)
{
    char *out = NULL;
    size_t n = 0;
    int ok = unigram_normalize(u, text, strlen(text), &out, &n) == 0 && n == strlen(want) &&
             (n == 0 || memcmp(out, want, n) == 0); /* an empty result may be NULL */
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "line %d: normalised '%s' to '%.*s', want '%s'\n", line, text, (int)n, out ? out : "", want);
    }
    free(out);
}
#define NORM(u, text, want) expect_norm(u, text, want, __LINE__)

static void expect_ids(const unigram *u, const char *text, const int32_t *want, size_t n, int line)
{
    int32_t *ids = NULL;
    size_t got = 0, cap = 0;
    int ok = unigram_tokenize(u, text, strlen(text), &ids, &got, &cap) == 0 && got == n &&
             (n == 0 || memcmp(ids, want, n * sizeof *ids) == 0);
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "line %d: tokens of '%s':", line, text);
        for (size_t i = 0; i < got; i++)
            fprintf(stderr, " %d", ids[i]);
        fprintf(stderr, "\n");
    }
    free(ids);
}
#define IDS(u, text, ...)                                                                   \
    do {                                                                                    \
        static const int32_t want_[] = {__VA_ARGS__};                                       \
        expect_ids(u, text, want_, sizeof want_ / sizeof want_[0], __LINE__);               \
    } while (0)
#define NO_IDS(u, text) expect_ids(u, text, NULL, 0, __LINE__)

static void test_normalise(void)
{
    unigram *u = make(1, 1, 1); /* XLM-R's flags: add_space_prefix, remove_extra_whitespaces */
    NORM(u, "a b", SP "a" SP "b");
    NORM(u, "  a \t b  ", SP "a" SP "b");           /* runs of spaces, a mapped tab */
    NORM(u, "a\xc2\xa0\xc2\xa0" "b", SP "a" SP "b"); /* NBSP → space */
    NORM(u, "a\xe3\x80\x80" "b", SP "a" SP "b");    /* a replacement holding two spaces */
    NORM(u, "a\nb", SP "a\nb");                     /* \n is no rule here: not a space */
    NORM(u, "a\xe2\x80\x8b" "b", SP "ab");          /* ZWSP removed: no word break */
    NORM(u, "\xe2\x80\x8b", "");                    /* nothing left */
    NORM(u, "\xe2\x80\x8b a", SP "a");
    NORM(u, "\xef\xac\x81", SP "fi");               /* ﬁ */
    NORM(u, "e\xcc\x81", SP "\xc3\xa9");            /* a two-code-point source */
    NORM(u, "e\xcc\x82", SP "e\xcc\x82");           /* "e" alone is a node, not a rule */
    NORM(u, "Ab", SP "X");                          /* the longest rule wins */
    NORM(u, "AB", SP "aB");
    NORM(u, "QRS QR", SP "b" SP "QR");              /* a walk that ends on a node without a rule */
    NORM(u, "\xef\xbd\xb6", SP "\xe3\x82\xab");      /* half-width katakana */
    NORM(u, "\xc3\xbf", SP "\xc3\xbf");             /* its bytes index past the array: no match */
    /* invalid UTF-8: each bad byte becomes U+FFFD */
    NORM(u, "a\xff", SP "a\xef\xbf\xbd");
    NORM(u, "\x80x", SP "\xef\xbf\xbd" "x");
    NORM(u, "\xe2\x96", SP "\xef\xbf\xbd\xef\xbf\xbd"); /* cut short at the end */
    NORM(u, "\xe2(b", SP "\xef\xbf\xbd(b");         /* a lead byte without its continuation */
    NORM(u, "\xf8\x80", SP "\xef\xbf\xbd\xef\xbf\xbd");
    NORM(u, "\xed\xa0\x80", SP "\xed\xa0\x80");     /* a surrogate passes, as in llama.cpp */
    /* USER_DEFINED texts are kept as they are, even a prefix of one: "<ud" is copied though
     * no token is "<ud"; "Ab" would otherwise be "X" */
    NORM(u, "<ud>", SP "<ud>");
    unigram_free(u);

    u = make(1, 0, 1); /* spaces kept: each one a ▁, and one more before the first word */
    NORM(u, "a b", SP "a" SP "b");
    NORM(u, "  a  b ", SP SP SP "a" SP SP "b" SP);
    NORM(u, "   ", SP SP SP);
    unigram_free(u);
    u = make(0, 0, 1); /* no prefix either */
    NORM(u, "a b", "a" SP "b");
    NORM(u, " a", SP "a");
    unigram_free(u);
    u = make(0, 1, 1); /* merging puts a ▁ before every word, the first one too */
    NORM(u, "a  b", SP "a" SP "b");
    unigram_free(u);
    u = make(1, 1, 0); /* no charsmap: only UTF-8 repair and spaces */
    NORM(u, "A\tb\xff", SP "A\tb\xef\xbf\xbd");
    unigram_free(u);
}

static void test_lattice(void)
{
    unigram *u = make(1, 1, 1);
    IDS(u, "ab", 8);                         /* ▁ab (-1.5) beats ▁a+b (-4) and ▁+ab (-4.5) */
    IDS(u, "a", 5);
    IDS(u, "a b", 5, 4, 7);                  /* ▁b is CONTROL: never a piece */
    IDS(u, "aab", 5, 9);
    IDS(u, "x", 4, 13);                      /* UNUSED pieces are candidates */
    IDS(u, "<ud>", 4, 12);                   /* USER_DEFINED at score 0 */
    IDS(u, "[EMPTY_17]", 4, 17);             /* the empty text's stand-in name */
    IDS(u, "\xef\xac\x81", 4, 11);           /* ﬁ → fi */
    IDS(u, "e\xcc\x81", 4, 10);              /* e + U+0301 → é */
    NO_IDS(u, "\xe2\x80\x8b");                /* normalised to nothing: no tokens */
    NO_IDS(u, "   ");
    NO_IDS(u, "");
    /* code points no piece covers: <unk> each, consecutive ones merged into one */
    IDS(u, "\xf0\x9f\xa5\x81", 4, 3);                                  /* 🥁 */
    IDS(u, "\xf0\x9f\xa5\x81\xf0\x9f\x8e\xb9\xf0\x9f\x8e\xb8", 4, 3);  /* 🥁🎹🎸: one <unk> */
    IDS(u, "a\xf0\x9f\xa5\x81\xf0\x9f\x8e\xb9" "a", 5, 3, 6);
    IDS(u, "\xf0\x9f\xa5\x81" "a\xf0\x9f\xa5\x81", 4, 3, 6, 3);        /* not merged across "a" */
    IDS(u, "a\xff\xfe", 5, 3);               /* two U+FFFD (a CONTROL text: no piece) */
    IDS(u, "a \xff", 5, 4, 3);
    /* Korean and Japanese */
    IDS(u, "\xed\x95\x9c \xed\x95\x9c", 4, 15, 4, 15);                 /* 한 한 */
    IDS(u, "\xed\x95\x9c\xea\xb5\xad", 4, 15, 3);                      /* 한국: 국 unknown */
    IDS(u, "\xef\xbd\xb6\xe3\x82\xab", 4, 16, 16);                     /* ｶカ → カカ */
    unigram_free(u);

    /* Equal scores: the first path found stays (llama.cpp replaces only on a greater score).
     * ▁ab is ▁a + b or ▁ + ab, both −2; the lattice reaches the end first through ▁ + ab. */
    static const gguf_str tie_toks[] = {{"<unk>", 5}, {SP, 3}, {SP "a", 4}, {"b", 1}, {"ab", 2}};
    static const float tie_scores[] = {0, -1, -1, -1, -1};
    static const int32_t tie_types[] = {UNKNOWN, NORMAL, NORMAL, NORMAL, NORMAL};
    unigram_config cfg = {tie_toks, tie_scores, tie_types, 5, 0, NULL, 0, 1, 1};
    char err[SV_ERR_LEN];
    CHECK(unigram_new(&cfg, &u, err) == 0);
    IDS(u, "ab", 1, 4);
    unigram_free(u);

    /* The same text twice: the last id is the piece, as in llama.cpp's trie. The <unk> score
     * is the lowest NORMAL score − 10 (UNUSED pieces count as candidates, not for that
     * minimum): −15 here, so two unknown code points (−30) beat "st" (−30.1) and lose to
     * "wv" (−29.9). */
    static const gguf_str dup_toks[] = {{"<unk>", 5}, {SP "q", 4}, {SP "q", 4}, {SP, 3}, {"wv", 2}, {"st", 2}};
    static const float dup_scores[] = {0, -2, -3, -5, -29.9f, -30.1f};
    static const int32_t dup_types[] = {UNKNOWN, NORMAL, NORMAL, NORMAL, UNUSED, UNUSED};
    unigram_config dup = {dup_toks, dup_scores, dup_types, 6, 0, NULL, 0, 1, 1};
    CHECK(unigram_new(&dup, &u, err) == 0);
    IDS(u, "q", 2);
    IDS(u, "wv", 3, 4);
    IDS(u, "st", 3, 0);
    unigram_free(u);
}

/* A charsmap blob patched by `damage`, loaded: 0 when accepted, else the error in err. */
static int load_charsmap(const unsigned char *blob, size_t len, char err[SV_ERR_LEN])
{
    static const gguf_str toks[] = {{"<unk>", 5}, {SP, 3}};
    static const float scores[] = {0, -1};
    unigram_config cfg = {toks, scores, NULL, 2, 0, blob, len, 1, 1};
    unigram *u = NULL;
    int rc = unigram_new(&cfg, &u, err);
    unigram_free(u);
    return rc;
}

static void test_corrupt_charsmap(void)
{
    size_t len;
    unsigned char *good = charsmap(rules, sizeof rules / sizeof rules[0], &len);
    unsigned char *bad = malloc(len);
    char err[SV_ERR_LEN];
    CHECK(load_charsmap(good, len, err) == 0);
    CHECK(load_charsmap(good, 3, err) == SV_EXIT_DATA && strstr(err, "too few for its header"));
    uint32_t trie;
    memcpy(&trie, good, 4);
    CHECK(load_charsmap(good, 4 + trie, err) == SV_EXIT_DATA && strstr(err, "does not fit")); /* no strings */
    /* a replacement offset past the strings */
    memcpy(bad, good, len);
    int patched = 0;
    for (size_t i = 0; i < trie / 4 && !patched; i++) {
        uint32_t u;
        memcpy(&u, bad + 4 + 4 * i, 4);
        if (u >> 31) {
            u = (1u << 31) | 0x7fff0000u;
            memcpy(bad + 4 + 4 * i, &u, 4);
            patched = 1;
        }
    }
    CHECK(patched && load_charsmap(bad, len, err) == SV_EXIT_DATA && strstr(err, "corrupt"));
    /* the last replacement without its NUL */
    CHECK(load_charsmap(good, len - 1, err) == SV_EXIT_DATA && strstr(err, "NUL"));
    /* a trie size past the blob's end */
    memcpy(bad, good, len);
    uint32_t huge = 0xfffffff0u;
    memcpy(bad, &huge, 4);
    CHECK(load_charsmap(bad, len, err) == SV_EXIT_DATA);
    /* an empty array is no map at all for llama.cpp only when absent: present, it must hold
     * the header */
    CHECK(load_charsmap(good, 0, err) == SV_EXIT_DATA);
    free(bad);
    free(good);
}

/* The metadata path: a t5 vocabulary in a metadata-only GGUF. */
static int from_gguf(gguf_build *b, unigram **u, char err[SV_ERR_LEN])
{
    gguf_file *g = NULL;
    gb_done(b);
    *u = NULL;
    int rc = gguf_open_memory(b->p, b->n, &g, err);
    if (rc == 0)
        rc = unigram_from_gguf(g, u, err);
    if (rc == 0) { /* the tokens live in the file: tokenize before it goes */
        int32_t *ids = NULL;
        size_t n = 0, cap = 0;
        rc = unigram_tokenize(*u, "ab a", 4, &ids, &n, &cap) == 0 && n == 2 && ids[0] == 3 && ids[1] == 4 ? 0 : 99;
        free(ids);
    }
    unigram_free(*u);
    gguf_free(g);
    free(b->p);
    return rc;
}

static void begin(gguf_build *b, const char *const *toks, size_t n)
{
    gb_begin(b);
    gb_str(b, "tokenizer.ggml.model", "t5");
    gb_strs(b, "tokenizer.ggml.tokens", toks, n);
}

static void test_from_gguf(void)
{
    static const char *const toks[] = {"<pad>", "</s>", "<unk>", SP "ab", SP "a", "!"};
    static const int32_t iscores[] = {0, 0, 0, -1, -2, -3};
    static const float fscores[] = {0, 0, 0, -1, -2, -3};
    static const int32_t types[] = {CONTROL, CONTROL, UNKNOWN, NORMAL, NORMAL, NORMAL};
    gguf_build b;
    unigram *u;
    char err[SV_ERR_LEN];

    begin(&b, toks, 6);
    gb_i32s(&b, "tokenizer.ggml.scores", iscores, 6); /* integer scores are read as floats */
    gb_i32s(&b, "tokenizer.ggml.token_type", types, 6);
    gb_bool(&b, "tokenizer.ggml.add_space_prefix", 1);
    gb_bool(&b, "tokenizer.ggml.remove_extra_whitespaces", 1);
    CHECK(from_gguf(&b, &u, err) == 0);

    begin(&b, toks, 6);
    gb_f32s(&b, "tokenizer.ggml.scores", fscores, 6);
    gb_i32s(&b, "tokenizer.ggml.token_type", types, 6);
    gb_bool(&b, "tokenizer.ggml.add_space_prefix", 1);
    gb_bool(&b, "tokenizer.ggml.remove_extra_whitespaces", 1);
    gb_u32(&b, "tokenizer.ggml.unknown_token_id", 99); /* outside: llama.cpp keeps the default, 2 */
    size_t cm_len;
    unsigned char *cm = charsmap(rules, 2, &cm_len);
    gb_u8s(&b, "tokenizer.ggml.precompiled_charsmap", cm, cm_len);
    free(cm);
    CHECK(from_gguf(&b, &u, err) == 0);

    begin(&b, toks, 6);
    gb_f32s(&b, "tokenizer.ggml.scores", fscores, 5);
    CHECK(from_gguf(&b, &u, err) == SV_EXIT_DATA && strstr(err, "scores is shorter"));

    begin(&b, toks, 6);
    gb_f32s(&b, "tokenizer.ggml.scores", fscores, 6);
    gb_str(&b, "tokenizer.ggml.precompiled_charsmap", "not bytes");
    CHECK(from_gguf(&b, &u, err) == SV_EXIT_DATA && strstr(err, "not an array of bytes"));

    begin(&b, toks, 6);
    gb_f32s(&b, "tokenizer.ggml.scores", fscores, 6);
    gb_u8s(&b, "tokenizer.ggml.precompiled_charsmap", (const unsigned char *)"\x01\x00", 2);
    CHECK(from_gguf(&b, &u, err) == SV_EXIT_DATA && strstr(err, "too few"));

    begin(&b, toks, 6);
    gb_f32s(&b, "tokenizer.ggml.scores", fscores, 6);
    gb_u32(&b, "tokenizer.ggml.add_space_prefix", 1);
    CHECK(from_gguf(&b, &u, err) == SV_EXIT_DATA && strstr(err, "not a bool"));

    begin(&b, toks, 2); /* the default <unk> id 2 is outside a 2-token vocabulary */
    CHECK(from_gguf(&b, &u, err) == SV_EXIT_DATA && strstr(err, "unknown token id"));
}

int main(void)
{
    test_normalise();
    test_lattice();
    test_corrupt_charsmap();
    test_from_gguf();
    unigram_free(NULL);
    for (int i = 0; i < n_made; i++)
        free(made[i]);
    return check_summary();
}
