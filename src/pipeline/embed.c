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

static volatile sig_atomic_t interrupted;

/* First signal: finish the chunk in flight, checkpoint, exit 130. Second: leave at once
 * (still safe: the store commits whole chunks and the progress file is replaced atomically). */
static void on_signal(int sig)
{
    (void)sig;
    if (interrupted)
        _exit(SV_EXIT_INTERRUPTED);
    interrupted = 1;
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
    int64_t billed;             /* the API's usage for the chunk, -1 when it gave none */
} chunk;

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
    provider_results_clear(c->results, c->n_todo);
    c->n = c->n_todo = c->n_rows = 0;
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

/* Reads up to want (≤ c->cap) samples (fewer at the end or when the limit is reached) and builds their
 * source texts. Returns 0, or SV_EXIT_DATA. */
static int chunk_fill(chunk *c, size_t want, library_cursor *cur, int64_t *budget,
                      int64_t *warnings, char err[SV_ERR_LEN])
{
    if (want > c->cap)
        want = c->cap;
    while (c->n < want && *budget != 0) {
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
    embed_plan plan = {mode,     library,  store_shown,   o->progress, p->name,
                       p->model, p->dims,  p->chunk_size, o->dry_run,  st && st->app_database,
                       backup};
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

/* Dry run: count what a real run would embed and what it would cost. Nothing is written and
 * no network is used; a local store that already exists is read to count skips. */
static int chunk_plan(chunk *c, store *st, const provider *p, int64_t *ids, char err[SV_ERR_LEN]);

static int dry_run(const embed_options *o, library *lib, provider *p, store *st, embed_report *r,
                   char err[SV_ERR_LEN])
{
    library_cursor *cur = library_cursor_new(lib, o->selection, INT64_MIN, err);
    if (!cur)
        return SV_EXIT_DATA;
    chunk c;
    int rc = 0;
    int64_t budget = o->limit > 0 ? o->limit : -1;
    int64_t *ids = malloc(p->chunk_size * sizeof *ids);
    if (chunk_init(&c, p->chunk_size, 1) != 0 || !ids) {
        rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto done;
    }
    for (;;) {
        if ((rc = chunk_fill(&c, c.cap, cur, &budget, &r->warnings, err)) || c.n == 0)
            break;
        if ((rc = chunk_plan(&c, st, p, ids, err)))
            break;
        r->total += (int64_t)c.n;
        r->skipped += (int64_t)(c.n - c.n_todo);
        r->successful += (int64_t)c.n_todo;
        for (size_t t = 0; t < c.n_todo; t++) {
            int64_t tokens = provider_count_tokens(p, c.todo_texts[t]);
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

/* The store write of one chunk, on its own thread so that embedding the next chunk (CPU or
 * network) overlaps this chunk's commit (disk or network). Only this thread touches the store
 * while it runs; the main thread looks ids up only between writes. */
typedef struct write_job {
    store *st;
    chunk *c;
    int rc;
    char err[SV_ERR_LEN];
    pthread_t thread;
    int running;
} write_job;

static void *write_thread(void *arg)
{
    write_job *w = arg;
    w->rc = w->c->n_rows ? store_upsert(w->st, w->c->rows, w->c->n_rows, w->err) : 0;
    return NULL;
}

static int write_start(write_job *w, store *st, chunk *c)
{
    w->st = st;
    w->c = c;
    w->rc = 0;
    if (pthread_create(&w->thread, NULL, write_thread, w) != 0) {
        write_thread(w); /* no thread to be had: write inline */
        return 0;
    }
    w->running = 1;
    return 0;
}

static int write_wait(write_job *w, char err[SV_ERR_LEN])
{
    if (w->running) {
        pthread_join(w->thread, NULL);
        w->running = 0;
    }
    if (w->rc)
        memcpy(err, w->err, SV_ERR_LEN);
    return w->rc;
}

/* Everything a run carries from one chunk to the next. */
typedef struct run_state {
    const embed_options *o;
    provider *p;
    checkpoint *cp;
    embed_report *r;
    struct run_totals *totals;
    embed_progress *bar;
    write_job w;
    chunk *writing; /* embedded, its rows being committed by w; NULL when none */
} run_state;

static int chunk_settle(chunk *c, const provider *p, const embed_options *o, checkpoint *cp,
                        embed_report *r, struct run_totals *t, embed_progress *bar,
                        char err[SV_ERR_LEN]);

/* Waits for the write in flight, if any, and settles its chunk: exactly once, whatever fails. */
static int settle_previous(run_state *rs, char err[SV_ERR_LEN])
{
    chunk *c = rs->writing;
    if (!c)
        return 0;
    rs->writing = NULL;
    int rc = write_wait(&rs->w, err);
    return rc ? rc : chunk_settle(c, rs->p, rs->o, rs->cp, rs->r, rs->totals, rs->bar, err);
}

/* Looks the chunk's ids up and lists the samples to embed (not stored with this hash+model).
 * Without a store (a dry run with none yet) every sample is to embed. */
static int chunk_plan(chunk *c, store *st, const provider *p, int64_t *ids, char err[SV_ERR_LEN])
{
    for (size_t i = 0; i < c->n; i++)
        ids[i] = c->samples[i].id;
    memset(c->stored, 0, c->n * sizeof *c->stored);
    int rc = st ? store_lookup_ids(st, ids, c->n, c->stored, err) : 0;
    if (rc)
        return rc;
    for (size_t i = 0; i < c->n; i++) {
        if (c->stored[i].present && strcmp(c->stored[i].source_hash, c->hashes[i]) == 0 &&
            strcmp(c->stored[i].model, p->model) == 0)
            continue;
        c->todo_index[c->n_todo] = i;
        c->todo_texts[c->n_todo++] = c->texts[i];
    }
    return 0;
}

/* Embeds the chunk's todo texts in provider-sized calls, validates every vector and builds the
 * store rows. A sample that fails keeps its reason in results[t].error. */
static int chunk_embed(chunk *c, provider *p, int store_dims, char err[SV_ERR_LEN])
{
    c->billed = -1;
    memset(c->results, 0, c->n_todo * sizeof *c->results);
    for (size_t off = 0; off < c->n_todo; off += p->chunk_size) {
        size_t m = c->n_todo - off < p->chunk_size ? c->n_todo - off : p->chunk_size;
        int64_t billed = -1;
        int rc = provider_embed(p, c->todo_texts + off, m, c->vectors + off * (size_t)p->dims,
                                c->results + off, &billed, err);
        if (rc)
            return rc;
        if (billed >= 0)
            c->billed = (c->billed < 0 ? 0 : c->billed) + billed;
    }
    for (size_t t = 0; t < c->n_todo; t++) {
        size_t i = c->todo_index[t];
        const float *v = c->vectors + t * (size_t)p->dims;
        char reason[SV_ERR_LEN];
        if (!c->results[t].error && vecblob_validate(v, (size_t)p->dims, (size_t)store_dims, reason))
            if (!(c->results[t].error = strdup(reason)))
                return sv_fail(err, SV_EXIT_DATA, "out of memory");
        if (!c->results[t].error)
            fill_row(&c->rows[c->n_rows++], &c->samples[i], c->texts[i], c->hashes[i], v);
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
    r->successful += (int64_t)c->n_rows;
    r->skipped += (int64_t)(c->n - c->n_todo);
    r->tokens_counted += tokens;
    r->total += (int64_t)c->n;
    if (c->billed >= 0) {
        t->any_billed = 1;
        t->billed_sum += c->billed;
        t->counted_billed += tokens;
    }
    int64_t billed_tokens = c->billed >= 0 ? c->billed : tokens;
    double cost = pricing_cost_usd(billed_tokens, p->usd_per_mtok);
    cp->last_processed_id = c->samples[c->n - 1].id;
    cp->total_processed += (int64_t)c->n;
    cp->total_successful += (int64_t)c->n_rows;
    cp->total_failed = (int64_t)cp->n_failures;
    cp->total_skipped += (int64_t)(c->n - c->n_todo);
    cp->total_tokens += billed_tokens;
    cp->total_cost_usd += cost;
    int rc = checkpoint_save(o->progress, cp, err);
    if (rc)
        return rc;
    bar->done += (int64_t)c->n;
    bar->stored = r->successful;
    bar->failed = r->failed;
    bar->skipped = r->skipped;
    bar->cost_usd += cost;
    TELL(o, advance, bar);
    chunk_empty(c);
    return 0;
}

static int run_chunks(const embed_options *o, library *lib, provider *p, store *st, checkpoint *cp,
                      embed_report *r, char err[SV_ERR_LEN])
{
    int rc = 0;
    int64_t total = 0;
    if ((rc = library_count(lib, o->selection, &total, err)))
        return rc;
    if (o->limit > 0 && total > o->limit)
        total = o->limit;
    /* A fresh run starts before every id (ids may be 0 or negative); a resumed one after the
     * last settled sample. */
    int64_t after = cp->total_processed > 0 ? cp->last_processed_id : INT64_MIN;
    library_cursor *cur = library_cursor_new(lib, o->selection, after, err);
    if (!cur)
        return SV_EXIT_DATA;
    /* A commit (store transaction + progress file) costs a few fsyncs, so fast providers get
     * several provider chunks per commit: the group doubles while a cycle takes under
     * COMMIT_TARGET_S, up to GROUP_MAX_BYTES per group (two groups live: one embedding, one
     * being written). A slow provider commits every chunk. */
    size_t group_max = GROUP_MAX_BYTES / ((size_t)p->dims * sizeof(float) + SAMPLE_TEXT_BYTES);
    if (group_max > GROUP_MAX_CHUNKS * p->chunk_size)
        group_max = GROUP_MAX_CHUNKS * p->chunk_size;
    if (group_max < p->chunk_size)
        group_max = p->chunk_size;
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
    bar.total = total;
    bar.done = o->resume ? cp->total_processed : 0;
    if (bar.done > total)
        bar.done = total;
    TELL(o, start, &bar);
    int64_t budget = o->limit > 0 ? o->limit : -1;
    run_totals totals = {0, 0, 0};
    rs.o = o;
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
        if ((rc = chunk_fill(c, want, cur, &budget, &r->warnings, err)) || c->n == 0)
            break;
        library_cursor_pause(cur); /* never hold the application's database for a whole run */
        /* Lookups run only while no write is in flight, unless the store allows them beside
         * one (its own connection, or Turso): then this chunk is looked up and embedded while
         * the previous one is being written, and the two costs overlap instead of adding up. */
        if (!st->concurrent_lookup && ((rc = settle_previous(&rs, err)) || interrupted))
            break;
        if ((rc = chunk_plan(c, st, p, ids, err)))
            break;
        if ((rc = chunk_embed(c, p, st->dims, err)))
            break;
        /* checkpoints stay in order: the previous chunk settles first */
        if ((rc = settle_previous(&rs, err)) || interrupted)
            break;
        write_start(&rs.w, st, c);
        rs.writing = c;
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

int embed_run(const embed_options *o, embed_report *r, char err[SV_ERR_LEN])
{
    provider_config pc = o->provider;
    pc.offline = o->dry_run;
    pc.cancel = &interrupted;
    int rc = 0;
    provider *p = provider_open(&pc, &rc, err);
    if (!p) {
        memset(r, 0, sizeof *r);
        return rc;
    }
    rc = embed_run_with(o, p, r, err);
    provider_free(p);
    return rc;
}

int embed_run_with(const embed_options *o, provider *p, embed_report *r, char err[SV_ERR_LEN])
{
    memset(r, 0, sizeof *r);
    double started = monotime_now();
    int rc = 0;
    store *st = NULL;
    checkpoint cp;
    checkpoint_init(&cp);

    library *lib = library_open(o->library, err);
    if (!lib)
        return SV_EXIT_DATA;
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

    if (o->dry_run) {
        tell_plan(o, p, NULL, "dry run (estimate only, nothing is written)", NULL);
        /* Skips are counted against an existing store of the same model: a local file, or a
         * PostgreSQL database (its session stays read-only: only prepare could write). */
        const char *local = store_local_path(o->store);
        if (!o->reset && ((local && access(local, F_OK) == 0) || store_is_postgres(o->store))) {
            store_meta m;
            int code;
            char serr[SV_ERR_LEN];
            st = store_open(o->store, 1, &code, serr);
            if (st && (store_meta_get(st, &m, serr) || strcmp(m.model, p->model) || m.dims != p->dims)) {
                store_close(st);
                st = NULL;
            }
        }
        rc = dry_run(o, lib, p, st, r, err);
        goto done;
    }

    if (!(st = store_open(o->store, 0, &rc, err)))
        goto done;
    st->cancel = &interrupted; /* a remote store stops waiting out retries on Ctrl-C */
    if (o->reset && unlink(o->progress) != 0 && access(o->progress, F_OK) == 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "cannot remove progress file %s for --reset", o->progress);
        goto done;
    }
    int loaded = o->reset ? 1 : checkpoint_load(o->progress, &cp, err);
    if (loaded == SV_EXIT_DATA) {
        rc = loaded;
        goto done;
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
    if (!o->resume || loaded == 1) {
        if (o->resume)
            msg_info("no progress file at %s: starting from the first sample", o->progress);
        else if (loaded == 0 && !cp.finished)
            msg_info("an earlier run stopped before the end (%s); this run skips what it stored "
                     "(--resume also keeps its totals)",
                     o->progress);
        checkpoint_clear(&cp);
        checkpoint_init(&cp);
    }
    char backup[STORE_BACKUP_PATH_LEN + 64] = "";
    if ((rc = protect_app_database(o, st, backup, sizeof backup, err)))
        goto done;
    if ((rc = store_prepare(st, p->name, p->model, p->dims, o->reset, err)))
        goto done;
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
    if ((!o->resume || loaded == 1) && (rc = checkpoint_save(o->progress, &cp, err)))
        goto done;
    tell_plan(o, p, st, o->resume ? "resume" : "embed", st->app_database ? backup : NULL);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    rc = run_chunks(o, lib, p, st, &cp, r, err);
    /* A resumed job is only done when the samples its earlier runs failed are too: --resume
     * never goes back to them (a plain rerun retries them), so say so through the exit code. */
    if (!rc && o->resume && cp.n_failures > r->n_failed_ids)
        r->earlier_failed = (int64_t)(cp.n_failures - r->n_failed_ids);
    if (rc == SV_EXIT_DATA && store_is_remote(o->store)) {
        /* a server that stays away: say what is safe and how to finish */
        size_t len = strlen(err);
        snprintf(err + len, SV_ERR_LEN - len,
                 "; progress is saved in %s (through sample %lld): run again with --resume "
                 "when the server is back",
                 o->progress, (long long)cp.last_processed_id);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc == SV_EXIT_INTERRUPTED && cp.total_processed == 0)
        snprintf(err, SV_ERR_LEN, "interrupted before the first batch was stored, so nothing was "
                                  "recorded: run the command again (--resume works too)");
    else if (rc == SV_EXIT_INTERRUPTED)
        snprintf(err, SV_ERR_LEN,
                 "interrupted: progress saved to %s after sample %lld; run again with --resume "
                 "to finish",
                 o->progress, (long long)cp.last_processed_id);
done:
    if (!rc && (r->failed || r->earlier_failed))
        rc = SV_EXIT_FAILED;
    r->elapsed_s = monotime_now() - started;
    checkpoint_clear(&cp);
    store_close(st);
    library_close(lib);
    return rc;
}

void embed_report_clear(embed_report *r)
{
    free(r->failed_ids);
    r->failed_ids = NULL;
    r->n_failed_ids = 0;
}
