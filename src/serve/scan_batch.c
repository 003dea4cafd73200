#include "scan_batch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* One scan waiting in the queue, on its caller's stack. */
typedef struct waiter {
    search_request req;
    char *err;   /* the caller's, SV_ERR_LEN */
    int done, rc;
    struct waiter *next;
} waiter;

struct scan_batch {
    pthread_mutex_t mu;
    pthread_cond_t passed; /* a pass ended: its scans are done, and another may start */
    waiter *head, *tail;   /* waiting, oldest first */
    int running;
    int threads;
    uint64_t passes, queries;
    search_scanner scanner;
};

/* Runs one pass over the oldest waiting scans. Called with mu held and no pass running;
 * returns with mu held. */
static void run_pass(scan_batch *b)
{
    waiter *batch[SCAN_BATCH_MAX];
    search_request reqs[SCAN_BATCH_MAX];
    size_t n = 0;
    while (b->head && n < SCAN_BATCH_MAX) {
        batch[n] = b->head;
        reqs[n] = b->head->req;
        n++;
        b->head = b->head->next;
    }
    if (!b->head)
        b->tail = NULL;
    b->running = 1;
    pthread_mutex_unlock(&b->mu);
    char err[SV_ERR_LEN] = "";
    int rc = search_top_k_many(reqs, n, b->threads, err);
    pthread_mutex_lock(&b->mu);
    for (size_t i = 0; i < n; i++) {
        batch[i]->rc = rc;
        if (rc)
            snprintf(batch[i]->err, SV_ERR_LEN, "%s", err);
        batch[i]->done = 1;
    }
    b->passes++;
    b->queries += n;
    b->running = 0;
    pthread_cond_broadcast(&b->passed);
}

static int batch_top_k(void *ctx, const veccache *vc, const float *query, const query_filter *f, size_t k,
                       query_results *out, char err[SV_ERR_LEN])
{
    scan_batch *b = ctx;
    waiter me = {{vc, query, f, k, out}, err, 0, 0, NULL};
    pthread_mutex_lock(&b->mu);
    if (b->tail)
        b->tail->next = &me;
    else
        b->head = &me;
    b->tail = &me;
    while (!me.done) {
        if (!b->running)
            run_pass(b); /* this thread leads the next pass (which holds it unless 64 are ahead) */
        else
            pthread_cond_wait(&b->passed, &b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return me.rc;
}

scan_batch *scan_batch_new(int threads)
{
    scan_batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->passed, NULL);
    b->threads = threads;
    b->scanner.top_k = batch_top_k;
    b->scanner.ctx = b;
    return b;
}

void scan_batch_free(scan_batch *b)
{
    if (!b)
        return;
    pthread_cond_destroy(&b->passed);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

const search_scanner *scan_batch_scanner(scan_batch *b) { return &b->scanner; }

void scan_batch_counts(scan_batch *b, uint64_t *passes, uint64_t *queries)
{
    pthread_mutex_lock(&b->mu);
    *passes = b->passes;
    *queries = b->queries;
    pthread_mutex_unlock(&b->mu);
}
