#include "kwcache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "fileio.h"
#include "keyword.h"
#include "kwindex.h"

#define KWCACHE_MAGIC "SVKWPOST"
#define KWCACHE_VERSION 1u
#define KWCACHE_COLS 6
#define TF_BITS 5u
#define TF_OVERFLOW 0x80000000u

typedef struct kwcache_header {
    char magic[8];
    uint32_t version, n_cols;
    char stamp[STORE_FINGERPRINT_LEN + 32];
    uint64_t file_len, checksum; /* checksum: XXH3-64 of bytes [sizeof header, file_len) */
    uint64_t n_rows, n_terms, n_postings, n_overflow, pool_len;
    uint64_t ids_off, norms_off, term_off_off, post_off_off, pool_off, post_row_off, post_tf_off, overflow_off;
} kwcache_header;

struct kwcache {
    char fingerprint[STORE_FINGERPRINT_LEN];
    void *image;    /* the whole file: mapped, or malloc'd (built in memory) */
    size_t image_len;
    int mapped;
    /* views into image */
    const kwcache_header *h;
    const int64_t *ids;
    const double *norms;
    const uint64_t *term_off, *post_off;
    const char *pool;
    const uint32_t *post_row, *post_tf, *overflow;
};

void kwcache_free(kwcache *c)
{
    if (!c)
        return;
    if (c->mapped)
        munmap(c->image, c->image_len);
    else
        free(c->image);
    free(c);
}

int kwcache_fingerprint_is(const kwcache *c, const char *fp)
{
    return fp[0] && strcmp(c->fingerprint, fp) == 0;
}

/* ---- reading ---- */

static int section_ok(uint64_t off, uint64_t count, uint64_t size, uint64_t len)
{
    return off % 8 == 0 && off <= len && (size == 0 || count <= (len - off) / size);
}

/* Points c's views into its image; 0 when the image is not a whole, current cache for stamp. */
static int attach(kwcache *c, const char *stamp, int verify_checksum)
{
    const kwcache_header *h = c->image;
    uint64_t len = c->image_len;
    if (len < sizeof *h || memcmp(h->magic, KWCACHE_MAGIC, 8) != 0 || h->version != KWCACHE_VERSION ||
        h->n_cols != KWCACHE_COLS || h->file_len != len || !memchr(h->stamp, '\0', sizeof h->stamp) ||
        strcmp(h->stamp, stamp) != 0)
        return 0;
    if (!section_ok(h->ids_off, h->n_rows, 8, len) || !section_ok(h->norms_off, h->n_rows, 8 * KWCACHE_COLS, len) ||
        h->n_terms >= UINT64_MAX / 8 || !section_ok(h->term_off_off, h->n_terms + 1, 8, len) ||
        !section_ok(h->post_off_off, h->n_terms + 1, 8, len) || !section_ok(h->pool_off, h->pool_len, 1, len) ||
        !section_ok(h->post_row_off, h->n_postings, 4, len) || !section_ok(h->post_tf_off, h->n_postings, 4, len) ||
        !section_ok(h->overflow_off, h->n_overflow, 4 * KWCACHE_COLS, len) || h->n_rows > UINT32_MAX)
        return 0;
    if (verify_checksum && XXH3_64bits((const char *)c->image + sizeof *h, len - sizeof *h) != h->checksum)
        return 0;
    const char *base = c->image;
    c->h = h;
    c->ids = (const int64_t *)(base + h->ids_off);
    c->norms = (const double *)(base + h->norms_off);
    c->term_off = (const uint64_t *)(base + h->term_off_off);
    c->post_off = (const uint64_t *)(base + h->post_off_off);
    c->pool = base + h->pool_off;
    c->post_row = (const uint32_t *)(base + h->post_row_off);
    c->post_tf = (const uint32_t *)(base + h->post_tf_off);
    c->overflow = (const uint32_t *)(base + h->overflow_off);
    /* the offsets themselves: monotonic and inside their sections */
    if (c->term_off[0] != 0 || c->post_off[0] != 0 || c->term_off[h->n_terms] != h->pool_len ||
        c->post_off[h->n_terms] != h->n_postings)
        return 0;
    for (uint64_t i = 0; i < h->n_terms; i++)
        if (c->term_off[i] > c->term_off[i + 1] || c->post_off[i] > c->post_off[i + 1])
            return 0;
    for (uint64_t i = 0; i < h->n_postings; i++)
        if (c->post_row[i] >= h->n_rows ||
            ((c->post_tf[i] & TF_OVERFLOW) && (c->post_tf[i] & ~TF_OVERFLOW) >= h->n_overflow))
            return 0;
    return 1;
}

