/* Layer store/ (docs/architecture.md): where vectors live; builds on providers/, library/ and
 * base/, and never on search/ (the k-NN types it shares with search are in query.h).
 *
 * store: where vectors live. One interface, two implementations (SQLite file, Turso over HTTP);
 * nothing above this header knows which one it talks to.
 *
 * Schema (identical in both):
 *   sample_embeddings(
 *     sample_id      INTEGER PRIMARY KEY,      -- samples.id in the library
 *     vibe_vector    F32_BLOB(dims) NOT NULL,  -- dims × 4 bytes, little-endian float32
 *     embedding_source TEXT,                   -- the source text that was embedded
 *     created_at     TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
 *     model TEXT, dims INTEGER, source_hash TEXT,
 *     title TEXT, genre TEXT, bpm REAL, musical_key TEXT,
 *     mood_primary TEXT, mood_secondary TEXT, energy_level REAL)   -- search filters
 *   samplevec_meta(key TEXT PRIMARY KEY, value TEXT)  -- 'provider', 'model', 'dims',
 *                                                      -- 'writer' (the lease, below)
 *                                        -- 'query_prefix', 'document_prefix' (provider_prompts)
 * A store holds one provider/model/dims and the document prefix its vectors were embedded with;
 * store_prepare refuses another unless reset. The query prefix is recorded beside them, so that
 * search embeds queries the way the documents expect; a store from before prefixes has neither
 * key and reads as "" for both (no prefix, as it was embedded).
 *
 * Safety contract, which every implementation keeps (a third store too):
 *   One writer at a time. prepare first takes the writer lease: the row
 *   samplevec_meta('writer', store_writer_format(...)) = "RUN|PID|HOST|SINCE|EXPIRES". A row
 *   of another run that is not stale (store_writer_is_stale: a dead process on this host, or
 *   past its expiry) makes prepare fail at once with SV_EXIT_DATA and store_writer_busy's
 *   message naming that run (pid, host, since when); reading the row and writing ours happen
 *   in one transaction, or as a compare-and-set, so two runs cannot both win.
 *   Every write checks, inside the transaction that writes the rows, that the lease is still
 *   this run's and that the claim (model, dims) is the one prepare made, renews the lease's
 *   expiry, and otherwise rolls back and fails with SV_EXIT_DATA. So rows of two dims can
 *   never be mixed, even by a writer that bypassed the lease.
 *   close releases the lease (deletes the row when it is still this run's). A run killed
 *   without closing leaves the row; the next run recognises it as stale and takes over.
 *   Readers (meta, lookup, scan, fingerprint, knn) take no lease and work during a run.
 *   STORE_READ_ONLY opens create and modify nothing at all (store_mode).
 *
 * The app stores (opt-in: `--store app`, or a postgresql:// URL) write instead into the sample
 * manager's own database, in its own sample_embeddings layout: app_layout.h.
 */
#ifndef SAMPLEVEC_STORE_H
#define SAMPLEVEC_STORE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "msg.h"
#include "provider.h"
#include "query.h"

typedef struct store_row {
    int64_t sample_id;
    const float *vector;        /* dims floats, borrowed */
    const char *source;         /* embedding source text, borrowed */
    const char *source_hash;    /* SV_HASH_HEX_LEN hex chars */
    const char *title, *genre, *musical_key, *mood_primary, *mood_secondary; /* NULL = missing */
    double bpm;                 /* valid when has_bpm */
    double energy_level;        /* valid when has_energy */
    int has_bpm, has_energy;
    /* NULL, or what store_prepare_rows made of the row ahead of its upsert, in the store's
     * own form (the local store: the row's keyword entry, tokenized; the app store: the
     * vector as JSON text); malloc'd, owned by the holder of the row, who frees it with
     * free(). NULL: upsert does that work itself. */
    char *prepared;
} store_row;

typedef struct store_lookup {
    int present;                             /* a row exists for this id */
    char source_hash[SV_HASH_HEX_LEN + 1];   /* its source_hash ("" when NULL) */
    char model[PROVIDER_MODEL_LEN];          /* its model */
} store_lookup;

/* The writer lease (see the safety contract above). */
#define STORE_WRITER_KEY "writer"
#define STORE_WRITER_LEN 256    /* the formatted lease, NUL included */

