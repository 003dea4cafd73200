#include "embed.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "hash.h"
#include "library.h"
#include "monotime.h"
#include "pgconn.h"
#include "pricing.h"
#include "source_text.h"
#include "store.h"
#include "vecblob.h"

#define COMMIT_TARGET_S 0.25          /* aim for a commit every quarter second or slower */
#define GROUP_MAX_BYTES (16u << 20)   /* vectors and texts held per commit at most */
#define GROUP_MAX_CHUNKS 16           /* provider chunks per commit at most */
#define SAMPLE_TEXT_BYTES 8192        /* a sample's texts and metadata, generously */
#define CHUNK_MAX_TEXT_BYTES (4u << 20) /* source text bytes a chunk takes at most (one sample
                                           more when that is all it has) */

static volatile sig_atomic_t interrupted;
static const char *abort_text;  /* the observer's, written by a second signal */
static size_t abort_len;

const volatile sig_atomic_t *embed_interrupt_flag(void) { return &interrupted; }

/* First signal: finish the chunk in flight, checkpoint, exit 130. Second: leave at once
 * (still safe: the store commits whole chunks and the progress file is replaced atomically). */
static void on_signal(int sig)
{
    (void)sig;
    if (interrupted) {
        if (abort_len) {
            ssize_t w = write(STDERR_FILENO, abort_text, abort_len);
            (void)w;
        }
        _exit(SV_EXIT_INTERRUPTED);
    }
    interrupted = 1;
}

/* SIGINT/SIGTERM are the run's from its first step (opening the provider, loading a
 * vocabulary): a signal that came before the handler would be lost where the shell started
 * samplevec with SIGINT ignored (a background job), or kill it in the middle of a reset.
 * Nested calls (embed_run → embed_run_with) keep the outer handlers. */
static struct sigaction saved_int, saved_term;
static int catching;

static void signals_catch(void)
{
    if (catching++)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &saved_int);
    sigaction(SIGTERM, &sa, &saved_term);
}

static void signals_release(void)
{
    if (--catching)
        return;
    sigaction(SIGINT, &saved_int, NULL);
    sigaction(SIGTERM, &saved_term, NULL);
}

/* One chunk's worth of samples and what the pipeline derives from them. */
typedef struct chunk {
    size_t cap, n;
    library_sample *samples;    /* n, owned */
    char **texts;               /* n source texts, owned */
    char (*hashes)[SV_HASH_HEX_LEN + 1];
    store_lookup *stored;       /* n */
    const char **todo_texts;    /* n_todo, borrowed from texts */
    size_t *todo_index;         /* n_todo indices into samples */
    size_t n_todo;
    float *vectors;             /* cap × dims */
    provider_text_result *results; /* cap; a failed sample's reason is results[t].error */
    store_row *rows;            /* cap */
    size_t n_rows;              /* rows to store */
    size_t n_earlier;           /* samples an earlier run of the resumed job settled (stored
                                   as they are, or failed): neither embedded nor counted */
    int64_t billed;             /* the API's usage for the chunk, -1 when it gave none */
} chunk;

/* The samples a run walks, and what an earlier run of the same job already settled. */
typedef struct embed_job {
    const idspec *selection;    /* NULL = every sample */
    idspec *owned;              /* the selection read from the progress file (--resume alone) */
    char *text;                 /* "all" or idspec_format(selection), owned */
    int64_t limit;              /* samples the job considers in all; 0 = no limit */
    int resumed;                /* continues the progress file's job */
    int has_resume_point;       /* resumed after at least one settled chunk */
    int64_t resume_point;       /* every selected id <= this was settled by an earlier run */
    int64_t *earlier_failed;    /* sorted ids the earlier runs failed (--resume leaves them) */
    size_t n_earlier_failed;
} embed_job;

