#include "gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct gguf_file {
    const unsigned char *base; /* the whole file */
    size_t size;
    int mapped;                /* 1: base is our mmap, unmapped by gguf_free */
    uint32_t version;
    uint64_t n_kv, n_tensors;
    gguf_kv *kvs;              /* n_kv */
    gguf_tensor *tensors;      /* n_tensors, file order */
    uint32_t *by_name;         /* tensor indices sorted by name, for lookup and duplicates */
};

/* A bounds-checked cursor over the file. Every read checks the bytes left first. */
typedef struct cursor {
    const unsigned char *p, *end;
} cursor;

static uint64_t rd_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int cur_take(cursor *c, uint64_t n, const unsigned char **out)
{
    if ((uint64_t)(c->end - c->p) < n)
        return -1;
    *out = c->p;
    c->p += n;
    return 0;
}

static int cur_u32(cursor *c, uint32_t *v)
{
    const unsigned char *p;
    if (cur_take(c, 4, &p))
        return -1;
    *v = (uint32_t)rd_le(p, 4);
    return 0;
}

static int cur_u64(cursor *c, uint64_t *v)
{
    const unsigned char *p;
    if (cur_take(c, 8, &p))
        return -1;
    *v = rd_le(p, 8);
    return 0;
}

static int cur_str(cursor *c, gguf_str *s)
{
    const unsigned char *p;
    if (cur_u64(c, &s->len) || cur_take(c, s->len, &p))
        return -1;
    s->ptr = (const char *)p;
    return 0;
}

/* Bytes of one scalar value type; 0 for string/array/unknown. */
static int vtype_size(uint32_t t)
{
    switch (t) {
    case GGUF_T_U8: case GGUF_T_I8: case GGUF_T_BOOL: return 1;
    case GGUF_T_U16: case GGUF_T_I16: return 2;
    case GGUF_T_U32: case GGUF_T_I32: case GGUF_T_F32: return 4;
    case GGUF_T_U64: case GGUF_T_I64: case GGUF_T_F64: return 8;
    default: return 0;
    }
}

/* ggml type table: block size (elements) and bytes per block. Only F32/F16/BF16/Q8_0 are
 * dequantized; the others are known so a file carrying them can still be size-checked. */
typedef struct type_info {
    uint32_t type;
    const char *name;
    uint32_t block, bytes;
} type_info;

static const type_info types[] = {
    {0, "F32", 1, 4},      {1, "F16", 1, 2},       {2, "Q4_0", 32, 18},   {3, "Q4_1", 32, 20},
    {6, "Q5_0", 32, 22},   {7, "Q5_1", 32, 24},    {8, "Q8_0", 32, 34},   {9, "Q8_1", 32, 36},
    {10, "Q2_K", 256, 84}, {11, "Q3_K", 256, 110}, {12, "Q4_K", 256, 144}, {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210}, {15, "Q8_K", 256, 292}, {24, "I8", 1, 1},     {25, "I16", 1, 2},
    {26, "I32", 1, 4},     {27, "I64", 1, 8},      {28, "F64", 1, 8},     {30, "BF16", 1, 2},
};

static const type_info *type_lookup(uint32_t t)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i].type == t)
            return &types[i];
    return NULL;
}

const char *gguf_type_name(uint32_t type)
{
    const type_info *ti = type_lookup(type);
    return ti ? ti->name : "unknown";
}

int gguf_type_supported(uint32_t type)
{
    return type == GGML_T_F32 || type == GGML_T_F16 || type == GGML_T_BF16 || type == GGML_T_Q8_0 ||
           type == GGML_T_Q4_0 || type == GGML_T_Q4_1 || type == GGML_T_Q5_0 || type == GGML_T_Q5_1 ||
           type == GGML_T_Q4_K || type == GGML_T_Q5_K || type == GGML_T_Q6_K;
}

/* The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K super-block: 12 bytes hold
 * eight 6-bit scales and eight 6-bit mins; sub-blocks 4..7 keep their top 2 bits in the top
 * bits of bytes 0..7. */
