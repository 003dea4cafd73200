/* admission: tickets enter in the order they were taken (one slot: six waiting threads enter
 * in their arrival order, whatever order the scheduler wakes them in), never more holders than
 * slots at once, and the searcher gate is the same lock. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "admission.h"
#include "check.h"

enum { WAITERS = 6, CROWD = 8, ROUNDS = 200 };

static admission *adm;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int order[WAITERS], n_order, inside_now, inside_max;

static void *waiter_main(void *arg)
{
    int id = (int)(intptr_t)arg;
    admission_enter(adm);
    pthread_mutex_lock(&mu);
    order[n_order++] = id;
    pthread_mutex_unlock(&mu);
    admission_leave(adm);
    return NULL;
}

static void *crowd_main(void *arg)
{
    const searcher_gate *g = arg;
    for (int r = 0; r < ROUNDS; r++) {
        g->enter(g->ctx);
        pthread_mutex_lock(&mu);
        if (++inside_now > inside_max)
            inside_max = inside_now;
        pthread_mutex_unlock(&mu);
        sched_yield();
        pthread_mutex_lock(&mu);
        inside_now--;
        pthread_mutex_unlock(&mu);
        g->leave(g->ctx);
    }
    return NULL;
}

int main(void)
{
    /* One slot, held here while six threads queue one after another. */
    adm = admission_new(1);
    CHECK(adm != NULL);
    if (!adm)
        return check_summary();
    admission_enter(adm);
    pthread_t tid[CROWD];
    for (int i = 0; i < WAITERS; i++) {
        CHECK(pthread_create(&tid[i], NULL, waiter_main, (void *)(intptr_t)i) == 0);
        uint64_t tickets = 0;
        int inside = 0;
        while (tickets != (uint64_t)i + 2) { /* this thread has its ticket (and waits) */
            sched_yield();
            admission_counts(adm, &tickets, &inside);
        }
        CHECK(inside == 1);
    }
    CHECK(n_order == 0); /* nobody passed the held slot */
    admission_leave(adm);
    for (int i = 0; i < WAITERS; i++)
        pthread_join(tid[i], NULL);
    CHECK(n_order == WAITERS);
    for (int i = 0; i < WAITERS; i++)
        CHECK(order[i] == i);
    admission_free(adm);

    /* Two slots, eight threads through the searcher gate: never three inside. */
    adm = admission_new(2);
    CHECK(adm != NULL);
    if (!adm)
        return check_summary();
    for (int i = 0; i < CROWD; i++)
        CHECK(pthread_create(&tid[i], NULL, crowd_main, (void *)admission_gate(adm)) == 0);
    for (int i = 0; i < CROWD; i++)
        pthread_join(tid[i], NULL);
    uint64_t tickets;
    int inside;
    admission_counts(adm, &tickets, &inside);
    CHECK(tickets == (uint64_t)CROWD * ROUNDS);
    CHECK(inside == 0);
    CHECK(inside_max >= 1 && inside_max <= 2);
    admission_free(adm);
    admission_free(NULL);
    return check_summary();
}