static void embed_job_clear(embed_job *j)
{
    idspec_free(j->owned);
    free(j->text);
    free(j->earlier_failed);
    memset(j, 0, sizeof *j);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* 1 when an earlier run of the job settled sample id and this run must leave it: it is before
 * the resume point and either stored as it is now, or failed then. */
static int job_settled_earlier(const embed_job *j, int64_t id, int stored_current)
{
    if (!j->has_resume_point || id > j->resume_point)
        return 0;
    return stored_current ||
           (j->n_earlier_failed &&
            bsearch(&id, j->earlier_failed, j->n_earlier_failed, sizeof id, cmp_id) != NULL);
}

static int chunk_init(chunk *c, size_t cap, int dims)
{
    memset(c, 0, sizeof *c);
    c->cap = cap;
    c->samples = calloc(cap, sizeof *c->samples);
    c->texts = calloc(cap, sizeof *c->texts);
    c->hashes = calloc(cap, sizeof *c->hashes);
    c->stored = calloc(cap, sizeof *c->stored);
    c->todo_texts = calloc(cap, sizeof *c->todo_texts);
    c->todo_index = calloc(cap, sizeof *c->todo_index);
    c->vectors = calloc(cap * (size_t)dims, sizeof *c->vectors);
    c->results = calloc(cap, sizeof *c->results);
    c->rows = calloc(cap, sizeof *c->rows);
    return c->samples && c->texts && c->hashes && c->stored && c->todo_texts && c->todo_index &&
                   c->vectors && c->results && c->rows
               ? 0
               : -1;
}

static void chunk_empty(chunk *c)
{
    for (size_t i = 0; i < c->n; i++) {
        library_sample_clear(&c->samples[i]);
        free(c->texts[i]);
        c->texts[i] = NULL;
    }
    for (size_t i = 0; i < c->n_rows; i++) {
        free(c->rows[i].prepared);
        c->rows[i].prepared = NULL;
    }
    provider_results_clear(c->results, c->n_todo);
    c->n = c->n_todo = c->n_rows = c->n_earlier = 0;
}

static void chunk_free(chunk *c)
{
    chunk_empty(c);
    free(c->samples);
    free(c->texts);
    free(c->hashes);
    free(c->stored);
    free(c->todo_texts);
    free(c->todo_index);
    free(c->vectors);
    free(c->results);
    free(c->rows);
}

static size_t chunk_text_bytes(const chunk *c)
{
    size_t bytes = 0;
    for (size_t i = 0; i < c->n; i++)
        bytes += strlen(c->texts[i]);
    return bytes;
}

/* Reads up to want (≤ c->cap) samples (fewer at the end or when the limit is reached) and builds their
 * source texts. Returns 0, or SV_EXIT_DATA. */
static int chunk_fill(chunk *c, size_t want, library_cursor *cur, int64_t *budget,
                      int64_t *warnings, char err[SV_ERR_LEN])
{
    if (want > c->cap)
        want = c->cap;
    /* Bytes, not only samples: a chunk stops taking samples once their source texts reach
     * CHUNK_MAX_TEXT_BYTES (one sample always fits, however long), so two chunks in flight
     * stay within a few tens of MB even when every description is megabytes long. */
    size_t bytes = chunk_text_bytes(c);
    while (c->n < want && *budget != 0 && (c->n == 0 || bytes < CHUNK_MAX_TEXT_BYTES)) {
        library_sample *s = &c->samples[c->n];
        int got = library_cursor_next(cur, s, err);
        if (got == 0)
            break;
        if (got != 1)
            return got;
        if (s->malformed_fields)
            (*warnings)++;
        if (!(c->texts[c->n] = source_text_build(s))) {
            int64_t id = s->id;
            library_sample_clear(s); /* not yet counted in c->n, so chunk_empty would miss it */
            return sv_fail(err, SV_EXIT_DATA, "out of memory building source text of sample %lld",
                           (long long)id);
        }
        hash_source_hex(c->texts[c->n], c->hashes[c->n]);
        /* the text holds the description now; the store row never needs it again */
        free(s->description);
        s->description = NULL;
        bytes += strlen(c->texts[c->n]);
        c->n++;
        if (*budget > 0)
            (*budget)--;
    }
    return 0;
}

static int report_add_failure(embed_report *r, checkpoint *cp, int64_t id, const char *why)
{
    int64_t *grown = realloc(r->failed_ids, (r->n_failed_ids + 1) * sizeof *grown);
    if (!grown)
        return -1;
    r->failed_ids = grown;
    r->failed_ids[r->n_failed_ids++] = id;
    r->failed++;
    return cp ? checkpoint_add_failure(cp, id, why) : 0;
}

static void fill_row(store_row *row, const library_sample *s, const char *text, const char *hash,
                     const float *vector)
{
    row->sample_id = s->id;
    row->vector = vector;
    row->source = text;
    row->source_hash = hash;
    row->title = s->title;
    row->genre = s->genre;
    row->musical_key = s->musical_key;
    row->mood_primary = s->mood_primary;
    row->mood_secondary = s->mood_secondary;
    row->bpm = s->bpm;
    row->has_bpm = s->has_bpm;
    row->energy_level = s->energy_level;
    row->has_energy = s->has_energy;
    row->prepared = NULL;
}

/* Samples one commit holds at most. A commit (store transaction + progress file) costs a few
 * fsyncs, so fast providers get several provider chunks per commit: the group doubles while a
 * cycle takes under COMMIT_TARGET_S, up to GROUP_MAX_BYTES per group (two groups live: one
 * embedding, one being written). A slow provider commits every chunk. */
static size_t commit_group_max(const provider *p)
{
    size_t group_max = GROUP_MAX_BYTES / ((size_t)p->dims * sizeof(float) + SAMPLE_TEXT_BYTES);
    if (group_max > GROUP_MAX_CHUNKS * p->chunk_size)
        group_max = GROUP_MAX_CHUNKS * p->chunk_size;
    if (group_max < p->chunk_size)
        group_max = p->chunk_size;
    return group_max;
}

static void tell_plan(const embed_options *o, const provider *p, const store *st,
                      const char *mode, const char *backup)
{
    const embed_observer *ob = o->observer;
    if (!ob || !ob->plan)
        return;
    /* a PostgreSQL URL may carry a password: shown without it */
    char library[1024], store_shown[1024];
    pgconn_redact(o->library, library, sizeof library);
    pgconn_redact(st ? st->location : o->store, store_shown, sizeof store_shown);
    embed_plan plan = {mode,     library,  store_shown,   o->progress,
                       p->name,  p->model, p->dims,       p->chunk_size,
                       commit_group_max(p),  p->usd_per_mtok, o->dry_run,
                       st && st->app_database, backup};
    ob->plan(ob->ctx, &plan);
}

/* An app store's database is copied aside before samplevec first writes to it (unless
 * --no-backup); what protects it goes to the panel through `shown`. */
static int protect_app_database(const embed_options *o, store *st, char *shown, size_t cap,
                                char err[SV_ERR_LEN])
{
    if (!st->vt->backup)
        return 0;
    if (o->no_backup) {
        snprintf(shown, cap, "none (--no-backup)");
        return 0;
    }
    char path[STORE_BACKUP_PATH_LEN];
    int made = 0;
    int rc = st->vt->backup(st, path, &made, err);
    if (rc)
        return rc;
    if (made < 0)
        snprintf(shown, cap, "%s", err);
    else if (made)
        snprintf(shown, cap, "%s (made now)", path);
    else if (access(path, F_OK) == 0)
        snprintf(shown, cap, "%s (from the first run, kept)", path);
    else
        snprintf(shown, cap, "none (samplevec wrote here before with --no-backup)");
    if (made > 0)
        msg_info("backed up %s to %s before writing to it", st->location, path);
    return 0;
}

/* Calls the observer's callback `cb` (start, advance or finish) when it has one. */
#define TELL(o, cb, bar)                                                                     \
    do {                                                                                     \
        if ((o)->observer && (o)->observer->cb)                                              \
            (o)->observer->cb((o)->observer->ctx, (bar));                                    \
    } while (0)

/* Samples getting past the provider before their chunk settles: the provider's progress
 * callback and the pipeline's own counts of a call land here and move bar->pending, so the
 * display advances per request, not per commit. */
typedef struct progress_tap {
    const embed_options *o;
    embed_progress *bar;
    size_t in_call;  /* texts the provider reported during the current embed call */
} progress_tap;

static void tap_add(progress_tap *tap, size_t n)
{
    if (!n)
        return;
    tap->bar->pending += (int64_t)n;
    TELL(tap->o, advance, tap->bar);
}

static void tap_on_texts_done(void *ctx, size_t n)
{
    progress_tap *tap = ctx;
    tap->in_call += n;
    tap_add(tap, n);
}

/* Dry run: count what a real run would embed and what it would cost. Nothing is written and
 * no network is used; a local store that already exists is read to count skips. */
static int chunk_plan(chunk *c, store *st, const provider *p, const embed_job *job, int64_t *ids,
                      char err[SV_ERR_LEN]);

static int dry_run(const embed_job *job, library *lib, provider *p, store *st, embed_report *r,
                   char err[SV_ERR_LEN])
{
    library_cursor *cur = library_cursor_new(lib, job->selection, NULL, err);
    if (!cur)
        return SV_EXIT_DATA;
    chunk c;
    int rc = 0;
    int64_t budget = job->limit > 0 ? job->limit : -1;
    int64_t *ids = malloc(p->chunk_size * sizeof *ids);
    if (chunk_init(&c, p->chunk_size, 1) != 0 || !ids) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto done;
    }
    for (;;) {
        if (interrupted) {
            rc = sv_fail(err, SV_EXIT_INTERRUPTED, "interrupted: the dry run stopped early");
            break;
        }
        if ((rc = chunk_fill(&c, c.cap, cur, &budget, &r->warnings, err)) || c.n == 0)
            break;
        if ((rc = chunk_plan(&c, st, p, job, ids, err)))
            break;
        r->total += (int64_t)c.n;
        r->skipped += (int64_t)(c.n - c.n_todo);
        r->successful += (int64_t)c.n_todo;
        for (size_t t = 0; t < c.n_todo; t++) {
            int64_t tokens = provider_count_tokens_as(p, PROVIDER_ROLE_DOCUMENT, c.todo_texts[t]);
            if (tokens < 0) {
                rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
                goto done;
            }
            if (p->max_input_tokens > 0 && tokens > p->max_input_tokens) {
                tokens = p->max_input_tokens; /* cut before it is sent: that is what it costs */
                r->truncated++;
            }
            r->tokens_counted += tokens;
        }
        chunk_empty(&c);
    }
    r->tokens = r->tokens_counted;
    r->cost_usd = pricing_cost_usd(r->tokens, p->usd_per_mtok);
done:
    chunk_free(&c);
    free(ids);
    library_cursor_free(cur);
    return rc;
}