/* An existing cache file, mapped, if it is whole and was built at stamp. */
static int open_current(kwcache *c, const char *path, const char *stamp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat sb;
    void *map = MAP_FAILED;
    if (fstat(fd, &sb) == 0 && sb.st_size >= (off_t)sizeof(kwcache_header))
        map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return 0;
    c->image = map;
    c->image_len = (size_t)sb.st_size;
    c->mapped = 1;
    if (attach(c, stamp, 1))
        return 1;
    munmap(map, c->image_len);
    c->image = NULL;
    c->mapped = 0;
    return 0;
}

/* ---- the query ---- */

typedef struct query_terms {
    const kwcache *c;
    int64_t *term; /* per query token: its term index, or -1 when no row has it */
    size_t n, cap;
    int oom;
} query_terms;

static int64_t find_term(const kwcache *c, const char *tok, size_t len)
{
    uint64_t lo = 0, hi = c->h->n_terms;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        const char *t = c->pool + c->term_off[mid];
        size_t tl = (size_t)(c->term_off[mid + 1] - c->term_off[mid]);
        int cmp = memcmp(t, tok, tl < len ? tl : len);
        if (cmp == 0)
            cmp = tl < len ? -1 : tl > len;
        if (cmp == 0)
            return (int64_t)mid;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int add_query_token(void *ctx, const char *token, size_t len, size_t start, size_t end)
{
    (void)start;
    (void)end;
    query_terms *q = ctx;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        int64_t *p = realloc(q->term, cap * sizeof *p);
        if (!p) {
            q->oom = 1;
            return -1;
        }
        q->term = p;
        q->cap = cap;
    }
    q->term[q->n++] = find_term(q->c, token, len);
    return 0;
}

/* The weighted frequency of a posting: kwindex.c's samplevec_collect expression, column by
 * column in the same order, so the sums are the same doubles. */
static double posting_tf(const kwcache *c, uint64_t i, const double *norm)
{
    uint32_t packed = c->post_tf[i];
    const uint32_t *big = (packed & TF_OVERFLOW) ? c->overflow + (size_t)(packed & ~TF_OVERFLOW) * KWCACHE_COLS : NULL;
    double tp = 0;
    for (int col = 0; col < KWCACHE_COLS; col++) {
        double f = big ? (double)big[col] : (double)((packed >> (TF_BITS * (unsigned)col)) & ((1u << TF_BITS) - 1));
        if (f > 0)
            tp += kwindex_weights[col] * f / norm[col];
    }
    return tp;
}

int kwcache_query(const kwcache *c, const char *text, size_t limit, query_keyword_hits *out, size_t *n_tokens,
                  char err[SV_ERR_LEN])
{
    query_terms q = {c, NULL, 0, 0, 0};
    int rc = 0;
    double *score = NULL, *scores = NULL;
    uint32_t *touched = NULL;
    unsigned char *seen = NULL;
    int64_t *ids = NULL;
    if (keyword_tokenize(text, strlen(text), KEYWORD_QUERY, add_query_token, &q) != 0 || q.oom) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    if (n_tokens)
        *n_tokens = q.n;
    size_t n_rows = (size_t)c->h->n_rows, n_touched = 0;
    if (q.n == 0 || n_rows == 0)
        goto cleanup;
    if (!(score = calloc(n_rows, sizeof *score)) || !(touched = malloc(n_rows * sizeof *touched)) ||
        !(seen = calloc(n_rows, 1))) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    /* Token by token, in the query's order (kwindex_query sums its phrases in that order): the
     * idf from the posting list's length, then each row's saturated term frequency added. */
    for (size_t p = 0; p < q.n; p++) {
        if (q.term[p] < 0)
            continue;
        uint64_t from = c->post_off[q.term[p]], to = c->post_off[q.term[p] + 1];
        double hits = (double)(to - from);
        double idf = log(((double)n_rows - hits + 0.5) / (hits + 0.5) + 1.0);
        for (uint64_t i = from; i < to; i++) {
            uint32_t row = c->post_row[i];
            double t = posting_tf(c, i, c->norms + (size_t)row * KWCACHE_COLS);
            if (t > 0) {
                if (!seen[row]) {
                    seen[row] = 1;
                    touched[n_touched++] = row;
                }
                score[row] += idf * t * (KWINDEX_BM25_K1 + 1) / (t + KWINDEX_BM25_K1);
            }
        }
    }
    if (!(ids = malloc((n_touched ? n_touched : 1) * sizeof *ids)) ||
        !(scores = malloc((n_touched ? n_touched : 1) * sizeof *scores))) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n_touched; i++) {
        ids[i] = c->ids[touched[i]];
        scores[i] = score[touched[i]];
    }
    if (kwindex_best(ids, scores, n_touched, limit, out) != 0)
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
cleanup:
    free(q.term);
    free(scores);
    free(seen);
    free(score);
    free(touched);
    free(ids);
    return rc;
}

