/* gen_store: writes a synthetic vector store (store_sqlite, the real schema and triggers) of
 * N clustered random vectors with filter metadata, for bench/search.sh.
 *
 *   gen_store STORE N DIMS SEED
 * The same arguments give the same bytes. Vectors are 256 cluster centres plus noise, so that
 * neighbours exist and a k-NN answer means something; metadata cycles through realistic values
 * (12 genres, BPM 60..180 with 5% missing, keys in the app's spellings, 10 moods).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define BATCH 2000
#define CENTERS 256

static uint64_t rng;
static uint64_t next_u64(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}
static float frand(void) { return (float)((double)(next_u64() >> 40) / 16777216.0 * 2.0 - 1.0); }

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: gen_store STORE N DIMS SEED\n");
        return 2;
    }
    const char *path = argv[1];
    long long n = atoll(argv[2]);
    int dims = atoi(argv[3]);
    rng = (uint64_t)atoll(argv[4]) * 0x9e3779b97f4a7c15ULL + 1;
    if (n <= 0 || dims < 8 || dims > 65536) {
        fprintf(stderr, "gen_store: bad N or DIMS\n");
        return 2;
    }
    static const char *genres[] = {"hip-hop", "soul", "jazz", "funk", "trap", "lo-fi", "boom bap",
                                   "electronic", "r&b", "dub", "latin", "techno"};
    static const char *keys[] = {"Am", "A minor", "C#m", "Dbm", "C", "C major", "F# major", "Gb",
                                 "E minor", "Em", "Bb", "G", "D minor", "F", NULL};
    static const char *moods[] = {"dark", "chill", "uplifting", "melancholic", "energetic",
                                  "dreamy", "aggressive", "nostalgic", "playful", "tense"};
    char err[SV_ERR_LEN];
    int rc = 0;
    store *st = store_open(path, STORE_READ_WRITE, &rc, err);
    if (!st || store_prepare(st, "lexical", "lexical-v1", dims, NULL, 1, err) != 0) {
        fprintf(stderr, "gen_store: %s\n", err);
        return 3;
    }
    float *centers = malloc((size_t)CENTERS * dims * sizeof *centers);
    float *vecs = malloc((size_t)BATCH * dims * sizeof *vecs);
    store_row *rows = calloc(BATCH, sizeof *rows);
    char (*titles)[48] = malloc(BATCH * sizeof *titles);
    if (!centers || !vecs || !rows || !titles)
        return 3;
    for (size_t i = 0; i < (size_t)CENTERS * dims; i++)
        centers[i] = frand();
    for (long long base = 0; base < n; base += BATCH) {
        size_t m = (size_t)(n - base < BATCH ? n - base : BATCH);
        for (size_t i = 0; i < m; i++) {
            long long id = base + (long long)i + 1;
            float *v = vecs + i * dims;
            const float *c = centers + (next_u64() % CENTERS) * dims;
            double sq = 0;
            for (int d = 0; d < dims; d++) {
                v[d] = c[d] + 0.8f * frand();
                sq += (double)v[d] * v[d];
            }
            float inv = (float)(1.0 / sqrt(sq)); /* unit length, as the providers return */
            for (int d = 0; d < dims; d++)
                v[d] *= inv;
            store_row *r = &rows[i];
            memset(r, 0, sizeof *r);
            r->sample_id = id;
            r->vector = v;
            snprintf(titles[i], sizeof titles[i], "Synthetic sample %lld", id);
            r->title = titles[i];
            r->source = titles[i];
            r->source_hash = "0000000000000000";
            r->genre = genres[next_u64() % 12];
            r->musical_key = keys[next_u64() % 15];
            r->mood_primary = moods[next_u64() % 10];
            r->mood_secondary = next_u64() % 3 ? moods[next_u64() % 10] : NULL;
            r->has_bpm = next_u64() % 20 != 0;
            r->bpm = 60 + (double)(next_u64() % 1200) / 10.0;
            r->has_energy = 1;
            r->energy_level = (double)(next_u64() % 100) / 100.0;
        }
        if (store_upsert(st, rows, m, err) != 0) {
            fprintf(stderr, "gen_store: %s\n", err);
            return 3;
        }
    }
    store_close(st);
    free(centers);
    free(vecs);
    free(rows);
    free(titles);
    return 0;
}