/* A store call on one chunk's rows, on a thread of its own:
 *   the write (call_upsert), so that embedding the next chunk (CPU or network) overlaps this
 *     chunk's commit (disk or network). Only this thread touches the store's connection while it
 *     runs; the main thread looks ids up only between writes;
 *   the preparation (call_prepare: store_prepare_rows, the work that needs no connection:
 *     keyword entries, JSON vectors), beside the main thread's wait for the previous chunk's
 *     write and its settling: that wait left a core idle, and the tokenizing was on the main
 *     thread's path between two writes. Nothing else touches the chunk's rows meanwhile. */
typedef struct chunk_job {
    int (*call)(store *st, chunk *c, char err[SV_ERR_LEN]);
    store *st;
    chunk *c;
    int rc;
    char err[SV_ERR_LEN];
    pthread_t thread;
    int running;
} chunk_job;

static int call_upsert(store *st, chunk *c, char err[SV_ERR_LEN])
{
    return c->n_rows ? store_upsert(st, c->rows, c->n_rows, err) : 0;
}

static int call_prepare(store *st, chunk *c, char err[SV_ERR_LEN])
{
    return store_prepare_rows(st, c->rows, c->n_rows, err);
}

static void *chunk_job_run(void *arg)
{
    chunk_job *j = arg;
    j->rc = j->call(j->st, j->c, j->err);
    return NULL;
}

static void chunk_job_start(chunk_job *j, int (*call)(store *, chunk *, char[SV_ERR_LEN]), store *st, chunk *c)
{
    j->call = call;
    j->st = st;
    j->c = c;
    j->rc = 0;
    j->running = pthread_create(&j->thread, NULL, chunk_job_run, j) == 0;
    if (!j->running)
        chunk_job_run(j); /* no thread to be had: inline */
}

static int chunk_job_wait(chunk_job *j, char err[SV_ERR_LEN])
{
    if (j->running) {
        pthread_join(j->thread, NULL);
        j->running = 0;
    }
    if (j->rc)
        memcpy(err, j->err, SV_ERR_LEN);
    return j->rc;
}

/* Everything a run carries from one chunk to the next. */
typedef struct run_state {
    const embed_options *o;
    const embed_job *job;
    provider *p;
    checkpoint *cp;
    embed_report *r;
    struct run_totals *totals;
    embed_progress *bar;
    chunk_job w;
    chunk *writing; /* embedded, its rows being committed by w; NULL when none */
} run_state;

static int chunk_settle(chunk *c, const provider *p, const embed_options *o, checkpoint *cp,
                        embed_report *r, struct run_totals *t, embed_progress *bar,
                        char err[SV_ERR_LEN]);

/* chunk_settle with the run's state: c's rows are committed. */
static int settle_chunk(run_state *rs, chunk *c, char err[SV_ERR_LEN])
{
    return chunk_settle(c, rs->p, rs->o, rs->cp, rs->r, rs->totals, rs->bar, err);
}

/* Waits for the write in flight, if any, and settles its chunk: exactly once, whatever fails. */
static int settle_previous(run_state *rs, char err[SV_ERR_LEN])
{
    chunk *c = rs->writing;
    if (!c)
        return 0;
    rs->writing = NULL;
    int rc = chunk_job_wait(&rs->w, err);
    return rc ? rc : settle_chunk(rs, c, err);
}

/* Looks the chunk's ids up and lists the samples to embed: those not stored with this hash and
 * model, less those an earlier run of a resumed job settled (job_settled_earlier). Without a
 * store (a dry run with none yet) every sample is to embed. */