/* ---- building ---- */

typedef struct row_term {
    uint32_t term;
    uint32_t tf[KWCACHE_COLS];
} row_term;

typedef struct builder {
    /* the terms, interned: open addressing over term ids */
    uint32_t *slots; /* term id + 1, 0 = empty */
    size_t n_slots;
    char *pool;
    size_t pool_len, pool_cap;
    uint64_t *term_start; /* n_terms + 1 (the last is pool_len) */
    uint32_t *term_hash;
    uint32_t *seen_row;   /* per term: last row + 1 that had it */
    uint32_t *slot_in_row;
    size_t n_terms, terms_cap;
    /* the current row */
    row_term *rt;
    size_t n_rt, rt_cap;
    uint64_t col_len[KWCACHE_COLS];
    /* every row */
    int64_t *ids;
    uint32_t *lens; /* n_rows × 6 */
    size_t n_rows, rows_cap;
    uint64_t col_total[KWCACHE_COLS];
    /* postings in row order: term, row, packed tf */
    uint32_t *p_term, *p_row, *p_tf;
    size_t n_post, post_cap;
    uint32_t *overflow;
    size_t n_overflow, overflow_cap;
    keyword_scratch *scratch;
    int oom;
    int rc;
    char *err;
} builder;

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static int rehash(builder *b, size_t n_slots)
{
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t t = 0; t < b->n_terms; t++) {
        size_t i = b->term_hash[t] & (n_slots - 1);
        while (slots[i])
            i = (i + 1) & (n_slots - 1);
        slots[i] = (uint32_t)t + 1;
    }
    free(b->slots);
    b->slots = slots;
    b->n_slots = n_slots;
    return 0;
}

/* The term id of token, added when new; -1 when out of memory. */
static int64_t intern(builder *b, const char *tok, size_t len)
{
    uint32_t h = hash_bytes(tok, len);
    size_t i = h & (b->n_slots - 1);
    for (; b->slots[i]; i = (i + 1) & (b->n_slots - 1)) {
        uint32_t t = b->slots[i] - 1;
        if (b->term_hash[t] == h && b->term_start[t + 1] - b->term_start[t] == len &&
            memcmp(b->pool + b->term_start[t], tok, len) == 0)
            return t;
    }
    if (b->n_terms >= UINT32_MAX - 1 || grow((void **)&b->pool, &b->pool_cap, b->pool_len + len, 1))
        return -1;
    if (b->n_terms + 1 > b->terms_cap) { /* every per-term array, to the same capacity */
        size_t cap = b->terms_cap ? b->terms_cap * 2 : 1024;
        uint32_t *th = realloc(b->term_hash, cap * sizeof *th);
        if (th)
            b->term_hash = th;
        uint32_t *sr = th ? realloc(b->seen_row, cap * sizeof *sr) : NULL;
        if (sr)
            b->seen_row = sr;
        uint32_t *si = sr ? realloc(b->slot_in_row, cap * sizeof *si) : NULL;
        if (si)
            b->slot_in_row = si;
        uint64_t *ts = si ? realloc(b->term_start, (cap + 1) * sizeof *ts) : NULL;
        if (!ts)
            return -1;
        b->term_start = ts;
        b->terms_cap = cap;
    }
    uint32_t t = (uint32_t)b->n_terms++;
    memcpy(b->pool + b->pool_len, tok, len);
    b->pool_len += len;
    b->term_start[t + 1] = b->pool_len;
    b->term_hash[t] = h;
    b->seen_row[t] = 0;
    b->slots[i] = t + 1;
    if (b->n_terms * 2 > b->n_slots && rehash(b, b->n_slots * 2))
        return -1;
    return t;
}

