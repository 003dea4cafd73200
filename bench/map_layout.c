/* map_layout STORE [SAMPLES] [THREADS] [NEIGHBOURS]: the vibe map of a store's vectors (search/vibemap.h),
 * timed phase by phase, against PCA-to-2-D on the same vectors in the same run:
 *   layout_s, pca2_s              wall seconds of each
 *   share_layout, share_pca2      of each sample's 10 nearest neighbours by cosine, the share
 *                                 among its 10 nearest on the map (SAMPLES random samples, exact)
 * NEIGHBOURS: auto (the default: exact up to VIBEMAP_EXACT_MAX samples), exact or approximate.
 * Prints key=value lines (bench/serve.sh reads them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monotime.h"
#include "store.h"
#include "veccache.h"
#include "vibemap.h"

typedef struct timing {
    double t0, pca, knn;
} timing;

static int on_progress(double done, void *ctx)
{
    timing *t = ctx;
    double now = monotime_now() - t->t0;
    if (done >= 0.1 && !t->pca)
        t->pca = now;
    if (done >= 0.55 && !t->knn)
        t->knn = now;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: map_layout STORE [SAMPLES] [THREADS] [auto|exact|approximate]\n");
        return 2;
    }
    size_t samples = argc > 2 ? (size_t)atol(argv[2]) : 1000;
    char err[SV_ERR_LEN];
    int rc;
    store *st = store_open(argv[1], 1, &rc, err);
    store_meta meta;
    if (!st || store_meta_get(st, &meta, err)) {
        fprintf(stderr, "map_layout: %s\n", err);
        return 3;
    }
    veccache *vc = veccache_for_store(st, &meta, 1, NULL, &rc, err);
    if (!vc) {
        fprintf(stderr, "map_layout: %s\n", err);
        return 3;
    }
    float *xy = malloc(2 * vc->n * sizeof *xy), *pca = malloc(2 * vc->n * sizeof *pca);
    vibemap_params p;
    vibemap_params_init(&p);
    p.threads = argc > 3 ? atoi(argv[3]) : 0;
    const char *how = argc > 4 ? argv[4] : "auto";
    p.approximate = strcmp(how, "exact") == 0 ? -1 : strcmp(how, "approximate") == 0 ? 1 : 0;
    timing t = {monotime_now(), 0, 0};
    if (vibemap_layout(vc->vectors, vc->n, vc->dims, &p, xy, on_progress, &t, err)) {
        fprintf(stderr, "map_layout: %s\n", err);
        return 3;
    }
    double layout = monotime_now() - t.t0;
    double t1 = monotime_now();
    if (vibemap_pca2(vc->vectors, vc->n, vc->dims, pca, err)) {
        fprintf(stderr, "map_layout: %s\n", err);
        return 3;
    }
    double pca2 = monotime_now() - t1;
    printf("neighbours=%s\npoints=%zu\ndims=%d\nlayout_s=%.2f\nlayout_pca_s=%.2f\nlayout_knn_s=%.2f\nlayout_sgd_s=%.2f\npca2_s=%.2f\n",
           how, vc->n, vc->dims, layout, t.pca, t.knn - t.pca, layout - t.knn, pca2);
    fflush(stdout);
    double a = vibemap_neighbour_share(vc->vectors, vc->n, vc->dims, xy, samples, 10, 99);
    double b = vibemap_neighbour_share(vc->vectors, vc->n, vc->dims, pca, samples, 10, 99);
    printf("share_samples=%zu\nshare_layout=%.4f\nshare_pca2=%.4f\n", samples, a, b);
    free(xy);
    free(pca);
    veccache_free(vc);
    store_close(st);
    return 0;
}
