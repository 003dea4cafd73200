/* samplevec embed: options → embed_options, run the pipeline, print the summary. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "commands.h"
#include "embed.h"
#include "locations.h"
#include "msg.h"
#include "store.h"
#include "termtext.h"
#include "ui.h"

static const char embed_help[] =
    "usage: samplevec embed (--all | --sample-ids SPEC) [OPTIONS]\n"
    "       samplevec embed --resume [OPTIONS]\n"
    "\n"
    "Embeds samples of the sample manager's library into the store. Samples whose stored\n"
    "vector was made from the same source text by the same model are skipped.\n"
    "\n"
    "selection:\n"
    "  --all                  every sample in the library\n"
    "  --sample-ids SPEC      ids and ranges, e.g. 1,5,10-20,100-200 (negative: -10--5)\n"
    "  --limit N              the job considers at most the first N samples of the selection\n"
    "\n"
    "where:\n"
    "  --library PATH         sample manager database (default ./sp404_samples.db), read-only\n"
    "  --store PATH|URL|app   vector store (default: $TURSO_DATABASE_URL, else samplevec.db\n"
    "                         next to the library); `app` writes the library's own\n"
    "                         sample_embeddings table in the app's layout (opt-in: the app's\n"
    "                         search then reads the vectors); postgresql://… the same in the\n"
    "                         app's PostgreSQL database\n"
    "  --no-backup            app store: do not copy the library to LIBRARY.samplevec-backup\n"
    "                         before the first write\n"
    "  --progress-file PATH   checkpoint (default: STORE.progress.json)\n"
    "\n"
    "how:\n"
    "  --provider NAME        lexical (default, offline), openai, openrouter, gguf\n"
    "  --model ID             model id (provider's default otherwise); for gguf a .gguf path or\n"
    "                         a model Ollama has pulled (samplevec models lists them)\n"
    "  --dims N               vector dimensions (lexical default 1536)\n"
    "  --document-prefix TEXT put TEXT before every sample's text (default: the model's own,\n"
    "                         e.g. \"search_document: \" for nomic-embed-text; '' for none)\n"
    "  --query-prefix TEXT    the prefix search puts before queries, recorded in the store\n"
    "                         (default: the model's own, e.g. \"search_query: \"; '' for none)\n"
    "  --batch-size N         texts per request for openai/openrouter (default 100, at most\n"
    "                         2048; a request also stays under 300,000 tokens); texts per call\n"
    "                         for lexical; gguf encodes 128 per call and ignores it\n"
    "  --concurrency N        requests in flight for remote providers (default 4)\n"
    "  --max-retries N        retries of a transient failure (default 5)\n"
    "  --base-url URL         OpenAI-compatible server (default $OPENAI_BASE_URL or OpenAI's)\n"
    "  --threads N            local compute threads (default: all cores)\n"
    "  --vector-index         create a libsql_vector_idx (cosine) on a Turso/libSQL store;\n"
    "                         a warning where the server or store has none\n"
    "  --vocab PATH           tiktoken cl100k_base vocabulary for exact token counts (default\n"
    "                         $SAMPLEVEC_TIKTOKEN, else the one fetched by the build)\n"
    "\n"
    "run control:\n"
    "  --dry-run              estimate tokens and cost; no network, nothing written\n"
    "  --resume               continue the last run's job (alone: its selection and --limit from\n"
    "                         the progress file), keeping its totals; another selection starts\n"
    "                         a new job\n"
    "  --reset                drop the stored vectors (how many is said first; Ctrl-C keeps\n"
    "                         them all), start a new progress file, then embed\n"
    "  --json                 print one JSON object with the results on stdout (\"state\":\n"
    "                         finished, interrupted or failed)\n"
    "  --verbose              more diagnostics (never secrets)\n"
    "  --help                 this text\n"
    "\n"
    "A commit (one store transaction, then the progress file) holds one provider chunk at first\n"
    "(remote: 4 x batch-size x concurrency texts, cut to 8192 unless one round of requests is\n"
    "larger; local: one call) and doubles while commits come faster than 4 a second, up to 16\n"
    "chunks or about 16 MB of vectors and texts; the panel shows the range. Each option may be\n"
    "given once.\n"
    "\n"
    "exit codes: 0 done, 1 some samples failed, 2 usage error, 3 library/store/progress file\n"
    "unreadable or wrong schema, 130 interrupted (progress saved; rerun with --resume).\n";

enum {
    OPT_ALL = 256, OPT_BASE_URL, OPT_BATCH_SIZE, OPT_CONCURRENCY, OPT_DIMS, OPT_DOCUMENT_PREFIX, OPT_DRY_RUN,
    OPT_HELP, OPT_JSON, OPT_LIBRARY, OPT_LIMIT, OPT_MAX_RETRIES, OPT_MODEL, OPT_NO_BACKUP, OPT_PROGRESS_FILE,
    OPT_PROVIDER, OPT_QUERY_PREFIX, OPT_RESET, OPT_RESUME, OPT_SAMPLE_IDS, OPT_STORE, OPT_THREADS, OPT_VECTOR_INDEX,
    OPT_VERBOSE, OPT_VOCAB,
};

/* Alphasorted. */
static const struct option embed_options_table[] = {
    {"all", no_argument, NULL, OPT_ALL},
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"batch-size", required_argument, NULL, OPT_BATCH_SIZE},
    {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
    {"dims", required_argument, NULL, OPT_DIMS},
    {"document-prefix", required_argument, NULL, OPT_DOCUMENT_PREFIX},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"help", no_argument, NULL, OPT_HELP},
    {"json", no_argument, NULL, OPT_JSON},
    {"library", required_argument, NULL, OPT_LIBRARY},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"max-retries", required_argument, NULL, OPT_MAX_RETRIES},
    {"model", required_argument, NULL, OPT_MODEL},
    {"no-backup", no_argument, NULL, OPT_NO_BACKUP},
    {"progress-file", required_argument, NULL, OPT_PROGRESS_FILE},
    {"provider", required_argument, NULL, OPT_PROVIDER},
    {"query-prefix", required_argument, NULL, OPT_QUERY_PREFIX},
    {"reset", no_argument, NULL, OPT_RESET},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"sample-ids", required_argument, NULL, OPT_SAMPLE_IDS},
    {"store", required_argument, NULL, OPT_STORE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"vector-index", no_argument, NULL, OPT_VECTOR_INDEX},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"vocab", required_argument, NULL, OPT_VOCAB},
    {NULL, 0, NULL, 0},
};