static int chunk_plan(chunk *c, store *st, const provider *p, const embed_job *job, int64_t *ids,
                      char err[SV_ERR_LEN])
{
    for (size_t i = 0; i < c->n; i++)
        ids[i] = c->samples[i].id;
    memset(c->stored, 0, c->n * sizeof *c->stored);
    int rc = st ? store_lookup_ids(st, ids, c->n, c->stored, err) : 0;
    if (rc)
        return rc;
    c->n_todo = c->n_earlier = 0;
    for (size_t i = 0; i < c->n; i++) {
        int current = c->stored[i].present && strcmp(c->stored[i].source_hash, c->hashes[i]) == 0 &&
                      strcmp(c->stored[i].model, p->model) == 0;
        if (job_settled_earlier(job, c->samples[i].id, current)) {
            c->n_earlier++;
            continue;
        }
        if (current)
            continue;
        c->todo_index[c->n_todo] = i;
        c->todo_texts[c->n_todo++] = c->texts[i];
    }
    return 0;
}

/* The chunk's store rows, one per todo text (rows[t] for todo_texts[t]), made before its
 * embedding so that the store can prepare them (store_prepare_rows) beside it; each points at
 * the vector the provider will write. chunk_rows then keeps those that got a valid one. */
static void chunk_rows_ahead(chunk *c, const provider *p)
{
    for (size_t t = 0; t < c->n_todo; t++) {
        size_t i = c->todo_index[t];
        fill_row(&c->rows[t], &c->samples[i], c->texts[i], c->hashes[i], c->vectors + t * (size_t)p->dims);
    }
    c->n_rows = c->n_todo;
}

/* Validates every vector the provider returned and keeps the rows made ahead of those that are
 * valid, in order; a pending text (interrupted before it was embedded) keeps none. A sample
 * that fails keeps its reason in results[t].error. A dropped row's prepared work is freed.
 * 0, or SV_EXIT_DATA (out of memory: no row after the failure is kept). */
static int chunk_rows(chunk *c, const provider *p, int store_dims, char err[SV_ERR_LEN])
{
    size_t kept = 0;
    int rc = 0;
    for (size_t t = 0; t < c->n_todo; t++) {
        const float *v = c->vectors + t * (size_t)p->dims;
        char reason[SV_ERR_LEN];
        int keep = !rc && !c->results[t].pending && !c->results[t].error;
        if (keep && vecblob_validate(v, (size_t)p->dims, (size_t)store_dims, reason)) {
            keep = 0;
            if (!(c->results[t].error = strdup(reason)))
                rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        }
        if (keep) {
            c->rows[kept++] = c->rows[t];
        } else {
            free(c->rows[t].prepared);
            c->rows[t].prepared = NULL;
        }
    }
    c->n_rows = kept; /* chunk_empty frees the kept rows' prepared work */
    return rc;
}

/* Embeds the chunk's todo texts in provider-sized calls. A sample that fails keeps its reason
 * in results[t].error. On SV_EXIT_INTERRUPTED, the texts the provider did not return are
 * marked pending. chunk_rows follows. */
static int chunk_embed(chunk *c, provider *p, progress_tap *tap, char err[SV_ERR_LEN])
{
    c->billed = -1;
    memset(c->results, 0, c->n_todo * sizeof *c->results);
    for (size_t off = 0; off < c->n_todo; off += p->chunk_size) {
        size_t m = c->n_todo - off < p->chunk_size ? c->n_todo - off : p->chunk_size;
        int64_t billed = -1;
        tap->in_call = 0;
        int rc = provider_embed_as(p, PROVIDER_ROLE_DOCUMENT, c->todo_texts + off, m,
                                   c->vectors + off * (size_t)p->dims, c->results + off, &billed, err);
        if (billed >= 0 && (rc == 0 || rc == SV_EXIT_INTERRUPTED))
            c->billed = (c->billed < 0 ? 0 : c->billed) + billed;
        if (rc == SV_EXIT_INTERRUPTED) {
            /* Ctrl-C: what the provider returned is paid for; keep it (the rest is pending) */
            for (size_t t = off + m; t < c->n_todo; t++)
                c->results[t].pending = 1;
            return rc;
        }
        if (rc)
            return rc;
        tap_add(tap, tap->in_call < m ? m - tap->in_call : 0); /* what the provider did not report */
    }
    return 0;
}

typedef struct run_totals run_totals;
struct run_totals {
    int64_t billed_sum;     /* API usage over chunks that reported it */
    int64_t counted_billed; /* our count over those same chunks */
    int any_billed;
};

/* After the chunk's rows are committed: count it in the report, then record it in the progress
 * file. Only here does anything about the chunk become "done". */
static int chunk_settle(chunk *c, const provider *p, const embed_options *o, checkpoint *cp,
                        embed_report *r, struct run_totals *t, embed_progress *bar,
                        char err[SV_ERR_LEN])
{
    int64_t tokens = 0;
    for (size_t k = 0; k < c->n_todo; k++) {
        const provider_text_result *res = &c->results[k];
        if (res->error) {
            if (report_add_failure(r, cp, c->samples[c->todo_index[k]].id, res->error) != 0)
                return sv_fail(err, SV_EXIT_DATA, "out of memory");
            continue;
        }
        r->truncated += res->truncated;
        tokens += res->tokens;
    }
    int64_t counted = (int64_t)(c->n - c->n_earlier); /* this run's samples */
    int64_t skipped = counted - (int64_t)c->n_todo;
    r->successful += (int64_t)c->n_rows;
    r->skipped += skipped;
    r->tokens_counted += tokens;
    r->total += counted;
    if (c->billed >= 0) {
        t->any_billed = 1;
        t->billed_sum += c->billed;
        t->counted_billed += tokens;
    }
    int64_t billed_tokens = c->billed >= 0 ? c->billed : tokens;
    double cost = pricing_cost_usd(billed_tokens, p->usd_per_mtok);
    /* a resumed job walks its settled samples again (job_settled_earlier): the mark only moves on */
    int64_t last = c->samples[c->n - 1].id;
    if (cp->total_processed == 0 || last > cp->last_processed_id)
        cp->last_processed_id = last;
    cp->total_processed += counted;
    cp->total_successful += (int64_t)c->n_rows;
    cp->total_failed = (int64_t)cp->n_failures;
    cp->total_skipped += skipped;
    cp->total_tokens += billed_tokens;
    cp->total_cost_usd += cost;
    int rc = checkpoint_save(o->progress, cp, err);
    if (rc)
        return rc;
    bar->done += counted;
    bar->pending -= (int64_t)c->n;
    if (bar->pending < 0)
        bar->pending = 0;
    bar->stored = r->successful;
    bar->failed = r->failed;
    bar->skipped = r->skipped;
    bar->cost_usd += cost;
    TELL(o, advance, bar);
    chunk_empty(c);
    return 0;
}

