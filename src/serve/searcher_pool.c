#include "searcher_pool.h"

#include <pthread.h>
#include <stdlib.h>

struct searcher_pool {
    pthread_mutex_t mu;
    pthread_cond_t returned;
    searcher **all;   /* size, owned */
    searcher **free_; /* n_free of them, a stack */
    size_t size, n_free;
};

searcher_pool *searcher_pool_new(const searcher_pool_config *cfg, int *exit_code, char err[SV_ERR_LEN])
{
    searcher_pool *p = calloc(1, sizeof *p);
    size_t n = cfg->size ? cfg->size : 1;
    if (p) {
        pthread_mutex_init(&p->mu, NULL);
        pthread_cond_init(&p->returned, NULL);
    }
    if (!p || !(p->all = calloc(n, sizeof *p->all)) || !(p->free_ = calloc(n, sizeof *p->free_))) {
        *exit_code = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(p->all[i] = searcher_open_hinted(cfg->store, cfg->use_cache, cfg->embed_hint, exit_code, err)))
            goto fail;
        searcher_set_provider(p->all[i], cfg->model, cfg->base_url);
        searcher_set_library(p->all[i], cfg->library); /* leaves out samples the library lost */
        searcher_set_scanner(p->all[i], cfg->scanner);
        searcher_set_gate(p->all[i], cfg->gate);
        p->size++;
        p->free_[p->n_free++] = p->all[i];
    }
    return p;
fail:
    searcher_pool_free(p);
    return NULL;
}

void searcher_pool_free(searcher_pool *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->all && i < p->size; i++)
        searcher_free(p->all[i]);
    pthread_cond_destroy(&p->returned);
    pthread_mutex_destroy(&p->mu);
    free(p->all);
    free(p->free_);
    free(p);
}

searcher *searcher_pool_take(searcher_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->n_free == 0)
        pthread_cond_wait(&p->returned, &p->mu);
    searcher *s = p->free_[--p->n_free];
    pthread_mutex_unlock(&p->mu);
    return s;
}

void searcher_pool_give(searcher_pool *p, searcher *s)
{
    pthread_mutex_lock(&p->mu);
    p->free_[p->n_free++] = s;
    pthread_cond_signal(&p->returned);
    pthread_mutex_unlock(&p->mu);
}
