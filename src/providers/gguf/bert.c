#include "bert.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "gemm.h"
#include "matmul.h"

#define BERT_MAX_ROT 1024 /* nomic-bert rotated dims per head we accept (real models: 64) */

/* One encoder layer. Matrices are borrowed from the file mapping in the file's own type
 * (matmul.h multiplies them there); vectors are float32 copies in the model's arena. */
typedef struct bert_layer {
    int fused;            /* 1: Q, K and V in one attn_qkv matrix */
    mm_matrix wqkv;       /* fused: [3H][H], Q, K, V rows stacked */
    mm_matrix wq, wk, wv; /* otherwise: [H][H] each */
    float *bqkv;          /* [3H] (zeros for absent biases) */
    mm_matrix wo;         /* [H][H] */
    float *bo;            /* [H] */
    float *ln1_w, *ln1_b; /* attn_output_norm [H] */
    mm_matrix wup;        /* [F][H] */
    float *bup;           /* [F]; NULL for nomic-bert (llama.cpp ignores its FFN biases) */
    mm_matrix wgate;      /* nomic-bert, older jina-bert-v2 files: ffn_gate [F][H] */
    mm_matrix wdown;      /* [H][F] */
    float *bdown;         /* [H]; NULL for nomic-bert */
    float *ln2_w, *ln2_b; /* layer_output_norm [H] */
    /* jina-bert-v2 only, each optional (NULL when absent): */
    float *qn_w, *qn_b;   /* attn_q_norm [H]: LayerNorm over a token's whole Q */
    float *kn_w, *kn_b;   /* attn_k_norm [H]: the same over K */
    float *ln1b_w, *ln1b_b; /* attn_norm_2 [H]: a second LayerNorm after LN1, of LN1 + x */
} bert_layer;

struct bert_model {
    bert_info info;
    const gguf_tensor *tok_embd; /* [V][H] in the file's type, borrowed from the mapping */
    float *type0;                /* token_types row 0 [H] (zeros when the file has none) */
    float *pos;                  /* position_embd [ctx][H] */
    float *emb_ln_w, *emb_ln_b;  /* token_embd_norm [H] */
    bert_layer *layers;          /* info.layers */
    float *arena;                /* every float vector above, one allocation */
    const gemm_kernels *gemm;    /* attention's float products */
    const mm_kernels *mm;        /* the linear layers */
    int nomic;                   /* nomic-bert: RoPE instead of position_embd, SwiGLU FFN */
    int n_rot;                   /* nomic-bert: rotated dims per head (even) */
    float rope_base;             /* nomic-bert: rope.freq_base */
    int jina;                    /* jina-bert-v2: ALiBi instead of position_embd, GEGLU FFN */
    float *alibi;                /* jina-bert-v2: [heads] ALiBi slopes; NULL otherwise */
};

/* What one thread works in: its chunk of token rows between attention steps, and its
 * attention block. Sized for the largest batch so far (workspace_fit). */
typedef struct bert_thread {
    float *tmp;         /* [chunk][H] the attention block's output, then the FFN's input */
    float *ffn;         /* [chunk][F] */
    float *gate;        /* [chunk][F] the gate product (nomic-bert, split jina); NULL for bert */
    float *scores;      /* [len][len] attention probabilities of one (text, head) */
    mm_scratch *mm;     /* quantized activations and weight panels */
} bert_thread;

struct bert_workspace {
    size_t cap_tokens, cap_len, cap_threads, cap_texts, cap_chunk;
    const bert_model *fitted; /* the model the scratches were reserved for */
    float *x;           /* [T][H] hidden state, token-major, texts back to back */
    float *qkv;         /* [T][3H]; attention writes its output (before Wo) over Q, which only
                           its own (text, head) pair reads */
    bert_thread *th;    /* cap_threads */
    size_t *start;      /* texts + 1 token offsets */
};

/* ------------------------------------------------------------------ GELU */

static float gelu_table[65536]; /* indexed by the fp16 bits of x, as ggml's GGML_GELU_FP16 */
static pthread_once_t gelu_once = PTHREAD_ONCE_INIT;

float bert_gelu_ref(float x)
{
    const float k = 0.79788456080286535587989211986876f; /* sqrt(2/pi) */
    return 0.5f * x * (1.0f + tanhf(k * x * (1.0f + 0.044715f * x * x)));
}

static int has_f16c, has_avx2, has_fma; /* set once by gelu_init, read-only afterwards */

static void gelu_init(void)
{
#if defined(__x86_64__)
    /* clang 14 lacks __builtin_cpu_supports("f16c"): ask CPUID leaf 1 (ECX bit 29) directly. */
    unsigned a, b, c, d;
    has_avx2 = __builtin_cpu_supports("avx2");
    has_fma = has_avx2 && __builtin_cpu_supports("fma");
    has_f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29)) && has_avx2;
#endif
    for (uint32_t i = 0; i < 65536; i++) {
        float f = gguf_f16_to_f32((uint16_t)i);
        gelu_table[i] = gguf_f16_to_f32(gguf_f32_to_f16(bert_gelu_ref(f)));
    }
}

static float gelu_lookup(float x)
{
    if (x <= -10.0f)
        return 0.0f;
    if (x >= 10.0f)
        return x;
    return gelu_table[gguf_f32_to_f16(x)];
}

float bert_gelu(float x)
{
    pthread_once(&gelu_once, gelu_init);
    return gelu_lookup(x);
}

#if defined(__x86_64__)
/* The same lookup with the F16C conversion instruction: the software conversion dominated the
 * GELU step (one branchy call per element). Identical results: both round to nearest even. */
__attribute__((target("avx2,f16c"))) static void gelu_row_f16c(float *y, size_t n)
{
    size_t i = 0;
    const __m256 lo = _mm256_set1_ps(-10.0f), hi = _mm256_set1_ps(10.0f);
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(y + i);
        __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m256 g = _mm256_i32gather_ps(gelu_table, _mm256_cvtepu16_epi32(h), 4);
        g = _mm256_blendv_ps(g, v, _mm256_cmp_ps(v, hi, _CMP_GE_OQ));            /* x >= 10: x */
        g = _mm256_andnot_ps(_mm256_cmp_ps(v, lo, _CMP_LE_OQ), g);               /* x <= -10: 0 */
        _mm256_storeu_ps(y + i, g);
    }
    for (; i < n; i++)
        y[i] = gelu_lookup(y[i]);
}
#endif

