/* samplevec models: the GGUF models Ollama has pulled on this machine that the gguf provider
 * can run in-process (name, architecture, dims, weights, size, path), read from their
 * metadata alone. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "commands.h"
#include "msg.h"
#include "ollama.h"
#include "provider.h"

static const char models_help[] =
    "usage: samplevec models [--all] [--json]\n"
    "\n"
    "Lists the embedding models in Ollama's local store ($OLLAMA_MODELS, else ~/.ollama/models,\n"
    "else /usr/share/ollama/.ollama/models) that `--provider gguf --model NAME` runs in-process,\n"
    "without Ollama running.\n"
    "  --all    also the models it cannot run, each with the reason\n"
    "  --json   {store, models: [{name, path, architecture, tokenizer, dims, context_length,\n"
    "           weights, bytes, supported, reason}]}\n";

enum { OPT_ALL = 256, OPT_HELP, OPT_JSON };
static const struct option models_table[] = {
    {"all", no_argument, NULL, OPT_ALL},
    {"help", no_argument, NULL, OPT_HELP},
    {"json", no_argument, NULL, OPT_JSON},
    {NULL, 0, NULL, 0},
};

static void human_size(uint64_t bytes, char out[16])
{
    const char *units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    snprintf(out, 16, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

int cmd_models(int argc, char **argv)
{
    int all = 0, json = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", models_table, NULL)) != -1) {
        switch (c) {
        case OPT_ALL: all = 1; break;
        case OPT_HELP: fputs(models_help, stdout); return SV_EXIT_OK;
        case OPT_JSON: json = 1; break;
        default: return cliopt_bad_option("models", c, argv);
        }
    }
    if (optind != argc)
        return msg_usage("models", "unexpected argument '%s'", argv[optind]);

    char root[OLLAMA_PATH_LEN], err[SV_ERR_LEN];
    int has_store = ollama_root(root);
    ollama_model *models = NULL;
    size_t n = 0;
    int rc = ollama_list(&models, &n, err);
    if (rc) {
        msg_error("%s", err);
        return rc;
    }
    cJSON *doc = json ? cJSON_CreateObject() : NULL;
    cJSON *list = json ? cJSON_AddArrayToObject(doc, "models") : NULL;
    if (json)
        cJSON_AddStringToObject(doc, "store", root);
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        provider_gguf_info info;
        char why[SV_ERR_LEN];
        if (provider_gguf_probe(models[i].path, &info, why)) {
            memset(&info, 0, sizeof info);
            snprintf(info.why, sizeof info.why, "%s", why);
        }
        if (!info.supported && !all)
            continue;
        shown++;
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToArray(list, o);
            cJSON_AddStringToObject(o, "name", models[i].name);
            cJSON_AddStringToObject(o, "path", models[i].path);
            cJSON_AddStringToObject(o, "architecture", info.architecture);
            cJSON_AddStringToObject(o, "tokenizer", info.tokenizer);
            cJSON_AddNumberToObject(o, "dims", info.dims);
            cJSON_AddNumberToObject(o, "context_length", info.context);
            cJSON_AddStringToObject(o, "weights", info.weights);
            cJSON_AddNumberToObject(o, "bytes", (double)models[i].size);
            cJSON_AddBoolToObject(o, "supported", info.supported);
            if (info.supported)
                cJSON_AddNullToObject(o, "reason");
            else
                cJSON_AddStringToObject(o, "reason", info.why);
            continue;
        }
        if (shown == 1)
            printf("%-32s %-12s %5s %-7s %9s  %s\n", "NAME", "ARCH", "DIMS", "WEIGHTS", "SIZE", "PATH");
        char size[16];
        human_size(models[i].size, size);
        printf("%-32s %-12s %5d %-7s %9s  %s\n", models[i].name, info.architecture[0] ? info.architecture : "-",
               info.dims, info.weights[0] ? info.weights : "-", size, models[i].path);
        if (!info.supported)
            printf("  not usable: %s\n", info.why);
    }
    free(models);
    if (json) {
        cliopt_print_json(doc);
        return SV_EXIT_OK;
    }
    if (!has_store)
        msg_info("no Ollama model store at %s (set OLLAMA_MODELS to where Ollama keeps its models)", root);
    else if (shown == 0)
        msg_info("no embedding model this build runs in %s%s (pull one, e.g. `ollama pull nomic-embed-text`)",
                 root, all ? "" : "; --all lists the others");
    return SV_EXIT_OK;
}