static void k4_scale_min(int j, const unsigned char *q, int *sc, int *m)
{
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0x0f) | (q[j - 4] >> 6) << 4;
        *m = (q[j + 4] >> 4) | (q[j] >> 6) << 4;
    }
}

const char *gguf_str_print(gguf_str s, char *buf, size_t bufsize)
{
    size_t n = 0;
    if (bufsize == 0)
        return buf;
    for (uint64_t i = 0; i < s.len && n + 4 < bufsize; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];
        buf[n++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (s.len > 0 && n < s.len && n + 4 <= bufsize) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

static int str_eq(gguf_str s, const char *z)
{
    size_t n = strlen(z);
    return s.len == n && memcmp(s.ptr, z, n) == 0;
}

static int str_cmp(gguf_str a, gguf_str b)
{
    uint64_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, (size_t)n) : 0;
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

/* Skips one value of type t (not an array) at c. */
static int skip_scalar_or_string(cursor *c, uint32_t t)
{
    const unsigned char *p;
    if (t == GGUF_T_STRING) {
        gguf_str s;
        return cur_str(c, &s);
    }
    int sz = vtype_size(t);
    if (!sz)
        return -1;
    return cur_take(c, (uint64_t)sz, &p);
}

/* qsort over tensor indices needs the table: a file-static is not thread-safe, so sort with
 * a small merge sort that takes the table as an argument instead. */
static void sort_by_name(uint32_t *idx, uint32_t *tmp, size_t n, const gguf_tensor *t)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_by_name(idx, tmp, h, t);
    sort_by_name(idx + h, tmp, n - h, t);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = str_cmp(t[idx[j]].name, t[idx[i]].name) < 0 ? idx[j++] : idx[i++];
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

static int parse(gguf_file *g, char err[SV_ERR_LEN])
{
    cursor c = {g->base, g->base + g->size};
    const unsigned char *p;
    char nb[80];

    if (g->size < 24 || memcmp(g->base, "GGUF", 4) != 0)
        return sv_fail(err, SV_EXIT_DATA, "not a GGUF file (no \"GGUF\" magic in the first 4 bytes, or shorter than its 24-byte header)");
    c.p += 4;
    cur_u32(&c, &g->version);
    if (g->version != 2 && g->version != 3)
        return sv_fail(err, SV_EXIT_DATA, "unsupported GGUF version %u (this reader handles 2 and 3)", g->version);
    cur_u64(&c, &g->n_tensors);
    cur_u64(&c, &g->n_kv);

    /* Each kv needs at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at least
     * 8 + 4 + 8 + 4 + 8. Checking the counts against the bytes left bounds every allocation. */
    uint64_t left = (uint64_t)(c.end - c.p);
    if (g->n_kv > left / 13)
        return sv_fail(err, SV_EXIT_DATA, "metadata count %llu is impossible for a %zu-byte file (truncated or corrupt)",
                       (unsigned long long)g->n_kv, g->size);
    if (g->n_tensors > left / 32 || g->n_tensors > UINT32_MAX)
        return sv_fail(err, SV_EXIT_DATA, "tensor count %llu is impossible for a %zu-byte file (truncated or corrupt)",
                       (unsigned long long)g->n_tensors, g->size);
    g->kvs = calloc(g->n_kv ? g->n_kv : 1, sizeof *g->kvs);
    g->tensors = calloc(g->n_tensors ? g->n_tensors : 1, sizeof *g->tensors);
    g->by_name = calloc(g->n_tensors ? g->n_tensors : 1, sizeof *g->by_name);
    if (!g->kvs || !g->tensors || !g->by_name)
        return sv_fail(err, SV_EXIT_DATA, "out of memory reading GGUF header");

    uint32_t alignment = 32;
    for (uint64_t i = 0; i < g->n_kv; i++) {
        gguf_kv *kv = &g->kvs[i];
        if (cur_str(&c, &kv->key) || cur_u32(&c, &kv->type))
            return sv_fail(err, SV_EXIT_DATA, "truncated in metadata entry %llu of %llu",
                           (unsigned long long)i, (unsigned long long)g->n_kv);
        kv->val = c.p;
        if (kv->type == GGUF_T_ARRAY) {
            if (cur_u32(&c, &kv->arr_type) || cur_u64(&c, &kv->arr_n))
                return sv_fail(err, SV_EXIT_DATA, "truncated array header in metadata '%s'",
                               gguf_str_print(kv->key, nb, sizeof nb));
            kv->val = c.p;
            int esz = vtype_size(kv->arr_type);
            if (kv->arr_type == GGUF_T_STRING) {
                if (kv->arr_n > (uint64_t)(c.end - c.p) / 8)
                    return sv_fail(err, SV_EXIT_DATA, "metadata '%s': %llu strings cannot fit in the file",
                                   gguf_str_print(kv->key, nb, sizeof nb), (unsigned long long)kv->arr_n);
                for (uint64_t k = 0; k < kv->arr_n; k++)
                    if (skip_scalar_or_string(&c, GGUF_T_STRING))
                        return sv_fail(err, SV_EXIT_DATA, "metadata '%s': string %llu runs past the end of the file",
                                       gguf_str_print(kv->key, nb, sizeof nb), (unsigned long long)k);
            } else if (esz) {
                if (kv->arr_n > (uint64_t)(c.end - c.p) / (uint64_t)esz || cur_take(&c, kv->arr_n * (uint64_t)esz, &p))
                    return sv_fail(err, SV_EXIT_DATA, "metadata '%s': array of %llu elements runs past the end of the file",
                                   gguf_str_print(kv->key, nb, sizeof nb), (unsigned long long)kv->arr_n);
            } else {
                return sv_fail(err, SV_EXIT_DATA, "metadata '%s': unsupported array element type %u",
                               gguf_str_print(kv->key, nb, sizeof nb), kv->arr_type);
            }
        } else if (kv->type == GGUF_T_STRING || vtype_size(kv->type)) {
            if (skip_scalar_or_string(&c, kv->type))
                return sv_fail(err, SV_EXIT_DATA, "metadata '%s': value runs past the end of the file",
                               gguf_str_print(kv->key, nb, sizeof nb));
        } else {
            return sv_fail(err, SV_EXIT_DATA, "metadata '%s': unknown value type %u",
                           gguf_str_print(kv->key, nb, sizeof nb), kv->type);
        }
        for (uint64_t k = 0; k < i; k++) /* n_kv is small in any real file; bounded above */
            if (str_cmp(g->kvs[k].key, kv->key) == 0)
                return sv_fail(err, SV_EXIT_DATA, "duplicate metadata key '%s'", gguf_str_print(kv->key, nb, sizeof nb));
        if (str_eq(kv->key, "general.alignment")) {
            if (kv->type != GGUF_T_U32)
                return sv_fail(err, SV_EXIT_DATA, "general.alignment has type %u, want u32", kv->type);
            alignment = (uint32_t)rd_le(kv->val, 4);
            if (alignment == 0 || (alignment & (alignment - 1)) != 0)
                return sv_fail(err, SV_EXIT_DATA, "general.alignment %u is not a power of two", alignment);
        }
    }

    for (uint64_t i = 0; i < g->n_tensors; i++) {
        gguf_tensor *t = &g->tensors[i];
        uint64_t offset;
        if (cur_str(&c, &t->name) || cur_u32(&c, &t->n_dims))
            return sv_fail(err, SV_EXIT_DATA, "truncated in tensor info %llu of %llu",
                           (unsigned long long)i, (unsigned long long)g->n_tensors);
        gguf_str_print(t->name, nb, sizeof nb);
        if (t->n_dims < 1 || t->n_dims > 4)
            return sv_fail(err, SV_EXIT_DATA, "tensor '%s': %u dimensions (1 to 4 allowed)", nb, t->n_dims);
        t->n_elems = 1;
        for (uint32_t d = 0; d < 4; d++) {
            t->ne[d] = 1;
            if (d < t->n_dims && cur_u64(&c, &t->ne[d]))
                return sv_fail(err, SV_EXIT_DATA, "tensor '%s': truncated dimensions", nb);
            if (t->ne[d] == 0 || t->ne[d] > ((uint64_t)1 << 40) || t->n_elems > (((uint64_t)1 << 62) / t->ne[d]))
                return sv_fail(err, SV_EXIT_DATA, "tensor '%s': dimension %u = %llu is out of range", nb, d,
                               (unsigned long long)t->ne[d]);
            t->n_elems *= t->ne[d];
        }
        if (cur_u32(&c, &t->type) || cur_u64(&c, &offset))
            return sv_fail(err, SV_EXIT_DATA, "tensor '%s': truncated type/offset", nb);
        const type_info *ti = type_lookup(t->type);
        if (!ti)
            return sv_fail(err, SV_EXIT_DATA, "tensor '%s': unknown ggml type %u", nb, t->type);
        if (t->ne[0] % ti->block)
            return sv_fail(err, SV_EXIT_DATA, "tensor '%s': row length %llu is not a multiple of the %s block size %u",
                           nb, (unsigned long long)t->ne[0], ti->name, ti->block);
        t->nbytes = t->n_elems / ti->block * ti->bytes; /* n_elems < 2^62/.. and bytes <= 292: no overflow */
        if (offset % alignment)
            return sv_fail(err, SV_EXIT_DATA, "tensor '%s': offset %llu is not a multiple of the alignment %u",
                           nb, (unsigned long long)offset, alignment);
        t->data = (const unsigned char *)(uintptr_t)offset; /* resolved below, once the data start is known */
        g->by_name[i] = (uint32_t)i;
    }

    uint64_t pos = (uint64_t)(c.p - g->base);
    uint64_t data_start = (pos + alignment - 1) / alignment * alignment;
    if (data_start > g->size && g->n_tensors > 0)
        return sv_fail(err, SV_EXIT_DATA, "file ends (%zu bytes) before its tensor data section starts at %llu (truncated)",
                       g->size, (unsigned long long)data_start);
    uint64_t data_len = data_start <= g->size ? g->size - data_start : 0;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        gguf_tensor *t = &g->tensors[i];
        uint64_t offset = (uint64_t)(uintptr_t)t->data;
        if (offset > data_len || t->nbytes > data_len - offset)
            return sv_fail(err, SV_EXIT_DATA,
                           "tensor '%s' (%s, %llu bytes at data offset %llu) runs past the end of the file (%llu data bytes): truncated?",
                           gguf_str_print(t->name, nb, sizeof nb), gguf_type_name(t->type),
                           (unsigned long long)t->nbytes, (unsigned long long)offset, (unsigned long long)data_len);
        t->data = g->base + data_start + offset;
    }

    if (g->n_tensors > 1) {
        uint32_t *tmp = malloc(g->n_tensors * sizeof *tmp);
        if (!tmp)
            return sv_fail(err, SV_EXIT_DATA, "out of memory reading GGUF header");
        sort_by_name(g->by_name, tmp, g->n_tensors, g->tensors);
        free(tmp);
        for (uint64_t i = 1; i < g->n_tensors; i++)
            if (str_cmp(g->tensors[g->by_name[i - 1]].name, g->tensors[g->by_name[i]].name) == 0)
                return sv_fail(err, SV_EXIT_DATA, "duplicate tensor name '%s'",
                               gguf_str_print(g->tensors[g->by_name[i]].name, nb, sizeof nb));
    }
    return 0;
}

int gguf_open_memory(const void *data, size_t size, gguf_file **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    gguf_file *g = calloc(1, sizeof *g);
    if (!g)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    g->base = data;
    g->size = size;
    int rc = parse(g, err);
    if (rc) {
        gguf_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

int gguf_open(const char *path, gguf_file **out, char err[SV_ERR_LEN])
{
    *out = NULL;
    char inner[SV_ERR_LEN];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sv_fail(err, SV_EXIT_DATA, "cannot open model file '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sv_fail(err, SV_EXIT_DATA, "model file '%s' is not a regular file", path);
    }
    if (st.st_size < 24) {
        close(fd);
        return sv_fail(err, SV_EXIT_DATA, "model file '%s' is %lld bytes: too short for a GGUF header (truncated?)",
                       path, (long long)st.st_size);
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return sv_fail(err, SV_EXIT_DATA, "cannot map model file '%s': %s", path, strerror(errno));
    int rc = gguf_open_memory(m, (size_t)st.st_size, out, inner);
    if (rc) {
        munmap(m, (size_t)st.st_size);
        return sv_fail(err, rc, "model file '%s': %s", path, inner);
    }
    (*out)->mapped = 1;
    return 0;
}

void gguf_free(gguf_file *g)
{
    if (!g)
        return;
    if (g->mapped)
        munmap((void *)(uintptr_t)g->base, g->size);
    free(g->kvs);
    free(g->tensors);
    free(g->by_name);
    free(g);
}

uint32_t gguf_version(const gguf_file *g) { return g->version; }
size_t gguf_n_kv(const gguf_file *g) { return (size_t)g->n_kv; }
const gguf_kv *gguf_kv_at(const gguf_file *g, size_t i) { return i < g->n_kv ? &g->kvs[i] : NULL; }
size_t gguf_n_tensors(const gguf_file *g) { return (size_t)g->n_tensors; }
const gguf_tensor *gguf_tensor_at(const gguf_file *g, size_t i) { return i < g->n_tensors ? &g->tensors[i] : NULL; }

const unsigned char *gguf_bytes(const gguf_file *g, size_t *size)
{
    *size = g->size;
    return g->base;
}

const gguf_kv *gguf_find_kv(const gguf_file *g, const char *key)
{
    for (uint64_t i = 0; i < g->n_kv; i++)
        if (str_eq(g->kvs[i].key, key))
            return &g->kvs[i];
    return NULL;
}

const gguf_tensor *gguf_find_tensor(const gguf_file *g, const char *name)
{
    gguf_str want = {name, strlen(name)};
    size_t lo = 0, hi = (size_t)g->n_tensors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = str_cmp(g->tensors[g->by_name[mid]].name, want);
        if (c == 0)
            return &g->tensors[g->by_name[mid]];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Integer value of a scalar kv as sign and magnitude: returns 0 and sets neg and mag. */
static int kv_int(const gguf_kv *kv, int *neg, uint64_t *mag)
{
    const unsigned char *v = kv->val;
    int64_t s;
    *neg = 0;
    switch (kv->type) {
    case GGUF_T_U8: *mag = v[0]; return 0;
    case GGUF_T_U16: *mag = rd_le(v, 2); return 0;
    case GGUF_T_U32: *mag = rd_le(v, 4); return 0;
    case GGUF_T_U64: *mag = rd_le(v, 8); return 0;
    case GGUF_T_I8: s = (int8_t)v[0]; break;
    case GGUF_T_I16: s = (int16_t)rd_le(v, 2); break;
    case GGUF_T_I32: s = (int32_t)rd_le(v, 4); break;
    case GGUF_T_I64: s = (int64_t)rd_le(v, 8); break;
    default: return -1;
    }
    *neg = s < 0;
    *mag = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
    return 0;
}

int gguf_get_u32(const gguf_file *g, const char *key, uint32_t *out)
{
    const gguf_kv *kv = gguf_find_kv(g, key);
    int neg;
    uint64_t mag;
    if (!kv)
        return 0;
    if (kv_int(kv, &neg, &mag) || neg || mag > UINT32_MAX)
        return -1;
    *out = (uint32_t)mag;
    return 1;
}

int gguf_get_f32(const gguf_file *g, const char *key, float *out)
{
    const gguf_kv *kv = gguf_find_kv(g, key);
    if (!kv)
        return 0;
    if (kv->type == GGUF_T_F32) {
        uint32_t b = (uint32_t)rd_le(kv->val, 4);
        memcpy(out, &b, 4);
    } else if (kv->type == GGUF_T_F64) {
        uint64_t b = rd_le(kv->val, 8);
        double d;
        memcpy(&d, &b, 8);
        *out = (float)d;
    } else {
        return -1;
    }
    return isfinite(*out) ? 1 : -1;
}

int gguf_get_bool(const gguf_file *g, const char *key, int *out)
{
    const gguf_kv *kv = gguf_find_kv(g, key);
    if (!kv)
        return 0;
    if (kv->type != GGUF_T_BOOL)
        return -1;
    *out = kv->val[0] != 0;
    return 1;
}

int gguf_get_str(const gguf_file *g, const char *key, gguf_str *out)
{
    const gguf_kv *kv = gguf_find_kv(g, key);
    if (!kv)
        return 0;
    if (kv->type != GGUF_T_STRING)
        return -1;
    out->len = rd_le(kv->val, 8); /* bounds were checked by parse */
    out->ptr = (const char *)kv->val + 8;
    return 1;
}

int gguf_get_str_array(const gguf_file *g, const char *key, gguf_str **out, size_t *n)
{
    const gguf_kv *kv = gguf_find_kv(g, key);
    *out = NULL;
    *n = 0;
    if (!kv)
        return 0;
    if (kv->type != GGUF_T_ARRAY || kv->arr_type != GGUF_T_STRING)
        return -1;
    gguf_str *a = malloc((kv->arr_n ? kv->arr_n : 1) * sizeof *a); /* arr_n <= file size / 8 */
    if (!a)
        return -1;
    const unsigned char *p = kv->val;
    for (uint64_t i = 0; i < kv->arr_n; i++) { /* every length was checked by parse */
        a[i].len = rd_le(p, 8);
        a[i].ptr = (const char *)p + 8;
        p += 8 + a[i].len;
    }
    *out = a;
    *n = (size_t)kv->arr_n;
    return 1;
}

int gguf_get_i32_array(const gguf_file *g, const char *key, int32_t **out, size_t *n)
{
    const gguf_kv *kv = gguf_find_kv(g, key);
    *out = NULL;
    *n = 0;
    if (!kv)
        return 0;
    if (kv->type != GGUF_T_ARRAY || (kv->arr_type != GGUF_T_I32 && kv->arr_type != GGUF_T_U32))
        return -1;
    int32_t *a = malloc((kv->arr_n ? kv->arr_n : 1) * sizeof *a);
    if (!a)
        return -1;
    for (uint64_t i = 0; i < kv->arr_n; i++)
        a[i] = (int32_t)(uint32_t)rd_le(kv->val + 4 * i, 4);
    *out = a;
    *n = (size_t)kv->arr_n;
    return 1;
}

int gguf_get_f32_array(const gguf_file *g, const char *key, float **out, size_t *n)
{
    const gguf_kv *kv = gguf_find_kv(g, key);
    *out = NULL;
    *n = 0;
    if (!kv)
        return 0;
    if (kv->type != GGUF_T_ARRAY || (kv->arr_type != GGUF_T_F32 && kv->arr_type != GGUF_T_I32))
        return -1;
    float *a = malloc((kv->arr_n ? kv->arr_n : 1) * sizeof *a);
    if (!a)
        return -1;
    for (uint64_t i = 0; i < kv->arr_n; i++) {
        uint32_t b = (uint32_t)rd_le(kv->val + 4 * i, 4);
        if (kv->arr_type == GGUF_T_I32)
            a[i] = (float)(int32_t)b;
        else
            memcpy(&a[i], &b, 4);
    }
    *out = a;
    *n = (size_t)kv->arr_n;
    return 1;
}

int gguf_get_bytes_array(const gguf_file *g, const char *key, const unsigned char **out, size_t *n)
{
    const gguf_kv *kv = gguf_find_kv(g, key);
    *out = NULL;
    *n = 0;
    if (!kv)
        return 0;
    if (kv->type != GGUF_T_ARRAY || (kv->arr_type != GGUF_T_U8 && kv->arr_type != GGUF_T_I8))
        return -1;
    *out = kv->val; /* parse checked that arr_n bytes follow */
    *n = (size_t)kv->arr_n;
    return 1;
}

float gguf_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            exp = 127 - 15 + 1;
            while (!(man & 0x400)) {
                man <<= 1;
                exp--;
            }
            bits = sign | exp << 23 | (man & 0x3ff) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | man << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | man << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t gguf_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t ax = x & 0x7fffffff;
    if (ax > 0x7f800000)
        return (uint16_t)(sign | 0x7e00); /* NaN */
    if (ax >= 0x477ff000) /* rounds to >= 65520: inf */
        return (uint16_t)(sign | 0x7c00);
    if (ax < 0x38800000) { /* below the smallest normal half: subnormal or zero */
        if (ax < 0x33000000)
            return (uint16_t)sign;
        uint32_t e = ax >> 23, m = (ax & 0x7fffff) | 0x800000;
        uint32_t shift = 126 - e; /* 14..24 */
        uint32_t q = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1)))
            q++;
        return (uint16_t)(sign | q);
    }
    uint32_t r = ax + 0xfff + ((ax >> 13) & 1); /* round to nearest even at bit 13 */
    return (uint16_t)(sign | (((r >> 23) - 127 + 15) << 10 | ((r >> 13) & 0x3ff)));
}

void gguf_dequantize(const gguf_tensor *t, uint64_t first, uint64_t n, float *dst)
{
    const unsigned char *p;
    switch (t->type) {
    case GGML_T_F32:
        memcpy(dst, t->data + first * 4, n * 4); /* little-endian host assumed (x86-64, arm64) */
        break;
    case GGML_T_F16:
        p = t->data + first * 2;
        for (uint64_t i = 0; i < n; i++)
            dst[i] = gguf_f16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
        break;
    case GGML_T_BF16:
        p = t->data + first * 2;
        for (uint64_t i = 0; i < n; i++) {
            uint32_t b = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8) << 16;
            memcpy(&dst[i], &b, 4);
        }
        break;
    case GGML_T_Q8_0:
        p = t->data + first / 32 * 34;
        for (uint64_t b = 0; b < n / 32; b++, p += 34) {
            float d = gguf_f16_to_f32((uint16_t)(p[0] | p[1] << 8));
            for (int i = 0; i < 32; i++)
                dst[b * 32 + i] = d * (float)(int8_t)p[2 + i];
        }
        break;
    case GGML_T_Q4_0: /* d, 16 bytes: low nibbles are x[0..16), high nibbles x[16..32), q - 8 */
    case GGML_T_Q4_1: /* d, m, 16 bytes: q·d + m */
        {
            int has_m = t->type == GGML_T_Q4_1, bs = has_m ? 20 : 18;
            p = t->data + first / 32 * (uint64_t)bs;
            for (uint64_t b = 0; b < n / 32; b++, p += bs) {
                float d = gguf_f16_to_f32((uint16_t)(p[0] | p[1] << 8));
                float m = has_m ? gguf_f16_to_f32((uint16_t)(p[2] | p[3] << 8)) : -8.0f * d;
                const unsigned char *qs = p + (has_m ? 4 : 2);
                for (int j = 0; j < 16; j++) {
                    dst[b * 32 + j] = (float)(qs[j] & 0x0f) * d + m;
                    dst[b * 32 + j + 16] = (float)(qs[j] >> 4) * d + m;
                }
            }
        }
        break;
    case GGML_T_Q5_0: /* d, u32 qh (bit j = 5th bit of x[j]), 16 bytes of nibbles; q - 16 */
    case GGML_T_Q5_1: /* d, m, qh, nibbles; q·d + m */
        {
            int has_m = t->type == GGML_T_Q5_1, bs = has_m ? 24 : 22;
            p = t->data + first / 32 * (uint64_t)bs;
            for (uint64_t b = 0; b < n / 32; b++, p += bs) {
                float d = gguf_f16_to_f32((uint16_t)(p[0] | p[1] << 8));
                float m = has_m ? gguf_f16_to_f32((uint16_t)(p[2] | p[3] << 8)) : -16.0f * d;
                const unsigned char *h = p + (has_m ? 4 : 2), *qs = h + 4;
                uint32_t qh = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
                for (int j = 0; j < 16; j++) {
                    int x0 = (qs[j] & 0x0f) | (int)((qh >> j) & 1) << 4;
                    int x1 = (qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
                    dst[b * 32 + j] = (float)x0 * d + m;
                    dst[b * 32 + j + 16] = (float)x1 * d + m;
                }
            }
        }
        break;
    case GGML_T_Q4_K: /* 256: f16 d, f16 dmin, 12 bytes of scales/mins, 128 bytes of nibbles */
    case GGML_T_Q5_K: /* the same plus 32 bytes of 5th bits before the nibbles */
        {
            int five = t->type == GGML_T_Q5_K, bs = five ? 176 : 144;
            p = t->data + first / 256 * (uint64_t)bs;
            for (uint64_t b = 0; b < n / 256; b++, p += bs) {
                float d = gguf_f16_to_f32((uint16_t)(p[0] | p[1] << 8));
                float dmin = gguf_f16_to_f32((uint16_t)(p[2] | p[3] << 8));
                const unsigned char *sc = p + 4, *qh = p + 16, *qs = p + (five ? 48 : 16);
                float *y = dst + b * 256;
                for (int j = 0; j < 4; j++) { /* 64 values per step: low nibbles, then high */
                    int s1, m1, s2, m2;
                    k4_scale_min(2 * j, sc, &s1, &m1);
                    k4_scale_min(2 * j + 1, sc, &s2, &m2);
                    float d1 = d * (float)s1, d2 = d * (float)s2, n1 = dmin * (float)m1, n2 = dmin * (float)m2;
                    for (int l = 0; l < 32; l++) {
                        int lo = qs[32 * j + l] & 0x0f, hi = qs[32 * j + l] >> 4;
                        if (five) {
                            lo += (qh[l] >> (2 * j) & 1) << 4;
                            hi += (qh[l] >> (2 * j + 1) & 1) << 4;
                        }
                        y[64 * j + l] = d1 * (float)lo - n1;
                        y[64 * j + 32 + l] = d2 * (float)hi - n2;
                    }
                }
            }
        }
        break;
    case GGML_T_Q6_K: /* 256: 128 bytes low nibbles, 64 bytes of 2-bit highs, 16 int8 scales, f16 d */
        p = t->data + first / 256 * 210;
        for (uint64_t b = 0; b < n / 256; b++, p += 210) {
            const unsigned char *ql = p, *qh = p + 128;
            const signed char *sc = (const signed char *)(p + 192);
            float d = gguf_f16_to_f32((uint16_t)(p[208] | p[209] << 8));
            float *y = dst + b * 256;
            for (int half = 0; half < 2; half++, y += 128, ql += 64, qh += 32, sc += 8)
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int q1 = ((ql[l] & 0x0f) | (qh[l] & 3) << 4) - 32;
                    int q2 = ((ql[l + 32] & 0x0f) | (qh[l] >> 2 & 3) << 4) - 32;
                    int q3 = ((ql[l] >> 4) | (qh[l] >> 4 & 3) << 4) - 32;
                    int q4 = ((ql[l + 32] >> 4) | (qh[l] >> 6 & 3) << 4) - 32;
                    y[l] = d * (float)sc[is] * (float)q1;
                    y[l + 32] = d * (float)sc[is + 2] * (float)q2;
                    y[l + 64] = d * (float)sc[is + 4] * (float)q3;
                    y[l + 96] = d * (float)sc[is + 6] * (float)q4;
                }
        }
        break;
    default:
        break;
    }
}
