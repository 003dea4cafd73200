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
#include "ui.h"

static const char embed_help[] =
    "usage: samplevec embed (--all | --sample-ids SPEC) [OPTIONS]\n"
    "\n"
    "Embeds samples of the sample manager's library into the store. Samples whose stored\n"
    "vector was made from the same source text by the same model are skipped.\n"
    "\n"
    "selection:\n"
    "  --all                  every sample in the library\n"
    "  --sample-ids SPEC      ids and ranges, e.g. 1,5,10-20,100-200\n"
    "  --limit N              consider at most N samples (after --resume's position)\n"
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
    "  --batch-size N         samples per request and per commit (default 100)\n"
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
    "  --resume               continue after the progress file's last sample, keeping its totals\n"
    "  --reset                drop the stored vectors and the progress file, then embed\n"
    "  --json                 print one JSON object with the results on stdout\n"
    "  --verbose              more diagnostics (never secrets)\n"
    "  --help                 this text\n"
    "\n"
    "exit codes: 0 done, 1 some samples failed, 2 usage error, 3 library/store/progress file\n"
    "unreadable or wrong schema, 130 interrupted (progress saved; rerun with --resume).\n";

enum {
    OPT_ALL = 256, OPT_BASE_URL, OPT_BATCH_SIZE, OPT_CONCURRENCY, OPT_DIMS, OPT_DRY_RUN,
    OPT_HELP, OPT_JSON, OPT_LIBRARY, OPT_LIMIT, OPT_MAX_RETRIES, OPT_MODEL, OPT_NO_BACKUP,
    OPT_PROGRESS_FILE,
    OPT_PROVIDER, OPT_RESET, OPT_RESUME, OPT_SAMPLE_IDS, OPT_STORE, OPT_THREADS, OPT_VECTOR_INDEX,
    OPT_VERBOSE, OPT_VOCAB,
};

/* Alphasorted. */
static const struct option embed_options_table[] = {
    {"all", no_argument, NULL, OPT_ALL},
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"batch-size", required_argument, NULL, OPT_BATCH_SIZE},
    {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
    {"dims", required_argument, NULL, OPT_DIMS},
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

static void print_json(const embed_report *r, int dry_run)
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
        cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)r->failed_ids[i]));
    cJSON_AddNumberToObject(o, "elapsed_s", r->elapsed_s);
    cJSON_AddStringToObject(o, "provider", r->provider);
    cJSON_AddBoolToObject(o, "dry_run", dry_run);
    cJSON_AddBoolToObject(o, "tokens_estimated", r->tokens_estimated);
    cJSON_AddNumberToObject(o, "tokens_counted", (double)r->tokens_counted);
    cJSON_AddNumberToObject(o, "truncated", (double)r->truncated);
    cJSON_AddNumberToObject(o, "warnings", (double)r->warnings);
    cJSON_AddBoolToObject(o, "interrupted", r->interrupted);
    cliopt_print_json(o);
}

/* ---- the pipeline's observer: the configuration panel and the live bar (ui.h) ---- */

static void show_plan(void *ctx, const embed_plan *pl)
{
    (void)ctx;
    char dims[32], batch[64], store[LOCATIONS_LEN + 96];
    snprintf(dims, sizeof dims, "%d", pl->dims);
    snprintf(batch, sizeof batch, "%zu samples per commit", pl->chunk_size);
    /* The one mode that writes the application's database says so. */
    int app = pl->app_database || strncmp(pl->store, "app:", 4) == 0;
    if (app)
        snprintf(store, sizeof store, "%s: the app's own sample_embeddings table (opt-in)",
                 store_local_path(pl->store) ? store_local_path(pl->store) : pl->store);
    else
        snprintf(store, sizeof store, "%s", pl->store);
    ui_config_row rows[10] = {
        {"Mode", pl->mode},         {"Library", pl->library}, {"Store", store},
        {"Provider", pl->provider}, {"Model", pl->model},     {"Dimensions", dims},
        {"Batch", batch},
    };
    int n = 7;
    if (app && pl->backup)
        rows[n++] = (ui_config_row){"Backup", pl->backup};
    if (app && !pl->dry_run && strcmp(pl->model, "openai/text-embedding-3-small") != 0 &&
        strcmp(pl->model, "text-embedding-3-small") != 0)
        rows[n++] = (ui_config_row){"App search", "embeds queries with openai/text-embedding-3-small: "
                                                  "these vectors are for samplevec search"};
    if (!pl->dry_run)
        rows[n++] = (ui_config_row){"Progress file", pl->progress};
    ui_config_panel("samplevec embed", rows, n);
}

