/* gguf reader: a well-formed file built in memory reads back exactly; every kind of damage
 * (each prefix of the file, patched counts, lengths, offsets, types) is an error with a
 * message, never a crash (run under ASan/UBSan in the sanitizer build); the fuzzer's crashers
 * in tests/data/gguf/fuzz/ stay fixed. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "bert.h"
#include "gguf.h"
#include "tokenizer.h"
#include "fuzz/fuzz_gguf_path.h"

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}
static void u32(buf *b, uint32_t v) { put(b, &v, 4); } /* little-endian host */
static void u64(buf *b, uint64_t v) { put(b, &v, 8); }
static void str(buf *b, const char *s)
{
    u64(b, strlen(s));
    put(b, s, strlen(s));
}

/* Offsets of interesting fields, recorded while building. */
static size_t end_of_data, off_ntensors, off_nkv, off_arr_n, off_tok1_len, off_t_ndims, off_t_ne0, off_t_type, off_t_off, off_align;

/* A small valid file: 4 kvs (arch string, u32, string array, alignment) and 2 tensors
 * (F32 [4, 2] and Q8_0 [32]). */
static buf build(void)
{
    buf b = {0};
    put(&b, "GGUF", 4);
    u32(&b, 3);
    off_ntensors = b.n;
    u64(&b, 2);
    off_nkv = b.n;
    u64(&b, 4);
    str(&b, "general.architecture");
    u32(&b, GGUF_T_STRING);
    str(&b, "bert");
    str(&b, "bert.context_length");
    u32(&b, GGUF_T_U32);
    u32(&b, 512);
    str(&b, "tokenizer.ggml.tokens");
    u32(&b, GGUF_T_ARRAY);
    u32(&b, GGUF_T_STRING);
    off_arr_n = b.n;
    u64(&b, 3);
    str(&b, "[CLS]");
    off_tok1_len = b.n;
    str(&b, "\xe2\x96\x81hi");
    str(&b, "x");
    str(&b, "general.alignment");
    u32(&b, GGUF_T_U32);
    off_align = b.n;
    u32(&b, 32);
    /* tensor 0: F32 [4, 2] at 0 */
    str(&b, "w");
    off_t_ndims = b.n;
    u32(&b, 2);
    off_t_ne0 = b.n;
    u64(&b, 4);
    u64(&b, 2);
    off_t_type = b.n;
    u32(&b, GGML_T_F32);
    off_t_off = b.n;
    u64(&b, 0);
    /* tensor 1: Q8_0 [32] at 32 */
    str(&b, "q");
    u32(&b, 1);
    u64(&b, 32);
    u32(&b, GGML_T_Q8_0);
    u64(&b, 32);
    while (b.n % 32)
        put(&b, "", 1);
    for (int i = 0; i < 8; i++) {
        float f = (float)i - 3.5f;
        put(&b, &f, 4);
    }
    uint16_t d = gguf_f32_to_f16(0.5f);
    put(&b, &d, 2);
    for (int i = 0; i < 32; i++) {
        int8_t q = (int8_t)(i - 16);
        put(&b, &q, 1);
    }
    end_of_data = b.n; /* the trailing padding is optional */
    while (b.n % 32)
        put(&b, "", 1);
    return b;
}