/* Ctrl-C while a paid provider was answering: the vectors it returned are stored (after the
 * write in flight settles, so checkpoints stay in order) and their tokens and cost recorded.
 * The chunk is not settled: last_processed_id stays, and a --resume finds those samples
 * stored and skips them. Returns SV_EXIT_INTERRUPTED, or the error that stopped the write. */
static int chunk_keep_paid(run_state *rs, store *st, chunk *c, char err[SV_ERR_LEN])
{
    char why[SV_ERR_LEN];
    int rc = settle_previous(rs, why);
    if (!rc)
        rc = store_upsert(st, c->rows, c->n_rows, why);
    if (rc && rc != SV_EXIT_INTERRUPTED) {
        memcpy(err, why, SV_ERR_LEN);
        return rc;
    }
    if (rc)
        return rc;
    int64_t tokens = 0;
    for (size_t t = 0; t < c->n_todo; t++)
        if (!c->results[t].pending && !c->results[t].error)
            tokens += c->results[t].tokens;
    int64_t billed = c->billed >= 0 ? c->billed : tokens;
    double cost = pricing_cost_usd(billed, rs->p->usd_per_mtok);
    rs->r->successful += (int64_t)c->n_rows;
    rs->r->tokens_counted += tokens;
    rs->r->kept_on_interrupt = (int64_t)c->n_rows;
    if (c->billed >= 0) {
        rs->totals->any_billed = 1;
        rs->totals->billed_sum += c->billed;
        rs->totals->counted_billed += tokens;
    }
    rs->cp->total_tokens += billed;
    rs->cp->total_cost_usd += cost;
    rs->bar->stored = rs->r->successful;
    rs->bar->cost_usd += cost;
    if ((rc = checkpoint_save(rs->o->progress, rs->cp, why))) {
        memcpy(err, why, SV_ERR_LEN);
        return rc;
    }
    return SV_EXIT_INTERRUPTED;
}

static int run_chunks(const embed_options *o, const embed_job *job, library *lib, provider *p,
                      store *st, checkpoint *cp, embed_report *r, char err[SV_ERR_LEN])
{
    int rc = 0;
    int64_t total = 0;
    if ((rc = library_count(lib, job->selection, &total, err)))
        return rc;
    if (job->limit > 0 && total > job->limit)
        total = job->limit;
    /* Every run walks the whole selection from its first id, a resumed one too: the resume
     * point only says which samples earlier runs settled (job_settled_earlier), so a sample
     * before it that is not stored (added to the library since, or removed from the store) is
     * embedded, never skipped. Walking what is stored costs a lookup per chunk. */
    library_cursor *cur = library_cursor_new(lib, job->selection, NULL, err);
    if (!cur)
        return SV_EXIT_DATA;
    size_t group_max = commit_group_max(p);
    size_t want = p->chunk_size;
    int64_t *ids = malloc(group_max * sizeof *ids);
    chunk buf[2];
    run_state rs;
    memset(&rs, 0, sizeof rs);
    int ok0 = chunk_init(&buf[0], group_max, p->dims) == 0;
    int ok1 = chunk_init(&buf[1], group_max, p->dims) == 0;
    if (!ok0 || !ok1 || !ids) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory for a chunk of %zu samples", group_max);
        goto done;
    }
    embed_progress bar;
    memset(&bar, 0, sizeof bar);
    bar.done_before = job->resumed ? cp->total_processed : 0;
    bar.cost_before_usd = job->resumed ? cp->total_cost_usd : 0;
    bar.total = total;
    if (bar.done_before > total)
        bar.done_before = total;
    bar.done = bar.done_before;
    progress_tap tap = {o, &bar, 0};
    provider_set_progress(p, tap_on_texts_done, &tap);
    TELL(o, start, &bar);
    /* the limit counts the job's samples from its first id, the ones settled earlier too, so a
     * resumed --limit N job ends where an uninterrupted one would */
    int64_t budget = job->limit > 0 ? job->limit : -1;
    run_totals totals = {0, 0, 0};
    rs.o = o;
    rs.job = job;
    rs.p = p;
    rs.cp = cp;
    rs.r = r;
    rs.totals = &totals;
    rs.bar = &bar;
    int which = 0;

    while (!interrupted) {
        double cycle_start = monotime_now();
        chunk *c = &buf[which];
        which ^= 1;
        /* A chunk of long texts (megabytes each) is written before the next is read, so the
         * two never hold their texts at once: memory follows bytes, not samples. */
        if (rs.writing && chunk_text_bytes(rs.writing) >= CHUNK_MAX_TEXT_BYTES &&
            ((rc = settle_previous(&rs, err)) || interrupted))
            break;
        if ((rc = chunk_fill(c, want, cur, &budget, &r->warnings, err)) || c->n == 0)
            break;
        library_cursor_pause(cur); /* never hold the application's database for a whole run */
        /* Lookups run only while no write is in flight, unless the store allows them beside
         * one (its own connection, or Turso): then this chunk is looked up and embedded while
         * the previous one is being written, and the two costs overlap instead of adding up. */
        if (!st->concurrent_lookup && ((rc = settle_previous(&rs, err)) || interrupted))
            break;
        if ((rc = chunk_plan(c, st, p, job, ids, err)))
            break;
        tap_add(&tap, c->n - c->n_todo); /* found stored: nothing to embed */
        /* The store's work that needs no connection, outside this chunk's write: beside its
         * embedding when it needs only the texts (the local store tokenizes the keyword
         * entries; the rows are made ahead and kept after), else beside the wait for the
         * previous chunk's write (the app store writes each vector as JSON). */
        chunk_rows_ahead(c, p);
        chunk_job prep;
        int ahead = st->prepare_from_source;
        if (ahead)
            chunk_job_start(&prep, call_prepare, st, c);
        rc = chunk_embed(c, p, &tap, err);
        char perr[SV_ERR_LEN];
        int prc = ahead ? chunk_job_wait(&prep, perr) : 0;
        if (rc == 0 || rc == SV_EXIT_INTERRUPTED) {
            int vrc = chunk_rows(c, p, st->dims, perr);
            if (vrc) {
                rc = vrc;
                memcpy(err, perr, SV_ERR_LEN);
            }
        }
        if (rc) {
            if (rc == SV_EXIT_INTERRUPTED && c->n_rows > 0)
                rc = chunk_keep_paid(&rs, st, c, err);
            break;
        }
        /* The previous chunk's write ends before this one's begins (one writer), but it settles
         * (the progress file: a write and two fsyncs) once this chunk's write is under way,
         * beside it instead of before it: the writer no longer waits for the progress file. The
         * file still records a chunk only after its commit; a crash between the two leaves it
         * a chunk behind the store, which a resumed run finds stored and skips. */
        if (!ahead)
            chunk_job_start(&prep, call_prepare, st, c);
        chunk *written = rs.writing;
        rs.writing = NULL;
        int wrc = written ? chunk_job_wait(&rs.w, err) : 0;
        if (!ahead)
            prc = chunk_job_wait(&prep, perr);
        rc = wrc;
        if (!rc && prc) {
            rc = prc;
            memcpy(err, perr, SV_ERR_LEN);
        }
        if (!rc && !interrupted) {
            chunk_job_start(&rs.w, call_upsert, st, c);
            rs.writing = c;
        }
        if (written && !wrc) {
            char serr[SV_ERR_LEN];
            int src = settle_chunk(&rs, written, serr);
            if (src && !rc) {
                rc = src;
                memcpy(err, serr, SV_ERR_LEN);
            }
        }
        if (rc || interrupted)
            break;
        if (monotime_now() - cycle_start < COMMIT_TARGET_S && want < group_max)
            want = want * 2 < group_max ? want * 2 : group_max;
    }
    /* the last write, or the one in flight when something stopped the run */
    char werr[SV_ERR_LEN];
    int wrc = settle_previous(&rs, werr);
    if (wrc && !rc) {
        rc = wrc;
        memcpy(err, werr, SV_ERR_LEN);
    }
    provider_set_progress(p, NULL, NULL);
    bar.pending = 0; /* what did not settle is not stored: the end shows what is */
    TELL(o, finish, &bar);
    r->tokens = totals.any_billed ? totals.billed_sum + (r->tokens_counted - totals.counted_billed)
                                  : r->tokens_counted;
    r->cost_usd = pricing_cost_usd(r->tokens, p->usd_per_mtok);
    if (rc == SV_EXIT_INTERRUPTED || (!rc && interrupted)) { /* the pipeline's or a provider's */
        r->interrupted = 1;
        rc = SV_EXIT_INTERRUPTED;
    } else if (!rc) {
        cp->finished = 1;
        rc = checkpoint_save(o->progress, cp, err);
    }
