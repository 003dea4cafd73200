/* samplevec embed-text: embeds the texts given on the command line with any provider and
 * prints the vectors; nothing is read from a library or written to a store. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cliopt.h"
#include "commands.h"
#include "msg.h"
#include "provider.h"

static const char embed_text_help[] =
    "usage: samplevec embed-text TEXT... [--provider NAME] [--model ID|PATH] [--json]\n"
    "\n"
    "Embeds each TEXT and prints its vector: one line of numbers per text, or with --json\n"
    "{provider, model, dims, results: [{text, tokens, truncated, embedding}]}.\n"
    "  --base-url URL   remote providers' endpoint\n"
    "  --dims N         requested dimensions (providers that support it)\n"
    "  --model ID       model id; for --provider gguf a .gguf path or a model Ollama has\n"
    "                   pulled ($SAMPLEVEC_MODEL)\n"
    "  --provider NAME  lexical (default), openai, openrouter, gguf\n"
    "  --repeat N       embed N more times after a warm-up and report the median time on\n"
    "                   stderr (benchmarks; local providers)\n"
    "  --threads N      local compute threads (default: all cores)\n";

enum { OPT_BASE_URL = 256, OPT_DIMS, OPT_HELP, OPT_JSON, OPT_MODEL, OPT_PROVIDER, OPT_REPEAT, OPT_THREADS };
static const struct option embed_text_table[] = {
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"dims", required_argument, NULL, OPT_DIMS},
    {"help", no_argument, NULL, OPT_HELP},
    {"json", no_argument, NULL, OPT_JSON},
    {"model", required_argument, NULL, OPT_MODEL},
    {"provider", required_argument, NULL, OPT_PROVIDER},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"threads", required_argument, NULL, OPT_THREADS},
    {NULL, 0, NULL, 0},
};

int cmd_embed_text(int argc, char **argv)
{
    provider_config cfg = {.name = "lexical", .batch_size = 100, .concurrency = 4, .max_retries = 5};
    int json = 0, c, rc, repeat = 0;
    int64_t v;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", embed_text_table, NULL)) != -1) {
        switch (c) {
        case OPT_BASE_URL: cfg.base_url = optarg; break;
        case OPT_DIMS:
            if ((rc = cliopt_int("embed-text", "dims", optarg, 1, 65536, &v)))
                return rc;
            cfg.dims = (int)v;
            break;
        case OPT_HELP: fputs(embed_text_help, stdout); return SV_EXIT_OK;
        case OPT_JSON: json = 1; break;
        case OPT_MODEL: cfg.model = optarg; break;
        case OPT_PROVIDER: cfg.name = optarg; break;
        case OPT_REPEAT:
            if ((rc = cliopt_int("embed-text", "repeat", optarg, 0, 1000, &v)))
                return rc;
            repeat = (int)v;
            break;
        case OPT_THREADS:
            if ((rc = cliopt_int("embed-text", "threads", optarg, 1, 1024, &v)))
                return rc;
            cfg.threads = (int)v;
            break;
        default: return cliopt_bad_option("embed-text", c, argv);
        }
    }
    size_t n = (size_t)(argc - optind);
    if (n == 0)
        return msg_usage("embed-text", "give at least one TEXT to embed");
    const char *const *texts = (const char *const *)(argv + optind);

    char err[SV_ERR_LEN] = "";
    int exit_code = SV_EXIT_OK;
    provider *p = provider_open(&cfg, &exit_code, err);
    if (!p) {
        msg_error("%s", err);
        return exit_code;
    }
    size_t dims = (size_t)p->dims;
    float *vec = calloc(n * dims, sizeof *vec);
    provider_text_result *res = calloc(n, sizeof *res);
    int64_t billed = -1;
    if (!vec || !res) {
        rc = sv_fail(err, SV_EXIT_FAILED, "out of memory");
        goto cleanup;
    }
    /* Hand the provider at most chunk_size texts at a time, as the embed pipeline does. */
    size_t chunk = p->chunk_size ? p->chunk_size : n;
    double secs[1001];
    for (int run = 0; run <= repeat; run++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        provider_results_clear(res, n);
        for (size_t s = 0; s < n; s += chunk) {
            size_t k = n - s < chunk ? n - s : chunk;
            if ((rc = provider_embed(p, texts + s, k, vec + s * dims, res + s, &billed, err)))
                goto cleanup;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        secs[run] = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    }
    if (repeat > 0) { /* run 0 was the warm-up; median of the rest by insertion sort */
        for (int i = 2; i <= repeat; i++)
            for (int j = i; j > 1 && secs[j] < secs[j - 1]; j--) {
                double t = secs[j];
                secs[j] = secs[j - 1];
                secs[j - 1] = t;
            }
        double med = secs[1 + repeat / 2];
        int64_t tokens = 0;
        for (size_t i = 0; i < n; i++)
            tokens += res[i].tokens;
        fprintf(stderr, "timing: %zu texts, %lld tokens, %d runs, median %.4f s, %.2f texts/s, %.1f tokens/s\n", n,
                (long long)tokens, repeat, med, (double)n / med, (double)tokens / med);
    }
    for (size_t i = 0; i < n; i++)
        if (res[i].error) {
            msg_error("text %zu: %s", i + 1, res[i].error);
            rc = SV_EXIT_FAILED; /* reported here; err stays empty */
        }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "provider", p->name);
        cJSON_AddStringToObject(o, "model", p->model);
        cJSON_AddNumberToObject(o, "dims", (double)dims);
        cJSON *arr = cJSON_AddArrayToObject(o, "results");
        for (size_t i = 0; i < n; i++) {
            cJSON *r = cJSON_CreateObject();
            cJSON_AddStringToObject(r, "text", texts[i]);
            cJSON_AddNumberToObject(r, "tokens", (double)res[i].tokens);
            cJSON_AddBoolToObject(r, "truncated", res[i].truncated);
            if (res[i].error) {
                cJSON_AddStringToObject(r, "error", res[i].error);
            } else {
                cJSON *e = cJSON_AddArrayToObject(r, "embedding");
                for (size_t d = 0; d < dims; d++)
                    cJSON_AddItemToArray(e, cJSON_CreateNumber(vec[i * dims + d]));
            }
            cJSON_AddItemToArray(arr, r);
        }
        cliopt_print_json(o);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (res[i].error)
                continue;
            for (size_t d = 0; d < dims; d++)
                printf("%s%.9g", d ? " " : "", vec[i * dims + d]);
            putchar('\n');
        }
    }
cleanup:
    if (rc && err[0])
        msg_error("%s", err);
    if (res)
        provider_results_clear(res, n);
    free(res);
    free(vec);
    provider_free(p);
    return rc;
}