/* What the run came to, as --json's "state" and the summary's State row say it. */
static const char *state_name(ui_outcome outcome)
{
    return outcome == UI_FINISHED ? "finished" : outcome == UI_INTERRUPTED ? "interrupted" : "failed";
}

static void print_json(const embed_report *r, int dry_run, ui_outcome outcome)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "total", (double)r->total);
    cJSON_AddNumberToObject(o, "successful", (double)r->successful);
    cJSON_AddNumberToObject(o, "failed", (double)r->failed);
    cJSON_AddNumberToObject(o, "skipped", (double)r->skipped);
    cJSON_AddNumberToObject(o, "tokens", (double)r->tokens);
    cJSON_AddNumberToObject(o, "cost_usd", r->cost_usd);
    cJSON_AddStringToObject(o, "model", r->model);
    cJSON_AddNumberToObject(o, "dims", r->dims);
    cJSON *ids = cJSON_AddArrayToObject(o, "failed_ids");
    for (size_t i = 0; i < r->n_failed_ids; i++)
        cJSON_AddItemToArray(ids, cliopt_json_int(r->failed_ids[i]));
    cJSON_AddNumberToObject(o, "elapsed_s", r->elapsed_s);
    cJSON_AddStringToObject(o, "provider", r->provider);
    cJSON_AddBoolToObject(o, "dry_run", dry_run);
    cJSON_AddBoolToObject(o, "tokens_estimated", r->tokens_estimated);
    cJSON_AddNumberToObject(o, "tokens_counted", (double)r->tokens_counted);
    cJSON_AddNumberToObject(o, "truncated", (double)r->truncated);
    cJSON_AddNumberToObject(o, "warnings", (double)r->warnings);
    cJSON_AddBoolToObject(o, "interrupted", r->interrupted);
    cliopt_json_add_int(o, "orphans_removed", r->orphans_removed);
    cJSON_AddStringToObject(o, "state", state_name(outcome));
    cliopt_print_json(o);
}

/* ---- the pipeline's observer: the configuration panel and the live bar (ui.h) ---- */