static int add_token(void *ctx, int column, const char *token, size_t len)
{
    builder *b = ctx;
    int64_t t = intern(b, token, len);
    if (t < 0)
        return -1;
    uint32_t row = (uint32_t)b->n_rows + 1;
    if (b->seen_row[t] != row) {
        if (grow((void **)&b->rt, &b->rt_cap, b->n_rt + 1, sizeof *b->rt))
            return -1;
        b->seen_row[t] = row;
        b->slot_in_row[t] = (uint32_t)b->n_rt;
        memset(&b->rt[b->n_rt], 0, sizeof *b->rt);
        b->rt[b->n_rt++].term = (uint32_t)t;
    }
    if (column >= 0 && column < KWCACHE_COLS) {
        b->rt[b->slot_in_row[t]].tf[column]++;
        b->col_len[column]++;
    }
    return 0;
}

static int add_row(const store_scan_row *row, void *ctx)
{
    builder *b = ctx;
    if (!row->source) /* no text, no entry (kwindex_writer_put with no new text) */
        return 0;
    if (b->n_rows >= UINT32_MAX - 1) {
        b->rc = sv_fail(b->err, SV_EXIT_DATA, "keyword cache: more than %u rows", UINT32_MAX - 1);
        return b->rc;
    }
    b->n_rt = 0;
    memset(b->col_len, 0, sizeof b->col_len);
    if (kwindex_entry_tokens(b->scratch, row->source, add_token, b) != 0)
        goto oom;
    size_t cap = b->rows_cap;
    if (grow((void **)&b->ids, &cap, b->n_rows + 1, sizeof *b->ids) ||
        (cap = b->rows_cap, grow((void **)&b->lens, &cap, b->n_rows + 1, KWCACHE_COLS * sizeof *b->lens)))
        goto oom;
    b->rows_cap = cap;
    b->ids[b->n_rows] = row->sample_id;
    for (int c = 0; c < KWCACHE_COLS; c++) {
        b->lens[b->n_rows * KWCACHE_COLS + (size_t)c] = b->col_len[c] > UINT32_MAX ? UINT32_MAX : (uint32_t)b->col_len[c];
        b->col_total[c] += b->col_len[c];
    }
    size_t pc = b->post_cap;
    if (grow((void **)&b->p_term, &pc, b->n_post + b->n_rt, sizeof *b->p_term) ||
        (pc = b->post_cap, grow((void **)&b->p_row, &pc, b->n_post + b->n_rt, sizeof *b->p_row)) ||
        (pc = b->post_cap, grow((void **)&b->p_tf, &pc, b->n_post + b->n_rt, sizeof *b->p_tf)))
        goto oom;
    b->post_cap = pc;
    for (size_t i = 0; i < b->n_rt; i++) {
        const row_term *r = &b->rt[i];
        uint32_t packed = 0;
        int small = 1;
        for (int c = 0; c < KWCACHE_COLS; c++)
            small &= r->tf[c] < (1u << TF_BITS);
        if (small) {
            for (int c = 0; c < KWCACHE_COLS; c++)
                packed |= r->tf[c] << (TF_BITS * (unsigned)c);
        } else {
            size_t oc = b->overflow_cap;
            if (b->n_overflow >= TF_OVERFLOW || grow((void **)&b->overflow, &oc, (b->n_overflow + 1) * KWCACHE_COLS,
                                                     sizeof *b->overflow))
                goto oom;
            b->overflow_cap = oc;
            memcpy(b->overflow + b->n_overflow * KWCACHE_COLS, r->tf, sizeof r->tf);
            packed = TF_OVERFLOW | (uint32_t)b->n_overflow++;
        }
        b->p_term[b->n_post] = r->term;
        b->p_row[b->n_post] = (uint32_t)b->n_rows;
        b->p_tf[b->n_post] = packed;
        b->n_post++;
    }
    b->n_rows++;
    return 0;
oom:
    b->rc = sv_fail(b->err, SV_EXIT_DATA, "out of memory");
    return b->rc;
}