done:
    chunk_free(&buf[0]); /* chunk_init zeroed both first, so this is safe after a failure too */
    chunk_free(&buf[1]);
    free(ids);
    library_cursor_free(cur);
    return rc;
}

/* The lexical provider has more than one model (provider_lexical.c) and its default is for a
 * new store: a run that names no --model goes on with the lexical model the store already
 * holds (a store made with lexical-v1 stays lexical-v1, so its vectors and its queries keep
 * one recipe). Not with --reset (the store is made again: the default then) or when the store
 * holds another provider (store_prepare names the mismatch). A store that cannot be read
 * here is left to the run to report. */
static void lexical_model_of_store(const embed_options *o, provider_config *pc,
                                   char model[PROVIDER_MODEL_LEN])
{
    if (pc->model || o->reset || (pc->name && strcmp(pc->name, "lexical") != 0))
        return;
    const char *local = store_local_path(o->store);
    if (local && access(local, F_OK) != 0)
        return;
    int code;
    char serr[SV_ERR_LEN];
    store_meta m;
    store *st = store_open(o->store, STORE_READ_ONLY, &code, serr);
    if (st && store_meta_get(st, &m, serr) == 0 && strcmp(m.provider, "lexical") == 0 && m.model[0]) {
        snprintf(model, PROVIDER_MODEL_LEN, "%s", m.model);
        pc->model = model;
    }
    store_close(st);
}

int embed_run(const embed_options *o, embed_report *r, char err[SV_ERR_LEN])
{
    provider_config pc = o->provider;
    pc.offline = o->dry_run;
    pc.cancel = &interrupted;
    int rc = 0;
    char store_model[PROVIDER_MODEL_LEN];
    lexical_model_of_store(o, &pc, store_model);
    signals_catch();
    provider *p = provider_open(&pc, &rc, err);
    if (!p) {
        memset(r, 0, sizeof *r);
        signals_release();
        return rc;
    }
    rc = embed_run_with(o, p, r, err);
    provider_free(p);
    signals_release();
    return rc;
}

#define ORPHANS_PER_REMOVE 1000

/* Removes the stored vectors whose sample is no longer in the library (after a complete --all
 * walk), ORPHANS_PER_REMOVE per transaction. 0 or SV_EXIT_*. */
static int remove_orphans(library *lib, store *st, embed_report *r, char err[SV_ERR_LEN])
{
    int64_t *lib_ids = NULL, *orphans = NULL;
    size_t n_lib = 0, n_orphans = 0;
    int rc = library_ids(lib, &lib_ids, &n_lib, err);
    if (!rc)
        rc = store_orphans(st, lib_ids, n_lib, &orphans, &n_orphans, err);
    free(lib_ids);
    for (size_t at = 0; !rc && at < n_orphans; at += ORPHANS_PER_REMOVE) {
        size_t m = n_orphans - at < ORPHANS_PER_REMOVE ? n_orphans - at : ORPHANS_PER_REMOVE;
        if (!(rc = store_remove(st, orphans + at, m, err)))
            r->orphans_removed += (int64_t)m;
    }
    free(orphans);
    return rc;
}

/* The job's selection and limit: the options', or the progress file's for --resume alone.
 * 0, or SV_EXIT_USAGE / SV_EXIT_DATA with err. */
