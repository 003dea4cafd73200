/* samplevec status: how the store compares with the library right now. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cliopt.h"
#include "commands.h"
#include "hash.h"
#include "library.h"
#include "locations.h"
#include "msg.h"
#include "source_text.h"
#include "store.h"
#include "termtext.h"

#define STATUS_CHUNK 512

static const char status_help[] =
    "usage: samplevec status [--library PATH] [--store PATH|URL|app] [--progress-file PATH]\n"
    "                        [--json]\n"
    "\n"
    "Counts the library's samples that are embedded (current), stale (their source text\n"
    "changed since) or missing from the store, the stored vectors whose sample is no longer in\n"
    "the library (orphaned), and shows the store's model and the last run.\n";

enum { OPT_HELP = 256, OPT_JSON, OPT_LIBRARY, OPT_PROGRESS_FILE, OPT_STORE };
static const struct option status_table[] = {
    {"help", no_argument, NULL, OPT_HELP},
    {"json", no_argument, NULL, OPT_JSON},
    {"library", required_argument, NULL, OPT_LIBRARY},
    {"progress-file", required_argument, NULL, OPT_PROGRESS_FILE},
    {"store", required_argument, NULL, OPT_STORE},
    {NULL, 0, NULL, 0},
};

typedef struct status_counts {
    int64_t samples, embedded, stale, missing;
} status_counts;

static int count_against_store(library *lib, store *st, status_counts *n, char err[SV_ERR_LEN])
{
    library_cursor *cur = library_cursor_new(lib, NULL, NULL, err);
    if (!cur)
        return SV_EXIT_DATA;
    int64_t ids[STATUS_CHUNK];
    char hashes[STATUS_CHUNK][SV_HASH_HEX_LEN + 1];
    store_lookup *found = calloc(STATUS_CHUNK, sizeof *found);
    int rc = found ? 0 : sv_fail(err, SV_EXIT_DATA, "out of memory");
    int more = 1;
    while (!rc && more) {
        size_t k = 0;
        while (k < STATUS_CHUNK) {
            library_sample s;
            int got = library_cursor_next(cur, &s, err);
            if (got != 1) {
                more = 0;
                if (got != 0)
                    rc = got;
                break;
            }
            char *text = source_text_build(&s);
            ids[k] = s.id;
            hash_source_hex(text ? text : "", hashes[k]);
            free(text);
            library_sample_clear(&s);
            k++;
        }
        if (rc || k == 0)
            break;
        n->samples += (int64_t)k;
        if (!st) {
            n->missing += (int64_t)k;
            continue;
        }
        if ((rc = store_lookup_ids(st, ids, k, found, err)))
            break;
        for (size_t i = 0; i < k; i++) {
            if (!found[i].present)
                n->missing++;
            else if (strcmp(found[i].source_hash, hashes[i]) != 0)
                n->stale++;
            else
                n->embedded++;
        }
    }
    free(found);
    library_cursor_free(cur);
    return rc;
}

int cmd_status(int argc, char **argv)
{
    const char *library_path = LOCATIONS_DEFAULT_LIBRARY, *store_loc = NULL, *progress = NULL;
    int json = 0, c, rc = 0;
    cliopt_given given;
    cliopt_given_init(&given, "status", status_table);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", status_table, NULL)) != -1) {
        if ((rc = cliopt_take(&given, c, argv)))
            return rc;
        switch (c) {
        case OPT_HELP: fputs(status_help, stdout); return SV_EXIT_OK;
        case OPT_JSON: json = 1; break;
        case OPT_LIBRARY: library_path = optarg; break;
        case OPT_PROGRESS_FILE: progress = optarg; break;
        case OPT_STORE: store_loc = optarg; break;
        default: return cliopt_bad_option("status", status_table, c, argv);
        }
    }
    if (optind < argc)
        return msg_usage("status", "unexpected argument '%s'", argv[optind]);
    char store_buf[LOCATIONS_LEN], progress_buf[LOCATIONS_LEN], err[SV_ERR_LEN];
    locations_resolve_store(store_loc, library_path, store_buf);
    store_loc = store_buf;
    if (!progress) {
        locations_default_progress(store_loc, progress_buf);
        progress = progress_buf;
    }

    if ((store_local_path(store_loc) &&
         (rc = cliopt_not_directory("status", "store", store_local_path(store_loc)))) ||
        (rc = cliopt_not_directory("status", "progress-file", progress)))
        return rc;
    store *st = NULL;
    store_meta meta;
    memset(&meta, 0, sizeof meta);
    checkpoint cp;
    int have_cp = 0;
    status_counts n = {0, 0, 0, 0};
    library *lib = library_open(library_path, err);
    if (!lib) {
        msg_error("%s", err);
        return SV_EXIT_DATA;
    }
    if (!store_local_path(store_loc) || access(store_local_path(store_loc), F_OK) == 0) {
        if (!(st = store_open(store_loc, STORE_READ_ONLY, &rc, err)) || (rc = store_meta_get(st, &meta, err)))
            goto done;
        if (!meta.dims) { /* an empty file: nothing embedded yet */
            store_close(st);
            st = NULL;
        }
    }
    if ((rc = count_against_store(lib, st, &n, err)))
        goto done;
    int loaded = checkpoint_load(progress, &cp, err);
    if (loaded == SV_EXIT_DATA) {
        rc = loaded;
        goto done;
    }
    have_cp = loaded == 0;
    /* every stored row is a library sample's (embedded or stale) or an orphan's */
    int64_t orphaned = meta.rows - n.embedded - n.stale;
    if (orphaned < 0)
        orphaned = 0;

    if (json) {
        char library_shown[LOCATIONS_LEN], store_shown[LOCATIONS_LEN];
        locations_shown(library_path, library_shown);
        locations_shown(store_loc, store_shown);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "library", library_shown);
        cJSON_AddStringToObject(o, "store", store_shown);
        cJSON_AddNumberToObject(o, "samples", (double)n.samples);
        cJSON_AddNumberToObject(o, "embedded", (double)n.embedded);
        cJSON_AddNumberToObject(o, "stale", (double)n.stale);
        cJSON_AddNumberToObject(o, "missing", (double)n.missing);
        cliopt_json_add_int(o, "orphaned", orphaned);
        cJSON_AddNumberToObject(o, "stored_rows", (double)meta.rows);
        cJSON_AddStringToObject(o, "provider", meta.provider);
        cJSON_AddStringToObject(o, "model", meta.model);
        cJSON_AddNumberToObject(o, "dims", meta.dims);
        cJSON_AddStringToObject(o, "query_prefix", meta.prompts.query);
        cJSON_AddStringToObject(o, "document_prefix", meta.prompts.document);
        if (have_cp) {
            cJSON *last = cJSON_AddObjectToObject(o, "last_run");
            cJSON_AddStringToObject(last, "started_at", cp.started_at);
            cJSON_AddStringToObject(last, "updated_at", cp.updated_at);
            cJSON_AddBoolToObject(last, "finished", cp.finished);
            cliopt_json_add_int(last, "last_processed_id", cp.last_processed_id);
            cJSON_AddNumberToObject(last, "total_processed", (double)cp.total_processed);
            cJSON_AddNumberToObject(last, "total_failed", (double)cp.total_failed);
            cJSON_AddNumberToObject(last, "total_tokens", (double)cp.total_tokens);
            cJSON_AddNumberToObject(last, "total_cost_usd", cp.total_cost_usd);
        } else {
            cJSON_AddNullToObject(o, "last_run");
        }
        cliopt_print_json(o);
    } else {
        char a[TERMTEXT_COUNT_LEN], b[TERMTEXT_COUNT_LEN], shown[LOCATIONS_LEN], hint[4096];
        static const char *const where[] = {"library", "store", "progress-file", NULL};
        char library_shown[LOCATIONS_LEN];
        locations_shown(store_loc, shown);
        locations_shown(library_path, library_shown);
        printf("library   %s\n", library_shown);
        printf("store     %s\n", shown);
        printf("samples   %s\n", termtext_count(n.samples, a));
        printf("embedded  %s\n", termtext_count(n.embedded, a));
        printf("stale     %s\n", termtext_count(n.stale, a));
        printf("missing   %s\n", termtext_count(n.missing, a));
        printf("orphaned  %s%s\n", termtext_count(orphaned, a),
               orphaned ? " (vectors of samples no longer in the library; 'embed --all' removes them)" : "");
        printf("model     %s\n", meta.model[0] ? meta.model : "-");
        printf("provider  %s\n", meta.provider[0] ? meta.provider : "-");
        if (meta.prompts.query[0] || meta.prompts.document[0]) {
            /* quoted as JSON strings: they end in spaces and may hold a newline */
            cJSON *qs = cJSON_CreateStringReference(meta.prompts.query);
            cJSON *ds = cJSON_CreateStringReference(meta.prompts.document);
            char *q = qs ? cJSON_PrintUnformatted(qs) : NULL, *d = ds ? cJSON_PrintUnformatted(ds) : NULL;
            printf("prefixes  query %s, document %s\n", q ? q : "?", d ? d : "?");
            cJSON_free(q);
            cJSON_free(d);
            cJSON_Delete(qs);
            cJSON_Delete(ds);
        }
        if (meta.dims > 0)
            printf("dims      %d\n", meta.dims);
        else
            printf("dims      -\n");
        if (have_cp) {
            printf("last run  %s → %s, %s, %s processed, %s failed", cp.started_at, cp.updated_at,
                   cp.finished ? "finished" : "not finished", termtext_count(cp.total_processed, a),
                   termtext_count(cp.total_failed, b));
            if (cp.total_cost_usd > 0)
                printf(", $%.6f", cp.total_cost_usd);
            printf("\n");
            if (!cp.finished)
                printf("hint      finish it: %s\n",
                       cliopt_hint(&given, "embed --all", where, NULL, "--resume", hint, sizeof hint));
        } else {
            printf("last run  -\n");
        }
        if ((n.stale || n.missing) && (!have_cp || cp.finished))
            printf("hint      embed the %s stale and missing samples: %s\n", termtext_count(n.stale + n.missing, a),
                   cliopt_hint(&given, "embed --all", where, NULL, NULL, hint, sizeof hint));
    }
done:
    if (have_cp)
        checkpoint_clear(&cp);
    store_close(st);
    library_close(lib);
    if (rc)
        msg_error("%s", err);
    return rc;
}