static void builder_clear(builder *b)
{
    keyword_scratch_free(b->scratch);
    free(b->slots);
    free(b->pool);
    free(b->term_start);
    free(b->term_hash);
    free(b->seen_row);
    free(b->slot_in_row);
    free(b->rt);
    free(b->ids);
    free(b->lens);
    free(b->p_term);
    free(b->p_row);
    free(b->p_tf);
    free(b->overflow);
}

static const builder *sort_ctx; /* qsort has no context argument; builds are not concurrent */

static int term_order(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    const builder *bd = sort_ctx;
    size_t la = (size_t)(bd->term_start[a + 1] - bd->term_start[a]), lb = (size_t)(bd->term_start[b + 1] - bd->term_start[b]);
    int cmp = memcmp(bd->pool + bd->term_start[a], bd->pool + bd->term_start[b], la < lb ? la : lb);
    return cmp ? cmp : (la > lb) - (la < lb);
}

static uint64_t align8(uint64_t v) { return (v + 7) & ~(uint64_t)7; }

/* The cache image of what b collected, stamped. NULL when out of memory. */
static void *image_of(builder *b, const char *stamp, size_t *image_len)
{
    uint64_t n_terms = b->n_terms, n_post = b->n_post, n_rows = b->n_rows;
    kwcache_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, KWCACHE_MAGIC, 8);
    h.version = KWCACHE_VERSION;
    h.n_cols = KWCACHE_COLS;
    snprintf(h.stamp, sizeof h.stamp, "%s", stamp);
    h.n_rows = n_rows;
    h.n_terms = n_terms;
    h.n_postings = n_post;
    h.n_overflow = b->n_overflow;
    h.pool_len = b->pool_len;
    uint64_t off = align8(sizeof h);
    h.ids_off = off, off = align8(off + n_rows * 8);
    h.norms_off = off, off = align8(off + n_rows * 8 * KWCACHE_COLS);
    h.term_off_off = off, off = align8(off + (n_terms + 1) * 8);
    h.post_off_off = off, off = align8(off + (n_terms + 1) * 8);
    h.pool_off = off, off = align8(off + b->pool_len);
    h.post_row_off = off, off = align8(off + n_post * 4);
    h.post_tf_off = off, off = align8(off + n_post * 4);
    h.overflow_off = off, off = align8(off + b->n_overflow * 4 * KWCACHE_COLS);
    h.file_len = off;
    char *img = calloc(1, (size_t)off);
    uint32_t *order = malloc((n_terms ? n_terms : 1) * sizeof *order);
    uint32_t *rank = malloc((n_terms ? n_terms : 1) * sizeof *rank);
    if (!img || !order || !rank) {
        free(img);
        free(order);
        free(rank);
        return NULL;
    }
    if (n_rows)
        memcpy(img + h.ids_off, b->ids, n_rows * 8);
    /* the norms: samplevec_collect's avglen and norm, the same doubles */
    double avglen[KWCACHE_COLS];
    for (int c = 0; c < KWCACHE_COLS; c++)
        avglen[c] = n_rows > 0 ? (double)(int64_t)b->col_total[c] / (double)(int64_t)n_rows : 0;
    double *norms = (double *)(img + h.norms_off);
    for (uint64_t r = 0; r < n_rows; r++)
        for (int c = 0; c < KWCACHE_COLS; c++) {
            double rel = avglen[c] > 0 ? (double)(int)b->lens[r * KWCACHE_COLS + (uint64_t)c] / avglen[c] : 0;
            norms[r * KWCACHE_COLS + (uint64_t)c] = 1.0 - KWINDEX_BM25_B + KWINDEX_BM25_B * rel;
        }
    /* the terms in sorted order, and each one's postings (a counting sort: rows stay ascending) */
    for (uint32_t t = 0; t < n_terms; t++)
        order[t] = t;
    sort_ctx = b;
    if (n_terms)
        qsort(order, n_terms, sizeof *order, term_order);
    for (uint32_t i = 0; i < n_terms; i++)
        rank[order[i]] = i;
    uint64_t *term_off = (uint64_t *)(img + h.term_off_off), *post_off = (uint64_t *)(img + h.post_off_off);
    for (uint64_t p = 0; p < n_post; p++)
        post_off[rank[b->p_term[p]] + 1]++;
    char *pool = img + h.pool_off;
    for (uint32_t i = 0; i < n_terms; i++) {
        uint32_t t = order[i];
        size_t len = (size_t)(b->term_start[t + 1] - b->term_start[t]);
        memcpy(pool + term_off[i], b->pool + b->term_start[t], len);
        term_off[i + 1] = term_off[i] + len;
        post_off[i + 1] += post_off[i];
    }
    uint32_t *post_row = (uint32_t *)(img + h.post_row_off), *post_tf = (uint32_t *)(img + h.post_tf_off);
    uint64_t *cursor = malloc((n_terms ? n_terms : 1) * sizeof *cursor);
    if (!cursor) {
        free(img);
        free(order);
        free(rank);
        return NULL;
    }
    memcpy(cursor, post_off, n_terms * sizeof *cursor);
    for (uint64_t p = 0; p < n_post; p++) {
        uint64_t at = cursor[rank[b->p_term[p]]]++;
        post_row[at] = b->p_row[p];
        post_tf[at] = b->p_tf[p];
    }
    if (b->n_overflow) /* none at all is the usual case: b->overflow is NULL then */
        memcpy(img + h.overflow_off, b->overflow, b->n_overflow * 4 * KWCACHE_COLS);
    h.checksum = XXH3_64bits(img + sizeof h, (size_t)off - sizeof h);
    memcpy(img, &h, sizeof h);
    free(cursor);
    free(order);
    free(rank);
    *image_len = (size_t)off;
    return img;
}

