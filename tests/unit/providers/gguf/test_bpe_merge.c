/* bpe_merge: the rescan and the heap give the symbols a naive reading of the rule gives
 * (lowest rank first, leftmost among equals), on random pieces and random ranks, with byte
 * symbols and with caller-given spans; odd lengths and one-symbol pieces included. */
#include <stdlib.h>
#include <string.h>

#include "bpe_merge.h"
#include "check.h"

/* A rank for every pair, a pure function of the two symbols' bytes, NONE for ~1/3 of them. */
static uint32_t hash_rank(const void *ctx, const unsigned char *s, size_t a, size_t b, size_t c)
{
    (void)ctx;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = a; i < c; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    h = (h ^ (b - a)) * 1099511628211ull; /* where the pair splits matters too */
    h ^= h >> 31;
    return h % 3 == 0 ? BPE_RANK_NONE : (uint32_t)(h % 16); /* few ranks: many ties */
}

/* The rule read literally: find the lowest-ranked adjacent pair, leftmost; merge; repeat. */
static size_t naive(const unsigned char *s, size_t n, const size_t *starts, size_t n_sym, size_t *ends)
{
    size_t b[1024], m = n_sym; /* b: symbol starts, then n */
    for (size_t i = 0; i < n_sym; i++)
        b[i] = starts ? starts[i] : i;
    b[m] = n;
    for (;;) {
        uint32_t best = BPE_RANK_NONE;
        size_t bi = 0;
        for (size_t i = 0; i + 1 < m; i++) {
            uint32_t r = hash_rank(NULL, s, b[i], b[i + 1], b[i + 2]);
            if (r < best) {
                best = r;
                bi = i;
            }
        }
        if (best == BPE_RANK_NONE)
            break;
        memmove(&b[bi + 1], &b[bi + 2], (m - bi - 1) * sizeof *b);
        m--;
    }
    for (size_t i = 0; i < m; i++)
        ends[i] = b[i + 1];
    return m;
}

int main(void)
{
    bpe_merger *m = bpe_merger_new();
    if (!m)
        return 1;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned char s[600];
    size_t starts[600], want[1024];
    int agree = 0, total = 0;
    for (int round = 0; round < 400; round++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        size_t n = 1 + seed % 300;
        for (size_t i = 0; i < n; i++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            s[i] = "abcab "[seed % 6]; /* a small alphabet: repeats, so ranks repeat */
        }
        /* half the rounds: symbols of 1-3 bytes, as UTF-8 characters would be */
        size_t n_sym = 0;
        int spans = round & 1;
        if (spans)
            for (size_t i = 0; i < n; i += 1 + (seed >> (i % 40)) % 3)
                starts[n_sym++] = i;
        size_t k = naive(s, n, spans ? starts : NULL, spans ? n_sym : n, want);
        for (int heap = 0; heap < 2; heap++) {
            bpe_merge_heap_threshold = heap ? 0 : SIZE_MAX;
            const size_t *ends;
            size_t got = bpe_merge(m, s, n, spans ? starts : NULL, n_sym, hash_rank, NULL, &ends);
            total++;
            agree += got == k && memcmp(ends, want, k * sizeof *ends) == 0;
        }
    }
    bpe_merge_heap_threshold = 128;
    CHECK(agree == total);
    printf("%d of %d merges equal the naive rule\n", agree, total);

    /* one symbol: nothing to merge */
    const size_t *ends;
    CHECK(bpe_merge(m, (const unsigned char *)"x", 1, NULL, 1, hash_rank, NULL, &ends) == 1 && ends[0] == 1);
    bpe_merger_free(m);
    bpe_merger_free(NULL);
    return check_summary();
}