typedef struct store_meta {
    char provider[32];               /* "" when the store is empty and unclaimed */
    char model[PROVIDER_MODEL_LEN];
    int dims;                        /* 0 when unclaimed */
    int64_t rows;                    /* rows in sample_embeddings */
    provider_prompts prompts;        /* "" each when not recorded */
    char writer[STORE_WRITER_LEN];   /* the writer lease row as stored (store_writer_parse),
                                        "" when no run holds it */
} store_meta;

/* One row as search scans it. Pointers borrowed until the callback returns. */
typedef struct store_scan_row {
    int64_t sample_id;
    const float *vector; /* dims floats */
    const char *title, *genre, *musical_key, *mood_primary, *mood_secondary;
    double bpm, energy_level;
    int has_bpm, has_energy;
    const char *source;  /* embedding_source; NULL when missing or the store does not send it
                            (Turso: the scan is for vectors) */
} store_scan_row;
/* Returns 0 to go on, non-zero to stop the scan. */
typedef int (*store_scan_fn)(const store_scan_row *row, void *ctx);
/* One stored sample_id; returns 0 to go on, non-zero to stop. */
typedef int (*store_id_fn)(int64_t sample_id, void *ctx);

typedef struct store store;

/* The writer lease (see the safety contract above): STORE_WRITER_KEY, STORE_WRITER_LEN above. */
#define STORE_WRITER_LEASE_S 300 /* a lease not renewed for this long is stale; a run renews it
                                   with every write */
typedef struct store_writer {
    char run[33];      /* random hex, one per process */
    long pid;
    char host[96];
    char since[32];    /* ISO-8601 UTC, when the run took the lease */
    int64_t expires;   /* Unix seconds */
} store_writer;

/* This process as a writer: its run token, pid, host, since = first call, expires = now +
 * STORE_WRITER_LEASE_S. */
void store_writer_self(store_writer *w);
/* "RUN|PID|HOST|SINCE|EXPIRES" into out. */
void store_writer_format(const store_writer *w, char out[STORE_WRITER_LEN]);
/* Parses a formatted lease. 0, or -1 when text is not one (then treat the row as stale). */
int store_writer_parse(const char *text, store_writer *w);
/* 1 when the lease in text (a value of the 'writer' row, NULL = none) may be taken: none, not
 * parseable, this run's own, a process on this host that is gone, or past its expiry (and on
 * this host no samplevec process holds that pid). */
int store_writer_is_free(const char *text);
/* 1 when text is this process's lease. */
int store_writer_is_mine(const char *text);
/* SV_EXIT_DATA with "store X is being written by another samplevec run (pid P on host H since
 * T) ..." for the lease in text. */
int store_writer_busy(const char *location, const char *text, char err[SV_ERR_LEN]);

/* samplevec_meta as one store reads and writes it inside a transaction the store holds open
 * (SQLite, PostgreSQL): what the lease and the claim mean is decided once, by the functions
 * below, for every store; the store only moves the rows. */
typedef struct store_meta_io {
    void *ctx;
    /* key's value into out (cap bytes), "" when absent: 0, or an exit code with err. */
    int (*read)(void *ctx, const char *key, char *out, size_t cap, char err[SV_ERR_LEN]);
    /* key = value: 0, or an exit code with err. */
    int (*write)(void *ctx, const char *key, const char *value, char err[SV_ERR_LEN]);
} store_meta_io;

/* Takes the writer lease of the store at location: 0, or SV_EXIT_DATA (store_writer_busy)
 * when another live run holds it, or io's error. */
int store_lease_take(const store_meta_io *io, const char *location, char err[SV_ERR_LEN]);
/* Inside a write's transaction: the lease is still this run's and the claim still names the
 * model and dims this run's prepare wrote, so two runs can never leave two kinds of vectors in
 * one store; the lease's expiry moves on. 0, or SV_EXIT_DATA naming what changed. */
int store_lease_check_renew(const store_meta_io *io, const char *location, const char *model, int dims,
                            char err[SV_ERR_LEN]);
/* Writes the claim: provider, model, dims and the prompts' prefixes (NULL = none). */
int store_claim_write(const store_meta_io *io, const char *provider, const char *model, int dims,
                      const provider_prompts *prompts, char err[SV_ERR_LEN]);

