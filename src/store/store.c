#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define APP_PREFIX "app:"

int store_is_postgres(const char *location)
{
    return strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "postgres://", 11) == 0;
}

int store_is_remote(const char *location)
{
    return strncmp(location, "libsql://", 9) == 0 || strncmp(location, "https://", 8) == 0 ||
           strncmp(location, "http://", 7) == 0 || store_is_postgres(location);
}

const char *store_local_path(const char *location)
{
    if (store_is_remote(location))
        return NULL;
    return strncmp(location, APP_PREFIX, strlen(APP_PREFIX)) == 0 ? location + strlen(APP_PREFIX)
                                                                  : location;
}

store *store_open(const char *location, store_mode mode, int *exit_code, char err[SV_ERR_LEN])
{
    if (store_is_postgres(location))
        return store_app_pg_open(location, mode, exit_code, err);
    if (store_is_remote(location))
        return store_turso_open(location, exit_code, err);
    if (strncmp(location, APP_PREFIX, strlen(APP_PREFIX)) == 0)
        return store_app_sqlite_open(location + strlen(APP_PREFIX), mode, exit_code, err);
    /* "ftp://…", "wss://…": a URL we cannot speak, not a file name to create */
    size_t scheme = strspn(location, "abcdefghijklmnopqrstuvwxyz0123456789+.-");
    if (scheme > 0 && strncmp(location + scheme, "://", 3) == 0) {
        *exit_code = sv_fail(err, SV_EXIT_USAGE,
                             "store '%.*s://…' is not a file path nor a libsql://, https://, "
                             "http:// or postgresql:// URL",
                             (int)scheme, location);
        return NULL;
    }
    return store_sqlite_open(location, mode, exit_code, err);
}

void store_close(store *s)
{
    if (s)
        s->vt->close(s);
}

int store_meta_get(store *s, store_meta *out, char err[SV_ERR_LEN])
{
    return s->vt->meta(s, out, err);
}

int store_prepare(store *s, const char *provider, const char *model, int dims, const provider_prompts *prompts,
                  int reset, char err[SV_ERR_LEN])
{
    return s->vt->prepare(s, provider, model, dims, prompts, reset, err);
}

int store_prompts_check(const char *location, const store_meta *m, const provider_prompts *prompts,
                        char err[SV_ERR_LEN])
{
    const char *want = prompts ? prompts->document : "";
    if (!m->model[0] || strcmp(m->prompts.document, want) == 0)
        return 0;
    /* The prefixes are shown as JSON-ish quoted strings: they may end in a space. */
    if (!m->prompts.document[0])
        return sv_fail(err, SV_EXIT_USAGE,
                       "store %s holds %lld vectors of documents embedded without a prefix; this run would "
                       "put \"%s\" before each (the model's document prefix): pass --document-prefix '' to go "
                       "on as before, or --reset to embed them all again with it",
                       location, (long long)m->rows, want);
    return sv_fail(err, SV_EXIT_USAGE,
                   "store %s holds %lld vectors of documents embedded with the prefix \"%s\"; this run would "
                   "use \"%s\": pass --document-prefix \"%s\" to go on with the store's, or --reset to embed "
                   "them all again",
                   location, (long long)m->rows, m->prompts.document, want, m->prompts.document);
}

int store_lookup_ids(store *s, const int64_t *ids, size_t n, store_lookup *out, char err[SV_ERR_LEN])
{
    return s->vt->lookup(s, ids, n, out, err);
}

int store_upsert(store *s, const store_row *rows, size_t n, char err[SV_ERR_LEN])
{
    return s->vt->upsert(s, rows, n, err);
}

int store_prepare_rows(store *s, store_row *rows, size_t n, char err[SV_ERR_LEN])
{
    return s->vt->prepare_rows ? s->vt->prepare_rows(s, rows, n, err) : 0;
}

/* store_prepare_each's share of one thread. */
typedef struct prepare_share {
    store_row *rows;
    size_t n;
    char *(*make)(void *ctx, const store_row *row, int *oom);
    void *ctx;
    int oom;
    pthread_t thread;
} prepare_share;

