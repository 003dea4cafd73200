#include "decoder.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bert.h"
#include "gemm.h"
#include "matmul.h"

#define DECODER_MAX_HEAD_DIM 512

typedef enum { ARCH_QWEN3, ARCH_GEMMA } decoder_arch;

static const char *const ARCH_NAMES[] = {"qwen3", "gemma-embedding"};

typedef struct decoder_layer {
    mm_matrix wq, wk, wv, wo, wgate, wup, wdown;
    float *attn_norm, *q_norm, *k_norm, *ffn_norm;
    float *post_attn_norm, *post_ffw_norm; /* gemma */
    int swa;                               /* gemma: a sliding-window layer */
    float rope_base;
} decoder_layer;

struct decoder_model {
    decoder_info info;
    decoder_arch arch;
    const mm_kernels *mm;
    const gemm_kernels *gemm;
    const gguf_tensor *tok_embd;
    decoder_layer *layers;
    float *output_norm;
    mm_matrix dense2, dense3; /* gemma, when info.dense */
    int dense_dims;
    int window;               /* gemma: ⌊sliding_window / 2⌋ */
    int n_rot;
    float *arena;             /* every float vector above */
};

int decoder_runs(gguf_str arch)
{
    for (size_t i = 0; i < sizeof ARCH_NAMES / sizeof ARCH_NAMES[0]; i++)
        if (arch.len == strlen(ARCH_NAMES[i]) && memcmp(arch.ptr, ARCH_NAMES[i], arch.len) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ loading */

/* <arch>.<suffix> as a u32 in [lo, hi]; dflt when absent (dflt < 0: required). */
static int arch_u32(const gguf_file *g, const char *arch, const char *suffix, long long dflt, uint32_t lo,
                    uint32_t hi, uint32_t *out, char err[SV_ERR_LEN])
{
    char key[96];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    int r = gguf_get_u32(g, key, out);
    if (r == 0 && dflt < 0)
        return sv_fail(err, SV_EXIT_DATA, "architecture '%s': required metadata %s is missing", arch, key);
    if (r < 0)
        return sv_fail(err, SV_EXIT_DATA, "architecture '%s': metadata %s is not an unsigned integer", arch, key);
    if (r == 0)
        *out = (uint32_t)dflt;
    if (*out < lo || *out > hi)
        return sv_fail(err, SV_EXIT_DATA, "architecture '%s': %s = %u is out of range (%u..%u)", arch, key, *out, lo,
                       hi);
    return 0;
}

static int arch_f32(const gguf_file *g, const char *arch, const char *suffix, float dflt, float lo, float hi,
                    float *out, char err[SV_ERR_LEN])
{
    char key[96];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    int r = gguf_get_f32(g, key, out);
    if (r == 0 && isnan(dflt))
        return sv_fail(err, SV_EXIT_DATA, "architecture '%s': required metadata %s is missing", arch, key);
    if (r < 0)
        return sv_fail(err, SV_EXIT_DATA, "architecture '%s': metadata %s is not a float", arch, key);
    if (r == 0)
        *out = dflt;
    if (!(*out > lo && *out < hi))
        return sv_fail(err, SV_EXIT_DATA, "architecture '%s': %s = %g is out of range (%g..%g)", arch, key,
                       (double)*out, (double)lo, (double)hi);
    return 0;
}

/* Tensor name with exactly the dims ne0[, ne1] (ne1 = 0: a vector); NULL in *out when absent
 * and not required. */
static int find(const gguf_file *g, const char *name, uint64_t ne0, uint64_t ne1, int required,
                const gguf_tensor **out, char err[SV_ERR_LEN])
{
    const gguf_tensor *t = gguf_find_tensor(g, name);
    *out = NULL;
    if (!t)
        return required ? sv_fail(err, SV_EXIT_DATA, "tensor '%s' is missing", name) : 0;
    uint32_t want_dims = ne1 ? 2 : 1;
    if (t->n_dims != want_dims || t->ne[0] != ne0 || (ne1 && t->ne[1] != ne1))
        return sv_fail(err, SV_EXIT_DATA,
                       "tensor '%s' has shape [%llu, %llu] (%u dims), want [%llu, %llu] from the model's metadata",
                       name, (unsigned long long)t->ne[0], (unsigned long long)t->ne[1], t->n_dims,
                       (unsigned long long)ne0, (unsigned long long)(ne1 ? ne1 : 1));
    if (!gguf_type_supported(t->type))
        return sv_fail(err, SV_EXIT_DATA,
                       "tensor '%s' has type %s (%u): supported types are F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, "
                       "Q5_1, Q4_K, Q5_K and Q6_K",
                       name, gguf_type_name(t->type), t->type);
    *out = t;
    return 0;
}

static int find_matrix(const gguf_file *g, const char *name, uint64_t ne0, uint64_t ne1, mm_matrix *out,
                       char err[SV_ERR_LEN])
{
    const gguf_tensor *t;
    int rc = find(g, name, ne0, ne1, 1, &t, err);
    return rc ? rc : mm_matrix_from_tensor(t, out, err);
}

/* A norm vector of n floats into *dst (taken from the arena at *next). */
static int load_vector(const gguf_file *g, const char *name, size_t n, float **next, float **dst,
                       char err[SV_ERR_LEN])
{
    const gguf_tensor *t;
    int rc = find(g, name, n, 0, 1, &t, err);
    if (rc)
        return rc;
    *dst = *next;
    *next += n;
    gguf_dequantize(t, 0, n, *dst);
    return 0;
}

int decoder_load(const gguf_file *g, decoder_model **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    gguf_str arch_s = {"", 0};
    char buf[80];
    gguf_get_str(g, "general.architecture", &arch_s);
    if (!decoder_runs(arch_s))
        return sv_fail(err, SV_EXIT_DATA, "architecture '%s' is not a decoder this build runs ('qwen3', 'gemma-embedding')",
                       gguf_str_print(arch_s, buf, sizeof buf));
    decoder_model *m = calloc(1, sizeof *m);
    if (!m)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    m->arch = arch_s.len == 5 ? ARCH_QWEN3 : ARCH_GEMMA;
    const char *A = ARCH_NAMES[m->arch];
    decoder_info *in = &m->info;
    int rc;
    uint32_t H, F, NL, NH, NKV, CTX, HD, VD, ROT, pooling, swa = 0, period = 6;
    float base, base_swa = 10000.0f;
    if ((rc = mm_kernels_select(&m->mm, err)))
        goto fail;
    if ((rc = arch_u32(g, A, "embedding_length", -1, 1, 16384, &H, err)) ||
        (rc = arch_u32(g, A, "feed_forward_length", -1, 1, 131072, &F, err)) ||
        (rc = arch_u32(g, A, "block_count", -1, 1, 256, &NL, err)) ||
        (rc = arch_u32(g, A, "attention.head_count", -1, 1, 1024, &NH, err)) ||
        (rc = arch_u32(g, A, "attention.head_count_kv", NH, 1, NH, &NKV, err)) ||
        (rc = arch_u32(g, A, "context_length", -1, 2, 1u << 20, &CTX, err)) ||
        (rc = arch_u32(g, A, "attention.key_length", H / NH, 2, DECODER_MAX_HEAD_DIM, &HD, err)) ||
        (rc = arch_u32(g, A, "attention.value_length", HD, HD, HD, &VD, err)) ||
        (rc = arch_u32(g, A, "rope.dimension_count", HD, HD, HD, &ROT, err)) ||
        (rc = arch_u32(g, A, "pooling_type", m->arch == ARCH_QWEN3 ? 3 : 1, 1, 3, &pooling, err)) ||
        (rc = arch_f32(g, A, "attention.layer_norm_rms_epsilon", NAN, 0.0f, 1.0f, &in->eps, err)) ||
        (rc = arch_f32(g, A, "rope.freq_base", 10000.0f, 0.0f, 1e30f, &base, err)))
        goto fail;
    if (NH % NKV || HD % 2) {
        rc = sv_fail(err, SV_EXIT_DATA, "architecture '%s': head_count %u is not a multiple of head_count_kv %u, or "
                     "key_length %u is odd", A, NH, NKV, HD);
        goto fail;
    }
    if (pooling == 2) {
        rc = sv_fail(err, SV_EXIT_DATA, "architecture '%s': pooling_type 2 (CLS) is not supported here: use 1 (mean) "
                     "or 3 (last)", A);
        goto fail;
    }
    if (m->arch == ARCH_GEMMA &&
        ((rc = arch_u32(g, A, "attention.sliding_window", -1, 1, 1u << 20, &swa, err)) ||
         (rc = arch_u32(g, A, "attention.sliding_window_pattern", 6, 1, 256, &period, err)) ||
         (rc = arch_f32(g, A, "rope.freq_base_swa", 10000.0f, 0.0f, 1e30f, &base_swa, err))))
        goto fail;
    in->hidden = (int)H;
    in->ffn = (int)F;
    in->layers = (int)NL;
    in->heads = (int)NH;
    in->heads_kv = (int)NKV;
    in->head_dim = (int)HD;
    in->ctx = (int)CTX;
    in->pooling = (int)pooling;
    m->window = (int)(swa / 2);
    m->n_rot = (int)ROT;

    const gguf_tensor *te = gguf_find_tensor(g, "token_embd.weight");
    if (!te || te->n_dims != 2 || te->ne[1] > INT32_MAX) {
        rc = sv_fail(err, SV_EXIT_DATA, "tensor 'token_embd.weight' %s", te ? "must be 2-D [hidden, vocab]" : "is missing");
        goto fail;
    }
    if ((rc = find(g, "token_embd.weight", H, te->ne[1], 1, &m->tok_embd, err)))
        goto fail;
    in->vocab = (int)te->ne[1];

    const gguf_tensor *d2 = gguf_find_tensor(g, "dense_2.weight"), *d3 = gguf_find_tensor(g, "dense_3.weight");
    if (m->arch == ARCH_GEMMA && (d2 || d3)) {
        if (!d2 || !d3 || d2->n_dims != 2) {
            rc = sv_fail(err, SV_EXIT_DATA, "tensor 'dense_%d.weight' is missing or not 2-D (the dense projections "
                         "come in pairs)", d2 && d2->n_dims == 2 ? 3 : 2);
            goto fail;
        }
        m->dense_dims = (int)d2->ne[1];
        if ((rc = find_matrix(g, "dense_2.weight", H, d2->ne[1], &m->dense2, err)) ||
            (rc = find_matrix(g, "dense_3.weight", d2->ne[1], H, &m->dense3, err)))
            goto fail;
        in->dense = 1;
    }

    size_t QD = (size_t)NH * HD, KD = (size_t)NKV * HD;
    size_t per_layer = 2 * (size_t)H + 2 * HD + (m->arch == ARCH_GEMMA ? 2 * (size_t)H : 0);
    if (!(m->layers = calloc(NL, sizeof *m->layers)) ||
        !(m->arena = malloc((per_layer * NL + H) * sizeof(float)))) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto fail;
    }
    float *next = m->arena;
    if ((rc = load_vector(g, "output_norm.weight", H, &next, &m->output_norm, err)))
        goto fail;
    for (uint32_t l = 0; l < NL; l++) {
        decoder_layer *L = &m->layers[l];
        char name[96];
#define NAME(s) (snprintf(name, sizeof name, "blk.%u.%s", l, s), name)
        if ((rc = find_matrix(g, NAME("attn_q.weight"), H, QD, &L->wq, err)) ||
            (rc = find_matrix(g, NAME("attn_k.weight"), H, KD, &L->wk, err)) ||
            (rc = find_matrix(g, NAME("attn_v.weight"), H, KD, &L->wv, err)) ||
            (rc = find_matrix(g, NAME("attn_output.weight"), QD, H, &L->wo, err)) ||
            (rc = find_matrix(g, NAME("ffn_gate.weight"), H, F, &L->wgate, err)) ||
            (rc = find_matrix(g, NAME("ffn_up.weight"), H, F, &L->wup, err)) ||
            (rc = find_matrix(g, NAME("ffn_down.weight"), F, H, &L->wdown, err)) ||
            (rc = load_vector(g, NAME("attn_norm.weight"), H, &next, &L->attn_norm, err)) ||
            (rc = load_vector(g, NAME("attn_q_norm.weight"), HD, &next, &L->q_norm, err)) ||
            (rc = load_vector(g, NAME("attn_k_norm.weight"), HD, &next, &L->k_norm, err)) ||
            (rc = load_vector(g, NAME("ffn_norm.weight"), H, &next, &L->ffn_norm, err)))
            goto fail;
        if (m->arch == ARCH_GEMMA &&
            ((rc = load_vector(g, NAME("post_attention_norm.weight"), H, &next, &L->post_attn_norm, err)) ||
             (rc = load_vector(g, NAME("post_ffw_norm.weight"), H, &next, &L->post_ffw_norm, err))))
            goto fail;
#undef NAME
        L->swa = m->arch == ARCH_GEMMA && l % period < period - 1;
        L->rope_base = L->swa ? base_swa : base;
    }
    in->weight_type = m->layers[0].wo.type;
    m->gemm = gemm_select();
    bert_gelu(0.0f); /* builds the GELU table once, before threads read it */
    *out = m;
    return 0;
fail:
    decoder_free(m);
    return rc;
}

void decoder_free(decoder_model *m)
{
    if (!m)
        return;
    free(m->arena);
    free(m->layers);
    free(m);
}

const decoder_info *decoder_get_info(const decoder_model *m) { return &m->info; }

/* ------------------------------------------------------------------ forward */

void decoder_rms_norm(float *y, size_t n, const float *w, float eps)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (double)y[i] * y[i];
    float scale = 1.0f / sqrtf((float)(sum / (double)n) + eps);
    for (size_t i = 0; i < n; i++)
        y[i] *= scale;
    if (w)
        for (size_t i = 0; i < n; i++)
            y[i] *= w[i];
}