/* --reset's emptying, inside the caller's transaction: delete_slice (deleting at most
 * STORE_RESET_SLICE rows and saying how many it deleted) until nothing is left, reporting
 * through base's reset_progress and giving up with SV_EXIT_INTERRUPTED once base's *cancel is
 * set (the caller rolls back: nothing dropped). total: the rows there were. */
#define STORE_RESET_SLICE 2000
typedef int (*store_delete_slice_fn)(void *ctx, int64_t *deleted, char err[SV_ERR_LEN]);
int store_drop_in_slices(store *base, int64_t total, store_delete_slice_fn delete_slice, void *ctx,
                         char err[SV_ERR_LEN]);

#define STORE_FINGERPRINT_LEN 128
#define STORE_BACKUP_PATH_LEN 1100

typedef struct store_vtable {
    int (*meta)(store *s, store_meta *out, char err[SV_ERR_LEN]);
    /* Takes the writer lease, creates the schema if absent and claims the store for
     * provider/model/dims and the document prefix, recording both prefixes (prompts NULL =
     * none). An existing claim with another model, dims or document prefix → SV_EXIT_USAGE
     * naming both (store_prompts_check for the prefix), unless reset, which drops every row
     * first, in the same transaction as the lease and the claim, reporting through
     * reset_progress; once *cancel is set during a reset it rolls back and returns
     * SV_EXIT_INTERRUPTED with nothing changed. */
    int (*prepare)(store *s, const char *provider, const char *model, int dims, const provider_prompts *prompts,
                   int reset, char err[SV_ERR_LEN]);
    /* out[i] describes ids[i]; one round trip for the whole array. */
    int (*lookup)(store *s, const int64_t *ids, size_t n, store_lookup *out, char err[SV_ERR_LEN]);
    /* Upserts rows[0..n) all-or-nothing; returns once the commit is durable. */
    int (*upsert)(store *s, const store_row *rows, size_t n, char err[SV_ERR_LEN]);
    /* Optional (NULL = nothing to do ahead): the work of a future upsert of rows[0..n) that
     * needs no connection, done on the caller's thread (while another batch is being written:
     * the local store's transaction then only files what was tokenized here); sets rows'
     * prepared. One caller thread at a time; 0 or SV_EXIT_DATA (out of memory). */
    int (*prepare_rows)(store *s, store_row *rows, size_t n, char err[SV_ERR_LEN]);
    /* Visits every row in sample_id order. */
    int (*scan)(store *s, store_scan_fn fn, void *ctx, char err[SV_ERR_LEN]);
    void (*close)(store *s);
    /* Optional (NULL = unsupported): creates an approximate-nearest-neighbour index on
     * vibe_vector (libSQL's libsql_vector_idx, metric cosine) if absent. Returns 0, or
     * SV_EXIT_USAGE when the server cannot (err says so; the store works without it), or
     * SV_EXIT_DATA. */
    int (*vector_index)(store *s, char err[SV_ERR_LEN]);

    /* ---- Optional ops (added for search; NULL = not supported) ---- */

    /* A short NUL-terminated token that changes whenever sample_embeddings or the claim in
     * samplevec_meta changes, by any writer. Search keeps a local vector cache (veccache.h)
     * only for stores that have it, and rebuilds the cache when the token moves. */
    int (*fingerprint)(store *s, char out[STORE_FINGERPRINT_LEN], char err[SV_ERR_LEN]);

    /* Exact k-NN run by the store itself (Turso: on the server). NULL = search runs its own
     * engine over scan. Contract (query.h; search's local engine keeps the same one):
     *   query    dims floats; or NULL = the stored vector of sample query_id (set *found = 0
     *            and return 0 when no row has that id; else *found = 1)
     *   filter   every set condition must hold (query_filter documents each); filters apply
     *            before ranking, never to a fetched top-k; filter->exclude_id is never returned
     *   ranking  similarity = 1 - vector_distance_cos(vibe_vector, query) (cosine similarity),
     *            descending, ties by sample_id ascending; at most k rows, fewer when fewer match;
     *            rows below filter->min_similarity (when has_min_similarity) are dropped
     *   out      appended with query_results_append, in rank order
     * In SQL: ... WHERE <filters> ORDER BY vector_distance_cos(vibe_vector, vector32(?)) ASC,
     * sample_id ASC LIMIT k. For the key filter (spellings vary: "Am", "A minor", "8A") select
     * the DISTINCT musical_key values, keep those for which query_filter_key_matches() is
     * true, and filter with musical_key IN (those values). Returns 0 or an SV_EXIT_* code. */
    int (*knn)(store *s, const float *query, int64_t query_id, const query_filter *filter,
               size_t k, query_results *out, int *found, char err[SV_ERR_LEN]);

    /* ---- Orphans: vectors whose sample left the library (required of every store) ---- */

    /* Visits every stored sample_id in ascending order, without vectors. 0 or SV_EXIT_*. */
    int (*scan_ids)(store *s, store_id_fn fn, void *ctx, char err[SV_ERR_LEN]);
    /* Deletes the rows of ids[0..n) all-or-nothing, in one transaction that checks the lease
     * and the claim as upsert does (after prepare only). 0 or SV_EXIT_*. */
    int (*remove)(store *s, const int64_t *ids, size_t n, char err[SV_ERR_LEN]);
    /* Optional (NULL = none): keyword search over the stored source texts by the store's own
     * index. The contract is kwindex_query's (kwindex.h): text is tokenized with keyword.h's
     * tokenizer in query mode, rows matching any token are ranked by BM25 with per-field
     * weights, best first, ties by sample_id; at most limit (0 = all); *n_tokens gets the
     * number of query tokens (0 = no meaningful word: nothing appended). No filters: search
     * applies them to the ids. *available = 0 (and 0 returned) when the store has no current
     * index (made before it existed, or written since by a program that does not keep it):
     * search then keeps its own derived keyword cache, built from scan's source texts. A store
     * without this op gets the same cache when it has a fingerprint, else hybrid search is
     * vector-only there (with a note). */
    int (*keyword)(store *s, const char *text, size_t limit, query_keyword_hits *out, size_t *n_tokens,
                   int *available, char err[SV_ERR_LEN]);
    /* Optional (NULL = nothing to protect: the store is samplevec's own): a consistent copy of
     * the application's database before samplevec first writes to it. Called by embed before
     * prepare unless --no-backup. *made = 1 when made now, 0 when the copy from an earlier run
     * is kept, -1 when the store cannot make one (a server: err then says what to use instead);
     * path names the copy. Returns 0 or SV_EXIT_DATA (nothing was written). */
    int (*backup)(store *s, char path[STORE_BACKUP_PATH_LEN], int *made, char err[SV_ERR_LEN]);
} store_vtable;