static void bar_copy(ui_progress *bar, const embed_progress *p)
{
    bar->done = p->done;
    bar->total = p->total;
    bar->stored = p->stored;
    bar->failed = p->failed;
    bar->skipped = p->skipped;
    bar->cost_usd = p->cost_usd;
}

static void bar_start(void *ctx, const embed_progress *p)
{
    ui_progress_start(ctx, p->total);
    bar_copy(ctx, p);
}

static void bar_advance(void *ctx, const embed_progress *p)
{
    bar_copy(ctx, p);
    ui_progress_update(ctx);
}

static void bar_finish(void *ctx, const embed_progress *p)
{
    bar_copy(ctx, p);
    ui_progress_finish(ctx);
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

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", embed_options_table, NULL)) != -1) {
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
        default: return cliopt_bad_option("embed", c, argv);
        }
    }
    if (optind < argc)
        return msg_usage("embed", "unexpected argument '%s'", argv[optind]);
    if (!all && !sample_ids)
        return msg_usage("embed", "no samples selected: pass --all, or --sample-ids 1,5,10-20");
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
    ui_progress bar;
    memset(&bar, 0, sizeof bar);
    embed_observer shown = {&bar, show_plan, bar_start, bar_advance, bar_finish};
    o.observer = &shown;
    embed_report r;
    rc = embed_run(&o, &r, err);
    if (rc == SV_EXIT_OK || rc == SV_EXIT_FAILED || rc == SV_EXIT_INTERRUPTED) {
        ui_summary s = {
            .title = o.dry_run ? "Dry run estimate" : "Embedding summary",
            .total = r.total, .successful = r.successful, .failed = r.failed, .skipped = r.skipped,
            .tokens = r.tokens, .tokens_estimated = r.tokens_estimated, .cost_usd = r.cost_usd,
            .failed_ids = r.failed_ids, .n_failed_ids = r.n_failed_ids, .elapsed_s = r.elapsed_s,
            .truncated = r.truncated,
        };
        ui_summary_print(&s);
        if (!o.dry_run && r.tokens != r.tokens_counted) /* remote: the API's usage vs our count */
            msg_info("tokens: %lld billed by the API, %lld counted before sending%s",
                     (long long)r.tokens, (long long)r.tokens_counted,
                     r.tokens_estimated ? " (estimate)" : "");
        if (o.dry_run && r.tokens_estimated)
            msg_info("token counts are estimates (about 4 bytes per token)");
        if (r.warnings)
            msg_warn("%lld sample(s) had malformed JSON fields; their readable fields were used",
                     (long long)r.warnings);
        if (json)
            print_json(&r, o.dry_run);
    }
    if (rc == SV_EXIT_FAILED && r.earlier_failed)
        msg_warn("%lld sample(s) failed in the earlier runs of this job (reasons in %s); --resume "
                 "does not go back to them: run without --resume to retry them",
                 (long long)r.earlier_failed, o.progress);
    if (rc == SV_EXIT_FAILED && r.n_failed_ids)
        msg_warn("%zu sample(s) failed; reasons are in %s; fix them and rerun to retry only those",
                 r.n_failed_ids, o.progress);
    else if (rc == SV_EXIT_INTERRUPTED)
        msg_error("%s", err);
    else if (rc != SV_EXIT_OK)
        msg_error("%s", err);
    embed_report_clear(&r);
    idspec_free(selection);
    return rc;
}