static void gelu_row(float *y, size_t n)
{
#if defined(__x86_64__)
    if (has_f16c) {
        gelu_row_f16c(y, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        y[i] = gelu_lookup(y[i]);
}

/* ------------------------------------------------------------------ loading */

/* "<arch>.<suffix>", the per-architecture metadata key. */
static const char *akey(const char *arch, const char *suffix, char buf[96])
{
    snprintf(buf, 96, "%s.%s", arch, suffix);
    return buf;
}

static int get_u32(const gguf_file *g, const char *arch, const char *suffix, uint32_t lo, uint32_t hi,
                   uint32_t *out, char err[SV_ERR_LEN])
{
    char key[96];
    int r = gguf_get_u32(g, akey(arch, suffix, key), out);
    if (r == 0)
        return sv_fail(err, SV_EXIT_DATA, "architecture '%s': required metadata %s is missing", arch, key);
    if (r < 0)
        return sv_fail(err, SV_EXIT_DATA, "architecture '%s': metadata %s is not an unsigned integer", arch, key);
    if (*out < lo || *out > hi)
        return sv_fail(err, SV_EXIT_DATA, "architecture '%s': %s = %u is out of range (%u..%u)", arch, key, *out, lo, hi);
    return 0;
}

/* Finds tensor `name` with exactly the dims ne0[, ne1] (ne1 = 0: a vector). */
static int find(const gguf_file *g, const char *name, uint64_t ne0, uint64_t ne1, int required,
                const gguf_tensor **out, char err[SV_ERR_LEN])
{
    const gguf_tensor *t = gguf_find_tensor(g, name);
    *out = NULL;
    if (!t) {
        if (required)
            return sv_fail(err, SV_EXIT_DATA, "tensor '%s' is missing", name);
        return 0;
    }
    uint32_t want_dims = ne1 ? 2 : 1;
    if (t->n_dims != want_dims || t->ne[0] != ne0 || (ne1 && t->ne[1] != ne1))
        return sv_fail(err, SV_EXIT_DATA,
                       "tensor '%s' has shape [%llu, %llu] (%u dims), want [%llu, %llu] from the model's metadata",
                       name, (unsigned long long)t->ne[0], (unsigned long long)t->ne[1], t->n_dims,
                       (unsigned long long)ne0, (unsigned long long)(ne1 ? ne1 : 1));
    if (!gguf_type_supported(t->type))
        return sv_fail(err, SV_EXIT_DATA, "tensor '%s' has type %s (%u): supported types are F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, "
                       "Q4_K, Q5_K and Q6_K",
                       name, gguf_type_name(t->type), t->type);
    *out = t;
    return 0;
}

/* Dequantizes t into dst, or fills dst with zeros when t is NULL (an optional bias). */
static void load_into(const gguf_tensor *t, float *dst, size_t n)
{
    if (t)
        gguf_dequantize(t, 0, n, dst);
    else
        memset(dst, 0, n * sizeof *dst);
}

/* A weight matrix [ne1][ne0] as matmul reads it. */
static int find_matrix(const gguf_file *g, const char *name, uint64_t ne0, uint64_t ne1, mm_matrix *out,
                       char err[SV_ERR_LEN])
{
    const gguf_tensor *t;
    int rc = find(g, name, ne0, ne1, 1, &t, err);
    return rc ? rc : mm_matrix_from_tensor(t, out, err);
}

int bert_load(const gguf_file *g, bert_model **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    gguf_str arch;
    char buf[80];
    int rc;
    if (gguf_get_str(g, "general.architecture", &arch) <= 0)
        return sv_fail(err, SV_EXIT_DATA, "no general.architecture string in the file");
    int nomic = arch.len == 10 && memcmp(arch.ptr, "nomic-bert", 10) == 0;
    int jina = arch.len == 12 && memcmp(arch.ptr, "jina-bert-v2", 12) == 0;
    if (!(arch.len == 4 && memcmp(arch.ptr, "bert", 4) == 0) && !nomic && !jina)
        return sv_fail(err, SV_EXIT_DATA,
                       "architecture '%s' is not supported: only 'bert' (all-MiniLM, bge, e5, gte ...), "
                       "'nomic-bert' and 'jina-bert-v2' encoders are",
                       gguf_str_print(arch, buf, sizeof buf));
    const char *A = nomic ? "nomic-bert" : jina ? "jina-bert-v2" : "bert";
    int positions = !nomic && !jina; /* a learned position table */
    char key[96];

    bert_model *m = calloc(1, sizeof *m);
    if (!m)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    bert_info *in = &m->info;
    uint32_t H, F, NL, NH, CTX, pooling = 1;
    if ((rc = mm_kernels_select(&m->mm, err)))
        goto fail;
    if ((rc = get_u32(g, A, "embedding_length", 1, 16384, &H, err)) ||
        (rc = get_u32(g, A, "feed_forward_length", 1, 65536, &F, err)) ||
        (rc = get_u32(g, A, "block_count", 1, 256, &NL, err)) ||
        (rc = get_u32(g, A, "attention.head_count", 1, 1024, &NH, err)) ||
        (rc = get_u32(g, A, "context_length", 2, 1u << 16, &CTX, err)))
        goto fail;
    if (H % NH) {
        rc = sv_fail(err, SV_EXIT_DATA, "architecture '%s': embedding_length %u is not divisible by head_count %u", A, H, NH);
        goto fail;
    }
    int r = gguf_get_f32(g, akey(A, "attention.layer_norm_epsilon", key), &in->eps);
    if (r <= 0 || !(in->eps > 0.0f && in->eps < 1.0f)) {
        rc = sv_fail(err, SV_EXIT_DATA, "architecture '%s': %s is %s", A, key, r == 0 ? "missing" : "not a float in (0, 1)");
        goto fail;
    }
    int causal = 0;
    if (gguf_get_bool(g, akey(A, "attention.causal", key), &causal) < 0 || causal) {
        rc = sv_fail(err, SV_EXIT_DATA, "architecture '%s': %s must be false for an encoder", A, key);
        goto fail;
    }
    /* Absent pooling_type: mean, the sentence-transformers default for these models. */
    r = gguf_get_u32(g, akey(A, "pooling_type", key), &pooling);
    if (r < 0 || (pooling != 1 && pooling != 2 && pooling != 3)) {
        rc = sv_fail(err, SV_EXIT_DATA, "architecture '%s': %s %u is not supported (1 mean, 2 cls, 3 last)", A, key,
                     pooling);
        goto fail;
    }
    if (nomic) {
        /* RoPE (NEOX layout) over the first n_rot dims of each head, llama.cpp's defaults:
         * freq_base 10000, n_rot = the head size. */
        uint32_t n_rot = H / NH;
        m->rope_base = 10000.0f;
        if (gguf_get_f32(g, akey(A, "rope.freq_base", key), &m->rope_base) < 0 || !(m->rope_base > 1.0f) ||
            gguf_get_u32(g, akey(A, "rope.dimension_count", key), &n_rot) < 0 || n_rot % 2 || n_rot > H / NH ||
            n_rot == 0 || n_rot > BERT_MAX_ROT) {
            rc = sv_fail(err, SV_EXIT_DATA, "architecture '%s': bad rope.freq_base or rope.dimension_count", A);
            goto fail;
        }
        m->n_rot = (int)n_rot;
        m->nomic = 1;
        in->gated = 1;
    }
    m->jina = jina;
    in->hidden = (int)H;
    in->ffn = (int)F;
    in->ffn_up = (int)F;
    in->layers = (int)NL;
    in->heads = (int)NH;
    in->ctx = (int)CTX;
    in->pooling = (int)pooling;

    const gguf_tensor *te = gguf_find_tensor(g, "token_embd.weight");
    if (!te) {
        rc = sv_fail(err, SV_EXIT_DATA, "architecture 'bert': tensor 'token_embd.weight' is missing");
        goto fail;
    }
    if (te->n_dims != 2 || te->ne[1] > INT32_MAX) {
        rc = sv_fail(err, SV_EXIT_DATA, "tensor 'token_embd.weight' must be 2-D [hidden, vocab]");
        goto fail;
    }
    if ((rc = find(g, "token_embd.weight", H, te->ne[1], 1, &m->tok_embd, err)))
        goto fail;
    in->vocab = (int)te->ne[1];

    const gguf_tensor *tt = gguf_find_tensor(g, "token_types.weight"), *pe = NULL, *lnw, *lnb;
    if (tt && (tt->n_dims != 2 || tt->ne[0] != H)) {
        rc = sv_fail(err, SV_EXIT_DATA, "tensor 'token_types.weight' must be [hidden=%u, types]", H);
        goto fail;
    }
    if ((tt && (rc = find(g, "token_types.weight", H, tt->ne[1], 1, &tt, err))) ||
        (positions && (rc = find(g, "position_embd.weight", H, CTX, 1, &pe, err))) ||
        (rc = find(g, "token_embd_norm.weight", H, 0, 1, &lnw, err)) ||
        (rc = find(g, "token_embd_norm.bias", H, 0, 1, &lnb, err)))
        goto fail;

    /* One arena for the float vectors (biases, norms, the position table): sizes are bounded
     * by the checks above (H <= 2^14, F <= 2^16, layers <= 256, ctx <= 2^16), so nothing here
     * overflows size_t. The matrices stay in the mapping. */
    size_t h = H, f = F;
    size_t per_layer = 3 * h + h + 2 * h + (nomic ? 0 : 2 * f + h) + 2 * h + (jina ? 6 * h : 0);
    size_t total = h + (positions ? (size_t)CTX * h : 0) + 2 * h + per_layer * NL + (jina ? NH : 0);
    m->arena = malloc(total * sizeof(float));
    m->layers = calloc(NL, sizeof *m->layers);
    if (!m->arena || !m->layers) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory loading %zu MB of weights", total * 4 >> 20);
        goto fail;
    }
    float *p = m->arena;
#define TAKE(n) (p += (n), p - (n))
    m->type0 = TAKE(h);
    load_into(tt, m->type0, h); /* only row 0: llama.cpp hard-codes sentence A */
    if (positions) {
        m->pos = TAKE((size_t)CTX * h);
        load_into(pe, m->pos, (size_t)CTX * h);
    }
    if (jina) { /* ggml_compute_forward_soft_max_f32's slopes for max_bias 8 */
        m->alibi = TAKE(NH);
        uint32_t n2 = 1u << (uint32_t)floor(log2((double)NH));
        float m0 = powf(2.0f, -8.0f / (float)n2), m1 = powf(2.0f, -4.0f / (float)n2);
        for (uint32_t hd = 0; hd < NH; hd++)
            m->alibi[hd] = hd < n2 ? powf(m0, (float)(hd + 1)) : powf(m1, (float)(2 * (hd - n2) + 1));
    }
    m->emb_ln_w = TAKE(h);
    load_into(lnw, m->emb_ln_w, h);
    m->emb_ln_b = TAKE(h);
    load_into(lnb, m->emb_ln_b, h);

    for (uint32_t l = 0; l < NL; l++) {
        bert_layer *L = &m->layers[l];
        char name[96];
        const gguf_tensor *b;
#define NAME(s) (snprintf(name, sizeof name, "blk.%u." s, l), name)
        L->bqkv = TAKE(3 * h);
        if (gguf_find_tensor(g, NAME("attn_qkv.weight"))) {
            L->fused = 1;
            if ((rc = find_matrix(g, NAME("attn_qkv.weight"), H, 3 * (uint64_t)H, &L->wqkv, err)) ||
                (rc = find(g, NAME("attn_qkv.bias"), 3 * (uint64_t)H, 0, 0, &b, err)))
                goto fail;
            load_into(b, L->bqkv, 3 * h);
        } else {
            static const char *const qkv[3] = {"q", "k", "v"};
            mm_matrix *dst[3] = {&L->wq, &L->wk, &L->wv};
            for (int k = 0; k < 3; k++) {
                snprintf(name, sizeof name, "blk.%u.attn_%s.weight", l, qkv[k]);
                if ((rc = find_matrix(g, name, H, H, dst[k], err)))
                    goto fail;
                snprintf(name, sizeof name, "blk.%u.attn_%s.bias", l, qkv[k]);
                if ((rc = find(g, name, H, 0, 0, &b, err)))
                    goto fail;
                load_into(b, L->bqkv + k * h, h);
            }
        }
        /* ffn_up's rows: F, or for jina-bert-v2 without a gate 2F, GEGLU's halves in one matrix
         * (llama.cpp asserts F or 2F, jina-bert-v2.cpp) */
        uint64_t up_rows = F;
        const gguf_tensor *gate_t = gguf_find_tensor(g, NAME("ffn_gate.weight"));
        if (jina) {
            const gguf_tensor *up_t = gguf_find_tensor(g, NAME("ffn_up.weight"));
            if (up_t && up_t->n_dims == 2 && up_t->ne[1] == 2 * (uint64_t)F && !gate_t)
                up_rows = 2 * (uint64_t)F;
        }
        if (nomic || (jina && gate_t)) { /* a gate matrix: nomic's SwiGLU, older jina files' GEGLU */
            if ((rc = find_matrix(g, NAME("ffn_gate.weight"), H, F, &L->wgate, err)))
                goto fail;
            in->gated = 1;
        } else if (gate_t) {
            rc = sv_fail(err, SV_EXIT_DATA, "tensor '%s': a gated feed-forward layer in a plain 'bert' model", name);
            goto fail;
        }
        if ((rc = find_matrix(g, NAME("attn_output.weight"), H, H, &L->wo, err)) ||
            (rc = find_matrix(g, NAME("ffn_up.weight"), H, up_rows, &L->wup, err)) ||
            (rc = find_matrix(g, NAME("ffn_down.weight"), F, H, &L->wdown, err)))
            goto fail;
        if (up_rows > (uint64_t)in->ffn_up)
            in->ffn_up = (int)up_rows;
        if (l == 0)
            in->weight_type = L->wo.type;
        struct {
            const char *suffix;
            uint64_t n;
            int required;
            float **dst;
        } vecs[] = {
            {"attn_output.bias", H, 0, &L->bo},
            {"attn_output_norm.weight", H, 1, &L->ln1_w},
            {"attn_output_norm.bias", H, 1, &L->ln1_b},
            {"ffn_up.bias", up_rows, 0, nomic ? NULL : &L->bup},
            {"ffn_down.bias", H, 0, nomic ? NULL : &L->bdown},
            {"layer_output_norm.weight", H, 1, &L->ln2_w},
            {"layer_output_norm.bias", H, 1, &L->ln2_b},
        };
        for (size_t k = 0; k < sizeof vecs / sizeof vecs[0]; k++) {
            snprintf(name, sizeof name, "blk.%u.%s", l, vecs[k].suffix);
            if ((rc = find(g, name, vecs[k].n, 0, vecs[k].required, &b, err)))
                goto fail;
            if (vecs[k].dst) {
                *vecs[k].dst = TAKE(vecs[k].n);
                load_into(b, *vecs[k].dst, vecs[k].n);
            }
        }
        /* jina-bert-v2's optional LayerNorms: each applies when its weight is there (its bias
         * may be missing: zeros), as llama.cpp's bert graph tests the weight alone */
        struct {
            const char *w, *b;
            float **dw, **db;
        } norms[] = {
            {"attn_q_norm.weight", "attn_q_norm.bias", &L->qn_w, &L->qn_b},
            {"attn_k_norm.weight", "attn_k_norm.bias", &L->kn_w, &L->kn_b},
            {"attn_norm_2.weight", "attn_norm_2.bias", &L->ln1b_w, &L->ln1b_b},
        };
        for (size_t k = 0; jina && k < sizeof norms / sizeof norms[0]; k++) {
            const gguf_tensor *w;
            snprintf(name, sizeof name, "blk.%u.%s", l, norms[k].w);
            if ((rc = find(g, name, H, 0, 0, &w, err)))
                goto fail;
            if (!w)
                continue;
            snprintf(name, sizeof name, "blk.%u.%s", l, norms[k].b);
            if ((rc = find(g, name, H, 0, 0, &b, err)))
                goto fail;
            *norms[k].dw = TAKE(h);
            load_into(w, *norms[k].dw, h);
            *norms[k].db = TAKE(h);
            load_into(b, *norms[k].db, h);
        }
#undef NAME
    }
#undef TAKE
    m->gemm = gemm_select();
    pthread_once(&gelu_once, gelu_init);
    *out = m;
    return 0;
fail:
    bert_free(m);
    return rc;
}

void bert_free(bert_model *m)
{
    if (!m)
        return;
    free(m->arena);
    free(m->layers);
    free(m);
}

const bert_info *bert_get_info(const bert_model *m) { return &m->info; }

/* ------------------------------------------------------------------ workspace */

bert_workspace *bert_workspace_new(void) { return calloc(1, sizeof(bert_workspace)); }

static void thread_free(bert_thread *t)
{
    free(t->tmp);
    free(t->ffn);
    free(t->gate);
    free(t->scores);
    mm_scratch_free(t->mm);
    memset(t, 0, sizeof *t);
}

void bert_workspace_free(bert_workspace *ws)
{
    if (!ws)
        return;
    free(ws->x);
    free(ws->qkv);
    for (size_t i = 0; i < ws->cap_threads; i++)
        thread_free(&ws->th[i]);
    free(ws->th);
    free(ws->start);
    free(ws);
}

/* Grows the buffers to hold the batch; a no-op when they already do (the common case once the
 * first batch of the largest shape has run), so the forward pass itself never allocates. */
static int workspace_fit(bert_workspace *ws, const bert_model *m, size_t tokens, size_t len, size_t threads,
                         size_t texts, size_t chunk)
{
    const bert_info *in = &m->info;
    size_t h = (size_t)in->hidden, f = (size_t)in->ffn;
    if (tokens > ws->cap_tokens) {
        free(ws->x);
        free(ws->qkv);
        ws->x = malloc(tokens * h * sizeof(float));
        ws->qkv = malloc(tokens * 3 * h * sizeof(float));
        ws->cap_tokens = tokens;
        if (!ws->x || !ws->qkv) {
            ws->cap_tokens = 0;
            return -1;
        }
    }
    if (threads > ws->cap_threads) {
        bert_thread *th = realloc(ws->th, threads * sizeof *th);
        if (!th)
            return -1;
        memset(th + ws->cap_threads, 0, (threads - ws->cap_threads) * sizeof *th);
        ws->th = th;
        ws->cap_threads = threads;
    }
    if (chunk > ws->cap_chunk || len > ws->cap_len || ws->fitted != m) {
        size_t c = chunk > ws->cap_chunk ? chunk : ws->cap_chunk, l = len > ws->cap_len ? len : ws->cap_len;
        for (size_t i = 0; i < ws->cap_threads; i++)
            thread_free(&ws->th[i]);
        ws->cap_chunk = c;
        ws->cap_len = l;
        ws->fitted = m;
    }
    for (size_t i = 0; i < threads; i++) {
        bert_thread *t = &ws->th[i];
        if (t->mm)
            continue; /* fitted for this model and these sizes */
        t->tmp = malloc(ws->cap_chunk * h * sizeof(float));
        t->ffn = malloc(ws->cap_chunk * (size_t)in->ffn_up * sizeof(float));
        t->gate = in->gated ? malloc(ws->cap_chunk * f * sizeof(float)) : NULL;
        t->scores = malloc(ws->cap_len * ws->cap_len * sizeof(float));
        t->mm = mm_scratch_new();
        int bad = !t->tmp || !t->ffn || (in->gated && !t->gate) || !t->scores || !t->mm;
        for (int l = 0; l < in->layers && !bad; l++) {
            const bert_layer *L = &m->layers[l];
            const mm_matrix *mats[] = {&L->wqkv, &L->wq, &L->wk, &L->wv, &L->wo, &L->wup, &L->wgate, &L->wdown};
            for (size_t k = 0; k < sizeof mats / sizeof mats[0] && !bad; k++)
                bad = mats[k]->data && mm_scratch_reserve(t->mm, m->mm, mats[k], ws->cap_chunk);
        }
        if (bad) {
            thread_free(t);
            return -1;
        }
    }
    if (texts + 1 > ws->cap_texts) {
        free(ws->start);
        ws->start = malloc((texts + 1) * sizeof *ws->start);
        ws->cap_texts = ws->start ? texts + 1 : 0;
        if (!ws->start)
            return -1;
    }
    return 0;
}

size_t bert_batch_bytes(const bert_model *m, size_t tokens, size_t texts, size_t longest, int threads)
{
    const bert_info *in = &m->info;
    size_t H = (size_t)in->hidden, F = (size_t)in->ffn, chunk = mm_chunk_rows(tokens);
    size_t nth = threads < 1 ? 1 : threads > 256 ? 256 : (size_t)threads;
    size_t shared = tokens * 4 * H * sizeof(float) + (texts + 1) * sizeof(size_t);
    /* per thread: tmp, ffn, gate, one head's scores, and about a chunk of quantized activations
     * in the matmul scratch */
    size_t thread = chunk * (H + (size_t)in->ffn_up + (in->gated ? F : 0)) * sizeof(float) +
                    longest * longest * sizeof(float) + chunk * ((size_t)in->ffn_up + 256);
    return shared + nth * thread;
}

/* ------------------------------------------------------------------ forward */

typedef struct fwd_ctx {
    const bert_model *m;
    bert_workspace *ws;
    const int32_t *const *ids;
    const size_t *lens;
    size_t n, tokens, chunk; /* chunk: token rows per work item (mm_chunk_rows of the batch) */
    float *out;
    int nth;
    atomic_int failed;       /* a product's scratch could not grow (not expected: fitted above) */
    pthread_barrier_t barrier;
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;
    int gate_open;
    _Alignas(64) atomic_size_t next_rows; /* row-chunk work counter, own cache line */
    _Alignas(64) atomic_size_t next_pair; /* attention (text, head) work counter, own cache line */
    char pad[64 - sizeof(atomic_size_t)];
} fwd_ctx;

void bert_gelu_row(float *y, size_t n)
{
    pthread_once(&gelu_once, gelu_init);
    gelu_row(y, n);
}

void bert_layer_norm_ref(float *y, size_t n, const float *w, const float *b, float eps)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += y[i];
    float mean = (float)(sum / (double)n);
    double var = 0.0;
    for (size_t i = 0; i < n; i++) {
        float d = y[i] - mean;
        y[i] = d;
        var += (double)d * d;
    }
    float scale = 1.0f / sqrtf((float)(var / (double)n) + eps);
    for (size_t i = 0; i < n; i++)
        y[i] = y[i] * scale * w[i] + b[i];
}