/* What the terminal shows of one run. */
typedef struct embed_view {
    ui_bar *bar;
    const embed_options *o;
    int show_cost;           /* a paid provider: cost in the bar and the summary */
    int resumed_cost;        /* the job had cost before this run: both costs, labelled */
    ui_bar *reset_bar;       /* --reset: the stored rows dropped so far (before the run's bar) */
} embed_view;

static int is_remote_provider(const char *name)
{
    return strcmp(name, "openai") == 0 || strcmp(name, "openrouter") == 0;
}

static void show_plan(void *ctx, const embed_plan *pl)
{
    embed_view *v = ctx;
    v->show_cost = pl->usd_per_mtok > 0;
    char dims[32], calls[96], commits[128], shown[LOCATIONS_LEN], store[LOCATIONS_LEN + 96];
    char a[TERMTEXT_COUNT_LEN], b[TERMTEXT_COUNT_LEN];
    snprintf(dims, sizeof dims, "%d", pl->dims);
    /* The one mode that writes the application's database says so. */
    int app = pl->app_database || strncmp(pl->store, "app:", 4) == 0;
    locations_shown(store_local_path(pl->store) ? store_local_path(pl->store) : pl->store, shown);
    if (app)
        snprintf(store, sizeof store, "%s: the app's own sample_embeddings table (opt-in)", shown);
    else
        snprintf(store, sizeof store, "%s", shown);
    const char *calls_label = "Calls";
    if (is_remote_provider(pl->provider)) {
        calls_label = "Requests";
        snprintf(calls, sizeof calls, "%s texts, %d at %s", termtext_count(v->o->provider.batch_size, a),
                 v->o->provider.concurrency, v->o->provider.concurrency > 1 ? "once" : "a time");
    } else {
        snprintf(calls, sizeof calls, "%s texts each", termtext_count((int64_t)pl->chunk_size, a));
    }
    /* a commit starts at one provider chunk and grows while commits come quickly */
    if (pl->commit_max > pl->chunk_size)
        snprintf(commits, sizeof commits, "%s–%s samples", termtext_count((int64_t)pl->chunk_size, a),
                 termtext_count((int64_t)pl->commit_max, b));
    else
        snprintf(commits, sizeof commits, "%s samples", termtext_count((int64_t)pl->chunk_size, a));
    ui_config_row rows[12];
    int n = 0;
    rows[n++] = (ui_config_row){"Mode", pl->mode};
    rows[n++] = (ui_config_row){"Library", pl->library};
    rows[n++] = (ui_config_row){"Store", store};
    rows[n++] = (ui_config_row){"Provider", pl->provider};
    rows[n++] = (ui_config_row){"Model", pl->model};
    rows[n++] = (ui_config_row){"Dimensions", dims};
    rows[n++] = (ui_config_row){calls_label, calls};
    if (app && pl->backup)
        rows[n++] = (ui_config_row){"Backup", pl->backup};
    if (app && !pl->dry_run && strcmp(pl->model, "openai/text-embedding-3-small") != 0 &&
        strcmp(pl->model, "text-embedding-3-small") != 0)
        rows[n++] = (ui_config_row){"App search", "embeds queries with openai/text-embedding-3-small: "
                                                  "these vectors are for samplevec search"};
    if (!pl->dry_run) {
        rows[n++] = (ui_config_row){"Commits", commits};
        rows[n++] = (ui_config_row){"Checkpoint", pl->progress};
    }
    ui_config_panel("samplevec embed", rows, n);
}

static ui_bar_state bar_state(const embed_view *v, const embed_progress *p)
{
    ui_bar_state s = {
        .total = p->total, .done = p->done, .done_before = p->done_before, .pending = p->pending,
        .stored = p->stored, .failed = p->failed, .skipped = p->skipped,
        .cost_usd = p->cost_usd, .cost_before_usd = p->cost_before_usd, .show_cost = v->show_cost,
        .stop_flag = embed_interrupt_flag(),
    };
    return s;
}

static void bar_start(void *ctx, const embed_progress *p)
{
    embed_view *v = ctx;
    v->resumed_cost = p->cost_before_usd > 0;
    ui_bar_state s = bar_state(v, p);
    ui_bar_start(v->bar, &s);
}

static void bar_advance(void *ctx, const embed_progress *p)
{
    embed_view *v = ctx;
    ui_bar_state s = bar_state(v, p);
    ui_bar_set(v->bar, &s);
}

/* ---- the end: summary, state and what to run next ---- */