struct store {
    const store_vtable *vt;
    char location[1024]; /* path or URL as given, for messages (never with a token) */
    int dims;            /* claimed dims after prepare/meta, else 0 */
    int concurrent_lookup; /* 1: lookup may run on one thread while upsert runs on another */
    int prepare_from_source; /* 1: prepare_rows reads no row's vector, only its source text, so
                                rows may be prepared while their vectors are being made */
    /* NULL, or a flag (the pipeline's SIGINT flag) a remote store watches while it waits to
     * retry: once set, a call stuck on an unreachable server gives up with
     * SV_EXIT_INTERRUPTED instead of sitting out its backoffs. Set by the caller after open. */
    const volatile sig_atomic_t *cancel;
    int app_database;    /* 1: the sample manager's own database (an app store), which the run
                            writes only in its sample_embeddings and samplevec_meta tables */
    /* NULL, or where prepare(reset) reports how many of the stored rows it has dropped so far
     * (set by the caller after open, like cancel): called with done = 0 before the first row
     * goes, then as rows go, and with done = total at the end. */
    void (*reset_progress)(void *ctx, int64_t done, int64_t total);
    void *reset_progress_ctx;
};

/* How a command uses a store. */
typedef enum store_mode {
    /* search, similar, status, serve, a dry run: the store must exist, and nothing creates or
     * modifies it (no schema, no pragma, no claim, no checkpoint of its WAL). prepare and
     * upsert fail. A file store is read wherever it lies, a read-only filesystem included
     * (sqlite_readonly.h). */
    STORE_READ_ONLY,
    /* embed: created (empty) if absent; prepare claims it, upsert writes */
    STORE_READ_WRITE,
} store_mode;

