#include "walcheckpoint.h"

#include <pthread.h>
#include <stdlib.h>

/* SQLite's own threshold, given back at stop (its compile-time default). */
#define AUTOCHECKPOINT_DEFAULT 1000
/* The log holds at most this many times `pages` before the writer waits for a full copy. */
#define BOUND_FACTOR 4

struct wal_checkpointer {
    sqlite3 *writer; /* the connection whose checkpoints this runs */
    sqlite3 *db;     /* the passes' own connection to the same file */
    int pages;
    pthread_mutex_t mu;
    pthread_cond_t passed; /* a waiting writer's: a pass ended */
    pthread_t thread;
    int thread_live;       /* started and not yet joined */
    int thread_busy;       /* running passes (it ends, and can be joined, once there is none to run) */
    int wanted;            /* a pass was asked for since the last one began */
    int in_pass;
    int stop;
    long passes;
};

/* Runs passes while they are asked for, then ends. A thread per burst rather than one for the
 * store's life: a live thread keeps its malloc arena, and the pipeline's own short-lived threads
 * then spread over more arenas (8 MB more peak RSS embedding 8 MB descriptions). */
static void *checkpoint_thread(void *arg)
{
    wal_checkpointer *c = arg;
    pthread_mutex_lock(&c->mu);
    while (c->wanted && !c->stop) {
        c->wanted = 0;
        c->in_pass = 1;
        pthread_mutex_unlock(&c->mu);
        /* PASSIVE: copies what no reader still needs, never waits; a busy or failed pass only
         * leaves frames for the next one (or for the close) */
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
        c->in_pass = 0;
        c->passes++;
        pthread_cond_broadcast(&c->passed);
    }
    c->thread_busy = 0;
    pthread_cond_broadcast(&c->passed);
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* Asks for a pass, starting a thread when none is running one (called with mu held). Returns 0,
 * or -1 when no thread can be started (the pass is then not run). */
static int want_pass(wal_checkpointer *c)
{
    c->wanted = 1;
    if (c->thread_busy)
        return 0; /* the running thread sees it before it ends */
    if (c->thread_live) {
        pthread_join(c->thread, NULL); /* ended: it is past its last lock */
        c->thread_live = 0;
    }
    if (pthread_create(&c->thread, NULL, checkpoint_thread, c) != 0) {
        c->wanted = 0;
        return -1;
    }
    c->thread_live = c->thread_busy = 1;
    return 0;
}

/* The writer's wal hook: called after each of its commits, its locks released, with the number
 * of frames in the log. */
static int on_commit(void *ctx, sqlite3 *db, const char *name, int frames)
{
    (void)name;
    wal_checkpointer *c = ctx;
    if (frames < c->pages)
        return SQLITE_OK;
    pthread_mutex_lock(&c->mu);
    if (want_pass(c) != 0) {
        pthread_mutex_unlock(&c->mu);
        /* no thread to be had: the copy is the writer's, as SQLite's own would be */
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
    }
    if (frames >= BOUND_FACTOR * c->pages) {
        /* wait for a pass that begins after this commit: a pass running now began before it */
        long until = c->passes + (c->in_pass ? 2 : 1);
        while (c->passes < until && c->thread_busy)
            pthread_cond_wait(&c->passed, &c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return SQLITE_OK;
}

wal_checkpointer *wal_checkpointer_start(sqlite3 *writer, const char *path, int pages, char err[SV_ERR_LEN])
{
    wal_checkpointer *c = calloc(1, sizeof *c);
    if (!c) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    c->writer = writer;
    c->pages = pages > 0 ? pages : AUTOCHECKPOINT_DEFAULT;
    /* The pragma reads the schema, which opens the log on this connection: a connection that
     * has never read anything checkpoints nothing. */
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
        sv_fail(err, SV_EXIT_DATA, "cannot open %s for checkpoints: %s", path,
                c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->passed, NULL);
    sqlite3_wal_hook(writer, on_commit, c); /* replaces SQLite's automatic checkpoints */
    return c;
}

void wal_checkpointer_stop(wal_checkpointer *c)
{
    if (!c)
        return;
    sqlite3_wal_autocheckpoint(c->writer, AUTOCHECKPOINT_DEFAULT); /* replaces the hook */
    pthread_mutex_lock(&c->mu);
    c->stop = 1; /* a pass in progress ends; none follows */
    pthread_mutex_unlock(&c->mu);
    if (c->thread_live)
        pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    pthread_cond_destroy(&c->passed);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

long wal_checkpointer_passes(wal_checkpointer *c)
{
    pthread_mutex_lock(&c->mu);
    long n = c->passes;
    pthread_mutex_unlock(&c->mu);
    return n;
}
