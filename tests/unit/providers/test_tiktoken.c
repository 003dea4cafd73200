/* The C cl100k_base BPE against npm tiktoken (tests/data/tiktoken_golden.tsv, written by
 * tools/gen_tiktoken_golden.js), both merge loops against each other, truncation, and the
 * UTF-8 repair. Needs build/vocab/cl100k_base.json (scripts/fetch-vocab.sh). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64.h"
#include "bpe_merge.h"
#include "check.h"
#include "tiktoken.h"

static unsigned char *unhex(const char *h, size_t *n)
{
    size_t len = strlen(h) / 2;
    unsigned char *out = malloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (unsigned char)v;
    }
    out[len] = 0;
    *n = len;
    return out;
}

static size_t count_str(tiktoken *t, const char *s) { return tiktoken_count(t, s, strlen(s)); }

static void test_base64(void)
{
    unsigned char out[16];
    CHECK(base64_decode("aGVsbG8=", 8, out) == 5 && memcmp(out, "hello", 5) == 0);
    CHECK(base64_decode("aGVsbG8", 7, out) == 5);       /* padding optional */
    CHECK(base64_decode("AACAPw==", 8, out) == 4);      /* 1.0f little-endian */
    float f;
    memcpy(&f, out, 4);
    CHECK(f == 1.0f);
    CHECK(base64_decode("", 0, out) == 0);
    CHECK(base64_decode("a", 1, out) == -1);            /* impossible length */
    CHECK(base64_decode("aGV sbG8=", 9, out) == -1);    /* space */
    CHECK(base64_decode("aG=sbG8=", 8, out) == -1);     /* '=' inside */
    CHECK(base64_decode("aGVsbG9=", 8, out) == -1);     /* non-canonical trailing bits */
}

static void test_sanitize(void)
{
    size_t n;
    int oom;
    CHECK(tiktoken_sanitize_utf8("héllo 😀", strlen("héllo 😀"), &n, &oom) == NULL && !oom);
    char *s = tiktoken_sanitize_utf8("a\x80" "b", 3, &n, &oom);
    CHECK(s && n == 5 && memcmp(s, "a\xEF\xBF\xBD" "b", 5) == 0);
    free(s);
    /* Truncated 4-byte sequence: one U+FFFD for the maximal subpart, then the ASCII. */
    s = tiktoken_sanitize_utf8("\xF0\x9F\x98" "C", 4, &n, &oom);
    CHECK(s && n == 4 && memcmp(s, "\xEF\xBF\xBD" "C", 4) == 0);
    free(s);
    /* Surrogate: ED A0 is ill-formed at the second byte, so three replacement characters. */
    s = tiktoken_sanitize_utf8("\xED\xA0\x80", 3, &n, &oom);
    CHECK(s && n == 9);
    free(s);
}