static void *prepare_share_run(void *arg)
{
    prepare_share *sh = arg;
    for (size_t i = 0; i < sh->n && !sh->oom; i++)
        if (!sh->rows[i].prepared)
            sh->rows[i].prepared = sh->make(sh->ctx, &sh->rows[i], &sh->oom);
    return NULL;
}

int store_prepare_each(store_row *rows, size_t n, char *(*make)(void *ctx, const store_row *row, int *oom),
                       void *ctx[2])
{
    size_t half = n >= STORE_PREPARE_SPLIT ? n / 2 : n;
    prepare_share sh[2] = {{rows, half, make, ctx[0], 0, 0}, {rows + half, n - half, make, ctx[1], 0, 0}};
    int second = sh[1].n && pthread_create(&sh[1].thread, NULL, prepare_share_run, &sh[1]) == 0;
    prepare_share_run(&sh[0]);
    if (second)
        pthread_join(sh[1].thread, NULL);
    else
        prepare_share_run(&sh[1]); /* a small batch (nothing left) or no thread to be had: in turn */
    return sh[0].oom || sh[1].oom ? -1 : 0;
}

int store_scan(store *s, store_scan_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    return s->vt->scan(s, fn, ctx, err);
}

int store_vector_index(store *s, char err[SV_ERR_LEN])
{
    if (!s->vt->vector_index)
        return sv_fail(err, SV_EXIT_USAGE,
                       "store %s has no vector index (only libSQL servers have "
                       "libsql_vector_idx); search scans every vector exactly instead",
                       s->location);
    return s->vt->vector_index(s, err);
}

int store_fingerprint(store *s, char out[STORE_FINGERPRINT_LEN], char err[SV_ERR_LEN])
{
    out[0] = '\0';
    if (!s->vt->fingerprint)
        return 0;
    return s->vt->fingerprint(s, out, err);
}

int store_scan_ids(store *s, store_id_fn fn, void *ctx, char err[SV_ERR_LEN])
{
    return s->vt->scan_ids(s, fn, ctx, err);
}

int store_remove(store *s, const int64_t *ids, size_t n, char err[SV_ERR_LEN])
{
    return n ? s->vt->remove(s, ids, n, err) : 0;
}

typedef struct orphan_walk {
    const int64_t *lib;
    size_t n_lib, at;
    int64_t *out;
    size_t n, cap;
    int oom;
} orphan_walk;

/* Store ids and library ids both ascend: one merge pass. */
static int orphan_visit(int64_t id, void *ctx)
{
    orphan_walk *w = ctx;
    while (w->at < w->n_lib && w->lib[w->at] < id)
        w->at++;
    if (w->at < w->n_lib && w->lib[w->at] == id)
        return 0;
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 256;
        int64_t *grown = realloc(w->out, nc * sizeof *grown);
        if (!grown) {
            w->oom = 1;
            return 1;
        }
        w->out = grown;
        w->cap = nc;
    }
    w->out[w->n++] = id;
    return 0;
}

int store_orphans(store *s, const int64_t *library_ids, size_t n_library, int64_t **out,
                  size_t *n_out, char err[SV_ERR_LEN])
{
    orphan_walk w = {library_ids, n_library, 0, NULL, 0, 0, 0};
    int rc = store_scan_ids(s, orphan_visit, &w, err);
    if (!rc && w.oom)
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory listing the vectors of deleted samples");
    if (rc) {
        free(w.out);
        w.out = NULL;
        w.n = 0;
    }
    *out = w.out;
    *n_out = w.n;
    return rc;
}

/* ---- the writer lease ---- */

static store_writer self_writer; /* run, pid, host, since: fixed for the process */