#if defined(__x86_64__)
/* The same with AVX2: the sums in 8 double lanes (then added in order), so they differ from
 * the scalar twin's only in double rounding; the last step is the same float operations. The
 * scalar loops were 5 % of a Q8_0 forward pass (perf, minilm, 170-token texts). */
__attribute__((target("avx2,fma"))) static void layer_norm_avx2(float *y, size_t n, const float *w, const float *b,
                                                               float eps)
{
    size_t i = 0;
    __m256d s0 = _mm256_setzero_pd(), s1 = s0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(y + i);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
    double l[8], sum = 0.0;
    _mm256_storeu_pd(l, s0);
    _mm256_storeu_pd(l + 4, s1);
    for (int k = 0; k < 8; k++)
        sum += l[k];
    for (; i < n; i++)
        sum += y[i];
    float mean = (float)(sum / (double)n);
    const __m256 vm = _mm256_set1_ps(mean);
    s0 = s1 = _mm256_setzero_pd();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(y + i), vm);
        _mm256_storeu_ps(y + i, d);
        __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(d)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(d, 1));
        s0 = _mm256_add_pd(s0, _mm256_mul_pd(lo, lo));
        s1 = _mm256_add_pd(s1, _mm256_mul_pd(hi, hi));
    }
    double var = 0.0;
    _mm256_storeu_pd(l, s0);
    _mm256_storeu_pd(l + 4, s1);
    for (int k = 0; k < 8; k++)
        var += l[k];
    for (; i < n; i++) {
        float d = y[i] - mean;
        y[i] = d;
        var += (double)d * d;
    }
    float scale = 1.0f / sqrtf((float)(var / (double)n) + eps);
    const __m256 vs = _mm256_set1_ps(scale);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 r = _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(y + i), vs), _mm256_loadu_ps(w + i));
        _mm256_storeu_ps(y + i, _mm256_add_ps(r, _mm256_loadu_ps(b + i)));
    }
    for (; i < n; i++)
        y[i] = y[i] * scale * w[i] + b[i];
}
#endif