static float round_f16(float x) { return gguf_f16_to_f32(gguf_f32_to_f16(x)); }

/* Per thread. */
typedef struct dec_thread {
    mm_scratch *mm;
    float *h, *o, *gate, *up; /* chunk × H, chunk × H, chunk × F, chunk × F */
    float *scores;            /* longest text², one head's attention */
} dec_thread;

typedef struct dec_ctx {
    const decoder_model *m;
    const int32_t *const *ids;
    const size_t *lens;
    size_t n, tokens, chunk, *start;
    float *x, *q, *k, *v, *attn; /* tokens × H, × QD, × KD, × KD, × QD */
    float *out;
    dec_thread *th;
    int nth;
    atomic_int failed;
    pthread_barrier_t barrier;
    pthread_mutex_t gate_mu;   /* workers wait at the gate until the barrier counts them */
    pthread_cond_t gate_cv;
    int gate_open;
    atomic_size_t *next; /* one work counter per phase, so none needs resetting */
} dec_ctx;

static void mul(dec_ctx *c, dec_thread *th, const mm_matrix *w, const float *x, size_t ldx, size_t rows, float *y,
                size_t ldy)
{
    if (mm_mul(c->m->mm, w, x, ldx, rows, y, ldy, NULL, 0, th->mm))
        atomic_store(&c->failed, 1);
}

