#include "bpe_merge.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
size_t bpe_merge_heap_threshold = 128;

typedef struct part {
    size_t start;
    uint32_t rank; /* of this part merged with the next one */
} part;

typedef struct heap_entry {
    uint32_t rank;
    uint32_t node;    /* the pair's left symbol */
    uint32_t version; /* the node's version when pushed: older entries are stale */
} heap_entry;

struct bpe_merger {
    part *parts;                         /* rescan: n_sym + 1 parts, the last a sentinel at n */
    size_t parts_cap;
    size_t *start;                       /* heap: per symbol its start offset, */
    uint32_t *next, *prev, *version;     /* its neighbours in the list and its version */
    size_t node_cap;
    heap_entry *heap;
    size_t heap_cap;
    size_t *ends;                        /* the result */
    size_t ends_cap;
};

bpe_merger *bpe_merger_new(void) { return calloc(1, sizeof(bpe_merger)); }

void bpe_merger_free(bpe_merger *m)
{
    if (!m)
        return;
    free(m->parts);
    free(m->start);
    free(m->next);
    free(m->prev);
    free(m->version);
    free(m->heap);
    free(m->ends);
    free(m);
}

/* Grows *buf to hold `need` elements of `elem` bytes. 0, or -1 on out of memory. */

static size_t sym_start(const size_t *starts, size_t i) { return starts ? starts[i] : i; }

/* The rescan: after each merge, look again for the lowest-ranked pair. */
static size_t merge_rescan(bpe_merger *mg, const unsigned char *s, size_t n, const size_t *starts, size_t n_sym,
                           bpe_rank_fn rank, const void *ctx)
{
    if (array_grow((void **)&mg->parts, &mg->parts_cap, n_sym + 1, sizeof(part)))
        return 0;
    part *pa = mg->parts;
    for (size_t i = 0; i < n_sym; i++)
        pa[i].start = sym_start(starts, i);
    pa[n_sym] = (part){n, BPE_RANK_NONE};
    for (size_t i = 0; i < n_sym; i++)
        pa[i].rank = i + 1 < n_sym ? rank(ctx, s, pa[i].start, pa[i + 1].start, pa[i + 2].start) : BPE_RANK_NONE;
    size_t m = n_sym + 1; /* parts including the sentinel */
    for (;;) {
        uint32_t best = BPE_RANK_NONE;
        size_t bi = 0;
        for (size_t i = 0; i + 1 < m; i++)
            if (pa[i].rank < best) {
                best = pa[i].rank;
                bi = i;
            }
        if (best == BPE_RANK_NONE)
            break;
        /* parts bi and bi+1 become one, ending where part bi+2 starts */
        if (bi > 0)
            pa[bi - 1].rank = rank(ctx, s, pa[bi - 1].start, pa[bi].start, pa[bi + 2].start);
        pa[bi].rank = bi + 3 < m ? rank(ctx, s, pa[bi].start, pa[bi + 2].start, pa[bi + 3].start) : BPE_RANK_NONE;
        memmove(&pa[bi + 1], &pa[bi + 2], (m - bi - 2) * sizeof *pa);
        m--;
    }
    if (array_grow((void **)&mg->ends, &mg->ends_cap, m, sizeof(size_t)))
        return 0;
    for (size_t i = 0; i + 1 < m; i++)
        mg->ends[i] = pa[i + 1].start;
    return m - 1;
}

static int heap_less(heap_entry a, heap_entry b)
{
    return a.rank < b.rank || (a.rank == b.rank && a.node < b.node);
}

static void heap_push(heap_entry *h, size_t *n, heap_entry e)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!heap_less(e, h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

static heap_entry heap_pop(heap_entry *h, size_t *n)
{
    heap_entry top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && heap_less(h[c + 1], h[c]))
            c++;
        if (!heap_less(h[c], last))
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n)
        h[i] = last;
    return top;
}