void store_writer_self(store_writer *w)
{
    if (self_writer.pid != (long)getpid()) { /* first call, or a forked child */
        memset(&self_writer, 0, sizeof self_writer);
        unsigned char raw[16];
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        ssize_t got = fd >= 0 ? read(fd, raw, sizeof raw) : -1;
        if (fd >= 0)
            close(fd);
        if (got != (ssize_t)sizeof raw) { /* no urandom: pid and clock still tell runs apart */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid() << 44;
            for (size_t i = 0; i < sizeof raw; i++, x = x * 6364136223846793005u + 1442695040888963407u)
                raw[i] = (unsigned char)(x >> 56);
        }
        for (size_t i = 0; i < sizeof raw; i++)
            snprintf(self_writer.run + 2 * i, 3, "%02x", raw[i]);
        self_writer.pid = (long)getpid();
        if (gethostname(self_writer.host, sizeof self_writer.host - 1) != 0)
            snprintf(self_writer.host, sizeof self_writer.host, "localhost");
        for (char *c = self_writer.host; *c; c++)
            if (*c == '|')
                *c = '_';
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(self_writer.since, sizeof self_writer.since, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    *w = self_writer;
    w->expires = (int64_t)time(NULL) + STORE_WRITER_LEASE_S;
}

void store_writer_format(const store_writer *w, char out[STORE_WRITER_LEN])
{
    snprintf(out, STORE_WRITER_LEN, "%s|%ld|%s|%s|%" PRId64, w->run, w->pid, w->host, w->since,
             w->expires);
}

int store_writer_parse(const char *text, store_writer *w)
{
    memset(w, 0, sizeof *w);
    if (!text)
        return -1;
    const char *f[5];
    size_t len[5];
    const char *p = text;
    for (int i = 0; i < 5; i++) {
        const char *bar = strchr(p, '|');
        f[i] = p;
        len[i] = bar && i < 4 ? (size_t)(bar - p) : strlen(p);
        if (i < 4 && !bar)
            return -1;
        p = bar ? bar + 1 : p + len[i];
    }
    if (len[0] == 0 || len[0] >= sizeof w->run || len[2] >= sizeof w->host || len[3] >= sizeof w->since)
        return -1;
    memcpy(w->run, f[0], len[0]);
    memcpy(w->host, f[2], len[2]);
    memcpy(w->since, f[3], len[3]);
    char *end;
    errno = 0;
    w->pid = strtol(f[1], &end, 10);
    if (end != f[1] + len[1] || errno || w->pid <= 0)
        return -1;
    w->expires = strtoll(f[4], &end, 10);
    if (*end || errno)
        return -1;
    return 0;
}

int store_writer_is_mine(const char *text)
{
    store_writer me, w;
    store_writer_self(&me);
    return store_writer_parse(text, &w) == 0 && strcmp(w.run, me.run) == 0;
}

/* 1 when pid on this host is a live process named samplevec (a pid reused by another program
 * is no writer). */
static int samplevec_alive(long pid)
{
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return 0;
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%ld/comm", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1; /* no /proc: alive is all we know */
    int named = fgets(comm, sizeof comm, f) && strncmp(comm, "samplevec", 9) == 0;
    fclose(f);
    return named;
}

int store_writer_is_free(const char *text)
{
    store_writer me, w;
    if (!text || store_writer_parse(text, &w) != 0)
        return 1;
    store_writer_self(&me);
    if (strcmp(w.run, me.run) == 0)
        return 1;
    int64_t now = (int64_t)time(NULL);
    if (strcmp(w.host, me.host) == 0) {
        /* this host: the process itself says; its expiry only matters once its pid may have
         * been reused by something that is not samplevec */
        if (kill((pid_t)w.pid, 0) != 0 && errno == ESRCH)
            return 1;
        return now > w.expires && !samplevec_alive(w.pid);
    }
    return now > w.expires; /* another host: only the expiry can tell */
}

int store_writer_busy(const char *location, const char *text, char err[SV_ERR_LEN])
{
    store_writer w;
    if (store_writer_parse(text, &w) != 0)
        return sv_fail(err, SV_EXIT_DATA, "store %s is being written by another samplevec run",
                       location);
    return sv_fail(err, SV_EXIT_DATA,
                   "store %s is being written by another samplevec run (pid %ld on host %s, "
                   "since %s): one run writes a store at a time; wait for it to finish (or stop "
                   "it), then run again. A run that died is noticed and its lease taken over",
                   location, w.pid, w.host, w.since);
}

int store_lease_take(const store_meta_io *io, const char *location, char err[SV_ERR_LEN])
{
    char held[STORE_WRITER_LEN], mine[STORE_WRITER_LEN];
    int rc = io->read(io->ctx, STORE_WRITER_KEY, held, sizeof held, err);
    if (rc)
        return rc;
    if (!store_writer_is_free(held[0] ? held : NULL))
        return store_writer_busy(location, held, err);
    store_writer w;
    store_writer_self(&w);
    store_writer_format(&w, mine);
    return io->write(io->ctx, STORE_WRITER_KEY, mine, err);
}

int store_lease_check_renew(const store_meta_io *io, const char *location, const char *model, int dims,
                            char err[SV_ERR_LEN])
{
    char held[STORE_WRITER_LEN], claimed[PROVIDER_MODEL_LEN], claimed_dims[32];
    int rc;
    if ((rc = io->read(io->ctx, STORE_WRITER_KEY, held, sizeof held, err)) ||
        (rc = io->read(io->ctx, "model", claimed, sizeof claimed, err)) ||
        (rc = io->read(io->ctx, "dims", claimed_dims, sizeof claimed_dims, err)))
        return rc;
    if (strcmp(claimed, model) != 0 || atoi(claimed_dims) != dims)
        return sv_fail(err, SV_EXIT_DATA,
                       "store %s was claimed for model '%s' (%s dims) by another run while this "
                       "one writes '%s' (%d dims): nothing of this batch was stored; one run "
                       "writes a store at a time",
                       location, claimed, claimed_dims[0] ? claimed_dims : "?", model, dims);
    if (!store_writer_is_mine(held)) {
        if (!held[0])
            return sv_fail(err, SV_EXIT_DATA,
                           "store %s: this run's writer lease was removed by another program: "
                           "nothing of this batch was stored; run again with --resume",
                           location);
        return store_writer_busy(location, held, err);
    }
    store_writer w;
    store_writer_self(&w);
    char mine[STORE_WRITER_LEN];
    store_writer_format(&w, mine);
    return io->write(io->ctx, STORE_WRITER_KEY, mine, err);
}

int store_claim_write(const store_meta_io *io, const char *provider, const char *model, int dims,
                      const provider_prompts *prompts, char err[SV_ERR_LEN])
{
    char dims_text[32];
    snprintf(dims_text, sizeof dims_text, "%d", dims);
    int rc;
    if ((rc = io->write(io->ctx, "provider", provider, err)) || (rc = io->write(io->ctx, "model", model, err)) ||
        (rc = io->write(io->ctx, "dims", dims_text, err)) ||
        (rc = io->write(io->ctx, STORE_QUERY_PREFIX_KEY, prompts ? prompts->query : "", err)) ||
        (rc = io->write(io->ctx, STORE_DOCUMENT_PREFIX_KEY, prompts ? prompts->document : "", err)))
        return rc;
    return 0;
}

int store_drop_in_slices(store *base, int64_t total, store_delete_slice_fn delete_slice, void *ctx,
                         char err[SV_ERR_LEN])
{
    int64_t done = 0;
    if (base->reset_progress)
        base->reset_progress(base->reset_progress_ctx, 0, total);
    for (;;) {
        if (base->cancel && *base->cancel)
            return sv_fail(err, SV_EXIT_INTERRUPTED, "interrupted during --reset: nothing was dropped");
        int64_t deleted = 0;
        int rc = delete_slice(ctx, &deleted, err);
        if (rc)
            return rc;
        if (deleted == 0)
            return 0;
        done += deleted;
        if (base->reset_progress)
            base->reset_progress(base->reset_progress_ctx, done < total ? done : total, total);
    }
}
