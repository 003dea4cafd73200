/* Layer pipeline/ (docs/architecture.md): the embed run; builds on store/ and beneath, and
 * shows nothing itself (embed_observer).
 *
 * embed: the pipeline. library → source text → provider → validate → store → checkpoint.
 *
 * Per chunk of provider->chunk_size samples (in samples.id order):
 *   1. source texts and their hashes are built;
 *   2. the store is asked once for the chunk's stored hashes: a sample whose row has the same
 *      source_hash and model is skipped;
 *   3. the rest are embedded; each vector is validated (dims, NaN/Inf, zero);
 *   4. valid vectors are upserted in one transaction;
 *   5. only then the progress file is replaced (last_processed_id = the chunk's last id).
 * So kill -9 anywhere loses at most the chunk in flight, and --resume (or a plain rerun,
 * which skips what is stored) redoes exactly that chunk.
 * Every run walks its whole selection from the first id; a resumed job (--resume, same
 * selection) leaves alone the samples before its resume point that earlier runs stored or
 * failed, without counting them again, and embeds any there that is not stored.
 */
#ifndef SAMPLEVEC_EMBED_H
#define SAMPLEVEC_EMBED_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "idspec.h"
#include "msg.h"
#include "provider.h"

/* What a run is about to do, for whoever shows it (the CLI draws it as a panel). Borrowed for
 * the duration of the callback. */
typedef struct embed_plan {
    const char *mode;          /* "embed", "resume", or the dry run's description */
    const char *library, *store, *progress;
    const char *provider, *model;
    int dims;
    size_t chunk_size;         /* samples per provider call */
    size_t commit_max;         /* samples per commit (store transaction + progress file) at
                                  most: a commit holds chunk_size samples at first and grows
                                  while commits come faster than 4 a second */
    double usd_per_mtok;       /* the provider's price per 10^6 tokens; 0 = free */
    int dry_run;
    int app_database;          /* the store is the sample manager's own database (opt-in) */
    const char *backup;        /* app store: what protects it ("PATH (made now)", …); else NULL */
} embed_plan;

/* Where a run stands. `done` counts the job's settled samples (committed to the store and the
 * progress file); with --resume it starts at the earlier runs' `done_before`, so this run's
 * work is done - done_before + pending. */
typedef struct embed_progress {
    int64_t done, total;       /* settled / to settle, the job's (done starts at done_before) */
    int64_t done_before;       /* settled by the earlier runs of a resumed job, else 0 */
    int64_t pending;           /* this run's samples past the provider (embedded, failed or
                                  found stored) whose commit is still to come */
    int64_t stored, failed, skipped; /* this run's settled samples */
    double cost_usd;           /* this run's, settled */
    double cost_before_usd;    /* the earlier runs' of a resumed job, else 0 */
} embed_progress;

/* The pipeline tells an observer what it does and never draws anything itself, so it runs the
 * same under a terminal, a test or a server. Every callback may be NULL. */
typedef struct embed_observer {
    void *ctx;
    void (*plan)(void *ctx, const embed_plan *plan);
    void (*start)(void *ctx, const embed_progress *p);  /* before the first chunk */
    void (*advance)(void *ctx, const embed_progress *p); /* as samples get past the provider
                                                         (pending) and as chunks settle */
    void (*finish)(void *ctx, const embed_progress *p); /* after the last one, or a stop */
    /* --reset: rows of the store dropped so far, of total (announced with done = 0 before
     * the first goes; done = total at the end) */
    void (*reset)(void *ctx, int64_t done, int64_t total);
    /* A second Ctrl-C leaves at once, from the signal handler, which writes this text to
     * stderr first (write(2): nothing else is safe there). Borrowed for the whole run; NULL =
     * leave silently. The CLI ends its bar's line and names the command that resumes. */
    const char *abort_text;
} embed_observer;

typedef struct embed_options {
    const char *library;       /* sample manager database, opened read-only */
    const char *store;         /* store location (path or URL) */
    const char *progress;      /* progress file path */
    const idspec *selection;   /* NULL = every sample */
    int64_t limit;             /* the job considers at most this many samples, counted from
                                  its first id (a resumed job included); 0 = no limit */
    int resume;                /* continue the progress file's job (same selection): keep its
                                  totals and failures; the samples it settled are not redone */
    int resume_selection;      /* --resume alone: the selection is the progress file's, and so
                                  is the limit unless one is given */
    int reset;                 /* drop stored vectors and the progress file first */
    int dry_run;               /* estimate only: no network, nothing written */
    provider_config provider;
    int vector_index;          /* create the store's ANN index after prepare (Turso only) */
    int no_backup;             /* app store: write without first copying the database aside */
    const embed_observer *observer; /* NULL = nothing is shown */
} embed_options;

typedef struct embed_report {
    char model[PROVIDER_MODEL_LEN];
    char provider[32];
    int dims;
    int64_t total;             /* samples considered this run */
    int64_t successful;        /* newly stored this run (dry run: would be embedded) */
    int64_t failed, skipped;
    int64_t tokens;            /* billed by the API when it says, else counted/estimated */
    int64_t tokens_counted;    /* our own count (exact or estimate) of the same texts */
    int tokens_estimated;      /* 1 when tokens are an estimate */
    double cost_usd;
    int64_t truncated;         /* texts cut to the model's input limit */
    int64_t warnings;          /* samples with malformed JSON fields */
    int64_t *failed_ids;       /* n_failed_ids, owned: embed_report_clear */
    size_t n_failed_ids;
    double elapsed_s;
    int interrupted;
    int64_t orphans_removed;   /* --all: vectors of samples no longer in the library, removed */
    int64_t kept_on_interrupt; /* Ctrl-C: vectors a paid provider had returned, stored anyway
                                  (counted in successful; --resume skips them) */
    int64_t earlier_failed;    /* --resume: samples the continued job's earlier runs failed */
} embed_report;

/* Runs the pipeline. Returns an exit code (msg.h): 0, 1 (some failed), 2, 3 or 130; on 2/3
 * err says why. The report is filled as far as the run got. */
int embed_run(const embed_options *o, embed_report *r, char err[SV_ERR_LEN]);
/* The same with a provider the caller opened (and frees); o->provider is then unused. */
int embed_run_with(const embed_options *o, provider *p, embed_report *r, char err[SV_ERR_LEN]);
void embed_report_clear(embed_report *r);

/* The flag a first Ctrl-C (SIGINT/SIGTERM) sets during embed_run: non-zero while the run
 * finishes its chunk in flight before stopping. Read-only for others (the CLI's bar says
 * "stopping"). */
const volatile sig_atomic_t *embed_interrupt_flag(void);

#endif