static int job_select(const embed_options *o, const checkpoint *cp, int loaded, embed_job *job,
                      char err[SV_ERR_LEN])
{
    memset(job, 0, sizeof *job);
    job->selection = o->selection;
    job->limit = o->limit;
    if (o->resume_selection) {
        if (loaded == 1)
            return sv_fail(err, SV_EXIT_USAGE,
                           "nothing to resume: there is no progress file at %s; pass --all or "
                           "--sample-ids SPEC to say which samples to embed (or --progress-file "
                           "PATH)",
                           o->progress);
        if (!cp->selection)
            return sv_fail(err, SV_EXIT_USAGE,
                           "progress file %s was written by an older samplevec and does not record "
                           "which samples its run selected: resume with --all --resume or "
                           "--sample-ids SPEC --resume",
                           o->progress);
        if (strcmp(cp->selection, CHECKPOINT_SELECTION_ALL) != 0) {
            char why[SV_ERR_LEN];
            if (!(job->owned = idspec_parse(cp->selection, why)))
                return sv_fail(err, SV_EXIT_DATA,
                               "progress file %s is corrupt (its \"selection\" '%.60s' is not a "
                               "sample id list: %s): pass --all or --sample-ids with --resume, or "
                               "--reset to start over",
                               o->progress, cp->selection, why);
            job->selection = job->owned;
        }
        if (!o->limit)
            job->limit = cp->limit;
    }
    job->text = job->selection ? idspec_format(job->selection) : strdup(CHECKPOINT_SELECTION_ALL);
    if (!job->text)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    return 0;
}

/* Continues the loaded job, whose checks passed: what its earlier runs settled. */
static int job_continue(embed_job *job, const checkpoint *cp, char err[SV_ERR_LEN])
{
    job->resumed = 1;
    job->has_resume_point = cp->total_processed > 0;
    job->resume_point = cp->last_processed_id;
    if (cp->n_failures) {
        if (!(job->earlier_failed = malloc(cp->n_failures * sizeof *job->earlier_failed)))
            return sv_fail(err, SV_EXIT_DATA, "out of memory");
        for (size_t i = 0; i < cp->n_failures; i++)
            job->earlier_failed[i] = cp->failures[i].sample_id;
        qsort(job->earlier_failed, cp->n_failures, sizeof *job->earlier_failed, cmp_id);
        job->n_earlier_failed = cp->n_failures;
    }
    return 0;
}

