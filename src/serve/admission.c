#include "admission.h"

#include <pthread.h>
#include <stdlib.h>

struct admission {
    pthread_mutex_t mu;
    pthread_cond_t moved; /* someone left: the next tickets may enter */
    uint64_t next_ticket; /* the ticket the next caller takes */
    uint64_t left;        /* holders that have left (tickets below left + inside are done or in) */
    int inside, slots;
    searcher_gate gate;
};

static void gate_enter(void *ctx) { admission_enter(ctx); }
static void gate_leave(void *ctx) { admission_leave(ctx); }

admission *admission_new(int slots)
{
    admission *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->moved, NULL);
    a->slots = slots > 0 ? slots : 1;
    a->gate = (searcher_gate){gate_enter, gate_leave, a};
    return a;
}

void admission_free(admission *a)
{
    if (!a)
        return;
    pthread_cond_destroy(&a->moved);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

void admission_enter(admission *a)
{
    pthread_mutex_lock(&a->mu);
    uint64_t t = a->next_ticket++;
    /* Tickets enter in order: t's turn comes when every ticket before it but slots - 1 has left. */
    while (t >= a->left + (uint64_t)a->slots)
        pthread_cond_wait(&a->moved, &a->mu);
    a->inside++;
    pthread_mutex_unlock(&a->mu);
}

void admission_leave(admission *a)
{
    pthread_mutex_lock(&a->mu);
    a->inside--;
    a->left++;
    pthread_cond_broadcast(&a->moved);
    pthread_mutex_unlock(&a->mu);
}

void admission_counts(admission *a, uint64_t *tickets, int *inside)
{
    pthread_mutex_lock(&a->mu);
    *tickets = a->next_ticket;
    *inside = a->inside;
    pthread_mutex_unlock(&a->mu);
}

const searcher_gate *admission_gate(admission *a) { return &a->gate; }