/* y = LN(y) * w + b over a row of n floats, as ggml_norm: mean, then variance of the centred
 * values, both accumulated in double. */
static void layer_norm(float *y, size_t n, const float *w, const float *b, float eps)
{
#if defined(__x86_64__)
    if (has_avx2) {
        layer_norm_avx2(y, n, w, b, eps);
        return;
    }
#endif
    bert_layer_norm_ref(y, n, w, b, eps);
}

void bert_layer_norm(float *y, size_t n, const float *w, const float *b, float eps)
{
    pthread_once(&gelu_once, gelu_init); /* the CPU feature flags */
    layer_norm(y, n, w, b, eps);
}

void bert_softmax_row_ref(float *row, size_t n)
{
    float mx = row[0], sum = 0.0f;
    for (size_t j = 1; j < n; j++)
        mx = row[j] > mx ? row[j] : mx;
    for (size_t j = 0; j < n; j++) {
        row[j] = expf(row[j] - mx);
        sum += row[j];
    }
    float inv = 1.0f / sum;
    for (size_t j = 0; j < n; j++)
        row[j] *= inv;
}

#if defined(__x86_64__)
/* exp for x <= 0 (softmax arguments), 8 lanes: 2^n · p(r), n = round(x·log2 e), r = x − n·ln 2
 * in two parts, p the degree-6 Taylor polynomial of e^r on |r| <= ln2/2 (relative error below
 * 2e-7, within the golden tolerance by four orders). x below -87 is clamped (e^-87 ~ 1.6e-38). */