/* Builds c's image from the store, in memory. */
static int build(kwcache *c, store *s, const char *stamp, char err[SV_ERR_LEN])
{
    builder b;
    memset(&b, 0, sizeof b);
    b.err = err;
    int rc = 0;
    if (!(b.slots = calloc(b.n_slots = 1u << 16, sizeof *b.slots)) || !(b.term_start = calloc(1, sizeof *b.term_start)) ||
        !(b.scratch = keyword_scratch_new())) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    if ((rc = store_scan(s, add_row, &b, err)) != 0) {
        if (b.rc)
            rc = b.rc; /* ours, err already set */
        goto cleanup;
    }
    if (!(c->image = image_of(&b, stamp, &c->image_len))) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto cleanup;
    }
    c->mapped = 0;
    if (!attach(c, stamp, 0))
        rc = sv_fail(err, SV_EXIT_DATA, "keyword cache: the built cache does not read back (a bug)");
cleanup:
    builder_clear(&b);
    return rc;
}

/* Writes c's image to a temporary file of its own (fileio_temp_path) and renames it over path;
 * nothing is left behind on failure (the cache then lives in memory only). */
static void write_file(const kwcache *c, const char *path)
{
    char tmp[PATH_MAX + 64];
    if (fileio_temp_path(path, tmp, sizeof tmp) != 0)
        return;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    const char *p = c->image;
    size_t left = c->image_len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    int ok = left == 0 && fdatasync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}

/* 1 if a file can be made beside path (the cache's directory is writable). */
static int can_write_beside(const char *path)
{
    char tmp[PATH_MAX + 64];
    if (fileio_temp_path(path, tmp, sizeof tmp) != 0)
        return 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return 0;
    close(fd);
    unlink(tmp);
    return 1;
}

kwcache *kwcache_for_store(store *s, const char *fp, int use_file, int in_memory_ok, int *exit_code,
                           char err[SV_ERR_LEN])
{
    kwcache *c = calloc(1, sizeof *c);
    if (!c) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    snprintf(c->fingerprint, sizeof c->fingerprint, "%s", fp);
    /* The stamp written into the file: the store's fingerprint and the index format. */
    char stamp[STORE_FINGERPRINT_LEN + 32];
    snprintf(stamp, sizeof stamp, "%s format %s", fp, KWINDEX_FORMAT);
    char path[PATH_MAX + 16];
    int named = use_file && !store_is_remote(s->location) && s->location[0] &&
                snprintf(path, sizeof path, "%s.kwcache", s->location) < (int)sizeof path;
    *exit_code = 0;
    if (named && open_current(c, path, stamp))
        return c;
    if (!in_memory_ok && !(named && can_write_beside(path))) {
        kwcache_free(c);
        return NULL;
    }
    if ((*exit_code = build(c, s, stamp, err)) != 0) {
        kwcache_free(c);
        return NULL;
    }
    if (named)
        write_file(c, path);
    return c;
}