int embed_run_with(const embed_options *o, provider *p, embed_report *r, char err[SV_ERR_LEN])
{
    memset(r, 0, sizeof *r);
    double started = monotime_now();
    int rc = 0;
    store *st = NULL;
    checkpoint cp;
    checkpoint_init(&cp);
    embed_job job;
    memset(&job, 0, sizeof job);
    signals_catch();

    library *lib = library_open(o->library, err);
    if (!lib) {
        rc = SV_EXIT_DATA;
        goto done;
    }
    char library_shown[1024];
    pgconn_redact(o->library, library_shown, sizeof library_shown);
    if (!library_has_vibe(lib))
        msg_info("%s has no vibe_analyses table: embedding from basic metadata (title, genre, "
                 "BPM, key, tags)",
                 library_shown);

    snprintf(r->model, sizeof r->model, "%s", p->model);
    snprintf(r->provider, sizeof r->provider, "%s", p->name);
    r->dims = p->dims;
    r->tokens_estimated = !p->tokens_exact;

    /* The progress file is read before anything is opened for writing: a --resume with
     * nothing to resume, or a file that is no progress file, stops here with nothing created. */
    int loaded = 1;
    if (o->reset) {
        if ((rc = checkpoint_check_replaceable(o->progress, err)))
            goto done; /* --reset replaces only a progress file, never anything else */
    } else if (!o->dry_run || o->resume_selection) {
        loaded = checkpoint_load(o->progress, &cp, err);
        if (loaded == SV_EXIT_DATA) {
            rc = loaded;
            goto done;
        }
    }
    if ((rc = job_select(o, &cp, loaded, &job, err)))
        goto done;

    if (o->dry_run) {
        tell_plan(o, p, NULL, "dry run (estimate only, nothing is written)", NULL);
        /* Skips are counted against an existing store of the same model: a local file, or a
         * PostgreSQL database (its session stays read-only: only prepare could write). */
        const char *local = store_local_path(o->store);
        if (!o->reset && ((local && access(local, F_OK) == 0) || store_is_postgres(o->store))) {
            store_meta m;
            int code;
            char serr[SV_ERR_LEN];
            st = store_open(o->store, STORE_READ_ONLY, &code, serr);
            if (st && (store_meta_get(st, &m, serr) || strcmp(m.model, p->model) || m.dims != p->dims ||
                       strcmp(m.prompts.document, p->prompts.document))) {
                store_close(st);
                st = NULL;
            }
        }
        rc = dry_run(&job, lib, p, st, r, err);
        goto done;
    }

    if (!(st = store_open(o->store, STORE_READ_WRITE, &rc, err)))
        goto done;
    st->cancel = &interrupted; /* a remote store stops waiting out retries on Ctrl-C */
    if (o->observer && o->observer->reset) {
        st->reset_progress = o->observer->reset;
        st->reset_progress_ctx = o->observer->ctx;
    }
    if (o->resume && loaded == 0 && cp.model[0] &&
        (strcmp(cp.model, p->model) != 0 || cp.dims != p->dims)) {
        rc = sv_fail(err, SV_EXIT_USAGE,
                     "progress file %s is for model '%s' (%d dims), this run uses '%s' (%d dims): "
                     "resume with the same --provider/--model/--dims, or start over with --reset",
                     o->progress, cp.model, cp.dims, p->model, p->dims);
        goto done;
    }
    if (o->resume && loaded == 0 && cp.store[0] && strcmp(cp.store, st->location) != 0) {
        rc = sv_fail(err, SV_EXIT_USAGE,
                     "progress file %s belongs to store %s, this run writes to %s: resume with "
                     "--store %s, pass another --progress-file, or drop --resume (a plain run "
                     "skips what the store already holds)",
                     o->progress, cp.store, st->location, cp.store);
        goto done;
    }
    /* The job goes on only for the same selection (a version 1 file recorded none: taken as
     * the same). Another selection is another job: its samples are all walked, and what is
     * stored is skipped by hash, so nothing the earlier job never reached is left out. */
    int same_job = o->resume && loaded == 0 && (!cp.selection || strcmp(cp.selection, job.text) == 0);
    if (o->resume && loaded == 0 && !same_job)
        msg_info("progress file %s is for the selection '%s', this run selects '%s': starting a "
                 "new job over every selected sample (the ones already stored are skipped)",
                 o->progress, cp.selection, job.text);
    if (same_job) {
        if ((rc = job_continue(&job, &cp, err)))
            goto done;
    } else {
        if (o->resume && loaded == 1)
            msg_info("no progress file at %s: starting from the first sample", o->progress);
        else if (!o->resume && loaded == 0 && !cp.finished)
            msg_info("an earlier run stopped before the end (%s); this run skips what it stored "
                     "(--resume also keeps its totals)",
                     o->progress);
        checkpoint_clear(&cp);
        checkpoint_init(&cp);
    }
    if (checkpoint_set_selection(&cp, job.text) != 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto done;
    }
    cp.limit = job.limit;
    if (o->reset) {
        store_meta before;
        if ((rc = store_meta_get(st, &before, err)))
            goto done;
        if (before.rows > 0)
            msg_info("--reset: dropping the %lld stored vectors (%s, %d dims) of %s", (long long)before.rows,
                     before.model[0] ? before.model : "no model", before.dims, st->location);
    }
    char backup[STORE_BACKUP_PATH_LEN + 64] = "";
    if ((rc = protect_app_database(o, st, backup, sizeof backup, err)))
        goto done;
    rc = store_prepare(st, p->name, p->model, p->dims, &p->prompts, o->reset, err);
    if (rc == SV_EXIT_INTERRUPTED && o->reset) {
        snprintf(err, SV_ERR_LEN,
                 "interrupted during --reset: nothing was dropped; the store %.200s and the "
                 "progress file %.200s are as they were",
                 st->location, o->progress);
        goto done;
    }
    if (rc)
        goto done;
    if (o->reset) {
        /* the old job's progress file goes only now that its vectors are gone: replaced by the
         * new job's, never left describing rows that are not there */
        snprintf(cp.provider, sizeof cp.provider, "%s", p->name);
        snprintf(cp.model, sizeof cp.model, "%s", p->model);
        snprintf(cp.store, sizeof cp.store, "%s", st->location);
        cp.dims = p->dims;
        if ((rc = checkpoint_save(o->progress, &cp, err)))
            goto done;
    }
    if (o->vector_index) {
        /* an index the server cannot make is worth a warning, not the run */
        rc = store_vector_index(st, err);
        if (rc == SV_EXIT_USAGE)
            msg_warn("--vector-index: %s", err);
        else if (rc)
            goto done;
        else
            msg_info("vector index sample_embeddings_vibe_idx (libsql_vector_idx, cosine) is in place");
        rc = 0;
    }
    snprintf(cp.provider, sizeof cp.provider, "%s", p->name);
    snprintf(cp.model, sizeof cp.model, "%s", p->model);
    snprintf(cp.store, sizeof cp.store, "%s", st->location);
    cp.dims = p->dims;
    cp.finished = 0;
    /* A new job is on record before its first write: a run stopped before it stored anything
     * (a database the app keeps locked, a server away) leaves this job's checkpoint, not the
     * last finished job's, so --resume starts this job from its beginning instead of finding
     * nothing left to do. */
    if (!same_job && (rc = checkpoint_save(o->progress, &cp, err)))
        goto done;
    tell_plan(o, p, st, job.resumed ? "resume" : "embed", st->app_database ? backup : NULL);

    abort_text = o->observer ? o->observer->abort_text : NULL;
    abort_len = abort_text ? strlen(abort_text) : 0;
    rc = run_chunks(o, &job, lib, p, st, &cp, r, err);
    /* --all walked the whole library: the vectors of samples it no longer has go too */
    if (!rc && !job.selection && job.limit == 0 && !interrupted)
        rc = remove_orphans(lib, st, r, err);
    /* A resumed job is only done when the samples its earlier runs failed are too: --resume
     * never goes back to them (a plain rerun retries them), so say so through the exit code. */
    if (!rc && job.resumed && cp.n_failures > r->n_failed_ids)
        r->earlier_failed = (int64_t)(cp.n_failures - r->n_failed_ids);
    if (rc == SV_EXIT_DATA && store_is_remote(o->store)) {
        /* a server that stays away: say what is safe and how to finish */
        size_t len = strlen(err);
        snprintf(err + len, SV_ERR_LEN - len,
                 "; progress is saved in %s (through sample %lld): run again with --resume "
                 "when the server is back",
                 o->progress, (long long)cp.last_processed_id);
    }
    if (rc == SV_EXIT_INTERRUPTED && cp.total_processed == 0 && !r->kept_on_interrupt)
        snprintf(err, SV_ERR_LEN, "interrupted before the first batch was stored, so nothing was "
                                  "recorded: run the command again (--resume works too)");
    else if (rc == SV_EXIT_INTERRUPTED && cp.total_processed == 0)
        snprintf(err, SV_ERR_LEN, "interrupted before the first batch was settled: run the "
                                  "command again (--resume works too)");
    else if (rc == SV_EXIT_INTERRUPTED)
        snprintf(err, SV_ERR_LEN,
                 "interrupted: progress saved to %s after sample %lld; run again with --resume "
                 "to finish",
                 o->progress, (long long)cp.last_processed_id);
    if (rc == SV_EXIT_INTERRUPTED && r->kept_on_interrupt) {
        size_t len = strlen(err);
        snprintf(err + len, SV_ERR_LEN - len,
                 " (the %lld vectors the provider had already returned, and billed, are stored: "
                 "--resume skips them)",
                 (long long)r->kept_on_interrupt);
    }
done:
    if (!rc && (r->failed || r->earlier_failed))
        rc = SV_EXIT_FAILED;
    r->elapsed_s = monotime_now() - started;
    checkpoint_clear(&cp);
    embed_job_clear(&job);
    store_close(st); /* releases the writer lease, still under our handlers */
    library_close(lib);
    signals_release();
    return rc;
}

void embed_report_clear(embed_report *r)
{
    free(r->failed_ids);
    r->failed_ids = NULL;
    r->n_failed_ids = 0;
}