/* The text holding token row t (start[] is increasing). */
static size_t text_of(const dec_ctx *c, size_t t)
{
    size_t lo = 0, hi = c->n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (c->start[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* NEOX RoPE of the heads in row (heads × hd) at position pos. */
static void rope(float *row, size_t heads, size_t hd, size_t n_rot, float base, size_t pos)
{
    float cs[DECODER_MAX_HEAD_DIM]; /* cos, sin per rotated pair */
    size_t half = n_rot / 2;
    float theta_scale = powf(base, -2.0f / (float)n_rot), theta = (float)pos;
    for (size_t i = 0; i < half; i++) {
        cs[2 * i] = cosf(theta);
        cs[2 * i + 1] = sinf(theta);
        theta *= theta_scale;
    }
    for (size_t h = 0; h < heads; h++) {
        float *v = row + h * hd;
        for (size_t i = 0; i < half; i++) {
            float x0 = v[i], x1 = v[i + half];
            v[i] = x0 * cs[2 * i] - x1 * cs[2 * i + 1];
            v[i + half] = x0 * cs[2 * i + 1] + x1 * cs[2 * i];
        }
    }
}

/* Rows [r0, r1) before attention in layer l: embeddings (l == 0), norm, Q K V, q/k norms,
 * RoPE, the KV cache's fp16 rounding (qwen3). */
static void pre_attention_rows(dec_ctx *c, dec_thread *th, int l, size_t r0, size_t r1)
{
    const decoder_model *m = c->m;
    const decoder_info *in = &m->info;
    const decoder_layer *L = &m->layers[l];
    size_t H = (size_t)in->hidden, HD = (size_t)in->head_dim, NH = (size_t)in->heads, NKV = (size_t)in->heads_kv;
    size_t QD = NH * HD, KD = NKV * HD, R = r1 - r0;
    if (l == 0)
        for (size_t t = r0; t < r1; t++) {
            size_t s = text_of(c, t);
            float *x = c->x + t * H;
            gguf_dequantize(m->tok_embd, (uint64_t)c->ids[s][t - c->start[s]] * H, H, x);
            if (m->arch == ARCH_GEMMA) {
                float scale = sqrtf((float)H);
                for (size_t i = 0; i < H; i++)
                    x[i] *= scale;
            }
        }
    memcpy(th->h, c->x + r0 * H, R * H * sizeof(float));
    for (size_t r = 0; r < R; r++)
        decoder_rms_norm(th->h + r * H, H, L->attn_norm, in->eps);
    mul(c, th, &L->wq, th->h, H, R, c->q + r0 * QD, QD);
    mul(c, th, &L->wk, th->h, H, R, c->k + r0 * KD, KD);
    mul(c, th, &L->wv, th->h, H, R, c->v + r0 * KD, KD);
    float qscale = m->arch == ARCH_GEMMA ? 1.0f / sqrtf((float)HD) : 1.0f;
    for (size_t t = r0; t < r1; t++) {
        size_t pos = t - c->start[text_of(c, t)];
        float *q = c->q + t * QD, *k = c->k + t * KD, *v = c->v + t * KD;
        for (size_t h = 0; h < NH; h++)
            decoder_rms_norm(q + h * HD, HD, L->q_norm, in->eps);
        for (size_t h = 0; h < NKV; h++)
            decoder_rms_norm(k + h * HD, HD, L->k_norm, in->eps);
        rope(q, NH, HD, (size_t)m->n_rot, L->rope_base, pos);
        rope(k, NKV, HD, (size_t)m->n_rot, L->rope_base, pos);
        if (m->arch == ARCH_GEMMA) {
            for (size_t i = 0; i < QD; i++)
                q[i] *= qscale; /* gemma-embedding.cpp scales Q itself; kq_scale is then 1 */
        } else {
            for (size_t i = 0; i < QD; i++)
                q[i] = round_f16(q[i]);
            for (size_t i = 0; i < KD; i++) {
                k[i] = round_f16(k[i]);
                v[i] = round_f16(v[i]);
            }
        }
    }
}

/* Head `head` of text `s` in layer l: softmax(q kᵀ · scale + mask) v into attn. */
static void attention_pair(dec_ctx *c, dec_thread *th, int l, size_t s, size_t head)
{
    const decoder_model *m = c->m;
    const decoder_info *in = &m->info;
    size_t HD = (size_t)in->head_dim, QD = (size_t)in->heads * HD, KD = (size_t)in->heads_kv * HD;
    size_t g = head / ((size_t)in->heads / (size_t)in->heads_kv);
    size_t Lt = c->lens[s], t0 = c->start[s];
    const float *Q = c->q + t0 * QD + head * HD, *K = c->k + t0 * KD + g * HD, *V = c->v + t0 * KD + g * HD;
    float *S = th->scores;
    float scale = m->arch == ARCH_QWEN3 ? 1.0f / sqrtf((float)HD) : 1.0f;
    m->gemm->nt((int)Lt, (int)Lt, (int)HD, scale, Q, (int)QD, K, (int)KD, 0.0f, S, (int)Lt);
    int swa = m->layers[l].swa;
    size_t w = (size_t)m->window;
    for (size_t i = 0; i < Lt; i++) {
        float *row = S + i * Lt;
        /* the keys this query sees are one contiguous run [lo, hi) */
        size_t lo = 0, hi = Lt;
        if (m->arch == ARCH_QWEN3)
            hi = i + 1;
        else if (swa) {
            lo = i > w ? i - w : 0;
            hi = i + w + 1 < Lt ? i + w + 1 : Lt;
        }
        bert_softmax_row(row + lo, hi - lo);
        for (size_t j = 0; j < lo; j++)
            row[j] = 0.0f;
        for (size_t j = hi; j < Lt; j++)
            row[j] = 0.0f;
        if (m->arch == ARCH_QWEN3)
            for (size_t j = lo; j < hi; j++)
                row[j] = round_f16(row[j]);
    }
    m->gemm->nn((int)Lt, (int)HD, (int)Lt, 1.0f, S, (int)Lt, V, (int)KD, 0.0f, c->attn + t0 * QD + head * HD, (int)QD);
}

/* Rows [r0, r1) after attention in layer l: output projection, feed-forward, residuals, and
 * after the last layer the output norm. */
static void post_attention_rows(dec_ctx *c, dec_thread *th, int l, size_t r0, size_t r1)
{
    const decoder_model *m = c->m;
    const decoder_info *in = &m->info;
    const decoder_layer *L = &m->layers[l];
    size_t H = (size_t)in->hidden, F = (size_t)in->ffn, QD = (size_t)in->heads * (size_t)in->head_dim, R = r1 - r0;
    float *x = c->x + r0 * H, *o = th->o, *h = th->h;
    mul(c, th, &L->wo, c->attn + r0 * QD, QD, R, o, H);
    for (size_t r = 0; r < R; r++) {
        if (L->post_attn_norm)
            decoder_rms_norm(o + r * H, H, L->post_attn_norm, in->eps);
        for (size_t i = 0; i < H; i++)
            x[r * H + i] += o[r * H + i];
    }
    memcpy(h, x, R * H * sizeof(float));
    for (size_t r = 0; r < R; r++)
        decoder_rms_norm(h + r * H, H, L->ffn_norm, in->eps);
    mul(c, th, &L->wgate, h, H, R, th->gate, F);
    mul(c, th, &L->wup, h, H, R, th->up, F);
    if (m->arch == ARCH_QWEN3) {
        for (size_t i = 0; i < R * F; i++)
            th->gate[i] = th->gate[i] / (1.0f + expf(-th->gate[i])) * th->up[i]; /* ggml_swiglu */
    } else {
        bert_gelu_row(th->gate, R * F); /* ggml_geglu_split */
        for (size_t i = 0; i < R * F; i++)
            th->gate[i] *= th->up[i];
    }
    mul(c, th, &L->wdown, th->gate, F, R, o, H);
    for (size_t r = 0; r < R; r++) {
        if (L->post_ffw_norm)
            decoder_rms_norm(o + r * H, H, L->post_ffw_norm, in->eps);
        for (size_t i = 0; i < H; i++)
            x[r * H + i] += o[r * H + i];
        if (l == in->layers - 1)
            decoder_rms_norm(x + r * H, H, m->output_norm, in->eps);
    }
}

static void forward(dec_ctx *c, int ith)
{
    const decoder_model *m = c->m;
    const decoder_info *in = &m->info;
    dec_thread *th = &c->th[ith];
    size_t H = (size_t)in->hidden, chunks = (c->tokens + c->chunk - 1) / c->chunk;
    size_t pairs = c->n * (size_t)in->heads, phase = 0;
    for (int l = 0; l < in->layers; l++) {
        for (size_t k; (k = atomic_fetch_add(&c->next[phase], 1)) < chunks;)
            pre_attention_rows(c, th, l, k * c->chunk, k * c->chunk + c->chunk < c->tokens ? k * c->chunk + c->chunk : c->tokens);
        pthread_barrier_wait(&c->barrier);
        phase++;
        for (size_t k; (k = atomic_fetch_add(&c->next[phase], 1)) < pairs;)
            attention_pair(c, th, l, k / (size_t)in->heads, k % (size_t)in->heads);
        pthread_barrier_wait(&c->barrier);
        phase++;
        for (size_t k; (k = atomic_fetch_add(&c->next[phase], 1)) < chunks;)
            post_attention_rows(c, th, l, k * c->chunk, k * c->chunk + c->chunk < c->tokens ? k * c->chunk + c->chunk : c->tokens);
        pthread_barrier_wait(&c->barrier);
        phase++;
    }
    /* Pooling, texts split across threads; the dense projections and normalisation follow. */
    for (size_t s = (size_t)ith; s < c->n; s += (size_t)c->nth) {
        float *o = c->out + s * H;
        size_t t0 = c->start[s], len = c->lens[s];
        if (in->pooling == 1) {
            for (size_t i = 0; i < H; i++) {
                double acc = 0.0;
                for (size_t t = 0; t < len; t++)
                    acc += c->x[(t0 + t) * H + i];
                o[i] = (float)(acc / (double)len);
            }
        } else {
            memcpy(o, c->x + (t0 + len - 1) * H, H * sizeof(float));
        }
    }
}

typedef struct worker_arg {
    dec_ctx *c;
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

static void normalise(float *v, size_t n)
{
    double nrm = 0.0;
    for (size_t i = 0; i < n; i++)
        nrm += (double)v[i] * v[i];
    if (nrm > 0.0) {
        float inv = (float)(1.0 / sqrt(nrm));
        for (size_t i = 0; i < n; i++)
            v[i] *= inv;
    }
}

int decoder_embed_batch(const decoder_model *m, int threads, const int32_t *const *ids, const size_t *lens, size_t n,
                        float *out, char err[SV_ERR_LEN])
{
    const decoder_info *in = &m->info;
    if (n == 0)
        return 0;
    size_t tokens = 0, maxlen = 0;
    for (size_t s = 0; s < n; s++) {
        if (lens[s] < 1 || lens[s] > (size_t)in->ctx)
            return sv_fail(err, SV_EXIT_DATA, "text %zu has %zu tokens; the model takes 1 to %d", s, lens[s], in->ctx);
        for (size_t t = 0; t < lens[s]; t++)
            if (ids[s][t] < 0 || ids[s][t] >= in->vocab)
                return sv_fail(err, SV_EXIT_DATA, "token id %d is outside the %d-token vocabulary", ids[s][t],
                               in->vocab);
        tokens += lens[s];
        maxlen = lens[s] > maxlen ? lens[s] : maxlen;
    }
    threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
    size_t H = (size_t)in->hidden, F = (size_t)in->ffn, QD = (size_t)in->heads * (size_t)in->head_dim;
    size_t KD = (size_t)in->heads_kv * (size_t)in->head_dim;
    dec_ctx c = {.m = m, .ids = ids, .lens = lens, .n = n, .tokens = tokens, .out = out};
    c.chunk = mm_chunk_rows(tokens);
    int rc = 0, started = 1;
    pthread_t tid[64];
    worker_arg args[64];
    c.start = malloc((n + 1) * sizeof *c.start);
    c.x = malloc(tokens * H * sizeof(float));
    c.q = malloc(tokens * QD * sizeof(float));
    c.k = malloc(tokens * KD * sizeof(float));
    c.v = malloc(tokens * KD * sizeof(float));
    c.attn = malloc(tokens * QD * sizeof(float));
    c.next = calloc(3 * (size_t)in->layers, sizeof *c.next);
    c.th = calloc((size_t)threads, sizeof *c.th);
    float *pooled = in->dense ? malloc(n * (H + (size_t)m->dense_dims) * sizeof(float)) : NULL;
    if (!c.start || !c.x || !c.q || !c.k || !c.v || !c.attn || !c.next || !c.th || (in->dense && !pooled)) {
        rc = sv_fail(err, SV_EXIT_FAILED, "out of memory for a batch of %zu tokens", tokens);
        goto cleanup;
    }
    for (int i = 0; i < threads; i++) {
        dec_thread *t = &c.th[i];
        t->mm = mm_scratch_new();
        t->h = malloc(c.chunk * H * sizeof(float));
        t->o = malloc(c.chunk * H * sizeof(float));
        t->gate = malloc(c.chunk * F * sizeof(float));
        t->up = malloc(c.chunk * F * sizeof(float));
        t->scores = malloc(maxlen * maxlen * sizeof(float));
        if (!t->mm || !t->h || !t->o || !t->gate || !t->up || !t->scores) {
            rc = sv_fail(err, SV_EXIT_FAILED, "out of memory for a batch of %zu tokens", tokens);
            goto cleanup;
        }
    }
    c.start[0] = 0;
    for (size_t s = 0; s < n; s++)
        c.start[s + 1] = c.start[s] + lens[s];
    for (size_t i = 0; i < 3 * (size_t)in->layers; i++)
        atomic_init(&c.next[i], 0);
    atomic_init(&c.failed, 0);
    /* Workers wait at the gate until we know how many of them started: the barrier must count
     * exactly the threads that run (pthread_create can fail under a thread limit). */
    pthread_mutex_init(&c.gate_mu, NULL);
    pthread_cond_init(&c.gate_cv, NULL);
    for (int i = 1; i < threads; i++) {
        args[i] = (worker_arg){&c, i};
        if (pthread_create(&tid[i], NULL, worker, &args[i]) != 0)
            break;
        started++;
    }
    c.nth = started;
    pthread_barrier_init(&c.barrier, NULL, (unsigned)started);
    pthread_mutex_lock(&c.gate_mu);
    c.gate_open = 1;
    pthread_cond_broadcast(&c.gate_cv);
    pthread_mutex_unlock(&c.gate_mu);
    forward(&c, 0);
    for (int i = 1; i < started; i++)
        pthread_join(tid[i], NULL);
    pthread_barrier_destroy(&c.barrier);
    pthread_cond_destroy(&c.gate_cv);
    pthread_mutex_destroy(&c.gate_mu);
    if (atomic_load(&c.failed)) {
        rc = sv_fail(err, SV_EXIT_FAILED, "out of memory in a matrix product for a batch of %zu tokens", tokens);
        goto cleanup;
    }
    if (in->dense) { /* the n pooled vectors through dense_2 then dense_3, on this thread */
        float *mid = pooled + n * H;
        size_t D = (size_t)m->dense_dims;
        if (mm_mul(m->mm, &m->dense2, out, H, n, mid, D, NULL, 0, c.th[0].mm) ||
            mm_mul(m->mm, &m->dense3, mid, D, n, out, H, NULL, 0, c.th[0].mm)) {
            rc = sv_fail(err, SV_EXIT_FAILED, "out of memory in the dense projections");
            goto cleanup;
        }
    }
    for (size_t s = 0; s < n; s++)
        normalise(out + s * H, H);
cleanup:
    for (int i = 0; c.th && i < threads; i++) {
        mm_scratch_free(c.th[i].mm);
        free(c.th[i].h);
        free(c.th[i].o);
        free(c.th[i].gate);
        free(c.th[i].up);
        free(c.th[i].scores);
    }
    free(c.th);
    free(c.next);
    free(c.start);
    free(c.x);
    free(c.q);
    free(c.k);
    free(c.v);
    free(c.attn);
    free(pooled);
    return rc;
}