static void test_valid(void)
{
    buf b = build();
    gguf_file *g = NULL;
    char err[SV_ERR_LEN];
    CHECK(gguf_open_memory(b.p, b.n, &g, err) == 0);
    if (!g) {
        fprintf(stderr, "%s\n", err);
        free(b.p);
        return;
    }
    CHECK(gguf_version(g) == 3 && gguf_n_kv(g) == 4 && gguf_n_tensors(g) == 2);
    gguf_str s;
    CHECK(gguf_get_str(g, "general.architecture", &s) == 1 && s.len == 4 && memcmp(s.ptr, "bert", 4) == 0);
    uint32_t v = 0;
    CHECK(gguf_get_u32(g, "bert.context_length", &v) == 1 && v == 512);
    CHECK(gguf_get_u32(g, "missing", &v) == 0);
    CHECK(gguf_get_u32(g, "general.architecture", &v) == -1);
    float f;
    CHECK(gguf_get_f32(g, "bert.context_length", &f) == -1);
    gguf_str *toks;
    size_t n;
    CHECK(gguf_get_str_array(g, "tokenizer.ggml.tokens", &toks, &n) == 1 && n == 3);
    if (n == 3) {
        CHECK(toks[0].len == 5 && memcmp(toks[0].ptr, "[CLS]", 5) == 0);
        CHECK(toks[1].len == 5 && memcmp(toks[1].ptr, "\xe2\x96\x81hi", 5) == 0);
        CHECK(toks[2].len == 1 && toks[2].ptr[0] == 'x');
    }
    free(toks);
    const gguf_tensor *w = gguf_find_tensor(g, "w"), *q = gguf_find_tensor(g, "q");
    CHECK(w && w->ne[0] == 4 && w->ne[1] == 2 && w->n_elems == 8 && w->nbytes == 32);
    CHECK(q && q->type == GGML_T_Q8_0 && q->nbytes == 34);
    CHECK(gguf_find_tensor(g, "ww") == NULL && gguf_find_tensor(g, "") == NULL);
    float out[32];
    if (w) {
        gguf_dequantize(w, 2, 4, out);
        CHECK(out[0] == -1.5f && out[3] == 1.5f);
    }
    if (q) {
        gguf_dequantize(q, 0, 32, out);
        CHECK(out[0] == -8.0f && out[16] == 0.0f && out[31] == 7.5f);
    }
    gguf_free(g);
    free(b.p);
}

/* Parse must fail (not crash) with a message containing `want`. */
static void expect_error(const unsigned char *p, size_t n, const char *want, int line)
{
    gguf_file *g = NULL;
    char err[SV_ERR_LEN] = "";
    int rc = gguf_open_memory(p, n, &g, err);
    if (rc == 0 || g || !strstr(err, want)) {
        check_failed++;
        fprintf(stderr, "line %d: want error containing '%s', got rc %d: '%s'\n", line, want, rc, err);
    } else {
        check_passed++;
    }
    gguf_free(g);
}
#define EXPECT_ERROR(p, n, want) expect_error(p, n, want, __LINE__)

static void patch64(buf *b, size_t off, uint64_t v) { memcpy(b->p + off, &v, 8); }
static void patch32(buf *b, size_t off, uint32_t v) { memcpy(b->p + off, &v, 4); }