static void print_summary(const embed_view *v, const embed_report *r, ui_outcome outcome, int dry_run)
{
    ui_bar_state b = ui_bar_get(v->bar);
    char cells[16][96], n[TERMTEXT_COUNT_LEN], m[TERMTEXT_COUNT_LEN];
    ui_summary_row rows[16];
    int k = 0;
#define ROW(label, tone, ...)                                                                    \
    do {                                                                                         \
        snprintf(cells[k], sizeof cells[k], __VA_ARGS__);                                        \
        rows[k] = (ui_summary_row){label, cells[k], tone};                                       \
        k++;                                                                                     \
    } while (0)
    if (!dry_run) {
        if (outcome == UI_FINISHED && r->failed)
            ROW("State", UI_BAD, "finished, %s failed", termtext_count(r->failed, n));
        else
            ROW("State", outcome == UI_FINISHED ? UI_GOOD : UI_BAD, "%s", state_name(outcome));
        if (ui_bar_started(v->bar))
            ROW("Progress", UI_PLAIN, "%s of %s (%.1f%%)", termtext_count(b.done, n), termtext_count(b.total, m),
                b.total > 0 ? 100.0 * (double)b.done / (double)b.total : 100.0);
    }
    ROW("Samples", UI_PLAIN, "%s", termtext_count(r->total, n));
    ROW(dry_run ? "To embed" : "Stored", UI_GOOD, "%s", termtext_count(r->successful, n));
    if (!dry_run)
        ROW("Failed", r->failed ? UI_BAD : UI_PLAIN, "%s", termtext_count(r->failed, n));
    ROW("Skipped", UI_PLAIN, "%s", termtext_count(r->skipped, n));
    if (r->truncated)
        ROW("Truncated", UI_PLAIN, "%s", termtext_count(r->truncated, n));
    ROW("Tokens", UI_PLAIN, "%s%s", termtext_count(r->tokens, n), r->tokens_estimated ? " (estimate)" : "");
    if (v->show_cost) {
        if (v->resumed_cost) {
            ROW("Cost, this run", UI_PLAIN, "$%.6f", r->cost_usd);
            ROW("Cost, job total", UI_PLAIN, "$%.6f", r->cost_usd + b.cost_before_usd);
        } else {
            ROW("Cost", UI_PLAIN, "$%.6f", r->cost_usd);
        }
        ROW("Cost per sample", UI_PLAIN, "$%.8f", r->successful ? r->cost_usd / (double)r->successful : 0.0);
    }
    if (!dry_run && r->elapsed_s > 0 && r->total > 0) {
        double rate = (double)r->total / r->elapsed_s;
        if (rate >= 100)
            ROW("Rate", UI_PLAIN, "%s samples/s", termtext_count((int64_t)(rate + 0.5), n));
        else
            ROW("Rate", UI_PLAIN, "%.1f samples/s", rate);
    }
    ROW("Elapsed", UI_PLAIN, "%.2f s", r->elapsed_s);
#undef ROW
    ui_summary_print(dry_run ? "Dry run estimate" : "Embedding summary", rows, k);
    ui_failed_ids(r->failed_ids, r->n_failed_ids, v->o->progress);
}

/* The command that finishes (or retries, or runs for real) what this one started: the user's
 * own options, minus those that must not be repeated, plus `extra`. */
static char *embed_hint(const cliopt_given *g, const char *extra, char *out, size_t cap)
{
    static const char *const drop[] = {"reset", "resume", "dry-run", NULL};
    return cliopt_hint(g, "embed", NULL, drop, extra, out, cap);
}

/* After the run: the state, what happened, and what to run next. */
static void print_next(const embed_view *v, const cliopt_given *g, const embed_report *r, int rc,
                       const char *err, int dry_run)
{
    char hint[4096], n[TERMTEXT_COUNT_LEN];
    const char *progress = v->o->progress;
    if (rc == SV_EXIT_OK && dry_run) {
        msg_info("next: %s", embed_hint(g, NULL, hint, sizeof hint));
    } else if (rc == SV_EXIT_OK) {
        static const char *const keep[] = {"library", "store", NULL};
        msg_info("next: %s", cliopt_hint(g, "search \"dark moody hip hop\"", keep, NULL, NULL, hint, sizeof hint));
    } else if (rc == SV_EXIT_FAILED) {
        if (r->n_failed_ids)
            msg_warn("%s sample(s) failed; reasons are in %s", termtext_count((int64_t)r->n_failed_ids, n),
                     progress);
        if (r->earlier_failed)
            msg_warn("%s sample(s) failed in the earlier runs of this job (reasons in %s); --resume does not "
                     "go back to them",
                     termtext_count(r->earlier_failed, n), progress);
        msg_info("next: fix them, then retry only those: %s", embed_hint(g, NULL, hint, sizeof hint));
    } else if (rc == SV_EXIT_INTERRUPTED) {
        msg_info("%s", err);
        msg_info("next: %s", embed_hint(g, "--resume", hint, sizeof hint));
    } else {
        msg_error("%s", err);
        if (ui_bar_started(v->bar))
            msg_info("next, once that is fixed: %s", embed_hint(g, "--resume", hint, sizeof hint));
    }
}