/* The heap: symbols are a linked list named by their first index; an entry names a pair by its
 * left symbol, and goes stale when either symbol of the pair changes (version). */
static size_t merge_heap(bpe_merger *mg, const unsigned char *s, size_t n, const size_t *starts, size_t n_sym,
                         bpe_rank_fn rank, const void *ctx)
{
    if (n_sym >= UINT32_MAX / 4 || array_grow((void **)&mg->start, &mg->node_cap, n_sym, sizeof(size_t)))
        return 0;
    size_t cap = mg->node_cap; /* the four node arrays share one capacity */
    uint32_t *g;
    if (!(g = realloc(mg->next, cap * sizeof *g)))
        return 0;
    mg->next = g;
    if (!(g = realloc(mg->prev, cap * sizeof *g)))
        return 0;
    mg->prev = g;
    if (!(g = realloc(mg->version, cap * sizeof *g)))
        return 0;
    mg->version = g;
    /* n_sym − 1 first pairs, then at most two pushes per merge */
    if (array_grow((void **)&mg->heap, &mg->heap_cap, 3 * n_sym + 1, sizeof(heap_entry)))
        return 0;
    size_t *st = mg->start;
    uint32_t *next = mg->next, *prev = mg->prev, *ver = mg->version;
    heap_entry *h = mg->heap;
    size_t hn = 0;
    const uint32_t END = (uint32_t)n_sym;
#define SYM_END(i) (next[i] == END ? n : st[next[i]])
    for (uint32_t i = 0; i < n_sym; i++) {
        st[i] = sym_start(starts, i);
        next[i] = i + 1;
        prev[i] = i ? i - 1 : UINT32_MAX;
        ver[i] = 0;
    }
    for (uint32_t i = 0; i + 1 < n_sym; i++) {
        uint32_t r = rank(ctx, s, st[i], st[i + 1], SYM_END(i + 1));
        if (r != BPE_RANK_NONE)
            heap_push(h, &hn, (heap_entry){r, i, 0});
    }
    size_t left = n_sym;
    while (hn) {
        heap_entry e = heap_pop(h, &hn);
        uint32_t a = e.node;
        if (e.version != ver[a] || next[a] == END)
            continue;
        uint32_t b = next[a];
        next[a] = next[b];
        if (next[b] != END)
            prev[next[b]] = a;
        ver[b]++; /* b is gone: its entries are stale */
        ver[a]++; /* a is longer: so are its */
        left--;
        if (next[a] != END) {
            uint32_t c = next[a];
            uint32_t r = rank(ctx, s, st[a], st[c], SYM_END(c));
            if (r != BPE_RANK_NONE)
                heap_push(h, &hn, (heap_entry){r, a, ver[a]});
        }
        if (prev[a] != UINT32_MAX) {
            uint32_t p = prev[a];
            ver[p]++;
            uint32_t r = rank(ctx, s, st[p], st[a], SYM_END(a));
            if (r != BPE_RANK_NONE)
                heap_push(h, &hn, (heap_entry){r, p, ver[p]});
        }
    }
    if (array_grow((void **)&mg->ends, &mg->ends_cap, left, sizeof(size_t)))
        return 0;
    size_t k = 0;
    for (uint32_t i = 0; i != END; i = next[i])
        mg->ends[k++] = SYM_END(i);
#undef SYM_END
    return left;
}

size_t bpe_merge(bpe_merger *m, const unsigned char *s, size_t n, const size_t *starts, size_t n_sym,
                 bpe_rank_fn rank, const void *ctx, const size_t **ends)
{
    if (!starts)
        n_sym = n;
    size_t k = n_sym >= bpe_merge_heap_threshold ? merge_heap(m, s, n, starts, n_sym, rank, ctx)
                                                 : merge_rescan(m, s, n, starts, n_sym, rank, ctx);
    *ends = m->ends;
    return k;
}