/* Opens `location` in `mode`: a file path (SQLite), libsql:// https:// http:// (Turso),
 * "app:PATH" (the sample manager's SQLite database PATH, its own sample_embeddings table), or
 * postgresql:// postgres:// (the sample manager's PostgreSQL database, the same). NULL on
 * failure with err and *exit_code set. */
store *store_open(const char *location, store_mode mode, int *exit_code, char err[SV_ERR_LEN]);
void store_close(store *s); /* NULL is a no-op */

int store_meta_get(store *s, store_meta *out, char err[SV_ERR_LEN]);
int store_prepare(store *s, const char *provider, const char *model, int dims, const provider_prompts *prompts,
                  int reset, char err[SV_ERR_LEN]);
/* For prepare: SV_EXIT_USAGE with err saying how to go on when the store's claim m holds
 * documents embedded with another document prefix than prompts' (NULL = none); else 0. */
int store_prompts_check(const char *location, const store_meta *m, const provider_prompts *prompts,
                        char err[SV_ERR_LEN]);
/* The samplevec_meta keys of the prefixes. */
#define STORE_QUERY_PREFIX_KEY "query_prefix"
#define STORE_DOCUMENT_PREFIX_KEY "document_prefix"
int store_lookup_ids(store *s, const int64_t *ids, size_t n, store_lookup *out, char err[SV_ERR_LEN]);
int store_upsert(store *s, const store_row *rows, size_t n, char err[SV_ERR_LEN]);
/* The vtable's prepare_rows, or 0 when the store has none. */
int store_prepare_rows(store *s, store_row *rows, size_t n, char err[SV_ERR_LEN]);
/* For a store's prepare_rows: row->prepared = make(ctx, row) for every row of rows[0..n) whose
 * prepared is NULL, on the caller's thread and, for a batch of STORE_PREPARE_SPLIT rows or
 * more, a second thread (each thread gets its own ctx: ctx[0] the caller's, ctx[1] the
 * other's). make returns a malloc'd string, or NULL for a row to leave to upsert; it sets
 * *oom when out of memory. 0, or -1 when out of memory. */
#define STORE_PREPARE_SPLIT 64 /* a thread costs ~50 µs, a row's work ~20 µs */
int store_prepare_each(store_row *rows, size_t n, char *(*make)(void *ctx, const store_row *row, int *oom),
                       void *ctx[2]);
int store_scan(store *s, store_scan_fn fn, void *ctx, char err[SV_ERR_LEN]);
int store_scan_ids(store *s, store_id_fn fn, void *ctx, char err[SV_ERR_LEN]);
int store_remove(store *s, const int64_t *ids, size_t n, char err[SV_ERR_LEN]);
/* The stored ids that are not in library_ids[0..n_library) (ascending), into a new ascending
 * array (*out, caller frees; *n_out of them). 0 or SV_EXIT_*. */
int store_orphans(store *s, const int64_t *library_ids, size_t n_library, int64_t **out,
                  size_t *n_out, char err[SV_ERR_LEN]);
/* vt->vector_index, or SV_EXIT_USAGE naming the store when it has none. */
int store_vector_index(store *s, char err[SV_ERR_LEN]);
/* The store's fingerprint op; out = "" (and 0 returned) when the store has none. */
int store_fingerprint(store *s, char out[STORE_FINGERPRINT_LEN], char err[SV_ERR_LEN]);

/* 1 if location names a remote store (Turso/libSQL or PostgreSQL). */
int store_is_remote(const char *location);
/* 1 if location is a PostgreSQL URL (postgresql:// or postgres://). */
int store_is_postgres(const char *location);
/* The file a local location lives in ("app:PATH" → PATH, a path → itself); NULL for a remote
 * one. Borrowed from location. */
const char *store_local_path(const char *location);

store *store_sqlite_open(const char *path, store_mode mode, int *exit_code, char err[SV_ERR_LEN]);
store *store_turso_open(const char *url, int *exit_code, char err[SV_ERR_LEN]);
/* The app stores never create the database: it must exist and hold the app's samples table. */
store *store_app_sqlite_open(const char *path, store_mode mode, int *exit_code, char err[SV_ERR_LEN]);
store *store_app_pg_open(const char *url, store_mode mode, int *exit_code, char err[SV_ERR_LEN]);

#endif