/* --reset: the rows dropped so far, on the same bar (the pipeline said how many go first) */
static void bar_reset(void *ctx, int64_t done, int64_t total)
{
    embed_view *v = ctx;
    ui_bar_state s = {.total = total, .done = done};
    if (!v->reset_bar) {
        if (!(v->reset_bar = ui_bar_new()))
            return;
        ui_bar_start(v->reset_bar, &s);
    }
    ui_bar_set(v->reset_bar, &s);
    if (done >= total) {
        ui_bar_end(v->reset_bar, UI_FINISHED);
        ui_bar_free(v->reset_bar);
        v->reset_bar = NULL;
    }
}

int cmd_embed(int argc, char **argv)
{
    embed_options o;
    memset(&o, 0, sizeof o);
    o.provider.name = "lexical";
    o.provider.batch_size = 100;
    o.provider.concurrency = 4;
    o.provider.max_retries = 5;
    const char *sample_ids = NULL;
    int all = 0, json = 0;
    int64_t v;
    int rc, c;
    cliopt_given given;
    cliopt_given_init(&given, "embed", embed_options_table);

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", embed_options_table, NULL)) != -1) {
        if ((rc = cliopt_take(&given, c, argv)))
            return rc;
        switch (c) {
        case OPT_ALL: all = 1; break;
        case OPT_BASE_URL: o.provider.base_url = optarg; break;
        case OPT_BATCH_SIZE:
            if ((rc = cliopt_int("embed", "batch-size", optarg, 1, 2048, &v)))
                return rc;
            o.provider.batch_size = (int)v;
            break;
        case OPT_CONCURRENCY:
            if ((rc = cliopt_int("embed", "concurrency", optarg, 1, 64, &v)))
                return rc;
            o.provider.concurrency = (int)v;
            break;
        case OPT_DIMS:
            if ((rc = cliopt_int("embed", "dims", optarg, 1, 65536, &v)))
                return rc;
            o.provider.dims = (int)v;
            break;
        case OPT_DOCUMENT_PREFIX: o.provider.document_prefix = optarg; break;
        case OPT_DRY_RUN: o.dry_run = 1; break;
        case OPT_HELP: fputs(embed_help, stdout); return SV_EXIT_OK;
        case OPT_JSON: json = 1; break;
        case OPT_LIBRARY: o.library = optarg; break;
        case OPT_LIMIT:
            if ((rc = cliopt_int("embed", "limit", optarg, 1, INT64_MAX, &v)))
                return rc;
            o.limit = v;
            break;
        case OPT_MAX_RETRIES:
            if ((rc = cliopt_int("embed", "max-retries", optarg, 0, 100, &v)))
                return rc;
            o.provider.max_retries = (int)v;
            break;
        case OPT_MODEL: o.provider.model = optarg; break;
        case OPT_NO_BACKUP: o.no_backup = 1; break;
        case OPT_PROGRESS_FILE: o.progress = optarg; break;
        case OPT_PROVIDER: o.provider.name = optarg; break;
        case OPT_QUERY_PREFIX: o.provider.query_prefix = optarg; break;
        case OPT_RESET: o.reset = 1; break;
        case OPT_RESUME: o.resume = 1; break;
        case OPT_SAMPLE_IDS: sample_ids = optarg; break;
        case OPT_STORE: o.store = optarg; break;
        case OPT_THREADS:
            if ((rc = cliopt_int("embed", "threads", optarg, 1, 1024, &v)))
                return rc;
            o.provider.threads = (int)v;
            break;
        case OPT_VECTOR_INDEX: o.vector_index = 1; break;
        case OPT_VERBOSE: o.provider.verbose = 1; break;
        case OPT_VOCAB: o.provider.vocab = optarg; break;
        default: return cliopt_bad_option("embed", embed_options_table, c, argv);
        }
    }
    if (optind < argc)
        return msg_usage("embed", "unexpected argument '%s'", argv[optind]);
    if (!all && !sample_ids && !o.resume)
        return msg_usage("embed", "no samples selected: pass --all, or --sample-ids 1,5,10-20 "
                                  "(or --resume to continue the last run)");
    o.resume_selection = o.resume && !all && !sample_ids;
    if (all && sample_ids)
        return msg_usage("embed", "option --sample-ids: cannot be combined with --all");
    if (o.resume && o.reset)
        return msg_usage("embed", "option --reset: cannot be combined with --resume");
    if (!provider_known(o.provider.name))
        return msg_usage("embed", "option --provider: unknown provider '%s' (use lexical, openai, "
                                  "openrouter, gguf)",
                         o.provider.name);

    char err[SV_ERR_LEN];
    idspec *selection = NULL;
    if (sample_ids && !(selection = idspec_parse(sample_ids, err)))
        return msg_usage("embed", "option --sample-ids: %s", err);
    o.selection = selection;

    char store[LOCATIONS_LEN], progress[LOCATIONS_LEN];
    if (!o.library)
        o.library = LOCATIONS_DEFAULT_LIBRARY;
    locations_resolve_store(o.store, o.library, store);
    o.store = store;
    if (!o.progress) {
        locations_default_progress(o.store, progress);
        o.progress = progress;
    }

    if ((store_local_path(o.store) &&
         (rc = cliopt_not_directory("embed", "store", store_local_path(o.store)))) ||
        (rc = cliopt_not_directory("embed", "progress-file", o.progress))) {
        idspec_free(selection);
        return rc;
    }
    /* a second Ctrl-C leaves at once from the signal handler: its last words, written ahead */
    char hint[3000], abort_text[3200];
    snprintf(abort_text, sizeof abort_text,
             "\nsamplevec: interrupted again: stopped at once; what was committed is kept (the chunk "
             "in flight is not)\nsamplevec: next: %s\n",
             embed_hint(&given, "--resume", hint, sizeof hint));
    embed_view view = {ui_bar_new(), &o, 0, 0, NULL};
    embed_observer shown = {&view, show_plan, bar_start, bar_advance, bar_advance, bar_reset,
                            abort_text};
    o.observer = &shown;
    embed_report r;
    rc = embed_run(&o, &r, err);
    ui_outcome outcome = rc == SV_EXIT_OK || rc == SV_EXIT_FAILED ? UI_FINISHED
                         : rc == SV_EXIT_INTERRUPTED           ? UI_INTERRUPTED
                                                               : UI_FAILED;
    if (view.reset_bar) { /* the reset itself was stopped */
        ui_bar_end(view.reset_bar, outcome);
        ui_bar_free(view.reset_bar);
    }
    ui_bar_end(view.bar, outcome);
    /* a summary for every run that got going: finished, interrupted, or stopped by an error */
    if (outcome != UI_FAILED || ui_bar_started(view.bar)) {
        print_summary(&view, &r, outcome, o.dry_run);
        if (!o.dry_run && r.tokens != r.tokens_counted) { /* remote: the API's usage vs our count */
            char a[TERMTEXT_COUNT_LEN], b[TERMTEXT_COUNT_LEN];
            msg_info("tokens: %s billed by the API, %s counted before sending%s", termtext_count(r.tokens, a),
                     termtext_count(r.tokens_counted, b), r.tokens_estimated ? " (estimate)" : "");
        }
        if (o.dry_run && r.tokens_estimated)
            msg_info("token counts are estimates (about 4 bytes per token)");
        if (r.orphans_removed) {
            char a[TERMTEXT_COUNT_LEN];
            msg_info("removed the vectors of %s sample(s) no longer in the library", termtext_count(r.orphans_removed, a));
        }
        if (r.warnings) {
            char a[TERMTEXT_COUNT_LEN];
            msg_warn("%s sample(s) had malformed JSON fields; their readable fields were used",
                     termtext_count(r.warnings, a));
        }
        if (json)
            print_json(&r, o.dry_run, outcome);
    }
    print_next(&view, &given, &r, rc, err, o.dry_run);
    ui_bar_free(view.bar);
    embed_report_clear(&r);
    idspec_free(selection);
    return rc;
}