static void test_golden(tiktoken *t)
{
    FILE *f = fopen(TEST_DATA_DIR "/tiktoken_golden.tsv", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    static char line[1 << 17];
    int cases = 0, count_ok = 0, prefix_ok = 0, prefixes = 0;
    while (fgets(line, sizeof line, f)) {
        char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        char *tab3 = tab2 ? strchr(tab2 + 1, '\t') : NULL;
        if (!tab3)
            continue;
        *tab2 = '\0';
        size_t want = strtoull(line, NULL, 10), k = strtoull(tab2 + 1, NULL, 10),
               want_prefix = strtoull(tab3 + 1, NULL, 10);
        size_t n;
        unsigned char *raw = unhex(tab1 + 1, &n);
        size_t clean_len = n;
        int oom;
        char *clean = tiktoken_sanitize_utf8((char *)raw, n, &clean_len, &oom);
        const char *text = clean ? clean : (char *)raw;
        if (!clean)
            clean_len = n;
        size_t got = tiktoken_count(t, text, clean_len);
        cases++;
        if (got == want)
            count_ok++;
        else
            fprintf(stderr, "golden case %d: got %zu tokens, npm tiktoken %zu (hex %.80s)\n",
                    cases, got, want, tab1 + 1);
        if (k > 0) {
            prefixes++;
            size_t plen = 0, r = tiktoken_count_prefix(t, text, clean_len, k, &plen);
            size_t re = tiktoken_count(t, text, plen);
            if (r == k + 1 && plen == want_prefix && re <= k)
                prefix_ok++;
            else
                fprintf(stderr, "golden case %d: prefix of %zu tokens: got %zu bytes (%zu tokens), want %zu\n",
                        cases, k, plen, re, want_prefix);
            /* A limit at or above the count leaves the text whole. */
            CHECK(tiktoken_count_prefix(t, text, clean_len, want, &plen) == want && plen == clean_len);
        }
        free(clean);
        free(raw);
    }
    fclose(f);
    CHECK(cases >= 300);
    CHECK(count_ok == cases);
    CHECK(prefix_ok == prefixes && prefixes > 100);
}

/* The heap merge and tiktoken's linear loop must agree token for token. */
static void test_merge_equivalence(tiktoken *t)
{
    uint32_t seed = 12345;
    char buf[700];
    const char *atoms[] = {"a", "b", "ab", "th", "e", "ing", "x", "é", "😀", "1", "zz", "q"};
    int agree = 0, total = 0;
    for (int i = 0; i < 300; i++) {
        size_t n = 0;
        while (n < 600) {
            seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
            const char *a = atoms[seed % 12];
            memcpy(buf + n, a, strlen(a));
            n += strlen(a);
        }
        bpe_merge_heap_threshold = SIZE_MAX;
        size_t lin = tiktoken_count(t, buf, n), lin_cut = 0;
        tiktoken_count_prefix(t, buf, n, lin / 2, &lin_cut);
        bpe_merge_heap_threshold = 0;
        size_t heap = tiktoken_count(t, buf, n), heap_cut = 0;
        tiktoken_count_prefix(t, buf, n, lin / 2, &heap_cut);
        total++;
        agree += lin == heap && lin_cut == heap_cut;
    }
    bpe_merge_heap_threshold = 128;
    CHECK(agree == total);
}

static void test_truncation(tiktoken *t)
{
    /* 9000 words of "kick " is 9000 tokens: cut to the embedding limit on a token boundary. */
    size_t n = 9000 * 5;
    char *s = malloc(n + 1);
    for (size_t i = 0; i < 9000; i++)
        memcpy(s + 5 * i, "kick ", 5);
    s[--n] = 0; /* no trailing space: "kick" + " kick" × 8999 */
    CHECK(count_str(t, s) == 9000);
    size_t plen;
    CHECK(tiktoken_count_prefix(t, s, n, TIKTOKEN_EMBED_MAX_TOKENS, &plen) == TIKTOKEN_EMBED_MAX_TOKENS + 1);
    CHECK(tiktoken_count(t, s, plen) == TIKTOKEN_EMBED_MAX_TOKENS);
    CHECK(plen == 8191 * 5 - 1); /* "kick" then " kick" × 8190 */
    /* A long whitespace run (the heap path): the count npm tiktoken 1.0.22 gives for 65,536
     * spaces then "x" (node: get_encoding('cl100k_base').encode(' '.repeat(65536) + 'x').length).
     * Its speed is a benchmark's business (bench/remote.sh), not this test's. */
    char *ws = malloc(65536 + 2);
    memset(ws, ' ', 65536);
    ws[65536] = 'x';
    ws[65537] = 0;
    CHECK(count_str(t, ws) == 514);
    free(ws);
    free(s);
}

int main(void)
{
    test_base64();
    test_sanitize();
    char err[SV_ERR_LEN];
    CHECK(tiktoken_load("/nonexistent/vocab.json", err) == NULL && strstr(err, "/nonexistent/vocab.json"));
    const char *path = tiktoken_default_path(NULL);
    tiktoken *t = tiktoken_load(path, err);
    if (!t) {
        fprintf(stderr, "cannot load %s (run scripts/fetch-vocab.sh): %s\n", path, err);
        CHECK(t != NULL);
        return check_summary();
    }
    CHECK(count_str(t, "hello world") == 2);
    CHECK(count_str(t, "") == 0);
    test_golden(t);
    test_merge_equivalence(t);
    test_truncation(t);
    tiktoken_free(t);
    tiktoken_free(NULL);
    return check_summary();
}