__attribute__((target("avx2,fma"))) static inline __m256 exp256_nonpos(__m256 x)
{
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 720.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* The softmax row with AVX2: glibc expf per element plus the scalar loops were a third of the
 * time for 512-token texts (perf, minilm, 16 texts). */
__attribute__((target("avx2,fma"))) static void softmax_row_avx2(float *row, size_t n)
{
    size_t j = 0;
    __m256 vmx = _mm256_set1_ps(row[0]);
    for (; j + 8 <= n; j += 8)
        vmx = _mm256_max_ps(vmx, _mm256_loadu_ps(row + j));
    float m8[8], mx = row[0];
    _mm256_storeu_ps(m8, vmx);
    for (int k = 0; k < 8; k++)
        mx = m8[k] > mx ? m8[k] : mx;
    for (; j < n; j++)
        mx = row[j] > mx ? row[j] : mx;
    __m256 vm = _mm256_set1_ps(mx), vs = _mm256_setzero_ps();
    for (j = 0; j + 8 <= n; j += 8) {
        __m256 e = exp256_nonpos(_mm256_sub_ps(_mm256_loadu_ps(row + j), vm));
        _mm256_storeu_ps(row + j, e);
        vs = _mm256_add_ps(vs, e);
    }
    float s8[8], sum = 0.0f;
    _mm256_storeu_ps(s8, vs);
    for (int k = 0; k < 8; k++)
        sum += s8[k];
    if (j < n) { /* the tail through the same approximation, padded with -inf → 0 */
        float t[8];
        for (int k = 0; k < 8; k++)
            t[k] = j + (size_t)k < n ? row[j + k] - mx : -1e30f;
        __m256 e = exp256_nonpos(_mm256_loadu_ps(t));
        _mm256_storeu_ps(t, e);
        for (size_t k = 0; j + k < n; k++) {
            row[j + k] = t[k];
            sum += t[k];
        }
    }
    __m256 vinv = _mm256_set1_ps(1.0f / sum);
    for (j = 0; j + 8 <= n; j += 8)
        _mm256_storeu_ps(row + j, _mm256_mul_ps(_mm256_loadu_ps(row + j), vinv));
    for (; j < n; j++)
        row[j] *= 1.0f / sum;
}
#endif

static void softmax_row(float *row, size_t n)
{
#if defined(__x86_64__)
    if (has_fma) {
        softmax_row_avx2(row, n);
        return;
    }
#endif
    bert_softmax_row_ref(row, n);
}

void bert_softmax_row(float *row, size_t n)
{
    pthread_once(&gelu_once, gelu_init); /* the CPU feature flags */
    softmax_row(row, n);
}

static void attention_pair(fwd_ctx *c, size_t text, int head, float *S)
{
    const bert_info *in = &c->m->info;
    const gemm_kernels *k = c->m->gemm;
    size_t H = (size_t)in->hidden, d = H / (size_t)in->heads;
    size_t L = c->lens[text], t0 = c->ws->start[text];
    float *Q = c->ws->qkv + t0 * 3 * H + (size_t)head * d;
    const float *K = Q + H, *V = Q + 2 * H;
    float scale = 1.0f / sqrtf((float)d);
    k->nt((int)L, (int)L, (int)d, scale, Q, (int)(3 * H), K, (int)(3 * H), 0.0f, S, (int)L);
    if (c->m->alibi) { /* jina-bert-v2: + slope · −|i − j|, after the scale, as ggml's soft_max */
        float slope = c->m->alibi[head];
        for (size_t i = 0; i < L; i++)
            for (size_t j = 0; j < L; j++)
                S[i * L + j] += slope * -(float)(i > j ? i - j : j - i);
    }
    for (size_t i = 0; i < L; i++)
        softmax_row(S + i * L, L);
    k->nn((int)L, (int)d, (int)L, 1.0f, S, (int)L, V, (int)(3 * H), 0.0f, Q, (int)(3 * H)); /* over Q */
}

/* nomic-bert's rotary position embedding on the Q and K of token rows [r0, r1), llama.cpp's
 * NEOX layout: dims i and i + n_rot/2 of each head rotate by pos · base^(-2i/n_rot), the angle
 * stepped by repeated multiplication in float as ggml's rope cache does. */
static void rope_rows(fwd_ctx *c, size_t r0, size_t r1)
{
    const bert_model *m = c->m;
    size_t H = (size_t)m->info.hidden, heads = (size_t)m->info.heads, d = H / heads, half = (size_t)m->n_rot / 2;
    float cs[2 * BERT_MAX_ROT / 2]; /* cos, sin per rotated pair, for the current position */
    float theta_scale = powf(m->rope_base, -2.0f / (float)m->n_rot);
    size_t text = 0;
    for (size_t t = r0; t < r1; t++) {
        while (t >= c->ws->start[text + 1])
            text++;
        float theta = (float)(t - c->ws->start[text]);
        for (size_t i = 0; i < half; i++) {
            cs[2 * i] = cosf(theta);
            cs[2 * i + 1] = sinf(theta);
            theta *= theta_scale;
        }
        float *row = c->ws->qkv + t * 3 * H;
        for (size_t part = 0; part < 2; part++) /* Q, then K */
            for (size_t h = 0; h < heads; h++) {
                float *v = row + part * H + h * d;
                for (size_t i = 0; i < half; i++) {
                    float x0 = v[i], x1 = v[i + half];
                    v[i] = x0 * cs[2 * i] - x1 * cs[2 * i + 1];
                    v[i + half] = x0 * cs[2 * i + 1] + x1 * cs[2 * i];
                }
            }
    }
}

/* Token rows [r0, r1): tok_embd[id] + token_types[0] (+ position_embd[pos]), then LayerNorm. */
static void embed_rows(fwd_ctx *c, size_t r0, size_t r1)
{
    const bert_model *m = c->m;
    const bert_info *in = &m->info;
    bert_workspace *ws = c->ws;
    size_t H = (size_t)in->hidden, text = 0;
    for (size_t t = r0; t < r1; t++) {
        while (t >= ws->start[text + 1])
            text++;
        size_t pos = t - ws->start[text];
        float *x = ws->x + t * H;
        gguf_dequantize(m->tok_embd, (uint64_t)c->ids[text][pos] * H, H, x);
        if (m->pos) {
            const float *pe = m->pos + pos * H;
            for (size_t i = 0; i < H; i++)
                x[i] += m->type0[i] + pe[i];
        } else { /* nomic-bert: positions enter through RoPE */
            for (size_t i = 0; i < H; i++)
                x[i] += m->type0[i];
        }
        layer_norm(x, H, m->emb_ln_w, m->emb_ln_b, in->eps);
    }
}

/* y = x·Wᵀ (+ y) (+ bias) on the calling thread; a failure (scratch could not grow, not
 * expected after workspace_fit) is recorded for bert_embed_batch to report. */
static void mul(fwd_ctx *c, bert_thread *th, const mm_matrix *w, const float *x, size_t ldx, size_t rows, float *y,
                size_t ldy, const float *bias, int accumulate)
{
    if (mm_mul(c->m->mm, w, x, ldx, rows, y, ldy, bias, accumulate, th->mm))
        atomic_store(&c->failed, 1);
}

/* Layer L's Q, K and V for token rows [r0, r1) (RoPE applied for nomic-bert). */
static void qkv_rows(fwd_ctx *c, bert_thread *th, const bert_layer *L, size_t r0, size_t r1)
{
    size_t H = (size_t)c->m->info.hidden, R = r1 - r0;
    const float *x = c->ws->x + r0 * H;
    float *y = c->ws->qkv + r0 * 3 * H;
    if (L->fused) {
        mul(c, th, &L->wqkv, x, H, R, y, 3 * H, L->bqkv, 0);
    } else {
        mul(c, th, &L->wq, x, H, R, y, 3 * H, L->bqkv, 0);
        mul(c, th, &L->wk, x, H, R, y + H, 3 * H, L->bqkv + H, 0);
        mul(c, th, &L->wv, x, H, R, y + 2 * H, 3 * H, L->bqkv + 2 * H, 0);
    }
    if (c->m->nomic)
        rope_rows(c, r0, r1);
    for (size_t r = 0; L->qn_w && r < R; r++) /* jina-bert-v2: LayerNorm over each token's Q, K */
        layer_norm(y + r * 3 * H, H, L->qn_w, L->qn_b, c->m->info.eps);
    for (size_t r = 0; L->kn_w && r < R; r++)
        layer_norm(y + r * 3 * H + H, H, L->kn_w, L->kn_b, c->m->info.eps);
}

/* The rest of layer L for token rows [r0, r1), from the attention output to the new x:
 *   tmp = LN1(x + attn·Woᵀ + bo) (jina's attn_norm_2: then LN1b(tmp + x));
 *   x = LN2(tmp + f(tmp)·Wdownᵀ + bdown)
 * with f = GELU(·Wupᵀ + bup); for nomic-bert silu(·Wgateᵀ) · (·Wupᵀ); for jina-bert-v2 GEGLU:
 * GELU(u[0..F)) · u[F..2F) of u = ·Wupᵀ + bup, or GELU(·Wgateᵀ) · (·Wupᵀ + bup). */
static void ffn_rows(fwd_ctx *c, bert_thread *th, const bert_layer *L, size_t r0, size_t r1)
{
    const bert_info *in = &c->m->info;
    size_t H = (size_t)in->hidden, F = (size_t)in->ffn, R = r1 - r0;
    size_t U = (size_t)L->wup.rows; /* F, or 2F: GEGLU's halves side by side */
    float *x = c->ws->x + r0 * H, *tmp = th->tmp, *ffn = th->ffn;
    memcpy(tmp, x, R * H * sizeof(float));
    mul(c, th, &L->wo, c->ws->qkv + r0 * 3 * H, 3 * H, R, tmp, H, L->bo, 1); /* the attention output */
    for (size_t r = 0; r < R; r++)
        layer_norm(tmp + r * H, H, L->ln1_w, L->ln1_b, in->eps);
    for (size_t r = 0; L->ln1b_w && r < R; r++) {
        for (size_t i = 0; i < H; i++)
            tmp[r * H + i] += x[r * H + i];
        layer_norm(tmp + r * H, H, L->ln1b_w, L->ln1b_b, in->eps);
    }
    mul(c, th, &L->wup, tmp, H, R, ffn, U, L->bup, 0);
    if (c->m->nomic) {
        float *gate = th->gate;
        mul(c, th, &L->wgate, tmp, H, R, gate, F, NULL, 0);
        for (size_t i = 0; i < R * F; i++)
            ffn[i] *= gate[i] / (1.0f + expf(-gate[i])); /* ggml_silu_f32 */
    } else if (L->wgate.data) { /* GEGLU, gate apart (ggml_geglu_split) */
        float *gate = th->gate;
        mul(c, th, &L->wgate, tmp, H, R, gate, F, NULL, 0);
        gelu_row(gate, R * F);
        for (size_t i = 0; i < R * F; i++)
            ffn[i] *= gate[i];
    } else if (U == 2 * F) { /* GEGLU, both halves in ffn_up (ggml_geglu): in place, row stride 2F */
        for (size_t r = 0; r < R; r++) {
            float *u = ffn + r * U;
            gelu_row(u, F);
            for (size_t i = 0; i < F; i++)
                u[i] *= u[F + i];
        }
    } else {
        gelu_row(ffn, R * F);
    }
    memcpy(x, tmp, R * H * sizeof(float));
    mul(c, th, &L->wdown, ffn, U, R, x, H, L->bdown, 1);
    for (size_t r = 0; r < R; r++)
        layer_norm(x + r * H, H, L->ln2_w, L->ln2_b, in->eps);
}

/* Claims row chunks until none is left; for each: the previous layer's tail (or the
 * embeddings before layer 0), then layer l's Q, K, V (l == layers: the tail only). A chunk's
 * rows depend on nothing outside the chunk, so no barrier is needed between the two. */
static void rows_phase(fwd_ctx *c, bert_thread *th, int l)
{
    const bert_model *m = c->m;
    for (;;) {
        size_t r0 = atomic_fetch_add(&c->next_rows, 1) * c->chunk;
        if (r0 >= c->tokens)
            return;
        size_t r1 = r0 + c->chunk < c->tokens ? r0 + c->chunk : c->tokens;
        if (l == 0)
            embed_rows(c, r0, r1);
        else
            ffn_rows(c, th, &m->layers[l - 1], r0, r1);
        if (l < m->info.layers)
            qkv_rows(c, th, &m->layers[l], r0, r1);
    }
}

/* Thread ith of nth. Work is claimed from counters in fixed pieces (row chunks that depend on
 * the batch alone, (text, head) pairs), and every piece is computed the same way whichever
 * thread takes it, so the vectors do not depend on the thread count. */
static void forward(fwd_ctx *c, int ith)
{
    const bert_model *m = c->m;
    const bert_info *in = &m->info;
    bert_workspace *ws = c->ws;
    bert_thread *th = &ws->th[ith];
    size_t H = (size_t)in->hidden;

    for (int l = 0; l <= in->layers; l++) {
        rows_phase(c, th, l);
        pthread_barrier_wait(&c->barrier);
        if (ith == 0) /* nobody claims rows again before the next barrier */
            atomic_store(&c->next_rows, 0);
        if (l == in->layers)
            break;
        size_t pairs = c->n * (size_t)in->heads;
        for (;;) {
            size_t pidx = atomic_fetch_add(&c->next_pair, 1);
            if (pidx >= pairs)
                break;
            attention_pair(c, pidx / (size_t)in->heads, (int)(pidx % (size_t)in->heads), th->scores);
        }
        pthread_barrier_wait(&c->barrier);
        if (ith == 0) /* nobody touches the counter again before the next layer's first barrier */
            atomic_store(&c->next_pair, 0);
    }

    /* Pooling and L2 normalisation, texts split across threads. */
    for (size_t s = (size_t)ith; s < c->n; s += (size_t)c->nth) {
        float *o = c->out + s * H;
        size_t t0 = ws->start[s], len = c->lens[s];
        if (in->pooling == 1) {
            for (size_t i = 0; i < H; i++) {
                double acc = 0.0;
                for (size_t t = 0; t < len; t++)
                    acc += ws->x[(t0 + t) * H + i];
                o[i] = (float)(acc / (double)len);
            }
        } else {
            memcpy(o, ws->x + (t0 + (in->pooling == 2 ? 0 : len - 1)) * H, H * sizeof(float));
        }
        double nrm = 0.0;
        for (size_t i = 0; i < H; i++)
            nrm += (double)o[i] * o[i];
        if (nrm > 0.0) {
            float inv = (float)(1.0 / sqrt(nrm));
            for (size_t i = 0; i < H; i++)
                o[i] *= inv;
        }
    }
}

typedef struct worker_arg {
    fwd_ctx *c;
    int ith;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *a = arg;
    pthread_mutex_lock(&a->c->gate_mu);
    while (!a->c->gate_open)
        pthread_cond_wait(&a->c->gate_cv, &a->c->gate_mu);
    pthread_mutex_unlock(&a->c->gate_mu);
    forward(a->c, a->ith);
    return NULL;
}

int bert_embed_batch(const bert_model *m, bert_workspace *ws, int threads, const int32_t *const *ids,
                     const size_t *lens, size_t n, float *out, char err[SV_ERR_LEN])
{
    const bert_info *in = &m->info;
    if (n == 0)
        return 0;
    size_t tokens = 0, maxlen = 0;
    for (size_t s = 0; s < n; s++) {
        if (lens[s] < 1 || lens[s] > (size_t)in->ctx)
            return sv_fail(err, SV_EXIT_DATA, "text %zu has %zu tokens; the model takes 1 to %d", s, lens[s], in->ctx);
        for (size_t t = 0; t < lens[s]; t++)
            if (ids[s][t] < 0 || ids[s][t] >= in->vocab)
                return sv_fail(err, SV_EXIT_DATA, "token id %d is outside the %d-token vocabulary", ids[s][t], in->vocab);
        tokens += lens[s];
        maxlen = lens[s] > maxlen ? lens[s] : maxlen;
    }
    if (threads < 1)
        threads = 1;
    if (threads > 256)
        threads = 256;
    size_t chunk = mm_chunk_rows(tokens);
    if (workspace_fit(ws, m, tokens, maxlen, (size_t)threads, n, chunk))
        return sv_fail(err, SV_EXIT_FAILED, "out of memory for a batch of %zu tokens", tokens);
    ws->start[0] = 0;
    for (size_t s = 0; s < n; s++)
        ws->start[s + 1] = ws->start[s] + lens[s];

    /* Per call, not per layer. aligned_alloc: the work counter sits on its own cache line. */
    fwd_ctx *c = aligned_alloc(64, (sizeof(fwd_ctx) + 63) / 64 * 64);
    if (c)
        memset(c, 0, sizeof *c);
    worker_arg *args = calloc((size_t)threads, sizeof *args);
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    if (!c || !args || !tid) {
        free(c);
        free(args);
        free(tid);
        return sv_fail(err, SV_EXIT_FAILED, "out of memory");
    }
    c->m = m;
    c->ws = ws;
    c->ids = ids;
    c->lens = lens;
    c->n = n;
    c->tokens = tokens;
    c->chunk = chunk;
    c->out = out;
    atomic_init(&c->failed, 0);
    atomic_init(&c->next_rows, 0);
    atomic_init(&c->next_pair, 0);
    /* Workers wait at the gate until we know how many of them started: the barrier must count
     * exactly the threads that run (pthread_create can fail under a thread limit). */
    pthread_mutex_init(&c->gate_mu, NULL);
    pthread_cond_init(&c->gate_cv, NULL);
    int started = 1;
    for (int i = 1; i < threads; i++) {
        args[i].c = c;
        args[i].ith = i;
        if (pthread_create(&tid[i], NULL, worker, &args[i]) != 0)
            break;
        started++;
    }
    c->nth = started;
    pthread_barrier_init(&c->barrier, NULL, (unsigned)started);
    pthread_mutex_lock(&c->gate_mu);
    c->gate_open = 1;
    pthread_cond_broadcast(&c->gate_cv);
    pthread_mutex_unlock(&c->gate_mu);
    forward(c, 0);
    for (int i = 1; i < started; i++)
        pthread_join(tid[i], NULL);
    pthread_barrier_destroy(&c->barrier);
    pthread_cond_destroy(&c->gate_cv);
    pthread_mutex_destroy(&c->gate_mu);
    int failed = atomic_load(&c->failed);
    free(c);
    free(args);
    free(tid);
    if (failed)
        return sv_fail(err, SV_EXIT_FAILED, "out of memory in a matrix product for a batch of %zu tokens", tokens);
    return 0;
}