static void test_damage(void)
{
    buf b = build();
    /* Every prefix short of the last tensor's end fails cleanly (heap copy so ASan sees any
     * read past the end). */
    int prefix_ok = 1;
    for (size_t n = 0; n < end_of_data; n++) {
        unsigned char *c = malloc(n ? n : 1);
        memcpy(c, b.p, n);
        gguf_file *g = NULL;
        char err[SV_ERR_LEN] = "";
        if (gguf_open_memory(c, n, &g, err) == 0 || err[0] == '\0')
            prefix_ok = 0;
        gguf_free(g);
        free(c);
    }
    CHECK(prefix_ok);

    buf c = build();
    memcpy(c.p, "GGML", 4);
    EXPECT_ERROR(c.p, c.n, "not a GGUF file");
    c = (free(c.p), build());
    patch32(&c, 4, 1);
    EXPECT_ERROR(c.p, c.n, "unsupported GGUF version 1");
    c = (free(c.p), build());
    patch64(&c, off_nkv, UINT64_MAX);
    EXPECT_ERROR(c.p, c.n, "metadata count 18446744073709551615 is impossible");
    c = (free(c.p), build());
    patch64(&c, off_ntensors, (uint64_t)1 << 40);
    EXPECT_ERROR(c.p, c.n, "tensor count 1099511627776 is impossible");
    c = (free(c.p), build());
    patch64(&c, off_arr_n, (uint64_t)1 << 61);
    EXPECT_ERROR(c.p, c.n, "strings cannot fit");
    c = (free(c.p), build());
    patch64(&c, off_tok1_len, UINT64_MAX - 2);
    EXPECT_ERROR(c.p, c.n, "runs past the end");
    c = (free(c.p), build());
    patch32(&c, off_align, 24);
    EXPECT_ERROR(c.p, c.n, "general.alignment 24 is not a power of two");
    c = (free(c.p), build());
    patch32(&c, off_t_ndims, 5);
    EXPECT_ERROR(c.p, c.n, "tensor 'w': 5 dimensions");
    c = (free(c.p), build());
    patch64(&c, off_t_ne0, 0);
    EXPECT_ERROR(c.p, c.n, "tensor 'w': dimension 0 = 0 is out of range");
    c = (free(c.p), build());
    patch64(&c, off_t_ne0, UINT64_MAX);
    EXPECT_ERROR(c.p, c.n, "is out of range");
    c = (free(c.p), build());
    patch64(&c, off_t_ne0, (uint64_t)1 << 39); /* in range, but far bigger than the file */
    EXPECT_ERROR(c.p, c.n, "runs past the end of the file");
    c = (free(c.p), build());
    patch32(&c, off_t_type, 99);
    EXPECT_ERROR(c.p, c.n, "tensor 'w': unknown ggml type 99");
    c = (free(c.p), build());
    patch32(&c, off_t_type, GGML_T_Q8_0); /* row of 4 is not a multiple of 32 */
    EXPECT_ERROR(c.p, c.n, "not a multiple of the Q8_0 block size 32");
    c = (free(c.p), build());
    patch64(&c, off_t_off, 16);
    EXPECT_ERROR(c.p, c.n, "offset 16 is not a multiple of the alignment 32");
    c = (free(c.p), build());
    patch64(&c, off_t_off, UINT64_MAX - 31);
    EXPECT_ERROR(c.p, c.n, "runs past the end of the file");
    c = (free(c.p), build());
    c.p[off_t_ndims - 1] = 'q'; /* rename tensor "w" to "q": a duplicate */
    EXPECT_ERROR(c.p, c.n, "duplicate tensor name 'q'");
    free(c.p);
    free(b.p);
}

static void test_f16(void)
{
    /* Round trip of every half, and round-to-nearest-even at a tie. */
    int ok = 1;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = gguf_f16_to_f32((uint16_t)h);
        if (f == f && gguf_f32_to_f16(f) != h)
            ok = 0;
    }
    CHECK(ok);
    CHECK(gguf_f16_to_f32(0x3c00) == 1.0f && gguf_f16_to_f32(0xc000) == -2.0f);
    CHECK(gguf_f16_to_f32(0x0001) == 5.9604644775390625e-8f);
    CHECK(gguf_f32_to_f16(1.0f + 1.0f / 2048.0f) == 0x3c00); /* tie → even */
    CHECK(gguf_f32_to_f16(1.0f + 3.0f / 2048.0f) == 0x3c02);
    CHECK(gguf_f32_to_f16(65520.0f) == 0x7c00 && gguf_f32_to_f16(65504.0f) == 0x7bff);
}

/* Inputs from tools/fuzz_gguf.sh: crashers it ever found (none so far: 1.15M runs) and a few
 * small corpus seeds (seed-*). Each must fail or load (and run a short text) cleanly, on the
 * fuzzer's own path. */
static void test_fuzz_regressions(void)
{
    const char *dir = TEST_DATA_DIR "/gguf/fuzz";
    DIR *d = opendir(dir);
    int files = 0;
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        unsigned char *p = malloc(1 << 20);
        size_t n = fread(p, 1, 1 << 20, f);
        fclose(f);
        unsigned char *exact = malloc(n ? n : 1); /* exactly n bytes, as the fuzzer passes them */
        if (exact) {
            memcpy(exact, p, n);
            fuzz_gguf_exercise(exact, n);
        }
        free(exact);
        free(p);
        files++;
        check_passed++; /* reaching here without a sanitizer report is the check */
    }
    closedir(d);
    printf("fuzz regressions: %d inputs\n", files);
}

int main(void)
{
    test_valid();
    test_damage();
    test_f16();
    test_fuzz_regressions();
    return check_summary();
}
